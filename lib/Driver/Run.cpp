//===- Run.cpp - kiln run: compiled through the runtime, or eager -*- C++ -*-===//
#include "Inputs.h"

#include "kiln/Driver/Driver.h"
#include "kiln/Driver/Session.h"
#include "kiln/Interpreter/Interpreter.h"
#include "kiln/runtime.h"

#include "dialects/kiln/IR/KilnDialect.h"
#include "dialects/kiln/IR/KilnOps.h"
#include "dialects/kiln/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>

using namespace mlir;
using namespace mlir::kiln;

namespace {

int fail(const Twine &message) { return commandError("run", message); }

LogicalResult writeOutput(const std::string &dir, const std::string &name,
                          int32_t dtype, ArrayRef<int64_t> shape,
                          const void *data) {
  SmallString<256> path(dir);
  llvm::sys::path::append(path, name + ".npy");
  if (kiln_npy_write(path.c_str(), dtype, shape.size(), shape.data(), data) !=
      KILN_OK)
    return fail(kiln_last_error()), failure();
  return success();
}

/// `--check-numerics` on a compiled run: the first report of the artifact's
/// numerics checks (the run goes on to its end; later reports are ignored).
struct NumericsReport {
  bool seen = false;
  kiln_numerics_event event{};
  std::vector<std::string> nodes;

  static void handle(const kiln_numerics_event *event, void *user) {
    auto *self = static_cast<NumericsReport *>(user);
    if (self->seen)
      return;
    self->seen = true;
    self->event = *event;
    for (int32_t i = 0; i < event->num_nodes; ++i)
      self->nodes.push_back(event->nodes[i]);
  }

  /// The error, worded as the eager mode's for an op.
  int error() const {
    std::string what = "kernel " + std::to_string(event.kernel);
    for (auto [i, node] : llvm::enumerate(nodes))
      what += (i ? ", '" : nodes.size() > 1 ? " (nodes '" : " (node '") +
              node + "'";
    if (!nodes.empty())
      what += ")";
    std::string result = event.num_results > 1
                             ? "result #" + std::to_string(event.result)
                             : std::string("its result");
    return fail("--check-numerics: " + what + ": " + result + " (" +
                  getDtypeName(event.dtype) + ") has " + Twine(event.nan) +
                  " NaN and " + Twine(event.inf) + " Inf of " +
                  Twine(event.elements) + " values");
  }
};

double nowMicros() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) * 1e6 + double(ts.tv_nsec) * 1e-3;
}

/// Runs an opened model on `inputs` (in the model's input order) on
/// `threads` threads (0: one per CPU): once, or with `repeat` > 0 once to
/// warm up and then `repeat` times, each run of the runtime call timed, the
/// times (microseconds) appended to `latencies`. Returns the outputs of the
/// last run, or fails after a runtime error. `stopEarly` is asked after the
/// warm-up run: true skips the timed runs.
FailureOr<std::vector<HostTensor>>
runTimed(kiln_model *model, ArrayRef<kiln_npy *> inputs, int32_t threads,
         unsigned repeat, std::vector<double> &latencies,
         llvm::function_ref<bool()> stopEarly) {
  FailureOr<ModelCall> call = prepareCall("run", model, inputs);
  if (failed(call))
    return failure();
  auto runOnce = [&]() -> LogicalResult {
    if (kiln_model_run_threads(model, call->in.data(), call->in.size(),
                               call->out.data(), call->out.size(),
                               threads) != KILN_OK)
      return fail(kiln_last_error()), failure();
    return success();
  };
  if (failed(runOnce())) // the only run, or the warm-up
    return failure();
  if (repeat == 0 || stopEarly())
    return std::move(call->results);
  latencies.reserve(latencies.size() + repeat);
  for (unsigned i = 0; i < repeat; ++i) {
    double start = nowMicros();
    if (failed(runOnce()))
      return failure();
    latencies.push_back(nowMicros() - start);
  }
  return std::move(call->results);
}

/// `latency_us median=M min=A max=B` (microseconds, one decimal).
void printLatencies(std::vector<double> latencies) {
  llvm::sort(latencies);
  size_t n = latencies.size();
  double median = n % 2 ? latencies[n / 2]
                        : (latencies[n / 2 - 1] + latencies[n / 2]) / 2;
  char line[128];
  std::snprintf(line, sizeof(line), "latency_us median=%.1f min=%.1f max=%.1f",
                median, latencies.front(), latencies.back());
  llvm::outs() << line << "\n";
  llvm::outs().flush();
}

int runArtifact(const std::string &path, const RunOptions &options,
                InputFiles &files, bool compiledHere = false) {
  kiln_model *model = nullptr;
  if (kiln_model_open(path.c_str(), &model) != KILN_OK)
    return fail(kiln_last_error());
  llvm::scope_exit close([&] { kiln_model_close(model); });
  const kiln_graph_desc *desc = kiln_model_describe(model);
  NumericsReport numerics;
  if (options.checkNumerics &&
      kiln_model_set_numerics_handler(model, NumericsReport::handle,
                                      &numerics) != KILN_OK)
    return fail(compiledHere
                    ? "--check-numerics: " + std::string(kiln_last_error())
                    : "--check-numerics: artifact '" + path +
                          "' was compiled without numerics checks (build it "
                          "with kiln compile --emit shared --check-numerics, "
                          "or run the graph)");
  std::vector<std::string> names;
  for (int32_t i = 0; i < desc->num_inputs; ++i)
    names.push_back(desc->inputs[i].name);
  auto ordered = matchInputs("run", files, names);
  if (failed(ordered))
    return 1;
  std::vector<double> latencies;
  FailureOr<std::vector<HostTensor>> results =
      runTimed(model, *ordered, std::max(options.threads, 0), options.repeat,
               latencies, [&] { return numerics.seen; });
  if (failed(results))
    return 1;
  if (numerics.seen)
    return numerics.error(); // and no outputs are written
  for (auto [out, t] : llvm::zip(ArrayRef(desc->outputs, desc->num_outputs),
                                 *results))
    if (failed(writeOutput(options.outputDir, out.name, t.dtype, t.shape,
                           t.bytes.data())))
      return 1;
  if (options.repeat > 0)
    printLatencies(std::move(latencies)); // the last line
  return 0;
}

/// Loads a graph and checks it as the compiler's first pass does (symbolic
/// dimensions included), so that eager mode and inspect accept exactly the
/// graphs that compile.
FailureOr<func::FuncOp>
loadCheckedGraph(Session &session, StringRef path,
                 OwningOpRef<ModuleOp> &module,
                 ArrayRef<std::string> binds = {},
                 ArrayRef<std::string> shapes = {}) {
  module = session.loadGraph(path, shapes, binds);
  if (!module)
    return failure();
  FailureOr<func::FuncOp> graph = findGraph(*module);
  if (failed(graph))
    return failure();
  PassManager pm(&session.context());
  pm.addNestedPass<func::FuncOp>(createKilnInferSymbolicDims());
  if (failed(pm.run(*module)))
    return failure();
  return graph;
}

/// The checks the runtime makes before a compiled run, with the same words,
/// so that both modes reject the same inputs the same way: dtype, rank,
/// static dims, and symbolic dims bound by the first input that has them.
LogicalResult checkInputs(func::FuncOp graph, ArrayRef<kiln_npy *> inputs) {
  FailureOr<GraphSignature> sig = extractSignature(graph);
  if (failed(sig))
    return failure();
  std::map<std::string, std::pair<int64_t, std::string>> bound;
  for (auto [t, npy] : llvm::zip(sig->inputs, inputs)) {
    std::string what = "input '" + t.name + "'";
    if (npy->dtype != t.dtype)
      return fail(what + ": expected dtype " + getDtypeName(t.dtype) +
                  ", got " + getDtypeName(npy->dtype)),
             failure();
    if (npy->rank != (int32_t)t.dims.size())
      return fail(what + ": expected rank " + Twine(t.dims.size()) +
                  ", got " + Twine(npy->rank)),
             failure();
    for (size_t d = 0; d < t.dims.size(); ++d) {
      int64_t got = npy->shape[d];
      if (t.dims[d] >= 0) {
        if (got != t.dims[d])
          return fail(what + " dim " + Twine(d) + ": expected " +
                      Twine(t.dims[d]) + ", got " + Twine(got)),
                 failure();
        continue;
      }
      auto [it, inserted] = bound.try_emplace(t.exprs[d], got, t.name);
      if (!inserted && it->second.first != got)
        return fail(what + " dim " + Twine(d) + ": expected " +
                    Twine(it->second.first) + " (symbol '" + t.exprs[d] +
                    "', bound by input '" + it->second.second + "'), got " +
                    Twine(got)),
               failure();
    }
  }
  return success();
}

/// The node name an op carries in its location (a JSON node's "name", an
/// ONNX node's name), or the empty string.
std::string nodeName(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().str();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations()) {
      std::string name = nodeName(inner);
      if (!name.empty())
        return name;
    }
  if (auto callSite = dyn_cast<CallSiteLoc>(loc))
    return nodeName(callSite.getCallee());
  return "";
}

/// The value summary of one result, as `--trace` prints it and
/// `--check-numerics` tests it.
struct ValueSummary {
  int64_t count = 0;   // elements
  int64_t ordered = 0; // elements that are not NaN (min/max/mean over these)
  double min = 0, max = 0, sum = 0;
  int64_t nan = 0, inf = 0, trues = 0;
};

float halfToFloat(uint16_t bits, bool bfloat) {
  if (bfloat) {
    uint32_t wide = uint32_t(bits) << 16;
    float f;
    std::memcpy(&f, &wide, sizeof(f));
    return f;
  }
  APFloat value(APFloat::IEEEhalf(), APInt(16, bits));
  return value.convertToFloat();
}

bool isFloatDtype(int32_t dtype) {
  return dtype == KILN_DTYPE_F16 || dtype == KILN_DTYPE_BF16 ||
         dtype == KILN_DTYPE_F32 || dtype == KILN_DTYPE_F64;
}

ValueSummary summarize(const HostTensor &t) {
  ValueSummary s;
  s.count = t.numElements();
  auto add = [&](double v) {
    if (std::isnan(v)) {
      ++s.nan;
      return;
    }
    if (std::isinf(v))
      ++s.inf;
    if (s.ordered == 0 || v < s.min)
      s.min = v;
    if (s.ordered == 0 || v > s.max)
      s.max = v;
    s.sum += v;
    ++s.ordered;
  };
  for (int64_t i = 0; i < s.count; ++i) {
    switch (t.dtype) {
    case KILN_DTYPE_F16:
      add(halfToFloat(t.data<uint16_t>()[i], false));
      break;
    case KILN_DTYPE_BF16:
      add(halfToFloat(t.data<uint16_t>()[i], true));
      break;
    case KILN_DTYPE_F32: add(t.data<float>()[i]); break;
    case KILN_DTYPE_F64: add(t.data<double>()[i]); break;
    case KILN_DTYPE_I8: add(t.data<int8_t>()[i]); break;
    case KILN_DTYPE_I16: add(t.data<int16_t>()[i]); break;
    case KILN_DTYPE_I32: add(t.data<int32_t>()[i]); break;
    case KILN_DTYPE_I64: add(double(t.data<int64_t>()[i])); break;
    case KILN_DTYPE_U8: add(t.data<uint8_t>()[i]); break;
    case KILN_DTYPE_BOOL: s.trues += t.data<uint8_t>()[i] != 0; break;
    default: break;
    }
  }
  return s;
}

std::string formatNumber(double v) {
  if (std::isnan(v))
    return "nan";
  if (std::isinf(v))
    return v > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}

/// What an op is called in messages: `node 'NAME' kiln.op`, or just the op
/// name when its location carries no node name; `#I` names one result of
/// several.
std::string describeOp(Operation *op, unsigned result) {
  std::string name = nodeName(op->getLoc());
  std::string s = name.empty() ? "" : "node '" + name + "' ";
  s += op->getName().getStringRef().str();
  if (op->getNumResults() > 1)
    s += " #" + std::to_string(result);
  return s;
}

/// One `--trace` line (the format is documented in docs/runtime.md).
void printTraceLine(llvm::raw_ostream &os, Operation *op, unsigned result,
                    const HostTensor &t) {
  os << describeOp(op, result) << " " << getDtypeName(t.dtype) << " [";
  for (size_t i = 0; i < t.shape.size(); ++i)
    os << (i ? ", " : "") << t.shape[i];
  os << "]:";
  ValueSummary s = summarize(t);
  if (t.dtype == KILN_DTYPE_BOOL) {
    os << " true=" << s.trues << "\n";
    return;
  }
  if (s.ordered == 0)
    os << " min=- max=- mean=-";
  else
    os << " min=" << formatNumber(s.min) << " max=" << formatNumber(s.max)
       << " mean=" << formatNumber(s.sum / double(s.ordered));
  if (isFloatDtype(t.dtype))
    os << " nan=" << s.nan << " inf=" << s.inf;
  os << "\n";
}

/// `--check-numerics`: fails, after printing an error, on the first floating
/// result with a NaN or Inf. Constants are data, like the graph's inputs,
/// and are not checked.
LogicalResult checkNumerics(Operation *op, ArrayRef<HostTensor> results) {
  if (isa<ConstantOp>(op))
    return success();
  for (auto [i, t] : llvm::enumerate(results)) {
    if (!isFloatDtype(t.dtype))
      continue;
    ValueSummary s = summarize(t);
    if (s.nan == 0 && s.inf == 0)
      continue;
    std::string what = op->getNumResults() > 1
                           ? "result #" + std::to_string(i)
                           : std::string("its result");
    llvm::outs().flush(); // the trace up to this op comes first
    return fail("--check-numerics: " + describeOp(op, i) + ": " + what +
                " (" + getDtypeName(t.dtype) + ") has " + Twine(s.nan) +
                " NaN and " + Twine(s.inf) + " Inf of " + Twine(s.count) +
                " values"),
           failure();
  }
  return success();
}

int runEager(const RunOptions &options, InputFiles &files) {
  Session session;
  OwningOpRef<ModuleOp> module;
  // An ONNX model's shape computations fold only on known shapes: eager mode
  // knows them from the input files.
  std::vector<std::string> shapes;
  if (StringRef(options.artifactOrGraph).ends_with(".onnx")) {
    for (auto &[name, npy] : files.arrays)
      shapes.push_back(shapePinOf(name, npy));
  }
  FailureOr<func::FuncOp> graph = loadCheckedGraph(
      session, options.artifactOrGraph, module, options.binds, shapes);
  if (failed(graph))
    return 1;
  // The interpreter's nn kernels, like the CPU lowering, compute f16, bf16
  // and u8 in a wider type; the same pass makes both modes agree.
  PassManager widen(&session.context());
  widen.addNestedPass<func::FuncOp>(createKilnWidenElementTypes());
  if (failed(widen.run(*module)))
    return 1;
  auto ordered = matchInputs("run", files, graphInputNames(*graph));
  if (failed(ordered))
    return 1;
  if (failed(checkInputs(*graph, *ordered)))
    return 1;
  SmallVector<HostTensor> inputs;
  for (kiln_npy *npy : *ordered)
    inputs.push_back(toHostTensor(*npy));
  InterpreterOptions interpreterOptions;
  if (options.trace)
    interpreterOptions.onOpEvaluated = [](Operation *op,
                                          ArrayRef<HostTensor> results) {
      for (auto [i, t] : llvm::enumerate(results))
        printTraceLine(llvm::outs(), op, i, t);
    };
  if (options.checkNumerics)
    interpreterOptions.checkOp = checkNumerics;
  FailureOr<SmallVector<HostTensor>> results =
      interpretGraph(*graph, inputs, interpreterOptions);
  if (failed(results))
    return 1;
  for (auto [i, t] : llvm::enumerate(*results)) {
    auto name = graph->getResultAttrOfType<StringAttr>(i, kNameAttr);
    if (failed(writeOutput(options.outputDir,
                           name ? name.str() : "result" + std::to_string(i),
                           t.dtype, t.shape, t.bytes.data())))
      return 1;
  }
  return 0;
}

} // namespace

int mlir::kiln::runCommand(const RunOptions &options) {
  if (!options.eager && options.trace)
    return fail("--trace needs --eager (it is not supported for compiled "
                "runs yet)");
  if (options.eager && options.repeat > 0)
    return fail("--repeat times compiled runs, not --eager (run the graph "
                "without --eager, or its artifact)");
  if (options.eager && options.threads >= 0)
    return fail("--threads applies to compiled runs, not to --eager");
  // Like `mkdir -p`: a fresh output directory is the common case.
  if (std::error_code ec =
          llvm::sys::fs::create_directories(options.outputDir))
    return fail("cannot create output directory '" + options.outputDir +
                "': " + ec.message());
  InputFiles files;
  if (failed(readInputs("run", options.inputs, files)))
    return 1;
  const std::string &target = options.artifactOrGraph;
  if (!options.binds.empty() && !isGraphPath(target))
    return fail("--bind applies to a graph, not to an artifact");
  if (!options.shapes.empty() && (options.eager || !isGraphPath(target)))
    return fail("--shape applies when a graph is compiled, not to " +
                std::string(options.eager ? "--eager" : "an artifact"));
  if (options.eager) {
    if (!isGraphPath(target))
      return fail("--eager needs a graph (.json or .mlir), not '" + target +
                  "'");
    return runEager(options, files);
  }
  if (!isGraphPath(target))
    return runArtifact(target, options, files);

  // A graph is compiled to a temporary shared object first.
  SmallString<128> tmp;
  if (llvm::sys::fs::createTemporaryFile("kiln-run", "so", tmp))
    return fail("cannot create a temporary file");
  llvm::scope_exit remove([&] { llvm::sys::fs::remove(tmp); });
  if (compileToSharedObject(target, std::string(tmp), options.shapes,
                            options.binds, options.checkNumerics) != 0)
    return 1;
  return runArtifact(std::string(tmp), options, files, /*compiledHere=*/true);
}
