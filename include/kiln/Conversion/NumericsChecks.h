//===- NumericsChecks.h - names shared by the checks and the target -*- C++ -*-===//
//
// `kiln-insert-numerics-checks` (--check-numerics builds) calls a report
// function after each kernel whose results hold a NaN or an Inf, and lists
// the graph nodes of every kernel on the module; the CPU target defines that
// function in the artifact (it forwards reports to the host's handler, see
// kiln_numerics_hook in kiln/abi.h). These are the names both sides use.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_CONVERSION_NUMERICSCHECKS_H
#define KILN_CONVERSION_NUMERICSCHECKS_H

namespace mlir::kiln {

/// The report function: `(kernel, result, num_results, dtype, nan, inf,
/// elements)`, all i64, no results. Declared (private, no body) by the pass.
inline constexpr const char kNumericsReportFn[] = "kiln.numerics_report";

/// Module attribute: for each kernel index, the array of its node names.
inline constexpr const char kNumericsKernelsAttr[] = "kiln.numerics_kernels";

} // namespace mlir::kiln

#endif // KILN_CONVERSION_NUMERICSCHECKS_H
