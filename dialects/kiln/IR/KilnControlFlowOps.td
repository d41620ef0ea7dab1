//===- KilnControlFlowOps.td - region ops -------------------*- tablegen -*-===//
#ifndef KILN_CONTROL_FLOW_OPS_TD
#define KILN_CONTROL_FLOW_OPS_TD

include "KilnBase.td"
include "KilnInterfaces.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// if / while (nested graphs)
//===----------------------------------------------------------------------===//


#endif // KILN_CONTROL_FLOW_OPS_TD
