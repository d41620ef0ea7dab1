//===- LowerContractions.cpp - kiln-lower-contractions -----------*- C++ -*-===//
//
// Lowers f32 contractions on memrefs (matmul with any transposes, batch
// matmul with broadcast batch dims, 1-D promoted operands) to a cache-blocked
// loop nest around a register-blocked micro-kernel written with the vector
// dialect (see docs/codegen.md, "Contractions"):
//
//   forall (batch, M tiles, N tiles)          -- unless already in a kernel
//     for pc in K step KC
//       for jr in tile N step NR
//         for ir in tile M step MR
//           C[ir:ir+MR, jr:jr+NR] += A[ir.., pc..] * B[pc.., jr..]
//
// The micro-kernel keeps the MR x NR block of C in MR * NR/W vectors carried
// by the k loop: per k, NR/W `vector.load`s of a B row and MR
// `vector.broadcast`s of A elements feed MR * NR/W `vector.fma`s.
//
// Operands are read in place when that is cheap, or packed:
//  - B ("the vector side": the operand that holds the output's innermost
//    dim n) is packed into NR-column panels, [panel][k][NR], zero padded:
//    at compile time when it is a constant global (a new constant global in
//    the packed layout), at run time when M is large enough for the copy to
//    pay off or when B is not contiguous along n (transposed);
//  - A ("the broadcast side") is packed into MR-row panels, [panel][k][MR],
//    for large M (contiguous micro-panels, no cache-set conflicts); else its
//    elements are read where they are (rows past M are clamped to M-1, their
//    results never stored).
// The output needs unit stride along n; anything else is left to the generic
// path, as is every contraction that is not f32 a*b+c.
//
//===----------------------------------------------------------------------===//
#include "kiln/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"
#include "llvm/TargetParser/X86TargetParser.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNLOWERCONTRACTIONS
#include "kiln/Conversion/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;

namespace {

//===----------------------------------------------------------------------===//
// Target
//===----------------------------------------------------------------------===//

/// What the micro-kernel may use: vector lanes (f32) and vector registers.
struct TargetInfo {
  int64_t lanes = 4;
  int64_t registers = 16;
  bool aarch64 = false;
};

TargetInfo detectTarget(StringRef tripleName, StringRef cpuName,
                        StringRef featureList) {
  bool host = tripleName.empty();
  llvm::Triple triple(host ? llvm::sys::getDefaultTargetTriple()
                           : tripleName.str());
  TargetInfo info;
  if (triple.isAArch64()) {
    info.aarch64 = true;
    info.registers = 32;
    return info;
  }
  if (!triple.isX86())
    return info;
  // The CPU's features, then the host's when compiling for the host with
  // nothing named (what the object emitter does), then explicit features.
  llvm::StringMap<bool> features;
  std::string cpu = cpuName.str();
  if (cpu.empty() && host)
    cpu = llvm::sys::getHostCPUName().str();
  if (!cpu.empty() && llvm::X86::parseArchX86(cpu) != llvm::X86::CK_None) {
    SmallVector<StringRef> list;
    llvm::X86::getFeaturesForCPU(cpu, list);
    for (StringRef f : list)
      features[f] = true;
  }
  if (host && cpuName.empty() && featureList.empty())
    for (auto &f : llvm::sys::getHostCPUFeatures())
      features[f.first()] = f.second;
  SmallVector<StringRef> explicitFeatures;
  featureList.split(explicitFeatures, ',', -1, false);
  for (StringRef f : explicitFeatures) {
    f = f.trim();
    if (f.size() > 1 && (f[0] == '+' || f[0] == '-'))
      features[f.drop_front()] = f[0] == '+';
  }
  if (features.lookup("avx512f")) {
    info.lanes = 16;
    info.registers = 32;
  } else if (features.lookup("avx2") && features.lookup("fma")) {
    info.lanes = 8;
    info.registers = 16;
  }
  return info;
}

/// The register block and cache blocking of one contraction.
struct KernelShape {
  int64_t lanes, mr, nrv; // C block: mr rows x nrv vectors of `lanes`
  int64_t kc, mc;         // K block, M rows per parallel tile
  int64_t nr() const { return lanes * nrv; }
};

/// The default register block for the target: as many accumulators as the
/// registers allow with room for the B row and a broadcast.
KernelShape defaultShape(const TargetInfo &t) {
  KernelShape s{t.lanes, 4, 2, 256, 128};
  if (t.lanes == 16) {
    s.mr = 8; // 16 accumulators, 2 B vectors (broadcasts fold into the FMAs)
    s.nrv = 2;
    s.kc = 256;
    s.mc = 128;
  } else if (t.lanes == 8) {
    s.mr = 6; // 12 accumulators + 2 B vectors + 1 broadcast of 16 ymm
    s.nrv = 2;
    s.kc = 256;
    s.mc = 96;
  } else if (t.aarch64) {
    s.mr = 8; // 24 accumulators of 32 q registers
    s.nrv = 3;
    s.kc = 256;
    s.mc = 96;
  } else {
    s.mr = 4;
    s.nrv = 2;
    s.kc = 256;
    s.mc = 64;
  }
  return s;
}

/// For M below the default MR (a static M): MR = M, and more vectors across
/// N so that enough independent accumulators hide the FMA latency.
KernelShape smallMShape(const TargetInfo &t, int64_t m) {
  KernelShape s = defaultShape(t);
  int64_t budget = t.registers - 4; // accumulators
  s.mr = std::max<int64_t>(m, 1);
  s.nrv = std::clamp<int64_t>(budget / s.mr, 1, 8);
  s.mc = s.mr;
  return s;
}

//===----------------------------------------------------------------------===//
// Matching
//===----------------------------------------------------------------------===//

/// A contraction C[batch, m, n] += A[batch, m, k] * B[batch, k, n] given as
/// a linalg.generic on memrefs. `a` is the operand without n (its elements
/// are broadcast), `b` the one with n (read as vectors along n). m may be
/// absent (M = 1); batch dims may be absent from or constant 0 in A or B.
struct Contraction {
  linalg::GenericOp op;
  Value a, b, c;
  AffineMap aMap, bMap, cMap;
  int64_t m = -1, n = -1, k = -1;
  SmallVector<int64_t> batch;
};

bool isF32MemRef(Value v) {
  auto t = dyn_cast<MemRefType>(v.getType());
  return t && t.getElementType().isF32();
}

/// Counts the uses of every loop dim in `map`; false when a result is
/// neither a dim nor the constant 0.
bool countDims(AffineMap map, SmallVectorImpl<int> &count) {
  count.assign(map.getNumDims(), 0);
  for (AffineExpr e : map.getResults()) {
    if (auto d = dyn_cast<AffineDimExpr>(e))
      ++count[d.getPosition()];
    else if (auto c = dyn_cast<AffineConstantExpr>(e); !c || c.getValue() != 0)
      return false;
  }
  return true;
}

/// The innermost stride of a memref, if static.
std::optional<int64_t> innerStride(Value v) {
  auto t = cast<MemRefType>(v.getType());
  if (t.getRank() == 0)
    return std::nullopt;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(t.getStridesAndOffset(strides, offset)) ||
      ShapedType::isDynamic(strides.back()))
    return std::nullopt;
  return strides.back();
}

/// True when `op` is an f32 `out += x * y` on memrefs (two inputs, one init).
bool isMulAddOnMemRefs(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1)
    return false;
  for (Value v : op->getOperands())
    if (!isF32MemRef(v))
      return false;
  // Body: yield (x * y) + acc.
  Block &body = op.getRegion().front();
  if (body.getOperations().size() != 3)
    return false;
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value acc = body.getArgument(2), prod;
  if (add.getLhs() == acc)
    prod = add.getRhs();
  else if (add.getRhs() == acc)
    prod = add.getLhs();
  else
    return false;
  auto mul = prod.getDefiningOp<arith::MulFOp>();
  if (!mul)
    return false;
  Value x = body.getArgument(0), y = body.getArgument(1);
  return (mul.getLhs() == x && mul.getRhs() == y) ||
         (mul.getLhs() == y && mul.getRhs() == x);
}

std::optional<Contraction> matchContraction(linalg::GenericOp op) {
  if (!isMulAddOnMemRefs(op))
    return std::nullopt;

  Contraction g;
  g.op = op;
  int64_t loops = op.getNumLoops();
  for (auto [i, it] : llvm::enumerate(op.getIteratorTypesArray())) {
    if (it != utils::IteratorType::reduction)
      continue;
    if (g.k >= 0)
      return std::nullopt;
    g.k = i;
  }
  if (g.k < 0)
    return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  SmallVector<int> in0, in1, out;
  if (!countDims(maps[0], in0) || !countDims(maps[1], in1) ||
      !countDims(maps[2], out))
    return std::nullopt;
  // The output: every parallel dim once, nothing else.
  if (maps[2].getNumResults() == 0)
    return std::nullopt;
  for (int64_t d = 0; d < loops; ++d) {
    if (d == g.k ? out[d] != 0 : out[d] != 1)
      return std::nullopt;
    if (in0[d] > 1 || in1[d] > 1)
      return std::nullopt;
  }
  if (in0[g.k] != 1 || in1[g.k] != 1)
    return std::nullopt;
  // n: the output's innermost dim, in exactly one input.
  auto nExpr = dyn_cast<AffineDimExpr>(maps[2].getResults().back());
  if (!nExpr)
    return std::nullopt;
  g.n = nExpr.getPosition();
  if (in0[g.n] + in1[g.n] != 1)
    return std::nullopt;
  bool swap = in0[g.n] == 1;
  g.a = op.getDpsInputs()[swap ? 1 : 0];
  g.b = op.getDpsInputs()[swap ? 0 : 1];
  g.aMap = maps[swap ? 1 : 0];
  g.bMap = maps[swap ? 0 : 1];
  g.c = op.getDpsInits()[0];
  g.cMap = maps[2];
  SmallVector<int> &aCount = swap ? in1 : in0, &bCount = swap ? in0 : in1;
  // m: the output's next-to-innermost dim, when only A has it.
  if (maps[2].getNumResults() >= 2) {
    auto mExpr = cast<AffineDimExpr>(
        maps[2].getResult(maps[2].getNumResults() - 2));
    int64_t d = mExpr.getPosition();
    if (aCount[d] == 1 && bCount[d] == 0)
      g.m = d;
  }
  for (int64_t d = 0; d < loops; ++d)
    if (d != g.k && d != g.n && d != g.m)
      g.batch.push_back(d);
  // The output is written as vectors along n.
  if (innerStride(g.c) != 1)
    return std::nullopt;
  return g;
}

//===----------------------------------------------------------------------===//
// Code generation helpers
//===----------------------------------------------------------------------===//

Value cst(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

struct IndexMath {
  OpBuilder &b;
  Location loc;
  Value c(int64_t v) { return cst(b, loc, v); }
  // Folded when the operands are constants.
  Value add(Value x, Value y) { return b.createOrFold<arith::AddIOp>(loc, x, y); }
  Value sub(Value x, Value y) { return b.createOrFold<arith::SubIOp>(loc, x, y); }
  Value mul(Value x, Value y) { return b.createOrFold<arith::MulIOp>(loc, x, y); }
  Value min(Value x, Value y) { return b.createOrFold<arith::MinSIOp>(loc, x, y); }
  Value max(Value x, Value y) { return b.createOrFold<arith::MaxSIOp>(loc, x, y); }
  Value div(Value x, Value y) { return b.createOrFold<arith::DivUIOp>(loc, x, y); }
  Value ceilDiv(Value x, int64_t y) {
    return div(add(x, c(y - 1)), c(y));
  }
  Value lt(Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, y);
  }
  Value eq(Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, x, y);
  }
};

/// A loop nest over [0, ubs): one scf.forall when `parallel`, else nested
/// scf.for loops; `fn` builds the body.
void buildLoops(OpBuilder &b, Location loc, bool parallel,
                ArrayRef<OpFoldResult> ubs,
                function_ref<void(OpBuilder &, Location, ValueRange)> fn) {
  if (parallel) {
    scf::ForallOp::create(b, loc, ubs, ValueRange{}, std::nullopt,
                          [&](OpBuilder &b, Location loc, ValueRange ivs) {
                            fn(b, loc, ivs);
                            scf::InParallelOp::create(b, loc);
                          });
    return;
  }
  std::function<void(OpBuilder &, Location, unsigned, SmallVector<Value>)>
      nest = [&](OpBuilder &b, Location loc, unsigned i,
                 SmallVector<Value> ivs) {
        if (i == ubs.size()) {
          fn(b, loc, ivs);
          return;
        }
        scf::ForOp::create(
            b, loc, cst(b, loc, 0),
            getValueOrCreateConstantIndexOp(b, loc, ubs[i]), cst(b, loc, 1),
            ValueRange{},
            [&](OpBuilder &b, Location loc, Value iv, ValueRange) {
              SmallVector<Value> next = ivs;
              next.push_back(iv);
              nest(b, loc, i + 1, next);
              scf::YieldOp::create(b, loc);
            });
      };
  nest(b, loc, 0, {});
}

/// An scf.if with results whose branches `thenFn` and `elseFn` build (each
/// ends with its scf.yield).
scf::IfOp buildIf(OpBuilder &b, Location loc, TypeRange types, Value cond,
                  function_ref<void(OpBuilder &, Location)> thenFn,
                  function_ref<void(OpBuilder &, Location)> elseFn) {
  auto ifOp = scf::IfOp::create(b, loc, types, cond, /*addThenBlock=*/true,
                                /*addElseBlock=*/true);
  OpBuilder tb = OpBuilder::atBlockBegin(&ifOp.getThenRegion().front());
  thenFn(tb, loc);
  OpBuilder eb = OpBuilder::atBlockBegin(&ifOp.getElseRegion().front());
  elseFn(eb, loc);
  return ifOp;
}

/// Indices into an operand for the loop point `dims` (one value per loop dim;
/// only the dims the map uses need to be set).
SmallVector<Value> indicesFor(OpBuilder &b, Location loc, AffineMap map,
                              ArrayRef<Value> dims) {
  SmallVector<Value> idx;
  for (AffineExpr e : map.getResults()) {
    if (auto d = dyn_cast<AffineDimExpr>(e))
      idx.push_back(dims[d.getPosition()]);
    else
      idx.push_back(cst(b, loc, 0));
  }
  return idx;
}

/// The batch dims among `batch` that `map` uses.
SmallVector<int64_t> batchDimsOf(AffineMap map, ArrayRef<int64_t> batch) {
  SmallVector<int64_t> used;
  for (int64_t d : batch)
    if (map.isFunctionOfDim(d))
      used.push_back(d);
  return used;
}

/// A constant global behind `v` with its f32 values, if there is one.
std::optional<std::pair<memref::GlobalOp, ArrayRef<float>>>
constantValues(Value v, SymbolTableCollection &symbols,
               std::vector<float> &storage) {
  auto get = v.getDefiningOp<memref::GetGlobalOp>();
  if (!get)
    return std::nullopt;
  auto global = symbols.lookupNearestSymbolFrom<memref::GlobalOp>(
      get, get.getNameAttr());
  if (!global || !global.getConstant() || !global.getInitialValue())
    return std::nullopt;
  Attribute init = *global.getInitialValue();
  if (auto dense = dyn_cast<DenseElementsAttr>(init)) {
    if (!dense.getElementType().isF32())
      return std::nullopt;
    if (dense.isSplat()) {
      storage.assign(dense.getNumElements(), dense.getSplatValue<float>());
    } else {
      auto values = dense.getValues<float>();
      storage.assign(values.begin(), values.end());
    }
    return std::make_pair(global, ArrayRef<float>(storage));
  }
  if (auto resource = dyn_cast<DenseF32ResourceElementsAttr>(init)) {
    std::optional<ArrayRef<float>> data = resource.tryGetAsArrayRef();
    if (!data)
      return std::nullopt;
    return std::make_pair(global, *data);
  }
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// The lowering of one contraction
//===----------------------------------------------------------------------===//

class Lowering {
public:
  Lowering(Contraction &g, const TargetInfo &target,
           SymbolTableCollection &symbols, SymbolTable &moduleSymbols,
           llvm::DenseMap<std::pair<Operation *, int64_t>, memref::GlobalOp>
               &packedGlobals)
      : g(g), target(target), symbols(symbols), moduleSymbols(moduleSymbols),
        packedGlobals(packedGlobals) {}

  LogicalResult run();

private:
  Contraction &g;
  const TargetInfo &target;
  SymbolTableCollection &symbols;
  SymbolTable &moduleSymbols;
  llvm::DenseMap<std::pair<Operation *, int64_t>, memref::GlobalOp>
      &packedGlobals;

  KernelShape shape{};
  bool inKernel = false; // inside an scf.forall already
  bool parallel = false; // tiles and packing in scf.forall loops
  // Sizes of every loop dim.
  SmallVector<Value> sizes;
  Value M, N, K;
  // Packed operands: a 1-D buffer, or null when read in place.
  Value packedA, packedB;
  Value aPanels, bPanels; // MR-row / NR-column panels per batch element
  SmallVector<int64_t> aBatch, bBatch;

  VectorType vecType() {
    return VectorType::get({shape.lanes}, Float32Type::get(g.op.getContext()));
  }
  Value batchLinear(IndexMath &im, ArrayRef<int64_t> dims,
                    ArrayRef<Value> ivs);
  void emitPackA(OpBuilder &b, Location loc, ArrayRef<Value> dims,
                 Value panel, Value dst, Value dstBase, Value kBegin,
                 Value kEnd);
  void emitPackB(OpBuilder &b, Location loc, ArrayRef<Value> dims,
                 Value n0, Value dst, Value dstBase, Value kBegin,
                 Value kEnd);
  Value packConstantB(OpBuilder &b, Location loc);
  void emitTile(OpBuilder &b, Location loc, ArrayRef<Value> dims, Value m0,
                Value mEnd, Value n0, Value nEnd);
  void emitMicroKernel(OpBuilder &b, Location loc, ArrayRef<Value> dims,
                       Value ir, Value jr, Value mValid, Value nValid,
                       Value kBegin, Value kEnd, Value chunkB);
};

Value Lowering::batchLinear(IndexMath &im, ArrayRef<int64_t> dims,
                            ArrayRef<Value> ivs) {
  Value lin = im.c(0);
  for (int64_t d : dims)
    lin = im.add(im.mul(lin, sizes[d]), ivs[d]);
  return lin;
}

/// dst[dstBase + (k - kBegin) * MR + i] = A[m = panel * MR + i, k] for
/// k in [kBegin, kEnd); rows past M are zeros.
void Lowering::emitPackA(OpBuilder &b, Location loc, ArrayRef<Value> dims,
                         Value panel, Value dst, Value dstBase, Value kBegin,
                         Value kEnd) {
  IndexMath im{b, loc};
  int64_t mr = shape.mr;
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
  Value lastRow = im.sub(M, im.c(1));
  scf::ForOp::create(
      b, loc, im.c(0), im.c(mr), im.c(1), ValueRange{},
      [&](OpBuilder &b, Location loc, Value i, ValueRange) {
        IndexMath im{b, loc};
        Value m = im.add(im.mul(panel, im.c(mr)), i);
        Value valid = im.lt(m, M);
        Value row = im.min(m, lastRow);
        scf::ForOp::create(
            b, loc, kBegin, kEnd, im.c(1), ValueRange{},
            [&](OpBuilder &b, Location loc, Value k, ValueRange) {
              IndexMath im{b, loc};
              SmallVector<Value> d(dims);
              if (g.m >= 0)
                d[g.m] = row;
              d[g.k] = k;
              Value v = memref::LoadOp::create(
                  b, loc, g.a, indicesFor(b, loc, g.aMap, d));
              v = arith::SelectOp::create(b, loc, valid, v, zero);
              Value at = im.add(dstBase,
                                im.add(im.mul(im.sub(k, kBegin), im.c(mr)), i));
              memref::StoreOp::create(b, loc, v, dst, ValueRange{at});
              scf::YieldOp::create(b, loc);
            });
        scf::YieldOp::create(b, loc);
      });
}

/// dst[dstBase + (k - kBegin) * NR + j] = B[k, n0 + j] for k in
/// [kBegin, kEnd); columns past N are zeros.
void Lowering::emitPackB(OpBuilder &b, Location loc, ArrayRef<Value> dims,
                         Value n0, Value dst, Value dstBase, Value kBegin,
                         Value kEnd) {
  IndexMath im{b, loc};
  int64_t nr = shape.nr(), w = shape.lanes;
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
  bool contiguous =
      innerStride(g.b) == 1 &&
      cast<AffineDimExpr>(g.bMap.getResults().back()).getPosition() == g.n;
  if (contiguous) {
    // Row by row, W columns at a time (masked at the right edge).
    VectorType vt = vecType();
    VectorType mt = VectorType::get({w}, b.getI1Type());
    Value zeros = arith::ConstantOp::create(
        b, loc, vt, DenseElementsAttr::get(vt, b.getF32FloatAttr(0)));
    SmallVector<Value> masks;
    for (int64_t v = 0; v < shape.nrv; ++v) {
      Value left = im.max(im.min(im.sub(N, im.add(n0, im.c(v * w))), im.c(w)),
                          im.c(0));
      masks.push_back(vector::CreateMaskOp::create(b, loc, mt, ValueRange{left}));
    }
    scf::ForOp::create(
        b, loc, kBegin, kEnd, im.c(1), ValueRange{},
        [&](OpBuilder &b, Location loc, Value k, ValueRange) {
          IndexMath im{b, loc};
          for (int64_t v = 0; v < shape.nrv; ++v) {
            SmallVector<Value> d(dims);
            d[g.k] = k;
            d[g.n] = im.add(n0, im.c(v * w));
            Value x = vector::MaskedLoadOp::create(
                b, loc, vt, g.b, indicesFor(b, loc, g.bMap, d), masks[v],
                zeros);
            Value at = im.add(dstBase,
                              im.add(im.mul(im.sub(k, kBegin), im.c(nr)),
                                     im.c(v * w)));
            vector::StoreOp::create(b, loc, x, dst, ValueRange{at});
          }
          scf::YieldOp::create(b, loc);
        });
    return;
  }
  // Column by column (B transposed: each column is contiguous along k).
  Value lastCol = im.sub(N, im.c(1));
  scf::ForOp::create(
      b, loc, im.c(0), im.c(nr), im.c(1), ValueRange{},
      [&](OpBuilder &b, Location loc, Value j, ValueRange) {
        IndexMath im{b, loc};
        Value n = im.add(n0, j);
        Value valid = im.lt(n, N);
        Value col = im.min(n, lastCol);
        scf::ForOp::create(
            b, loc, kBegin, kEnd, im.c(1), ValueRange{},
            [&](OpBuilder &b, Location loc, Value k, ValueRange) {
              IndexMath im{b, loc};
              SmallVector<Value> d(dims);
              d[g.k] = k;
              d[g.n] = col;
              Value x = memref::LoadOp::create(
                  b, loc, g.b, indicesFor(b, loc, g.bMap, d));
              x = arith::SelectOp::create(b, loc, valid, x, zero);
              Value at = im.add(dstBase,
                                im.add(im.mul(im.sub(k, kBegin), im.c(nr)), j));
              memref::StoreOp::create(b, loc, x, dst, ValueRange{at});
              scf::YieldOp::create(b, loc);
            });
        scf::YieldOp::create(b, loc);
      });
}

/// B packed at compile time into a new constant global, [panel][k][NR];
/// null when B is not a constant with static K and N.
Value Lowering::packConstantB(OpBuilder &b, Location loc) {
  if (!bBatch.empty())
    return {};
  SmallVector<int64_t> ranges = g.op.getStaticLoopRanges();
  int64_t k = ranges[g.k], n = ranges[g.n];
  if (ShapedType::isDynamic(k) || ShapedType::isDynamic(n) || k == 0 ||
      n == 0)
    return {};
  std::vector<float> storage;
  auto found = constantValues(g.b, symbols, storage);
  if (!found)
    return {};
  auto [global, values] = *found;
  int64_t nr = shape.nr();
  auto key = std::make_pair(global.getOperation(), nr);
  auto bType = cast<MemRefType>(g.b.getType());
  if (!bType.getLayout().isIdentity() ||
      values.size() != (size_t)bType.getNumElements())
    return {};
  memref::GlobalOp packed = packedGlobals.lookup(key);
  int64_t panels = (n + nr - 1) / nr;
  if (!packed) {
    // Row-major strides of B and where k and n sit in it.
    SmallVector<int64_t> strides(bType.getRank(), 1);
    for (int64_t i = bType.getRank() - 2; i >= 0; --i)
      strides[i] = strides[i + 1] * bType.getDimSize(i + 1);
    int64_t kStride = 0, nStride = 0;
    for (auto [i, e] : llvm::enumerate(g.bMap.getResults()))
      if (auto d = dyn_cast<AffineDimExpr>(e)) {
        if ((int64_t)d.getPosition() == g.k)
          kStride = strides[i];
        if ((int64_t)d.getPosition() == g.n)
          nStride = strides[i];
      }
    std::vector<float> data(panels * k * nr, 0.0f);
    for (int64_t p = 0; p < panels; ++p)
      for (int64_t kk = 0; kk < k; ++kk)
        for (int64_t j = 0; j < nr && p * nr + j < n; ++j)
          data[(p * k + kk) * nr + j] =
              values[kk * kStride + (p * nr + j) * nStride];
    auto type = MemRefType::get({(int64_t)data.size()}, b.getF32Type());
    auto tensorType =
        RankedTensorType::get({(int64_t)data.size()}, b.getF32Type());
    OpBuilder gb(global);
    packed = memref::GlobalOp::create(
        gb, global.getLoc(), (global.getSymName() + "_packed").str(),
        gb.getStringAttr("private"), type,
        DenseElementsAttr::get(tensorType, ArrayRef<float>(data)),
        /*constant=*/true, gb.getI64IntegerAttr(64));
    moduleSymbols.insert(packed);
    packedGlobals[key] = packed;
  }
  return memref::GetGlobalOp::create(b, loc, packed.getType(),
                                     packed.getSymName());
}

LogicalResult Lowering::run() {
  linalg::GenericOp op = g.op;
  Location loc = op.getLoc();
  inKernel = op->getParentOfType<scf::ForallOp>() != nullptr;
  SmallVector<int64_t> staticRanges = op.getStaticLoopRanges();
  std::optional<int64_t> staticM =
      g.m < 0 ? std::optional<int64_t>(1)
              : (ShapedType::isDynamic(staticRanges[g.m])
                     ? std::nullopt
                     : std::optional<int64_t>(staticRanges[g.m]));
  KernelShape def = defaultShape(target);
  shape = staticM && *staticM < def.mr ? smallMShape(target, *staticM) : def;
  int64_t mr = shape.mr, nr = shape.nr();

  OpBuilder b(op);
  IndexMath im{b, loc};
  for (Range r : cast<linalg::LinalgOp>(op.getOperation()).createLoopRanges(b, loc))
    sizes.push_back(getValueOrCreateConstantIndexOp(b, loc, r.size));
  M = g.m >= 0 ? sizes[g.m] : im.c(1);
  N = sizes[g.n];
  K = sizes[g.k];
  aBatch = batchDimsOf(g.aMap, g.batch);
  bBatch = batchDimsOf(g.bMap, g.batch);

  // Where buffers go: at the top of the function when static (the memory
  // planner places them), before the op otherwise.
  auto func = op->getParentOfType<func::FuncOp>();
  bool staticSizes = llvm::none_of(staticRanges, ShapedType::isDynamic);
  OpBuilder allocBuilder(op);
  if (staticSizes && !inKernel)
    allocBuilder.setInsertionPointToStart(&func.getBody().front());
  auto allocBuffer = [&](OpBuilder &ab, Value count,
                         std::optional<int64_t> staticCount) -> Value {
    auto alignment = ab.getI64IntegerAttr(64);
    if (staticCount) {
      auto t = MemRefType::get({std::max<int64_t>(*staticCount, 1)},
                               ab.getF32Type());
      return memref::AllocOp::create(ab, loc, t, ValueRange{}, alignment);
    }
    auto t = MemRefType::get({ShapedType::kDynamic}, ab.getF32Type());
    return memref::AllocOp::create(ab, loc, t, ValueRange{count}, alignment);
  };
  auto staticProduct = [&](ArrayRef<int64_t> dims, int64_t extra)
      -> std::optional<int64_t> {
    int64_t p = extra;
    for (int64_t d : dims) {
      if (ShapedType::isDynamic(staticRanges[d]))
        return std::nullopt;
      p *= staticRanges[d];
    }
    return p;
  };

  bool bContiguous =
      innerStride(g.b) == 1 &&
      cast<AffineDimExpr>(g.bMap.getResults().back()).getPosition() == g.n;
  bool largeM = !staticM || *staticM >= 4 * mr;
  std::optional<int64_t> sk = ShapedType::isDynamic(staticRanges[g.k])
                                  ? std::nullopt
                                  : std::optional(staticRanges[g.k]);
  std::optional<int64_t> sn = ShapedType::isDynamic(staticRanges[g.n])
                                  ? std::nullopt
                                  : std::optional(staticRanges[g.n]);
  bPanels = im.ceilDiv(N, nr);
  aPanels = im.ceilDiv(M, mr);

  // Packs an operand into `panels` panels of `width` rows or columns (per
  // index of its batch dims `batchDims`) in one buffer, in one parallel loop
  // over (batch dims, panels); `emit` packs one panel from offset `base`.
  auto packOperand =
      [&](ArrayRef<int64_t> batchDims, Value panels, int64_t width,
          std::optional<int64_t> count,
          llvm::function_ref<void(OpBuilder &, Location, ArrayRef<Value>,
                                  Value, Value, Value)>
              emit) -> Value {
    Value total = im.mul(im.mul(panels, im.c(width)), K);
    for (int64_t d : batchDims)
      total = im.mul(total, sizes[d]);
    Value buffer = staticSizes ? allocBuffer(allocBuilder, {}, count)
                               : allocBuffer(b, total, std::nullopt);
    SmallVector<OpFoldResult> ubs;
    for (int64_t d : batchDims)
      ubs.push_back(getAsOpFoldResult(sizes[d]));
    ubs.push_back(getAsOpFoldResult(panels));
    buildLoops(b, loc, parallel, ubs,
               [&](OpBuilder &b, Location loc, ValueRange ivs) {
                 IndexMath im{b, loc};
                 SmallVector<Value> dims(op.getNumLoops(), im.c(0));
                 for (auto [i, d] : llvm::enumerate(batchDims))
                   dims[d] = ivs[i];
                 Value panel = ivs.back();
                 Value lin = im.add(
                     im.mul(batchLinear(im, batchDims, dims), panels), panel);
                 Value base = im.mul(im.mul(lin, K), im.c(width));
                 emit(b, loc, dims, panel, buffer, base);
               });
    return buffer;
  };

  // B: compile-time packed, run-time packed, or in place.
  packedB = packConstantB(b, loc);
  // Parallel loops unless inside a kernel already, or too little work for
  // the dispatch to pay off (about 2M multiply-adds).
  std::optional<int64_t> work = staticProduct(g.batch, 1);
  if (work && staticM && sk && sn)
    *work *= *staticM * *sk * *sn;
  else
    work.reset();
  // Small products with a large B (the matrix-vector products of an MLP at
  // batch 1) are bound by the bandwidth of reading B: two cores read it
  // faster than one, so they run in parallel too.
  std::optional<int64_t> bBytes;
  if (sk && sn)
    bBytes = staticProduct(bBatch, *sk * *sn * 4);
  bool streamsB = bBytes && *bBytes >= (int64_t(512) << 10);
  parallel = !inKernel &&
             (streamsB || !(work && *work < (int64_t(1) << 21)));
  bool packBNow = !packedB && !inKernel && (!bContiguous || largeM);
  if (packBNow) {
    std::optional<int64_t> count;
    if (sk && sn)
      count = staticProduct(bBatch, ((*sn + nr - 1) / nr) * nr * *sk);
    packedB = packOperand(
        bBatch, bPanels, nr, count,
        [&](OpBuilder &b, Location loc, ArrayRef<Value> dims, Value panel,
            Value dst, Value base) {
          IndexMath im{b, loc};
          emitPackB(b, loc, dims, im.mul(panel, im.c(nr)), dst, base,
                    im.c(0), K);
        });
  }

  // A: packed for large M (top level only), else in place.
  bool packANow = !inKernel && largeM && (!sn || *sn > nr);
  if (packANow) {
    std::optional<int64_t> count;
    if (staticM && sk)
      count = staticProduct(aBatch, ((*staticM + mr - 1) / mr) * mr * *sk);
    packedA = packOperand(
        aBatch, aPanels, mr, count,
        [&](OpBuilder &b, Location loc, ArrayRef<Value> dims, Value panel,
            Value dst, Value base) {
          IndexMath im{b, loc};
          emitPackA(b, loc, dims, panel, dst, base, im.c(0), K);
        });
  }

  // The tiles: (batch, M tiles, N tiles), parallel unless already inside a
  // kernel. MC rows per tile; N is split when there are too few tiles.
  int64_t mc = std::max<int64_t>(shape.mc / mr, 1) * mr;
  Value mTiles = im.ceilDiv(M, mc);
  int64_t batchCount = 1;
  for (int64_t d : g.batch)
    batchCount *= ShapedType::isDynamic(staticRanges[d]) ? 4 : staticRanges[d];
  int64_t mTilesStatic = staticM ? (*staticM + mc - 1) / mc : 4;
  int64_t wantTiles = 4;
  int64_t nSplit = 1;
  if (parallel && batchCount * mTilesStatic < wantTiles && sn) {
    int64_t panels = (*sn + nr - 1) / nr;
    nSplit = std::min<int64_t>(
        panels, (wantTiles + batchCount * mTilesStatic - 1) /
                    (batchCount * mTilesStatic));
  }
  int64_t nc = 0; // 0: all of N
  if (nSplit > 1)
    nc = ((*sn + nr - 1) / nr + nSplit - 1) / nSplit * nr;
  Value nTiles = nc ? im.ceilDiv(N, nc) : im.c(1);
  Value ncV = nc ? im.c(nc) : N;

  auto tileBody = [&](OpBuilder &b, Location loc, ValueRange ivs) {
    IndexMath im{b, loc};
    SmallVector<Value> dims(op.getNumLoops(), im.c(0));
    for (auto [i, d] : llvm::enumerate(g.batch))
      dims[d] = ivs[i];
    Value tm = ivs[g.batch.size()], tn = ivs[g.batch.size() + 1];
    Value m0 = im.mul(tm, im.c(mc));
    Value n0 = im.mul(tn, ncV);
    emitTile(b, loc, dims, m0, im.min(im.add(m0, im.c(mc)), M), n0,
             im.min(im.add(n0, ncV), N));
  };
  SmallVector<OpFoldResult> ubs;
  for (int64_t d : g.batch)
    ubs.push_back(getAsOpFoldResult(sizes[d]));
  ubs.push_back(getAsOpFoldResult(mTiles));
  ubs.push_back(getAsOpFoldResult(nTiles));
  buildLoops(b, loc, parallel, ubs, tileBody);
  op.erase();
  return success();
}

/// One tile: C[m0:mEnd, n0:nEnd] += A * B over all of K, in KC blocks.
void Lowering::emitTile(OpBuilder &b, Location loc, ArrayRef<Value> dims,
                        Value m0, Value mEnd, Value n0, Value nEnd) {
  IndexMath im{b, loc};
  int64_t mr = shape.mr, nr = shape.nr(), kc = shape.kc;
  // B chunks packed per tile (inside a kernel, B not contiguous along n).
  bool bContiguous =
      innerStride(g.b) == 1 &&
      cast<AffineDimExpr>(g.bMap.getResults().back()).getPosition() == g.n;
  Value chunkB;
  if (!packedB && !bContiguous) {
    auto t = MemRefType::get({kc * nr}, b.getF32Type());
    chunkB = memref::AllocOp::create(b, loc, t, ValueRange{},
                                     b.getI64IntegerAttr(64));
  }
  scf::ForOp::create(
      b, loc, im.c(0), K, im.c(kc), ValueRange{},
      [&](OpBuilder &b, Location loc, Value pc, ValueRange) {
        IndexMath im{b, loc};
        Value kEnd = im.min(im.add(pc, im.c(kc)), K);
        scf::ForOp::create(
            b, loc, n0, nEnd, im.c(nr), ValueRange{},
            [&](OpBuilder &b, Location loc, Value jr, ValueRange) {
              IndexMath im{b, loc};
              Value nValid = im.min(im.sub(nEnd, jr), im.c(nr));
              if (chunkB)
                emitPackB(b, loc, dims, jr, chunkB, im.c(0), pc, kEnd);
              scf::ForOp::create(
                  b, loc, m0, mEnd, im.c(mr), ValueRange{},
                  [&](OpBuilder &b, Location loc, Value ir, ValueRange) {
                    IndexMath im{b, loc};
                    Value mValid = im.min(im.sub(mEnd, ir), im.c(mr));
                    emitMicroKernel(b, loc, dims, ir, jr, mValid, nValid, pc,
                                    kEnd, chunkB);
                    scf::YieldOp::create(b, loc);
                  });
              scf::YieldOp::create(b, loc);
            });
        scf::YieldOp::create(b, loc);
      });
}

/// C[ir:ir+mValid, jr:jr+nValid] += A[ir.., kBegin:kEnd] * B[kBegin:kEnd, jr..]
/// with the MR x NR block of C in vector registers.
void Lowering::emitMicroKernel(OpBuilder &b, Location loc,
                               ArrayRef<Value> dims, Value ir, Value jr,
                               Value mValid, Value nValid, Value kBegin,
                               Value kEnd, Value chunkB) {
  IndexMath im{b, loc};
  int64_t mr = shape.mr, nrv = shape.nrv, w = shape.lanes, nr = shape.nr();
  VectorType vt = vecType();
  VectorType mt = VectorType::get({w}, b.getI1Type());
  int64_t nAcc = mr * nrv;
  Value zeros = arith::ConstantOp::create(
      b, loc, vt, DenseElementsAttr::get(vt, b.getF32FloatAttr(0)));

  // Row indices (clamped to the last valid row) and column masks.
  SmallVector<Value> rows;
  Value lastRow = im.add(ir, im.sub(mValid, im.c(1)));
  for (int64_t i = 0; i < mr; ++i)
    rows.push_back(i == 0 ? ir : im.min(im.add(ir, im.c(i)), lastRow));
  SmallVector<Value> masks;
  for (int64_t v = 0; v < nrv; ++v) {
    Value left = im.max(im.min(im.sub(nValid, im.c(v * w)), im.c(w)), im.c(0));
    masks.push_back(vector::CreateMaskOp::create(b, loc, mt, ValueRange{left}));
  }
  Value full = arith::AndIOp::create(b, loc, im.eq(mValid, im.c(mr)),
                                     im.eq(nValid, im.c(nr)));

  auto cIndices = [&](OpBuilder &b, Location loc, int64_t i, int64_t v) {
    IndexMath im{b, loc};
    SmallVector<Value> d(dims);
    if (g.m >= 0)
      d[g.m] = rows[i];
    d[g.n] = im.add(jr, im.c(v * w));
    return indicesFor(b, loc, g.cMap, d);
  };

  // Load the C block.
  SmallVector<Type> accTypes(nAcc, vt);
  auto loadC = buildIf(
      b, loc, accTypes, full,
      [&](OpBuilder &b, Location loc) {
        SmallVector<Value> acc;
        for (int64_t i = 0; i < mr; ++i)
          for (int64_t v = 0; v < nrv; ++v)
            acc.push_back(
                vector::LoadOp::create(b, loc, vt, g.c, cIndices(b, loc, i, v)));
        scf::YieldOp::create(b, loc, acc);
      },
      [&](OpBuilder &b, Location loc) {
        SmallVector<Value> acc;
        for (int64_t i = 0; i < mr; ++i)
          for (int64_t v = 0; v < nrv; ++v)
            acc.push_back(vector::MaskedLoadOp::create(
                b, loc, vt, g.c, cIndices(b, loc, i, v), masks[v], zeros));
        scf::YieldOp::create(b, loc, acc);
      });

  // A element (i, k) and B vector (v, k) readers.
  Value aBase, bBase;
  if (packedA) {
    Value lin = im.add(im.mul(batchLinear(im, aBatch, dims), aPanels),
                       im.div(ir, im.c(mr)));
    aBase = im.mul(im.mul(lin, K), im.c(mr));
  }
  Value bBuf = packedB ? packedB : chunkB;
  if (packedB) {
    Value lin = im.add(im.mul(batchLinear(im, bBatch, dims), bPanels),
                       im.div(jr, im.c(nr)));
    bBase = im.mul(im.mul(lin, K), im.c(nr));
  } else if (chunkB) {
    bBase = im.sub(im.c(0), im.mul(kBegin, im.c(nr)));
  }
  auto readA = [&](OpBuilder &b, Location loc, int64_t i, Value k) -> Value {
    IndexMath im{b, loc};
    if (packedA)
      return memref::LoadOp::create(
          b, loc, packedA,
          ValueRange{im.add(aBase, im.add(im.mul(k, im.c(mr)), im.c(i)))});
    SmallVector<Value> d(dims);
    if (g.m >= 0)
      d[g.m] = rows[i];
    d[g.k] = k;
    return memref::LoadOp::create(b, loc, g.a, indicesFor(b, loc, g.aMap, d));
  };
  auto readB = [&](OpBuilder &b, Location loc, int64_t v, Value k,
                   bool masked) -> Value {
    IndexMath im{b, loc};
    if (bBuf)
      return vector::LoadOp::create(
          b, loc, vt, bBuf,
          ValueRange{im.add(bBase, im.add(im.mul(k, im.c(nr)), im.c(v * w)))});
    SmallVector<Value> d(dims);
    d[g.k] = k;
    d[g.n] = im.add(jr, im.c(v * w));
    SmallVector<Value> idx = indicesFor(b, loc, g.bMap, d);
    if (masked)
      return vector::MaskedLoadOp::create(b, loc, vt, g.b, idx, masks[v],
                                          zeros);
    return vector::LoadOp::create(b, loc, vt, g.b, idx);
  };

  // The k loops: unrolled by U, then the remainder.
  const int64_t unroll = 4;
  auto kLoops = [&](OpBuilder &b, Location loc, ValueRange init,
                    bool masked) -> SmallVector<Value> {
    IndexMath im{b, loc};
    auto step = [&](OpBuilder &b, Location loc, Value k,
                    SmallVector<Value> acc) {
      SmallVector<Value> bv;
      for (int64_t v = 0; v < nrv; ++v)
        bv.push_back(readB(b, loc, v, k, masked));
      for (int64_t i = 0; i < mr; ++i) {
        Value a = vector::BroadcastOp::create(b, loc, vt, readA(b, loc, i, k));
        for (int64_t v = 0; v < nrv; ++v)
          acc[i * nrv + v] =
              vector::FMAOp::create(b, loc, a, bv[v], acc[i * nrv + v]);
      }
      return acc;
    };
    Value len = im.sub(kEnd, kBegin);
    Value mainEnd = im.add(kBegin, im.mul(im.div(len, im.c(unroll)),
                                          im.c(unroll)));
    auto main = scf::ForOp::create(
        b, loc, kBegin, mainEnd, im.c(unroll), init,
        [&](OpBuilder &b, Location loc, Value k, ValueRange iter) {
          IndexMath im{b, loc};
          SmallVector<Value> acc(iter);
          for (int64_t u = 0; u < unroll; ++u)
            acc = step(b, loc, u == 0 ? k : im.add(k, im.c(u)), acc);
          scf::YieldOp::create(b, loc, acc);
        });
    auto rest = scf::ForOp::create(
        b, loc, mainEnd, kEnd, im.c(1), main.getResults(),
        [&](OpBuilder &b, Location loc, Value k, ValueRange iter) {
          scf::YieldOp::create(b, loc, step(b, loc, k, SmallVector<Value>(iter)));
        });
    return SmallVector<Value>(rest.getResults());
  };
  SmallVector<Value> acc;
  if (bBuf) {
    acc = kLoops(b, loc, loadC.getResults(), false);
  } else {
    // In place B: masked loads only for the panel at N's edge.
    Value fullN = im.eq(nValid, im.c(nr));
    auto ifOp = buildIf(
        b, loc, accTypes, fullN,
        [&](OpBuilder &b, Location loc) {
          scf::YieldOp::create(b, loc, kLoops(b, loc, loadC.getResults(), false));
        },
        [&](OpBuilder &b, Location loc) {
          scf::YieldOp::create(b, loc, kLoops(b, loc, loadC.getResults(), true));
        });
    acc = SmallVector<Value>(ifOp.getResults());
  }

  // Store the C block (rows past mValid are not stored).
  scf::IfOp::create(
      b, loc, full,
      [&](OpBuilder &b, Location loc) {
        for (int64_t i = 0; i < mr; ++i)
          for (int64_t v = 0; v < nrv; ++v)
            vector::StoreOp::create(b, loc, acc[i * nrv + v], g.c,
                                    cIndices(b, loc, i, v));
        scf::YieldOp::create(b, loc);
      },
      [&](OpBuilder &b, Location loc) {
        IndexMath im{b, loc};
        for (int64_t i = 0; i < mr; ++i) {
          auto rowIf = scf::IfOp::create(b, loc, im.lt(im.c(i), mValid),
                                         /*withElseRegion=*/false);
          OpBuilder rb = OpBuilder::atBlockBegin(&rowIf.getThenRegion().front());
          for (int64_t v = 0; v < nrv; ++v)
            vector::MaskedStoreOp::create(rb, loc, g.c, cIndices(rb, loc, i, v),
                                          masks[v], acc[i * nrv + v]);
        }
        scf::YieldOp::create(b, loc);
      });
}

//===----------------------------------------------------------------------===//
// Convolutions
//===----------------------------------------------------------------------===//
//
// A convolution generic (kiln.conv's lowering: loops n, g, m, o1..or, c,
// k1..kr; the input read through windowed maps such as oh * s + kh * d) is
// lowered directly, without im2col: the output channels are m (the weights'
// elements are broadcast), the output columns ow are n (NR consecutive output
// columns of one kernel tap are NR input elements of one input row, at the
// map's stride along ow: a vector load for stride 1, a gather otherwise), and
// every reduction dim (c, kh, kw) is k. The register block is MR channels x
// RB output rows x VB vectors along ow.

/// A convolution C[.., m, .., oh, ow] += X[f(.., oh, ow, red)] * W[.., m, red].
struct Conv {
  linalg::GenericOp op;
  Value x, w, c;
  AffineMap xMap, wMap, cMap;
  int64_t m = -1, oh = -1, ow = -1;
  int64_t strideW = 1;        // coefficient of ow in X's last index
  SmallVector<int64_t> red;   // reduction dims, in loop order
  SmallVector<int64_t> batch; // other parallel dims (n, g)
};

/// The coefficients of a linear expression in the dims (plus the constant
/// term last); nullopt for anything else (mod, div, products of dims).
std::optional<SmallVector<int64_t>> linearCoefficients(AffineExpr e,
                                                       unsigned numDims) {
  SmallVector<int64_t> r(numDims + 1, 0);
  if (auto d = dyn_cast<AffineDimExpr>(e)) {
    r[d.getPosition()] = 1;
    return r;
  }
  if (auto c = dyn_cast<AffineConstantExpr>(e)) {
    r.back() = c.getValue();
    return r;
  }
  auto bin = dyn_cast<AffineBinaryOpExpr>(e);
  if (!bin)
    return std::nullopt;
  auto l = linearCoefficients(bin.getLHS(), numDims);
  auto rr = linearCoefficients(bin.getRHS(), numDims);
  if (!l || !rr)
    return std::nullopt;
  auto isConst = [&](const SmallVector<int64_t> &v) {
    return llvm::all_of(ArrayRef<int64_t>(v).drop_back(),
                        [](int64_t x) { return x == 0; });
  };
  if (e.getKind() == AffineExprKind::Add) {
    for (unsigned i = 0; i <= numDims; ++i)
      r[i] = (*l)[i] + (*rr)[i];
    return r;
  }
  if (e.getKind() == AffineExprKind::Mul) {
    if (!isConst(*l) && !isConst(*rr))
      return std::nullopt;
    int64_t f = isConst(*l) ? l->back() : rr->back();
    SmallVector<int64_t> &v = isConst(*l) ? *rr : *l;
    for (unsigned i = 0; i <= numDims; ++i)
      r[i] = v[i] * f;
    return r;
  }
  return std::nullopt;
}

std::optional<Conv> matchConv(linalg::GenericOp op) {
  if (!isMulAddOnMemRefs(op) || matchContraction(op))
    return std::nullopt;
  Conv g;
  g.op = op;
  int64_t loops = op.getNumLoops();
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  SmallVector<int> out;
  if (!countDims(maps[2], out) || maps[2].getNumResults() < 2)
    return std::nullopt;
  for (int64_t d = 0; d < loops; ++d) {
    bool reduction = iters[d] == utils::IteratorType::reduction;
    if (reduction ? out[d] != 0 : out[d] != 1)
      return std::nullopt;
    if (reduction)
      g.red.push_back(d);
  }
  if (g.red.empty())
    return std::nullopt;
  auto owExpr = dyn_cast<AffineDimExpr>(maps[2].getResults().back());
  if (!owExpr)
    return std::nullopt;
  g.ow = owExpr.getPosition();
  // X: the input whose map reads ow; W: the other, plain dims only.
  bool in0 = maps[0].isFunctionOfDim(g.ow), in1 = maps[1].isFunctionOfDim(g.ow);
  if (in0 == in1)
    return std::nullopt;
  int xi = in0 ? 0 : 1;
  g.x = op.getDpsInputs()[xi];
  g.w = op.getDpsInputs()[1 - xi];
  g.xMap = maps[xi];
  g.wMap = maps[1 - xi];
  g.c = op.getDpsInits()[0];
  g.cMap = maps[2];
  SmallVector<int> wCount;
  if (!countDims(g.wMap, wCount))
    return std::nullopt;
  for (int64_t d : g.red)
    if (wCount[d] != 1)
      return std::nullopt;
  // m: the one output dim that W reads and X does not.
  for (int64_t d = 0; d < loops; ++d) {
    if (iters[d] == utils::IteratorType::reduction || d == g.ow)
      continue;
    if (wCount[d] == 1 && !g.xMap.isFunctionOfDim(d)) {
      if (g.m >= 0)
        return std::nullopt;
      g.m = d;
    }
  }
  if (g.m < 0 || wCount[g.ow] != 0)
    return std::nullopt;
  // oh: the output's next-to-innermost dim, when it is a spatial one.
  auto ohExpr = cast<AffineDimExpr>(
      g.cMap.getResult(g.cMap.getNumResults() - 2));
  int64_t oh = ohExpr.getPosition();
  if (oh != g.m && g.xMap.isFunctionOfDim(oh) && wCount[oh] == 0)
    g.oh = oh;
  for (int64_t d = 0; d < loops; ++d)
    if (iters[d] != utils::IteratorType::reduction && d != g.m &&
        d != g.ow && d != g.oh)
      g.batch.push_back(d);
  // X's indices: linear in the dims; ow only in the last one, with a
  // positive stride.
  for (auto [i, e] : llvm::enumerate(g.xMap.getResults())) {
    auto coeffs = linearCoefficients(e, loops);
    if (!coeffs)
      return std::nullopt;
    bool last = i + 1 == g.xMap.getNumResults();
    if ((*coeffs)[g.ow] != 0 && !last)
      return std::nullopt;
    if (last) {
      if ((*coeffs)[g.ow] <= 0)
        return std::nullopt;
      g.strideW = (*coeffs)[g.ow];
    }
  }
  // Vectors along the innermost dim of X and C.
  if (innerStride(g.c) != 1 || innerStride(g.x) != 1)
    return std::nullopt;
  return g;
}

/// The value of a linear affine expression at the loop point `dims`.
Value evalLinear(IndexMath &im, AffineExpr e, ArrayRef<Value> dims) {
  if (auto d = dyn_cast<AffineDimExpr>(e))
    return dims[d.getPosition()];
  if (auto c = dyn_cast<AffineConstantExpr>(e))
    return im.c(c.getValue());
  auto bin = cast<AffineBinaryOpExpr>(e);
  Value l = evalLinear(im, bin.getLHS(), dims);
  Value r = evalLinear(im, bin.getRHS(), dims);
  return e.getKind() == AffineExprKind::Add ? im.add(l, r) : im.mul(l, r);
}

SmallVector<Value> linearIndices(IndexMath &im, AffineMap map,
                                 ArrayRef<Value> dims) {
  SmallVector<Value> idx;
  for (AffineExpr e : map.getResults())
    idx.push_back(evalLinear(im, e, dims));
  return idx;
}

class ConvLowering {
public:
  ConvLowering(Conv &g, const TargetInfo &target) : g(g), target(target) {}
  LogicalResult run();

private:
  Conv &g;
  const TargetInfo &target;
  int64_t lanes = 4, mr = 1, rb = 1, vb = 1;
  SmallVector<Value> sizes;
  SmallVector<int64_t> staticRanges;
  Value M, OH, OW;
  // Reduction dims unrolled inside the k step (a static suffix of g.red).
  SmallVector<int64_t> loopRed, unrolledRed;
  int64_t unrollInner = 1; // extra unrolling of the innermost k loop

  VectorType vecType() {
    return VectorType::get({lanes}, Float32Type::get(g.op.getContext()));
  }
  void emitTile(OpBuilder &b, Location loc, ArrayRef<Value> dims, Value m0,
                Value mEnd, Value oh0, Value ohEnd);
  void emitKernel(OpBuilder &b, Location loc, ArrayRef<Value> dims, Value ir,
                  Value mValid, Value oh0, Value rValid, Value ow0,
                  Value owValid);
};

LogicalResult ConvLowering::run() {
  linalg::GenericOp op = g.op;
  Location loc = op.getLoc();
  bool inKernel = op->getParentOfType<scf::ForallOp>() != nullptr;
  staticRanges = op.getStaticLoopRanges();
  auto staticOf = [&](int64_t d) -> std::optional<int64_t> {
    if (d < 0)
      return 1;
    if (ShapedType::isDynamic(staticRanges[d]))
      return std::nullopt;
    return staticRanges[d];
  };
  std::optional<int64_t> sM = staticOf(g.m), sOH = staticOf(g.oh),
                         sOW = staticOf(g.ow);
  KernelShape def = defaultShape(target);
  KernelShape shape = sM && *sM < def.mr ? smallMShape(target, *sM) : def;
  lanes = shape.lanes;
  mr = shape.mr;
  int64_t nv = shape.nrv; // vectors per channel row of the block
  vb = sOW ? std::clamp<int64_t>((*sOW + lanes - 1) / lanes, 1, nv)
           : std::min<int64_t>(nv, 2);
  rb = g.oh >= 0 ? std::max<int64_t>(nv / vb, 1) : 1;
  if (sOH)
    rb = std::clamp<int64_t>(rb, 1, *sOH);

  // The k step: trailing static reduction dims (kernel taps) unrolled.
  int64_t taps = 1;
  size_t split = g.red.size();
  while (split > 0) {
    std::optional<int64_t> s = staticOf(g.red[split - 1]);
    if (!s || taps * *s > 32)
      break;
    taps *= *s;
    --split;
  }
  loopRed.assign(g.red.begin(), g.red.begin() + split);
  unrolledRed.assign(g.red.begin() + split, g.red.end());
  if (!loopRed.empty() && taps < 4)
    unrollInner = (4 + taps - 1) / taps;

  OpBuilder b(op);
  IndexMath im{b, loc};
  for (Range r :
       cast<linalg::LinalgOp>(op.getOperation()).createLoopRanges(b, loc))
    sizes.push_back(getValueOrCreateConstantIndexOp(b, loc, r.size));
  M = sizes[g.m];
  OH = g.oh >= 0 ? sizes[g.oh] : im.c(1);
  OW = sizes[g.ow];

  // Parallel tiles (batch dims, channel blocks, row blocks) unless inside a
  // kernel already or too little work to pay for the dispatch.
  std::optional<int64_t> work = 1;
  for (int64_t d = 0; d < (int64_t)staticRanges.size(); ++d)
    if (work && !ShapedType::isDynamic(staticRanges[d]))
      *work *= staticRanges[d];
    else
      work.reset();
  bool parallel = !inKernel && !(work && *work < (int64_t(1) << 21));
  int64_t mc = 4 * mr;
  if (sM)
    mc = std::min<int64_t>(mc, (*sM + mr - 1) / mr * mr);
  int64_t batchCount = 1;
  for (int64_t d : g.batch)
    batchCount *= staticOf(d).value_or(4);
  int64_t mTiles = sM ? (*sM + mc - 1) / mc : 4;
  int64_t ohc = 0; // rows per tile; 0: all
  if (parallel && sOH) {
    int64_t wantTiles = 8;
    int64_t split = std::max<int64_t>(
        1, (wantTiles + batchCount * mTiles - 1) / (batchCount * mTiles));
    ohc = (*sOH + split - 1) / split;
    ohc = (ohc + rb - 1) / rb * rb;
  }
  Value ohcV = ohc ? im.c(ohc) : OH;
  Value ohTiles = ohc ? im.ceilDiv(OH, ohc) : im.c(1);
  Value mTilesV = parallel ? im.ceilDiv(M, mc) : im.c(1);
  Value mcV = parallel ? im.c(mc) : M;

  SmallVector<OpFoldResult> ubs;
  for (int64_t d : g.batch)
    ubs.push_back(getAsOpFoldResult(sizes[d]));
  ubs.push_back(getAsOpFoldResult(mTilesV));
  ubs.push_back(getAsOpFoldResult(ohTiles));
  buildLoops(b, loc, parallel, ubs,
             [&](OpBuilder &b, Location loc, ValueRange ivs) {
               IndexMath im{b, loc};
               SmallVector<Value> dims(op.getNumLoops(), im.c(0));
               for (auto [i, d] : llvm::enumerate(g.batch))
                 dims[d] = ivs[i];
               Value m0 = im.mul(ivs[g.batch.size()], mcV);
               Value r0 = im.mul(ivs[g.batch.size() + 1], ohcV);
               emitTile(b, loc, dims, m0, im.min(im.add(m0, mcV), M), r0,
                        im.min(im.add(r0, ohcV), OH));
             });
  op.erase();
  return success();
}

/// Output channels [m0, mEnd) x rows [oh0, ohEnd) x all columns.
void ConvLowering::emitTile(OpBuilder &b, Location loc, ArrayRef<Value> dims,
                            Value m0, Value mEnd, Value oh0, Value ohEnd) {
  IndexMath im{b, loc};
  int64_t nb = vb * lanes;
  auto forStep = [&](OpBuilder &b, Value lb, Value ub, int64_t step,
                     function_ref<void(OpBuilder &, Location, Value)> fn) {
    scf::ForOp::create(b, loc, lb, ub, cst(b, loc, step), ValueRange{},
                       [&](OpBuilder &b, Location loc, Value iv, ValueRange) {
                         fn(b, loc, iv);
                         scf::YieldOp::create(b, loc);
                       });
  };
  forStep(b, m0, mEnd, mr, [&](OpBuilder &b, Location loc, Value ir) {
    IndexMath im{b, loc};
    Value mValid = im.min(im.sub(mEnd, ir), im.c(mr));
    forStep(b, oh0, ohEnd, rb, [&](OpBuilder &b, Location loc, Value r0) {
      IndexMath im{b, loc};
      Value rValid = im.min(im.sub(ohEnd, r0), im.c(rb));
      forStep(b, im.c(0), OW, nb, [&](OpBuilder &b, Location loc, Value c0) {
        IndexMath im{b, loc};
        Value owValid = im.min(im.sub(OW, c0), im.c(nb));
        emitKernel(b, loc, dims, ir, mValid, r0, rValid, c0, owValid);
      });
    });
  });
}

/// C[ir.., r0.., ow0..] (MR channels x RB rows x VB vectors) += the
/// convolution over every reduction dim, the block in vector registers.
void ConvLowering::emitKernel(OpBuilder &b, Location loc,
                              ArrayRef<Value> dims, Value ir, Value mValid,
                              Value r0, Value rValid, Value ow0,
                              Value owValid) {
  IndexMath im{b, loc};
  int64_t w = lanes, nb = vb * lanes;
  VectorType vt = vecType();
  VectorType mt = VectorType::get({w}, b.getI1Type());
  int64_t nAcc = mr * rb * vb;
  Value zeros = arith::ConstantOp::create(
      b, loc, vt, DenseElementsAttr::get(vt, b.getF32FloatAttr(0)));

  SmallVector<Value> mRows, ohRows;
  Value lastM = im.add(ir, im.sub(mValid, im.c(1)));
  for (int64_t i = 0; i < mr; ++i)
    mRows.push_back(i == 0 ? ir : im.min(im.add(ir, im.c(i)), lastM));
  Value lastR = im.add(r0, im.sub(rValid, im.c(1)));
  for (int64_t r = 0; r < rb; ++r)
    ohRows.push_back(r == 0 ? r0 : im.min(im.add(r0, im.c(r)), lastR));
  SmallVector<Value> masks;
  for (int64_t v = 0; v < vb; ++v) {
    Value left =
        im.max(im.min(im.sub(owValid, im.c(v * w)), im.c(w)), im.c(0));
    masks.push_back(vector::CreateMaskOp::create(b, loc, mt, ValueRange{left}));
  }
  // Fast path: all columns and rows of the block valid (rows unclamped, so
  // that the input rows that several (row, kernel row) pairs read are one
  // load).
  Value fullRows = im.eq(rValid, im.c(rb));
  Value fastPath =
      arith::AndIOp::create(b, loc, im.eq(owValid, im.c(nb)), fullRows);
  Value full = arith::AndIOp::create(b, loc, im.eq(mValid, im.c(mr)),
                                     fastPath);
  SmallVector<Value> ohRowsFast;
  for (int64_t r = 0; r < rb; ++r)
    ohRowsFast.push_back(r == 0 ? r0 : im.add(r0, im.c(r)));
  auto accIndex = [&](int64_t i, int64_t r, int64_t v) {
    return (i * rb + r) * vb + v;
  };
  auto outDims = [&](IndexMath &im, int64_t i, int64_t r, int64_t v) {
    SmallVector<Value> d(dims);
    d[g.m] = mRows[i];
    if (g.oh >= 0)
      d[g.oh] = ohRows[r];
    d[g.ow] = im.add(ow0, im.c(v * w));
    return d;
  };
  auto cIndices = [&](OpBuilder &b, Location loc, int64_t i, int64_t r,
                      int64_t v) {
    IndexMath im{b, loc};
    return indicesFor(b, loc, g.cMap, outDims(im, i, r, v));
  };

  SmallVector<Type> accTypes(nAcc, vt);
  auto loadC = buildIf(
      b, loc, accTypes, full,
      [&](OpBuilder &b, Location loc) {
        SmallVector<Value> acc;
        for (int64_t i = 0; i < mr; ++i)
          for (int64_t r = 0; r < rb; ++r)
            for (int64_t v = 0; v < vb; ++v)
              acc.push_back(vector::LoadOp::create(b, loc, vt, g.c,
                                                   cIndices(b, loc, i, r, v)));
        scf::YieldOp::create(b, loc, acc);
      },
      [&](OpBuilder &b, Location loc) {
        SmallVector<Value> acc;
        for (int64_t i = 0; i < mr; ++i)
          for (int64_t r = 0; r < rb; ++r)
            for (int64_t v = 0; v < vb; ++v)
              acc.push_back(vector::MaskedLoadOp::create(
                  b, loc, vt, g.c, cIndices(b, loc, i, r, v), masks[v],
                  zeros));
        scf::YieldOp::create(b, loc, acc);
      });

  // Lane offsets of a strided row (a gather along ow).
  Value offsets, allTrue;
  if (g.strideW != 1) {
    VectorType it = VectorType::get({w}, b.getI32Type());
    SmallVector<int32_t> offs;
    for (int64_t l = 0; l < w; ++l)
      offs.push_back(l * g.strideW);
    offsets = arith::ConstantOp::create(
        b, loc, it, DenseElementsAttr::get(it, ArrayRef<int32_t>(offs)));
    allTrue = arith::ConstantOp::create(
        b, loc, mt, DenseElementsAttr::get(mt, true));
  }

  // One k point: RB x VB input vectors, MR weight broadcasts.
  auto step = [&](OpBuilder &b, Location loc, SmallVector<Value> d,
                  SmallVector<Value> acc, bool masked) {
    IndexMath im{b, loc};
    SmallVector<Value> xv;
    for (int64_t r = 0; r < rb; ++r)
      for (int64_t v = 0; v < vb; ++v) {
        if (g.oh >= 0)
          d[g.oh] = masked ? ohRows[r] : ohRowsFast[r];
        d[g.ow] = im.add(ow0, im.c(v * w));
        SmallVector<Value> idx = linearIndices(im, g.xMap, d);
        if (g.strideW != 1)
          xv.push_back(vector::GatherOp::create(
              b, loc, vt, g.x, idx, offsets, masked ? masks[v] : allTrue,
              zeros));
        else if (masked)
          xv.push_back(vector::MaskedLoadOp::create(b, loc, vt, g.x, idx,
                                                    masks[v], zeros));
        else
          xv.push_back(vector::LoadOp::create(b, loc, vt, g.x, idx));
      }
    for (int64_t i = 0; i < mr; ++i) {
      d[g.m] = mRows[i];
      Value a = memref::LoadOp::create(b, loc, g.w,
                                       indicesFor(b, loc, g.wMap, d));
      a = vector::BroadcastOp::create(b, loc, vt, a);
      for (int64_t j = 0; j < rb * vb; ++j)
        acc[i * rb * vb + j] =
            vector::FMAOp::create(b, loc, a, xv[j], acc[i * rb * vb + j]);
    }
    return acc;
  };
  // Every tap of the unrolled reduction dims.
  auto taps = [&](OpBuilder &b, Location loc, SmallVector<Value> d,
                  SmallVector<Value> acc, bool masked) {
    IndexMath im{b, loc};
    int64_t count = 1;
    for (int64_t r : unrolledRed)
      count *= staticRanges[r];
    for (int64_t t = 0; t < count; ++t) {
      int64_t rest = t;
      for (int64_t j = unrolledRed.size() - 1; j >= 0; --j) {
        int64_t s = staticRanges[unrolledRed[j]];
        d[unrolledRed[j]] = im.c(rest % s);
        rest /= s;
      }
      acc = step(b, loc, d, acc, masked);
    }
    return acc;
  };
  // The loops over the other reduction dims (c), innermost unrolled by
  // unrollInner when the taps are few (1x1 kernels).
  std::function<SmallVector<Value>(OpBuilder &, Location, size_t,
                                    SmallVector<Value>, SmallVector<Value>,
                                    bool)>
      nest = [&](OpBuilder &b, Location loc, size_t level,
                 SmallVector<Value> d, SmallVector<Value> acc,
                 bool masked) -> SmallVector<Value> {
    if (level == loopRed.size())
      return taps(b, loc, d, acc, masked);
    IndexMath im{b, loc};
    int64_t dim = loopRed[level];
    Value ub = sizes[dim];
    int64_t u = level + 1 == loopRed.size() ? unrollInner : 1;
    Value mainEnd = u > 1 ? im.mul(im.div(ub, im.c(u)), im.c(u)) : ub;
    auto main = scf::ForOp::create(
        b, loc, im.c(0), mainEnd, im.c(u), acc,
        [&](OpBuilder &b, Location loc, Value k, ValueRange iter) {
          IndexMath im{b, loc};
          SmallVector<Value> a(iter), dd(d);
          for (int64_t j = 0; j < u; ++j) {
            dd[dim] = j == 0 ? k : im.add(k, im.c(j));
            a = nest(b, loc, level + 1, dd, a, masked);
          }
          scf::YieldOp::create(b, loc, a);
        });
    if (u == 1)
      return SmallVector<Value>(main.getResults());
    auto rest = scf::ForOp::create(
        b, loc, mainEnd, ub, im.c(1), main.getResults(),
        [&](OpBuilder &b, Location loc, Value k, ValueRange iter) {
          SmallVector<Value> dd(d);
          dd[dim] = k;
          scf::YieldOp::create(
              b, loc, nest(b, loc, level + 1, dd, SmallVector<Value>(iter),
                           masked));
        });
    return SmallVector<Value>(rest.getResults());
  };
  auto accIf = buildIf(
      b, loc, accTypes, fastPath,
      [&](OpBuilder &b, Location loc) {
        scf::YieldOp::create(b, loc,
                             nest(b, loc, 0, SmallVector<Value>(dims),
                                  SmallVector<Value>(loadC.getResults()),
                                  false));
      },
      [&](OpBuilder &b, Location loc) {
        scf::YieldOp::create(b, loc,
                             nest(b, loc, 0, SmallVector<Value>(dims),
                                  SmallVector<Value>(loadC.getResults()),
                                  true));
      });
  SmallVector<Value> acc(accIf.getResults());

  // Store the block (channels and rows past the end are not stored).
  scf::IfOp::create(
      b, loc, full,
      [&](OpBuilder &b, Location loc) {
        for (int64_t i = 0; i < mr; ++i)
          for (int64_t r = 0; r < rb; ++r)
            for (int64_t v = 0; v < vb; ++v)
              vector::StoreOp::create(b, loc, acc[accIndex(i, r, v)], g.c,
                                      cIndices(b, loc, i, r, v));
        scf::YieldOp::create(b, loc);
      },
      [&](OpBuilder &b, Location loc) {
        IndexMath im{b, loc};
        for (int64_t i = 0; i < mr; ++i)
          for (int64_t r = 0; r < rb; ++r) {
            Value ok = arith::AndIOp::create(b, loc, im.lt(im.c(i), mValid),
                                             im.lt(im.c(r), rValid));
            auto rowIf = scf::IfOp::create(b, loc, ok,
                                           /*withElseRegion=*/false);
            OpBuilder rb2 =
                OpBuilder::atBlockBegin(&rowIf.getThenRegion().front());
            for (int64_t v = 0; v < vb; ++v)
              vector::MaskedStoreOp::create(rb2, loc, g.c,
                                            cIndices(rb2, loc, i, r, v),
                                            masks[v], acc[accIndex(i, r, v)]);
          }
        scf::YieldOp::create(b, loc);
      });
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

/// Inlines a single-iteration scf.forall that holds a contraction, so that
/// the contraction gets a parallel loop of its own.
void inlineSingleIterationKernels(ModuleOp module) {
  SmallVector<scf::ForallOp> loops;
  module.walk([&](scf::ForallOp loop) {
    if (loop->getParentOfType<scf::ForallOp>() || loop.getNumResults() != 0)
      return;
    std::optional<SmallVector<int64_t>> lbs = getConstantIntValues(
        loop.getMixedLowerBound());
    std::optional<SmallVector<int64_t>> ubs = getConstantIntValues(
        loop.getMixedUpperBound());
    std::optional<SmallVector<int64_t>> steps =
        getConstantIntValues(loop.getMixedStep());
    if (!lbs || !ubs || !steps)
      return;
    for (auto [lb, ub, st] : llvm::zip(*lbs, *ubs, *steps))
      if (ub <= lb || ub - lb > st)
        return;
    bool hasContraction = false;
    loop.walk([&](linalg::GenericOp op) {
      hasContraction |=
          matchContraction(op).has_value() || matchConv(op).has_value();
    });
    if (hasContraction)
      loops.push_back(loop);
  });
  for (scf::ForallOp loop : loops) {
    OpBuilder b(loop);
    Block *body = loop.getBody();
    for (auto [iv, lb] :
         llvm::zip(body->getArguments(), loop.getMixedLowerBound()))
      iv.replaceAllUsesWith(
          getValueOrCreateConstantIndexOp(b, loop.getLoc(), lb));
    body->getTerminator()->erase();
    loop->getBlock()->getOperations().splice(
        Block::iterator(loop), body->getOperations());
    loop.erase();
  }
}

struct KilnLowerContractionsPass
    : public kiln::impl::KilnLowerContractionsBase<KilnLowerContractionsPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    TargetInfo target = detectTarget(targetTriple, targetCpu, targetFeatures);
    inlineSingleIterationKernels(module);
    SmallVector<Contraction> found;
    SmallVector<Conv> convs;
    module.walk([&](linalg::GenericOp op) {
      if (std::optional<Contraction> g = matchContraction(op))
        found.push_back(*g);
      else if (std::optional<Conv> c = matchConv(op))
        convs.push_back(*c);
    });
    SymbolTableCollection symbols;
    SymbolTable moduleSymbols(module);
    llvm::DenseMap<std::pair<Operation *, int64_t>, memref::GlobalOp> packed;
    llvm::SetVector<Operation *> sources;
    for (Contraction &g : found) {
      if (auto get = g.b.getDefiningOp<memref::GetGlobalOp>())
        if (auto gl = symbols.lookupNearestSymbolFrom<memref::GlobalOp>(
                get, get.getNameAttr()))
          sources.insert(gl);
      Lowering lowering(g, target, symbols, moduleSymbols, packed);
      if (failed(lowering.run()))
        return signalPassFailure();
    }
    for (Conv &c : convs) {
      ConvLowering lowering(c, target);
      if (failed(lowering.run()))
        return signalPassFailure();
    }
    // Constants now only read in their packed form go away.
    module.walk([&](memref::GetGlobalOp get) {
      if (get->use_empty())
        get.erase();
    });
    for (Operation *gl : sources)
      if (SymbolTable::symbolKnownUseEmpty(gl, module))
        gl->erase();
  }
};

} // namespace
