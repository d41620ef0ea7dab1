// Tests of the runtime's .npy reader and writer (runtime/src/npy.c):
// round trips, interoperability with files written and read by NumPy itself,
// and an error (never a crash) for every kind of malformed file.
#include "kiln/runtime.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#ifndef KILN_UNIT_PYTHON
#define KILN_UNIT_PYTHON "/usr/bin/python3"
#endif

namespace fs = std::filesystem;

namespace {

using Bytes = std::string;

Bytes readBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void writeBytes(const std::string &path, const Bytes &bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A .npy file with the given header dict (padded per the spec) and data.
Bytes makeNpy(const std::string &dict, const Bytes &data, int major = 1) {
  size_t prefix = major == 1 ? 10 : 12;
  size_t total = (prefix + dict.size() + 1 + 63) / 64 * 64;
  size_t hlen = total - prefix;
  Bytes out("\x93NUMPY", 6);
  out.push_back(static_cast<char>(major));
  out.push_back(0);
  for (size_t i = 0; i < prefix - 8; ++i)
    out.push_back(static_cast<char>((hlen >> (8 * i)) & 0xff));
  out += dict;
  out.append(hlen - dict.size() - 1, ' ');
  out.push_back('\n');
  return out + data;
}

std::string dictFor(const std::string &descr, const std::string &shape,
                    const char *fortran = "False") {
  return "{'descr': '" + descr + "', 'fortran_order': " + fortran +
         ", 'shape': " + shape + ", }";
}

template <typename T> Bytes raw(const std::vector<T> &v) {
  return Bytes(reinterpret_cast<const char *>(v.data()), v.size() * sizeof(T));
}

class NpyTest : public ::testing::Test {
protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kiln-npy-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string path(const std::string &name) const { return dir_ + "/" + name; }

  std::string file(const std::string &name, const Bytes &bytes) const {
    std::string p = path(name);
    writeBytes(p, bytes);
    return p;
  }

  // Runs a Python program (with numpy imported as np, and the current
  // directory set to the test's directory). Returns its exit status, or -1.
  int python(const std::string &body) const {
    std::string script = path("script.py");
    writeBytes(script, "import numpy as np, os, sys\nos.chdir(" +
                           quote(dir_) + ")\n" + body + "\n");
    std::string cmd = std::string(KILN_UNIT_PYTHON) + " " + script;
    int rc = std::system(cmd.c_str());
    if (rc == -1 || !WIFEXITED(rc))
      return -1;
    return WEXITSTATUS(rc);
  }

  bool haveNumpy() const {
    if (access(KILN_UNIT_PYTHON, X_OK) != 0)
      return false;
    std::string cmd = std::string(KILN_UNIT_PYTHON) +
                      " -c 'import numpy' >/dev/null 2>&1";
    return std::system(cmd.c_str()) == 0;
  }

  static std::string quote(const std::string &s) { return "'" + s + "'"; }

  // Reads `p`, expecting failure with `status`; returns the message.
  std::string expectError(const std::string &p, kiln_status status) {
    kiln_npy npy;
    std::memset(&npy, 0x5a, sizeof npy);
    kiln_status s = kiln_npy_read(p.c_str(), &npy);
    EXPECT_EQ(s, status) << kiln_status_name(s) << ": " << kiln_last_error();
    EXPECT_EQ(npy.data, nullptr);
    EXPECT_EQ(npy.nbytes, 0u);
    std::string msg = kiln_last_error();
    EXPECT_NE(msg.find(p), std::string::npos)
        << "the message should name the file: " << msg;
    kiln_npy_free(&npy);
    return msg;
  }

  std::string dir_;
};

#define REQUIRE_NUMPY()                                                        \
  do {                                                                         \
    if (!haveNumpy())                                                          \
      GTEST_SKIP() << KILN_UNIT_PYTHON << " with numpy is not available";      \
  } while (0)

const int32_t kAllDtypes[] = {
    KILN_DTYPE_F16, KILN_DTYPE_BF16, KILN_DTYPE_F32, KILN_DTYPE_F64,
    KILN_DTYPE_I8,  KILN_DTYPE_I16,  KILN_DTYPE_I32, KILN_DTYPE_I64,
    KILN_DTYPE_U8,  KILN_DTYPE_BOOL};

//===----------------------------------------------------------------------===//
// dtype helpers
//===----------------------------------------------------------------------===//

TEST(Dtype, NamesAndSizes) {
  struct {
    int32_t dtype;
    const char *name;
    size_t size;
  } cases[] = {{KILN_DTYPE_F16, "f16", 2}, {KILN_DTYPE_BF16, "bf16", 2},
               {KILN_DTYPE_F32, "f32", 4}, {KILN_DTYPE_F64, "f64", 8},
               {KILN_DTYPE_I8, "i8", 1},   {KILN_DTYPE_I16, "i16", 2},
               {KILN_DTYPE_I32, "i32", 4}, {KILN_DTYPE_I64, "i64", 8},
               {KILN_DTYPE_U8, "u8", 1},   {KILN_DTYPE_BOOL, "bool", 1}};
  for (const auto &c : cases) {
    EXPECT_STREQ(kiln_dtype_name(c.dtype), c.name);
    EXPECT_EQ(kiln_dtype_size(c.dtype), c.size);
    EXPECT_EQ(kiln_dtype_from_name(c.name), c.dtype);
  }
  for (int32_t bad : {0, -1, 11, 1000, INT32_MIN}) {
    EXPECT_STREQ(kiln_dtype_name(bad), "unknown");
    EXPECT_EQ(kiln_dtype_size(bad), 0u);
  }
  EXPECT_EQ(kiln_dtype_from_name("float32"), 0);
  EXPECT_EQ(kiln_dtype_from_name("F32"), 0);
  EXPECT_EQ(kiln_dtype_from_name(""), 0);
  EXPECT_EQ(kiln_dtype_from_name(nullptr), 0);
  EXPECT_STREQ(kiln_status_name(KILN_ERROR_SHAPE), "KILN_ERROR_SHAPE");
  EXPECT_NE(kiln_last_error(), nullptr);
}

//===----------------------------------------------------------------------===//
// Round trips through our own writer and reader
//===----------------------------------------------------------------------===//

TEST_F(NpyTest, RoundTripEveryDtype) {
  const std::vector<std::vector<int64_t>> shapes = {
      {}, {0}, {7}, {2, 3}, {2, 0, 4}, {1, 2, 1, 3, 1}};
  std::mt19937 rng(1234);
  for (int32_t dtype : kAllDtypes) {
    for (const auto &shape : shapes) {
      SCOPED_TRACE(std::string(kiln_dtype_name(dtype)) + " rank " +
                   std::to_string(shape.size()));
      size_t n = 1;
      for (int64_t d : shape)
        n *= static_cast<size_t>(d);
      size_t nbytes = n * kiln_dtype_size(dtype);
      Bytes data(nbytes, '\0');
      for (auto &ch : data)
        ch = static_cast<char>(dtype == KILN_DTYPE_BOOL ? rng() % 2 : rng());
      std::string p = path("rt.npy");
      ASSERT_EQ(kiln_npy_write(p.c_str(), dtype,
                               static_cast<int32_t>(shape.size()),
                               shape.data(), n ? data.data() : nullptr),
                KILN_OK)
          << kiln_last_error();

      Bytes bytes = readBytes(p);
      ASSERT_GE(bytes.size(), 64u);
      EXPECT_EQ(bytes.substr(0, 8), Bytes("\x93NUMPY\x01\x00", 8));
      size_t hlen = static_cast<unsigned char>(bytes[8]) |
                    static_cast<unsigned char>(bytes[9]) << 8;
      EXPECT_EQ((10 + hlen) % 64, 0u) << "data must be 64-byte aligned";
      EXPECT_EQ(bytes[10 + hlen - 1], '\n');
      EXPECT_EQ(bytes.size(), 10 + hlen + nbytes);

      kiln_npy npy;
      ASSERT_EQ(kiln_npy_read(p.c_str(), &npy), KILN_OK) << kiln_last_error();
      EXPECT_EQ(npy.dtype, dtype);
      ASSERT_EQ(npy.rank, static_cast<int32_t>(shape.size()));
      for (size_t i = 0; i < shape.size(); ++i)
        EXPECT_EQ(npy.shape[i], shape[i]);
      ASSERT_EQ(npy.nbytes, nbytes);
      ASSERT_NE(npy.data, nullptr);
      EXPECT_EQ(reinterpret_cast<uintptr_t>(npy.data) % 64, 0u);
      EXPECT_EQ(std::memcmp(npy.data, data.data(), nbytes), 0);
      kiln_npy_free(&npy);
      EXPECT_EQ(npy.data, nullptr);
      kiln_npy_free(&npy); // freeing twice is harmless after the zeroing
    }
  }
}

TEST_F(NpyTest, WriterHeaderText) {
  const int64_t shape[] = {3, 4};
  std::vector<float> v(12, 0.0f);
  std::string p = path("h.npy");
  ASSERT_EQ(kiln_npy_write(p.c_str(), KILN_DTYPE_F32, 2, shape, v.data()),
            KILN_OK);
  Bytes b = readBytes(p);
  const std::string want =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }";
  EXPECT_EQ(b.substr(10, want.size()), want);
  const int64_t one[] = {5};
  ASSERT_EQ(kiln_npy_write(p.c_str(), KILN_DTYPE_BF16, 1, one, v.data()),
            KILN_OK);
  b = readBytes(p);
  EXPECT_NE(b.find("'descr': '<u2'"), std::string::npos);
  EXPECT_NE(b.find("'shape': (5,)"), std::string::npos);
  ASSERT_EQ(kiln_npy_write(p.c_str(), KILN_DTYPE_BOOL, 0, nullptr, v.data()),
            KILN_OK);
  b = readBytes(p);
  EXPECT_NE(b.find("'descr': '|b1'"), std::string::npos);
  EXPECT_NE(b.find("'shape': ()"), std::string::npos);
}

TEST_F(NpyTest, WriteErrors) {
  const int64_t shape[] = {2, 2};
  float data[4] = {};
  std::string p = path("w.npy");
  EXPECT_EQ(kiln_npy_write(p.c_str(), 0, 2, shape, data), KILN_ERROR_DTYPE);
  EXPECT_NE(std::string(kiln_last_error()).find(p), std::string::npos);
  EXPECT_EQ(kiln_npy_write(p.c_str(), 77, 2, shape, data), KILN_ERROR_DTYPE);
  int64_t big[17];
  for (auto &d : big)
    d = 1;
  EXPECT_EQ(kiln_npy_write(p.c_str(), KILN_DTYPE_F32, 17, big, data),
            KILN_ERROR_SHAPE);
  EXPECT_EQ(kiln_npy_write(p.c_str(), KILN_DTYPE_F32, -1, shape, data),
            KILN_ERROR_SHAPE);
  const int64_t neg[] = {2, -2};
  EXPECT_EQ(kiln_npy_write(p.c_str(), KILN_DTYPE_F32, 2, neg, data),
            KILN_ERROR_SHAPE);
  const int64_t huge[] = {INT64_MAX, INT64_MAX};
  EXPECT_EQ(kiln_npy_write(p.c_str(), KILN_DTYPE_F32, 2, huge, data),
            KILN_ERROR_SHAPE);
  EXPECT_EQ(kiln_npy_write(p.c_str(), KILN_DTYPE_F32, 2, nullptr, data),
            KILN_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(kiln_npy_write(p.c_str(), KILN_DTYPE_F32, 2, shape, nullptr),
            KILN_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(kiln_npy_write(nullptr, KILN_DTYPE_F32, 2, shape, data),
            KILN_ERROR_INVALID_ARGUMENT);
  std::string bad = path("no/such/dir/x.npy");
  EXPECT_EQ(kiln_npy_write(bad.c_str(), KILN_DTYPE_F32, 2, shape, data),
            KILN_ERROR_IO);
  EXPECT_NE(std::string(kiln_last_error()).find(bad), std::string::npos);
  // An empty array needs no data.
  const int64_t empty[] = {0, 3};
  EXPECT_EQ(kiln_npy_write(p.c_str(), KILN_DTYPE_F32, 2, empty, nullptr),
            KILN_OK);
}

TEST_F(NpyTest, NullArguments) {
  kiln_npy npy;
  EXPECT_EQ(kiln_npy_read(nullptr, &npy), KILN_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(npy.data, nullptr);
  EXPECT_EQ(kiln_npy_read(path("x.npy").c_str(), nullptr),
            KILN_ERROR_INVALID_ARGUMENT);
  kiln_npy_free(nullptr);
}

//===----------------------------------------------------------------------===//
// Interoperability with NumPy
//===----------------------------------------------------------------------===//

// Files written by np.save; the expected bytes are numpy's own a.tobytes(),
// and a few values are also checked against literals.
TEST_F(NpyTest, ReadsFilesWrittenByNumpy) {
  REQUIRE_NUMPY();
  ASSERT_EQ(python(R"PY(
arrays = {
  'f16': np.array([[1.0, -2.5, 65504.0], [0.0, 0.5, -0.0]], dtype='<f2'),
  'bf16': (np.array([1.0, -2.0, 3.5, 0.0], dtype='<f4').view('<u4') >> 16).astype('<u2'),
  'f32': (np.arange(24, dtype='<f4') * 0.25 - 1.0).reshape(2, 3, 4),
  'f64': np.array([np.pi, -np.e, 1e300, 5e-324], dtype='<f8'),
  'i8': np.array([-128, -1, 0, 127], dtype='i1'),
  'i16': np.array([[-32768, 32767], [1, -2]], dtype='<i2'),
  'i32': np.arange(-6, 6, dtype='<i4').reshape(3, 4),
  'i64': np.array([2**40, -2**62, 7], dtype='<i8'),
  'u8': np.array([0, 1, 128, 255], dtype='u1'),
  'bool': np.array([[True, False, True], [False, False, True]]),
}
for name, a in arrays.items():
  np.save(name + '.npy', a)
  a.tofile(name + '.bin')
  with open(name + '.shape', 'w') as f:
    f.write(' '.join(str(d) for d in a.shape))
)PY"),
            0);
  for (int32_t dtype : kAllDtypes) {
    std::string name = kiln_dtype_name(dtype);
    SCOPED_TRACE(name);
    kiln_npy npy;
    ASSERT_EQ(kiln_npy_read(path(name + ".npy").c_str(), &npy), KILN_OK)
        << kiln_last_error();
    EXPECT_EQ(npy.dtype, dtype);
    std::istringstream shape(readBytes(path(name + ".shape")));
    std::vector<int64_t> dims;
    for (int64_t d; shape >> d;)
      dims.push_back(d);
    ASSERT_EQ(npy.rank, static_cast<int32_t>(dims.size()));
    for (size_t i = 0; i < dims.size(); ++i)
      EXPECT_EQ(npy.shape[i], dims[i]);
    Bytes expect = readBytes(path(name + ".bin"));
    ASSERT_EQ(npy.nbytes, expect.size());
    EXPECT_EQ(std::memcmp(npy.data, expect.data(), expect.size()), 0);

    if (dtype == KILN_DTYPE_F32) {
      const float *f = static_cast<const float *>(npy.data);
      for (int i = 0; i < 24; ++i)
        EXPECT_EQ(f[i], i * 0.25f - 1.0f);
    } else if (dtype == KILN_DTYPE_F16) {
      const uint16_t *h = static_cast<const uint16_t *>(npy.data);
      const uint16_t bits[] = {0x3C00, 0xC100, 0x7BFF, 0x0000, 0x3800, 0x8000};
      for (int i = 0; i < 6; ++i)
        EXPECT_EQ(h[i], bits[i]);
    } else if (dtype == KILN_DTYPE_BF16) {
      const uint16_t *h = static_cast<const uint16_t *>(npy.data);
      const uint16_t bits[] = {0x3F80, 0xC000, 0x4060, 0x0000};
      for (int i = 0; i < 4; ++i)
        EXPECT_EQ(h[i], bits[i]);
    } else if (dtype == KILN_DTYPE_I64) {
      const int64_t *v = static_cast<const int64_t *>(npy.data);
      EXPECT_EQ(v[0], int64_t{1} << 40);
      EXPECT_EQ(v[1], -(int64_t{1} << 62));
    } else if (dtype == KILN_DTYPE_BOOL) {
      const uint8_t *b = static_cast<const uint8_t *>(npy.data);
      const uint8_t want[] = {1, 0, 1, 0, 0, 1};
      for (int i = 0; i < 6; ++i)
        EXPECT_EQ(b[i], want[i]);
    }
    kiln_npy_free(&npy);
  }
}

// Files written by our writer, checked by np.load against values that numpy
// computes itself.
TEST_F(NpyTest, NumpyReadsFilesWeWrite) {
  REQUIRE_NUMPY();
  std::vector<float> f32(24);
  for (int i = 0; i < 24; ++i)
    f32[i] = i * 0.25f - 1.0f;
  const int64_t s234[] = {2, 3, 4};
  ASSERT_EQ(kiln_npy_write(path("f32.npy").c_str(), KILN_DTYPE_F32, 3, s234,
                           f32.data()),
            KILN_OK);
  std::vector<uint16_t> f16 = {0x3C00, 0xC100, 0x7BFF};
  const int64_t s3[] = {3};
  ASSERT_EQ(kiln_npy_write(path("f16.npy").c_str(), KILN_DTYPE_F16, 1, s3,
                           f16.data()),
            KILN_OK);
  std::vector<uint16_t> bf16 = {0x3F80, 0xC000, 0x4060};
  ASSERT_EQ(kiln_npy_write(path("bf16.npy").c_str(), KILN_DTYPE_BF16, 1, s3,
                           bf16.data()),
            KILN_OK);
  std::vector<double> f64 = {0.5, -1.25};
  const int64_t s12[] = {1, 2};
  ASSERT_EQ(kiln_npy_write(path("f64.npy").c_str(), KILN_DTYPE_F64, 2, s12,
                           f64.data()),
            KILN_OK);
  std::vector<int8_t> i8 = {-128, -1, 0, 127};
  const int64_t s4[] = {4};
  ASSERT_EQ(
      kiln_npy_write(path("i8.npy").c_str(), KILN_DTYPE_I8, 1, s4, i8.data()),
      KILN_OK);
  std::vector<int16_t> i16 = {-32768, 32767, 5};
  ASSERT_EQ(kiln_npy_write(path("i16.npy").c_str(), KILN_DTYPE_I16, 1, s3,
                           i16.data()),
            KILN_OK);
  std::vector<int32_t> i32(12);
  for (int i = 0; i < 12; ++i)
    i32[i] = i - 6;
  const int64_t s34[] = {3, 4};
  ASSERT_EQ(kiln_npy_write(path("i32.npy").c_str(), KILN_DTYPE_I32, 2, s34,
                           i32.data()),
            KILN_OK);
  std::vector<int64_t> i64 = {int64_t{1} << 40, -(int64_t{1} << 62), 7};
  ASSERT_EQ(kiln_npy_write(path("i64.npy").c_str(), KILN_DTYPE_I64, 1, s3,
                           i64.data()),
            KILN_OK);
  std::vector<uint8_t> u8 = {0, 1, 128, 255};
  ASSERT_EQ(
      kiln_npy_write(path("u8.npy").c_str(), KILN_DTYPE_U8, 1, s4, u8.data()),
      KILN_OK);
  std::vector<uint8_t> b = {1, 0, 0, 1};
  const int64_t s22[] = {2, 2};
  ASSERT_EQ(kiln_npy_write(path("bool.npy").c_str(), KILN_DTYPE_BOOL, 2, s22,
                           b.data()),
            KILN_OK);
  int32_t scalar = -7;
  ASSERT_EQ(kiln_npy_write(path("scalar.npy").c_str(), KILN_DTYPE_I32, 0,
                           nullptr, &scalar),
            KILN_OK);
  const int64_t s03[] = {0, 3};
  ASSERT_EQ(kiln_npy_write(path("empty.npy").c_str(), KILN_DTYPE_F32, 2, s03,
                           nullptr),
            KILN_OK);

  EXPECT_EQ(python(R"PY(
def check(name, want):
  got = np.load(name + '.npy')
  assert got.dtype == want.dtype, (name, got.dtype, want.dtype)
  assert got.shape == want.shape, (name, got.shape, want.shape)
  assert np.array_equal(got, want), (name, got, want)
  assert got.flags['C_CONTIGUOUS']
  with open(name + '.npy', 'rb') as f:
    assert np.lib.format.read_magic(f) == (1, 0), name
check('f32', (np.arange(24, dtype='f4') * 0.25 - 1.0).reshape(2, 3, 4))
check('f16', np.array([1.0, -2.5, 65504.0], dtype='f2'))
check('bf16', (np.array([1.0, -2.0, 3.5], dtype='f4').view('u4') >> 16).astype('u2'))
check('f64', np.array([[0.5, -1.25]]))
check('i8', np.array([-128, -1, 0, 127], dtype='i1'))
check('i16', np.array([-32768, 32767, 5], dtype='i2'))
check('i32', np.arange(-6, 6, dtype='i4').reshape(3, 4))
check('i64', np.array([2**40, -2**62, 7], dtype='i8'))
check('u8', np.array([0, 1, 128, 255], dtype='u1'))
check('bool', np.array([[True, False], [False, True]]))
check('scalar', np.array(-7, dtype='i4'))
check('empty', np.zeros((0, 3), dtype='f4'))
)PY"),
            0);
}

TEST_F(NpyTest, NumpyVersion2And3Headers) {
  REQUIRE_NUMPY();
  ASSERT_EQ(python(R"PY(
a = np.arange(10, dtype='<i4') * 3 - 7
for v in (2, 3):
  with open('v%d.npy' % v, 'wb') as f:
    np.lib.format.write_array(f, a, version=(v, 0))
a.tofile('v.bin')
)PY"),
            0);
  Bytes expect = readBytes(path("v.bin"));
  for (const char *name : {"v2.npy", "v3.npy"}) {
    SCOPED_TRACE(name);
    Bytes bytes = readBytes(path(name));
    ASSERT_GT(bytes.size(), 8u);
    EXPECT_EQ(bytes[6], name[1] - '0'); // really the version we asked for
    kiln_npy npy;
    ASSERT_EQ(kiln_npy_read(path(name).c_str(), &npy), KILN_OK)
        << kiln_last_error();
    EXPECT_EQ(npy.dtype, KILN_DTYPE_I32);
    ASSERT_EQ(npy.rank, 1);
    EXPECT_EQ(npy.shape[0], 10);
    ASSERT_EQ(npy.nbytes, expect.size());
    EXPECT_EQ(std::memcmp(npy.data, expect.data(), expect.size()), 0);
    EXPECT_EQ(static_cast<const int32_t *>(npy.data)[9], 20);
    kiln_npy_free(&npy);
  }
}

TEST_F(NpyTest, NumpyScalarAndEmpty) {
  REQUIRE_NUMPY();
  ASSERT_EQ(python(R"PY(
np.save('scalar.npy', np.float32(3.5))
np.save('empty.npy', np.zeros((0, 3), dtype='<f8'))
np.save('fortran1d.npy', np.asfortranarray(np.arange(4, dtype='<i2')))
)PY"),
            0);
  kiln_npy npy;
  ASSERT_EQ(kiln_npy_read(path("scalar.npy").c_str(), &npy), KILN_OK)
      << kiln_last_error();
  EXPECT_EQ(npy.dtype, KILN_DTYPE_F32);
  EXPECT_EQ(npy.rank, 0);
  ASSERT_EQ(npy.nbytes, 4u);
  EXPECT_EQ(*static_cast<const float *>(npy.data), 3.5f);
  kiln_npy_free(&npy);

  ASSERT_EQ(kiln_npy_read(path("empty.npy").c_str(), &npy), KILN_OK)
      << kiln_last_error();
  EXPECT_EQ(npy.dtype, KILN_DTYPE_F64);
  ASSERT_EQ(npy.rank, 2);
  EXPECT_EQ(npy.shape[0], 0);
  EXPECT_EQ(npy.shape[1], 3);
  EXPECT_EQ(npy.nbytes, 0u);
  EXPECT_NE(npy.data, nullptr);
  kiln_npy_free(&npy);

  ASSERT_EQ(kiln_npy_read(path("fortran1d.npy").c_str(), &npy), KILN_OK)
      << kiln_last_error();
  EXPECT_EQ(npy.rank, 1);
  EXPECT_EQ(static_cast<const int16_t *>(npy.data)[3], 3);
  kiln_npy_free(&npy);
}

TEST_F(NpyTest, NumpyFortranOrderAndBigEndianAreRejected) {
  REQUIRE_NUMPY();
  ASSERT_EQ(python(R"PY(
np.save('fortran.npy', np.asfortranarray(np.ones((2, 3), dtype='<f4')))
np.save('big.npy', np.arange(4, dtype='>i4'))
)PY"),
            0);
  std::string msg = expectError(path("fortran.npy"), KILN_ERROR_FORMAT);
  EXPECT_NE(msg.find("fortran_order"), std::string::npos) << msg;
  msg = expectError(path("big.npy"), KILN_ERROR_FORMAT);
  EXPECT_NE(msg.find("big-endian"), std::string::npos) << msg;
  EXPECT_NE(msg.find(">i4"), std::string::npos) << msg;
}

//===----------------------------------------------------------------------===//
// Files constructed byte by byte
//===----------------------------------------------------------------------===//

TEST_F(NpyTest, ConstructedVersion2Header) {
  std::vector<int16_t> v = {1, -2, 3};
  std::string p = file("v2.npy", makeNpy(dictFor("<i2", "(3,)"), raw(v), 2));
  kiln_npy npy;
  ASSERT_EQ(kiln_npy_read(p.c_str(), &npy), KILN_OK) << kiln_last_error();
  EXPECT_EQ(npy.dtype, KILN_DTYPE_I16);
  EXPECT_EQ(static_cast<const int16_t *>(npy.data)[1], -2);
  kiln_npy_free(&npy);
}

TEST_F(NpyTest, AcceptedDescrVariants) {
  struct {
    const char *descr;
    int32_t dtype;
  } cases[] = {{"<i1", KILN_DTYPE_I8},   {"|i1", KILN_DTYPE_I8},
               {"<u1", KILN_DTYPE_U8},   {"|u1", KILN_DTYPE_U8},
               {"|b1", KILN_DTYPE_BOOL}, {"=f4", KILN_DTYPE_F32},
               {"<f2", KILN_DTYPE_F16},  {"<u2", KILN_DTYPE_BF16},
               {"=i8", KILN_DTYPE_I64},  {"<f8", KILN_DTYPE_F64}};
  for (const auto &c : cases) {
    SCOPED_TRACE(c.descr);
    Bytes data(2 * kiln_dtype_size(c.dtype), '\1');
    std::string p = file("v.npy", makeNpy(dictFor(c.descr, "(2,)"), data));
    kiln_npy npy;
    ASSERT_EQ(kiln_npy_read(p.c_str(), &npy), KILN_OK) << kiln_last_error();
    EXPECT_EQ(npy.dtype, c.dtype);
    kiln_npy_free(&npy);
  }
}

TEST_F(NpyTest, LenientHeaderSpellings) {
  // Keys in another order, double quotes, no trailing comma, Python 2 longs,
  // and 1-D fortran_order True (identical to C order).
  const char *dicts[] = {
      "{'shape': (2, 2), 'fortran_order': False, 'descr': '<f4'}",
      "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2, 2)}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 2L), }",
      "{'descr':'<f4','fortran_order':False,'shape':(2,2)}",
  };
  std::vector<float> v = {1, 2, 3, 4};
  for (const char *d : dicts) {
    SCOPED_TRACE(d);
    std::string p = file("l.npy", makeNpy(d, raw(v)));
    kiln_npy npy;
    ASSERT_EQ(kiln_npy_read(p.c_str(), &npy), KILN_OK) << kiln_last_error();
    EXPECT_EQ(npy.rank, 2);
    EXPECT_EQ(static_cast<const float *>(npy.data)[3], 4.0f);
    kiln_npy_free(&npy);
  }
  std::string p =
      file("f.npy", makeNpy(dictFor("<f4", "(4,)", "True"), raw(v)));
  kiln_npy npy;
  ASSERT_EQ(kiln_npy_read(p.c_str(), &npy), KILN_OK) << kiln_last_error();
  kiln_npy_free(&npy);
}

TEST_F(NpyTest, BoolIsNormalised) {
  std::string p = file("b.npy", makeNpy(dictFor("|b1", "(3,)"), Bytes("\0\2\xff", 3)));
  kiln_npy npy;
  ASSERT_EQ(kiln_npy_read(p.c_str(), &npy), KILN_OK) << kiln_last_error();
  const uint8_t *b = static_cast<const uint8_t *>(npy.data);
  EXPECT_EQ(b[0], 0);
  EXPECT_EQ(b[1], 1);
  EXPECT_EQ(b[2], 1);
  kiln_npy_free(&npy);
}

TEST_F(NpyTest, MissingFileAndDirectory) {
  std::string p = path("does-not-exist.npy");
  std::string msg = expectError(p, KILN_ERROR_IO);
  EXPECT_NE(msg.find("No such file"), std::string::npos) << msg;
  expectError(dir_, KILN_ERROR_IO);
}

TEST_F(NpyTest, BadMagic) {
  std::vector<float> v = {1, 2};
  Bytes good = makeNpy(dictFor("<f4", "(2,)"), raw(v));
  Bytes bad = good;
  bad[5] = 'Z';
  std::string msg = expectError(file("m1.npy", bad), KILN_ERROR_FORMAT);
  EXPECT_NE(msg.find("magic"), std::string::npos) << msg;
  expectError(file("m2.npy", "hello, world, this is text\n"),
              KILN_ERROR_FORMAT);
  expectError(file("m3.npy", "PK\3\4"), KILN_ERROR_FORMAT); // a .npz
  expectError(file("m4.npy", ""), KILN_ERROR_FORMAT);
  expectError(file("m5.npy", "\x93NUM"), KILN_ERROR_FORMAT);
}

TEST_F(NpyTest, UnsupportedVersion) {
  std::vector<float> v = {1, 2};
  Bytes b = makeNpy(dictFor("<f4", "(2,)"), raw(v));
  for (auto ver : {std::pair<int, int>{4, 0}, {1, 5}, {0, 0}}) {
    b[6] = static_cast<char>(ver.first);
    b[7] = static_cast<char>(ver.second);
    std::string msg = expectError(file("v.npy", b), KILN_ERROR_FORMAT);
    EXPECT_NE(msg.find("version"), std::string::npos) << msg;
  }
}

TEST_F(NpyTest, TruncatedHeader) {
  std::vector<float> v = {1, 2};
  Bytes good = makeNpy(dictFor("<f4", "(2,)"), raw(v));
  for (size_t cut : {7u, 8u, 9u, 10u, 30u, 63u}) {
    SCOPED_TRACE(cut);
    std::string msg =
        expectError(file("t.npy", good.substr(0, cut)), KILN_ERROR_FORMAT);
    EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
  }
  // A header length that runs past the end of the file.
  Bytes lying = good.substr(0, 64);
  lying[8] = '\x00';
  lying[9] = '\x10'; // 4096 bytes
  std::string msg = expectError(file("t2.npy", lying), KILN_ERROR_FORMAT);
  EXPECT_NE(msg.find("truncated .npy header"), std::string::npos) << msg;
  // An absurd v2 header length is refused without allocating it.
  Bytes huge = makeNpy(dictFor("<f4", "(2,)"), raw(v), 2);
  huge[8] = huge[9] = huge[10] = huge[11] = '\xff';
  expectError(file("t3.npy", huge), KILN_ERROR_FORMAT);
}

TEST_F(NpyTest, TruncatedData) {
  std::vector<float> v(10, 1.0f);
  Bytes good = makeNpy(dictFor("<f4", "(10,)"), raw(v));
  std::string msg = expectError(file("d.npy", good.substr(0, good.size() - 1)),
                                KILN_ERROR_FORMAT);
  EXPECT_NE(msg.find("truncated data"), std::string::npos) << msg;
  EXPECT_NE(msg.find("expected 40 bytes, got 39"), std::string::npos) << msg;
  // A shape far larger than the file: an error, not a huge allocation.
  msg = expectError(
      file("d2.npy", makeNpy(dictFor("<f8", "(1099511627776, 1024)"), "")),
      KILN_ERROR_FORMAT);
  EXPECT_NE(msg.find("truncated data"), std::string::npos) << msg;
  // A shape whose byte count overflows.
  msg = expectError(
      file("d3.npy",
           makeNpy(dictFor("<f8", "(4294967296, 4294967296, 4294967296)"), "")),
      KILN_ERROR_FORMAT);
  EXPECT_NE(msg.find("overflow"), std::string::npos) << msg;
}

TEST_F(NpyTest, UnsupportedDescr) {
  for (const char *descr :
       {"<c8", "<U3", "|S4", "<f16", "<M8[ns]", "|O", "|f4", "<u4", "<u8",
        "f4", "", "<x4"}) {
    SCOPED_TRACE(descr);
    std::string msg = expectError(
        file("u.npy", makeNpy(dictFor(descr, "(2,)"), Bytes(64, '\0'))),
        KILN_ERROR_FORMAT);
    EXPECT_NE(msg.find("unsupported descr '" + std::string(descr) + "'"),
              std::string::npos)
        << msg;
  }
  std::string msg = expectError(
      file("s.npy",
           makeNpy("{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': "
                   "False, 'shape': (2,), }",
                   Bytes(16, '\0'))),
      KILN_ERROR_FORMAT);
  EXPECT_NE(msg.find("unsupported descr"), std::string::npos) << msg;
}

TEST_F(NpyTest, FortranOrderTrue) {
  std::vector<float> v(6, 1.0f);
  std::string msg = expectError(
      file("f.npy", makeNpy(dictFor("<f4", "(2, 3)", "True"), raw(v))),
      KILN_ERROR_FORMAT);
  EXPECT_NE(msg.find("fortran_order True"), std::string::npos) << msg;
}

TEST_F(NpyTest, BigEndian) {
  for (const char *descr : {">f4", ">i2", ">f8", ">u2", ">i8", ">f2"}) {
    SCOPED_TRACE(descr);
    std::string msg = expectError(
        file("b.npy", makeNpy(dictFor(descr, "(2,)"), Bytes(16, '\0'))),
        KILN_ERROR_FORMAT);
    EXPECT_NE(msg.find("big-endian"), std::string::npos) << msg;
  }
  // One-byte types have no byte order: '>i1' is the same as '|i1'.
  std::string p = file("b1.npy", makeNpy(dictFor(">i1", "(2,)"), Bytes("\1\2", 2)));
  kiln_npy npy;
  EXPECT_EQ(kiln_npy_read(p.c_str(), &npy), KILN_OK) << kiln_last_error();
  kiln_npy_free(&npy);
}

TEST_F(NpyTest, RankAbove16) {
  std::string shape17 = "(";
  for (int i = 0; i < 17; ++i)
    shape17 += "1, ";
  shape17 += ")";
  std::string msg = expectError(
      file("r.npy", makeNpy(dictFor("<f4", shape17), Bytes(4, '\0'))),
      KILN_ERROR_FORMAT);
  EXPECT_NE(msg.find("rank"), std::string::npos) << msg;
  // Exactly 16 is fine.
  std::string shape16 = "(";
  for (int i = 0; i < 16; ++i)
    shape16 += "1, ";
  shape16 += ")";
  std::string p = file("r16.npy", makeNpy(dictFor("<f4", shape16), Bytes(4, '\0')));
  kiln_npy npy;
  ASSERT_EQ(kiln_npy_read(p.c_str(), &npy), KILN_OK) << kiln_last_error();
  EXPECT_EQ(npy.rank, 16);
  kiln_npy_free(&npy);
}

TEST_F(NpyTest, UnparsableHeaders) {
  const char *dicts[] = {
      "",
      "not a dict",
      "[1, 2, 3]",
      "{",
      "{'descr': '<f4', 'fortran_order': False}",
      "{'descr': '<f4', 'shape': (2,)}",
      "{'fortran_order': False, 'shape': (2,)}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 'a'), }",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2,,), }",
      "{'descr': '<f4', 'fortran_order': False, 'shape': [2], }",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, }",
      "{'descr': '<f4', 'fortran_order': False, 'shape': 2, }",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }",
      ("{'descr': '<f4', 'fortran_order': False, 'shape': "
       "(99999999999999999999999,), }"),
      "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,), }",
      "{'descr': '<f4', 'fortran_order': Falsey, 'shape': (2,), }",
      "{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }",
      "{'descr': '<f4 , 'fortran_order': False, 'shape': (2,), }",
      "{'descr': <f4, 'fortran_order': False, 'shape': (2,), }",
      "{'descr': '<f4' 'fortran_order': False, 'shape': (2,), }",
      "{'descr' '<f4', 'fortran_order': False, 'shape': (2,), }",
      "{descr: '<f4', 'fortran_order': False, 'shape': (2,), }",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}",
      "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } junk",
      "{'descr': '<f\\x34', 'fortran_order': False, 'shape': (2,), }",
  };
  for (const char *d : dicts) {
    SCOPED_TRACE(d);
    std::string msg = expectError(file("h.npy", makeNpy(d, Bytes(8, '\0'))),
                                  KILN_ERROR_FORMAT);
    EXPECT_TRUE(msg.find("header") != std::string::npos ||
                msg.find("descr") != std::string::npos)
        << msg;
  }
  // A NUL byte inside the header.
  Bytes b = makeNpy(dictFor("<f4", "(2,)"), Bytes(8, '\0'));
  b[20] = '\0';
  expectError(file("nul.npy", b), KILN_ERROR_FORMAT);
}

// Every prefix of a valid file, and many random corruptions of its header,
// give an error or a consistent array, never a crash.
TEST_F(NpyTest, NoCrashOnCorruptFiles) {
  std::vector<int32_t> v = {1, 2, 3, 4, 5, 6};
  Bytes good = makeNpy(dictFor("<i4", "(2, 3)"), raw(v));
  for (size_t cut = 0; cut < good.size(); ++cut) {
    std::string p = file("c.npy", good.substr(0, cut));
    kiln_npy npy;
    EXPECT_EQ(kiln_npy_read(p.c_str(), &npy), KILN_ERROR_FORMAT) << cut;
    EXPECT_EQ(npy.data, nullptr);
  }
  std::mt19937 rng(42);
  for (int iter = 0; iter < 3000; ++iter) {
    Bytes b = good;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k)
      b[rng() % 64] = static_cast<char>(rng());
    if (rng() % 4 == 0)
      b.resize(rng() % b.size());
    std::string p = file("c.npy", b);
    kiln_npy npy;
    kiln_status s = kiln_npy_read(p.c_str(), &npy);
    if (s == KILN_OK) {
      size_t n = kiln_dtype_size(npy.dtype);
      for (int32_t i = 0; i < npy.rank; ++i)
        n *= static_cast<size_t>(npy.shape[i]);
      EXPECT_EQ(n, npy.nbytes);
      EXPECT_NE(npy.data, nullptr);
    } else {
      EXPECT_TRUE(s == KILN_ERROR_FORMAT || s == KILN_ERROR_OUT_OF_MEMORY)
          << kiln_status_name(s);
      EXPECT_EQ(npy.data, nullptr);
      EXPECT_STRNE(kiln_last_error(), "");
    }
    kiln_npy_free(&npy);
  }
}

} // namespace
