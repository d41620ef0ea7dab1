//===- Interpreter.cpp - reference evaluation of kiln graphs ----*- C++ -*-===//
//
// The MLIR side of the interpreter: converts constants, checks that operand
// buffers agree with the IR types, unpacks op attributes for the kernels in
// Kernels.cpp, turns kernel errors into diagnostics, and walks a graph.
//
//===----------------------------------------------------------------------===//

#include "kiln/Interpreter/Interpreter.h"

#include "Dispatch.h"
#include "Kernels.h"

#include "dialects/kiln/IR/KilnOps.h"
#include "kiln/abi.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/APInt.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cstring>
#include <memory>

using namespace mlir;
using namespace mlir::kiln;

//===----------------------------------------------------------------------===//
// HostTensor and dtypes
//===----------------------------------------------------------------------===//

int64_t HostTensor::numElements() const { return interp::numElementsOf(shape); }

//===----------------------------------------------------------------------===//
// Attribute <-> HostTensor
//===----------------------------------------------------------------------===//

/// Writes the low `size` bytes of `bits` (width <= 64). Host tensors are in
/// the host's byte order, and every target Kiln runs on is little-endian.
static void writeBits(const llvm::APInt &bits, size_t size, uint8_t *dst) {
  uint64_t word = bits.getZExtValue();
  std::memcpy(dst, &word, size);
}

HostTensor mlir::kiln::toHostTensor(ElementsAttr attr) {
  // A tensor with dtype 0 tells the caller that the attribute was unreadable.
  HostTensor result;
  if (!attr)
    return result;
  ShapedType type = attr.getShapedType();
  int32_t dtype = getDtypeCode(type.getElementType());
  if (!dtype || !type.hasStaticShape())
    return result;
  HostTensor t;
  t.dtype = dtype;
  t.shape.assign(type.getShape().begin(), type.getShape().end());
  size_t size = elementSize(dtype);
  int64_t n = t.numElements();
  t.bytes.resize(n * size);

  if (auto dense = dyn_cast<DenseIntOrFPElementsAttr>(attr)) {
    // i1 is bit-packed in the raw data; read it through the value API.
    if (dtype == KILN_DTYPE_BOOL) {
      int64_t i = 0;
      for (bool b : dense.getValues<bool>())
        t.bytes[i++] = b ? 1 : 0;
      return t;
    }
    ArrayRef<char> raw = dense.getRawData();
    if (dense.isSplat()) {
      if (raw.size() < size)
        return result;
      for (int64_t i = 0; i < n; ++i)
        std::memcpy(t.bytes.data() + i * size, raw.data(), size);
      return t;
    }
    if (raw.size() != t.bytes.size())
      return result;
    if (!raw.empty()) // memcpy's pointers must be valid even for 0 bytes
      std::memcpy(t.bytes.data(), raw.data(), raw.size());
    return t;
  }

  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    // The blob is absent when the IR was printed with elided resources.
    const AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return result;
    ArrayRef<char> data = blob->getData();
    if (data.size() != t.bytes.size())
      return result;
    if (!data.empty())
      std::memcpy(t.bytes.data(), data.data(), data.size());
    if (dtype == KILN_DTYPE_BOOL)
      for (uint8_t &b : t.bytes)
        b = b ? 1 : 0;
    return t;
  }

  // Any other ElementsAttr implementation: go through its value iterators.
  if (isa<FloatType>(type.getElementType())) {
    auto it = attr.try_value_begin<APFloat>();
    if (!it)
      return result;
    for (int64_t i = 0; i < n; ++i, ++*it)
      writeBits((**it).bitcastToAPInt(), size, t.bytes.data() + i * size);
    return t;
  }
  auto it = attr.try_value_begin<APInt>();
  if (!it)
    return result;
  for (int64_t i = 0; i < n; ++i, ++*it) {
    if (dtype == KILN_DTYPE_BOOL)
      t.bytes[i] = (**it).isZero() ? 0 : 1;
    else
      writeBits(**it, size, t.bytes.data() + i * size);
  }
  return t;
}

DenseElementsAttr mlir::kiln::toElementsAttr(const HostTensor &tensor,
                                             RankedTensorType type) {
  // `type` supplies the element type; its dynamic dims take the tensor's
  // sizes. A tensor that does not fit it gives a null attribute.
  if (!type || getDtypeCode(type.getElementType()) != tensor.dtype ||
      type.getRank() != static_cast<int64_t>(tensor.shape.size()))
    return {};
  for (auto [dim, size] : llvm::zip(type.getShape(), tensor.shape))
    if (size < 0 || (!ShapedType::isDynamic(dim) && dim != size))
      return {};
  size_t size = elementSize(tensor.dtype);
  int64_t n = tensor.numElements();
  if (tensor.bytes.size() != static_cast<size_t>(n) * size)
    return {};
  auto resultType = RankedTensorType::get(tensor.shape, type.getElementType(),
                                          type.getEncoding());
  if (tensor.dtype == KILN_DTYPE_BOOL) {
    SmallVector<bool> values;
    values.reserve(n);
    for (uint8_t b : tensor.bytes)
      values.push_back(b != 0);
    return DenseElementsAttr::get(resultType, values);
  }
  return DenseElementsAttr::getFromRawBuffer(
      resultType,
      ArrayRef<char>(reinterpret_cast<const char *>(tensor.bytes.data()),
                     tensor.bytes.size()));
}

ElementsAttr mlir::kiln::toConstantAttr(const HostTensor &tensor,
                                       RankedTensorType type,
                                       StringRef blobName,
                                       int64_t inlineLimit) {
  DenseElementsAttr dense = toElementsAttr(tensor, type);
  if (!dense || tensor.numElements() <= inlineLimit ||
      tensor.dtype == KILN_DTYPE_BOOL)
    return dense;
  auto blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      ArrayRef<char>(reinterpret_cast<const char *>(tensor.bytes.data()),
                     tensor.bytes.size()),
      alignof(uint64_t));
  return DenseResourceElementsAttr::get(cast<ShapedType>(dense.getType()),
                                        blobName, std::move(blob));
}

//===----------------------------------------------------------------------===//
// evaluateOp
//===----------------------------------------------------------------------===//

static std::string dimsString(ArrayRef<int64_t> shape) {
  return interp::shapeString(std::vector<int64_t>(shape.begin(), shape.end()));
}

/// Checks that a host tensor can stand for a value of `type`: same dtype and
/// rank, static dims equal, and a byte buffer of the right size (so that a
/// kernel never reads out of bounds). `what` names the value in messages.
static LogicalResult
checkAgainstType(const HostTensor &t, Type type,
                 llvm::function_ref<InFlightDiagnostic()> emit,
                 const Twine &what) {
  auto tensorType = dyn_cast<RankedTensorType>(type);
  if (!tensorType)
    return emit() << what << " has type " << type
                  << ", which the interpreter cannot hold";
  int32_t expected = getDtypeCode(tensorType.getElementType());
  if (!expected)
    return emit() << what << ": element type " << tensorType.getElementType()
                  << " has no kiln dtype";
  if (t.dtype != expected)
    return emit() << what << ": expected dtype " << interp::dtypeName(expected)
                  << ", got " << interp::dtypeName(t.dtype);
  if (tensorType.getRank() != static_cast<int64_t>(t.shape.size()))
    return emit() << what << ": expected rank " << tensorType.getRank()
                  << ", got " << t.shape.size();
  for (auto [i, dim] : llvm::enumerate(tensorType.getShape())) {
    int64_t size = t.shape[i];
    if (size < 0)
      return emit() << what << " dim " << i << ": invalid size " << size;
    if (!ShapedType::isDynamic(dim) && dim != size)
      return emit() << what << " dim " << i << ": expected " << dim << ", got "
                    << size;
  }
  size_t bytes = static_cast<size_t>(t.numElements()) * elementSize(t.dtype);
  if (t.bytes.size() != bytes)
    return emit() << what << ": holds " << t.bytes.size() << " bytes, but "
                  << dimsString(t.shape) << " of " << interp::dtypeName(t.dtype)
                  << " needs " << bytes;
  return success();
}

static interp::View viewOf(const HostTensor &t) {
  return interp::View{t.dtype, &t.shape, t.bytes.data()};
}

/// Runs the kernel of `op`, one output buffer per result. Returns failure
/// without a diagnostic when no family has a kernel for it (the caller
/// reports it).
static FailureOr<interp::Status>
runKernel(Operation *op, ArrayRef<interp::View> in,
          SmallVectorImpl<interp::Buffer> &outs) {
  for (auto family : {interp::runElementwiseKernel, interp::runNNKernel,
                      interp::runShapeKernel, interp::runIndexingKernel}) {
    FailureOr<interp::Status> status = family(op, in, outs);
    if (succeeded(status))
      return status;
  }
  return failure();
}

/// evaluateOp on borrowed operands, so that a graph walk never copies the
/// tensors it feeds to an op.
static FailureOr<SmallVector<HostTensor>>
evaluate(Operation *op, ArrayRef<const HostTensor *> operands) {
  auto emit = [&] { return op->emitError(); };

  if (auto constant = dyn_cast<ConstantOp>(op)) {
    HostTensor t = toHostTensor(constant.getValue());
    if (!t.dtype)
      return op->emitError("cannot read the constant's value")
             << (isa<DenseResourceElementsAttr>(constant.getValue())
                     ? " (its dense_resource blob is missing)"
                     : "");
    SmallVector<HostTensor> results;
    results.push_back(std::move(t));
    return results;
  }

  // Only kiln ops have kernels; anything else (other dialects, ops with
  // regions) is reported rather than guessed at.
  if (!isa_and_nonnull<KilnDialect>(op->getDialect()) ||
      op->getNumRegions() != 0)
    return op->emitError("the interpreter has no kernel for '")
           << op->getName() << "'";

  if (operands.size() != op->getNumOperands())
    return op->emitError("expected ")
           << op->getNumOperands() << " operands, got " << operands.size();
  SmallVector<interp::View> views;
  for (auto [i, operand] : llvm::enumerate(operands)) {
    if (failed(checkAgainstType(*operand, op->getOperand(i).getType(), emit,
                                "operand #" + Twine(i))))
      return failure();
    views.push_back(viewOf(*operand));
  }

  SmallVector<interp::Buffer, 1> outs(op->getNumResults());
  FailureOr<interp::Status> status = runKernel(op, views, outs);
  if (failed(status))
    return op->emitError("the interpreter has no kernel for '")
           << op->getName() << "'";
  if (status->failed())
    return op->emitError(status->message());

  SmallVector<HostTensor> results;
  for (auto [i, out] : llvm::enumerate(outs)) {
    HostTensor result;
    result.dtype = out.dtype;
    result.shape = std::move(out.shape);
    result.bytes = std::move(out.bytes);
    // The kernel computed the shape from the actual operands; a disagreement
    // with a static dim of the result type means the IR's type is wrong.
    if (failed(checkAgainstType(result, op->getResult(i).getType(), emit,
                                "result #" + Twine(i))))
      return failure();
    results.push_back(std::move(result));
  }
  return results;
}

FailureOr<SmallVector<HostTensor>>
mlir::kiln::evaluateOp(Operation *op, ArrayRef<HostTensor> operands) {
  SmallVector<const HostTensor *> pointers;
  for (const HostTensor &t : operands)
    pointers.push_back(&t);
  return evaluate(op, pointers);
}

//===----------------------------------------------------------------------===//
// interpretGraph
//===----------------------------------------------------------------------===//

/// The user-facing name of argument `i`: its `kiln.name`, else `arg<i>`.
static std::string inputName(func::FuncOp graph, unsigned i) {
  if (auto name = graph.getArgAttrOfType<StringAttr>(i, kNameAttr))
    return name.str();
  return "arg" + std::to_string(i);
}

namespace {

/// Evaluates blocks: a graph's body, and the regions of kiln.if and
/// kiln.while, which read the values of enclosing blocks (captures) from the
/// same environment. Values are borrowed (inputs, block arguments) or owned
/// (op results). An owned value is freed after its last use in its block
/// (a use inside a nested region counts as a use by the op holding it), so
/// that eager mode's peak memory stays close to the graph's live set rather
/// than the sum of all intermediates.
class BlockEvaluator {
public:
  explicit BlockEvaluator(const InterpreterOptions &options)
      : options(options) {}

  /// Runs `block` with its arguments bound to `args` and returns the values
  /// of its terminator (func.return or kiln.yield). Everything the block
  /// defined is dropped from the environment afterwards.
  FailureOr<SmallVector<HostTensor>>
  run(Block &block, ArrayRef<const HostTensor *> args);

private:
  FailureOr<SmallVector<HostTensor>>
  evaluateRegionOp(Operation *op, ArrayRef<const HostTensor *> operands);
  FailureOr<SmallVector<HostTensor>>
  runWhile(WhileOp op, ArrayRef<const HostTensor *> operands);
  const llvm::DenseMap<Value, Operation *> &lastUsers(Block &block);

  const InterpreterOptions &options;
  llvm::DenseMap<Value, const HostTensor *> env;
  llvm::DenseMap<Value, std::unique_ptr<HostTensor>> owned;
  /// Per block: the op of the block that uses a value last.
  llvm::DenseMap<Block *, llvm::DenseMap<Value, Operation *>> lastUserCache;
};

} // namespace

const llvm::DenseMap<Value, Operation *> &
BlockEvaluator::lastUsers(Block &block) {
  auto [it, inserted] = lastUserCache.try_emplace(&block);
  if (inserted)
    for (Operation &op : block)
      op.walk([&](Operation *nested) {
        for (Value v : nested->getOperands())
          it->second[v] = &op;
      });
  return it->second;
}

FailureOr<SmallVector<HostTensor>>
BlockEvaluator::run(Block &block, ArrayRef<const HostTensor *> args) {
  for (auto [arg, t] : llvm::zip(block.getArguments(), args))
    env[arg] = t;
  // Whatever way this returns, the block's values leave the environment
  // (a loop runs its body block again with fresh values).
  llvm::scope_exit cleanup([&] {
    for (BlockArgument arg : block.getArguments())
      env.erase(arg);
    for (Operation &op : block)
      for (Value v : op.getResults()) {
        env.erase(v);
        owned.erase(v);
      }
  });
  const llvm::DenseMap<Value, Operation *> &lastUser = lastUsers(block);

  for (Operation &op : block) {
    if (op.hasTrait<OpTrait::IsTerminator>()) {
      SmallVector<HostTensor> results;
      for (auto [i, v] : llvm::enumerate(op.getOperands())) {
        auto it = env.find(v);
        if (it == env.end())
          return op.emitError("returned value #") << i << " has no value";
        // Move an owned tensor of this block out unless a later operand
        // repeats it.
        auto own = owned.find(v);
        bool mine = v.getParentBlock() == &block && !isa<BlockArgument>(v);
        bool repeated = llvm::is_contained(op.getOperands().drop_front(i + 1), v);
        if (own != owned.end() && mine && !repeated)
          results.push_back(std::move(*own->second));
        else
          results.push_back(*it->second);
      }
      return results;
    }

    SmallVector<const HostTensor *> operands;
    for (auto [i, v] : llvm::enumerate(op.getOperands())) {
      auto it = env.find(v);
      if (it == env.end())
        return op.emitError("operand #")
               << i << " is not computed by the graph before this op";
      operands.push_back(it->second);
    }

    FailureOr<SmallVector<HostTensor>> results =
        op.getNumRegions() ? evaluateRegionOp(&op, operands)
                           : evaluate(&op, operands);
    if (failed(results))
      return failure();
    if (options.onOpEvaluated)
      options.onOpEvaluated(&op, *results);
    if (options.checkOp && failed(options.checkOp(&op, *results)))
      return failure();

    for (auto [v, t] : llvm::zip(op.getResults(), *results)) {
      if (v.use_empty())
        continue; // dead value: nothing will read it
      auto stored = std::make_unique<HostTensor>(std::move(t));
      env[v] = stored.get();
      owned[v] = std::move(stored);
    }
    // Free this block's values whose last user this op was (values of
    // enclosing blocks live until their own block's last user).
    op.walk([&](Operation *nested) {
      for (Value v : nested->getOperands()) {
        if (lastUser.lookup(v) != &op)
          continue;
        if (v.getParentBlock() != &block || isa<BlockArgument>(v))
          continue;
        auto own = owned.find(v);
        if (own == owned.end())
          continue;
        env.erase(v);
        owned.erase(own);
      }
    });
  }
  return block.getParentOp()->emitError(
      "a block does not end in a terminator");
}

/// Whether a bool scalar is true; reports anything else on `op`.
static FailureOr<bool> readCondition(Operation *op, const HostTensor &t,
                                     StringRef what) {
  if (t.dtype != KILN_DTYPE_BOOL || !t.shape.empty() || t.bytes.size() != 1)
    return op->emitError(what) << " is not a bool scalar";
  return t.bytes[0] != 0;
}

FailureOr<SmallVector<HostTensor>>
BlockEvaluator::evaluateRegionOp(Operation *op,
                                 ArrayRef<const HostTensor *> operands) {
  auto emit = [&] { return op->emitError(); };
  for (auto [i, operand] : llvm::enumerate(operands))
    if (failed(checkAgainstType(*operand, op->getOperand(i).getType(), emit,
                                "operand #" + Twine(i))))
      return failure();
  if (auto ifOp = dyn_cast<IfOp>(op)) {
    FailureOr<bool> cond = readCondition(op, *operands[0], "the condition");
    if (failed(cond))
      return failure();
    Region &branch = *cond ? ifOp.getThenRegion() : ifOp.getElseRegion();
    return run(branch.front(), operands.drop_front());
  }
  if (auto whileOp = dyn_cast<WhileOp>(op))
    return runWhile(whileOp, operands);
  return op->emitError("the interpreter has no kernel for '")
         << op->getName() << "'";
}

FailureOr<SmallVector<HostTensor>>
BlockEvaluator::runWhile(WhileOp op, ArrayRef<const HostTensor *> operands) {
  // The carried values are borrowed from the operands until the body has run
  // once, and owned by the loop afterwards.
  SmallVector<const HostTensor *> carried(operands);
  SmallVector<HostTensor> current;
  Block &condBlock = op.getCondRegion().front();
  Block &bodyBlock = op.getBodyRegion().front();
  while (true) {
    FailureOr<SmallVector<HostTensor>> flag = run(condBlock, carried);
    if (failed(flag))
      return failure();
    FailureOr<bool> more =
        readCondition(op, (*flag)[0], "the 'cond' region's output");
    if (failed(more))
      return failure();
    if (!*more)
      break;
    FailureOr<SmallVector<HostTensor>> next = run(bodyBlock, carried);
    if (failed(next))
      return failure();
    current = std::move(*next);
    for (auto [i, t] : llvm::enumerate(current))
      carried[i] = &t;
  }
  SmallVector<HostTensor> results;
  for (const HostTensor *t : carried)
    results.push_back(*t);
  return results;
}

FailureOr<SmallVector<HostTensor>>
mlir::kiln::interpretGraph(func::FuncOp graph, ArrayRef<HostTensor> inputs,
                           const InterpreterOptions &options) {
  if (graph.isExternal())
    return graph.emitError("cannot interpret '")
           << graph.getSymName() << "': it has no body";
  if (!graph.getBody().hasOneBlock())
    return graph.emitError("the interpreter needs a graph with one block");
  Block &body = graph.getBody().front();

  if (inputs.size() != graph.getNumArguments())
    return graph.emitError("expected ")
           << graph.getNumArguments() << " inputs, got " << inputs.size();
  auto emitOnGraph = [&] { return graph.emitError(); };
  for (auto [i, input] : llvm::enumerate(inputs))
    if (failed(checkAgainstType(input, graph.getArgument(i).getType(),
                                emitOnGraph,
                                "input '" + inputName(graph, i) + "'")))
      return failure();

  if (!body.mightHaveTerminator() || !isa<func::ReturnOp>(body.back()))
    return graph.emitError("the graph's body does not end in 'func.return'");
  SmallVector<const HostTensor *> args;
  for (const HostTensor &input : inputs)
    args.push_back(&input);
  BlockEvaluator evaluator(options);
  return evaluator.run(body, args);
}
