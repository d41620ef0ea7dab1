//===- KilnOps.cpp - kiln op verifiers, type inference, folders --*- C++ -*-===//
#include "dialects/kiln/IR/KilnOps.h"

#include "kiln/abi.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallSet.h"

using namespace mlir;
using namespace mlir::kiln;

//===----------------------------------------------------------------------===//
// Shared shape helpers
//===----------------------------------------------------------------------===//

FailureOr<SmallVector<int64_t>> mlir::kiln::broadcastShapes(ArrayRef<int64_t> a,
                                                            ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t> result(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    int64_t r;
    if (da == db)
      r = da;
    else if (da == 1)
      r = db;
    else if (db == 1)
      r = da;
    else
      return failure(); // includes dynamic against static > 1
    result[rank - 1 - i] = r;
  }
  return result;
}

FailureOr<int64_t> mlir::kiln::normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return failure();
  return axis < 0 ? axis + rank : axis;
}

static std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (i)
      s += ", ";
    s += ShapedType::isDynamic(d) ? "?" : std::to_string(d);
  }
  return s + "]";
}

static LogicalResult emitInferError(std::optional<Location> loc,
                                    const Twine &message) {
  if (loc)
    return emitError(*loc, message);
  return failure();
}

static RankedTensorType tensorOf(Value v) {
  return cast<RankedTensorType>(v.getType());
}

//===----------------------------------------------------------------------===//
// dtypes
//===----------------------------------------------------------------------===//

int32_t mlir::kiln::getDtypeCode(Type t) {
  if (!t)
    return 0;
  if (t.isF16())
    return KILN_DTYPE_F16;
  if (t.isBF16())
    return KILN_DTYPE_BF16;
  if (t.isF32())
    return KILN_DTYPE_F32;
  if (t.isF64())
    return KILN_DTYPE_F64;
  if (t.isInteger(1))
    return KILN_DTYPE_BOOL;
  if (t.isUnsignedInteger(8))
    return KILN_DTYPE_U8;
  if (t.isSignlessInteger(8))
    return KILN_DTYPE_I8;
  if (t.isSignlessInteger(16))
    return KILN_DTYPE_I16;
  if (t.isSignlessInteger(32))
    return KILN_DTYPE_I32;
  if (t.isSignlessInteger(64))
    return KILN_DTYPE_I64;
  return 0;
}

const char *mlir::kiln::getDtypeName(int32_t dtype) {
  static const char *names[] = {"?",   "f16", "bf16", "f32", "f64", "i8",
                                "i16", "i32", "i64",  "u8",  "bool"};
  return dtype > 0 && dtype <= KILN_DTYPE_BOOL ? names[dtype] : "?";
}

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

//===----------------------------------------------------------------------===//
// Binary ops
//===----------------------------------------------------------------------===//

static LogicalResult inferBroadcast(std::optional<Location> loc, Value lhs,
                                    Value rhs,
                                    SmallVectorImpl<Type> &inferred) {
  RankedTensorType lt = tensorOf(lhs), rt = tensorOf(rhs);
  auto shape = broadcastShapes(lt.getShape(), rt.getShape());
  if (failed(shape))
    return emitInferError(loc, "shapes " + shapeStr(lt.getShape()) + " and " +
                                   shapeStr(rt.getShape()) +
                                   " cannot be broadcast together");
  inferred.push_back(RankedTensorType::get(*shape, lt.getElementType()));
  return success();
}

#define KILN_BINARY_INFER(OP)                                                  \
  LogicalResult OP::inferReturnTypes(MLIRContext *,                            \
                                     std::optional<Location> loc,              \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &inferred) {        \
    return inferBroadcast(loc, adaptor.getLhs(), adaptor.getRhs(), inferred);  \
  }
KILN_BINARY_INFER(AddOp)
KILN_BINARY_INFER(SubOp)
KILN_BINARY_INFER(MulOp)
KILN_BINARY_INFER(DivOp)
KILN_BINARY_INFER(MaxOp)
KILN_BINARY_INFER(MinOp)
#undef KILN_BINARY_INFER

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  RankedTensorType at = tensorOf(adaptor.getA()), bt = tensorOf(adaptor.getB());
  if (at.getRank() == 0 || bt.getRank() == 0)
    return emitInferError(loc, "matmul operands must have rank >= 1");
  if ((adaptor.getTransposeA() && at.getRank() < 2) ||
      (adaptor.getTransposeB() && bt.getRank() < 2))
    return emitInferError(loc, "transpose_a/transpose_b need an operand of "
                               "rank >= 2");
  SmallVector<int64_t> a(at.getShape()), b(bt.getShape());
  bool promoteA = a.size() == 1, promoteB = b.size() == 1;
  if (promoteA)
    a.insert(a.begin(), 1);
  if (promoteB)
    b.push_back(1);
  if (adaptor.getTransposeA())
    std::swap(a[a.size() - 1], a[a.size() - 2]);
  if (adaptor.getTransposeB())
    std::swap(b[b.size() - 1], b[b.size() - 2]);
  int64_t k1 = a.back(), k2 = b[b.size() - 2];
  if (k1 != k2)
    return emitInferError(loc, "contraction dimensions differ: " +
                                   shapeStr(at.getShape()) + " x " +
                                   shapeStr(bt.getShape()));
  auto batch = broadcastShapes(ArrayRef<int64_t>(a).drop_back(2),
                               ArrayRef<int64_t>(b).drop_back(2));
  if (failed(batch))
    return emitInferError(loc, "batch dimensions of " +
                                   shapeStr(at.getShape()) + " and " +
                                   shapeStr(bt.getShape()) +
                                   " cannot be broadcast together");
  SmallVector<int64_t> shape(*batch);
  if (!promoteA)
    shape.push_back(a[a.size() - 2]);
  if (!promoteB)
    shape.push_back(b.back());
  inferred.push_back(RankedTensorType::get(shape, at.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

static FailureOr<SmallVector<int64_t>>
normalizeAxes(std::optional<ArrayRef<int64_t>> axes, int64_t rank,
              std::optional<Location> loc) {
  SmallVector<int64_t> result;
  if (!axes) {
    for (int64_t i = 0; i < rank; ++i)
      result.push_back(i);
    return result;
  }
  for (int64_t axis : *axes) {
    auto n = normalizeAxis(axis, rank);
    if (failed(n))
      return (void)emitInferError(loc, "axis " + Twine(axis) +
                                           " is out of range for rank " +
                                           Twine(rank)),
             failure();
    if (llvm::is_contained(result, *n))
      return (void)emitInferError(loc, "axis " + Twine(axis) + " is repeated"),
             failure();
    result.push_back(*n);
  }
  llvm::sort(result);
  return result;
}

static LogicalResult inferReduce(std::optional<Location> loc, Value x,
                                 std::optional<ArrayRef<int64_t>> axes,
                                 bool keepdims,
                                 SmallVectorImpl<Type> &inferred) {
  RankedTensorType xt = tensorOf(x);
  auto norm = normalizeAxes(axes, xt.getRank(), loc);
  if (failed(norm))
    return failure();
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < xt.getRank(); ++i) {
    if (!llvm::is_contained(*norm, i))
      shape.push_back(xt.getDimSize(i));
    else if (keepdims)
      shape.push_back(1);
  }
  inferred.push_back(RankedTensorType::get(shape, xt.getElementType()));
  return success();
}

#define KILN_REDUCE(OP)                                                        \
  LogicalResult OP::inferReturnTypes(MLIRContext *,                            \
                                     std::optional<Location> loc,              \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &inferred) {        \
    return inferReduce(loc, adaptor.getX(), adaptor.getAxes(),                 \
                       adaptor.getKeepdims(), inferred);                       \
  }                                                                            \
  SmallVector<int64_t> OP::getNormalizedAxes() {                               \
    return *normalizeAxes(getAxes(), getX().getType().getRank(),               \
                          std::nullopt);                                       \
  }
KILN_REDUCE(ReduceSumOp)
KILN_REDUCE(ReduceMeanOp)
KILN_REDUCE(ReduceMaxOp)
#undef KILN_REDUCE

//===----------------------------------------------------------------------===//
// SoftmaxOp
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxOp::verify() {
  int64_t rank = getX().getType().getRank();
  int64_t axis = getAxisAttr().getInt(); // getAxis() is unsigned
  if (failed(normalizeAxis(axis, rank)))
    return emitOpError("axis ") << axis << " is out of range for rank " << rank;
  return success();
}

//===----------------------------------------------------------------------===//
// ReshapeOp
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &inferred) {
  RankedTensorType xt = tensorOf(adaptor.getX());
  ArrayRef<int64_t> in = xt.getShape();
  ArrayRef<int64_t> target = adaptor.getShape();
  // Input dims copied by a `0` entry cancel out of the element count.
  SmallVector<bool> copied(in.size(), false);
  SmallVector<int64_t> shape;
  int inferAt = -1;
  for (auto [i, d] : llvm::enumerate(target)) {
    if (d == 0) {
      if (i >= in.size())
        return emitInferError(loc, "shape entry 0 at position " + Twine(i) +
                                       " has no input dimension to copy");
      copied[i] = true;
      shape.push_back(in[i]);
    } else if (d == -1) {
      if (inferAt >= 0)
        return emitInferError(loc, "shape has more than one -1");
      inferAt = i;
      shape.push_back(ShapedType::kDynamic);
    } else if (d < -1) {
      return emitInferError(loc, "invalid shape entry " + Twine(d));
    } else {
      shape.push_back(d);
    }
  }
  int64_t inStatic = 1;
  bool inDynamic = false;
  for (auto [i, d] : llvm::enumerate(in)) {
    if (copied[i])
      continue;
    if (ShapedType::isDynamic(d))
      inDynamic = true;
    else
      inStatic *= d;
  }
  int64_t outStatic = 1;
  for (auto [i, d] : llvm::enumerate(shape))
    if ((int)i != inferAt && !(i < copied.size() && copied[i] && target[i] == 0))
      outStatic *= d;
  if (inferAt >= 0) {
    if (!inDynamic) {
      if (outStatic == 0 || inStatic % outStatic != 0)
        return emitInferError(loc, "cannot reshape " + shapeStr(in) +
                                       " to " + shapeStr(target));
      shape[inferAt] = inStatic / outStatic;
    }
  } else if (!inDynamic && inStatic != outStatic) {
    return emitInferError(loc, "cannot reshape " + shapeStr(in) + " (" +
                                   Twine(inStatic) + " elements) to " +
                                   shapeStr(target));
  }
  inferred.push_back(RankedTensorType::get(shape, xt.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// TransposeOp
//===----------------------------------------------------------------------===//

SmallVector<int64_t> TransposeOp::getPermutation() {
  if (auto perm = getPerm())
    return SmallVector<int64_t>(*perm);
  int64_t rank = getX().getType().getRank();
  SmallVector<int64_t> perm;
  for (int64_t i = rank - 1; i >= 0; --i)
    perm.push_back(i);
  return perm;
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  RankedTensorType xt = tensorOf(adaptor.getX());
  int64_t rank = xt.getRank();
  SmallVector<int64_t> shape;
  if (auto perm = adaptor.getPerm()) {
    if ((int64_t)perm->size() != rank)
      return emitInferError(loc, "perm has " + Twine(perm->size()) +
                                     " entries for rank " + Twine(rank));
    SmallVector<bool> seen(rank, false);
    for (int64_t p : *perm) {
      if (p < 0 || p >= rank || seen[p])
        return emitInferError(loc, "perm is not a permutation of [0, " +
                                       Twine(rank) + ")");
      seen[p] = true;
      shape.push_back(xt.getDimSize(p));
    }
  } else {
    shape.assign(xt.getShape().rbegin(), xt.getShape().rend());
  }
  inferred.push_back(RankedTensorType::get(shape, xt.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// BroadcastToOp
//===----------------------------------------------------------------------===//

LogicalResult BroadcastToOp::inferReturnTypes(MLIRContext *,
                                              std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &inferred) {
  RankedTensorType xt = tensorOf(adaptor.getX());
  ArrayRef<int64_t> in = xt.getShape();
  SmallVector<int64_t> target(adaptor.getShape());
  if (target.size() < in.size())
    return emitInferError(loc, "cannot broadcast " + shapeStr(in) +
                                   " to a lower rank");
  size_t offset = target.size() - in.size();
  for (auto [i, d] : llvm::enumerate(target)) {
    if (d == -1) {
      if (i < offset)
        return emitInferError(loc, "-1 in shape has no input dimension");
      d = in[i - offset];
    } else if (d < 0) {
      return emitInferError(loc, "invalid shape entry " + Twine(d));
    }
  }
  auto shape = broadcastShapes(in, target);
  if (failed(shape) || ArrayRef<int64_t>(*shape) != ArrayRef<int64_t>(target))
    return emitInferError(loc, "cannot broadcast " + shapeStr(in) + " to " +
                                   shapeStr(target));
  inferred.push_back(RankedTensorType::get(target, xt.getElementType()));
  return success();
}

#define GET_OP_CLASSES
#include "dialects/kiln/IR/KilnOps.cpp.inc"
