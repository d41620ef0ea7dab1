//===- KilnOps.cpp - kiln op verifiers, type inference, folders --*- C++ -*-===//
#include "dialects/kiln/IR/KilnOps.h"
#include "KilnOpsUtils.h"

#include "kiln/abi.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallSet.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::detail;

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

std::string mlir::kiln::detail::shapeStr(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (i)
      s += ", ";
    s += ShapedType::isDynamic(d) ? "?" : std::to_string(d);
  }
  return s + "]";
}

LogicalResult mlir::kiln::detail::emitInferError(std::optional<Location> loc,
                                    const Twine &message) {
  if (loc)
    return emitError(*loc, message);
  return failure();
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

#define GET_OP_CLASSES
#include "dialects/kiln/IR/KilnOps.cpp.inc"
