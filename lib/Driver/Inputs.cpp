//===- Inputs.cpp - .npy inputs of kiln run, compare and --bind -*- C++ -*-===//
#include "Inputs.h"

#include "dialects/kiln/IR/KilnOps.h"

#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstring>

using namespace mlir;
using namespace mlir::kiln;

int mlir::kiln::commandError(StringRef command, const Twine &message) {
  llvm::errs() << "kiln " << command << ": error: " << message << "\n";
  return 1;
}

std::optional<std::pair<std::string, std::string>>
mlir::kiln::splitNameAndFile(StringRef spec) {
  size_t eq = spec.find('=');
  if (eq == StringRef::npos || eq == 0 || eq + 1 == spec.size())
    return std::nullopt;
  return std::make_pair(spec.take_front(eq).str(),
                        spec.drop_front(eq + 1).str());
}

InputFiles::~InputFiles() {
  for (auto &[name, npy] : arrays)
    kiln_npy_free(&npy);
}

LogicalResult mlir::kiln::readInputs(StringRef command,
                                     ArrayRef<std::string> specs,
                                     InputFiles &files) {
  for (const std::string &spec : specs) {
    auto parts = splitNameAndFile(spec);
    if (!parts)
      return commandError(command,
                          "--input '" + spec + "' is not NAME=FILE.npy"),
             failure();
    auto &[name, path] = *parts;
    if (files.arrays.count(name))
      return commandError(command, "input '" + name + "' is given twice"),
             failure();
    kiln_npy npy;
    std::memset(&npy, 0, sizeof(npy));
    if (kiln_npy_read(path.c_str(), &npy) != KILN_OK)
      return commandError(command,
                          "input '" + name + "': " + kiln_last_error()),
             failure();
    files.arrays[name] = npy;
  }
  return success();
}

FailureOr<SmallVector<kiln_npy *>>
mlir::kiln::matchInputs(StringRef command, InputFiles &files,
                        ArrayRef<std::string> graphInputs) {
  std::string known;
  for (auto [i, name] : llvm::enumerate(graphInputs))
    known += (i ? ", " : "") + name;
  for (auto &[name, npy] : files.arrays)
    if (!llvm::is_contained(graphInputs, name))
      return commandError(command, "unknown input '" + name +
                                       "' (the graph's inputs: " + known +
                                       ")"),
             failure();
  SmallVector<kiln_npy *> ordered;
  for (const std::string &name : graphInputs) {
    auto it = files.arrays.find(name);
    if (it == files.arrays.end())
      return commandError(command, "missing input '" + name +
                                       "' (give --input " + name +
                                       "=FILE.npy)"),
             failure();
    ordered.push_back(&it->second);
  }
  return ordered;
}

std::vector<std::string> mlir::kiln::graphInputNames(func::FuncOp graph) {
  std::vector<std::string> names;
  for (unsigned i = 0; i < graph.getNumArguments(); ++i) {
    auto name = graph.getArgAttrOfType<StringAttr>(i, kNameAttr);
    names.push_back(name ? name.str() : "arg" + std::to_string(i));
  }
  return names;
}

std::string mlir::kiln::shapePinOf(StringRef name, const kiln_npy &npy) {
  std::string pin = name.str() + "=";
  for (int32_t i = 0; i < npy.rank; ++i)
    pin += (i ? "," : "") + std::to_string(npy.shape[i]);
  return pin;
}

HostTensor mlir::kiln::toHostTensor(const kiln_npy &npy) {
  HostTensor t;
  t.dtype = npy.dtype;
  t.shape.assign(npy.shape, npy.shape + npy.rank);
  auto *bytes = static_cast<const uint8_t *>(npy.data);
  t.bytes.assign(bytes, bytes + npy.nbytes);
  return t;
}

FailureOr<ModelCall> mlir::kiln::prepareCall(StringRef command,
                                             kiln_model *model,
                                             ArrayRef<kiln_npy *> inputs) {
  ModelCall call;
  for (kiln_npy *npy : inputs)
    call.in.push_back({npy->data, npy->shape, npy->rank, npy->dtype});
  const kiln_graph_desc *desc = kiln_model_describe(model);
  call.results.resize(desc->num_outputs);
  for (int32_t i = 0; i < desc->num_outputs; ++i) {
    const kiln_tensor_desc &o = desc->outputs[i];
    HostTensor &r = call.results[i];
    r.dtype = o.dtype;
    r.shape.resize(o.rank);
    if (kiln_model_resolve_output_shape(model, call.in.data(), call.in.size(),
                                        i, r.shape.data()) != KILN_OK)
      return commandError(command, kiln_last_error()), failure();
    size_t bytes = kiln_dtype_size(o.dtype);
    for (int64_t d : r.shape)
      bytes *= d;
    r.bytes.resize(std::max<size_t>(bytes, 1));
    call.out.push_back({r.bytes.data(), r.shape.data(), o.rank, o.dtype});
  }
  return call;
}

FailureOr<std::vector<HostTensor>>
mlir::kiln::runModel(StringRef command, kiln_model *model,
                     ArrayRef<kiln_npy *> inputs) {
  FailureOr<ModelCall> call = prepareCall(command, model, inputs);
  if (failed(call))
    return failure();
  if (kiln_model_run(model, call->in.data(), call->in.size(),
                     call->out.data(), call->out.size()) != KILN_OK)
    return commandError(command, kiln_last_error()), failure();
  return std::move(call->results);
}
