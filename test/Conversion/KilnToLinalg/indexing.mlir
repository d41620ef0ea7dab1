// RUN: kiln-opt %s -split-input-file -convert-kiln-to-linalg -canonicalize | FileCheck %s

// gather_elements: one generic over the indices; each element reads x at its
// own position with the axis coordinate replaced by the (wrapped, clamped)
// index.
// CHECK-LABEL: func.func @gather_elements
// CHECK-SAME: (%[[X:.*]]: tensor<?x5xf32>, %[[I:.*]]: tensor<?x2xi64>)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C5:.*]] = arith.constant 5 : index
// CHECK: linalg.generic {{.*}} ins(%[[I]] : tensor<?x2xi64>) outs(%{{.*}} : tensor<?x2xf32>)
// CHECK: ^bb0(%[[IDX:.*]]: i64, %{{.*}}: f32):
// CHECK: %[[ROW:.*]] = linalg.index 0
// CHECK: %[[J:.*]] = arith.index_cast %[[IDX]] : i64 to index
// CHECK: %[[WRAP:.*]] = arith.addi %[[J]], %[[C5]]
// CHECK: %[[NEG:.*]] = arith.cmpi slt, %[[J]], %[[C0]]
// CHECK: %[[SEL:.*]] = arith.select %[[NEG]], %[[WRAP]], %[[J]]
// CHECK: %[[LO:.*]] = arith.maxsi %[[SEL]], %[[C0]]
// CHECK: %[[COL:.*]] = arith.minsi %[[LO]], %[[C4]]
// CHECK: %[[E:.*]] = tensor.extract %[[X]][%[[ROW]], %[[COL]]]
// CHECK: linalg.yield %[[E]]
// CHECK-NOT: kiln.
func.func @gather_elements(%x: tensor<?x5xf32>, %i: tensor<?x2xi64>) -> tensor<?x2xf32> {
  %0 = kiln.gather_elements %x, %i {axis = 1} : (tensor<?x5xf32>, tensor<?x2xi64>) -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

// scatter_elements: a copy of data, then loops over the indices that
// combine each update with the element it lands on.
// CHECK-LABEL: func.func @scatter_elements_add
// CHECK-SAME: (%[[D:.*]]: tensor<4x5xf32>, %[[I:.*]]: tensor<4x2xi32>, %[[U:.*]]: tensor<4x2xf32>)
// CHECK: %[[COPY:.*]] = linalg.copy ins(%[[D]] : tensor<4x5xf32>) outs(%{{.*}} : tensor<4x5xf32>)
// CHECK: %[[R:.*]] = scf.for %[[A:[^ ]+]] = {{.*}} iter_args(%[[ACC0:[^ ]+]] = %[[COPY]])
// CHECK: scf.for %[[B:[^ ]+]] = {{.*}} iter_args(%[[ACC:[^ ]+]] = %[[ACC0]])
// CHECK-DAG: tensor.extract %[[I]][%[[A]], %[[B]]] : tensor<4x2xi32>
// CHECK-DAG: %[[UPD:.*]] = tensor.extract %[[U]][%[[A]], %[[B]]] : tensor<4x2xf32>
// CHECK: %[[OLD:.*]] = tensor.extract %[[ACC]][%[[A]], %[[COL:.*]]] : tensor<4x5xf32>
// CHECK: %[[NEW:.*]] = arith.addf %[[OLD]], %[[UPD]]
// CHECK: tensor.insert %[[NEW]] into %[[ACC]][%[[A]], %[[COL]]]
// CHECK: return %[[R]]
// CHECK-NOT: kiln.
func.func @scatter_elements_add(%d: tensor<4x5xf32>, %i: tensor<4x2xi32>, %u: tensor<4x2xf32>) -> tensor<4x5xf32> {
  %0 = kiln.scatter_elements %d, %i, %u {axis = 1, reduction = "add"} : (tensor<4x5xf32>, tensor<4x2xi32>, tensor<4x2xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// bool reductions are logic: max is or.
// CHECK-LABEL: func.func @scatter_elements_bool_max
// CHECK: %[[OLD:.*]] = tensor.extract %{{.*}} : tensor<4xi1>
// CHECK: arith.ori %[[OLD]], %{{.*}} : i1
func.func @scatter_elements_bool_max(%d: tensor<4xi1>, %i: tensor<2xi64>, %u: tensor<2xi1>) -> tensor<4xi1> {
  %0 = kiln.scatter_elements %d, %i, %u {reduction = "max"} : (tensor<4xi1>, tensor<2xi64>, tensor<2xi1>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

// gather_nd: one generic over the result; the index tuple is read from
// indices at the result's leading position.
// CHECK-LABEL: func.func @gather_nd
// CHECK-SAME: (%[[D:.*]]: tensor<4x5x3xi32>, %[[I:.*]]: tensor<?x2xi32>)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<?x3xi32>)
// CHECK: %[[P:.*]] = linalg.index 0
// CHECK: %[[Q:.*]] = linalg.index 1
// CHECK: tensor.extract %[[I]][%[[P]], %[[C0]]]
// CHECK: tensor.extract %[[I]][%[[P]], %[[C1]]]
// CHECK: %[[E:.*]] = tensor.extract %[[D]][%{{.*}}, %{{.*}}, %[[Q]]]
// CHECK: linalg.yield %[[E]]
func.func @gather_nd(%d: tensor<4x5x3xi32>, %i: tensor<?x2xi32>) -> tensor<?x3xi32> {
  %0 = kiln.gather_nd %d, %i : (tensor<4x5x3xi32>, tensor<?x2xi32>) -> tensor<?x3xi32>
  return %0 : tensor<?x3xi32>
}

// -----

// scatter_nd on u8 (moved as i8) with a dynamic indexed dimension: the
// write is guarded against an empty one.
// CHECK-LABEL: func.func @scatter_nd_u8
// CHECK-SAME: (%[[D:.*]]: tensor<?x5xi8>, %[[I:.*]]: tensor<3x1xi64>, %[[U:.*]]: tensor<3x5xi8>)
// CHECK: %[[N:.*]] = tensor.dim %[[D]]
// CHECK: %[[NONEMPTY:.*]] = arith.cmpi sgt, %[[N]]
// CHECK: linalg.copy ins(%[[D]]
// CHECK: scf.for %[[T:[^ ]+]] =
// CHECK: tensor.extract %[[I]][%[[T]], %{{.*}}] : tensor<3x1xi64>
// CHECK: scf.for %[[E:[^ ]+]] =
// CHECK: %[[UPD:.*]] = tensor.extract %[[U]][%[[T]], %[[E]]]
// CHECK: scf.if %[[NONEMPTY]]
// CHECK: tensor.insert %[[UPD]]
// CHECK-NOT: ui8
func.func @scatter_nd_u8(%d: tensor<?x5xui8>, %i: tensor<3x1xi64>, %u: tensor<3x5xui8>) -> tensor<?x5xui8> {
  %0 = kiln.scatter_nd %d, %i, %u : (tensor<?x5xui8>, tensor<3x1xi64>, tensor<3x5xui8>) -> tensor<?x5xui8>
  return %0 : tensor<?x5xui8>
}

// -----

// cumsum: the inner loop carries the running sum; exclusive stores the sum
// before adding, reverse walks the axis from its end.
// CHECK-LABEL: func.func @cumsum
// CHECK-DAG: %[[C7:.*]] = arith.constant 7 : index
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: scf.for %[[R:[^ ]+]] =
// CHECK: scf.for %[[J:[^ ]+]] = {{.*}} iter_args(%[[ACC:[^ ]+]] = %{{.*}}, %[[SUM:[^ ]+]] = %[[ZERO]])
// CHECK: %[[POS:.*]] = arith.subi %[[C7]], %[[J]]
// CHECK: %[[V:.*]] = tensor.extract %{{.*}}[%[[R]], %[[POS]]]
// CHECK: %[[NEXT:.*]] = arith.addf %[[SUM]], %[[V]]
// CHECK: %[[INS:.*]] = tensor.insert %[[SUM]] into %[[ACC]][%[[R]], %[[POS]]]
// CHECK: scf.yield %[[INS]], %[[NEXT]]
func.func @cumsum(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = kiln.cumsum %x {axis = 1, exclusive = true, reverse = true} : tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// topk: results start as 0 / -1; each element counts the held entries that
// stay ahead of it (NaN first for largest) and, if it enters, shifts the
// rest down.
// CHECK-LABEL: func.func @topk
// CHECK-DAG: %[[M1:.*]] = arith.constant -1 : i64
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<?x3xf32>)
// CHECK: linalg.fill ins(%[[M1]] : i64) outs(%{{.*}} : tensor<?x3xi64>)
// CHECK: arith.cmpf oge
// CHECK: arith.cmpf uno
// CHECK: scf.if
// CHECK: arith.index_cast %{{.*}} : index to i64
func.func @topk(%x: tensor<?x8xf32>) -> (tensor<?x3xf32>, tensor<?x3xi64>) {
  %0:2 = kiln.topk %x {k = 3} : (tensor<?x8xf32>) -> (tensor<?x3xf32>, tensor<?x3xi64>)
  return %0#0, %0#1 : tensor<?x3xf32>, tensor<?x3xi64>
}

// -----

// Smallest first on integers: sle keeps the lower index ahead on ties.
// CHECK-LABEL: func.func @topk_smallest_i32
// CHECK: arith.cmpi sle
func.func @topk_smallest_i32(%x: tensor<4x6xi32>) -> (tensor<2x6xi32>, tensor<2x6xi64>) {
  %0:2 = kiln.topk %x {k = 2, axis = 0, largest = false} : (tensor<4x6xi32>) -> (tensor<2x6xi32>, tensor<2x6xi64>)
  return %0#0, %0#1 : tensor<2x6xi32>, tensor<2x6xi64>
}
