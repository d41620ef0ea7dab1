//===- Inputs.h - .npy inputs of kiln run, compare and --bind ---*- C++ -*-===//
//
// Reading the `--input NAME=FILE.npy` (and `--bind`) arguments, matching
// them to a graph's inputs, converting arrays to interpreter tensors, and
// running a compiled model on them: shared by kiln run, kiln compare and
// graph loading. Internal to the driver.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_DRIVER_INPUTS_H
#define KILN_LIB_DRIVER_INPUTS_H

#include "kiln/Interpreter/Interpreter.h"
#include "kiln/runtime.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/Twine.h"

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mlir::kiln {

/// Prints `kiln COMMAND: error: MESSAGE` on stderr; returns 1, the exit
/// status.
int commandError(StringRef command, const Twine &message);

/// Splits a `NAME=FILE` argument; nothing when either side is empty or there
/// is no `=`.
std::optional<std::pair<std::string, std::string>>
splitNameAndFile(StringRef spec);

/// The `--input NAME=FILE.npy` arguments, read, by name.
struct InputFiles {
  std::map<std::string, kiln_npy> arrays;

  InputFiles() = default;
  InputFiles(const InputFiles &) = delete;
  InputFiles &operator=(const InputFiles &) = delete;
  ~InputFiles();
};

/// Reads the `--input` arguments into `files`. A malformed argument, a name
/// given twice or an unreadable file is an error of `kiln COMMAND`.
LogicalResult readInputs(StringRef command, ArrayRef<std::string> specs,
                         InputFiles &files);

/// Checks that the given inputs are exactly `graphInputs` (an error of `kiln
/// COMMAND` naming an unknown or missing one); returns them in the graph's
/// order.
FailureOr<SmallVector<kiln_npy *>>
matchInputs(StringRef command, InputFiles &files,
            ArrayRef<std::string> graphInputs);

/// The names of a graph's inputs: their kiln.name, or `argI`.
std::vector<std::string> graphInputNames(func::FuncOp graph);

/// `NAME=D0,D1,...` (`NAME=` for a scalar): a `--shape` pin of the array's
/// shape.
std::string shapePinOf(StringRef name, const kiln_npy &npy);

/// A copy of an array's contents as an interpreter tensor.
HostTensor toHostTensor(const kiln_npy &npy);

/// The tensors of one call of an opened model: the inputs as given, and
/// outputs allocated with their resolved shapes, which `results` owns.
struct ModelCall {
  std::vector<kiln_tensor> in, out;
  std::vector<HostTensor> results;
};

/// Binds `inputs` (in the model's input order) and allocates the outputs;
/// fails, as `kiln COMMAND`, when the shapes cannot be resolved.
FailureOr<ModelCall> prepareCall(StringRef command, kiln_model *model,
                                 ArrayRef<kiln_npy *> inputs);

/// Runs an opened model on `inputs` (in the model's input order); returns
/// its outputs, or fails after a runtime error of `kiln COMMAND`.
FailureOr<std::vector<HostTensor>> runModel(StringRef command,
                                            kiln_model *model,
                                            ArrayRef<kiln_npy *> inputs);

} // namespace mlir::kiln

#endif // KILN_LIB_DRIVER_INPUTS_H
