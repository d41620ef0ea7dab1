//===- JsonConstants.h - dtypes and constants of JSON graphs ----*- C++ -*-===//
//
// Internal to the JSON frontend: the dtype vocabulary and the payloads of
// graph constants (`data`, `fill`, `.npy` files).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LIB_FRONTEND_JSON_JSONCONSTANTS_H
#define KILN_LIB_FRONTEND_JSON_JSONCONSTANTS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"

#include <nlohmann/json.hpp>

#include <string>

namespace mlir::kiln::json_frontend {

/// The element type named by a graph dtype (`f32`, `u8`, `bool`, ...), or
/// null if `name` is not one.
Type parseDtype(MLIRContext *context, llvm::StringRef name);

/// The graph dtype name of an element type; the MLIR spelling for others.
std::string dtypeName(Type type);

/// A JSON value for messages: its type and (shortened) text.
std::string describeJson(const nlohmann::json &value);

/// Starts an error about one field (`data`, `fill`, `file`; empty: the whole
/// constant) of a constant; the message already names the constant.
using ConstantErrorFn = llvm::function_ref<InFlightDiagnostic(llvm::StringRef)>;

/// Builds the value of the constant `spec` (a JSON object) from exactly one of
/// its `data`, `fill` or `file` fields, as a tensor of `type`. `file` paths
/// are relative to `graphDir`. Returns failure after reporting the problem.
FailureOr<DenseElementsAttr> buildConstantValue(const nlohmann::json &spec,
                                                RankedTensorType type,
                                                llvm::StringRef graphDir,
                                                ConstantErrorFn emitError);

} // namespace mlir::kiln::json_frontend

#endif // KILN_LIB_FRONTEND_JSON_JSONCONSTANTS_H
