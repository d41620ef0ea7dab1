//===- OnnxSymbolicShapes.cpp - shape computations on symbolic dims -*- C++ -*-//
//
// Exporters compute shapes at run time: `Shape(x) -> Gather(0) -> Unsqueeze
// -> Concat([n, -1]) -> Reshape`. With static shapes these fold to
// constants. With a symbolic dim (a dynamic batch) the importer follows the
// computation symbolically instead: each element of a shape value is a
// SymDim (an integer times symbols), and Reshape turns them back into
// kiln.reshape's `0` (copy the input dim) and `-1` (the rest) when that is
// provably what they say. Anything it cannot follow is an error that names
// the node and suggests --shape.
//
//===----------------------------------------------------------------------===//
#include "OnnxImporterImpl.h"
#include "OnnxOpsUtils.h"

#include "dialects/kiln/IR/KilnInterfaces.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::onnx_frontend;

static constexpr llvm::StringLiteral kPlaceholderAttr = "kiln.symbolic_shape";

const SymShape &ModelImporter::symShape(Value v) {
  auto it = symShapes.find(v);
  if (it != symShapes.end())
    return it->second;
  auto type = cast<RankedTensorType>(v.getType());
  auto unknown = [&] {
    SymShape s;
    for (int64_t d : type.getShape())
      s.push_back(ShapedType::isDynamic(d)
                      ? SymDim::symbol("?" + std::to_string(unknownDims++))
                      : SymDim::constant(d));
    return s;
  };
  SymShape result;
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
    auto dims = func ? func.getArgAttrOfType<ArrayAttr>(arg.getArgNumber(),
                                                         kDimsAttr)
                     : ArrayAttr();
    std::optional<SymShape> parsed =
        dims ? symShapeFromAttr(dims) : std::nullopt;
    result = parsed && (int64_t)parsed->size() == type.getRank() ? *parsed
                                                                 : unknown();
  } else {
    Operation *op = v.getDefiningOp();
    SmallVector<SymShape, 1> results;
    bool ok = false;
    if (auto iface = dyn_cast<SymbolicShapeOpInterface>(op)) {
      ScopedDiagnosticHandler quiet(ctx, [](Diagnostic &) { return success(); });
      ok = succeeded(iface.inferSymbolicShapes(
               [&](Value o) -> const SymShape & { return symShape(o); },
               results)) &&
           results.size() == op->getNumResults();
    } else if (op->hasTrait<SameSymbolicShape>()) {
      results.push_back(symShape(op->getOperand(0)));
      ok = op->getNumResults() == 1;
    }
    if (ok) {
      for (auto [r, s] : llvm::zip(op->getResults(), results))
        symShapes[r] = s;
      return symShapes.find(v)->second;
    }
    result = unknown();
  }
  return symShapes[v] = std::move(result);
}

Value ModelImporter::buildShapeValue(OpBuilder &b, Location loc,
                                     ShapeValue value, Type elem) {
  int64_t n = value.elems.size();
  SmallVector<int64_t> shape;
  if (!value.scalar)
    shape.push_back(n);
  if (llvm::all_of(value.elems, [](const SymDim &d) { return d.isStatic(); })) {
    HostTensor t;
    t.dtype = KILN_DTYPE_I64;
    t.shape.assign(shape.begin(), shape.end());
    for (const SymDim &d : value.elems) {
      int64_t f = d.factor;
      const uint8_t *p = reinterpret_cast<const uint8_t *>(&f);
      t.bytes.insert(t.bytes.end(), p, p + 8);
    }
    Value c = buildConstant(b, loc, t);
    if (elem.isInteger(64))
      return c;
    return CastOp::create(b, loc, RankedTensorType::get(shape, elem), c,
                          TypeAttr::get(elem));
  }
  auto type = RankedTensorType::get(shape, elem);
  auto op = ConstantOp::create(b, loc, type,
                               DenseElementsAttr::get(
                                   type, b.getIntegerAttr(elem, 0)));
  op->setAttr(kPlaceholderAttr, b.getUnitAttr());
  shapeValues[op.getResult()] = std::move(value);
  return op.getResult();
}

void ModelImporter::checkShapePlaceholders(Block &body) {
  body.walk([&](Operation *op) {
    if (!op->hasAttr(kPlaceholderAttr))
      return;
    for (OpOperand &use : op->getResult(0).getUses()) {
      Operation *user = use.getOwner();
      error(user->getLoc())
          << "node '"
          << (isa<NameLoc>(user->getLoc())
                  ? cast<NameLoc>(user->getLoc()).getName().str()
                  : std::string("?"))
          << "': unsupported: computes with the shape of a tensor with "
             "symbolic dims in a way Kiln does not follow (pin the model's "
             "inputs with --shape)";
    }
  });
}

/// Reads input `i` of a shape computation: a placeholder's elements, or a
/// constant integer tensor's (rank 0 or 1).
static std::optional<ModelImporter::ShapeValue>
shapeOperand(NodeContext &ctx, ModelImporter &model, unsigned i) {
  if (const auto *sv = model.shapeValue(ctx.input(i)))
    return *sv;
  const HostTensor *c = ctx.constInput(i);
  if (!c || c->shape.size() > 1)
    return std::nullopt;
  auto ints = ctx.constInts(i);
  if (failed(ints))
    return std::nullopt;
  ModelImporter::ShapeValue v;
  v.scalar = c->shape.empty();
  for (int64_t x : *ints)
    v.elems.push_back(SymDim::constant(x));
  return v;
}

FailureOr<bool>
GraphImporter::convertShapeComputation(NodeContext &ctx,
                                       SmallVectorImpl<Value> &outputs) {
  bool readsPlaceholder = false;
  for (unsigned i = 0; i < ctx.numInputs(); ++i)
    readsPlaceholder |= model.shapeValue(ctx.input(i)) != nullptr;
  if (!readsPlaceholder)
    return false;
  StringRef op = ctx.opType();
  if (op == "Reshape" || op == "Shape" || op == "Size")
    return false; // the converters read placeholders themselves
  auto give = [&](ModelImporter::ShapeValue v, Type elem) -> FailureOr<bool> {
    outputs.push_back(model.buildShapeValue(ctx.b, ctx.loc, std::move(v), elem));
    return true;
  };
  auto in0 = shapeOperand(ctx, model, 0);
  Type elem0 = getElementTypeOrSelf(ctx.inputType(0));
  auto notFollowed = [&]() -> FailureOr<bool> {
    (void)ctx.unsupported("computes with the shape of a tensor with symbolic "
                          "dims in a way Kiln does not follow (pin the "
                          "model's inputs with --shape)");
    return failure();
  };

  if (op == "Identity" || op == "Cast") {
    if (!in0)
      return notFollowed();
    Type to = elem0;
    if (op == "Cast")
      to = elementTypeOf(ctx.getContext(), ctx.attrInt("to", 7));
    if (!to || !isa<IntegerType>(to))
      return notFollowed();
    return give(*in0, to);
  }
  if (op == "Gather") {
    auto idx = shapeOperand(ctx, model, 1);
    if (!in0 || in0->scalar || !idx || ctx.attrInt("axis", 0) != 0)
      return notFollowed();
    ModelImporter::ShapeValue out;
    out.scalar = idx->scalar;
    int64_t n = in0->elems.size();
    for (const SymDim &d : idx->elems) {
      if (!d.isStatic() || d.factor < -n || d.factor >= n)
        return notFollowed();
      out.elems.push_back(in0->elems[d.factor < 0 ? d.factor + n : d.factor]);
    }
    return give(out, elem0);
  }
  if (op == "Unsqueeze" || op == "Squeeze") {
    if (!in0)
      return notFollowed();
    ModelImporter::ShapeValue out = *in0;
    // Only the rank-0 <-> rank-1 forms exporters use.
    if (op == "Unsqueeze" && in0->scalar)
      out.scalar = false;
    else if (op == "Squeeze" && !in0->scalar && in0->elems.size() == 1)
      out.scalar = true;
    else
      return notFollowed();
    return give(out, elem0);
  }
  if (op == "Concat") {
    ModelImporter::ShapeValue out;
    for (unsigned i = 0; i < ctx.numInputs(); ++i) {
      auto v = shapeOperand(ctx, model, i);
      if (!v || v->scalar)
        return notFollowed();
      out.elems.append(v->elems.begin(), v->elems.end());
    }
    return give(out, elem0);
  }
  if (op == "Slice") {
    if (!in0 || in0->scalar || ctx.opset < 10)
      return notFollowed();
    auto starts = ctx.constInts(1), ends = ctx.constInts(2);
    if (failed(starts) || failed(ends) || starts->size() != 1 ||
        ends->size() != 1)
      return failure();
    int64_t step = 1;
    if (ctx.hasInput(4)) {
      auto steps = ctx.constInts(4);
      if (failed(steps) || steps->size() != 1 || (*steps)[0] == 0)
        return failure();
      step = (*steps)[0];
    }
    int64_t n = in0->elems.size();
    auto clampIdx = [&](int64_t v, int64_t lo, int64_t hi) {
      if (v < 0)
        v += n;
      return std::clamp(v, lo, hi);
    };
    ModelImporter::ShapeValue out;
    if (step > 0) {
      for (int64_t i = clampIdx((*starts)[0], 0, n),
                   e = clampIdx((*ends)[0], 0, n);
           i < e; i += step)
        out.elems.push_back(in0->elems[i]);
    } else {
      for (int64_t i = clampIdx((*starts)[0], -1, n - 1),
                   e = clampIdx((*ends)[0], -1, n - 1);
           i > e; i += step)
        out.elems.push_back(in0->elems[i]);
    }
    return give(out, elem0);
  }
  if (op == "Mul" || op == "Div") {
    auto in1 = shapeOperand(ctx, model, 1);
    if (!in0 || !in1)
      return notFollowed();
    size_t n = std::max(in0->elems.size(), in1->elems.size());
    if ((in0->elems.size() != n && in0->elems.size() != 1) ||
        (in1->elems.size() != n && in1->elems.size() != 1))
      return notFollowed();
    ModelImporter::ShapeValue out;
    out.scalar = in0->scalar && in1->scalar;
    for (size_t i = 0; i < n; ++i) {
      const SymDim &a = in0->elems[in0->elems.size() == 1 ? 0 : i];
      const SymDim &b = in1->elems[in1->elems.size() == 1 ? 0 : i];
      if (op == "Mul") {
        out.elems.push_back(a * b);
      } else {
        std::optional<SymDim> q = a.divide(b);
        if (!q)
          return notFollowed();
        out.elems.push_back(*q);
      }
    }
    return give(out, elem0);
  }
  return notFollowed();
}
