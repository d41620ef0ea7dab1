// Tests of the runtime's model API (runtime/src/runtime.c) against
// hand-written artifacts (fake_artifact.c, fake_pairsum.c, fake_nosymbol.c)
// that implement kiln/abi.h the way compiled graphs do.
#include "kiln/runtime.h"

#include "fake_parfor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>
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

#define STR_(x) #x
#define STR(x) STR_(x)

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
               "artifact ABI version 99, runtime supports " STR(KILN_ABI_VERSION),
               FAKE_ABI99_PATH);
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

TEST(ModelOpen, MissingRunEx) {
  kiln_model *m = nullptr;
  EXPECT_ERROR(kiln_model_open(FAKE_NORUNEX_PATH, &m), KILN_ERROR_FORMAT,
               FAKE_NORUNEX_PATH, "artifact 'addone' has no run_ex function",
               "ABI version " STR(KILN_ABI_VERSION));
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

//===----------------------------------------------------------------------===//
// Threads: kiln_model_run_threads and the runtime's pool, through the parallel
// loop of parfor (fake_parfor.c), which reports what its loop body saw.
//===----------------------------------------------------------------------===//

int32_t online_cpus() {
  long c = sysconf(_SC_NPROCESSORS_ONLN);
  return c < 1 ? 1 : static_cast<int32_t>(c);
}

// The thread count a run gets for `requested`: 0 and counts above the number
// of CPUs mean one per CPU.
int32_t resolved_threads(int32_t requested) {
  int32_t cpus = online_cpus();
  return requested == 0 || requested > cpus ? cpus : requested;
}

constexpr int64_t kMinWorkerStack = int64_t{16} << 20;

struct ParForCall {
  explicit ParForCall(int64_t n, int64_t inner_n = 0, int64_t work = 0,
                      bool rendezvous = false)
      : n(n), x(n), y(n, -99), visits(n, -99), stats(FAKE_STAT_COUNT, -1),
        cfg(FAKE_CFG_COUNT, 0), x_shape{n}, cfg_shape{FAKE_CFG_COUNT},
        stats_shape{FAKE_STAT_COUNT} {
    for (int64_t i = 0; i < n; ++i)
      x[i] = static_cast<int32_t>(i * 7 % 1001) - 500;
    cfg[FAKE_CFG_INNER_N] = inner_n;
    cfg[FAKE_CFG_WORK] = work;
    cfg[FAKE_CFG_RENDEZVOUS] = rendezvous;
    inputs[0] = tensor(x.data(), x_shape, KILN_DTYPE_I32);
    inputs[1] = tensor(cfg.data(), cfg_shape, KILN_DTYPE_I64);
    outputs[0] = tensor(y.data(), x_shape, KILN_DTYPE_I32);
    outputs[1] = tensor(visits.data(), x_shape, KILN_DTYPE_I32);
    outputs[2] = tensor(stats.data(), stats_shape, KILN_DTYPE_I64);
  }
  kiln_status run(kiln_model *m, int32_t threads) {
    return kiln_model_run_threads(m, inputs, 2, outputs, 3, threads);
  }
  int64_t stat(int i) const { return stats[i]; }

  // Every iteration ran exactly once and computed x + 1; the loop ran on at
  // most the resolved number of threads; nested loops stayed on their thread;
  // workers have big enough stacks.
  ::testing::AssertionResult check(int32_t requested) const {
    const int32_t threads = resolved_threads(requested);
    auto fail = [&] {
      return ::testing::AssertionFailure()
             << "n=" << n << " threads=" << requested << ": ";
    };
    for (int64_t i = 0; i < n; ++i) {
      if (visits[i] != 1)
        return fail() << "iteration " << i << " ran " << visits[i] << " times";
      if (y[i] != x[i] + 1)
        return fail() << "y[" << i << "] = " << y[i] << ", expected "
                      << x[i] + 1;
    }
    if (stat(FAKE_STAT_EXEC_THREADS) != threads)
      return fail() << "exec->num_threads " << stat(FAKE_STAT_EXEC_THREADS);
    if (stat(FAKE_STAT_MAX_ACTIVE) > threads)
      return fail() << stat(FAKE_STAT_MAX_ACTIVE) << " chunks ran at once";
    if (stat(FAKE_STAT_THREADS) > threads)
      return fail() << "ran on " << stat(FAKE_STAT_THREADS) << " threads";
    if ((n == 0) != (stat(FAKE_STAT_CALLS) == 0))
      return fail() << stat(FAKE_STAT_CALLS) << " calls of the loop body";
    if (stat(FAKE_STAT_CALLS) > n)
      return fail() << stat(FAKE_STAT_CALLS) << " calls for " << n
                    << " iterations";
    if (stat(FAKE_STAT_INNER) != n * cfg[FAKE_CFG_INNER_N])
      return fail() << stat(FAKE_STAT_INNER) << " nested iterations";
    if (stat(FAKE_STAT_INNER_FOREIGN) != 0)
      return fail() << stat(FAKE_STAT_INNER_FOREIGN)
                    << " nested chunks left their thread";
    if (threads == 1 &&
        (stat(FAKE_STAT_FOREIGN) != 0 || stat(FAKE_STAT_THREADS) != (n > 0)))
      return fail() << "one thread, but " << stat(FAKE_STAT_FOREIGN)
                    << " chunks ran on other threads";
    if (stat(FAKE_STAT_FOREIGN) > 0 &&
        stat(FAKE_STAT_MIN_STACK) < kMinWorkerStack)
      return fail() << "a worker's stack is " << stat(FAKE_STAT_MIN_STACK)
                    << " bytes";
    return ::testing::AssertionSuccess();
  }

  int64_t n;
  std::vector<int32_t> x, y, visits;
  std::vector<int64_t> stats, cfg;
  std::vector<int64_t> x_shape, cfg_shape, stats_shape;
  kiln_tensor inputs[2];
  kiln_tensor outputs[3];
};

class Threads : public ::testing::Test {
protected:
  void SetUp() override {
    model_ = open(FAKE_PARFOR_PATH);
    ASSERT_TRUE(model_);
  }
  kiln_model *m() { return model_.get(); }
  ModelPtr model_;
};

TEST_F(Threads, EveryIterationRunsOnce) {
  for (int32_t threads : {1, 2, 0}) {
    for (int64_t n : {0, 1, 7, 1000}) {
      ParForCall call(n, 0, 50);
      ASSERT_EQ(call.run(m(), threads), KILN_OK) << kiln_last_error();
      EXPECT_TRUE(call.check(threads));
    }
  }
}

TEST_F(Threads, OneThreadRunsOnTheCaller) {
  ParForCall call(1000, 3, 50);
  ASSERT_EQ(call.run(m(), 1), KILN_OK) << kiln_last_error();
  EXPECT_TRUE(call.check(1));
  EXPECT_EQ(call.stat(FAKE_STAT_THREADS), 1);
  EXPECT_EQ(call.stat(FAKE_STAT_FOREIGN), 0);
  EXPECT_EQ(call.stat(FAKE_STAT_MAX_ACTIVE), 1);
}

TEST_F(Threads, ThreadCountResolution) {
  const int32_t cpus = online_cpus();
  for (int32_t requested : {0, 1, 2, 3, 1 << 20}) {
    ParForCall call(10);
    ASSERT_EQ(call.run(m(), requested), KILN_OK) << kiln_last_error();
    EXPECT_EQ(call.stat(FAKE_STAT_EXEC_THREADS),
              requested == 0 ? cpus : std::min(requested, cpus))
        << requested;
  }
  // kiln_model_run uses one thread per CPU.
  ParForCall call(10);
  ASSERT_EQ(kiln_model_run(m(), call.inputs, 2, call.outputs, 3), KILN_OK)
      << kiln_last_error();
  EXPECT_EQ(call.stat(FAKE_STAT_EXEC_THREADS), cpus);
  EXPECT_TRUE(call.check(0));
}

TEST_F(Threads, NegativeThreadCountIsAnError) {
  ParForCall call(10);
  EXPECT_ERROR(call.run(m(), -1), KILN_ERROR_INVALID_ARGUMENT,
               "graph 'parfor'", "num_threads must be >= 0", "got -1");
  EXPECT_EQ(call.visits[0], -99); // nothing ran
}

// The run's first chunk waits until a second thread runs one, so the pool's
// workers must take part.
TEST_F(Threads, WorkersTakePart) {
  if (online_cpus() < 2)
    GTEST_SKIP() << "one CPU: the pool has no workers";
  for (int32_t threads : {2, 0}) {
    ParForCall call(1000, 0, 50, /*rendezvous=*/true);
    ASSERT_EQ(call.run(m(), threads), KILN_OK) << kiln_last_error();
    EXPECT_TRUE(call.check(threads));
    EXPECT_GE(call.stat(FAKE_STAT_THREADS), 2);
    EXPECT_GE(call.stat(FAKE_STAT_FOREIGN), 1);
    EXPECT_GE(call.stat(FAKE_STAT_MIN_STACK), kMinWorkerStack);
  }
}

TEST_F(Threads, NestedLoopsRunInline) {
  for (int32_t threads : {0, 2}) {
    ParForCall call(200, 13, 10, /*rendezvous=*/online_cpus() >= 2);
    ASSERT_EQ(call.run(m(), threads), KILN_OK) << kiln_last_error();
    EXPECT_TRUE(call.check(threads)); // includes the nested iteration count
    EXPECT_EQ(call.stat(FAKE_STAT_INNER), 200 * 13);
    EXPECT_EQ(call.stat(FAKE_STAT_INNER_FOREIGN), 0);
  }
}

// Several threads run the model at once with different thread counts: each
// run is complete and within its count, none deadlocks, and the pool's
// workers never run more than CPUs - 1 chunks at once in all.
TEST_F(Threads, ConcurrentRuns) {
  constexpr int kCallers = 8;
  constexpr int kRuns = 50;
  const int32_t counts[] = {0, 1, 2, 3};
  const int64_t sizes[] = {0, 1, 7, 1000};
  std::atomic<int> failures{0};
  std::mutex first_mu;
  std::string first;
  std::vector<std::thread> callers;
  for (int t = 0; t < kCallers; ++t) {
    callers.emplace_back([&, t] {
      for (int it = 0; it < kRuns; ++it) {
        const int32_t threads = counts[(t + it) % 4];
        ParForCall call(sizes[(t * 3 + it) % 4], it % 5 == 0 ? 3 : 0, 20);
        kiln_status s = call.run(m(), threads);
        ::testing::AssertionResult ok = ::testing::AssertionSuccess();
        if (s != KILN_OK)
          ok = ::testing::AssertionFailure() << kiln_last_error();
        else
          ok = call.check(threads);
        if (!ok) {
          ++failures;
          std::lock_guard<std::mutex> lock(first_mu);
          if (first.empty())
            first = ok.message();
        }
      }
    });
  }
  for (auto &th : callers)
    th.join();
  EXPECT_EQ(failures.load(), 0) << "first failure: " << first;

  ParForCall last(7);
  ASSERT_EQ(last.run(m(), 1), KILN_OK) << kiln_last_error();
  EXPECT_LE(last.stat(FAKE_STAT_GLOBAL_MAX_FOREIGN), online_cpus() - 1);
}

// A child process has none of its parent's workers: it must neither wait for
// them nor run without a pool.
TEST_F(Threads, ForkedChildRunsWithItsOwnPool) {
  ParForCall before(100, 0, 10);
  ASSERT_EQ(before.run(m(), 0), KILN_OK) << kiln_last_error(); // pool exists
  pid_t pid = fork();
  ASSERT_NE(pid, -1);
  if (pid == 0) {
    alarm(30); // a deadlock kills the child
    bool ok = true;
    for (int i = 0; i < 5 && ok; ++i) {
      ParForCall call(1000, 0, 50, /*rendezvous=*/online_cpus() >= 2);
      ok = call.run(m(), 0) == KILN_OK && call.check(0) &&
           (online_cpus() < 2 || call.stat(FAKE_STAT_THREADS) >= 2);
    }
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status)) << "child killed by signal "
                                 << (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0);
  ParForCall after(1000, 0, 50);
  ASSERT_EQ(after.run(m(), 0), KILN_OK) << kiln_last_error();
  EXPECT_TRUE(after.check(0));
}

TEST_F(Threads, GraphWithoutParallelLoops) {
  ModelPtr addone = open(FAKE_ADDONE_PATH);
  ASSERT_TRUE(addone);
  std::vector<float> x = {1, 2, 3, 4, 5, 6}, y(6);
  std::vector<int64_t> shape = {2, 3};
  kiln_tensor in = tensor(x.data(), shape), out = tensor(y.data(), shape);
  for (int32_t threads : {0, 1, 4}) {
    ASSERT_EQ(kiln_model_run_threads(addone.get(), &in, 1, &out, 1, threads),
              KILN_OK)
        << kiln_last_error();
    for (int i = 0; i < 6; ++i)
      EXPECT_EQ(y[i], x[i] + 1.0f);
  }
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
