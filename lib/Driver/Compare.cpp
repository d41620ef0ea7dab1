//===- Compare.cpp - kiln compare: compiled against eager, op by op -*- C++ -*-===//
//
// The graph is loaded once with every input's shape pinned. A copy whose
// function also returns the result of every top-level kiln op is compiled
// to a temporary shared object and run through the runtime; the original is
// interpreted, collecting each op's results. The first op whose values
// differ beyond tolerance is reported.
//
//===----------------------------------------------------------------------===//
#include "Inputs.h"

#include "kiln/Driver/Driver.h"
#include "kiln/Driver/Session.h"
#include "kiln/Interpreter/Interpreter.h"
#include "kiln/runtime.h"

#include "dialects/kiln/IR/KilnDialect.h"
#include "dialects/kiln/IR/KilnOps.h"
#include "dialects/kiln/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>

using namespace mlir;
using namespace mlir::kiln;

namespace {

constexpr StringLiteral kCompareIndexAttr = "kiln.compare_index";

int fail(const Twine &message) { return commandError("compare", message); }

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

/// `node 'NAME' kiln.op`, or the op name when its location has no node name.
std::string describeNode(Operation *op) {
  std::string name = nodeName(op->getLoc());
  return (name.empty() ? "" : "node '" + name + "' ") +
         op->getName().getStringRef().str();
}

/// The ops compared: the graph body's kiln ops, constants excepted (ops in
/// if/while regions are compared through their enclosing op).
SmallVector<Operation *> comparedOps(func::FuncOp graph) {
  SmallVector<Operation *> ops;
  for (Operation &op : graph.getBody().front())
    if (isa<KilnDialect>(op.getDialect()) && !isa<ConstantOp>(op))
      ops.push_back(&op);
  return ops;
}

bool isFloatDtype(int32_t dtype) {
  return dtype == KILN_DTYPE_F16 || dtype == KILN_DTYPE_BF16 ||
         dtype == KILN_DTYPE_F32 || dtype == KILN_DTYPE_F64;
}

double halfToDouble(uint16_t bits, bool bfloat) {
  if (bfloat) {
    uint32_t wide = uint32_t(bits) << 16;
    float f;
    std::memcpy(&f, &wide, sizeof(f));
    return f;
  }
  return APFloat(APFloat::IEEEhalf(), APInt(16, bits)).convertToDouble();
}

/// Element `i` of a buffer of `dtype`, as a double (bool: 0 or 1).
double element(const void *data, int32_t dtype, int64_t i) {
  switch (dtype) {
  case KILN_DTYPE_F16:
    return halfToDouble(static_cast<const uint16_t *>(data)[i], false);
  case KILN_DTYPE_BF16:
    return halfToDouble(static_cast<const uint16_t *>(data)[i], true);
  case KILN_DTYPE_F32: return static_cast<const float *>(data)[i];
  case KILN_DTYPE_F64: return static_cast<const double *>(data)[i];
  case KILN_DTYPE_I8: return static_cast<const int8_t *>(data)[i];
  case KILN_DTYPE_I16: return static_cast<const int16_t *>(data)[i];
  case KILN_DTYPE_I32: return static_cast<const int32_t *>(data)[i];
  case KILN_DTYPE_I64: return double(static_cast<const int64_t *>(data)[i]);
  case KILN_DTYPE_U8: return static_cast<const uint8_t *>(data)[i];
  case KILN_DTYPE_BOOL: return static_cast<const uint8_t *>(data)[i] != 0;
  default: return 0;
  }
}

/// Rounds `v` as a value of `dtype` holds it: the interpreter computes some
/// narrow types in a wider one (kiln-widen-element-types) and casts back.
double roundTo(double v, int32_t dtype) {
  if (dtype == KILN_DTYPE_F32)
    return float(v);
  if (dtype != KILN_DTYPE_F16 && dtype != KILN_DTYPE_BF16)
    return v;
  APFloat f(v);
  bool lost;
  f.convert(dtype == KILN_DTYPE_F16 ? APFloat::IEEEhalf()
                                    : APFloat::BFloat(),
            APFloat::rmNearestTiesToEven, &lost);
  return f.convertToDouble();
}

std::string formatNumber(double v) {
  if (std::isnan(v))
    return "nan";
  if (std::isinf(v))
    return v > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  return buf;
}

std::string formatShape(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

struct Divergence {
  std::string what; // shape mismatch, or empty
  int64_t count = 0, worst = -1;
  double maxAbs = 0, maxRel = 0;
  double compiled = 0, eager = 0;
};

/// Compares one result; returns a divergence or nothing.
std::optional<Divergence> compareValues(const HostTensor &compiled,
                                        const HostTensor &eager, double rtol,
                                        double atol) {
  Divergence d;
  if (ArrayRef<int64_t>(compiled.shape) != ArrayRef<int64_t>(eager.shape)) {
    d.what = "compiled shape " + formatShape(compiled.shape) +
             ", eager shape " + formatShape(eager.shape);
    return d;
  }
  bool exact = !isFloatDtype(compiled.dtype);
  double worstExcess = -1;
  for (int64_t i = 0, e = eager.numElements(); i < e; ++i) {
    double a = element(compiled.bytes.data(), compiled.dtype, i);
    double b = roundTo(element(eager.bytes.data(), eager.dtype, i),
                       compiled.dtype);
    bool differs, nanOrInf = false;
    double abs = 0, rel = 0;
    if (std::isnan(a) || std::isnan(b)) {
      differs = std::isnan(a) != std::isnan(b);
      nanOrInf = true;
    } else if (std::isinf(a) || std::isinf(b)) {
      differs = a != b;
      nanOrInf = true;
    } else {
      abs = std::fabs(a - b);
      rel = b != 0 ? abs / std::fabs(b) : (abs != 0 ? INFINITY : 0);
      differs = exact ? a != b : abs > atol + rtol * std::fabs(b);
    }
    if (!nanOrInf) {
      d.maxAbs = std::max(d.maxAbs, abs);
      d.maxRel = std::max(d.maxRel, rel);
    }
    if (!differs)
      continue;
    ++d.count;
    double excess = nanOrInf ? INFINITY : abs - (atol + rtol * std::fabs(b));
    if (excess > worstExcess || d.worst < 0) {
      worstExcess = excess;
      d.worst = i;
      d.compiled = a;
      d.eager = b;
    }
  }
  if (d.count == 0)
    return std::nullopt;
  return d;
}

std::string formatIndex(int64_t flat, ArrayRef<int64_t> shape) {
  SmallVector<int64_t> index(shape.size());
  for (int64_t d = shape.size() - 1; d >= 0; --d) {
    index[d] = shape[d] ? flat % shape[d] : 0;
    flat = shape[d] ? flat / shape[d] : 0;
  }
  return formatShape(index);
}

void report(llvm::raw_ostream &os, const std::string &what,
            const HostTensor &compiled, const HostTensor &eager,
            const Divergence &d) {
  os << "divergence at " << what << " " << getDtypeName(compiled.dtype) << " "
     << formatShape(eager.shape) << ": ";
  if (!d.what.empty()) {
    os << d.what << "\n";
    return;
  }
  os << d.count << " of " << eager.numElements()
     << " elements differ; max abs error " << formatNumber(d.maxAbs)
     << ", max rel error " << formatNumber(d.maxRel) << "; worst at "
     << formatIndex(d.worst, eager.shape)
     << ": compiled " << formatNumber(d.compiled) << ", eager "
     << formatNumber(d.eager) << "\n";
}

/// Runs the compiled shared object on the inputs (in the graph's order).
FailureOr<std::vector<HostTensor>>
runCompiled(const std::string &path, ArrayRef<kiln_npy *> ordered) {
  kiln_model *model = nullptr;
  if (kiln_model_open(path.c_str(), &model) != KILN_OK)
    return fail(kiln_last_error()), failure();
  llvm::scope_exit close([&] { kiln_model_close(model); });
  const kiln_graph_desc *desc = kiln_model_describe(model);
  if (desc->num_inputs != (int32_t)ordered.size())
    return fail("the compiled graph takes " + Twine(desc->num_inputs) +
                " inputs, " + Twine(ordered.size()) + " given"),
           failure();
  return runModel("compare", model, ordered);
}

bool isStatic(Type t) {
  auto ranked = dyn_cast<RankedTensorType>(t);
  return !ranked || ranked.hasStaticShape();
}

} // namespace

int mlir::kiln::compareCommand(const CompareOptions &options) {
  StringRef ext = llvm::sys::path::extension(options.graph);
  if (ext != ".json" && ext != ".mlir" && ext != ".onnx")
    return fail("expected a graph (.json, .mlir or .onnx), not '" +
                options.graph + "'");
  InputFiles files;
  if (failed(readInputs("compare", options.inputs, files)))
    return 1;

  // Every input's shape is pinned to its file's: each op's result then has a
  // static shape, which the compiled copy can return.
  std::vector<std::string> shapes = options.shapes;
  for (auto &[name, npy] : files.arrays) {
    if (npy.rank == 0 || llvm::any_of(options.shapes, [&](const std::string &s) {
          return StringRef(s).starts_with(name + "=");
        }))
      continue;
    shapes.push_back(shapePinOf(name, npy));
  }

  Session session;
  OwningOpRef<ModuleOp> module =
      session.loadGraph(options.graph, shapes, options.binds);
  if (!module)
    return 1;
  FailureOr<func::FuncOp> graph = findGraph(*module);
  if (failed(graph))
    return 1;

  // The given inputs must be exactly the graph's.
  FailureOr<SmallVector<kiln_npy *>> ordered =
      matchInputs("compare", files, graphInputNames(*graph));
  if (failed(ordered))
    return 1;

  if (failed(applyShapePins(*graph, shapes)))
    return 1;
  {
    PassManager pm(&session.context());
    pm.addNestedPass<func::FuncOp>(createKilnInferSymbolicDims());
    if (failed(pm.run(*module)))
      return 1;
  }
  SmallVector<Operation *> ops = comparedOps(*graph);
  for (Operation *op : ops)
    for (Type t : op->getResultTypes())
      if (!isStatic(t))
        return fail(describeNode(op) + " has a result of dynamic shape " +
                    "after pinning the inputs' shapes; kiln compare needs " +
                    "static shapes");

  // The compiled copy returns, after the graph's outputs, every compared
  // op's results in order.
  OwningOpRef<ModuleOp> copy = module->clone();
  func::FuncOp copyGraph = *findGraph(*copy);
  SmallVector<Operation *> copyOps = comparedOps(copyGraph);
  unsigned numOutputs = graph->getNumResults();
  {
    auto ret = cast<func::ReturnOp>(copyGraph.getBody().front().getTerminator());
    SmallVector<Value> values(ret.getOperands());
    SmallVector<Attribute> resultAttrs;
    for (unsigned i = 0; i < numOutputs; ++i)
      resultAttrs.push_back(copyGraph.getResultAttrDict(i)
                                ? Attribute(copyGraph.getResultAttrDict(i))
                                : DictionaryAttr::get(&session.context()));
    Builder b(&session.context());
    for (auto [k, op] : llvm::enumerate(copyOps)) {
      std::string name = nodeName(op->getLoc());
      if (name.empty())
        name = std::to_string(k);
      for (OpResult r : op->getResults()) {
        values.push_back(r);
        resultAttrs.push_back(b.getDictionaryAttr(b.getNamedAttr(
            kNameAttr, b.getStringAttr("node:" + name + "#" +
                                       std::to_string(r.getResultNumber())))));
      }
    }
    ret->setOperands(values);
    SmallVector<Type> types;
    for (Value v : values)
      types.push_back(v.getType());
    copyGraph.setFunctionType(b.getFunctionType(
        copyGraph.getFunctionType().getInputs(), types));
    copyGraph.setAllResultAttrs(resultAttrs);
  }

  SmallString<128> tmp;
  if (llvm::sys::fs::createTemporaryFile("kiln-compare", "so", tmp))
    return fail("cannot create a temporary file");
  llvm::scope_exit remove([&] { llvm::sys::fs::remove(tmp); });
  if (compileModuleToSharedObject(*copy, std::string(tmp)) != 0)
    return 1;
  FailureOr<std::vector<HostTensor>> compiled =
      runCompiled(std::string(tmp), *ordered);
  if (failed(compiled))
    return 1;

  // Eager: the ops are tagged with their index first, as the interpreter's
  // widening replaces some by clones (which keep the tag).
  std::vector<std::string> described;
  std::vector<unsigned> numResults;
  for (auto [k, op] : llvm::enumerate(ops)) {
    described.push_back(describeNode(op));
    numResults.push_back(op->getNumResults());
    op->setAttr(kCompareIndexAttr,
                IntegerAttr::get(IntegerType::get(&session.context(), 64), k));
  }
  {
    PassManager widen(&session.context());
    widen.addNestedPass<func::FuncOp>(createKilnWidenElementTypes());
    if (failed(widen.run(*module)))
      return 1;
  }
  SmallVector<HostTensor> inputs;
  for (kiln_npy *npy : *ordered)
    inputs.push_back(toHostTensor(*npy));
  std::vector<std::vector<HostTensor>> eagerResults(ops.size());
  InterpreterOptions interpreterOptions;
  interpreterOptions.onOpEvaluated = [&](Operation *op,
                                         ArrayRef<HostTensor> results) {
    auto index = op->getAttrOfType<IntegerAttr>(kCompareIndexAttr);
    if (index && op->getParentOp() == graph->getOperation())
      eagerResults[index.getInt()].assign(results.begin(), results.end());
  };
  FailureOr<SmallVector<HostTensor>> outputs =
      interpretGraph(*graph, inputs, interpreterOptions);
  if (failed(outputs))
    return 1;

  llvm::raw_ostream &os = llvm::outs();
  unsigned column = numOutputs, compared = 0;
  for (size_t k = 0; k < eagerResults.size(); ++k) {
    const std::vector<HostTensor> &eager = eagerResults[k];
    unsigned n = numResults[k];
    if (eager.size() == n) {
      ++compared;
      for (unsigned i = 0; i < n; ++i) {
        const HostTensor &c = (*compiled)[column + i];
        if (auto d = compareValues(c, eager[i], options.rtol, options.atol)) {
          std::string what = described[k];
          if (n > 1)
            what += " result #" + std::to_string(i);
          report(os, what, c, eager[i], *d);
          return 1;
        }
      }
    }
    column += n;
  }
  for (unsigned i = 0; i < numOutputs; ++i) {
    auto name = graph->getResultAttrOfType<StringAttr>(i, kNameAttr);
    std::string what =
        "output '" + (name ? name.str() : "result" + std::to_string(i)) + "'";
    if (auto d = compareValues((*compiled)[i], (*outputs)[i], options.rtol,
                               options.atol)) {
      report(os, what, (*compiled)[i], (*outputs)[i], *d);
      return 1;
    }
  }
  os << compared << " nodes compared, all within rtol="
     << formatNumber(options.rtol) << ", atol=" << formatNumber(options.atol)
     << " (" << numOutputs << " outputs too)\n";
  return 0;
}
