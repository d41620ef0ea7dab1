// Tests of the runtime's model API (runtime/src/runtime.c) against
// hand-written artifacts (fake_artifact.c, fake_pairsum.c, fake_nosymbol.c)
// that implement kiln/abi.h the way compiled graphs do.
#include "kiln/runtime.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace fs = std::filesystem;

namespace {


#define EXPECT_ERROR(call, status, ...)                                        \
  do {                                                                         \
    kiln_status s_ = (call);                                                   \
    EXPECT_EQ(s_, status) << kiln_status_name(s_) << ": " << kiln_last_error(); \
    std::string msg_ = kiln_last_error();                                      \
    for (const char *part_ : std::initializer_list<const char *>{__VA_ARGS__})                              \
      EXPECT_NE(msg_.find(part_), std::string::npos)                           \
          << "message \"" << msg_ << "\" should contain \"" << part_ << "\"";  \
  } while (0)

kiln_tensor tensor(void *data, const std::vector<int64_t> &shape,
                   int32_t dtype = KILN_DTYPE_F32) {
  kiln_tensor t;
  t.data = data;
  t.shape = shape.data();
  t.rank = static_cast<int32_t>(shape.size());
  t.dtype = dtype;
  return t;
}

struct ModelDeleter {
  void operator()(kiln_model *m) const { kiln_model_close(m); }
};
using ModelPtr = std::unique_ptr<kiln_model, ModelDeleter>;

ModelPtr open(const char *path) {
  kiln_model *m = nullptr;
  kiln_status s = kiln_model_open(path, &m);
  EXPECT_EQ(s, KILN_OK) << kiln_last_error();
  return ModelPtr(m);
}

//===----------------------------------------------------------------------===//
// Opening
//===----------------------------------------------------------------------===//

TEST(ModelOpen, DescribesAddOne) {
  ModelPtr m = open(FAKE_ADDONE_PATH);
  ASSERT_TRUE(m);
  const kiln_graph_desc *d = kiln_model_describe(m.get());
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->abi_version, static_cast<uint32_t>(KILN_ABI_VERSION));
  EXPECT_STREQ(d->name, "addone");
  ASSERT_EQ(d->num_inputs, 1);
  ASSERT_EQ(d->num_outputs, 1);
  EXPECT_STREQ(d->inputs[0].name, "x");
  EXPECT_EQ(d->inputs[0].dtype, KILN_DTYPE_F32);
  ASSERT_EQ(d->inputs[0].rank, 2);
  EXPECT_EQ(d->inputs[0].dims[0], -1);
  EXPECT_EQ(d->inputs[0].dims[1], 3);
  EXPECT_STREQ(d->inputs[0].dim_exprs[0], "N");
  EXPECT_STREQ(d->outputs[0].name, "y");
  EXPECT_STREQ(d->outputs[0].dim_exprs[0], "N");
  EXPECT_EQ(d->workspace_size, 0u);
  EXPECT_EQ(kiln_model_describe(nullptr), nullptr);
}

TEST(ModelOpen, WrongAbiVersion) {
  kiln_model *m = reinterpret_cast<kiln_model *>(0x1);
  EXPECT_ERROR(kiln_model_open(FAKE_ABI99_PATH, &m), KILN_ERROR_ABI,
               "artifact ABI version 99, runtime supports 1", FAKE_ABI99_PATH);
  EXPECT_EQ(m, nullptr);
}

TEST(ModelOpen, MissingFile) {
  kiln_model *m = nullptr;
  EXPECT_ERROR(kiln_model_open("/nonexistent/dir/model.so", &m), KILN_ERROR_IO,
               "/nonexistent/dir/model.so", "No such file");
  EXPECT_EQ(m, nullptr);
}

TEST(ModelOpen, Directory) {
  kiln_model *m = nullptr;
  EXPECT_ERROR(kiln_model_open("/tmp", &m), KILN_ERROR_IO, "/tmp",
               "directory");
}

TEST(ModelOpen, BareNameIsAFileNotALibrarySearch) {
  // A name without '/' means a file in the current directory; dlopen would
  // otherwise find the system's libm.
  if (access("libm.so.6", F_OK) == 0)
    GTEST_SKIP() << "libm.so.6 exists in the current directory";
  kiln_model *m = nullptr;
  EXPECT_ERROR(kiln_model_open("libm.so.6", &m), KILN_ERROR_IO, "libm.so.6");
}

TEST(ModelOpen, SharedLibraryWithoutTheSymbol) {
  kiln_model *m = nullptr;
  EXPECT_ERROR(kiln_model_open(FAKE_NOSYMBOL_PATH, &m), KILN_ERROR_FORMAT,
               "not a Kiln artifact", "kiln_artifact_describe",
               FAKE_NOSYMBOL_PATH);
  EXPECT_EQ(m, nullptr);
}

TEST(ModelOpen, NotASharedLibrary) {
  char tmpl[] = "/tmp/kiln-rt-test-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string p = std::string(tmpl) + "/model.so";
  std::ofstream(p) << "this is not an ELF file\n";
  kiln_model *m = nullptr;
  EXPECT_ERROR(kiln_model_open(p.c_str(), &m), KILN_ERROR_FORMAT, p.c_str(),
               "shared library");
  EXPECT_EQ(m, nullptr);
  std::string empty = std::string(tmpl) + "/empty.so";
  std::ofstream(empty).flush();
  EXPECT_ERROR(kiln_model_open(empty.c_str(), &m), KILN_ERROR_FORMAT,
               empty.c_str());
  fs::remove_all(tmpl);
}

TEST(ModelOpen, MalformedDescription) {
  kiln_model *m = nullptr;
  EXPECT_ERROR(kiln_model_open(FAKE_BADDESC_PATH, &m), KILN_ERROR_FORMAT,
               "output 'y' dim 0", "symbol 'M'");
  EXPECT_EQ(m, nullptr);
}

TEST(ModelOpen, NullArguments) {
  kiln_model *m = nullptr;
  EXPECT_ERROR(kiln_model_open(nullptr, &m), KILN_ERROR_INVALID_ARGUMENT);
  EXPECT_ERROR(kiln_model_open(FAKE_ADDONE_PATH, nullptr),
               KILN_ERROR_INVALID_ARGUMENT);
  kiln_model_close(nullptr);
}

TEST(ModelOpen, OpenTwice) {
  ModelPtr a = open(FAKE_ADDONE_PATH);
  ModelPtr b = open(FAKE_ADDONE_PATH);
  ASSERT_TRUE(a && b);
  a.reset();
  // b still works after a is closed (dlopen reference counting).
  std::vector<float> x = {1, 2, 3}, y(3);
  std::vector<int64_t> shape = {1, 3};
  kiln_tensor in = tensor(x.data(), shape), out = tensor(y.data(), shape);
  ASSERT_EQ(kiln_model_run(b.get(), &in, 1, &out, 1), KILN_OK)
      << kiln_last_error();
  EXPECT_EQ(y[2], 4.0f);
}

//===----------------------------------------------------------------------===//
// Resolving shapes and running: addone
//===----------------------------------------------------------------------===//

class AddOne : public ::testing::Test {
protected:
  void SetUp() override {
    model_ = open(FAKE_ADDONE_PATH);
    ASSERT_TRUE(model_);
  }
  kiln_model *m() { return model_.get(); }
  ModelPtr model_;
};

TEST_F(AddOne, ResolveOutputShape) {
  for (int64_t n : {0, 1, 5, 1000000}) {
    std::vector<int64_t> shape = {n, 3};
    kiln_tensor in = tensor(nullptr, shape); // data is not needed
    int64_t out[2] = {-7, -7};
    ASSERT_EQ(kiln_model_resolve_output_shape(m(), &in, 1, 0, out), KILN_OK)
        << kiln_last_error();
    EXPECT_EQ(out[0], n);
    EXPECT_EQ(out[1], 3);
  }
}

TEST_F(AddOne, ResolveErrors) {
  std::vector<int64_t> shape = {2, 3};
  kiln_tensor in = tensor(nullptr, shape);
  int64_t out[2];
  EXPECT_ERROR(kiln_model_resolve_output_shape(m(), &in, 1, 1, out),
               KILN_ERROR_INVALID_ARGUMENT, "output index 1");
  EXPECT_ERROR(kiln_model_resolve_output_shape(m(), &in, 1, -1, out),
               KILN_ERROR_INVALID_ARGUMENT, "output index -1");
  EXPECT_ERROR(kiln_model_resolve_output_shape(m(), &in, 1, 0, nullptr),
               KILN_ERROR_INVALID_ARGUMENT, "'y'");
  EXPECT_ERROR(kiln_model_resolve_output_shape(nullptr, &in, 1, 0, out),
               KILN_ERROR_INVALID_ARGUMENT);
  std::vector<int64_t> bad = {2, 4};
  in = tensor(nullptr, bad);
  EXPECT_ERROR(kiln_model_resolve_output_shape(m(), &in, 1, 0, out),
               KILN_ERROR_SHAPE, "input 'x' dim 1: expected 3, got 4");
}

TEST_F(AddOne, Run) {
  std::vector<float> x(12), y(12, 0.0f);
  for (int i = 0; i < 12; ++i)
    x[i] = i * 0.5f;
  std::vector<int64_t> shape = {4, 3};
  kiln_tensor in = tensor(x.data(), shape), out = tensor(y.data(), shape);
  ASSERT_EQ(kiln_model_run(m(), &in, 1, &out, 1), KILN_OK) << kiln_last_error();
  for (int i = 0; i < 12; ++i)
    EXPECT_EQ(y[i], i * 0.5f + 1.0f);
}

TEST_F(AddOne, RunEmpty) {
  std::vector<int64_t> shape = {0, 3};
  kiln_tensor in = tensor(nullptr, shape), out = tensor(nullptr, shape);
  EXPECT_EQ(kiln_model_run(m(), &in, 1, &out, 1), KILN_OK) << kiln_last_error();
}

TEST_F(AddOne, WrongInputDtype) {
  std::vector<int32_t> x(6);
  std::vector<float> y(6);
  std::vector<int64_t> shape = {2, 3};
  kiln_tensor in = tensor(x.data(), shape, KILN_DTYPE_I32);
  kiln_tensor out = tensor(y.data(), shape);
  EXPECT_ERROR(kiln_model_run(m(), &in, 1, &out, 1), KILN_ERROR_DTYPE,
               "input 'x': expected dtype f32, got i32");
  in.dtype = 42;
  EXPECT_ERROR(kiln_model_run(m(), &in, 1, &out, 1), KILN_ERROR_DTYPE,
               "input 'x'", "unknown dtype 42");
}

TEST_F(AddOne, WrongOutputDtype) {
  std::vector<float> x(6);
  std::vector<double> y(6);
  std::vector<int64_t> shape = {2, 3};
  kiln_tensor in = tensor(x.data(), shape);
  kiln_tensor out = tensor(y.data(), shape, KILN_DTYPE_F64);
  EXPECT_ERROR(kiln_model_run(m(), &in, 1, &out, 1), KILN_ERROR_DTYPE,
               "output 'y': expected dtype f32, got f64");
}

TEST_F(AddOne, WrongRank) {
  std::vector<float> x(6), y(6);
  std::vector<int64_t> s3 = {2, 3, 1}, s2 = {2, 3}, s1 = {6};
  kiln_tensor in = tensor(x.data(), s3), out = tensor(y.data(), s2);
  EXPECT_ERROR(kiln_model_run(m(), &in, 1, &out, 1), KILN_ERROR_SHAPE,
               "input 'x': expected rank 2, got 3");
  in = tensor(x.data(), s2);
  out = tensor(y.data(), s1);
  EXPECT_ERROR(kiln_model_run(m(), &in, 1, &out, 1), KILN_ERROR_SHAPE,
               "output 'y': expected rank 2, got 1");
}

TEST_F(AddOne, WrongStaticDim) {
  std::vector<float> x(8), y(8);
  std::vector<int64_t> bad = {2, 4}, good = {2, 3};
  kiln_tensor in = tensor(x.data(), bad), out = tensor(y.data(), good);
  EXPECT_ERROR(kiln_model_run(m(), &in, 1, &out, 1), KILN_ERROR_SHAPE,
               "input 'x' dim 1: expected 3, got 4");
  in = tensor(x.data(), good);
  out = tensor(y.data(), bad);
  EXPECT_ERROR(kiln_model_run(m(), &in, 1, &out, 1), KILN_ERROR_SHAPE,
               "output 'y' dim 1: expected 3, got 4");
}

TEST_F(AddOne, OutputShapeMustMatchResolvedShape) {
  std::vector<float> x(6), y(9);
  std::vector<int64_t> in_shape = {2, 3}, out_shape = {3, 3};
  kiln_tensor in = tensor(x.data(), in_shape), out = tensor(y.data(), out_shape);
  EXPECT_ERROR(kiln_model_run(m(), &in, 1, &out, 1), KILN_ERROR_SHAPE,
               "output 'y' dim 0: expected 2 (N), got 3");
}

TEST_F(AddOne, NegativeDim) {
  std::vector<float> x(6), y(6);
  std::vector<int64_t> neg = {-2, 3}, good = {2, 3};
  kiln_tensor in = tensor(x.data(), neg), out = tensor(y.data(), good);
  EXPECT_ERROR(kiln_model_run(m(), &in, 1, &out, 1), KILN_ERROR_SHAPE,
               "input 'x' dim 0: negative size -2");
}

TEST_F(AddOne, WrongCounts) {
  std::vector<float> x(6), y(6);
  std::vector<int64_t> shape = {2, 3};
  kiln_tensor ins[2] = {tensor(x.data(), shape), tensor(x.data(), shape)};
  kiln_tensor outs[2] = {tensor(y.data(), shape), tensor(y.data(), shape)};
  EXPECT_ERROR(kiln_model_run(m(), ins, 2, outs, 1),
               KILN_ERROR_INVALID_ARGUMENT, "graph 'addone' expects 1 input, got 2");
  EXPECT_ERROR(kiln_model_run(m(), ins, 0, outs, 1),
               KILN_ERROR_INVALID_ARGUMENT, "expects 1 input, got 0");
  EXPECT_ERROR(kiln_model_run(m(), ins, 1, outs, 2),
               KILN_ERROR_INVALID_ARGUMENT, "graph 'addone' expects 1 output, got 2");
  EXPECT_ERROR(kiln_model_run(m(), ins, 1, outs, -1),
               KILN_ERROR_INVALID_ARGUMENT, "expects 1 output, got -1");
}

TEST_F(AddOne, NullPointers) {
  std::vector<float> x(6), y(6);
  std::vector<int64_t> shape = {2, 3};
  kiln_tensor in = tensor(x.data(), shape), out = tensor(y.data(), shape);
  EXPECT_ERROR(kiln_model_run(m(), nullptr, 1, &out, 1),
               KILN_ERROR_INVALID_ARGUMENT, "inputs is NULL");
  EXPECT_ERROR(kiln_model_run(m(), &in, 1, nullptr, 1),
               KILN_ERROR_INVALID_ARGUMENT, "outputs is NULL");
  EXPECT_ERROR(kiln_model_run(nullptr, &in, 1, &out, 1),
               KILN_ERROR_INVALID_ARGUMENT);
  kiln_tensor no_data = tensor(nullptr, shape);
  EXPECT_ERROR(kiln_model_run(m(), &no_data, 1, &out, 1),
               KILN_ERROR_INVALID_ARGUMENT, "input 'x': data is NULL");
  EXPECT_ERROR(kiln_model_run(m(), &in, 1, &no_data, 1),
               KILN_ERROR_INVALID_ARGUMENT, "output 'y': data is NULL");
  kiln_tensor no_shape = in;
  no_shape.shape = nullptr;
  EXPECT_ERROR(kiln_model_run(m(), &no_shape, 1, &out, 1),
               KILN_ERROR_INVALID_ARGUMENT, "input 'x': shape is NULL");
}

TEST(ModelRun, GraphFailureIsReported) {
  ModelPtr m = open(FAKE_FAILING_PATH);
  ASSERT_TRUE(m);
  std::vector<float> x(3), y(3);
  std::vector<int64_t> shape = {1, 3};
  kiln_tensor in = tensor(x.data(), shape), out = tensor(y.data(), shape);
  EXPECT_ERROR(kiln_model_run(m.get(), &in, 1, &out, 1), KILN_ERROR_RUN,
               "graph 'addone'", "run status 4", "KILN_RUN_BAD_SHAPE");
}

//===----------------------------------------------------------------------===//
// Several inputs sharing symbols, compound expressions, a workspace: pairsum
//===----------------------------------------------------------------------===//

struct PairSumCall {
  PairSumCall(int64_t n, int64_t s)
      : n(n), s(s), a(n * s), b(n * 2), c(n * s), rowsum(n), tiled(2 * n * s),
        a_shape{n, s}, b_shape{n, 2}, c_shape{n * s}, rowsum_shape{n},
        tiled_shape{2 * n * s} {
    for (int64_t i = 0; i < n * s; ++i) {
      a[i] = static_cast<float>(i % 7) - 3.0f;
      c[i] = static_cast<int32_t>(i % 5);
    }
    for (int64_t i = 0; i < n * 2; ++i)
      b[i] = static_cast<float>(i) * 0.5f;
    inputs[0] = tensor(a.data(), a_shape);
    inputs[1] = tensor(b.data(), b_shape);
    inputs[2] = tensor(c.data(), c_shape, KILN_DTYPE_I32);
    outputs[0] = tensor(rowsum.data(), rowsum_shape);
    outputs[1] = tensor(tiled.data(), tiled_shape);
    outputs[2] = tensor(&count, {}, KILN_DTYPE_I64);
    outputs[2].shape = nullptr;
  }
  ::testing::AssertionResult check() const {
    for (int64_t i = 0; i < n; ++i) {
      float want = b[2 * i] + b[2 * i + 1];
      for (int64_t j = 0; j < s; ++j)
        want += a[i * s + j];
      if (rowsum[i] != want)
        return ::testing::AssertionFailure() << "rowsum[" << i << "]";
    }
    for (int64_t k = 0; k < 2 * n * s; ++k)
      if (tiled[k] != a[k % (n * s)] + static_cast<float>(c[k % (n * s)]))
        return ::testing::AssertionFailure() << "tiled[" << k << "]";
    if (count != n * s)
      return ::testing::AssertionFailure() << "count " << count;
    return ::testing::AssertionSuccess();
  }
  int64_t n, s;
  std::vector<float> a, b;
  std::vector<int32_t> c;
  std::vector<float> rowsum, tiled;
  int64_t count = -1;
  std::vector<int64_t> a_shape, b_shape, c_shape, rowsum_shape, tiled_shape;
  kiln_tensor inputs[3];
  kiln_tensor outputs[3];
};

class PairSum : public ::testing::Test {
protected:
  void SetUp() override {
    model_ = open(FAKE_PAIRSUM_PATH);
    ASSERT_TRUE(model_);
  }
  kiln_model *m() { return model_.get(); }
  ModelPtr model_;
};

TEST_F(PairSum, Describe) {
  const kiln_graph_desc *d = kiln_model_describe(m());
  EXPECT_STREQ(d->name, "pairsum");
  EXPECT_EQ(d->num_inputs, 3);
  EXPECT_EQ(d->num_outputs, 3);
  EXPECT_EQ(d->workspace_size, 256u);
  EXPECT_STREQ(d->outputs[1].dim_exprs[0], "2*N*S");
}

TEST_F(PairSum, ResolveEveryOutput) {
  PairSumCall call(3, 5);
  int64_t shape[1] = {-1};
  ASSERT_EQ(kiln_model_resolve_output_shape(m(), call.inputs, 3, 0, shape),
            KILN_OK)
      << kiln_last_error();
  EXPECT_EQ(shape[0], 3);
  ASSERT_EQ(kiln_model_resolve_output_shape(m(), call.inputs, 3, 1, shape),
            KILN_OK)
      << kiln_last_error();
  EXPECT_EQ(shape[0], 30);
  // A rank-0 output needs no shape buffer.
  EXPECT_EQ(kiln_model_resolve_output_shape(m(), call.inputs, 3, 2, nullptr),
            KILN_OK)
      << kiln_last_error();
}

TEST_F(PairSum, Run) {
  for (auto ns : {std::pair<int64_t, int64_t>{3, 5}, {1, 1}, {7, 2}, {0, 4}}) {
    PairSumCall call(ns.first, ns.second);
    ASSERT_EQ(kiln_model_run(m(), call.inputs, 3, call.outputs, 3), KILN_OK)
        << kiln_last_error();
    EXPECT_TRUE(call.check());
  }
}

TEST_F(PairSum, SymbolMismatchBetweenInputs) {
  PairSumCall call(3, 5);
  call.b_shape[0] = 4;
  EXPECT_ERROR(kiln_model_run(m(), call.inputs, 3, call.outputs, 3),
               KILN_ERROR_SHAPE, "input 'b' dim 0: expected 3", "symbol 'N'",
               "input 'a' dim 0", "got 4");
  int64_t shape[1];
  EXPECT_ERROR(kiln_model_resolve_output_shape(m(), call.inputs, 3, 0, shape),
               KILN_ERROR_SHAPE, "input 'b' dim 0");
}

TEST_F(PairSum, CompoundExpressionMismatch) {
  PairSumCall call(3, 5);
  call.c_shape[0] = 14;
  EXPECT_ERROR(kiln_model_run(m(), call.inputs, 3, call.outputs, 3),
               KILN_ERROR_SHAPE, "input 'c' dim 0: expected 15 (N*S), got 14");
}

TEST_F(PairSum, OutputShapeFromProduct) {
  PairSumCall call(3, 5);
  call.tiled_shape[0] = 15;
  EXPECT_ERROR(kiln_model_run(m(), call.inputs, 3, call.outputs, 3),
               KILN_ERROR_SHAPE, "output 'tiled' dim 0: expected 30 (2*N*S), got 15");
  call.tiled_shape[0] = 30;
  call.outputs[2].rank = 1;
  EXPECT_ERROR(kiln_model_run(m(), call.inputs, 3, call.outputs, 3),
               KILN_ERROR_SHAPE, "output 'count': expected rank 0, got 1");
}

TEST_F(PairSum, ConcurrentRunsOnOneModel) {
  constexpr int kThreads = 8;
  constexpr int kIters = 200;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int it = 0; it < kIters; ++it) {
        PairSumCall call(1 + (t + it) % 9, 1 + t % 4);
        if (kiln_model_run(m(), call.inputs, 3, call.outputs, 3) != KILN_OK ||
            !call.check())
          ++failures;
      }
    });
  }
  for (auto &th : threads)
    th.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(LastError, IsPerThread) {
  ModelPtr m = open(FAKE_ADDONE_PATH);
  ASSERT_TRUE(m);
  std::vector<int64_t> shape = {2, 4};
  kiln_tensor in = tensor(nullptr, shape);
  int64_t out[2];
  ASSERT_EQ(kiln_model_resolve_output_shape(m.get(), &in, 1, 0, out),
            KILN_ERROR_SHAPE);
  std::string mine = kiln_last_error();
  std::string theirs;
  std::thread([&] {
    theirs = kiln_last_error(); // nothing failed on this thread yet
    kiln_model *none = nullptr;
    kiln_model_open("/nonexistent.so", &none);
  }).join();
  EXPECT_EQ(theirs, "");
  EXPECT_EQ(mine, kiln_last_error());
  // Success leaves the message alone.
  std::vector<int64_t> good = {2, 3};
  in = tensor(nullptr, good);
  ASSERT_EQ(kiln_model_resolve_output_shape(m.get(), &in, 1, 0, out), KILN_OK);
  EXPECT_EQ(mine, kiln_last_error());
}

} // namespace
