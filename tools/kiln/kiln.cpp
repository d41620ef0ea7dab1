//===- kiln.cpp - the kiln command line ----------------------------------===//
//
// Thin: parses arguments with CLI11 and calls the driver library.
//
//===----------------------------------------------------------------------===//
#include "kiln/Driver/Driver.h"

#include <CLI/CLI.hpp>

#include <map>

using namespace mlir::kiln;

int main(int argc, char **argv) {
  CLI::App app{"Kiln: an ahead-of-time compiler for tensor dataflow graphs"};
  app.require_subcommand(1);

  CompileOptions compile;
  std::string emit = "obj", targetName = "cpu";
  unsigned optLevel = 2;
  CLI::App *cc = app.add_subcommand("compile", "Compile a graph to native code");
  cc->add_option("GRAPH", compile.input, "Graph file (.json, .mlir, .onnx)")
      ->required();
  cc->add_option("-o", compile.output, "Output file");
  cc->add_option("--emit", emit, "What to write")
      ->check(CLI::IsMember(
          {"obj", "static", "shared", "header", "kiln", "linalg", "llvm", "asm"}));
  cc->add_option("--target", targetName, "cpu (cuda is not available yet)")
      ->check(CLI::IsMember({"cpu", "cuda"}));
  cc->add_option("--triple", compile.target.triple, "Target triple");
  cc->add_option("--mcpu", compile.target.cpu, "Target CPU");
  cc->add_option("-O", optLevel, "Optimization level: -O0 .. -O3 (default 2)")
      ->check(CLI::Range(0, 3));
  cc->add_flag("--print-ir-after-all", compile.printIrAfterAll,
               "Print the IR after every pass (stderr)");
  cc->add_option("--print-ir-after", compile.printIrAfter,
                 "Print the IR after the named pass (stderr)");
  cc->add_flag("--print-ir-before-all", compile.printIrBeforeAll,
               "Print the IR before every pass (stderr)");
  cc->add_option("--print-ir-before", compile.printIrBefore,
                 "Print the IR before the named pass (stderr)");
  cc->add_option("--dump-dir", compile.dumpDir,
                 "Write DIR/NNN-PASS.mlir after every pass, then the final "
                 "NNN-llvm.ll and NNN-asm.s");
  cc->add_flag("--timing", compile.timing, "Print a per-pass time table");
  cc->add_flag("--statistics", compile.statistics,
               "Print the passes' statistics (stderr)");
  cc->add_option("--shape", compile.shapes,
                 "NAME=D0,D1,...: pin an input's dimensions (repeatable)");
  cc->add_option("--bind", compile.binds,
                 "NAME=FILE.npy: make an input a constant holding the file's "
                 "contents; it leaves the signature (repeatable)");
  cc->add_flag("--check-numerics", compile.checkNumerics,
               "Count the NaN and Inf each kernel writes; the artifact "
               "reports them to a handler (kiln run --check-numerics)");

  RunOptions run;
  CLI::App *rc = app.add_subcommand(
      "run", "Run a compiled artifact (.so) or a graph, writing DIR/NAME.npy");
  rc->add_option("ARTIFACT_OR_GRAPH", run.artifactOrGraph)->required();
  rc->add_option("--input", run.inputs, "NAME=FILE.npy (repeatable)");
  rc->add_option("--output-dir", run.outputDir, "Where outputs are written");
  rc->add_option("--shape", run.shapes,
                 "NAME=D0,D1,...: pin an input's dimensions when compiling a "
                 "graph (repeatable)");
  rc->add_option("--bind", run.binds,
                 "NAME=FILE.npy: make an input of the graph a constant "
                 "(as kiln compile --bind; repeatable)");
  rc->add_flag("--eager", run.eager,
               "Interpret the graph op by op with the reference kernels");
  rc->add_flag("--trace", run.trace,
               "With --eager: print each op's result summary (stdout)");
  rc->add_flag("--check-numerics", run.checkNumerics,
               "Fail at the first op (--eager) or kernel whose result has a "
               "NaN or Inf; a graph is compiled with the checks, an artifact "
               "must have them (kiln compile --check-numerics)");
  rc->add_option("--repeat", run.repeat,
                 "N: after a warm-up run, time N runs in process and print "
                 "'latency_us median=M min=A max=B' as the last line "
                 "(compiled runs)")
      ->check(CLI::Range(1u, 1000000000u));
  rc->add_option("--threads", run.threads,
                 "N: run on at most N threads (compiled runs; default 0, "
                 "one per CPU)")
      ->check(CLI::Range(0, 65536));

  CompareOptions compare;
  CLI::App *mc = app.add_subcommand(
      "compare", "Run a graph compiled and eagerly; name the first node whose "
                 "values differ beyond tolerance (exit 1)");
  mc->add_option("GRAPH", compare.graph, "Graph file (.json, .mlir, .onnx)")
      ->required();
  mc->add_option("--input", compare.inputs, "NAME=FILE.npy (repeatable)");
  mc->add_option("--rtol", compare.rtol,
                 "Relative tolerance for floating values (default 1e-4)")
      ->check(CLI::NonNegativeNumber);
  mc->add_option("--atol", compare.atol,
                 "Absolute tolerance for floating values (default 1e-5)")
      ->check(CLI::NonNegativeNumber);
  mc->add_option("--shape", compare.shapes,
                 "NAME=D0,D1,...: pin an input's dimensions (repeatable)");
  mc->add_option("--bind", compare.binds,
                 "NAME=FILE.npy: make an input of the graph a constant "
                 "(as kiln compile --bind; repeatable)");

  InspectOptions inspect;
  CLI::App *ic = app.add_subcommand(
      "inspect", "Show a graph's or artifact's inputs and outputs; for a "
                 "graph also its nodes and the kernels they compile to");
  ic->add_option("GRAPH_OR_ARTIFACT", inspect.path)->required();
  ic->add_option("--dot", inspect.dot,
                 "FILE: write a Graphviz picture of the graph, one cluster "
                 "per kernel");
  ic->add_option("--shape", inspect.shapes,
                 "NAME=D0,D1,...: pin an input's dimensions (repeatable)");
  ic->add_option("--bind", inspect.binds,
                 "NAME=FILE.npy: make an input of the graph a constant "
                 "(repeatable)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    return app.exit(e) == 0 ? 0 : 1;
  }

  if (*cc) {
    static const std::map<std::string, EmitKind> kinds = {
        {"obj", EmitKind::Object},   {"static", EmitKind::Static},
        {"shared", EmitKind::Shared}, {"header", EmitKind::Header},
        {"kiln", EmitKind::Kiln},     {"linalg", EmitKind::Linalg},
        {"llvm", EmitKind::LLVM},     {"asm", EmitKind::Asm}};
    compile.emit = kinds.at(emit);
    if (targetName != "cpu") {
      std::fprintf(stderr, "kiln compile: error: --target %s is not "
                           "supported yet\n", targetName.c_str());
      return 1;
    }
    compile.target.optLevel = optLevel;
    return compileCommand(compile);
  }
  if (*ic)
    return inspectCommand(inspect);
  if (*mc)
    return compareCommand(compare);
  return runCommand(run);
}
