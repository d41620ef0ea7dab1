//===- OnnxOpsRecurrent.cpp - RNN, GRU, LSTM, Einsum, Loop -------*- C++ -*-===//
//
// ONNX ops that decompose into many kiln ops (see OnnxOps.h):
//  - RNN, GRU and LSTM are unrolled over their (static) sequence length: the
//    input projections of all steps are one matmul per direction, each step
//    adds the recurrent matmul, applies the gates' activations and updates
//    the state elementwise. A run-time sequence_lens masks the steps past a
//    sequence's length (the state is kept, Y is zero there).
//  - Einsum contracts its operands pairwise (matmul for contractions over
//    static dims, broadcast-multiply and reduce_sum otherwise), after taking
//    diagonals for letters repeated within an operand.
//  - Loop becomes a kiln.while over (iteration, condition, carried values)
//    when its body keeps the carried types and has no scan outputs; with a
//    compile-time trip count and condition it is unrolled instead, which
//    also gives scan outputs and bodies whose carried shapes change.
//
//===----------------------------------------------------------------------===//
#include "OnnxImporterImpl.h"
#include "OnnxOps.h"
#include "OnnxOpsUtils.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"

#include <map>

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::onnx_frontend;

namespace {

using Outs = SmallVectorImpl<Value>;

/// Builds kiln ops through a NodeContext with sticky failure: once an op
/// fails (its diagnostic is reported), or is given a null operand, every
/// later op yields a null value, so long decompositions check `ok()` once.
struct Emitter {
  NodeContext &ctx;
  bool bad = false;

  explicit Emitter(NodeContext &ctx) : ctx(ctx) {}
  bool ok() const { return !bad; }

  template <typename OpTy>
  Value op(ValueRange operands, typename OpTy::Properties props = {}) {
    if (bad || llvm::any_of(operands, [](Value v) { return !v; })) {
      bad = true;
      return {};
    }
    auto r = ctx.create<OpTy>(operands, props);
    if (failed(r)) {
      bad = true;
      return {};
    }
    return *r;
  }
  SmallVector<Value> split(Value x, int64_t axis, ArrayRef<int64_t> sizes) {
    if (bad || !x) {
      bad = true;
      return SmallVector<Value>(sizes.size());
    }
    if (sizes.size() == 1)
      return {x};
    SplitOp::Properties props;
    props.axis = ctx.i64Attr(axis);
    props.sizes = ctx.i64Array(sizes);
    auto r = ctx.createMulti<SplitOp>({x}, props);
    if (failed(r)) {
      bad = true;
      return SmallVector<Value>(sizes.size());
    }
    return *r;
  }
  Value wrap(FailureOr<Value> v) {
    if (failed(v) || !*v) {
      bad = true;
      return {};
    }
    return *v;
  }
  Value add(Value a, Value b) { return op<AddOp>({a, b}); }
  Value sub(Value a, Value b) { return op<SubOp>({a, b}); }
  Value mul(Value a, Value b) { return op<MulOp>({a, b}); }
  Value matmulT(Value a, Value b) {
    MatmulOp::Properties props;
    props.transpose_b = ctx.boolAttr(true);
    return op<MatmulOp>({a, b}, props);
  }
  Value squeeze(Value x, ArrayRef<int64_t> axes) {
    if (bad || !x)
      return bad = true, Value();
    SqueezeOp::Properties props;
    props.axes = ctx.i64Array(axes);
    return op<SqueezeOp>({x}, props);
  }
  Value unsqueeze(Value x, ArrayRef<int64_t> axes) {
    if (bad || !x)
      return bad = true, Value();
    return wrap(onnx_frontend::unsqueeze(ctx, x, axes));
  }
  Value transpose(Value x, ArrayRef<int64_t> perm) {
    if (bad || !x)
      return bad = true, Value();
    bool identity = true;
    for (auto [i, p] : llvm::enumerate(perm))
      identity &= (int64_t)i == p;
    if (identity)
      return x;
    return wrap(onnx_frontend::transpose(ctx, x, perm));
  }
  Value reshape(Value x, ArrayRef<int64_t> shape) {
    if (bad || !x)
      return bad = true, Value();
    return wrap(reshapeTo(ctx, x, shape));
  }
  Value concat(ValueRange xs, int64_t axis) {
    if (xs.size() == 1)
      return xs[0];
    ConcatOp::Properties props;
    props.axis = ctx.i64Attr(axis);
    return op<ConcatOp>(xs, props);
  }
  Value reduceSum(Value x, ArrayRef<int64_t> axes) {
    if (axes.empty())
      return x;
    ReduceSumOp::Properties props;
    props.axes = ctx.i64Array(axes);
    props.keepdims = ctx.boolAttr(false);
    return op<ReduceSumOp>({x}, props);
  }
  /// x[begin:end] along `axis`.
  Value slice(Value x, int64_t axis, int64_t begin, int64_t end) {
    SliceOp::Properties props;
    props.starts = ctx.i64Array({begin});
    props.ends = ctx.i64Array({end});
    props.axes = ctx.i64Array({axis});
    props.steps = ctx.i64Array({1});
    return op<SliceOp>({x}, props);
  }
};

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

//===----------------------------------------------------------------------===//
// RNN, GRU, LSTM
//===----------------------------------------------------------------------===//

enum class Cell { Rnn, Gru, Lstm };

struct Activation {
  std::string name; // lower case
  double alpha = 0, beta = 0;
};

/// The activations of all directions (`perDir` each), with their alphas and
/// betas taken in order by the activations that use them (as onnxruntime).
FailureOr<SmallVector<Activation>>
parseActivations(NodeContext &ctx, ArrayRef<StringRef> defaults,
                 int64_t numDir) {
  size_t perDir = defaults.size();
  SmallVector<std::string> names;
  if (const onnx::AttributeProto *a = ctx.attr("activations")) {
    for (const std::string &s : a->strings())
      names.push_back(s);
  } else {
    for (int64_t d = 0; d < numDir; ++d)
      for (StringRef s : defaults)
        names.push_back(s.str());
  }
  if (names.size() == perDir && numDir == 2)
    names.append(SmallVector<std::string>(names)); // same for both directions
  if (names.size() != perDir * numDir) {
    ctx.error() << "expected " << perDir * numDir
                << " activations, got " << names.size();
    return failure();
  }
  SmallVector<double> alphas = ctx.attrFloats("activation_alpha").value_or(
      SmallVector<double>());
  SmallVector<double> betas =
      ctx.attrFloats("activation_beta").value_or(SmallVector<double>());
  size_t ai = 0, bi = 0;
  // name -> (uses alpha, uses beta, default alpha, default beta)
  struct Info {
    bool alpha, beta;
    double da, db;
  };
  static const std::map<std::string, Info> known = {
      {"relu", {false, false, 0, 0}},
      {"tanh", {false, false, 0, 0}},
      {"sigmoid", {false, false, 0, 0}},
      {"affine", {true, true, 1.0, 0.0}},
      {"leakyrelu", {true, false, 0.01, 0}},
      {"thresholdedrelu", {true, false, 1.0, 0}},
      {"scaledtanh", {true, true, 1.0, 1.0}},
      {"hardsigmoid", {true, true, 0.2, 0.5}},
      {"elu", {true, false, 1.0, 0}},
      {"softsign", {false, false, 0, 0}},
      {"softplus", {false, false, 0, 0}},
  };
  SmallVector<Activation> acts;
  for (const std::string &name : names) {
    std::string n = StringRef(name).lower();
    auto it = known.find(n);
    if (it == known.end()) {
      (void)ctx.unsupported("activation '" + name + "'");
      return failure();
    }
    Activation act{n, it->second.da, it->second.db};
    if (it->second.alpha && ai < alphas.size())
      act.alpha = alphas[ai++];
    if (it->second.beta && bi < betas.size())
      act.beta = betas[bi++];
    acts.push_back(act);
  }
  return acts;
}

Value applyActivation(Emitter &e, const Activation &a, Value x) {
  NodeContext &ctx = e.ctx;
  if (!x || e.bad)
    return e.bad = true, Value();
  Type elem = getElementTypeOrSelf(x.getType());
  const std::string &n = a.name;
  if (n == "tanh")
    return e.op<TanhOp>({x});
  if (n == "sigmoid")
    return e.op<SigmoidOp>({x});
  if (n == "relu")
    return e.op<ReluOp>({x});
  if (n == "affine")
    return e.add(e.mul(x, ctx.scalar(elem, a.alpha)), ctx.scalar(elem, a.beta));
  if (n == "leakyrelu") {
    LeakyReluOp::Properties props;
    props.alpha = ctx.f64Attr(a.alpha);
    return e.op<LeakyReluOp>({x}, props);
  }
  if (n == "thresholdedrelu") {
    Value gt = e.op<GtOp>({x, ctx.scalar(elem, a.alpha)});
    return e.op<SelectOp>({gt, x, ctx.scalar(elem, 0)});
  }
  if (n == "scaledtanh") {
    Value t = e.op<TanhOp>({e.mul(x, ctx.scalar(elem, a.beta))});
    return e.mul(t, ctx.scalar(elem, a.alpha));
  }
  if (n == "hardsigmoid") {
    HardSigmoidOp::Properties props;
    props.alpha = ctx.f64Attr(a.alpha);
    props.beta = ctx.f64Attr(a.beta);
    return e.op<HardSigmoidOp>({x}, props);
  }
  if (n == "elu") {
    EluOp::Properties props;
    props.alpha = ctx.f64Attr(a.alpha);
    return e.op<EluOp>({x}, props);
  }
  if (n == "softsign") {
    Value den = e.add(e.op<AbsOp>({x}), ctx.scalar(elem, 1));
    return e.op<DivOp>({x, den});
  }
  if (n == "softplus")
    return e.op<SoftplusOp>({x});
  e.bad = true;
  return {};
}

/// One direction's parameters and state.
struct Direction {
  Value w, r, rZR, rH; // [G*H, I], [G*H, H]; GRU: R's z,r rows and h rows
  Value xw;            // [seq, batch, G*H]: X W^T + the biases added up front
  Value rbH;           // GRU with linear_before_reset: Rb of the h gate
  Value pI, pO, pF;    // LSTM peepholes, [H]
  Value h, c;          // state; null means zeros
  ArrayRef<Activation> acts;
  SmallVector<Value> ys; // per time step, in time order
};

LogicalResult convertRecurrent(NodeContext &ctx, Outs &outs, Cell cell) {
  Emitter e(ctx);
  const int64_t gates = cell == Cell::Rnn ? 1 : cell == Cell::Gru ? 3 : 4;
  RankedTensorType xType = ctx.inputType(0), wType = ctx.inputType(1),
                   rType = ctx.inputType(2);
  if (!xType || !wType || !rType)
    return ctx.error() << "missing input X, W or R", failure();
  if (xType.getRank() != 3 || wType.getRank() != 3 || rType.getRank() != 3)
    return ctx.error() << "X, W and R must have rank 3", failure();
  Type elem = xType.getElementType();
  if (!isa<FloatType>(elem))
    return ctx.unsupported("a non-float element type");

  std::string direction = ctx.attrString("direction", "forward");
  int64_t numDir;
  if (direction == "forward" || direction == "reverse")
    numDir = 1;
  else if (direction == "bidirectional")
    numDir = 2;
  else
    return ctx.error() << "unknown direction '" << direction << "'", failure();
  int64_t hidden = ctx.attrInt("hidden_size", rType.getDimSize(2));
  if (ShapedType::isDynamic(hidden) || hidden <= 0)
    return ctx.unsupported("a hidden size that is not known statically");
  if (rType.getDimSize(2) != hidden && !rType.isDynamicDim(2))
    return ctx.error() << "R's last dimension is " << rType.getDimSize(2)
                       << ", hidden_size " << hidden,
           failure();
  for (RankedTensorType t : {wType, rType}) {
    if (!t.isDynamicDim(0) && t.getDimSize(0) != numDir)
      return ctx.error() << "W and R must have " << numDir
                         << " direction(s) for direction '" << direction
                         << "'",
             failure();
    if (!t.isDynamicDim(1) && t.getDimSize(1) != gates * hidden)
      return ctx.error() << "W and R must have " << gates * hidden
                         << " rows (" << gates << " gates of hidden_size "
                         << hidden << ")",
             failure();
  }
  int64_t layout = ctx.opset >= 14 ? ctx.attrInt("layout", 0) : 0;
  if (layout != 0 && layout != 1)
    return ctx.error() << "layout must be 0 or 1", failure();
  bool lbr = cell == Cell::Gru && ctx.attrInt("linear_before_reset", 0) != 0;
  if (cell == Cell::Lstm && ctx.attrInt("input_forget", 0) != 0)
    return ctx.unsupported("input_forget=1");
  std::optional<double> clip;
  if (ctx.hasAttr("clip"))
    clip = ctx.attrFloat("clip", 0);

  SmallVector<StringRef> defaults;
  if (cell == Cell::Rnn)
    defaults = {"Tanh"};
  else if (cell == Cell::Gru)
    defaults = {"Sigmoid", "Tanh"};
  else
    defaults = {"Sigmoid", "Tanh", "Tanh"};
  auto acts = parseActivations(ctx, defaults, numDir);
  if (failed(acts))
    return failure();

  // X as [seq, batch, input].
  Value x = ctx.input(0);
  if (layout == 1)
    x = e.transpose(x, {1, 0, 2});
  if (!e.ok())
    return failure();
  int64_t seq = typeOf(x).getDimSize(0);
  if (ShapedType::isDynamic(seq))
    return ctx.unsupported("a symbolic sequence length");
  if (seq == 0)
    return ctx.unsupported("an empty sequence");

  // sequence_lens: ignored when it is a constant equal to the full length,
  // else the steps past each sequence's end are masked.
  Value seqLens;
  if (ctx.hasInput(4)) {
    bool full = false;
    if (ctx.constInput(4)) {
      auto lens = ctx.constInts(4);
      if (failed(lens))
        return failure();
      full = llvm::all_of(*lens, [&](int64_t l) { return l == seq; });
    }
    if (!full)
      seqLens = ctx.input(4);
  }

  // Per-direction slices of the [num_directions, ...] inputs.
  auto perDirection = [&](Value v, bool batchFirst) -> SmallVector<Value> {
    SmallVector<Value> parts;
    if (!v)
      return SmallVector<Value>(numDir);
    int64_t axis = batchFirst ? 1 : 0;
    for (int64_t d = 0; d < numDir; ++d)
      parts.push_back(e.squeeze(e.slice(v, axis, d, d + 1), {axis}));
    return parts;
  };
  SmallVector<Value> ws = perDirection(ctx.input(1), false);
  SmallVector<Value> rs = perDirection(ctx.input(2), false);
  SmallVector<Value> bs = perDirection(ctx.input(3), false);
  SmallVector<Value> h0s = perDirection(ctx.input(5), layout == 1);
  SmallVector<Value> c0s = perDirection(
      cell == Cell::Lstm ? ctx.input(6) : Value(), layout == 1);
  SmallVector<Value> ps =
      perDirection(cell == Cell::Lstm ? ctx.input(7) : Value(), false);
  if (!e.ok())
    return failure();

  int64_t gh = gates * hidden;
  SmallVector<Direction> dirs(numDir);
  for (int64_t d = 0; d < numDir; ++d) {
    Direction &dir = dirs[d];
    dir.acts = ArrayRef<Activation>(*acts).slice(d * defaults.size(),
                                                 defaults.size());
    dir.w = ws[d];
    dir.r = rs[d];
    dir.h = h0s[d];
    dir.c = c0s[d];
    dir.xw = e.matmulT(x, dir.w); // [seq, batch, G*H]
    if (Value b = bs[d]) {
      Value wb = e.slice(b, 0, 0, gh), rb = e.slice(b, 0, gh, 2 * gh);
      Value bias;
      if (lbr) {
        // Rb of the h gate is applied inside r * (...).
        Value zr = e.add(e.slice(wb, 0, 0, 2 * hidden),
                         e.slice(rb, 0, 0, 2 * hidden));
        bias = e.concat({zr, e.slice(wb, 0, 2 * hidden, gh)}, 0);
        dir.rbH = e.slice(rb, 0, 2 * hidden, gh);
      } else {
        bias = e.add(wb, rb);
      }
      dir.xw = e.add(dir.xw, bias);
    }
    if (cell == Cell::Gru && !lbr) {
      dir.rZR = e.slice(dir.r, 0, 0, 2 * hidden);
      dir.rH = e.slice(dir.r, 0, 2 * hidden, gh);
    }
    if (Value p = ps[d]) {
      dir.pI = e.slice(p, 0, 0, hidden);
      dir.pO = e.slice(p, 0, hidden, 2 * hidden);
      dir.pF = e.slice(p, 0, 2 * hidden, 3 * hidden);
    }
  }
  if (!e.ok())
    return failure();

  auto pre = [&](Value v) -> Value {
    if (!clip || !v)
      return v;
    ClipOp::Properties props;
    props.min = ctx.f64Attr(-*clip);
    props.max = ctx.f64Attr(*clip);
    return e.op<ClipOp>({v}, props);
  };
  Value zero = seqLens ? ctx.scalar(elem, 0) : Value();
  Value one = cell == Cell::Gru ? ctx.scalar(elem, 1) : Value();
  bool wantY = ctx.hasOutput(0);

  for (int64_t d = 0; d < numDir; ++d) {
    Direction &dir = dirs[d];
    bool reverse = direction == "reverse" || d == 1;
    SmallVector<int64_t> sizes(seq, 1);
    SmallVector<Value> steps = e.split(dir.xw, 0, sizes);
    dir.ys.assign(seq, Value());
    for (int64_t k = 0; k < seq; ++k) {
      int64_t t = reverse ? seq - 1 - k : k;
      Value g = e.squeeze(steps[t], {0}); // [batch, G*H]
      Value hNew, cNew;
      const Value h = dir.h, c = dir.c;
      if (cell == Cell::Rnn) {
        if (h)
          g = e.add(g, e.matmulT(h, dir.r));
        hNew = applyActivation(e, dir.acts[0], pre(g));
      } else if (cell == Cell::Gru) {
        SmallVector<Value> xg = e.split(g, 1, {hidden, hidden, hidden});
        Value gz = xg[0], gr = xg[1], gn = xg[2];
        Value hh; // the recurrent part of the h gate, before r
        if (h && lbr) {
          SmallVector<Value> rg =
              e.split(e.matmulT(h, dir.r), 1, {hidden, hidden, hidden});
          gz = e.add(gz, rg[0]);
          gr = e.add(gr, rg[1]);
          hh = dir.rbH ? e.add(rg[2], dir.rbH) : rg[2];
        } else if (h) {
          SmallVector<Value> rg =
              e.split(e.matmulT(h, dir.rZR), 1, {hidden, hidden});
          gz = e.add(gz, rg[0]);
          gr = e.add(gr, rg[1]);
        } else if (lbr) {
          hh = dir.rbH;
        }
        Value z = applyActivation(e, dir.acts[0], pre(gz));
        Value r = applyActivation(e, dir.acts[0], pre(gr));
        if (lbr && hh)
          gn = e.add(gn, e.mul(r, hh));
        else if (!lbr && h)
          gn = e.add(gn, e.matmulT(e.mul(r, h), dir.rH));
        Value ht = applyActivation(e, dir.acts[1], pre(gn));
        hNew = e.mul(e.sub(one, z), ht);
        if (h)
          hNew = e.add(hNew, e.mul(z, h));
      } else {
        if (h)
          g = e.add(g, e.matmulT(h, dir.r));
        SmallVector<Value> gs = e.split(g, 1, {hidden, hidden, hidden, hidden});
        Value gi = gs[0], go = gs[1], gf = gs[2], gc = gs[3];
        if (c && dir.pI) {
          gi = e.add(gi, e.mul(dir.pI, c));
          gf = e.add(gf, e.mul(dir.pF, c));
        }
        Value i = applyActivation(e, dir.acts[0], pre(gi));
        Value f = applyActivation(e, dir.acts[0], pre(gf));
        Value ct = applyActivation(e, dir.acts[1], pre(gc));
        cNew = e.mul(i, ct);
        if (c)
          cNew = e.add(e.mul(f, c), cNew);
        if (dir.pO)
          go = e.add(go, e.mul(dir.pO, cNew));
        Value o = applyActivation(e, dir.acts[0], pre(go));
        hNew = e.mul(o, applyActivation(e, dir.acts[2], cNew));
      }
      if (seqLens) {
        Type lenElem = getElementTypeOrSelf(seqLens.getType());
        Value live = e.unsqueeze(
            e.op<LtOp>({ctx.scalar(lenElem, t), seqLens}), {1}); // [batch, 1]
        if (wantY)
          dir.ys[t] = e.op<SelectOp>({live, hNew, zero});
        hNew = e.op<SelectOp>({live, hNew, h ? h : zero});
        if (cNew)
          cNew = e.op<SelectOp>({live, cNew, c ? c : zero});
      } else if (wantY) {
        dir.ys[t] = hNew;
      }
      dir.h = hNew;
      dir.c = cNew;
      if (!e.ok())
        return failure();
    }
  }

  // Y: [seq, num_directions, batch, hidden], or [batch, seq, dirs, hidden].
  if (wantY) {
    SmallVector<Value> perDir;
    for (Direction &dir : dirs) {
      SmallVector<Value> ys;
      for (Value y : dir.ys)
        ys.push_back(e.unsqueeze(y, {0, 1}));
      perDir.push_back(e.concat(ys, 0));
    }
    Value y = e.concat(perDir, 1);
    if (layout == 1)
      y = e.transpose(y, {2, 0, 1, 3});
    outs.push_back(y);
  } else {
    outs.push_back(Value());
  }
  // Y_h, Y_c: [num_directions, batch, hidden], or [batch, dirs, hidden].
  auto finalState = [&](bool cellState) -> Value {
    SmallVector<Value> parts;
    for (Direction &dir : dirs)
      parts.push_back(e.unsqueeze(cellState ? dir.c : dir.h, {layout}));
    return e.concat(parts, layout);
  };
  outs.push_back(ctx.hasOutput(1) ? finalState(false) : Value());
  if (cell == Cell::Lstm)
    outs.push_back(ctx.hasOutput(2) ? finalState(true) : Value());
  return success(e.ok());
}

LogicalResult convertRNN(NodeContext &ctx, Outs &outs) {
  return convertRecurrent(ctx, outs, Cell::Rnn);
}
LogicalResult convertGRU(NodeContext &ctx, Outs &outs) {
  return convertRecurrent(ctx, outs, Cell::Gru);
}
LogicalResult convertLSTM(NodeContext &ctx, Outs &outs) {
  return convertRecurrent(ctx, outs, Cell::Lstm);
}

//===----------------------------------------------------------------------===//
// Einsum
//===----------------------------------------------------------------------===//

/// Labels: letters are their character codes, the dims an ellipsis stands
/// for are kEllipsis + their index among the broadcast ellipsis dims.
constexpr int kEllipsis = 256;

struct Term {
  Value value;
  SmallVector<int> labels;
};

/// Parses one term: letters and at most one "..." (as -1).
FailureOr<SmallVector<int>> parseTerm(NodeContext &ctx, StringRef s) {
  SmallVector<int> out;
  bool ellipsis = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char ch = s[i];
    if (llvm::isAlpha(ch)) {
      out.push_back((unsigned char)ch);
    } else if (ch == '.' && s.substr(i, 3) == "..." && !ellipsis) {
      ellipsis = true;
      out.push_back(-1);
      i += 2;
    } else {
      ctx.error() << "invalid einsum term '" << s << "'";
      return failure();
    }
  }
  return out;
}

/// Takes the diagonal over axes `a` < `b` (same label, static equal sizes):
/// the result has the other axes in order, then the diagonal.
Value diagonal(Emitter &e, Term &t, int64_t a, int64_t b) {
  RankedTensorType type = typeOf(t.value);
  int64_t n = type.getDimSize(a), rank = type.getRank();
  SmallVector<int64_t> perm;
  SmallVector<int> labels;
  for (int64_t i = 0; i < rank; ++i)
    if (i != a && i != b) {
      perm.push_back(i);
      labels.push_back(t.labels[i]);
    }
  labels.push_back(t.labels[a]);
  perm.push_back(a);
  perm.push_back(b);
  Value v = e.transpose(t.value, perm);
  SmallVector<int64_t> shape(rank - 2, 0);
  shape.push_back(n * n);
  v = e.reshape(v, shape);
  SmallVector<int64_t> idx;
  for (int64_t i = 0; i < n; ++i)
    idx.push_back(i * (n + 1));
  GatherOp::Properties props;
  props.axis = e.ctx.i64Attr(rank - 2);
  v = e.op<GatherOp>({v, e.ctx.i64s(idx)}, props);
  t.labels = labels;
  return t.value = v;
}

/// Sums the axes of `t` whose labels `keep` rejects.
void reduceLabels(Emitter &e, Term &t, llvm::function_ref<bool(int)> keep) {
  SmallVector<int64_t> axes;
  SmallVector<int> labels;
  for (auto [i, l] : llvm::enumerate(t.labels)) {
    if (keep(l))
      labels.push_back(l);
    else
      axes.push_back(i);
  }
  t.value = e.reduceSum(t.value, axes);
  t.labels = labels;
}

/// `t` transposed to the relative order of `order` (a superset of its
/// labels), with size-1 dims for the labels it lacks.
Value align(Emitter &e, const Term &t, ArrayRef<int> order) {
  SmallVector<int64_t> perm, missing;
  for (auto [i, l] : llvm::enumerate(order)) {
    auto *it = llvm::find(t.labels, l);
    if (it == t.labels.end())
      missing.push_back(i);
    else
      perm.push_back(it - t.labels.begin());
  }
  return e.unsqueeze(e.transpose(t.value, perm), missing);
}

/// Contracts `a` and `b` over their shared labels that `keep` rejects; the
/// result's labels are the shared kept ones, then a's own, then b's own.
Term contract(Emitter &e, const Term &a, const Term &b,
              llvm::function_ref<bool(int)> keep) {
  SmallVector<int> batch, contr, aOnly, bOnly;
  for (int l : a.labels) {
    if (!llvm::is_contained(b.labels, l))
      aOnly.push_back(l);
    else if (keep(l))
      batch.push_back(l);
    else
      contr.push_back(l);
  }
  for (int l : b.labels)
    if (!llvm::is_contained(a.labels, l))
      bOnly.push_back(l);
  RankedTensorType at = typeOf(a.value), bt = typeOf(b.value);
  auto dimOf = [](const Term &t, RankedTensorType type, int l) {
    return type.getDimSize(llvm::find(t.labels, l) - t.labels.begin());
  };
  // matmul over [batch..., M, K] x [batch..., K, N] when M, K and N are
  // static products.
  bool useMatmul = !contr.empty();
  int64_t m = 1, k = 1, n = 1;
  SmallVector<int64_t> outDims;
  for (int l : aOnly) {
    int64_t s = dimOf(a, at, l);
    useMatmul &= !ShapedType::isDynamic(s);
    m *= s;
    outDims.push_back(s);
  }
  for (int l : contr) {
    int64_t s = dimOf(a, at, l);
    useMatmul &= !ShapedType::isDynamic(s);
    k *= s;
  }
  for (int l : bOnly) {
    int64_t s = dimOf(b, bt, l);
    useMatmul &= !ShapedType::isDynamic(s);
    n *= s;
    outDims.push_back(s);
  }
  Term out;
  out.labels = batch;
  out.labels.append(aOnly);
  out.labels.append(bOnly);
  if (useMatmul) {
    SmallVector<int> aOrder = batch, bOrder = batch;
    aOrder.append(aOnly);
    aOrder.append(contr);
    bOrder.append(contr);
    bOrder.append(bOnly);
    SmallVector<int64_t> aShape(batch.size(), 0), bShape(batch.size(), 0),
        oShape(batch.size(), 0);
    aShape.append({m, k});
    bShape.append({k, n});
    oShape.append(outDims);
    Value av = e.reshape(align(e, a, aOrder), aShape);
    Value bv = e.reshape(align(e, b, bOrder), bShape);
    out.value = e.reshape(e.op<MatmulOp>({av, bv}), oShape);
    return out;
  }
  SmallVector<int> order = out.labels;
  order.append(contr);
  Value prod = e.mul(align(e, a, order), align(e, b, order));
  SmallVector<int64_t> axes;
  for (size_t i = out.labels.size(); i < order.size(); ++i)
    axes.push_back(i);
  out.value = e.reduceSum(prod, axes);
  return out;
}

LogicalResult convertEinsum(NodeContext &ctx, Outs &outs) {
  std::string eq;
  for (char ch : ctx.attrString("equation", ""))
    if (!llvm::isSpace(ch))
      eq += ch;
  StringRef eqRef(eq);
  auto [lhs, rhs] = eqRef.split("->");
  bool explicitOut = eqRef.contains("->");
  SmallVector<StringRef> termStrs;
  lhs.split(termStrs, ',');
  unsigned n = ctx.numInputs();
  if (termStrs.size() != n || n == 0)
    return ctx.error() << "the equation '" << eq << "' has " << termStrs.size()
                       << " input terms for " << n << " inputs",
           failure();

  // Parse and expand the ellipses (right-aligned across the operands).
  SmallVector<Term> terms;
  SmallVector<SmallVector<int>> raw;
  int64_t ellRank = 0;
  for (unsigned i = 0; i < n; ++i) {
    auto t = parseTerm(ctx, termStrs[i]);
    if (failed(t))
      return failure();
    int64_t letters = llvm::count_if(*t, [](int l) { return l >= 0; });
    int64_t rank = ctx.inputType(i).getRank();
    bool hasEll = llvm::is_contained(*t, -1);
    if (hasEll ? rank < letters : rank != letters)
      return ctx.error() << "term '" << termStrs[i] << "' does not fit input "
                         << i << " of rank " << rank,
             failure();
    if (hasEll)
      ellRank = std::max(ellRank, rank - letters);
    raw.push_back(*t);
  }
  std::map<int, int> counts;
  for (unsigned i = 0; i < n; ++i) {
    Term t;
    t.value = ctx.input(i);
    int64_t ell = ctx.inputType(i).getRank() -
                  llvm::count_if(raw[i], [](int l) { return l >= 0; });
    for (int l : raw[i]) {
      if (l >= 0) {
        t.labels.push_back(l);
        ++counts[l];
        continue;
      }
      for (int64_t j = 0; j < ell; ++j)
        t.labels.push_back(kEllipsis + ellRank - ell + j);
    }
    terms.push_back(std::move(t));
  }
  SmallVector<int> outLabels;
  if (explicitOut) {
    auto o = parseTerm(ctx, rhs);
    if (failed(o))
      return failure();
    for (int l : *o) {
      if (l < 0) {
        for (int64_t j = 0; j < ellRank; ++j)
          outLabels.push_back(kEllipsis + j);
        continue;
      }
      if (!counts.count(l))
        return ctx.error() << "output label '" << (char)l
                           << "' is not in any input",
               failure();
      if (llvm::is_contained(outLabels, l))
        return ctx.error() << "output label '" << (char)l << "' repeats",
               failure();
      outLabels.push_back(l);
    }
  } else {
    for (int64_t j = 0; j < ellRank; ++j)
      outLabels.push_back(kEllipsis + j);
    for (auto [l, c] : counts) // std::map: sorted by character code
      if (c == 1)
        outLabels.push_back(l);
  }

  Emitter e(ctx);
  // Diagonals of labels repeated within an operand.
  for (Term &t : terms) {
    for (bool again = true; again && e.ok();) {
      again = false;
      for (size_t a = 0; a < t.labels.size() && !again; ++a)
        for (size_t b = a + 1; b < t.labels.size() && !again; ++b) {
          if (t.labels[a] != t.labels[b])
            continue;
          RankedTensorType type = typeOf(t.value);
          if (type.isDynamicDim(a) || type.getDimSize(a) != type.getDimSize(b))
            return ctx.unsupported("a repeated label over dims that are not "
                                   "statically equal");
          diagonal(e, t, a, b);
          again = true;
        }
    }
  }
  // Sums over labels that no other operand and not the output has.
  auto inOutput = [&](int l) { return llvm::is_contained(outLabels, l); };
  for (size_t i = 0; i < terms.size(); ++i)
    reduceLabels(e, terms[i], [&](int l) {
      if (inOutput(l))
        return true;
      for (size_t j = 0; j < terms.size(); ++j)
        if (j != i && llvm::is_contained(terms[j].labels, l))
          return true;
      return false;
    });
  if (!e.ok())
    return failure();
  // Pairwise contraction, left to right.
  Term acc = terms[0];
  for (size_t i = 1; i < terms.size() && e.ok(); ++i) {
    acc = contract(e, acc, terms[i], [&](int l) {
      if (inOutput(l))
        return true;
      for (size_t j = i + 1; j < terms.size(); ++j)
        if (llvm::is_contained(terms[j].labels, l))
          return true;
      return false;
    });
  }
  reduceLabels(e, acc, inOutput);
  if (!e.ok())
    return failure();
  SmallVector<int64_t> perm;
  for (int l : outLabels)
    perm.push_back(llvm::find(acc.labels, l) - acc.labels.begin());
  return pushResult(e.wrap(e.transpose(acc.value, perm)), outs);
}

//===----------------------------------------------------------------------===//
// Loop
//===----------------------------------------------------------------------===//

/// `v` as a rank-0 tensor (ONNX models often pass [1]).
FailureOr<Value> asScalar(NodeContext &ctx, Value v, StringRef what) {
  auto type = typeOf(v);
  if (!type.hasStaticShape() || type.getNumElements() != 1) {
    ctx.error() << what << " must hold one element";
    return failure();
  }
  return reshapeTo(ctx, v, {});
}

/// Imports `body` with its inputs bound to `args` at ctx.b's insertion
/// point (inlined: used to unroll a loop), returning its outputs.
FailureOr<SmallVector<Value>> importInline(NodeContext &ctx,
                                           const onnx::GraphProto &body,
                                           ValueRange args) {
  GraphImporter &parent = ctx.getImporter();
  ModelImporter &model = parent.model;
  GraphImporter child(model, &parent, body);
  for (auto [in, v] : llvm::zip(body.input(), args))
    child.values[in.name()] = v;
  bool ok = true;
  for (const auto &init : body.initializer()) {
    Location loc =
        NameLoc::get(StringAttr::get(model.ctx, init.name()), model.fileLoc);
    auto t = model.readTensor(init, loc, "initializer '" + init.name() + "'");
    if (failed(t)) {
      ok = false;
      continue;
    }
    child.values[init.name()] = model.buildConstant(ctx.b, loc, *t);
  }
  if (!ok || failed(child.importNodes(ctx.b)))
    return failure();
  SmallVector<Value> results;
  for (const auto &out : body.output()) {
    bool poisoned = false;
    Value v = child.lookup(out.name(), poisoned);
    if (!v) {
      if (!poisoned)
        ctx.error() << "body output '" << out.name() << "' is not defined";
      return failure();
    }
    results.push_back(v);
  }
  return results;
}

/// A bool constant's value, or nullopt when `v` is not a constant.
std::optional<bool> constBool(NodeContext &ctx, Value v) {
  const HostTensor *t = ctx.getImporter().model.constantValue(v);
  if (!t || t->numElements() != 1)
    return std::nullopt;
  switch (t->dtype) {
  case KILN_DTYPE_BOOL:
  case KILN_DTYPE_U8:
  case KILN_DTYPE_I8:
    return t->data<uint8_t>()[0] != 0;
  default:
    return std::nullopt;
  }
}

struct LoopParts {
  const onnx::GraphProto *body;
  Value tripCount, cond; // rank 0, or null when absent
  SmallVector<Value> init;
  unsigned numScans;
};

/// Loop as kiln.while over (iteration, condition, carried...). Fails
/// (with a diagnostic) when the body's outputs do not keep the carried
/// types.
LogicalResult buildWhile(NodeContext &ctx, const LoopParts &p, Outs &outs) {
  MLIRContext *mctx = ctx.getContext();
  Type i64 = IntegerType::get(mctx, 64), i1 = IntegerType::get(mctx, 1);
  SmallVector<Value> operands{ctx.scalar(i64, 0),
                              p.cond ? p.cond : ctx.scalar(i1, 1)};
  operands.append(p.init);
  SmallVector<Type> types(ValueRange(operands).getTypes());
  SmallVector<Location> locs(types.size(), ctx.loc);

  OperationState state(ctx.loc, WhileOp::getOperationName());
  state.addOperands(operands);
  state.addTypes(types);
  Region *condR = state.addRegion();
  Region *bodyR = state.addRegion();
  Block *condB = new Block(), *bodyB = new Block();
  condR->push_back(condB);
  bodyR->push_back(bodyB);
  condB->addArguments(types, locs);
  bodyB->addArguments(types, locs);

  // Ops inside the regions are built without the importer's listener: they
  // are not the node's top-level ops (which it may fold or erase).
  OpBuilder &b = ctx.b;
  OpBuilder::Listener *listener = b.getListener();
  OpBuilder::InsertPoint ip = b.saveInsertionPoint();
  llvm::scope_exit restore([&] {
    b.setListener(listener);
    b.restoreInsertionPoint(ip);
  });
  b.setListener(nullptr);

  // cond: i < M && c.
  b.setInsertionPointToEnd(condB);
  Value c = condB->getArgument(1);
  if (p.tripCount) {
    auto lt = ctx.create<LtOp>({condB->getArgument(0), p.tripCount});
    if (failed(lt))
      return failure();
    c = *lt;
    if (p.cond) {
      auto both = ctx.create<AndOp>({c, condB->getArgument(1)});
      if (failed(both))
        return failure();
      c = *both;
    }
  } else if (!p.cond) {
    c = ctx.scalar(i1, 1);
  }
  YieldOp::create(b, ctx.loc, ValueRange{c});

  // body: the subgraph, then i + 1.
  auto results = ctx.getImporter().importSubgraph(*p.body, bodyB);
  if (failed(results))
    return failure();
  b.setInsertionPointToEnd(bodyB);
  auto next = ctx.create<AddOp>({bodyB->getArgument(0), ctx.scalar(i64, 1)});
  if (failed(next))
    return failure();
  SmallVector<Value> yielded{*next, bodyB->getArgument(1)};
  if (p.cond) {
    auto condOut = asScalar(ctx, (*results)[0], "the body's condition output");
    if (failed(condOut))
      return failure();
    yielded[1] = *condOut;
  }
  for (size_t i = 0; i < p.init.size(); ++i)
    yielded.push_back((*results)[1 + i]);
  for (auto [i, y] : llvm::enumerate(yielded))
    if (y.getType() != types[i]) {
      std::string want, got;
      llvm::raw_string_ostream(want) << types[i];
      llvm::raw_string_ostream(got) << y.getType();
      return ctx.unsupported(
          "a loop body whose output " + Twine(i) + " is " + got +
          " where the loop carries " + want +
          " (only unrolled loops, with a constant trip count, may change "
          "carried shapes)");
    }
  YieldOp::create(b, ctx.loc, yielded);

  b.restoreInsertionPoint(ip);
  b.setListener(listener);
  Operation *op = b.create(state);
  if (failed(mlir::verify(op))) {
    op->erase();
    return failure();
  }
  for (unsigned i = 0; i < p.init.size(); ++i)
    outs.push_back(op->getResult(2 + i));
  return success();
}

/// Whether the body's condition output is its condition input (through
/// Identity nodes) or a Constant node: then the loop's condition stays what
/// it is before the first iteration, or becomes a constant.
bool condIsStatic(const onnx::GraphProto &body) {
  std::string name = body.output(0).name();
  for (int hops = 0; hops <= body.node_size(); ++hops) {
    if (name == body.input(1).name())
      return true;
    const onnx::NodeProto *producer = nullptr;
    for (const onnx::NodeProto &node : body.node())
      if (llvm::is_contained(node.output(), name))
        producer = &node;
    if (!producer)
      return false;
    if (producer->op_type() == "Constant")
      return true;
    if (producer->op_type() != "Identity" || producer->input_size() != 1)
      return false;
    name = producer->input(0);
  }
  return false;
}

/// Loop with a compile-time trip count or condition: the body imported once
/// per iteration, with the iteration number as a constant; scan outputs are
/// concatenated. The body's condition output must fold to a constant.
LogicalResult unrollLoop(NodeContext &ctx, const LoopParts &p, Outs &outs,
                         std::optional<int64_t> trips, bool cond,
                         int64_t maxIterations) {
  MLIRContext *mctx = ctx.getContext();
  Type i64 = IntegerType::get(mctx, 64), i1 = IntegerType::get(mctx, 1);
  SmallVector<Value> carried(p.init);
  SmallVector<SmallVector<Value>> scans(p.numScans);
  int64_t iter = 0;
  for (; (!trips || iter < *trips) && cond; ++iter) {
    if (iter >= maxIterations)
      return ctx.unsupported("a loop of more than " + Twine(maxIterations) +
                             " iterations to unroll");
    SmallVector<Value> args{ctx.scalar(i64, iter), ctx.scalar(i1, 1)};
    args.append(carried);
    auto results = importInline(ctx, *p.body, args);
    if (failed(results))
      return failure();
    if (p.cond) {
      std::optional<bool> c = constBool(ctx, (*results)[0]);
      if (!c)
        return ctx.unsupported("a loop whose condition is not a compile-time "
                               "constant, with scan outputs");
      cond = *c;
    }
    for (size_t i = 0; i < carried.size(); ++i)
      carried[i] = (*results)[1 + i];
    for (unsigned i = 0; i < p.numScans; ++i)
      scans[i].push_back((*results)[1 + carried.size() + i]);
  }
  outs.append(carried);
  Emitter e(ctx);
  for (auto &scan : scans) {
    if (scan.empty())
      return ctx.unsupported("scan outputs of a loop that runs no iteration");
    SmallVector<Value> parts;
    for (Value v : scan)
      parts.push_back(e.unsqueeze(v, {0}));
    outs.push_back(e.concat(parts, 0));
  }
  return success(e.ok());
}

LogicalResult convertLoop(NodeContext &ctx, Outs &outs) {
  LoopParts p;
  p.body = ctx.attrGraph("body");
  if (!p.body)
    return ctx.error() << "missing attribute 'body'", failure();
  unsigned numCarried = ctx.numInputs() > 2 ? ctx.numInputs() - 2 : 0;
  for (unsigned i = 0; i < numCarried; ++i) {
    if (!ctx.hasInput(2 + i))
      return ctx.unsupported("an absent loop-carried input");
    p.init.push_back(ctx.input(2 + i));
  }
  if (p.body->input_size() != (int)numCarried + 2)
    return ctx.error() << "the body has " << p.body->input_size()
                       << " inputs, expected " << numCarried + 2,
           failure();
  if (p.body->output_size() < (int)numCarried + 1)
    return ctx.error() << "the body has " << p.body->output_size()
                       << " outputs, expected at least " << numCarried + 1,
           failure();
  p.numScans = p.body->output_size() - 1 - numCarried;

  std::optional<int64_t> trips;
  if (ctx.hasInput(0)) {
    auto m = asScalar(ctx, ctx.input(0), "the trip count M");
    if (failed(m))
      return failure();
    p.tripCount = *m;
    if (!getElementTypeOrSelf(p.tripCount.getType()).isInteger(64))
      return ctx.error() << "the trip count M must be int64", failure();
    if (ctx.constInput(0)) {
      auto v = ctx.constInts(0);
      if (failed(v))
        return failure();
      trips = std::max<int64_t>(0, (*v)[0]);
    }
  }
  std::optional<bool> cond = true;
  if (ctx.hasInput(1)) {
    auto c = asScalar(ctx, ctx.input(1), "the condition");
    if (failed(c))
      return failure();
    p.cond = *c;
    cond = std::nullopt;
    if (ctx.constInput(1)) {
      auto v = ctx.constInts(1);
      if (failed(v))
        return failure();
      cond = (*v)[0] != 0;
    }
  }

  // Unrolling needs the number of iterations at compile time: a constant
  // trip count, or a constant condition that the body folds.
  bool canUnroll = cond.has_value() && (trips || p.cond);
  int64_t nodes = std::max(1, p.body->node_size());
  if (p.numScans > 0) {
    if (!canUnroll)
      return ctx.unsupported("scan outputs of a loop whose trip count and "
                             "condition are not compile-time constants");
    return unrollLoop(ctx, p, outs, trips, *cond,
                      std::max<int64_t>(1, 20000 / nodes));
  }
  // Small loops of known length are unrolled (their iteration numbers
  // become constants, and carried shapes may change); others are a while.
  if (canUnroll && trips && (!p.cond || condIsStatic(*p.body)) &&
      *trips * nodes <= 5000)
    return unrollLoop(ctx, p, outs, trips, *cond, *trips);
  return buildWhile(ctx, p, outs);
}

const OnnxConverter kConverters[] = {
    {"", nullptr},
    {"RNN", convertRNN, 7, 17},
    {"GRU", convertGRU, 7, 17},
    {"LSTM", convertLSTM, 7, 17},
    {"Einsum", convertEinsum, 12, 17},
    {"Loop", convertLoop, 11, 17},
};

} // namespace

ArrayRef<OnnxConverter> onnx_frontend::recurrentConverters() {
  return ArrayRef<OnnxConverter>(kConverters).drop_front();
}
