/*===- npy.c - reading and writing NumPy .npy files ----------------------===*
 *
 * Format (numpy.lib.format): "\x93NUMPY", major, minor, a little-endian
 * header length (2 bytes in version 1.0, 4 bytes in 2.0 and 3.0), then a
 * Python dict literal such as
 *   {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
 * padded with spaces and ending in '\n' so that the data starts at a
 * multiple of 64 bytes, then the raw C-order data.
 *
 * The runtime assumes a little-endian host (x86-64, AArch64).
 *===----------------------------------------------------------------------===*/
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include "internal.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char kNpyMagic[6] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};

/* Headers longer than this are rejected as corrupt (NumPy's own default
 * limit is 10000 bytes; a rank-16 shape needs well under 1 KB). */
#define KILN_NPY_MAX_HEADER (1u << 20)

/*===------------------------------------------------------------------===*
 * descr <-> dtype
 *===------------------------------------------------------------------===*/

typedef struct {
  char kind; /* 'f', 'i', 'u', 'b' */
  int size;
  int32_t dtype;
} descr_entry;

static const descr_entry kDescrs[] = {
    {'f', 2, KILN_DTYPE_F16}, {'f', 4, KILN_DTYPE_F32},
    {'f', 8, KILN_DTYPE_F64}, {'i', 1, KILN_DTYPE_I8},
    {'i', 2, KILN_DTYPE_I16}, {'i', 4, KILN_DTYPE_I32},
    {'i', 8, KILN_DTYPE_I64}, {'u', 1, KILN_DTYPE_U8},
    {'u', 2, KILN_DTYPE_BF16}, /* bf16 bit patterns are stored as <u2 */
    {'b', 1, KILN_DTYPE_BOOL},
};

/* The descr written for each dtype. */
static const char *descr_for(int32_t dtype) {
  switch (dtype) {
  case KILN_DTYPE_F16: return "<f2";
  case KILN_DTYPE_BF16: return "<u2";
  case KILN_DTYPE_F32: return "<f4";
  case KILN_DTYPE_F64: return "<f8";
  case KILN_DTYPE_I8: return "|i1";
  case KILN_DTYPE_I16: return "<i2";
  case KILN_DTYPE_I32: return "<i4";
  case KILN_DTYPE_I64: return "<i8";
  case KILN_DTYPE_U8: return "|u1";
  case KILN_DTYPE_BOOL: return "|b1";
  default: return NULL;
  }
}

/* Maps a descr string to a dtype; returns KILN_OK or an error naming it. */
static kiln_status dtype_for_descr(const char *path, const char *descr,
                                   int32_t *dtype) {
  size_t n = strlen(descr);
  char order = n > 0 ? descr[0] : '\0';
  if (n == 3 && (order == '<' || order == '>' || order == '|' || order == '=') &&
      descr[2] >= '1' && descr[2] <= '9') {
    char kind = descr[1];
    int size = descr[2] - '0';
    for (size_t i = 0; i < sizeof kDescrs / sizeof kDescrs[0]; ++i) {
      if (kDescrs[i].kind != kind || kDescrs[i].size != size)
        continue;
      if (size > 1 && order == '>')
        return kiln_fail(KILN_ERROR_FORMAT,
                         "'%s': big-endian data (descr '%s') is not "
                         "supported; save it little-endian, e.g. "
                         "a.astype(a.dtype.newbyteorder('<'))",
                         path, descr);
      if (size > 1 && order == '|')
        break; /* '|' means "no byte order", which a multi-byte type lacks */
      *dtype = kDescrs[i].dtype;
      return KILN_OK;
    }
  }
  return kiln_fail(KILN_ERROR_FORMAT,
                   "'%s': unsupported descr '%s' (supported: <f2 <f4 <f8 |i1 "
                   "<i2 <i4 <i8 |u1 |b1, and <u2 for bf16)",
                   path, descr);
}

/*===------------------------------------------------------------------===*
 * Header dict parser
 *===------------------------------------------------------------------===*/

typedef struct {
  const char *p;
  const char *end;
} cursor;

static void skip_ws(cursor *c) {
  while (c->p < c->end &&
         (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
    ++c->p;
}

static bool eat(cursor *c, char ch) {
  skip_ws(c);
  if (c->p < c->end && *c->p == ch) {
    ++c->p;
    return true;
  }
  return false;
}

/* A quoted Python string without escapes, copied into buf (NUL-terminated,
 * truncated to cap-1 characters). */
static bool parse_string(cursor *c, char *buf, size_t cap) {
  skip_ws(c);
  if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
    return false;
  char quote = *c->p++;
  size_t n = 0;
  while (c->p < c->end && *c->p != quote) {
    if (*c->p == '\\' || *c->p == '\n')
      return false;
    if (n + 1 < cap)
      buf[n++] = *c->p;
    ++c->p;
  }
  if (c->p >= c->end)
    return false;
  ++c->p; /* closing quote */
  buf[n] = '\0';
  return true;
}

static bool parse_word(cursor *c, const char *word) {
  skip_ws(c);
  size_t n = strlen(word);
  if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
    return false;
  const char *after = c->p + n;
  if (after < c->end && ((*after >= 'a' && *after <= 'z') ||
                         (*after >= 'A' && *after <= 'Z') || *after == '_' ||
                         (*after >= '0' && *after <= '9')))
    return false;
  c->p = after;
  return true;
}

typedef enum { SHAPE_OK, SHAPE_SYNTAX, SHAPE_RANK, SHAPE_NEGATIVE } shape_result;

/* A tuple of non-negative integers: "()", "(3,)", "(3, 4)"; Python 2's
 * "(3L, 4L)" is accepted too. */
static shape_result parse_shape(cursor *c, int64_t *shape, int32_t *rank) {
  if (!eat(c, '('))
    return SHAPE_SYNTAX;
  int32_t n = 0;
  for (;;) {
    skip_ws(c);
    if (eat(c, ')'))
      break;
    bool negative = false;
    if (c->p < c->end && *c->p == '-') {
      negative = true;
      ++c->p;
    }
    if (c->p >= c->end || *c->p < '0' || *c->p > '9')
      return SHAPE_SYNTAX;
    int64_t v = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
      int digit = *c->p - '0';
      if (v > (INT64_MAX - digit) / 10)
        return SHAPE_SYNTAX;
      v = v * 10 + digit;
      ++c->p;
    }
    if (c->p < c->end && (*c->p == 'L' || *c->p == 'l'))
      ++c->p;
    if (negative)
      return SHAPE_NEGATIVE;
    if (n >= KILN_NPY_MAX_RANK)
      return SHAPE_RANK;
    shape[n++] = v;
    skip_ws(c);
    if (eat(c, ')'))
      break;
    if (!eat(c, ','))
      return SHAPE_SYNTAX;
  }
  /* "(3)" is an int, not a tuple, in Python; NumPy never writes it, and we
   * accept it as rank 1. */
  *rank = n;
  return SHAPE_OK;
}

typedef struct {
  char descr[64];
  bool fortran_order;
  int64_t shape[KILN_NPY_MAX_RANK];
  int32_t rank;
} npy_header;

static kiln_status header_error(const char *path, const char *what) {
  return kiln_fail(KILN_ERROR_FORMAT, "'%s': unparsable .npy header: %s", path,
                   what);
}

static kiln_status parse_header(const char *path, const char *text, size_t len,
                                npy_header *h) {
  cursor c = {text, text + len};
  bool have_descr = false, have_fortran = false, have_shape = false;
  if (!eat(&c, '{'))
    return header_error(path, "expected a dict starting with '{'");
  for (;;) {
    if (eat(&c, '}'))
      break;
    char key[32];
    if (!parse_string(&c, key, sizeof key))
      return header_error(path, "expected a quoted key");
    if (!eat(&c, ':'))
      return header_error(path, "expected ':' after a key");
    if (strcmp(key, "descr") == 0) {
      if (have_descr)
        return header_error(path, "duplicate key 'descr'");
      skip_ws(&c);
      if (c.p < c.end && (*c.p == '[' || *c.p == '('))
        return kiln_fail(KILN_ERROR_FORMAT,
                         "'%s': unsupported descr (a structured dtype); only "
                         "plain numeric arrays are supported",
                         path);
      if (!parse_string(&c, h->descr, sizeof h->descr))
        return header_error(path, "'descr' is not a string");
      have_descr = true;
    } else if (strcmp(key, "fortran_order") == 0) {
      if (have_fortran)
        return header_error(path, "duplicate key 'fortran_order'");
      if (parse_word(&c, "True"))
        h->fortran_order = true;
      else if (parse_word(&c, "False"))
        h->fortran_order = false;
      else
        return header_error(path, "'fortran_order' is not True or False");
      have_fortran = true;
    } else if (strcmp(key, "shape") == 0) {
      if (have_shape)
        return header_error(path, "duplicate key 'shape'");
      switch (parse_shape(&c, h->shape, &h->rank)) {
      case SHAPE_OK: break;
      case SHAPE_RANK:
        return kiln_fail(KILN_ERROR_FORMAT,
                         "'%s': rank greater than %d is not supported", path,
                         KILN_NPY_MAX_RANK);
      case SHAPE_NEGATIVE:
        return header_error(path, "'shape' has a negative dimension");
      case SHAPE_SYNTAX:
        return header_error(path, "'shape' is not a tuple of integers");
      }
      have_shape = true;
    } else {
      return kiln_fail(KILN_ERROR_FORMAT,
                       "'%s': unparsable .npy header: unexpected key '%s'",
                       path, key);
    }
    if (eat(&c, '}'))
      break;
    if (!eat(&c, ','))
      return header_error(path, "expected ',' or '}' after a value");
  }
  skip_ws(&c);
  if (c.p != c.end)
    return header_error(path, "unexpected text after the dict");
  if (!have_descr || !have_fortran || !have_shape)
    return header_error(path, !have_descr     ? "missing key 'descr'"
                              : !have_fortran ? "missing key 'fortran_order'"
                                              : "missing key 'shape'");
  return KILN_OK;
}

/*===------------------------------------------------------------------===*
 * Reading
 *===------------------------------------------------------------------===*/

static kiln_status read_impl(FILE *f, const char *path, kiln_npy *out) {
  unsigned char pre[8];
  size_t got = fread(pre, 1, sizeof pre, f);
  if (ferror(f))
    return kiln_fail(KILN_ERROR_IO, "cannot read '%s': %s", path,
                     strerror(errno));
  if (got == 0)
    return kiln_fail(KILN_ERROR_FORMAT, "'%s' is empty, not a .npy file", path);
  if (memcmp(pre, kNpyMagic, got < sizeof kNpyMagic ? got : sizeof kNpyMagic))
    return kiln_fail(KILN_ERROR_FORMAT,
                     "'%s' is not a .npy file (bad magic; expected "
                     "\"\\x93NUMPY\")",
                     path);
  if (got < sizeof pre)
    return kiln_fail(KILN_ERROR_FORMAT,
                     "'%s': truncated .npy header (file is %zu bytes)", path,
                     got);
  unsigned major = pre[6], minor = pre[7];
  size_t len_bytes;
  if (major == 1 && minor == 0)
    len_bytes = 2;
  else if ((major == 2 || major == 3) && minor == 0)
    len_bytes = 4;
  else
    return kiln_fail(KILN_ERROR_FORMAT,
                     "'%s': unsupported .npy format version %u.%u (supported: "
                     "1.0, 2.0, 3.0)",
                     path, major, minor);
  unsigned char lenbuf[4];
  if (fread(lenbuf, 1, len_bytes, f) != len_bytes)
    return kiln_fail(KILN_ERROR_FORMAT,
                     "'%s': truncated .npy header (no header length)", path);
  uint32_t hlen = (uint32_t)lenbuf[0] | (uint32_t)lenbuf[1] << 8;
  if (len_bytes == 4)
    hlen |= (uint32_t)lenbuf[2] << 16 | (uint32_t)lenbuf[3] << 24;
  if (hlen > KILN_NPY_MAX_HEADER)
    return kiln_fail(KILN_ERROR_FORMAT,
                     "'%s': .npy header length %u is implausibly large", path,
                     (unsigned)hlen);
  char *text = malloc(hlen + 1u);
  if (!text)
    return kiln_fail(KILN_ERROR_OUT_OF_MEMORY, "out of memory reading '%s'",
                     path);
  size_t hgot = fread(text, 1, hlen, f);
  if (hgot != hlen) {
    free(text);
    return kiln_fail(KILN_ERROR_FORMAT,
                     "'%s': truncated .npy header: expected %u bytes, got %zu",
                     path, (unsigned)hlen, hgot);
  }
  text[hlen] = '\0';
  if (memchr(text, '\0', hlen)) {
    free(text);
    return header_error(path, "it contains a NUL byte");
  }
  npy_header h;
  memset(&h, 0, sizeof h);
  kiln_status s = parse_header(path, text, hlen, &h);
  free(text);
  if (s != KILN_OK)
    return s;

  int32_t dtype = 0;
  if ((s = dtype_for_descr(path, h.descr, &dtype)) != KILN_OK)
    return s;
  if (h.fortran_order && h.rank > 1)
    return kiln_fail(KILN_ERROR_FORMAT,
                     "'%s': fortran_order True is not supported; save a "
                     "C-order array (np.ascontiguousarray)",
                     path);
  /* A rank <= 1 array is identical in both orders. */

  size_t elem = kiln_dtype_size(dtype);
  size_t nbytes = elem;
  for (int32_t i = 0; i < h.rank; ++i) {
    uint64_t d = (uint64_t)h.shape[i];
    if (d != 0 && nbytes > SIZE_MAX / d)
      return kiln_fail(KILN_ERROR_FORMAT, "'%s': array size overflows", path);
    nbytes *= (size_t)d;
  }

  /* Check the size first, so that a corrupt shape does not make us try to
   * allocate terabytes. */
  struct stat st;
  long pos = ftell(f);
  if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && pos >= 0) {
    uint64_t avail = st.st_size > pos ? (uint64_t)(st.st_size - pos) : 0;
    if (avail < nbytes)
      return kiln_fail(KILN_ERROR_FORMAT,
                       "'%s': truncated data: expected %zu bytes, got %llu",
                       path, nbytes, (unsigned long long)avail);
  }

  void *data = kiln_aligned_alloc(nbytes);
  if (!data)
    return kiln_fail(KILN_ERROR_OUT_OF_MEMORY,
                     "'%s': cannot allocate %zu bytes", path, nbytes);
  size_t dgot = nbytes ? fread(data, 1, nbytes, f) : 0;
  if (dgot != nbytes) {
    bool io = ferror(f) != 0;
    free(data);
    if (io)
      return kiln_fail(KILN_ERROR_IO, "cannot read '%s': %s", path,
                       strerror(errno));
    return kiln_fail(KILN_ERROR_FORMAT,
                     "'%s': truncated data: expected %zu bytes, got %zu", path,
                     nbytes, dgot);
  }
  if (dtype == KILN_DTYPE_BOOL) {
    /* Normalise to 0/1, as a C bool expects. */
    unsigned char *b = data;
    for (size_t i = 0; i < nbytes; ++i)
      b[i] = b[i] != 0;
  }
  out->dtype = dtype;
  out->rank = h.rank;
  memcpy(out->shape, h.shape, sizeof out->shape);
  out->data = data;
  out->nbytes = nbytes;
  return KILN_OK;
}

kiln_status kiln_npy_read(const char *path, kiln_npy *out) {
  if (out)
    memset(out, 0, sizeof *out);
  if (!path || !out)
    return kiln_fail(KILN_ERROR_INVALID_ARGUMENT,
                     "kiln_npy_read: path and out must not be NULL");
  FILE *f = fopen(path, "rb");
  if (!f)
    return kiln_fail(KILN_ERROR_IO, "cannot open '%s': %s", path,
                     strerror(errno));
  struct stat st;
  if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    fclose(f);
    return kiln_fail(KILN_ERROR_IO, "cannot read '%s': it is a directory", path);
  }
  kiln_status s = read_impl(f, path, out);
  fclose(f);
  return s;
}

void kiln_npy_free(kiln_npy *npy) {
  if (!npy)
    return;
  free(npy->data);
  memset(npy, 0, sizeof *npy);
}

/*===------------------------------------------------------------------===*
 * Writing
 *===------------------------------------------------------------------===*/

kiln_status kiln_npy_write(const char *path, int32_t dtype, int32_t rank,
                           const int64_t *shape, const void *data) {
  if (!path)
    return kiln_fail(KILN_ERROR_INVALID_ARGUMENT,
                     "kiln_npy_write: path must not be NULL");
  const char *descr = descr_for(dtype);
  if (!descr)
    return kiln_fail(KILN_ERROR_DTYPE, "cannot write '%s': unknown dtype %d",
                     path, dtype);
  if (rank < 0 || rank > KILN_NPY_MAX_RANK)
    return kiln_fail(KILN_ERROR_SHAPE,
                     "cannot write '%s': rank %d is outside [0, %d]", path,
                     rank, KILN_NPY_MAX_RANK);
  if (rank > 0 && !shape)
    return kiln_fail(KILN_ERROR_INVALID_ARGUMENT,
                     "cannot write '%s': shape is NULL for rank %d", path, rank);
  size_t nbytes = kiln_dtype_size(dtype);
  for (int32_t i = 0; i < rank; ++i) {
    if (shape[i] < 0)
      return kiln_fail(KILN_ERROR_SHAPE,
                       "cannot write '%s': dim %d is negative (%lld)", path, i,
                       (long long)shape[i]);
    uint64_t d = (uint64_t)shape[i];
    if (d != 0 && nbytes > SIZE_MAX / d)
      return kiln_fail(KILN_ERROR_SHAPE, "cannot write '%s': size overflows",
                       path);
    nbytes *= (size_t)d;
  }
  if (nbytes > 0 && !data)
    return kiln_fail(KILN_ERROR_INVALID_ARGUMENT,
                     "cannot write '%s': data is NULL for %zu bytes", path,
                     nbytes);

  /* The dict, as NumPy writes it. 16 dims of 20 digits fit easily. */
  char dict[512];
  int n = snprintf(dict, sizeof dict,
                   "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
  for (int32_t i = 0; i < rank; ++i)
    n += snprintf(dict + n, sizeof dict - (size_t)n, "%s%lld", i ? ", " : "",
                  (long long)shape[i]);
  n += snprintf(dict + n, sizeof dict - (size_t)n, "%s), }",
                rank == 1 ? "," : "");

  /* magic(6) + version(2) + length(2 or 4) + dict + padding + '\n' is a
   * multiple of 64. The header never nears 65535 bytes, but the rule is. */
  size_t dict_len = (size_t)n;
  size_t prefix = 10;
  int major = 1;
  size_t total = (prefix + dict_len + 1 + 63) & ~(size_t)63;
  if (total - prefix > 65535) {
    prefix = 12;
    major = 2;
    total = (prefix + dict_len + 1 + 63) & ~(size_t)63;
  }
  size_t hlen = total - prefix;

  unsigned char head[640];
  memcpy(head, kNpyMagic, sizeof kNpyMagic);
  head[6] = (unsigned char)major;
  head[7] = 0;
  head[8] = (unsigned char)(hlen & 0xff);
  head[9] = (unsigned char)((hlen >> 8) & 0xff);
  if (major == 2) {
    head[10] = (unsigned char)((hlen >> 16) & 0xff);
    head[11] = (unsigned char)((hlen >> 24) & 0xff);
  }
  memcpy(head + prefix, dict, dict_len);
  memset(head + prefix + dict_len, ' ', hlen - dict_len - 1);
  head[total - 1] = '\n';

  FILE *f = fopen(path, "wb");
  if (!f)
    return kiln_fail(KILN_ERROR_IO, "cannot create '%s': %s", path,
                     strerror(errno));
  bool ok = fwrite(head, 1, total, f) == total;
  if (ok && nbytes > 0)
    ok = fwrite(data, 1, nbytes, f) == nbytes;
  int err = errno;
  if (fclose(f) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (!ok)
    return kiln_fail(KILN_ERROR_IO, "cannot write '%s': %s", path,
                     strerror(err));
  return KILN_OK;
}
