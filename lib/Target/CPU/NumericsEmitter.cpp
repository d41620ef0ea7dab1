//===- NumericsEmitter.cpp - the numerics hook of checked artifacts -*- C++ -*-===//
//
// kiln-insert-numerics-checks leaves calls of the report function
// (kiln/Conversion/NumericsChecks.h), declared but not defined, and the node
// names of every kernel on the module. Here, in LLVM IR, the report function
// gets its body: it fills a kiln_numerics_event and calls the handler of the
// artifact's kiln_numerics_hook, if one is set; `<name>_numerics` (and
// `kiln_artifact_numerics` in a shared library) returns the hook. The
// layouts mirror runtime/include/kiln/abi.h.
//
//===----------------------------------------------------------------------===//
#include "kiln/Conversion/NumericsChecks.h"
#include "kiln/Target/CPU.h"
#include "kiln/abi.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"

using namespace mlir;
using namespace mlir::kiln;

namespace mlir::kiln {

/// Defines the report function and the hook in `m`. `kernelNodes` holds the
/// node names of each kernel, by kernel index.
LogicalResult
addNumericsHook(llvm::Module &m, const GraphSignature &sig,
                ArrayRef<std::vector<std::string>> kernelNodes,
                bool fixedEntryPoint) {
  llvm::LLVMContext &ctx = m.getContext();
  llvm::Type *ptrTy = llvm::PointerType::getUnqual(ctx);
  llvm::Type *i32 = llvm::Type::getInt32Ty(ctx);
  llvm::Type *i64 = llvm::Type::getInt64Ty(ctx);

  llvm::Function *report = m.getFunction(kNumericsReportFn);
  if (!report || !report->isDeclaration() || report->arg_size() != 7 ||
      !report->getReturnType()->isVoidTy() ||
      llvm::any_of(report->args(),
                   [&](llvm::Argument &a) { return a.getType() != i64; }))
    return failure();

  auto privateConstant = [&](llvm::Constant *init, StringRef name) {
    auto *g = new llvm::GlobalVariable(m, init->getType(), /*isConstant=*/true,
                                       llvm::GlobalValue::PrivateLinkage,
                                       init, name);
    g->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
    return g;
  };

  // Per kernel: {const char *const *nodes, int32_t num_nodes}.
  auto *kernelTy = llvm::StructType::get(ctx, {ptrTy, i32});
  SmallVector<llvm::Constant *> kernels;
  for (const std::vector<std::string> &nodes : kernelNodes) {
    SmallVector<llvm::Constant *> names;
    for (const std::string &node : nodes)
      names.push_back(privateConstant(
          llvm::ConstantDataArray::getString(ctx, node), ".kiln.node"));
    llvm::Constant *list =
        names.empty()
            ? static_cast<llvm::Constant *>(llvm::ConstantPointerNull::get(
                  llvm::PointerType::getUnqual(ctx)))
            : privateConstant(
                  llvm::ConstantArray::get(
                      llvm::ArrayType::get(ptrTy, names.size()), names),
                  ".kiln.kernel.nodes");
    kernels.push_back(llvm::ConstantStruct::get(
        kernelTy, {list, llvm::ConstantInt::get(i32, names.size())}));
  }
  auto *tableTy = llvm::ArrayType::get(kernelTy, kernels.size());
  llvm::GlobalVariable *table = privateConstant(
      llvm::ConstantArray::get(tableTy, kernels), ".kiln.kernels");

  // kiln_numerics_hook: {abi_version, num_kernels, handler, user}; written
  // by the host.
  auto *hookTy = llvm::StructType::get(ctx, {i32, i32, ptrTy, ptrTy});
  auto *nullPtr =
      llvm::ConstantPointerNull::get(llvm::PointerType::getUnqual(ctx));
  auto *hook = new llvm::GlobalVariable(
      m, hookTy, /*isConstant=*/false, llvm::GlobalValue::InternalLinkage,
      llvm::ConstantStruct::get(
          hookTy, {llvm::ConstantInt::get(i32, KILN_ABI_VERSION),
                   llvm::ConstantInt::get(i32, kernels.size()), nullPtr,
                   nullPtr}),
      sig.name + "_numerics_hook");

  // kiln_numerics_event: {kernel, result, num_results, dtype, nodes,
  // num_nodes, nan, inf, elements}.
  auto *eventTy = llvm::StructType::get(
      ctx, {i32, i32, i32, i32, ptrTy, i32, i64, i64, i64});
  report->setLinkage(llvm::GlobalValue::InternalLinkage);
  report->addFnAttr(llvm::Attribute::NoInline);
  report->addFnAttr(llvm::Attribute::Cold);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", report));
  llvm::Value *event = b.CreateAlloca(eventTy);
  llvm::Value *handler =
      b.CreateLoad(ptrTy, b.CreateStructGEP(hookTy, hook, 2), "handler");
  auto *call = llvm::BasicBlock::Create(ctx, "call", report);
  auto *done = llvm::BasicBlock::Create(ctx, "done", report);
  b.CreateCondBr(b.CreateIsNull(handler), done, call);

  b.SetInsertPoint(call);
  llvm::Value *kernel = report->getArg(0);
  auto store = [&](unsigned field, llvm::Value *v) {
    b.CreateStore(v, b.CreateStructGEP(eventTy, event, field));
  };
  for (unsigned i = 0; i < 4; ++i) // kernel, result, num_results, dtype
    store(i, b.CreateTrunc(report->getArg(i), i32));
  llvm::Value *entry = b.CreateInBoundsGEP(
      tableTy, table, {b.getInt64(0), kernel});
  store(4, b.CreateLoad(ptrTy, b.CreateStructGEP(kernelTy, entry, 0)));
  store(5, b.CreateLoad(i32, b.CreateStructGEP(kernelTy, entry, 1)));
  for (unsigned i = 4; i < 7; ++i) // nan, inf, elements
    store(i + 2, report->getArg(i));
  llvm::Value *user =
      b.CreateLoad(ptrTy, b.CreateStructGEP(hookTy, hook, 3), "user");
  auto *handlerTy = llvm::FunctionType::get(b.getVoidTy(), {ptrTy, ptrTy},
                                            /*isVarArg=*/false);
  b.CreateCall(handlerTy, handler, {event, user});
  b.CreateBr(done);
  b.SetInsertPoint(done);
  b.CreateRetVoid();

  auto emitAccessor = [&](const std::string &name) {
    auto *fnTy = llvm::FunctionType::get(ptrTy, {}, /*isVarArg=*/false);
    auto *fn = llvm::Function::Create(fnTy, llvm::GlobalValue::ExternalLinkage,
                                      name, m);
    llvm::IRBuilder<> ab(llvm::BasicBlock::Create(ctx, "entry", fn));
    ab.CreateRet(hook);
  };
  emitAccessor(sig.name + "_numerics");
  if (fixedEntryPoint)
    emitAccessor("kiln_artifact_numerics");
  return success();
}

} // namespace mlir::kiln
