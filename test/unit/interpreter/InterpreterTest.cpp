//===- InterpreterTest.cpp - interpreter unit tests -------------*- C++ -*-===//
//
// Each test parses a small kiln graph from MLIR text, runs it with
// interpretGraph and compares with results derived by hand (written out in
// the comments) or computed by naive loops in the test itself, never by the
// interpreter's own helpers.
//
//===----------------------------------------------------------------------===//

#include "kiln/Interpreter/Interpreter.h"

#include "dialects/kiln/IR/KilnDialect.h"
#include "dialects/kiln/IR/KilnOps.h"
#include "kiln/abi.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

using namespace mlir;
using namespace mlir::kiln;

namespace {

const float kNaN = std::numeric_limits<float>::quiet_NaN();

template <typename T>
HostTensor make(int32_t dtype, std::vector<int64_t> shape,
                const std::vector<T> &values) {
  HostTensor t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.bytes.resize(values.size() * sizeof(T));
  if (!values.empty())
    std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
  return t;
}

HostTensor f32(std::vector<int64_t> shape, const std::vector<float> &values) {
  return make<float>(KILN_DTYPE_F32, std::move(shape), values);
}

template <typename T> std::vector<T> valuesOf(const HostTensor &t) {
  std::vector<T> values(t.bytes.size() / sizeof(T));
  if (!values.empty())
    std::memcpy(values.data(), t.bytes.data(), values.size() * sizeof(T));
  return values;
}

using Shape = std::vector<int64_t>;

/// Element-by-element comparison where NaN equals NaN.
void expectFloats(const HostTensor &t, const Shape &shape,
                  const std::vector<float> &expected, float tolerance = 0) {
  EXPECT_EQ(t.dtype, KILN_DTYPE_F32);
  EXPECT_EQ(t.shape, shape);
  std::vector<float> actual = valuesOf<float>(t);
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    if (std::isnan(expected[i])) {
      EXPECT_TRUE(std::isnan(actual[i])) << "element " << i;
    } else if (tolerance == 0) {
      EXPECT_FLOAT_EQ(actual[i], expected[i]) << "element " << i;
    } else {
      EXPECT_NEAR(actual[i], expected[i], tolerance) << "element " << i;
    }
  }
}

class InterpreterTest : public ::testing::Test {
protected:
  InterpreterTest()
      : handler(&context, [this](Diagnostic &diag) {
          diagnostics.push_back(diag.str());
          return success();
        }) {
    DialectRegistry registry;
    registry.insert<KilnDialect, func::FuncDialect>();
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
  }

  std::string allDiagnostics() const {
    std::string all;
    for (const std::string &d : diagnostics)
      all += d + "\n";
    return all;
  }

  func::FuncOp parse(StringRef source) {
    module = parseSourceString<ModuleOp>(source, ParserConfig(&context));
    if (!module) {
      ADD_FAILURE() << "parse failed:\n" << allDiagnostics();
      return {};
    }
    auto funcs = module->getOps<func::FuncOp>();
    if (funcs.empty()) {
      ADD_FAILURE() << "no func.func in the source";
      return {};
    }
    return *funcs.begin();
  }

  /// Runs a graph that must succeed.
  SmallVector<HostTensor> run(StringRef source, ArrayRef<HostTensor> inputs) {
    func::FuncOp graph = parse(source);
    if (!graph)
      return {};
    FailureOr<SmallVector<HostTensor>> results = interpretGraph(graph, inputs);
    if (failed(results)) {
      ADD_FAILURE() << "interpretGraph failed:\n" << allDiagnostics();
      return {};
    }
    EXPECT_TRUE(diagnostics.empty()) << allDiagnostics();
    return std::move(*results);
  }

  /// Runs a graph that must fail; returns its diagnostics.
  std::string runExpectingError(StringRef source, ArrayRef<HostTensor> inputs) {
    func::FuncOp graph = parse(source);
    if (!graph)
      return "<parse failed>";
    FailureOr<SmallVector<HostTensor>> results = interpretGraph(graph, inputs);
    EXPECT_TRUE(failed(results));
    EXPECT_FALSE(diagnostics.empty());
    return allDiagnostics();
  }

  MLIRContext context;
  std::vector<std::string> diagnostics;
  ScopedDiagnosticHandler handler;
  OwningOpRef<ModuleOp> module;
};

//===----------------------------------------------------------------------===//
// A whole graph with dynamic batch size
//===----------------------------------------------------------------------===//

const char *kMlp = R"mlir(
func.func @g(%x: tensor<?x3xf32> {kiln.name = "x"}, %w: tensor<3x2xf32> {kiln.name = "w"})
    -> (tensor<?x2xf32>, tensor<?xf32>, tensor<?x2xf32>, tensor<?xf32>, tensor<2x?xf32>, tensor<4x2xf32>) {
  %0 = kiln.matmul %x, %w : (tensor<?x3xf32>, tensor<3x2xf32>) -> tensor<?x2xf32>
  %1 = kiln.relu %0 : tensor<?x2xf32>
  %c = kiln.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %2 = kiln.add %1, %c : (tensor<?x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
  %3 = kiln.reduce_sum %2 {axes = array<i64: -1>, keepdims = false} : (tensor<?x2xf32>) -> tensor<?xf32>
  %4 = kiln.softmax %2 {axis = -1 : i64} : tensor<?x2xf32>
  %5 = kiln.reshape %2 {shape = array<i64: -1>} : (tensor<?x2xf32>) -> tensor<?xf32>
  %6 = kiln.transpose %2 {perm = array<i64: 1, 0>} : (tensor<?x2xf32>) -> tensor<2x?xf32>
  %7 = kiln.broadcast_to %c {shape = array<i64: 4, 2>} : (tensor<2xf32>) -> tensor<4x2xf32>
  return %2, %3, %4, %5, %6, %7 : tensor<?x2xf32>, tensor<?xf32>, tensor<?x2xf32>, tensor<?xf32>, tensor<2x?xf32>, tensor<4x2xf32>
}
)mlir";

// w = [[1, -1], [0, -1], [2, 0]]
const std::vector<float> kW = {1, -1, 0, -1, 2, 0};

TEST_F(InterpreterTest, MlpBatchOfTwo) {
  // x @ w: [1,2,3] -> [1+0+6, -1-2+0] = [7, -3]; [4,5,6] -> [16, -9].
  // relu -> [[7,0],[16,0]]; + [1,2] -> [[8,2],[17,2]].
  auto r = run(kMlp, {f32({2, 3}, {1, 2, 3, 4, 5, 6}), f32({3, 2}, kW)});
  ASSERT_EQ(r.size(), 6u);
  expectFloats(r[0], {2, 2}, {8, 2, 17, 2});
  expectFloats(r[1], {2}, {10, 19});
  // softmax([8, 2]) = [1/(1+e^-6), e^-6/(1+e^-6)]; likewise e^-15 for row 2.
  float a = 1 / (1 + std::exp(-6.0f)), b = 1 / (1 + std::exp(-15.0f));
  expectFloats(r[2], {2, 2}, {a, 1 - a, b, 1 - b}, 1e-6f);
  expectFloats(r[3], {4}, {8, 2, 17, 2});
  expectFloats(r[4], {2, 2}, {8, 17, 2, 2});
  expectFloats(r[5], {4, 2}, {1, 2, 1, 2, 1, 2, 1, 2});
}

TEST_F(InterpreterTest, MlpOtherBatchSizes) {
  // Batch 3: the extra row [0,0,-1] gives x@w = [-2, 0] -> relu 0 -> [1, 2].
  auto r =
      run(kMlp, {f32({3, 3}, {1, 2, 3, 4, 5, 6, 0, 0, -1}), f32({3, 2}, kW)});
  ASSERT_EQ(r.size(), 6u);
  expectFloats(r[0], {3, 2}, {8, 2, 17, 2, 1, 2});
  expectFloats(r[1], {3}, {10, 19, 3});
  expectFloats(r[4], {2, 3}, {8, 17, 1, 2, 2, 2});

  // Batch 0: every result is empty but has the right shape.
  diagnostics.clear();
  auto e = run(kMlp, {f32({0, 3}, {}), f32({3, 2}, kW)});
  ASSERT_EQ(e.size(), 6u);
  EXPECT_EQ(e[0].shape, (Shape{0, 2}));
  EXPECT_EQ(e[1].shape, (Shape{0}));
  EXPECT_EQ(e[4].shape, (Shape{2, 0}));
  EXPECT_TRUE(e[0].bytes.empty());
}

TEST_F(InterpreterTest, CallbackSeesEveryOp) {
  func::FuncOp graph = parse(kMlp);
  ASSERT_TRUE(graph);
  std::vector<std::string> names;
  std::vector<Shape> shapes;
  InterpreterOptions options;
  options.onOpEvaluated = [&](Operation *op, ArrayRef<HostTensor> results) {
    names.push_back(op->getName().getStringRef().str());
    ASSERT_EQ(results.size(), 1u);
    shapes.push_back(results[0].shape);
  };
  auto r =
      interpretGraph(graph, {f32({1, 3}, {1, 2, 3}), f32({3, 2}, kW)}, options);
  ASSERT_TRUE(succeeded(r)) << allDiagnostics();
  std::vector<std::string> expected = {
      "kiln.matmul",  "kiln.relu",       "kiln.constant",
      "kiln.add",     "kiln.reduce_sum", "kiln.softmax",
      "kiln.reshape", "kiln.transpose",  "kiln.broadcast_to"};
  EXPECT_EQ(names, expected);
  ASSERT_EQ(shapes.size(), 9u);
  EXPECT_EQ(shapes[0], (Shape{1, 2}));
  EXPECT_EQ(shapes[7], (Shape{2, 1}));
}

//===----------------------------------------------------------------------===//
// Elementwise unary
//===----------------------------------------------------------------------===//

TEST_F(InterpreterTest, UnaryF32) {
  const char *src = R"mlir(
func.func @g(%x: tensor<6xf32>) -> (tensor<6xf32>, tensor<6xf32>, tensor<6xf32>, tensor<6xf32>, tensor<6xf32>) {
  %0 = kiln.neg %x : tensor<6xf32>
  %1 = kiln.relu %x : tensor<6xf32>
  %2 = kiln.exp %x : tensor<6xf32>
  %3 = kiln.tanh %x : tensor<6xf32>
  %4 = kiln.sigmoid %x : tensor<6xf32>
  return %0, %1, %2, %3, %4 : tensor<6xf32>, tensor<6xf32>, tensor<6xf32>, tensor<6xf32>, tensor<6xf32>
}
)mlir";
  auto r = run(src, {f32({6}, {-2, -0.5f, 0, 2, kNaN, 1000})});
  ASSERT_EQ(r.size(), 5u);
  expectFloats(r[0], {6}, {2, 0.5f, 0, -2, kNaN, -1000});
  // relu(NaN) stays NaN (numpy.maximum(x, 0)).
  expectFloats(r[1], {6}, {0, 0, 0, 2, kNaN, 1000});
  expectFloats(r[2], {6},
               {0.1353352832366127f, 0.6065306597126334f, 1, 7.38905609893065f,
                kNaN, std::numeric_limits<float>::infinity()});
  expectFloats(r[3], {6},
               {-0.9640275800758169f, -0.46211715726000974f, 0,
                0.9640275800758169f, kNaN, 1});
  expectFloats(r[4], {6},
               {0.11920292202211755f, 0.3775406687981454f, 0.5f,
                0.8807970779778823f, kNaN, 1});
}

TEST_F(InterpreterTest, SigmoidIsStableForLargeMagnitudes) {
  const char *src = R"mlir(
func.func @g(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = kiln.sigmoid %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}
)mlir";
  auto r = run(src, {f32({4}, {-1000, -100, 100, 1000})});
  ASSERT_EQ(r.size(), 1u);
  std::vector<float> v = valuesOf<float>(r[0]);
  // e^-100 = 3.7e-44 is a denormal in f32; e^-1000 underflows to 0. Neither
  // may be NaN (inf/inf) as in the naive formula.
  EXPECT_EQ(v[0], 0.0f);
  EXPECT_GE(v[1], 0.0f);
  EXPECT_LT(v[1], 1e-40f);
  EXPECT_EQ(v[2], 1.0f);
  EXPECT_EQ(v[3], 1.0f);
}

TEST_F(InterpreterTest, UnaryIntegers) {
  const char *src = R"mlir(
func.func @g(%x: tensor<4xi32>) -> (tensor<4xi32>, tensor<4xi32>) {
  %0 = kiln.neg %x : tensor<4xi32>
  %1 = kiln.relu %x : tensor<4xi32>
  return %0, %1 : tensor<4xi32>, tensor<4xi32>
}
)mlir";
  int32_t min = std::numeric_limits<int32_t>::min();
  auto r = run(src, {make<int32_t>(KILN_DTYPE_I32, {4}, {-3, 0, 5, min})});
  ASSERT_EQ(r.size(), 2u);
  // -INT_MIN wraps to INT_MIN, like NumPy's int32.
  EXPECT_EQ(valuesOf<int32_t>(r[0]), (std::vector<int32_t>{3, 0, -5, min}));
  EXPECT_EQ(valuesOf<int32_t>(r[1]), (std::vector<int32_t>{0, 0, 5, 0}));
}

//===----------------------------------------------------------------------===//
// Elementwise binary
//===----------------------------------------------------------------------===//

TEST_F(InterpreterTest, BinaryBroadcasting) {
  const char *src = R"mlir(
func.func @g(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %c: tensor<2x1xf32>, %d: tensor<1x3xf32>)
    -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %0 = kiln.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %1 = kiln.mul %c, %d : (tensor<2x1xf32>, tensor<1x3xf32>) -> tensor<2x3xf32>
  %s = kiln.constant dense<1.0> : tensor<f32>
  %2 = kiln.sub %s, %a : (tensor<f32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %3 = kiln.div %a, %c : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
  return %0, %1, %2, %3 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}
)mlir";
  auto r = run(src, {f32({2, 3}, {1, 2, 3, 4, 5, 6}), f32({3}, {10, 20, 30}),
                     f32({2, 1}, {2, 4}), f32({1, 3}, {10, 20, 30})});
  ASSERT_EQ(r.size(), 4u);
  expectFloats(r[0], {2, 3}, {11, 22, 33, 14, 25, 36});
  expectFloats(r[1], {2, 3}, {20, 40, 60, 40, 80, 120});
  expectFloats(r[2], {2, 3}, {0, -1, -2, -3, -4, -5});
  expectFloats(r[3], {2, 3}, {0.5f, 1, 1.5f, 1, 1.25f, 1.5f});
}

TEST_F(InterpreterTest, BinaryBroadcastBothSidesStretch) {
  // [3,1,2] + [4,1] -> [3,4,2]; expected by naive loops.
  const char *src = R"mlir(
func.func @g(%a: tensor<3x1x2xf32>, %b: tensor<4x1xf32>) -> tensor<3x4x2xf32> {
  %0 = kiln.add %a, %b : (tensor<3x1x2xf32>, tensor<4x1xf32>) -> tensor<3x4x2xf32>
  return %0 : tensor<3x4x2xf32>
}
)mlir";
  std::vector<float> a = {1, 2, 3, 4, 5, 6}, b = {100, 200, 300, 400};
  auto r = run(src, {f32({3, 1, 2}, a), f32({4, 1}, b)});
  ASSERT_EQ(r.size(), 1u);
  std::vector<float> expected;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j)
      for (int k = 0; k < 2; ++k)
        expected.push_back(a[i * 2 + k] + b[j]);
  expectFloats(r[0], {3, 4, 2}, expected);
}

TEST_F(InterpreterTest, MaxMinPropagateNaN) {
  const char *src = R"mlir(
func.func @g(%a: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = kiln.max %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %1 = kiln.min %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}
)mlir";
  auto r = run(src, {f32({4}, {1, kNaN, 3, -1}), f32({4}, {2, 0, kNaN, -5})});
  ASSERT_EQ(r.size(), 2u);
  expectFloats(r[0], {4}, {2, kNaN, kNaN, -1});
  expectFloats(r[1], {4}, {1, kNaN, kNaN, -5});
}

TEST_F(InterpreterTest, IntegerDivision) {
  const char *src = R"mlir(
func.func @g(%a: tensor<7xi32>, %b: tensor<7xi32>) -> tensor<7xi32> {
  %0 = kiln.div %a, %b : (tensor<7xi32>, tensor<7xi32>) -> tensor<7xi32>
  return %0 : tensor<7xi32>
}
)mlir";
  int32_t min = std::numeric_limits<int32_t>::min();
  auto r =
      run(src, {make<int32_t>(KILN_DTYPE_I32, {7}, {7, -7, 7, -7, 5, min, 0}),
                make<int32_t>(KILN_DTYPE_I32, {7}, {2, 2, -2, -2, 0, -1, 0})});
  ASSERT_EQ(r.size(), 1u);
  // Truncation toward zero; x/0 is defined as 0; INT_MIN/-1 wraps.
  EXPECT_EQ(valuesOf<int32_t>(r[0]),
            (std::vector<int32_t>{3, -3, -3, 3, 0, min, 0}));
}

TEST_F(InterpreterTest, IntegerArithmeticWraps) {
  const char *src = R"mlir(
func.func @g(%a: tensor<3xi64>, %b: tensor<3xi64>, %c: tensor<2xi32>) -> (tensor<3xi64>, tensor<3xi64>, tensor<3xi64>, tensor<2xi32>) {
  %0 = kiln.add %a, %b : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi64>
  %1 = kiln.sub %a, %b : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi64>
  %2 = kiln.max %a, %b : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi64>
  %3 = kiln.mul %c, %c : (tensor<2xi32>, tensor<2xi32>) -> tensor<2xi32>
  return %0, %1, %2, %3 : tensor<3xi64>, tensor<3xi64>, tensor<3xi64>, tensor<2xi32>
}
)mlir";
  int64_t max = std::numeric_limits<int64_t>::max();
  int64_t min = std::numeric_limits<int64_t>::min();
  auto r = run(src, {make<int64_t>(KILN_DTYPE_I64, {3}, {5, max, -3}),
                     make<int64_t>(KILN_DTYPE_I64, {3}, {7, 1, -4}),
                     make<int32_t>(KILN_DTYPE_I32, {2}, {65536, -3})});
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(valuesOf<int64_t>(r[0]), (std::vector<int64_t>{12, min, -7}));
  EXPECT_EQ(valuesOf<int64_t>(r[1]), (std::vector<int64_t>{-2, max - 1, 1}));
  EXPECT_EQ(valuesOf<int64_t>(r[2]), (std::vector<int64_t>{7, max, -3}));
  // 65536^2 = 2^32 wraps to 0 in i32.
  EXPECT_EQ(valuesOf<int32_t>(r[3]), (std::vector<int32_t>{0, 9}));
}

TEST_F(InterpreterTest, F64Division) {
  const char *src = R"mlir(
func.func @g(%a: tensor<3xf64>, %b: tensor<3xf64>) -> tensor<3xf64> {
  %0 = kiln.div %a, %b : (tensor<3xf64>, tensor<3xf64>) -> tensor<3xf64>
  return %0 : tensor<3xf64>
}
)mlir";
  auto r = run(src, {make<double>(KILN_DTYPE_F64, {3}, {1, -3, 1}),
                     make<double>(KILN_DTYPE_F64, {3}, {4, 0, 3})});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].dtype, KILN_DTYPE_F64);
  std::vector<double> v = valuesOf<double>(r[0]);
  EXPECT_EQ(v[0], 0.25);
  EXPECT_EQ(v[1], -std::numeric_limits<double>::infinity());
  EXPECT_DOUBLE_EQ(v[2], 1.0 / 3.0);
}

//===----------------------------------------------------------------------===//
// matmul
//===----------------------------------------------------------------------===//

// A = [[1,2,3],[4,5,6]], B = [[7,8],[9,10],[11,12]]
// A @ B = [[1*7+2*9+3*11, 1*8+2*10+3*12], [4*7+5*9+6*11, 4*8+5*10+6*12]]
//       = [[58, 64], [139, 154]]
const std::vector<float> kA = {1, 2, 3, 4, 5, 6};
const std::vector<float> kB = {7, 8, 9, 10, 11, 12};

TEST_F(InterpreterTest, Matmul2D) {
  const char *src = R"mlir(
func.func @g(%a: tensor<2x3xf32>, %b: tensor<3x2xf32>) -> tensor<2x2xf32> {
  %0 = kiln.matmul %a, %b : (tensor<2x3xf32>, tensor<3x2xf32>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}
)mlir";
  auto r = run(src, {f32({2, 3}, kA), f32({3, 2}, kB)});
  ASSERT_EQ(r.size(), 1u);
  expectFloats(r[0], {2, 2}, {58, 64, 139, 154});
}

TEST_F(InterpreterTest, MatmulTransposes) {
  // A^T stored [[1,4],[2,5],[3,6]], B^T stored [[7,9,11],[8,10,12]]: every
  // combination of flags computes A @ B again.
  const char *src = R"mlir(
func.func @g(%at: tensor<3x2xf32>, %b: tensor<3x2xf32>, %a: tensor<2x3xf32>, %bt: tensor<2x3xf32>)
    -> (tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) {
  %0 = kiln.matmul %at, %b {transpose_a = true} : (tensor<3x2xf32>, tensor<3x2xf32>) -> tensor<2x2xf32>
  %1 = kiln.matmul %a, %bt {transpose_b = true} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x2xf32>
  %2 = kiln.matmul %at, %bt {transpose_a = true, transpose_b = true} : (tensor<3x2xf32>, tensor<2x3xf32>) -> tensor<2x2xf32>
  return %0, %1, %2 : tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>
}
)mlir";
  auto r = run(src, {f32({3, 2}, {1, 4, 2, 5, 3, 6}), f32({3, 2}, kB),
                     f32({2, 3}, kA), f32({2, 3}, {7, 9, 11, 8, 10, 12})});
  ASSERT_EQ(r.size(), 3u);
  for (const HostTensor &t : r)
    expectFloats(t, {2, 2}, {58, 64, 139, 154});
}

TEST_F(InterpreterTest, MatmulOneDimensionalPromotion) {
  const char *src = R"mlir(
func.func @g(%v: tensor<3xf32>, %b: tensor<3x2xf32>, %a: tensor<2x3xf32>, %u: tensor<3xf32>)
    -> (tensor<2xf32>, tensor<2xf32>, tensor<f32>) {
  %0 = kiln.matmul %v, %b : (tensor<3xf32>, tensor<3x2xf32>) -> tensor<2xf32>
  %1 = kiln.matmul %a, %u : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2xf32>
  %2 = kiln.matmul %v, %v : (tensor<3xf32>, tensor<3xf32>) -> tensor<f32>
  return %0, %1, %2 : tensor<2xf32>, tensor<2xf32>, tensor<f32>
}
)mlir";
  auto r = run(src, {f32({3}, {1, 2, 3}), f32({3, 2}, kB), f32({2, 3}, kA),
                     f32({3}, {1, 0, -1})});
  ASSERT_EQ(r.size(), 3u);
  // [1,2,3] @ B is A's first row of A @ B.
  expectFloats(r[0], {2}, {58, 64});
  // A @ [1,0,-1] = [1-3, 4-6].
  expectFloats(r[1], {2}, {-2, -2});
  // The dot product 1+4+9, as a scalar.
  expectFloats(r[2], {}, {14});
}

TEST_F(InterpreterTest, MatmulBatched) {
  const char *src = R"mlir(
func.func @g(%a: tensor<2x2x3xf32>, %b: tensor<3x2xf32>, %v: tensor<3xf32>, %bb: tensor<2x3x2xf32>)
    -> (tensor<2x2x2xf32>, tensor<2x2xf32>) {
  %0 = kiln.matmul %a, %b : (tensor<2x2x3xf32>, tensor<3x2xf32>) -> tensor<2x2x2xf32>
  %1 = kiln.matmul %v, %bb : (tensor<3xf32>, tensor<2x3x2xf32>) -> tensor<2x2xf32>
  return %0, %1 : tensor<2x2x2xf32>, tensor<2x2xf32>
}
)mlir";
  // Batch 0 is A, batch 1 is -A: results A@B and -(A@B).
  std::vector<float> a = kA;
  for (float x : kA)
    a.push_back(-x);
  // bb[0] = B, bb[1] = 2B: [1,2,3] @ bb = [[58,64],[116,128]].
  std::vector<float> bb = kB;
  for (float x : kB)
    bb.push_back(2 * x);
  auto r = run(src, {f32({2, 2, 3}, a), f32({3, 2}, kB), f32({3}, {1, 2, 3}),
                     f32({2, 3, 2}, bb)});
  ASSERT_EQ(r.size(), 2u);
  expectFloats(r[0], {2, 2, 2}, {58, 64, 139, 154, -58, -64, -139, -154});
  expectFloats(r[1], {2, 2}, {58, 64, 116, 128});
}

TEST_F(InterpreterTest, MatmulBatchBroadcastBothSides) {
  // [2,1,2,3] @ [3,3,2] -> [2,3,2,2]; expected by naive loops.
  const char *src = R"mlir(
func.func @g(%a: tensor<2x1x2x3xf32>, %b: tensor<3x3x2xf32>) -> tensor<2x3x2x2xf32> {
  %0 = kiln.matmul %a, %b : (tensor<2x1x2x3xf32>, tensor<3x3x2xf32>) -> tensor<2x3x2x2xf32>
  return %0 : tensor<2x3x2x2xf32>
}
)mlir";
  std::vector<float> a(12), b(18);
  for (int i = 0; i < 12; ++i)
    a[i] = float(i % 5) - 1.5f;
  for (int i = 0; i < 18; ++i)
    b[i] = float(i % 7) * 0.5f - 1;
  auto r = run(src, {f32({2, 1, 2, 3}, a), f32({3, 3, 2}, b)});
  ASSERT_EQ(r.size(), 1u);
  std::vector<float> expected;
  for (int p = 0; p < 2; ++p)
    for (int q = 0; q < 3; ++q)
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j) {
          float s = 0;
          for (int k = 0; k < 3; ++k)
            s += a[p * 6 + i * 3 + k] * b[q * 6 + k * 2 + j];
          expected.push_back(s);
        }
  expectFloats(r[0], {2, 3, 2, 2}, expected, 1e-5f);
}

TEST_F(InterpreterTest, MatmulIntegers) {
  const char *src = R"mlir(
func.func @g(%a: tensor<2x3xi64>, %b: tensor<3x2xi64>) -> tensor<2x2xi64> {
  %0 = kiln.matmul %a, %b : (tensor<2x3xi64>, tensor<3x2xi64>) -> tensor<2x2xi64>
  return %0 : tensor<2x2xi64>
}
)mlir";
  auto r =
      run(src, {make<int64_t>(KILN_DTYPE_I64, {2, 3}, {1, 2, 3, 4, 5, 6}),
                make<int64_t>(KILN_DTYPE_I64, {3, 2}, {7, 8, 9, 10, 11, 12})});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(valuesOf<int64_t>(r[0]), (std::vector<int64_t>{58, 64, 139, 154}));
}

TEST_F(InterpreterTest, MatmulAccumulatesAccurately) {
  // 1e8 + 1 + 1 + ... - 1e8 over f32: accumulated in f32 the ones vanish;
  // accumulated in double (then rounded) the result is exactly the count.
  const char *src = R"mlir(
func.func @g(%a: tensor<1x10xf32>, %b: tensor<10xf32>) -> tensor<1xf32> {
  %0 = kiln.matmul %a, %b : (tensor<1x10xf32>, tensor<10xf32>) -> tensor<1xf32>
  return %0 : tensor<1xf32>
}
)mlir";
  std::vector<float> a = {1e8f, 1, 1, 1, 1, 1, 1, 1, 1, -1e8f};
  std::vector<float> ones(10, 1);
  auto r = run(src, {f32({1, 10}, a), f32({10}, ones)});
  ASSERT_EQ(r.size(), 1u);
  expectFloats(r[0], {1}, {8});
}

//===----------------------------------------------------------------------===//
// Reductions and softmax
//===----------------------------------------------------------------------===//

TEST_F(InterpreterTest, Reductions) {
  const char *src = R"mlir(
func.func @g(%x: tensor<2x3xf32>) -> (tensor<2xf32>, tensor<1x3xf32>, tensor<f32>, tensor<1x1xf32>, tensor<1x3xf32>, tensor<2x1xf32>) {
  %0 = kiln.reduce_sum %x {axes = array<i64: -1>, keepdims = false} : (tensor<2x3xf32>) -> tensor<2xf32>
  %1 = kiln.reduce_sum %x {axes = array<i64: 0>} : (tensor<2x3xf32>) -> tensor<1x3xf32>
  %2 = kiln.reduce_mean %x {keepdims = false} : (tensor<2x3xf32>) -> tensor<f32>
  %3 = kiln.reduce_mean %x : (tensor<2x3xf32>) -> tensor<1x1xf32>
  %4 = kiln.reduce_max %x {axes = array<i64: -2>} : (tensor<2x3xf32>) -> tensor<1x3xf32>
  %5 = kiln.reduce_mean %x {axes = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2x1xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<2xf32>, tensor<1x3xf32>, tensor<f32>, tensor<1x1xf32>, tensor<1x3xf32>, tensor<2x1xf32>
}
)mlir";
  // x = [[1, 2, 3], [4, 5, -6]]
  auto r = run(src, {f32({2, 3}, {1, 2, 3, 4, 5, -6})});
  ASSERT_EQ(r.size(), 6u);
  expectFloats(r[0], {2}, {6, 3});
  expectFloats(r[1], {1, 3}, {5, 7, -3});
  expectFloats(r[2], {}, {1.5f});
  expectFloats(r[3], {1, 1}, {1.5f});
  expectFloats(r[4], {1, 3}, {4, 5, 3});
  expectFloats(r[5], {2, 1}, {2, 1});
}

TEST_F(InterpreterTest, ReductionOverTwoAxesOfThree) {
  // Axes {0, 2} of a [2,3,4] tensor, negative spelling; naive loops.
  const char *src = R"mlir(
func.func @g(%x: tensor<2x3x4xf32>) -> (tensor<3xf32>, tensor<1x3x1xf32>) {
  %0 = kiln.reduce_sum %x {axes = array<i64: -1, 0>, keepdims = false} : (tensor<2x3x4xf32>) -> tensor<3xf32>
  %1 = kiln.reduce_max %x {axes = array<i64: 0, 2>} : (tensor<2x3x4xf32>) -> tensor<1x3x1xf32>
  return %0, %1 : tensor<3xf32>, tensor<1x3x1xf32>
}
)mlir";
  std::vector<float> x(24);
  for (int i = 0; i < 24; ++i)
    x[i] = float((i * 7) % 11) - 5;
  auto r = run(src, {f32({2, 3, 4}, x)});
  ASSERT_EQ(r.size(), 2u);
  std::vector<float> sums, maxes;
  for (int j = 0; j < 3; ++j) {
    float s = 0, m = -1e30f;
    for (int i = 0; i < 2; ++i)
      for (int k = 0; k < 4; ++k) {
        s += x[i * 12 + j * 4 + k];
        m = std::max(m, x[i * 12 + j * 4 + k]);
      }
    sums.push_back(s);
    maxes.push_back(m);
  }
  expectFloats(r[0], {3}, sums);
  expectFloats(r[1], {1, 3, 1}, maxes);
}

TEST_F(InterpreterTest, ReduceMaxPropagatesNaN) {
  const char *src = R"mlir(
func.func @g(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  %0 = kiln.reduce_max %x {axes = array<i64: 1>, keepdims = false} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
)mlir";
  auto r = run(src, {f32({2, 3}, {1, kNaN, 3, -4, -5, -6})});
  ASSERT_EQ(r.size(), 1u);
  expectFloats(r[0], {2}, {kNaN, -4});
}

TEST_F(InterpreterTest, IntegerReductions) {
  const char *src = R"mlir(
func.func @g(%x: tensor<2x3xi32>) -> (tensor<2xi32>, tensor<3xi32>, tensor<2xi32>) {
  %0 = kiln.reduce_sum %x {axes = array<i64: 1>, keepdims = false} : (tensor<2x3xi32>) -> tensor<2xi32>
  %1 = kiln.reduce_mean %x {axes = array<i64: 0>, keepdims = false} : (tensor<2x3xi32>) -> tensor<3xi32>
  %2 = kiln.reduce_max %x {axes = array<i64: 1>, keepdims = false} : (tensor<2x3xi32>) -> tensor<2xi32>
  return %0, %1, %2 : tensor<2xi32>, tensor<3xi32>, tensor<2xi32>
}
)mlir";
  // x = [[1, -7, 4], [2, 2, -9]]; integer mean truncates toward zero:
  // [3/2, -5/2, -5/2] = [1, -2, -2].
  auto r =
      run(src, {make<int32_t>(KILN_DTYPE_I32, {2, 3}, {1, -7, 4, 2, 2, -9})});
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(valuesOf<int32_t>(r[0]), (std::vector<int32_t>{-2, -5}));
  EXPECT_EQ(valuesOf<int32_t>(r[1]), (std::vector<int32_t>{1, -2, -2}));
  EXPECT_EQ(valuesOf<int32_t>(r[2]), (std::vector<int32_t>{4, 2}));
}

TEST_F(InterpreterTest, SoftmaxIsStable) {
  const char *src = R"mlir(
func.func @g(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = kiln.softmax %x {axis = -1 : i64} : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
)mlir";
  // softmax([1,2,3]) = [e^-2, e^-1, 1] / (1 + e^-1 + e^-2); rows shifted by
  // 1000 must give the same (naively e^1000 overflows).
  auto r = run(src, {f32({2, 3}, {1, 2, 3, 1000, 1001, 1002})});
  ASSERT_EQ(r.size(), 1u);
  std::vector<float> p = {0.09003057317038046f, 0.24472847105479764f,
                          0.6652409557748219f};
  expectFloats(r[0], {2, 3}, {p[0], p[1], p[2], p[0], p[1], p[2]}, 1e-6f);
}

TEST_F(InterpreterTest, SoftmaxAlongOtherAxes) {
  const char *src = R"mlir(
func.func @g(%x: tensor<2x2x2xf64>) -> (tensor<2x2x2xf64>, tensor<2x2x2xf64>) {
  %0 = kiln.softmax %x {axis = 0 : i64} : tensor<2x2x2xf64>
  %1 = kiln.softmax %x {axis = -2 : i64} : tensor<2x2x2xf64>
  return %0, %1 : tensor<2x2x2xf64>, tensor<2x2x2xf64>
}
)mlir";
  std::vector<double> x = {0, 1, 2, 3, 4, 5, 6, 7};
  auto r = run(src, {make<double>(KILN_DTYPE_F64, {2, 2, 2}, x)});
  ASSERT_EQ(r.size(), 2u);
  // Axis 0 pairs elements 4 apart (difference 4), axis 1 pairs elements 2
  // apart (difference 2): the smaller gets 1/(1+e^d), the larger the rest.
  double s4 = 1 / (1 + std::exp(4.0)), s2 = 1 / (1 + std::exp(2.0));
  std::vector<double> a0 = valuesOf<double>(r[0]), a1 = valuesOf<double>(r[1]);
  for (int i = 0; i < 8; ++i) {
    EXPECT_NEAR(a0[i], i < 4 ? s4 : 1 - s4, 1e-12) << i;
    EXPECT_NEAR(a1[i], (i % 4) < 2 ? s2 : 1 - s2, 1e-12) << i;
  }
}

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

TEST_F(InterpreterTest, ReshapeWithZeroAndMinusOne) {
  const char *src = R"mlir(
func.func @g(%x: tensor<?x4xf32>) -> (tensor<?x2x2xf32>, tensor<?xf32>, tensor<2x?xf32>) {
  %0 = kiln.reshape %x {shape = array<i64: 0, 2, -1>} : (tensor<?x4xf32>) -> tensor<?x2x2xf32>
  %1 = kiln.reshape %x {shape = array<i64: -1>} : (tensor<?x4xf32>) -> tensor<?xf32>
  %2 = kiln.reshape %x {shape = array<i64: 2, -1>} : (tensor<?x4xf32>) -> tensor<2x?xf32>
  return %0, %1, %2 : tensor<?x2x2xf32>, tensor<?xf32>, tensor<2x?xf32>
}
)mlir";
  std::vector<float> x = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  auto r = run(src, {f32({3, 4}, x)});
  ASSERT_EQ(r.size(), 3u);
  expectFloats(r[0], {3, 2, 2}, x);
  expectFloats(r[1], {12}, x);
  expectFloats(r[2], {2, 6}, x);
}

TEST_F(InterpreterTest, ReshapeMismatchAtRunTime) {
  const char *src = R"mlir(
func.func @g(%x: tensor<?xf32>) -> tensor<2x?xf32> {
  %0 = kiln.reshape %x {shape = array<i64: 2, -1>} : (tensor<?xf32>) -> tensor<2x?xf32>
  return %0 : tensor<2x?xf32>
}
)mlir";
  std::string err = runExpectingError(src, {f32({3}, {1, 2, 3})});
  EXPECT_NE(err.find("cannot reshape [3] to [2, -1]"), std::string::npos)
      << err;
}

TEST_F(InterpreterTest, Transpose) {
  const char *src = R"mlir(
func.func @g(%x: tensor<2x3xf32>, %y: tensor<2x3x4xf32>) -> (tensor<3x2xf32>, tensor<3x2x4xf32>, tensor<4x3x2xf32>) {
  %0 = kiln.transpose %x {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %1 = kiln.transpose %y {perm = array<i64: 1, 0, 2>} : (tensor<2x3x4xf32>) -> tensor<3x2x4xf32>
  %2 = kiln.transpose %y : (tensor<2x3x4xf32>) -> tensor<4x3x2xf32>
  return %0, %1, %2 : tensor<3x2xf32>, tensor<3x2x4xf32>, tensor<4x3x2xf32>
}
)mlir";
  std::vector<float> y(24);
  for (int i = 0; i < 24; ++i)
    y[i] = float(i);
  auto r = run(src, {f32({2, 3}, kA), f32({2, 3, 4}, y)});
  ASSERT_EQ(r.size(), 3u);
  expectFloats(r[0], {3, 2}, {1, 4, 2, 5, 3, 6});
  std::vector<float> e1, e2;
  for (int j = 0; j < 3; ++j)
    for (int i = 0; i < 2; ++i)
      for (int k = 0; k < 4; ++k)
        e1.push_back(y[i * 12 + j * 4 + k]);
  for (int k = 0; k < 4; ++k)
    for (int j = 0; j < 3; ++j)
      for (int i = 0; i < 2; ++i)
        e2.push_back(y[i * 12 + j * 4 + k]);
  expectFloats(r[1], {3, 2, 4}, e1);
  expectFloats(r[2], {4, 3, 2}, e2);
}

TEST_F(InterpreterTest, BroadcastTo) {
  const char *src = R"mlir(
func.func @g(%x: tensor<?x1xf32>, %v: tensor<3xf32>) -> (tensor<?x4xf32>, tensor<2x3xf32>, tensor<2x?x3xf32>) {
  %0 = kiln.broadcast_to %x {shape = array<i64: -1, 4>} : (tensor<?x1xf32>) -> tensor<?x4xf32>
  %1 = kiln.broadcast_to %v {shape = array<i64: 2, 3>} : (tensor<3xf32>) -> tensor<2x3xf32>
  %2 = kiln.broadcast_to %x {shape = array<i64: 2, -1, 3>} : (tensor<?x1xf32>) -> tensor<2x?x3xf32>
  return %0, %1, %2 : tensor<?x4xf32>, tensor<2x3xf32>, tensor<2x?x3xf32>
}
)mlir";
  auto r = run(src, {f32({2, 1}, {1, 2}), f32({3}, {1, 2, 3})});
  ASSERT_EQ(r.size(), 3u);
  expectFloats(r[0], {2, 4}, {1, 1, 1, 1, 2, 2, 2, 2});
  expectFloats(r[1], {2, 3}, {1, 2, 3, 1, 2, 3});
  expectFloats(r[2], {2, 2, 3}, {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2});
}

TEST_F(InterpreterTest, ShapeOpsMoveAnyDtype) {
  // f16 has no arithmetic kernels but moves through shape ops untouched:
  // 1.0 is 0x3C00 and 2.0 is 0x4000 in binary16.
  const char *src = R"mlir(
func.func @g() -> tensor<1x2xf16> {
  %c = kiln.constant dense<[[1.0], [2.0]]> : tensor<2x1xf16>
  %0 = kiln.transpose %c : (tensor<2x1xf16>) -> tensor<1x2xf16>
  return %0 : tensor<1x2xf16>
}
)mlir";
  auto r = run(src, {});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].dtype, KILN_DTYPE_F16);
  EXPECT_EQ(r[0].shape, (Shape{1, 2}));
  EXPECT_EQ(valuesOf<uint16_t>(r[0]), (std::vector<uint16_t>{0x3C00, 0x4000}));
}

TEST_F(InterpreterTest, EmptyTensors) {
  // Sums over an empty axis are 0 and means NaN (NumPy: 0/0); every kernel
  // must cope with zero-size buffers.
  const char *src = R"mlir(
func.func @g() -> (tensor<3xf32>, tensor<3xf32>, tensor<0x3xf32>, tensor<3x0xf32>) {
  %c = kiln.constant dense<> : tensor<0x3xf32>
  %0 = kiln.reduce_sum %c {axes = array<i64: 0>, keepdims = false} : (tensor<0x3xf32>) -> tensor<3xf32>
  %1 = kiln.reduce_mean %c {axes = array<i64: 0>, keepdims = false} : (tensor<0x3xf32>) -> tensor<3xf32>
  %2 = kiln.softmax %c {axis = 0 : i64} : tensor<0x3xf32>
  %3 = kiln.transpose %c : (tensor<0x3xf32>) -> tensor<3x0xf32>
  return %0, %1, %2, %3 : tensor<3xf32>, tensor<3xf32>, tensor<0x3xf32>, tensor<3x0xf32>
}
)mlir";
  auto r = run(src, {});
  ASSERT_EQ(r.size(), 4u);
  expectFloats(r[0], {3}, {0, 0, 0});
  expectFloats(r[1], {3}, {kNaN, kNaN, kNaN});
  expectFloats(r[2], {0, 3}, {});
  expectFloats(r[3], {3, 0}, {});
}

TEST_F(InterpreterTest, ReduceMaxOfNothingIsAnError) {
  const char *src = R"mlir(
func.func @g(%x: tensor<?x3xf32>) -> tensor<3xf32> {
  %0 = kiln.reduce_max %x {axes = array<i64: 0>, keepdims = false} : (tensor<?x3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}
)mlir";
  std::string err = runExpectingError(src, {f32({0, 3}, {})});
  EXPECT_NE(err.find("reduce_max over an empty axis has no identity"),
            std::string::npos)
      << err;
}

TEST_F(InterpreterTest, ReturnsInputsRepeatsAndDeadValues) {
  // %dead is computed but never read; %0 is returned twice; %x is returned
  // as is. All results are independent copies.
  const char *src = R"mlir(
func.func @g(%x: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) {
  %dead = kiln.exp %x : tensor<2xf32>
  %0 = kiln.neg %x : tensor<2xf32>
  %1 = kiln.add %0, %0 : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %0, %x, %0 : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
}
)mlir";
  auto r = run(src, {f32({2}, {1, -2})});
  ASSERT_EQ(r.size(), 3u);
  expectFloats(r[0], {2}, {-1, 2});
  expectFloats(r[1], {2}, {1, -2});
  expectFloats(r[2], {2}, {-1, 2});
}

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

const char *kTwoInputs = R"mlir(
func.func @g(%x: tensor<?x784xf32> {kiln.name = "x"}, %b: tensor<784xf32>) -> tensor<?x784xf32> {
  %0 = kiln.add %x, %b : (tensor<?x784xf32>, tensor<784xf32>) -> tensor<?x784xf32>
  return %0 : tensor<?x784xf32>
}
)mlir";

TEST_F(InterpreterTest, InputDimMismatch) {
  std::vector<float> bad(785, 0.f), bias(784, 0.f);
  std::string err =
      runExpectingError(kTwoInputs, {f32({1, 785}, bad), f32({784}, bias)});
  EXPECT_NE(err.find("input 'x' dim 1: expected 784, got 785"),
            std::string::npos)
      << err;
}

TEST_F(InterpreterTest, UnnamedInputFallsBackToArgIndex) {
  std::vector<float> x(784, 0.f), bias(783, 0.f);
  std::string err =
      runExpectingError(kTwoInputs, {f32({1, 784}, x), f32({783}, bias)});
  EXPECT_NE(err.find("input 'arg1' dim 0: expected 784, got 783"),
            std::string::npos)
      << err;
}

TEST_F(InterpreterTest, InputDtypeRankAndCountMismatch) {
  std::vector<float> x(784, 0.f);
  std::vector<double> xd(784, 0.0);
  std::string err = runExpectingError(
      kTwoInputs, {make<double>(KILN_DTYPE_F64, {1, 784}, xd), f32({784}, x)});
  EXPECT_NE(err.find("input 'x': expected dtype f32, got f64"),
            std::string::npos)
      << err;

  diagnostics.clear();
  err = runExpectingError(kTwoInputs, {f32({784}, x), f32({784}, x)});
  EXPECT_NE(err.find("input 'x': expected rank 2, got 1"), std::string::npos)
      << err;

  diagnostics.clear();
  err = runExpectingError(kTwoInputs, {f32({784}, x)});
  EXPECT_NE(err.find("expected 2 inputs, got 1"), std::string::npos) << err;

  // A buffer too small for its shape is refused, not read out of bounds.
  diagnostics.clear();
  HostTensor shortX = f32({2, 784}, x);
  err = runExpectingError(kTwoInputs, {shortX, f32({784}, x)});
  EXPECT_NE(err.find("input 'x': holds 3136 bytes"), std::string::npos) << err;
}

TEST_F(InterpreterTest, DynamicBroadcastMismatchAtRunTime) {
  const char *src = R"mlir(
func.func @g(%a: tensor<?xf32>, %b: tensor<?xf32>) -> tensor<?xf32> {
  %0 = kiln.add %a, %b : (tensor<?xf32>, tensor<?xf32>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}
)mlir";
  std::string err =
      runExpectingError(src, {f32({2}, {1, 2}), f32({3}, {1, 2, 3})});
  EXPECT_NE(err.find("shapes [2] and [3] cannot be broadcast together"),
            std::string::npos)
      << err;
}

TEST_F(InterpreterTest, UnknownOp) {
  context.allowUnregisteredDialects();
  const char *src = R"mlir(
func.func @g(%x: tensor<2xf32>) -> tensor<2xf32> {
  %0 = "test.mystery"(%x) : (tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
)mlir";
  std::string err = runExpectingError(src, {f32({2}, {1, 2})});
  EXPECT_NE(err.find("the interpreter has no kernel for 'test.mystery'"),
            std::string::npos)
      << err;
}

TEST_F(InterpreterTest, HalfPrecisionIsComputedInF32AndRoundedToEven) {
  const char *src = R"mlir(
func.func @g(%x: tensor<2xf16>, %a: tensor<2xbf16>, %b: tensor<2xbf16>) -> (tensor<2xf16>, tensor<2xbf16>) {
  %0 = kiln.exp %x : tensor<2xf16>
  %1 = kiln.add %a, %b : (tensor<2xbf16>, tensor<2xbf16>) -> tensor<2xbf16>
  return %0, %1 : tensor<2xf16>, tensor<2xbf16>
}
)mlir";
  // f16 1.0 = 0x3C00, 2.0 = 0x4000. bf16 1.0 = 0x3F80, 2^-8 = 0x3B80,
  // 3 * 2^-8 = 0x3C40.
  auto r = run(src, {make<uint16_t>(KILN_DTYPE_F16, {2}, {0x3C00, 0x4000}),
                     make<uint16_t>(KILN_DTYPE_BF16, {2}, {0x3F80, 0x3F80}),
                     make<uint16_t>(KILN_DTYPE_BF16, {2}, {0x3B80, 0x3C40})});
  ASSERT_EQ(r.size(), 2u);
  // e = 2.71828 -> 2.71875 (0x4170); e^2 = 7.38906 -> 7.390625 (0x4764).
  EXPECT_EQ(r[0].dtype, KILN_DTYPE_F16);
  EXPECT_EQ(valuesOf<uint16_t>(r[0]), (std::vector<uint16_t>{0x4170, 0x4764}));
  // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: to even, 1 (0x3F80);
  // 1 + 3 * 2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6: 0x3F82.
  EXPECT_EQ(r[1].dtype, KILN_DTYPE_BF16);
  EXPECT_EQ(valuesOf<uint16_t>(r[1]), (std::vector<uint16_t>{0x3F80, 0x3F82}));
}

//===----------------------------------------------------------------------===//
// evaluateOp and attribute conversions
//===----------------------------------------------------------------------===//

TEST_F(InterpreterTest, EvaluateOpDirectly) {
  func::FuncOp graph = parse(kTwoInputs);
  ASSERT_TRUE(graph);
  Operation *add = &graph.getBody().front().front();
  std::vector<float> x(2 * 784), b(784);
  for (int i = 0; i < 784; ++i) {
    x[i] = float(i);
    x[784 + i] = -float(i);
    b[i] = 0.5f;
  }
  auto r = evaluateOp(add, {f32({2, 784}, x), f32({784}, b)});
  ASSERT_TRUE(succeeded(r)) << allDiagnostics();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].shape, (Shape{2, 784}));
  std::vector<float> v = valuesOf<float>((*r)[0]);
  EXPECT_EQ(v[10], 10.5f);
  EXPECT_EQ(v[784 + 10], -9.5f);

  // Operands that disagree with the op's types are diagnosed.
  auto bad = evaluateOp(add, {f32({2, 784}, x), f32({2}, {0, 0})});
  EXPECT_TRUE(failed(bad));
  EXPECT_NE(allDiagnostics().find("operand #1 dim 0: expected 784, got 2"),
            std::string::npos)
      << allDiagnostics();
}

TEST_F(InterpreterTest, ConstantConversions) {
  const char *src = R"mlir(
func.func @g() -> (tensor<2x2xf32>, tensor<3xi1>, tensor<2xi16>, tensor<2xi32>) {
  %0 = kiln.constant dense<1.5> : tensor<2x2xf32>
  %1 = kiln.constant dense<[true, false, true]> : tensor<3xi1>
  %2 = kiln.constant dense<[-2, 300]> : tensor<2xi16>
  %3 = kiln.constant dense_resource<blob1> : tensor<2xi32>
  return %0, %1, %2, %3 : tensor<2x2xf32>, tensor<3xi1>, tensor<2xi16>, tensor<2xi32>
}
{-#
  dialect_resources: {
    builtin: {
      blob1: "0x040000000100000002000000"
    }
  }
#-}
)mlir";
  auto r = run(src, {});
  ASSERT_EQ(r.size(), 4u);
  expectFloats(r[0], {2, 2}, {1.5f, 1.5f, 1.5f, 1.5f});
  EXPECT_EQ(r[1].dtype, KILN_DTYPE_BOOL);
  EXPECT_EQ(r[1].bytes, (std::vector<uint8_t>{1, 0, 1}));
  EXPECT_EQ(r[2].dtype, KILN_DTYPE_I16);
  EXPECT_EQ(valuesOf<int16_t>(r[2]), (std::vector<int16_t>{-2, 300}));
  EXPECT_EQ(r[3].dtype, KILN_DTYPE_I32);
  EXPECT_EQ(valuesOf<int32_t>(r[3]), (std::vector<int32_t>{1, 2}));

  // Back to attributes: equal to the dense originals.
  func::FuncOp graph = *module->getOps<func::FuncOp>().begin();
  auto ops = graph.getBody().front().getOps<ConstantOp>();
  std::vector<ConstantOp> constants(ops.begin(), ops.end());
  ASSERT_EQ(constants.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    auto type = cast<RankedTensorType>(constants[i].getType());
    DenseElementsAttr attr = toElementsAttr(r[i], type);
    ASSERT_TRUE(attr) << i;
    EXPECT_EQ(attr, cast<DenseElementsAttr>(constants[i].getValue())) << i;
  }
  // A dynamic type takes the tensor's sizes; a mismatched one gives null.
  auto dynType = RankedTensorType::get({ShapedType::kDynamic, 2},
                                       Float32Type::get(&context));
  DenseElementsAttr dyn = toElementsAttr(r[0], dynType);
  ASSERT_TRUE(dyn);
  EXPECT_EQ(dyn.getType().getShape(), ArrayRef<int64_t>({2, 2}));
  EXPECT_FALSE(toElementsAttr(
      r[0], RankedTensorType::get({4}, Float32Type::get(&context))));
  EXPECT_FALSE(toElementsAttr(
      r[0], RankedTensorType::get({2, 2}, Float64Type::get(&context))));
}

//===----------------------------------------------------------------------===//
// Indexing ops
//===----------------------------------------------------------------------===//

HostTensor i64s(std::vector<int64_t> shape, const std::vector<int64_t> &v) {
  return make<int64_t>(KILN_DTYPE_I64, std::move(shape), v);
}

TEST_F(InterpreterTest, GatherScatterElements) {
  // x = [[0, 1, 2], [3, 4, 5]]; along axis 1 the indices pick
  // row 0: x[0][-1] = 2, x[0][0] = 0; row 1: x[1][1] = 4, x[1][7 -> 2] = 5.
  // The scatter adds u = [[10, 20], [30, 40]] at those positions.
  const char *src = R"mlir(
func.func @g(%x: tensor<2x3xf32>, %i: tensor<2x2xi64>, %u: tensor<2x2xf32>) -> (tensor<2x2xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %0 = kiln.gather_elements %x, %i {axis = 1} : (tensor<2x3xf32>, tensor<2x2xi64>) -> tensor<2x2xf32>
  %1 = kiln.scatter_elements %x, %i, %u {axis = 1, reduction = "add"} : (tensor<2x3xf32>, tensor<2x2xi64>, tensor<2x2xf32>) -> tensor<2x3xf32>
  %2 = kiln.scatter_elements %x, %i, %u {axis = 1} : (tensor<2x3xf32>, tensor<2x2xi64>, tensor<2x2xf32>) -> tensor<2x3xf32>
  return %0, %1, %2 : tensor<2x2xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}
)mlir";
  auto r = run(src, {f32({2, 3}, {0, 1, 2, 3, 4, 5}),
                     i64s({2, 2}, {-1, 0, 1, 7}),
                     f32({2, 2}, {10, 20, 30, 40})});
  ASSERT_EQ(r.size(), 3u);
  expectFloats(r[0], {2, 2}, {2, 0, 4, 5});
  expectFloats(r[1], {2, 3}, {20, 1, 12, 3, 34, 45});
  expectFloats(r[2], {2, 3}, {20, 1, 10, 3, 30, 40});
}

TEST_F(InterpreterTest, ScatterDuplicatesAccumulateInOrder) {
  // Index 1 twice: "none" keeps the last update, "mul" multiplies both in,
  // "max" propagates the NaN.
  const char *src = R"mlir(
func.func @g(%x: tensor<3xf32>, %i: tensor<3xi64>, %u: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) {
  %0 = kiln.scatter_elements %x, %i, %u : (tensor<3xf32>, tensor<3xi64>, tensor<3xf32>) -> tensor<3xf32>
  %1 = kiln.scatter_elements %x, %i, %u {reduction = "mul"} : (tensor<3xf32>, tensor<3xi64>, tensor<3xf32>) -> tensor<3xf32>
  %2 = kiln.scatter_elements %x, %i, %u {reduction = "max"} : (tensor<3xf32>, tensor<3xi64>, tensor<3xf32>) -> tensor<3xf32>
  return %0, %1, %2 : tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
}
)mlir";
  auto r = run(src, {f32({3}, {1, 2, 3}), i64s({3}, {1, -2, 0}),
                     f32({3}, {4, kNaN, 5})});
  ASSERT_EQ(r.size(), 3u);
  expectFloats(r[0], {3}, {5, kNaN, 3});
  expectFloats(r[1], {3}, {5, kNaN, 3});
  expectFloats(r[2], {3}, {5, kNaN, 3});
}

TEST_F(InterpreterTest, GatherScatterND) {
  // x = [[0, 1, 2], [3, 4, 5]]. gather_nd with tuples (1, -1) and (0, 1):
  // [5, 1]; with one-entry tuples (-1) and (0): rows 1 and 0; with a batch
  // dim, row b takes x[b][t[b]]: [x[0][2], x[1][0]] = [2, 3]. scatter_nd
  // multiplies row 1 by [2, 2, 2] twice.
  const char *src = R"mlir(
func.func @g(%x: tensor<2x3xf32>, %t: tensor<2x2xi64>, %r: tensor<2x1xi64>, %u: tensor<2x3xf32>) -> (tensor<2xf32>, tensor<2x3xf32>, tensor<2xf32>, tensor<2x3xf32>) {
  %0 = kiln.gather_nd %x, %t : (tensor<2x3xf32>, tensor<2x2xi64>) -> tensor<2xf32>
  %1 = kiln.gather_nd %x, %r : (tensor<2x3xf32>, tensor<2x1xi64>) -> tensor<2x3xf32>
  %b = kiln.constant dense<[[2], [0]]> : tensor<2x1xi32>
  %2 = kiln.gather_nd %x, %b {batch_dims = 1} : (tensor<2x3xf32>, tensor<2x1xi32>) -> tensor<2xf32>
  %s = kiln.constant dense<[[1], [-1]]> : tensor<2x1xi64>
  %3 = kiln.scatter_nd %x, %s, %u {reduction = "mul"} : (tensor<2x3xf32>, tensor<2x1xi64>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0, %1, %2, %3 : tensor<2xf32>, tensor<2x3xf32>, tensor<2xf32>, tensor<2x3xf32>
}
)mlir";
  auto r = run(src, {f32({2, 3}, {0, 1, 2, 3, 4, 5}),
                     i64s({2, 2}, {1, -1, 0, 1}), i64s({2, 1}, {-1, 0}),
                     f32({2, 3}, {2, 2, 2, 2, 2, 2})});
  ASSERT_EQ(r.size(), 4u);
  expectFloats(r[0], {2}, {5, 1});
  expectFloats(r[1], {2, 3}, {3, 4, 5, 0, 1, 2});
  expectFloats(r[2], {2}, {2, 3});
  expectFloats(r[3], {2, 3}, {0, 1, 2, 12, 16, 20});
}

TEST_F(InterpreterTest, CumSum) {
  // Along axis 1 of [[1, 2, 3], [4, 5, 6]].
  const char *src = R"mlir(
func.func @g(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %0 = kiln.cumsum %x {axis = 1} : tensor<2x3xf32>
  %1 = kiln.cumsum %x {axis = -1, exclusive = true} : tensor<2x3xf32>
  %2 = kiln.cumsum %x {axis = 1, exclusive = true, reverse = true} : tensor<2x3xf32>
  return %0, %1, %2 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}
)mlir";
  auto r = run(src, {f32({2, 3}, {1, 2, 3, 4, 5, 6})});
  ASSERT_EQ(r.size(), 3u);
  expectFloats(r[0], {2, 3}, {1, 3, 6, 4, 9, 15});
  expectFloats(r[1], {2, 3}, {0, 1, 3, 0, 4, 9});
  expectFloats(r[2], {2, 3}, {5, 3, 0, 11, 6, 0});
}

TEST_F(InterpreterTest, TopKTiesAndNaN) {
  // [2, NaN, 2, 5, 1]: largest first is NaN (1), 5 (3), then the two 2s in
  // index order (0, 2); smallest first is 1 (4), 2 (0), 2 (2).
  const char *src = R"mlir(
func.func @g(%x: tensor<5xf32>) -> (tensor<4xf32>, tensor<4xi64>, tensor<3xf32>, tensor<3xi64>) {
  %0:2 = kiln.topk %x {k = 4} : (tensor<5xf32>) -> (tensor<4xf32>, tensor<4xi64>)
  %1:2 = kiln.topk %x {k = 3, largest = false} : (tensor<5xf32>) -> (tensor<3xf32>, tensor<3xi64>)
  return %0#0, %0#1, %1#0, %1#1 : tensor<4xf32>, tensor<4xi64>, tensor<3xf32>, tensor<3xi64>
}
)mlir";
  auto r = run(src, {f32({5}, {2, kNaN, 2, 5, 1})});
  ASSERT_EQ(r.size(), 4u);
  expectFloats(r[0], {4}, {kNaN, 5, 2, 2});
  EXPECT_EQ(valuesOf<int64_t>(r[1]), (std::vector<int64_t>{1, 3, 0, 2}));
  expectFloats(r[2], {3}, {1, 2, 2});
  EXPECT_EQ(valuesOf<int64_t>(r[3]), (std::vector<int64_t>{4, 0, 2}));
}

TEST_F(InterpreterTest, IndexingRunTimeErrors) {
  // Sizes that only the run time knows: k beyond the axis, an index into an
  // empty axis, indices larger than the data away from the axis.
  const char *topk = R"mlir(
func.func @g(%x: tensor<?xf32>) -> (tensor<3xf32>, tensor<3xi64>) {
  %0:2 = kiln.topk %x {k = 3} : (tensor<?xf32>) -> (tensor<3xf32>, tensor<3xi64>)
  return %0#0, %0#1 : tensor<3xf32>, tensor<3xi64>
}
)mlir";
  std::string err = runExpectingError(topk, {f32({2}, {1, 2})});
  EXPECT_NE(err.find("k = 3 is out of range for axis 0 of size 2"),
            std::string::npos)
      << err;
  diagnostics.clear();
  const char *gather = R"mlir(
func.func @g(%x: tensor<?x?xf32>, %i: tensor<2x1xi64>) -> tensor<2x1xf32> {
  %0 = kiln.gather_elements %x, %i {axis = 1} : (tensor<?x?xf32>, tensor<2x1xi64>) -> tensor<2x1xf32>
  return %0 : tensor<2x1xf32>
}
)mlir";
  err = runExpectingError(gather, {f32({2, 0}, {}), i64s({2, 1}, {0, 0})});
  EXPECT_NE(err.find("index into the empty axis 1"), std::string::npos) << err;
  diagnostics.clear();
  err = runExpectingError(gather, {f32({1, 3}, {1, 2, 3}),
                                   i64s({2, 1}, {0, 0})});
  EXPECT_NE(err.find("indices dimension 0 (2) exceeds that of x (1)"),
            std::string::npos)
      << err;
}

TEST(DtypeTest, DtypeOfAndElementSize) {
  MLIRContext context;
  Builder b(&context);
  EXPECT_EQ(getDtypeCode(b.getF32Type()), KILN_DTYPE_F32);
  EXPECT_EQ(getDtypeCode(b.getF64Type()), KILN_DTYPE_F64);
  EXPECT_EQ(getDtypeCode(b.getF16Type()), KILN_DTYPE_F16);
  EXPECT_EQ(getDtypeCode(b.getBF16Type()), KILN_DTYPE_BF16);
  EXPECT_EQ(getDtypeCode(b.getI1Type()), KILN_DTYPE_BOOL);
  EXPECT_EQ(getDtypeCode(b.getI8Type()), KILN_DTYPE_I8);
  EXPECT_EQ(getDtypeCode(b.getI64Type()), KILN_DTYPE_I64);
  EXPECT_EQ(getDtypeCode(IntegerType::get(&context, 8, IntegerType::Unsigned)),
            KILN_DTYPE_U8);
  EXPECT_EQ(getDtypeCode(b.getIndexType()), 0);
  EXPECT_EQ(elementSize(KILN_DTYPE_BOOL), 1u);
  EXPECT_EQ(elementSize(KILN_DTYPE_BF16), 2u);
  EXPECT_EQ(elementSize(KILN_DTYPE_F64), 8u);
}

} // namespace
