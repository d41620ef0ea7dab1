# Writes docs/ops.md: a title and the op documentation mlir-tblgen generated.
file(READ ${IN} body)
file(WRITE ${OUT} "# kiln dialect op reference\n\n"
  "Generated from the ops' ODS definitions (dialects/kiln/IR/*.td) by the\n"
  "build; do not edit by hand: run scripts/update-op-docs.sh.\n\n${body}")
