//===- KilnBase.td - kiln dialect definition ---------------*- tablegen -*-===//
//
// The kiln dialect holds a tensor dataflow graph: a value is an edge, an op a
// node. A graph is a `func.func` whose arguments and results carry their
// user-facing names (`kiln.name`) and symbolic dimensions (`kiln.dims`).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_BASE_TD
#define KILN_BASE_TD

include "mlir/IR/OpBase.td"

def Kiln_Dialect : Dialect {
  let name = "kiln";
  let summary = "Tensor dataflow graphs compiled ahead of time";
  let description = [{
    One op per entry of the graph format's op table, on builtin tensors with
    static or dynamic (`?`) dimensions. Elementwise binary ops broadcast like
    NumPy. Results types are inferred from operands and attributes.
  }];
  let cppNamespace = "::mlir::kiln";
  let hasConstantMaterializer = 1;
}

class Kiln_Op<string mnemonic, list<Trait> traits = []>
    : Op<Kiln_Dialect, mnemonic, traits>;

// The element types of the graph format.
def Kiln_ElementType : AnyTypeOf<[F16, BF16, F32, F64, I1, I8, I16, I32, I64,
                                  UI8]>;
def Kiln_FloatElement : AnyTypeOf<[F16, BF16, F32, F64]>;
def Kiln_Tensor : RankedTensorOf<[Kiln_ElementType]>;
def Kiln_FloatTensor : RankedTensorOf<[Kiln_FloatElement]>;

#endif // KILN_BASE_TD
