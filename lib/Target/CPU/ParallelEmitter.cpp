//===- ParallelEmitter.cpp - dispatch of outlined parallel loops --*- C++ -*-===//
//
// kiln-outline-parallel leaves, for each parallel loop, a body function
// `B(begin, end, captured...)` and a declared `B.kiln_dispatch(exec, n,
// captured...)` (memrefs exploded into scalars by the LLVM lowering). Here the
// dispatch function gets its definition:
//
//   if (n <= 0) return;
//   if (exec && exec->parallel_for && exec->num_threads > 1 && n > 1) {
//     struct { captured... } ctx = { captured... };
//     exec->parallel_for(exec->user, exec->num_threads, B.kiln_task, &ctx, n);
//   } else {
//     B(0, n, captured...);
//   }
//
// with `B.kiln_task(ctx, begin, end)` unpacking the context and calling B.
// Field offsets mirror kiln_exec in runtime/include/kiln/abi.h.
//
//===----------------------------------------------------------------------===//
#include "kiln/Conversion/Parallel.h"
#include "kiln/abi.h"

#include "mlir/Support/LLVM.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"

#include <cstddef>

namespace mlir::kiln {

static void defineDispatch(llvm::Function *dispatch, llvm::Function *body) {
  llvm::Module &m = *dispatch->getParent();
  llvm::LLVMContext &ctx = m.getContext();
  llvm::Type *ptrTy = llvm::PointerType::getUnqual(ctx);
  llvm::Type *i32 = llvm::Type::getInt32Ty(ctx);
  llvm::Type *i64 = llvm::Type::getInt64Ty(ctx);
  llvm::IRBuilder<> b(ctx);

  // The captured values: everything after (exec, n).
  SmallVector<llvm::Type *> fieldTypes;
  for (llvm::Argument &a : llvm::drop_begin(dispatch->args(), 2))
    fieldTypes.push_back(a.getType());
  auto *ctxTy = llvm::StructType::get(ctx, fieldTypes);

  // The task: unpack and run [begin, end).
  auto *taskTy = llvm::FunctionType::get(b.getVoidTy(), {ptrTy, i64, i64},
                                         /*isVarArg=*/false);
  auto *task = llvm::Function::Create(taskTy, llvm::GlobalValue::InternalLinkage,
                                      body->getName() + ".kiln_task", m);
  b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", task));
  SmallVector<llvm::Value *> args = {task->getArg(1), task->getArg(2)};
  for (auto [i, t] : llvm::enumerate(fieldTypes))
    args.push_back(
        b.CreateLoad(t, b.CreateStructGEP(ctxTy, task->getArg(0), i)));
  b.CreateCall(body, args);
  b.CreateRetVoid();

  dispatch->setLinkage(llvm::GlobalValue::InternalLinkage);
  body->setLinkage(llvm::GlobalValue::InternalLinkage);
  llvm::Value *exec = dispatch->getArg(0), *n = dispatch->getArg(1);
  auto block = [&](const char *name) {
    return llvm::BasicBlock::Create(ctx, name, dispatch);
  };
  llvm::BasicBlock *entry = block("entry"), *nonempty = block("nonempty"),
                   *check = block("check"), *parallel = block("parallel"),
                   *serial = block("serial"), *done = block("done");
  b.SetInsertPoint(entry);
  llvm::Value *ctxMem = b.CreateAlloca(ctxTy);
  b.CreateCondBr(b.CreateICmpSLE(n, b.getInt64(0)), done, nonempty);
  b.SetInsertPoint(nonempty);
  b.CreateCondBr(b.CreateAnd(b.CreateIsNotNull(exec),
                             b.CreateICmpSGT(n, b.getInt64(1))),
                 check, serial);

  b.SetInsertPoint(check);
  llvm::Value *threads = b.CreateLoad(
      i32, b.CreateConstInBoundsGEP1_64(b.getInt8Ty(), exec,
                                        offsetof(kiln_exec, num_threads)));
  llvm::Value *hook = b.CreateLoad(
      ptrTy, b.CreateConstInBoundsGEP1_64(b.getInt8Ty(), exec,
                                          offsetof(kiln_exec, parallel_for)));
  b.CreateCondBr(b.CreateAnd(b.CreateIsNotNull(hook),
                             b.CreateICmpSGT(threads, b.getInt32(1))),
                 parallel, serial);

  b.SetInsertPoint(parallel);
  for (auto [i, a] : llvm::enumerate(llvm::drop_begin(dispatch->args(), 2)))
    b.CreateStore(&a, b.CreateStructGEP(ctxTy, ctxMem, i));
  llvm::Value *user = b.CreateLoad(
      ptrTy, b.CreateConstInBoundsGEP1_64(b.getInt8Ty(), exec,
                                          offsetof(kiln_exec, user)));
  auto *hookTy = llvm::FunctionType::get(
      b.getVoidTy(), {ptrTy, i32, ptrTy, ptrTy, i64}, /*isVarArg=*/false);
  b.CreateCall(hookTy, hook, {user, threads, task, ctxMem, n});
  b.CreateBr(done);

  b.SetInsertPoint(serial);
  SmallVector<llvm::Value *> direct = {b.getInt64(0), n};
  for (llvm::Argument &a : llvm::drop_begin(dispatch->args(), 2))
    direct.push_back(&a);
  b.CreateCall(body, direct);
  b.CreateBr(done);

  b.SetInsertPoint(done);
  b.CreateRetVoid();
}

/// Defines every dispatch function the module declares; fails when one has
/// no body function.
LogicalResult defineParallelDispatch(llvm::Module &m) {
  SmallVector<std::pair<llvm::Function *, llvm::Function *>> todo;
  for (llvm::Function &f : m) {
    if (!f.isDeclaration() || !f.getName().ends_with(kDispatchSuffix))
      continue;
    llvm::Function *body =
        m.getFunction(f.getName().drop_back(kDispatchSuffix.size()));
    if (!body || body->isDeclaration() || f.arg_size() < 2 ||
        body->arg_size() != f.arg_size())
      return failure();
    todo.push_back({&f, body});
  }
  for (auto [dispatch, body] : todo)
    defineDispatch(dispatch, body);
  return success();
}

} // namespace mlir::kiln
