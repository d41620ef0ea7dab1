//===- AbiEmitter.cpp - uniform entry point and self-description -*- C++ -*-===//
//
// Every artifact exports `<name>_run`, which takes kiln_tensor descriptors,
// checks them against the graph's signature (binding symbolic dimensions from
// the inputs), and calls the compiled graph with exploded memref descriptors;
// and `<name>_describe`, which returns the static kiln_graph_desc. Both are
// built directly in LLVM IR after translation: they are C-ABI glue, not graph
// computation. The layouts mirror runtime/include/kiln/abi.h.
//
//===----------------------------------------------------------------------===//
#include "kiln/Target/CPU.h"

#include "dialects/kiln/IR/KilnOps.h"
#include "dialects/kiln/IR/SymbolicDims.h"
#include "kiln/abi.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"

using namespace mlir;
using namespace mlir::kiln;

static FailureOr<TensorSignature> tensorSignature(func::FuncOp f, Type type,
                                                  DictionaryAttr attrs,
                                                  StringRef fallbackName) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return f.emitOpError("graph inputs and outputs must be ranked tensors");
  TensorSignature sig;
  auto name = attrs ? attrs.getAs<StringAttr>(kNameAttr) : StringAttr();
  sig.name = name ? name.getValue().str() : fallbackName.str();
  sig.dtype = getDtypeCode(tensor.getElementType());
  if (!sig.dtype)
    return f.emitOpError("'") << sig.name << "' has element type "
                              << tensor.getElementType()
                              << ", which the C ABI cannot describe";
  auto dims = attrs ? attrs.getAs<ArrayAttr>(kDimsAttr) : ArrayAttr();
  std::optional<SymShape> shape = dims ? symShapeFromAttr(dims) : std::nullopt;
  if (!shape || (int64_t)shape->size() != tensor.getRank())
    return f.emitOpError("'") << sig.name
                              << "' has no symbolic shape; run "
                                 "kiln-infer-symbolic-dims first";
  for (const SymDim &d : *shape) {
    sig.dims.push_back(d.isStatic() ? d.factor : -1);
    sig.exprs.push_back(d.isStatic() ? "" : d.str());
  }
  return sig;
}

FailureOr<GraphSignature> mlir::kiln::extractSignature(func::FuncOp graph) {
  GraphSignature sig;
  sig.name = graph.getSymName().str();
  FunctionType type = graph.getFunctionType();
  for (unsigned i = 0; i < type.getNumInputs(); ++i) {
    auto t = tensorSignature(graph, type.getInput(i), graph.getArgAttrDict(i),
                             "arg" + std::to_string(i));
    if (failed(t))
      return failure();
    sig.inputs.push_back(std::move(*t));
  }
  for (unsigned i = 0; i < type.getNumResults(); ++i) {
    auto t = tensorSignature(graph, type.getResult(i),
                             graph.getResultAttrDict(i),
                             "result" + std::to_string(i));
    if (failed(t))
      return failure();
    sig.outputs.push_back(std::move(*t));
  }
  return sig;
}

namespace {

/// Builds `<name>_run` in LLVM IR.
class RunWrapperBuilder {
public:
  RunWrapperBuilder(llvm::Module &m, const GraphSignature &sig)
      : m(m), ctx(m.getContext()), sig(sig), b(ctx),
        ptrTy(llvm::PointerType::getUnqual(ctx)), i32(b.getInt32Ty()),
        i64(b.getInt64Ty()),
        tensorTy(llvm::StructType::get(ctx, {ptrTy, ptrTy, i32, i32})) {}

  /// Builds `<name>_run_ex` and `<name>_run`; returns the former.
  llvm::Function *build(llvm::Function *impl);
  llvm::Function *runFn = nullptr;

private:
  /// Continues in a new block if `ok`, else returns `code`.
  void check(llvm::Value *ok, kiln_run_status code);
  /// Checks one descriptor; returns (data, dims).
  std::pair<llvm::Value *, SmallVector<llvm::Value *>>
  checkTensor(llvm::Value *array, unsigned index, const TensorSignature &t,
              bool isInput);
  llvm::Value *evaluate(const SymDim &d);

  llvm::Module &m;
  llvm::LLVMContext &ctx;
  const GraphSignature &sig;
  llvm::IRBuilder<> b;
  llvm::Type *ptrTy, *i32, *i64;
  llvm::StructType *tensorTy;
  llvm::Function *fn = nullptr;
  llvm::StringMap<llvm::Value *> symbols;
};

} // namespace

void RunWrapperBuilder::check(llvm::Value *ok, kiln_run_status code) {
  auto *pass = llvm::BasicBlock::Create(ctx, "ok", fn);
  auto *fail = llvm::BasicBlock::Create(ctx, "fail", fn);
  b.CreateCondBr(ok, pass, fail);
  b.SetInsertPoint(fail);
  b.CreateRet(b.getInt32(code));
  b.SetInsertPoint(pass);
}

llvm::Value *RunWrapperBuilder::evaluate(const SymDim &d) {
  llvm::Value *v = b.getInt64(d.factor);
  for (const std::string &s : d.symbols)
    v = b.CreateMul(v, symbols.lookup(s));
  return v;
}

std::pair<llvm::Value *, SmallVector<llvm::Value *>>
RunWrapperBuilder::checkTensor(llvm::Value *array, unsigned index,
                               const TensorSignature &t, bool isInput) {
  llvm::Value *desc = b.CreateConstInBoundsGEP1_64(tensorTy, array, index);
  auto field = [&](unsigned i, llvm::Type *ty) {
    return b.CreateLoad(ty, b.CreateStructGEP(tensorTy, desc, i));
  };
  check(b.CreateICmpEQ(field(3, i32), b.getInt32(t.dtype)), KILN_RUN_BAD_DTYPE);
  check(b.CreateICmpEQ(field(2, i32), b.getInt32(t.dims.size())),
        KILN_RUN_BAD_RANK);
  llvm::Value *shape = field(1, ptrTy);
  SmallVector<llvm::Value *> dims;
  llvm::Value *numel = b.getInt64(1);
  for (auto [i, expected] : llvm::enumerate(t.dims)) {
    llvm::Value *d =
        b.CreateLoad(i64, b.CreateConstInBoundsGEP1_64(i64, shape, i));
    if (expected >= 0) {
      check(b.CreateICmpEQ(d, b.getInt64(expected)), KILN_RUN_BAD_SHAPE);
    } else {
      SymDim sym = *SymDim::parse(t.exprs[i]);
      bool binds = isInput && sym.factor == 1 && sym.symbols.size() == 1 &&
                   !symbols.count(sym.symbols[0]);
      if (binds) {
        check(b.CreateICmpSGE(d, b.getInt64(0)), KILN_RUN_BAD_SHAPE);
        symbols[sym.symbols[0]] = d;
      } else {
        check(b.CreateICmpEQ(d, evaluate(sym)), KILN_RUN_BAD_SHAPE);
      }
    }
    dims.push_back(d);
    numel = b.CreateMul(numel, d);
  }
  llvm::Value *data = field(0, ptrTy);
  // A tensor with no elements may have no storage.
  check(b.CreateOr(b.CreateIsNotNull(data), b.CreateICmpEQ(numel, b.getInt64(0))),
        KILN_RUN_NULL_DATA);
  return {data, dims};
}

llvm::Function *RunWrapperBuilder::build(llvm::Function *impl) {
  auto *fnTy = llvm::FunctionType::get(
      i32, {ptrTy, i32, ptrTy, i32, ptrTy, ptrTy}, /*isVarArg=*/false);
  fn = llvm::Function::Create(fnTy, llvm::GlobalValue::ExternalLinkage,
                              sig.name + "_run_ex", m);
  llvm::Argument *inputs = fn->getArg(0), *outputs = fn->getArg(2);
  b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", fn));
  check(b.CreateAnd(
            b.CreateICmpEQ(fn->getArg(1), b.getInt32(sig.inputs.size())),
            b.CreateICmpEQ(fn->getArg(3), b.getInt32(sig.outputs.size()))),
        KILN_RUN_BAD_COUNT);

  // The compiled graph takes each memref exploded: allocated and aligned
  // pointers, offset, sizes, strides (row-major).
  SmallVector<llvm::Value *> args;
  auto pushMemref = [&](llvm::Value *data, ArrayRef<llvm::Value *> dims) {
    args.append({data, data, b.getInt64(0)});
    args.append(dims.begin(), dims.end());
    SmallVector<llvm::Value *> strides(dims.size());
    llvm::Value *stride = b.getInt64(1);
    for (int64_t i = dims.size() - 1; i >= 0; --i) {
      strides[i] = stride;
      stride = b.CreateMul(stride, dims[i]);
    }
    args.append(strides.begin(), strides.end());
  };
  for (auto [i, t] : llvm::enumerate(sig.inputs)) {
    auto [data, dims] = checkTensor(inputs, i, t, /*isInput=*/true);
    pushMemref(data, dims);
  }
  for (auto [i, t] : llvm::enumerate(sig.outputs)) {
    auto [data, dims] = checkTensor(outputs, i, t, /*isInput=*/false);
    pushMemref(data, dims);
  }
  // After kiln-plan-memory the graph also takes the workspace (a 1-D byte
  // memref) and the kiln_exec pointer.
  if (impl->arg_size() == args.size() + 6) {
    pushMemref(fn->getArg(4), {b.getInt64(sig.workspaceSize)});
    args.push_back(fn->getArg(5));
  }
  if (impl->arg_size() != args.size()) {
    fn->eraseFromParent();
    return nullptr;
  }
  b.CreateCall(impl, args);
  b.CreateRet(b.getInt32(KILN_RUN_OK));

  // NAME_run: the same without an executor.
  auto *runTy = llvm::FunctionType::get(i32, {ptrTy, i32, ptrTy, i32, ptrTy},
                                        /*isVarArg=*/false);
  llvm::Function *run = llvm::Function::Create(
      runTy, llvm::GlobalValue::ExternalLinkage, sig.name + "_run", m);
  b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", run));
  SmallVector<llvm::Value *> forward;
  for (llvm::Argument &a : run->args())
    forward.push_back(&a);
  forward.push_back(llvm::ConstantPointerNull::get(llvm::PointerType::getUnqual(ctx)));
  b.CreateRet(b.CreateCall(fn, forward));
  runFn = run;
  return fn;
}

namespace {
/// Builds the kiln_graph_desc constant and `<name>_describe`.
class DescriptionBuilder {
public:
  DescriptionBuilder(llvm::Module &m)
      : m(m), ctx(m.getContext()), ptrTy(llvm::PointerType::getUnqual(ctx)),
        i32(llvm::Type::getInt32Ty(ctx)), i64(llvm::Type::getInt64Ty(ctx)) {}

  llvm::GlobalVariable *build(const GraphSignature &sig, llvm::Function *run,
                              llvm::Function *runEx);
  void emitDescribe(StringRef name, llvm::GlobalVariable *desc);

private:
  llvm::Constant *string(StringRef s);
  llvm::Constant *tensorDescs(ArrayRef<TensorSignature> tensors,
                              llvm::StructType *descTy, StringRef tag);
  llvm::Constant *privateGlobal(llvm::Constant *init, StringRef name);

  llvm::Module &m;
  llvm::LLVMContext &ctx;
  llvm::Type *ptrTy, *i32, *i64;
};
} // namespace

llvm::Constant *DescriptionBuilder::privateGlobal(llvm::Constant *init,
                                                  StringRef name) {
  auto *g = new llvm::GlobalVariable(m, init->getType(), /*isConstant=*/true,
                                     llvm::GlobalValue::PrivateLinkage, init,
                                     name);
  g->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
  return g;
}

llvm::Constant *DescriptionBuilder::string(StringRef s) {
  return privateGlobal(llvm::ConstantDataArray::getString(ctx, s),
                       ".kiln.str");
}

llvm::Constant *
DescriptionBuilder::tensorDescs(ArrayRef<TensorSignature> tensors,
                                llvm::StructType *descTy, StringRef tag) {
  if (tensors.empty())
    return llvm::ConstantPointerNull::get(llvm::PointerType::getUnqual(ctx));
  SmallVector<llvm::Constant *> descs;
  for (const TensorSignature &t : tensors) {
    llvm::Constant *dims = llvm::ConstantPointerNull::get(
        llvm::PointerType::getUnqual(ctx));
    llvm::Constant *exprs = dims;
    if (!t.dims.empty()) {
      SmallVector<uint64_t> d(t.dims.begin(), t.dims.end());
      dims = privateGlobal(llvm::ConstantDataArray::get(ctx, d), ".kiln.dims");
      SmallVector<llvm::Constant *> e;
      for (const std::string &s : t.exprs)
        e.push_back(s.empty() ? llvm::ConstantPointerNull::get(
                                    llvm::PointerType::getUnqual(ctx))
                              : string(s));
      exprs = privateGlobal(
          llvm::ConstantArray::get(llvm::ArrayType::get(ptrTy, e.size()), e),
          ".kiln.exprs");
    }
    descs.push_back(llvm::ConstantStruct::get(
        descTy, {string(t.name), llvm::ConstantInt::get(i32, t.dtype),
                 llvm::ConstantInt::get(i32, t.dims.size()), dims, exprs}));
  }
  return privateGlobal(
      llvm::ConstantArray::get(llvm::ArrayType::get(descTy, descs.size()),
                               descs),
      tag);
}

llvm::GlobalVariable *DescriptionBuilder::build(const GraphSignature &sig,
                                                llvm::Function *run,
                                                llvm::Function *runEx) {
  auto *tensorDescTy =
      llvm::StructType::get(ctx, {ptrTy, i32, i32, ptrTy, ptrTy});
  auto *graphDescTy = llvm::StructType::get(
      ctx, {i32, ptrTy, i32, i32, ptrTy, ptrTy, i64, ptrTy, ptrTy});
  llvm::Constant *init = llvm::ConstantStruct::get(
      graphDescTy,
      {llvm::ConstantInt::get(i32, KILN_ABI_VERSION), string(sig.name),
       llvm::ConstantInt::get(i32, sig.inputs.size()),
       llvm::ConstantInt::get(i32, sig.outputs.size()),
       tensorDescs(sig.inputs, tensorDescTy, ".kiln.inputs"),
       tensorDescs(sig.outputs, tensorDescTy, ".kiln.outputs"),
       llvm::ConstantInt::get(i64, sig.workspaceSize), run, runEx});
  return new llvm::GlobalVariable(m, graphDescTy, /*isConstant=*/true,
                                  llvm::GlobalValue::InternalLinkage, init,
                                  sig.name + "_desc");
}

void DescriptionBuilder::emitDescribe(StringRef name,
                                      llvm::GlobalVariable *desc) {
  auto *fnTy = llvm::FunctionType::get(ptrTy, {}, false);
  auto *fn = llvm::Function::Create(fnTy, llvm::GlobalValue::ExternalLinkage,
                                    name, m);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", fn));
  b.CreateRet(desc);
}

namespace mlir::kiln {
/// Adds the entry point and self-description to a translated graph module.
/// `impl` is the translated graph function; it becomes internal.
LogicalResult addGraphAbi(llvm::Module &m, llvm::Function *impl,
                          const GraphSignature &sig, bool fixedEntryPoint) {
  impl->setName(sig.name + ".graph");
  impl->setLinkage(llvm::GlobalValue::InternalLinkage);
  RunWrapperBuilder wrapper(m, sig);
  llvm::Function *runEx = wrapper.build(impl);
  if (!runEx)
    return failure();
  DescriptionBuilder descs(m);
  llvm::GlobalVariable *desc = descs.build(sig, wrapper.runFn, runEx);
  descs.emitDescribe(sig.name + "_describe", desc);
  if (fixedEntryPoint)
    descs.emitDescribe("kiln_artifact_describe", desc);
  return success();
}
} // namespace mlir::kiln
