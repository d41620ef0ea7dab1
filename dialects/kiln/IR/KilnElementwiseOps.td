//===- KilnElementwiseOps.td - elementwise ops --------------*- tablegen -*-===//
//
// Unary and binary elementwise ops, comparisons, logic, select and cast.
// Binary ops broadcast like NumPy. Integer arithmetic wraps modulo 2^bits;
// f16 and bf16 are computed in f32 and rounded to nearest even.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_ELEMENTWISE_OPS_TD
#define KILN_ELEMENTWISE_OPS_TD

include "KilnBase.td"
include "KilnInterfaces.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

// Every dtype but bool: what arithmetic accepts. (Prefixed: the families
// define their own constraints side by side in one tablegen namespace.)
def Kiln_EwNumericElement : AnyTypeOf<[F16, BF16, F32, F64, I8, I16, I32, I64,
                                     UI8]>;
def Kiln_EwNumericTensor : RankedTensorOf<[Kiln_EwNumericElement]>;
def Kiln_EwBoolTensor : RankedTensorOf<[I1]>;

//===----------------------------------------------------------------------===//
// Elementwise unary
//===----------------------------------------------------------------------===//

class Kiln_UnaryOp<string mnemonic, string semantics, Type tensorType,
                   list<Trait> traits = []>
    : Kiln_Op<mnemonic, !listconcat(traits, [Pure, SameOperandsAndResultType,
                                             Kiln_SameSymbolicShape])> {
  let summary = "Elementwise " # mnemonic;
  let description = !strconcat("Computes `", semantics, "` for each element ",
    "of `x`; the result has the shape and dtype of `x`.\n\n",
    "```mlir\n%y = kiln.", mnemonic, " %x : tensor<?x16xf32>\n```");
  let arguments = (ins tensorType:$x);
  let results = (outs tensorType:$result);
  let assemblyFormat = "$x attr-dict `:` type($x)";
}

def Kiln_NegOp : Kiln_UnaryOp<"neg", "-x (integers wrap)",
                              Kiln_EwNumericTensor> {
  let hasFolder = 1;
}
def Kiln_ExpOp : Kiln_UnaryOp<"exp", "e^x", Kiln_FloatTensor>;
def Kiln_TanhOp : Kiln_UnaryOp<"tanh", "tanh(x)", Kiln_FloatTensor>;
def Kiln_SigmoidOp : Kiln_UnaryOp<"sigmoid", "1 / (1 + e^-x)", Kiln_FloatTensor>;
def Kiln_ReluOp : Kiln_UnaryOp<"relu", "max(x, 0) (NaN stays NaN)",
                               Kiln_EwNumericTensor> {
  let hasFolder = 1;
}
def Kiln_AbsOp : Kiln_UnaryOp<"abs", "|x| (the smallest signed integer wraps "
                              "to itself, as in NumPy)", Kiln_EwNumericTensor> {
  let hasFolder = 1;
}
def Kiln_LogOp : Kiln_UnaryOp<"log", "ln(x)", Kiln_FloatTensor>;
def Kiln_SqrtOp : Kiln_UnaryOp<"sqrt", "sqrt(x)", Kiln_FloatTensor>;
def Kiln_RsqrtOp : Kiln_UnaryOp<"rsqrt", "1 / sqrt(x)", Kiln_FloatTensor>;
def Kiln_ReciprocalOp : Kiln_UnaryOp<"reciprocal", "1 / x", Kiln_FloatTensor>;
def Kiln_ErfOp : Kiln_UnaryOp<"erf", "erf(x)", Kiln_FloatTensor>;
def Kiln_SinOp : Kiln_UnaryOp<"sin", "sin(x)", Kiln_FloatTensor>;
def Kiln_CosOp : Kiln_UnaryOp<"cos", "cos(x)", Kiln_FloatTensor>;
def Kiln_AsinOp : Kiln_UnaryOp<"asin", "asin(x) (NaN outside [-1, 1])",
                              Kiln_FloatTensor>;
def Kiln_AcosOp : Kiln_UnaryOp<"acos", "acos(x) (NaN outside [-1, 1])",
                              Kiln_FloatTensor>;
def Kiln_AtanOp : Kiln_UnaryOp<"atan", "atan(x)", Kiln_FloatTensor>;
def Kiln_FloorOp : Kiln_UnaryOp<"floor", "floor(x)", Kiln_FloatTensor> {
  let hasFolder = 1;
}
def Kiln_CeilOp : Kiln_UnaryOp<"ceil", "ceil(x)", Kiln_FloatTensor> {
  let hasFolder = 1;
}
def Kiln_RoundOp : Kiln_UnaryOp<"round", "x rounded to the nearest integer, "
                                "halves to even (numpy.round)",
                                Kiln_FloatTensor> {
  let hasFolder = 1;
}
def Kiln_SignOp : Kiln_UnaryOp<"sign", "-1, 0 or 1 by the sign of x (NaN "
                               "stays NaN, -0 gives 0)", Kiln_EwNumericTensor> {
  let hasFolder = 1;
}
def Kiln_NotOp : Kiln_UnaryOp<"not", "logical not", Kiln_EwBoolTensor> {
  let hasFolder = 1;
}
def Kiln_IdentityOp : Kiln_UnaryOp<"identity", "x", Kiln_Tensor> {
  let hasFolder = 1;
}
def Kiln_HardSwishOp : Kiln_UnaryOp<"hard_swish", "x * min(max(x + 3, 0), 6) "
                                    "/ 6", Kiln_FloatTensor>;
def Kiln_SoftplusOp : Kiln_UnaryOp<"softplus", "ln(1 + e^x), computed as "
                                   "max(x, 0) + log1p(e^-|x|) so that it "
                                   "neither overflows nor loses small values",
                                   Kiln_FloatTensor>;
def Kiln_SiluOp : Kiln_UnaryOp<"silu", "x * sigmoid(x)", Kiln_FloatTensor>;

def Kiln_GeluOp : Kiln_UnaryOp<"gelu", "x * Phi(x)", Kiln_FloatTensor> {
  let description = [{
    Gaussian error linear unit. With `approximate = "none"` (the default)
    `x * (1 + erf(x / sqrt(2))) / 2`; with `approximate = "tanh"`
    `x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x^3))) / 2`.

    ```mlir
    %y = kiln.gelu %x {approximate = "tanh"} : tensor<?x16xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$x,
                       DefaultValuedAttr<StrAttr, "\"none\"">:$approximate);
  let hasVerifier = 1;
}

def Kiln_LeakyReluOp : Kiln_UnaryOp<"leaky_relu", "x >= 0 ? x : alpha * x",
                                    Kiln_FloatTensor> {
  let description = [{
    `x < 0 ? alpha * x : x` elementwise; `alpha` defaults to 0.01.

    ```mlir
    %y = kiln.leaky_relu %x {alpha = 0.2 : f64} : tensor<?x16xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$x,
                       DefaultValuedAttr<F64Attr, "0.01">:$alpha);
}

def Kiln_EluOp : Kiln_UnaryOp<"elu", "x > 0 ? x : alpha * (e^x - 1)",
                              Kiln_FloatTensor> {
  let description = [{
    `x < 0 ? alpha * (e^x - 1) : x` elementwise; `alpha` defaults to 1.0.

    ```mlir
    %y = kiln.elu %x : tensor<?x16xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$x,
                       DefaultValuedAttr<F64Attr, "1.0">:$alpha);
}

def Kiln_HardSigmoidOp : Kiln_UnaryOp<"hard_sigmoid",
                                      "max(0, min(1, alpha * x + beta))",
                                      Kiln_FloatTensor> {
  let description = [{
    `max(0, min(1, alpha * x + beta))` elementwise (NaN stays NaN); `alpha`
    defaults to 0.2 and `beta` to 0.5.

    ```mlir
    %y = kiln.hard_sigmoid %x {alpha = 0.1666 : f64} : tensor<?x16xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$x,
                       DefaultValuedAttr<F64Attr, "0.2">:$alpha,
                       DefaultValuedAttr<F64Attr, "0.5">:$beta);
}

def Kiln_ClipOp : Kiln_UnaryOp<"clip", "min(max(x, min), max)",
                               Kiln_EwNumericTensor> {
  let description = [{
    `minimum(maximum(x, min), max)` with each bound optional (NumPy's `clip`:
    when `min > max` every element becomes `max`; NaN stays NaN). On integer
    tensors the bounds must be whole numbers; bounds beyond the dtype's range
    clamp to it.

    ```mlir
    %y = kiln.clip %x {min = 0.0, max = 6.0} : tensor<?x16xf32>
    ```
  }];
  let arguments = (ins Kiln_EwNumericTensor:$x, OptionalAttr<F64Attr>:$min,
                       OptionalAttr<F64Attr>:$max);
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise binary with NumPy broadcasting
//===----------------------------------------------------------------------===//

class Kiln_BinaryOp<string mnemonic, string semantics,
                    Type tensorType = Kiln_EwNumericTensor>
    : Kiln_Op<mnemonic, [Pure, AllElementTypesMatch<["lhs", "rhs", "result"]>,
                         InferTypeOpAdaptor,
                         DeclareOpInterfaceMethods<Kiln_SymbolicShapeOpInterface>]> {
  let summary = "Elementwise " # mnemonic # " with broadcasting";
  let description = !strconcat("Computes `", semantics, "` elementwise after ",
    "broadcasting `lhs` and `rhs` to a common shape with NumPy's rules ",
    "(shapes right-aligned, a dimension of 1 stretches). A dynamic dimension ",
    "meets only another dynamic dimension or 1.\n\n",
    "```mlir\n%c = kiln.", mnemonic, " %a, %b : (tensor<?x10xf32>, ",
    "tensor<10xf32>) -> tensor<?x10xf32>\n```");
  let arguments = (ins tensorType:$lhs, tensorType:$rhs);
  let results = (outs tensorType:$result);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferSymbolicShapes(
        ::mlir::kiln::SymShapeFn shapeOf,
        ::llvm::SmallVectorImpl<::mlir::kiln::SymShape> &results) {
      return ::mlir::kiln::inferBroadcastSymbolicShapes(*this, shapeOf, results);
    }
  }];
}

def Kiln_AddOp : Kiln_BinaryOp<"add", "lhs + rhs"> {
  let hasFolder = 1;
}
def Kiln_SubOp : Kiln_BinaryOp<"sub", "lhs - rhs"> {
  let hasFolder = 1;
}
def Kiln_MulOp : Kiln_BinaryOp<"mul", "lhs * rhs"> {
  let hasFolder = 1;
}
def Kiln_DivOp : Kiln_BinaryOp<"div", "lhs / rhs (integers truncate toward "
                               "zero; an integer division by zero gives 0)"> {
  let hasFolder = 1;
}
def Kiln_MaxOp : Kiln_BinaryOp<"max", "maximum(lhs, rhs), NaN propagating"> {
  let hasFolder = 1;
}
def Kiln_MinOp : Kiln_BinaryOp<"min", "minimum(lhs, rhs), NaN propagating"> {
  let hasFolder = 1;
}
def Kiln_PowOp : Kiln_BinaryOp<"pow", "lhs ^ rhs (integers: exact with "
                               "wrap-around; a negative exponent gives 0 "
                               "unless lhs is 1 or -1)"> {
  let hasFolder = 1;
}

def Kiln_ModOp : Kiln_BinaryOp<"mod", "lhs mod rhs"> {
  let description = [{
    The remainder of `lhs / rhs` after broadcasting. By default it has the
    sign of the divisor (Python's `%`, `numpy.remainder`); with `fmod = true`
    the sign of the dividend (C's `fmod`, `numpy.fmod`). An integer remainder
    by zero is defined as 0 (it never traps); a float one is NaN.

    ```mlir
    %c = kiln.mod %a, %b {fmod = true} : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
    ```
  }];
  let arguments = (ins Kiln_EwNumericTensor:$lhs, Kiln_EwNumericTensor:$rhs,
                       DefaultValuedAttr<BoolAttr, "false">:$fmod);
}

def Kiln_AndOp : Kiln_BinaryOp<"and", "lhs && rhs", Kiln_EwBoolTensor> {
  let hasFolder = 1;
}
def Kiln_OrOp : Kiln_BinaryOp<"or", "lhs || rhs", Kiln_EwBoolTensor> {
  let hasFolder = 1;
}
def Kiln_XorOp : Kiln_BinaryOp<"xor", "lhs != rhs", Kiln_EwBoolTensor> {
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Comparisons
//===----------------------------------------------------------------------===//

class Kiln_CompareOp<string mnemonic, string semantics>
    : Kiln_Op<mnemonic, [Pure, AllElementTypesMatch<["lhs", "rhs"]>,
                         InferTypeOpAdaptor,
                         DeclareOpInterfaceMethods<Kiln_SymbolicShapeOpInterface>]> {
  let summary = "Elementwise " # semantics # " comparison with broadcasting";
  let description = !strconcat("`lhs ", semantics, " rhs` elementwise after ",
    "NumPy broadcasting, as a bool tensor. Any comparison with NaN is false ",
    "except `ne`, which is true. Bools compare as 0 and 1.\n\n",
    "```mlir\n%c = kiln.", mnemonic, " %a, %b : (tensor<?x10xf32>, ",
    "tensor<10xf32>) -> tensor<?x10xi1>\n```");
  let arguments = (ins Kiln_Tensor:$lhs, Kiln_Tensor:$rhs);
  let results = (outs Kiln_EwBoolTensor:$result);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferSymbolicShapes(
        ::mlir::kiln::SymShapeFn shapeOf,
        ::llvm::SmallVectorImpl<::mlir::kiln::SymShape> &results) {
      return ::mlir::kiln::inferBroadcastSymbolicShapes(*this, shapeOf, results);
    }
  }];
}

def Kiln_EqOp : Kiln_CompareOp<"eq", "==">;
def Kiln_NeOp : Kiln_CompareOp<"ne", "!=">;
def Kiln_LtOp : Kiln_CompareOp<"lt", "<">;
def Kiln_LeOp : Kiln_CompareOp<"le", "<=">;
def Kiln_GtOp : Kiln_CompareOp<"gt", ">">;
def Kiln_GeOp : Kiln_CompareOp<"ge", ">=">;

//===----------------------------------------------------------------------===//
// select and cast
//===----------------------------------------------------------------------===//

def Kiln_SelectOp : Kiln_Op<"select",
    [Pure, AllElementTypesMatch<["a", "b", "result"]>, InferTypeOpAdaptor,
     DeclareOpInterfaceMethods<Kiln_SymbolicShapeOpInterface>]> {
  let summary = "Elementwise choice between two tensors";
  let description = [{
    `cond ? a : b` elementwise, after broadcasting the three operands
    together (`numpy.where`). The graph format's `where` is this op.

    ```mlir
    %y = kiln.select %c, %a, %b : (tensor<?x4xi1>, tensor<?x4xf32>, tensor<f32>) -> tensor<?x4xf32>
    ```
  }];
  let arguments = (ins Kiln_EwBoolTensor:$cond, Kiln_Tensor:$a, Kiln_Tensor:$b);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat =
      "$cond `,` $a `,` $b attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def Kiln_CastOp : Kiln_Op<"cast",
    [Pure, InferTypeOpAdaptor, Kiln_SameSymbolicShape]> {
  let summary = "Converts elements to another dtype";
  let description = [{
    Converts every element of `x` to the dtype `to`; the shape stays.

    - float to integer truncates toward zero; NaN gives 0 and values beyond
      the integer's range saturate to its minimum or maximum (u8: 0 or 255).
    - integer to float rounds to nearest even; integer to integer wraps
      (two's complement truncation, sign- or zero-extension).
    - bool to a number gives 0 or 1; a number to bool is `x != 0` (NaN is
      true).
    - float to float rounds to nearest even (f64 to f16/bf16 rounds once).

    ```mlir
    %y = kiln.cast %x {to = i32} : (tensor<?x4xf32>) -> tensor<?x4xi32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$x, TypeAttrOf<Kiln_ElementType>:$to);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$x attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
  let hasCanonicalizeMethod = 1;
}

#endif // KILN_ELEMENTWISE_OPS_TD
