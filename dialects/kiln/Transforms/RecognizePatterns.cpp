//===- RecognizePatterns.cpp - kiln-recognize-patterns ----------*- C++ -*-===//
//
// Layer norm, softmax and GELU written out as elementwise ops and reductions
// (as exporters write them) become the single kiln ops.
//
//===----------------------------------------------------------------------===//
#include "dialects/kiln/IR/KilnOps.h"
#include "dialects/kiln/Transforms/Passes.h"
#include "kiln/Interpreter/Interpreter.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/Support/MathExtras.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNRECOGNIZEPATTERNS
#include "dialects/kiln/Transforms/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;
using namespace mlir::kiln;

namespace {

//===----------------------------------------------------------------------===//
// Matching utilities
//===----------------------------------------------------------------------===//

/// The ops of one match. All but the root must be used inside the match
/// only: a value used elsewhere would stay alive and be computed twice.
struct Match {
  SmallPtrSet<Operation *, 16> ops;

  void add(Operation *op) { ops.insert(op); }
  bool usedInsideOnly(Operation *root) const {
    for (Operation *op : ops) {
      if (op == root)
        continue;
      for (Operation *user : op->getUsers())
        if (!ops.contains(user))
          return false;
    }
    return true;
  }
};

/// True when `a` and `b` are the same value, or results of equal pure ops on
/// equal operands (a subexpression an exporter wrote twice).
bool sameValue(Value a, Value b, unsigned depth = 6) {
  if (a == b)
    return true;
  if (depth == 0)
    return false;
  auto ra = dyn_cast<OpResult>(a), rb = dyn_cast<OpResult>(b);
  if (!ra || !rb || ra.getResultNumber() != rb.getResultNumber())
    return false;
  Operation *oa = ra.getOwner(), *ob = rb.getOwner();
  if (oa->getNumRegions() != 0 || ob->getNumRegions() != 0 ||
      !isMemoryEffectFree(oa))
    return false;
  return OperationEquivalence::isEquivalentTo(
      oa, ob,
      [&](Value x, Value y) { return success(sameValue(x, y, depth - 1)); },
      /*markEquivalent=*/nullptr, OperationEquivalence::IgnoreLocations);
}

/// Adds the ops of `dup`, a copy of `orig` (sameValue), to the match: the
/// copy is part of the pattern too. Constants are shared freely.
void addCopy(Match &m, Value dup, Value orig) {
  if (dup == orig)
    return;
  Operation *op = dup.getDefiningOp();
  if (!op || isa<ConstantOp>(op))
    return;
  m.add(op);
  Operation *o = orig.getDefiningOp();
  for (auto [a, b] : llvm::zip(op->getOperands(), o->getOperands()))
    addCopy(m, a, b);
}

/// The value of `v` when it is a small constant (at most 64 elements) or a
/// small computation on constants, evaluated with the interpreter's kernels
/// (`sqrt(2.0)` before kiln-fold-constants has run).
std::optional<HostTensor> smallConstant(Value v, unsigned depth = 3) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || !type.hasStaticShape() || type.getNumElements() > 64)
    return std::nullopt;
  Operation *op = v.getDefiningOp();
  if (!op)
    return std::nullopt;
  if (auto c = dyn_cast<ConstantOp>(op)) {
    HostTensor t = toHostTensor(c.getValue());
    if (t.dtype == 0)
      return std::nullopt;
    return t;
  }
  if (depth == 0 || op->getNumRegions() != 0 || op->getNumResults() != 1 ||
      !isa<KilnDialect>(op->getDialect()) || !isMemoryEffectFree(op))
    return std::nullopt;
  SmallVector<HostTensor> operands;
  for (Value operand : op->getOperands()) {
    std::optional<HostTensor> t = smallConstant(operand, depth - 1);
    if (!t)
      return std::nullopt;
    operands.push_back(std::move(*t));
  }
  FailureOr<SmallVector<HostTensor>> results = failure();
  {
    ScopedDiagnosticHandler quiet(op->getContext(),
                                  [](Diagnostic &) { return success(); });
    results = evaluateOp(op, operands);
  }
  if (failed(results) || results->size() != 1)
    return std::nullopt;
  return std::move((*results)[0]);
}

/// The number every element of `v` holds, when `v` is a floating constant
/// whose elements are all equal.
std::optional<double> splatValue(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || !isa<FloatType>(type.getElementType()))
    return std::nullopt;
  std::optional<HostTensor> t = smallConstant(v);
  if (!t)
    return std::nullopt;
  DenseElementsAttr attr = toElementsAttr(*t, type);
  if (!attr)
    return std::nullopt;
  std::optional<double> value;
  for (APFloat f : attr.getValues<APFloat>()) {
    bool loses;
    f.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &loses);
    double d = f.convertToDouble();
    if (value && !(*value == d))
      return std::nullopt;
    value = d;
  }
  return value;
}

/// `v` (a value of the float type `elem`) as the double nearest to its
/// shortest decimal form in `elem`: an f32 1e-5 stays 1e-5 rather than
/// 9.99999974e-6, and rounds back to the same `elem` value.
double shortestDecimal(Type elem, double v) {
  const llvm::fltSemantics &sem = cast<FloatType>(elem).getFloatSemantics();
  auto inElem = [&](double d) {
    APFloat f(d);
    bool loses;
    f.convert(sem, APFloat::rmNearestTiesToEven, &loses);
    return f;
  };
  APFloat exact = inElem(v);
  for (int digits = 1; digits <= 17; ++digits) {
    char text[32];
    std::snprintf(text, sizeof(text), "%.*g", digits, v);
    double d = std::strtod(text, nullptr);
    if (inElem(d).bitwiseIsEqual(exact))
      return d;
  }
  return v;
}

bool isSplat(Value v, double expected) {
  std::optional<double> value = splatValue(v);
  return value && *value == expected;
}

bool isFloatTensor(Type t) {
  auto rt = dyn_cast<RankedTensorType>(t);
  return rt && isa<FloatType>(rt.getElementType());
}

/// A rank-0 constant of `elem`.
Value scalarConstant(PatternRewriter &rewriter, Location loc, Type elem,
                     double value) {
  auto type = RankedTensorType::get({}, elem);
  return ConstantOp::create(
      rewriter, loc, type,
      DenseElementsAttr::get(type, FloatAttr::get(elem, value)));
}

//===----------------------------------------------------------------------===//
// Layer norm
//===----------------------------------------------------------------------===//

/// `1 / sqrt(v)` as rsqrt(v), reciprocal(sqrt(v)) or div(1, sqrt(v)): v and
/// the ops, or a null value.
Value inverseSqrtOf(Value r, SmallVectorImpl<Operation *> &ops) {
  if (auto rsqrt = r.getDefiningOp<RsqrtOp>()) {
    ops.push_back(rsqrt);
    return rsqrt.getX();
  }
  Value s;
  if (auto rec = r.getDefiningOp<ReciprocalOp>()) {
    ops.push_back(rec);
    s = rec.getX();
  } else if (auto div = r.getDefiningOp<DivOp>()) {
    if (!isSplat(div.getLhs(), 1.0) || div.getType() != div.getRhs().getType())
      return {};
    ops.push_back(div);
    s = div.getRhs();
  } else {
    return {};
  }
  auto sqrt = s.getDefiningOp<SqrtOp>();
  if (!sqrt)
    return {};
  ops.push_back(sqrt);
  return sqrt.getX();
}

/// (x - mean(x)) / sqrt(mean((x - mean(x))^2) + eps) over trailing axes
/// becomes layer_norm(x, 1, 0). Rooted at the div or mul.
struct LayerNormPattern : public RewritePattern {
  LayerNormPattern(MLIRContext *ctx, StringRef root)
      : RewritePattern(root, /*benefit=*/1, ctx) {}

  LogicalResult matchAndRewrite(Operation *root,
                                PatternRewriter &rewriter) const override {
    Type resultType = root->getResult(0).getType();
    if (!isFloatTensor(resultType))
      return failure();
    auto type = cast<RankedTensorType>(resultType);
    Match m;
    m.add(root);

    // The normalization step.
    Value d, shifted;
    if (auto div = dyn_cast<DivOp>(root)) {
      auto sqrt = div.getRhs().getDefiningOp<SqrtOp>();
      if (!sqrt)
        return failure();
      m.add(sqrt);
      d = div.getLhs();
      shifted = sqrt.getX();
    } else {
      auto mul = cast<MulOp>(root);
      for (auto [a, b] : {std::pair(mul.getLhs(), mul.getRhs()),
                          std::pair(mul.getRhs(), mul.getLhs())}) {
        SmallVector<Operation *> ops;
        if (Value v = inverseSqrtOf(b, ops); v && a.getDefiningOp<SubOp>()) {
          d = a;
          shifted = v;
          for (Operation *op : ops)
            m.add(op);
          break;
        }
      }
      if (!d)
        return failure();
    }

    // d = x - mean(x)
    auto sub = d.getDefiningOp<SubOp>();
    if (!sub || d.getType() != type)
      return failure();
    Value x = sub.getLhs();
    auto mean = sub.getRhs().getDefiningOp<ReduceMeanOp>();
    if (x.getType() != type || !mean || !mean.getKeepdims() ||
        !sameValue(mean.getX(), x))
      return failure();
    m.add(sub);
    m.add(mean);

    // shifted = var + eps
    auto add = shifted.getDefiningOp<AddOp>();
    if (!add)
      return failure();
    ReduceMeanOp var;
    std::optional<double> eps;
    for (auto [a, b] : {std::pair(add.getLhs(), add.getRhs()),
                        std::pair(add.getRhs(), add.getLhs())}) {
      if (auto r = a.getDefiningOp<ReduceMeanOp>()) {
        if ((eps = splatValue(b))) {
          var = r;
          break;
        }
      }
    }
    if (!var || !eps || *eps < 0 || add.getType() != var.getType() ||
        var.getType() != mean.getType() || !var.getKeepdims())
      return failure();
    m.add(add);
    m.add(var);

    // var = mean(d * d) or mean(pow(d, 2))
    Value sq = var.getX();
    if (sq.getType() != type)
      return failure();
    SmallVector<Value, 2> copies;
    if (auto mul = sq.getDefiningOp<MulOp>()) {
      copies = {mul.getLhs(), mul.getRhs()};
    } else if (auto pow = sq.getDefiningOp<PowOp>()) {
      if (!isSplat(pow.getRhs(), 2.0))
        return failure();
      copies = {pow.getLhs()};
    } else {
      return failure();
    }
    m.add(sq.getDefiningOp());
    for (Value c : copies) {
      if (!sameValue(c, d))
        return failure();
      addCopy(m, c, d);
    }

    // The same trailing axes, keepdims.
    SmallVector<int64_t> axes = mean.getNormalizedAxes();
    int64_t rank = type.getRank();
    int64_t k = axes.size();
    if (k == 0 || axes != var.getNormalizedAxes())
      return failure();
    for (int64_t i = 0; i < k; ++i)
      if (axes[i] != rank - k + i)
        return failure();
    if (!m.usedInsideOnly(root))
      return rewriter.notifyMatchFailure(root, "intermediate used elsewhere");

    Location loc = root->getLoc();
    Type elem = type.getElementType();
    Value ones = scalarConstant(rewriter, loc, elem, 1.0);
    Value zeros = scalarConstant(rewriter, loc, elem, 0.0);
    rewriter.replaceOpWithNewOp<LayerNormOp>(
        root, type, x, ones, zeros, rewriter.getI64IntegerAttr(-k),
        rewriter.getF64FloatAttr(shortestDecimal(elem, *eps)));
    return success();
  }
};

/// layer_norm(x, 1, 0) * gamma and layer_norm(x, s, 0) + beta, where gamma
/// and beta vary over the normalized dimensions only, take gamma and beta as
/// the scale and bias.
template <typename OpTy>
struct LayerNormAffinePattern : public OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  static constexpr bool isScale = std::is_same_v<OpTy, MulOp>;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    for (auto [a, b] : {std::pair(op.getLhs(), op.getRhs()),
                        std::pair(op.getRhs(), op.getLhs())}) {
      auto ln = a.template getDefiningOp<LayerNormOp>();
      if (!ln || !ln->hasOneUse() || ln.getType() != op.getType())
        continue;
      if (!isSplat(ln.getBias(), 0.0) ||
          (isScale && !isSplat(ln.getScale(), 1.0)))
        continue;
      // b's dimensions before the normalized ones must be 1.
      auto type = cast<RankedTensorType>(ln.getType());
      auto paramType = cast<RankedTensorType>(b.getType());
      int64_t rank = type.getRank(), axis = ln.getNormalizedAxis();
      int64_t g = paramType.getRank();
      if (g > rank)
        continue;
      bool ok = true;
      SmallVector<int64_t> leading;
      for (int64_t i = 0; i < g; ++i) {
        if (rank - g + i >= axis)
          break;
        if (paramType.getDimSize(i) != 1)
          ok = false;
        leading.push_back(i);
      }
      if (!ok)
        continue;
      Value param = b;
      if (!leading.empty())
        param = SqueezeOp::create(
            rewriter, op.getLoc(),
            RankedTensorType::get(paramType.getShape().drop_front(
                                      leading.size()),
                                  paramType.getElementType()),
            b, rewriter.getDenseI64ArrayAttr(leading));
      rewriter.replaceOpWithNewOp<LayerNormOp>(
          op, type, ln.getX(), isScale ? param : ln.getScale(),
          isScale ? ln.getBias() : param, ln.getAxisAttr(),
          ln.getEpsilonAttr());
      rewriter.eraseOp(ln);
      return success();
    }
    return failure();
  }
};

//===----------------------------------------------------------------------===//
// Softmax
//===----------------------------------------------------------------------===//

/// e / reduce_sum(e) with e = exp(x - reduce_max(x)) or exp(x) becomes
/// softmax(x). Rooted at the div (or a mul by reciprocal(sum)).
struct SoftmaxPattern : public RewritePattern {
  SoftmaxPattern(MLIRContext *ctx, StringRef root)
      : RewritePattern(root, /*benefit=*/1, ctx) {}

  /// The single reduced axis of a keepdims reduction, or -1.
  template <typename OpTy> static int64_t singleAxis(OpTy op) {
    SmallVector<int64_t> axes = op.getNormalizedAxes();
    if (!op.getKeepdims() || axes.size() != 1)
      return -1;
    return axes[0];
  }

  LogicalResult matchAndRewrite(Operation *root,
                                PatternRewriter &rewriter) const override {
    Type resultType = root->getResult(0).getType();
    if (!isFloatTensor(resultType))
      return failure();
    auto type = cast<RankedTensorType>(resultType);
    Match m;
    m.add(root);
    Value e, s;
    if (auto div = dyn_cast<DivOp>(root)) {
      e = div.getLhs();
      s = div.getRhs();
    } else {
      auto mul = cast<MulOp>(root);
      for (auto [a, b] : {std::pair(mul.getLhs(), mul.getRhs()),
                          std::pair(mul.getRhs(), mul.getLhs())}) {
        if (auto rec = b.getDefiningOp<ReciprocalOp>();
            rec && a.getDefiningOp<ExpOp>()) {
          e = a;
          s = rec.getX();
          m.add(rec);
          break;
        }
      }
      if (!e)
        return failure();
    }
    auto exp = e.getDefiningOp<ExpOp>();
    auto sum = s.getDefiningOp<ReduceSumOp>();
    if (!exp || !sum || e.getType() != type || !sameValue(sum.getX(), e))
      return failure();
    int64_t axis = singleAxis(sum);
    if (axis < 0)
      return failure();
    m.add(exp);
    m.add(sum);
    addCopy(m, sum.getX(), e);

    // exp(x - reduce_max(x)): softmax(x); otherwise softmax of exp's input.
    Value x = exp.getX();
    if (auto sub = x.getDefiningOp<SubOp>()) {
      auto max = sub.getRhs().getDefiningOp<ReduceMaxOp>();
      if (max && singleAxis(max) == axis && sub.getLhs().getType() == type &&
          sameValue(max.getX(), sub.getLhs())) {
        Match withMax = m;
        withMax.add(sub);
        withMax.add(max);
        if (withMax.usedInsideOnly(root)) {
          x = sub.getLhs();
          m = std::move(withMax);
        }
      }
    }
    if (!m.usedInsideOnly(root))
      return rewriter.notifyMatchFailure(root, "intermediate used elsewhere");
    rewriter.replaceOpWithNewOp<SoftmaxOp>(
        root, type, x, rewriter.getI64IntegerAttr(axis - type.getRank()));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// GELU
//===----------------------------------------------------------------------===//

/// A polynomial in x (degree <= 3) and t (degree <= 1): c[i][j] x^i t^j.
struct Poly {
  static constexpr int kX = 4, kT = 2;
  double c[kX][kT] = {};

  static Poly constant(double v) {
    Poly p;
    p.c[0][0] = v;
    return p;
  }
  static Poly term(int i, int j) {
    Poly p;
    p.c[i][j] = 1.0;
    return p;
  }
  Poly scaled(double s) const {
    Poly p;
    for (int i = 0; i < kX; ++i)
      for (int j = 0; j < kT; ++j)
        p.c[i][j] = c[i][j] * s;
    return p;
  }
  Poly plus(const Poly &o) const {
    Poly p;
    for (int i = 0; i < kX; ++i)
      for (int j = 0; j < kT; ++j)
        p.c[i][j] = c[i][j] + o.c[i][j];
    return p;
  }
  std::optional<Poly> times(const Poly &o) const {
    Poly p;
    for (int i = 0; i < kX; ++i)
      for (int j = 0; j < kT; ++j)
        for (int k = 0; k < kX; ++k)
          for (int l = 0; l < kT; ++l) {
            if (c[i][j] == 0 || o.c[k][l] == 0)
              continue;
            if (i + k >= kX || j + l >= kT)
              return std::nullopt;
            p.c[i + k][j + l] += c[i][j] * o.c[k][l];
          }
    return p;
  }
  /// Every coefficient within 1e-4 relative of `expected`'s (zeros within
  /// 1e-4 of its largest coefficient).
  bool near(const Poly &expected) const {
    double scale = 0;
    for (int i = 0; i < kX; ++i)
      for (int j = 0; j < kT; ++j)
        scale = std::max(scale, std::fabs(expected.c[i][j]));
    for (int i = 0; i < kX; ++i)
      for (int j = 0; j < kT; ++j) {
        double e = expected.c[i][j];
        double tol = 1e-4 * (e != 0 ? std::fabs(e) : scale);
        if (!(std::fabs(c[i][j] - e) <= tol))
          return false;
      }
    return true;
  }
};

bool isArith(Operation *op) {
  return isa<AddOp, SubOp, MulOp, DivOp, NegOp, PowOp>(op);
}

/// Evaluates an expression of add/sub/mul/div/neg/pow over x, t and splat
/// constants as a polynomial, collecting its ops. Every op must have x's
/// type (no broadcasting inside the expression).
struct PolyEvaluator {
  Value x, t;
  RankedTensorType type;
  Match &m;

  std::optional<Poly> eval(Value v, unsigned depth = 12) {
    if (sameValue(v, x))
      return Poly::term(1, 0);
    if (t && v == t)
      return Poly::term(0, 1);
    if (std::optional<double> c = splatValue(v))
      return Poly::constant(*c);
    Operation *op = v.getDefiningOp();
    if (!op || depth == 0 || v.getType() != type || !isArith(op))
      return std::nullopt;
    m.add(op);
    if (auto neg = dyn_cast<NegOp>(op)) {
      std::optional<Poly> p = eval(neg.getX(), depth - 1);
      if (!p)
        return std::nullopt;
      return p->scaled(-1);
    }
    Value lhs = op->getOperand(0), rhs = op->getOperand(1);
    if (isa<DivOp>(op)) {
      std::optional<double> c = splatValue(rhs);
      std::optional<Poly> p = eval(lhs, depth - 1);
      if (!c || *c == 0 || !p)
        return std::nullopt;
      return p->scaled(1 / *c);
    }
    if (isa<PowOp>(op)) {
      std::optional<double> n = splatValue(rhs);
      std::optional<Poly> p = eval(lhs, depth - 1);
      if (!n || !p || (*n != 1 && *n != 2 && *n != 3))
        return std::nullopt;
      Poly r = *p;
      for (int i = 1; i < *n; ++i) {
        std::optional<Poly> next = r.times(*p);
        if (!next)
          return std::nullopt;
        r = *next;
      }
      return r;
    }
    std::optional<Poly> p = eval(lhs, depth - 1);
    std::optional<Poly> q = p ? eval(rhs, depth - 1) : std::nullopt;
    if (!q)
      return std::nullopt;
    if (isa<AddOp>(op))
      return p->plus(*q);
    if (isa<SubOp>(op))
      return p->plus(q->scaled(-1));
    return p->times(*q);
  }
};

/// 0.5 * x * (1 + erf(x / sqrt(2))) and
/// 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))) in any arrangement
/// that is the same polynomial in x and the erf/tanh become gelu(x).
template <typename OpTy> struct GeluPattern : public OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  /// Values reachable from `v` through arithmetic ops, outermost first.
  static void collect(Value v, unsigned depth, SmallVectorImpl<Value> &out,
                      function_ref<bool(Value)> keep) {
    SmallVector<std::pair<Value, unsigned>> queue = {{v, depth}};
    for (size_t i = 0; i < queue.size() && out.size() < 8; ++i) {
      auto [u, left] = queue[i];
      if (keep(u) && !llvm::is_contained(out, u))
        out.push_back(u);
      Operation *op = u.getDefiningOp();
      if (!op || left == 0 || !isArith(op))
        continue;
      for (Value operand : op->getOperands())
        queue.push_back({operand, left - 1});
    }
  }

  LogicalResult matchAndRewrite(OpTy root,
                                PatternRewriter &rewriter) const override {
    if (!isFloatTensor(root.getType()))
      return failure();
    auto type = cast<RankedTensorType>(root.getType());
    const double invSqrt2 = 1 / std::sqrt(2.0);
    const double sqrt2OverPi = std::sqrt(2 / llvm::numbers::pi);
    Poly outerExpected;
    outerExpected.c[1][0] = 0.5;
    outerExpected.c[1][1] = 0.5;

    SmallVector<Value> fns;
    collect(root.getResult(), 6, fns, [](Value u) {
      return u.getDefiningOp<ErfOp>() || u.getDefiningOp<TanhOp>();
    });
    for (Value t : fns) {
      Operation *fn = t.getDefiningOp();
      bool isTanh = isa<TanhOp>(fn);
      Poly innerExpected;
      innerExpected.c[1][0] = isTanh ? sqrt2OverPi : invSqrt2;
      if (isTanh)
        innerExpected.c[3][0] = 0.044715 * sqrt2OverPi;
      Value inner = fn->getOperand(0);
      SmallVector<Value> candidates;
      collect(inner, 6, candidates,
              [](Value u) { return !splatValue(u).has_value(); });
      for (Value x : candidates) {
        if (x.getType() != type)
          continue;
        Match m;
        m.add(fn);
        PolyEvaluator innerEval{x, Value(), type, m};
        std::optional<Poly> p = innerEval.eval(inner);
        if (!p || !p->near(innerExpected))
          continue;
        PolyEvaluator outerEval{x, t, type, m};
        std::optional<Poly> q = outerEval.eval(root.getResult());
        if (!q || !q->near(outerExpected) || !m.usedInsideOnly(root))
          continue;
        rewriter.replaceOpWithNewOp<GeluOp>(
            root, type, x, rewriter.getStringAttr(isTanh ? "tanh" : "none"));
        return success();
      }
    }
    return failure();
  }
};

struct RecognizePatterns
    : public kiln::impl::KilnRecognizePatternsBase<RecognizePatterns> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    for (StringRef root :
         {DivOp::getOperationName(), MulOp::getOperationName()}) {
      patterns.add<LayerNormPattern>(ctx, root);
      patterns.add<SoftmaxPattern>(ctx, root);
    }
    patterns.add<LayerNormAffinePattern<MulOp>, LayerNormAffinePattern<AddOp>,
                 GeluPattern<MulOp>, GeluPattern<DivOp>, GeluPattern<AddOp>,
                 GeluPattern<SubOp>>(ctx);
    // No folding: the rewrites only replace chains by single ops; constants
    // are left to kiln-fold-constants.
    GreedyRewriteConfig config;
    config.enableFolding(false).enableConstantCSE(false);
    (void)applyPatternsGreedily(getOperation(), std::move(patterns), config);
  }
};

} // namespace
