//===- SymbolicDims.cpp - symbolic dimension expressions ---------*- C++ -*-===//
#include "dialects/kiln/IR/SymbolicDims.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::kiln;

//===----------------------------------------------------------------------===//
// SymDim
//===----------------------------------------------------------------------===//

SymDim SymDim::operator*(const SymDim &o) const {
  SymDim r{factor * o.factor, symbols};
  r.symbols.append(o.symbols.begin(), o.symbols.end());
  llvm::sort(r.symbols);
  if (r.factor == 0)
    r.symbols.clear();
  return r;
}

std::optional<SymDim> SymDim::divide(const SymDim &o) const {
  if (o.factor == 0 || factor % o.factor != 0)
    return std::nullopt;
  SymDim r{factor / o.factor, symbols};
  for (const std::string &s : o.symbols) {
    auto *it = llvm::find(r.symbols, s);
    if (it == r.symbols.end())
      return std::nullopt;
    r.symbols.erase(it);
  }
  return r;
}

std::string SymDim::str() const {
  std::string s;
  if (factor != 1 || symbols.empty())
    s = std::to_string(factor);
  for (const std::string &sym : symbols)
    s += (s.empty() ? "" : "*") + sym;
  return s;
}

std::optional<SymDim> SymDim::parse(StringRef text) {
  SymDim r;
  SmallVector<StringRef> parts;
  text.split(parts, '*');
  for (StringRef part : parts) {
    part = part.trim();
    if (part.empty())
      return std::nullopt;
    int64_t v;
    if (!part.getAsInteger(10, v)) {
      r.factor *= v;
      continue;
    }
    if (!(isalpha(part[0]) || part[0] == '_') ||
        !llvm::all_of(part, [](char c) { return isalnum(c) || c == '_'; }))
      return std::nullopt;
    r.symbols.push_back(part.str());
  }
  llvm::sort(r.symbols);
  return r;
}

std::optional<SymShape> mlir::kiln::symShapeFromAttr(ArrayAttr attr) {
  SymShape shape;
  for (Attribute a : attr) {
    if (auto i = dyn_cast<IntegerAttr>(a)) {
      shape.push_back(SymDim::constant(i.getInt()));
    } else if (auto s = dyn_cast<StringAttr>(a)) {
      auto d = SymDim::parse(s.getValue());
      if (!d)
        return std::nullopt;
      shape.push_back(*d);
    } else {
      return std::nullopt;
    }
  }
  return shape;
}

ArrayAttr mlir::kiln::symShapeToAttr(MLIRContext *ctx, ArrayRef<SymDim> shape) {
  Builder b(ctx);
  SmallVector<Attribute> attrs;
  for (const SymDim &d : shape)
    attrs.push_back(d.isStatic() ? Attribute(b.getI64IntegerAttr(d.factor))
                                 : Attribute(b.getStringAttr(d.str())));
  return b.getArrayAttr(attrs);
}

//===----------------------------------------------------------------------===//
// Rules shared by the ops' SymbolicShapeOpInterface implementations
//===----------------------------------------------------------------------===//

std::string mlir::kiln::symShapeStr(ArrayRef<SymDim> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? ", " : "") + d.str();
  return s + "]";
}

SymDim mlir::kiln::symProduct(ArrayRef<SymDim> dims) {
  SymDim p = SymDim::constant(1);
  for (const SymDim &d : dims)
    p = p * d;
  return p;
}

FailureOr<SymShape> mlir::kiln::symBroadcast(Operation *op, ArrayRef<SymDim> a,
                                             ArrayRef<SymDim> b) {
  size_t rank = std::max(a.size(), b.size());
  SymShape r(rank);
  SymDim one = SymDim::constant(1);
  for (size_t i = 0; i < rank; ++i) {
    SymDim da = i < a.size() ? a[a.size() - 1 - i] : one;
    SymDim db = i < b.size() ? b[b.size() - 1 - i] : one;
    if (da == db || db == one)
      r[rank - 1 - i] = da;
    else if (da == one)
      r[rank - 1 - i] = db;
    else
      return op->emitOpError("cannot broadcast dimension ")
             << da.str() << " against " << db.str() << " (shapes "
             << symShapeStr(a) << " and " << symShapeStr(b)
             << "); symbolic dimensions broadcast only against themselves "
                "or 1";
  }
  return r;
}

SymShape mlir::kiln::symShapeOfType(Type type) {
  SymShape r;
  for (int64_t d : cast<ShapedType>(type).getShape())
    r.push_back(SymDim::constant(d));
  return r;
}
