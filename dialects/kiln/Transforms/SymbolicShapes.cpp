//===- SymbolicShapes.cpp - kiln-infer-symbolic-dims -------------*- C++ -*-===//
#include "dialects/kiln/IR/KilnOps.h"
#include "dialects/kiln/Transforms/Passes.h"
#include "dialects/kiln/Transforms/SymbolicDims.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNINFERSYMBOLICDIMS
#include "dialects/kiln/Transforms/Passes.h.inc"
} // namespace mlir::kiln

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
// Per-op rules
//===----------------------------------------------------------------------===//

namespace {

std::string shapeStr(ArrayRef<SymDim> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? ", " : "") + d.str();
  return s + "]";
}

SymDim product(ArrayRef<SymDim> dims) {
  SymDim p = SymDim::constant(1);
  for (const SymDim &d : dims)
    p = p * d;
  return p;
}

FailureOr<SymShape> broadcast(Operation *op, ArrayRef<SymDim> a,
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
             << shapeStr(a) << " and " << shapeStr(b)
             << "); symbolic dimensions broadcast only against themselves "
                "or 1";
  }
  return r;
}

class SymbolicShapeInference {
public:
  LogicalResult run(func::FuncOp func);

private:
  FailureOr<SymShape> infer(Operation *op);
  FailureOr<SymShape> inferMatmul(MatmulOp op);
  FailureOr<SymShape> inferReshape(ReshapeOp op);
  FailureOr<SymShape> inferReduce(Operation *op, ArrayRef<int64_t> axes,
                                  bool keepdims);

  const SymShape &get(Value v) { return shapes.find(v)->second; }

  DenseMap<Value, SymShape> shapes;
};

} // namespace

FailureOr<SymShape> SymbolicShapeInference::inferMatmul(MatmulOp op) {
  SymShape a = get(op.getA()), b = get(op.getB());
  bool promoteA = a.size() == 1, promoteB = b.size() == 1;
  if (promoteA)
    a.insert(a.begin(), SymDim::constant(1));
  if (promoteB)
    b.push_back(SymDim::constant(1));
  if (op.getTransposeA())
    std::swap(a[a.size() - 1], a[a.size() - 2]);
  if (op.getTransposeB())
    std::swap(b[b.size() - 1], b[b.size() - 2]);
  if (a.back() != b[b.size() - 2])
    return op.emitOpError("contraction dimensions ")
           << a.back().str() << " and " << b[b.size() - 2].str()
           << " are not provably equal";
  auto batch = broadcast(op, ArrayRef<SymDim>(a).drop_back(2),
                         ArrayRef<SymDim>(b).drop_back(2));
  if (failed(batch))
    return failure();
  SymShape r = *batch;
  if (!promoteA)
    r.push_back(a[a.size() - 2]);
  if (!promoteB)
    r.push_back(b.back());
  return r;
}

FailureOr<SymShape> SymbolicShapeInference::inferReshape(ReshapeOp op) {
  const SymShape &in = get(op.getX());
  SymShape r;
  int inferAt = -1;
  for (auto [i, d] : llvm::enumerate(op.getShape())) {
    if (d == 0)
      r.push_back(in[i]);
    else if (d == -1)
      inferAt = i, r.push_back(SymDim::constant(1));
    else
      r.push_back(SymDim::constant(d));
  }
  SymDim total = product(in), known = product(r);
  if (inferAt >= 0) {
    auto q = total.divide(known);
    if (!q)
      return op.emitOpError("cannot infer the -1 dimension: ")
             << total.str() << " elements are not divisible by "
             << known.str();
    r[inferAt] = *q;
  } else if (total != known) {
    return op.emitOpError("element counts ")
           << total.str() << " and " << known.str()
           << " are not provably equal";
  }
  return r;
}

FailureOr<SymShape>
SymbolicShapeInference::inferReduce(Operation *op, ArrayRef<int64_t> axes,
                                    bool keepdims) {
  const SymShape &in = get(op->getOperand(0));
  SymShape r;
  for (auto [i, d] : llvm::enumerate(in)) {
    if (!llvm::is_contained(axes, (int64_t)i))
      r.push_back(d);
    else if (keepdims)
      r.push_back(SymDim::constant(1));
  }
  return r;
}

FailureOr<SymShape> SymbolicShapeInference::infer(Operation *op) {
  return llvm::TypeSwitch<Operation *, FailureOr<SymShape>>(op)
      .Case<AddOp, SubOp, MulOp, DivOp, MaxOp, MinOp>([&](auto bin) {
        return broadcast(op, get(bin.getLhs()), get(bin.getRhs()));
      })
      .Case<NegOp, ExpOp, TanhOp, SigmoidOp, ReluOp, SoftmaxOp>(
          [&](auto) -> FailureOr<SymShape> { return get(op->getOperand(0)); })
      .Case<MatmulOp>([&](MatmulOp m) { return inferMatmul(m); })
      .Case<ReshapeOp>([&](ReshapeOp r) { return inferReshape(r); })
      .Case<ReduceSumOp, ReduceMeanOp, ReduceMaxOp>([&](auto red) {
        return inferReduce(op, red.getNormalizedAxes(), red.getKeepdims());
      })
      .Case<TransposeOp>([&](TransposeOp t) -> FailureOr<SymShape> {
        const SymShape &in = get(t.getX());
        SymShape r;
        for (int64_t p : t.getPermutation())
          r.push_back(in[p]);
        return r;
      })
      .Case<BroadcastToOp>([&](BroadcastToOp b) -> FailureOr<SymShape> {
        const SymShape &in = get(b.getX());
        ArrayRef<int64_t> target = b.getShape();
        size_t offset = target.size() - in.size();
        SymShape r;
        for (auto [i, d] : llvm::enumerate(target))
          r.push_back(d == -1 ? in[i - offset] : SymDim::constant(d));
        return broadcast(op, in, r);
      })
      .Default([&](Operation *) -> FailureOr<SymShape> {
        // Ops without a rule are accepted when their result is static.
        auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
        if (!type || !type.hasStaticShape())
          return op->emitOpError("has no symbolic shape rule for its dynamic "
                                 "result");
        SymShape r;
        for (int64_t d : type.getShape())
          r.push_back(SymDim::constant(d));
        return r;
      });
}

LogicalResult SymbolicShapeInference::run(func::FuncOp func) {
  MLIRContext *ctx = func.getContext();
  for (BlockArgument arg : func.getArguments()) {
    auto type = dyn_cast<RankedTensorType>(arg.getType());
    if (!type)
      return func.emitOpError("argument ")
             << arg.getArgNumber() << " is not a ranked tensor";
    SymShape shape;
    auto dims = func.getArgAttrOfType<ArrayAttr>(arg.getArgNumber(), kDimsAttr);
    auto name = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), kNameAttr);
    std::string argName =
        name ? name.getValue().str() : "arg" + std::to_string(arg.getArgNumber());
    for (int64_t i = 0; i < type.getRank(); ++i) {
      int64_t size = type.getDimSize(i);
      if (dims && (int64_t)dims.size() == type.getRank()) {
        auto sym = dyn_cast<StringAttr>(dims[i]);
        auto parsed = sym ? SymDim::parse(sym.getValue()) : std::nullopt;
        bool plainSymbol = parsed && parsed->factor == 1 &&
                           parsed->symbols.size() == 1;
        if (ShapedType::isDynamic(size) && plainSymbol) {
          shape.push_back(*parsed);
          continue;
        }
        if (ShapedType::isDynamic(size) || sym)
          return func.emitOpError("input '")
                 << argName << "': kiln.dims entry " << i
                 << " must be a symbol name for a dynamic dimension and an "
                    "integer for a static one";
      }
      shape.push_back(ShapedType::isDynamic(size)
                          ? SymDim::symbol(argName + "_" + std::to_string(i))
                          : SymDim::constant(size));
    }
    func.setArgAttr(arg.getArgNumber(), kDimsAttr, symShapeToAttr(ctx, shape));
    shapes[arg] = shape;
  }

  WalkResult walk = func.getBody().walk([&](Operation *op) {
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      for (auto [i, v] : llvm::enumerate(ret.getOperands()))
        func.setResultAttr(i, kDimsAttr, symShapeToAttr(ctx, get(v)));
      return WalkResult::advance();
    }
    if (op->getNumResults() != 1)
      return WalkResult::advance();
    FailureOr<SymShape> shape = infer(op);
    if (failed(shape))
      return WalkResult::interrupt();
    shapes[op->getResult(0)] = std::move(*shape);
    return WalkResult::advance();
  });
  return failure(walk.wasInterrupted());
}

namespace {
struct KilnInferSymbolicDimsPass
    : public mlir::kiln::impl::KilnInferSymbolicDimsBase<
          KilnInferSymbolicDimsPass> {
  void runOnOperation() override {
    SymbolicShapeInference inference;
    if (failed(inference.run(getOperation())))
      signalPassFailure();
  }
};
} // namespace
