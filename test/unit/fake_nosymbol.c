/* A shared library that is not a Kiln artifact: it does not export
 * kiln_artifact_describe. */
__attribute__((visibility("default"))) int not_a_kiln_artifact(void);
int not_a_kiln_artifact(void) { return 42; }
