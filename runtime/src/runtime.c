/*===- runtime.c - loading, validating and running Kiln artifacts ---------===*
 *
 * Plain C11 + POSIX (dlopen). See kiln/runtime.h for the contract.
 *===----------------------------------------------------------------------===*/
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include "internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/*===------------------------------------------------------------------===*
 * Errors
 *===------------------------------------------------------------------===*/

static _Thread_local char kiln_error_buf[1024];

kiln_status kiln_fail(kiln_status status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(kiln_error_buf, sizeof kiln_error_buf, fmt, ap);
  va_end(ap);
  return status;
}

const char *kiln_last_error(void) { return kiln_error_buf; }

const char *kiln_status_name(kiln_status status) {
  switch (status) {
  case KILN_OK: return "KILN_OK";
  case KILN_ERROR_IO: return "KILN_ERROR_IO";
  case KILN_ERROR_FORMAT: return "KILN_ERROR_FORMAT";
  case KILN_ERROR_ABI: return "KILN_ERROR_ABI";
  case KILN_ERROR_INVALID_ARGUMENT: return "KILN_ERROR_INVALID_ARGUMENT";
  case KILN_ERROR_SHAPE: return "KILN_ERROR_SHAPE";
  case KILN_ERROR_DTYPE: return "KILN_ERROR_DTYPE";
  case KILN_ERROR_OUT_OF_MEMORY: return "KILN_ERROR_OUT_OF_MEMORY";
  case KILN_ERROR_RUN: return "KILN_ERROR_RUN";
  }
  return "unknown status";
}

void *kiln_aligned_alloc(size_t size) {
  void *p = NULL;
  if (size == 0)
    size = 1;
  if (size > SIZE_MAX - 63)
    return NULL;
  size = (size + 63) & ~(size_t)63;
  if (posix_memalign(&p, 64, size) != 0)
    return NULL;
  return p;
}

/*===------------------------------------------------------------------===*
 * Element types
 *===------------------------------------------------------------------===*/

static const struct {
  const char *name;
  size_t size;
} kiln_dtypes[] = {
    [KILN_DTYPE_F16] = {"f16", 2},  [KILN_DTYPE_BF16] = {"bf16", 2},
    [KILN_DTYPE_F32] = {"f32", 4},  [KILN_DTYPE_F64] = {"f64", 8},
    [KILN_DTYPE_I8] = {"i8", 1},    [KILN_DTYPE_I16] = {"i16", 2},
    [KILN_DTYPE_I32] = {"i32", 4},  [KILN_DTYPE_I64] = {"i64", 8},
    [KILN_DTYPE_U8] = {"u8", 1},    [KILN_DTYPE_BOOL] = {"bool", 1},
};
#define KILN_NUM_DTYPE_SLOTS ((int32_t)(sizeof kiln_dtypes / sizeof kiln_dtypes[0]))

static bool dtype_known(int32_t dtype) {
  return dtype > 0 && dtype < KILN_NUM_DTYPE_SLOTS && kiln_dtypes[dtype].name;
}

const char *kiln_dtype_name(int32_t dtype) {
  return dtype_known(dtype) ? kiln_dtypes[dtype].name : "unknown";
}

size_t kiln_dtype_size(int32_t dtype) {
  return dtype_known(dtype) ? kiln_dtypes[dtype].size : 0;
}

int32_t kiln_dtype_from_name(const char *name) {
  if (!name)
    return 0;
  for (int32_t i = 1; i < KILN_NUM_DTYPE_SLOTS; ++i)
    if (kiln_dtypes[i].name && strcmp(kiln_dtypes[i].name, name) == 0)
      return i;
  return 0;
}

/*===------------------------------------------------------------------===*
 * Symbolic dimension expressions: products of integers and symbols,
 * separated by '*', with optional blanks, e.g. "N", "N*4", "2 * N * S".
 *===------------------------------------------------------------------===*/

typedef struct symbol {
  const char *name; /* not NUL-terminated: points into a dim_expr */
  size_t len;
  int64_t value;
  int32_t input; /* where it was bound, for messages */
  int32_t dim;
} symbol;

typedef struct symtab {
  symbol *syms;
  int32_t count;
  int32_t cap;
} symtab;

static bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static bool is_ident_char(char c) {
  return is_ident_start(c) || (c >= '0' && c <= '9');
}
static const char *skip_blanks(const char *p) {
  while (*p == ' ' || *p == '\t')
    ++p;
  return p;
}

static const symbol *symtab_find(const symtab *t, const char *name, size_t len) {
  for (int32_t i = 0; i < t->count; ++i)
    if (t->syms[i].len == len && memcmp(t->syms[i].name, name, len) == 0)
      return &t->syms[i];
  return NULL;
}

/* If `expr` is a single symbol name (blanks allowed around it), returns true
 * and its extent. */
static bool expr_single_symbol(const char *expr, const char **name, size_t *len) {
  const char *p = skip_blanks(expr);
  if (!is_ident_start(*p))
    return false;
  const char *start = p;
  while (is_ident_char(*p))
    ++p;
  const char *end = p;
  p = skip_blanks(p);
  if (*p != '\0')
    return false;
  *name = start;
  *len = (size_t)(end - start);
  return true;
}

enum expr_result { EXPR_OK, EXPR_SYNTAX, EXPR_UNBOUND, EXPR_OVERFLOW };

/* Evaluates `expr` with the symbols of `t` (t may be NULL to check syntax
 * only, with every symbol taken as 1). On EXPR_UNBOUND, *bad and *bad_len name
 * the symbol. */
static enum expr_result expr_eval(const char *expr, const symtab *t,
                                  int64_t *value, const char **bad,
                                  size_t *bad_len) {
  const char *p = expr;
  int64_t acc = 1;
  for (;;) {
    int64_t term;
    p = skip_blanks(p);
    if (*p >= '0' && *p <= '9') {
      term = 0;
      while (*p >= '0' && *p <= '9') {
        int digit = *p - '0';
        if (term > (INT64_MAX - digit) / 10)
          return EXPR_OVERFLOW;
        term = term * 10 + digit;
        ++p;
      }
    } else if (is_ident_start(*p)) {
      const char *start = p;
      while (is_ident_char(*p))
        ++p;
      if (t) {
        const symbol *s = symtab_find(t, start, (size_t)(p - start));
        if (!s) {
          *bad = start;
          *bad_len = (size_t)(p - start);
          return EXPR_UNBOUND;
        }
        term = s->value;
      } else {
        term = 1;
      }
    } else {
      return EXPR_SYNTAX;
    }
    if (term != 0 && acc > INT64_MAX / term)
      return EXPR_OVERFLOW;
    acc *= term;
    p = skip_blanks(p);
    if (*p == '\0')
      break;
    if (*p != '*')
      return EXPR_SYNTAX;
    ++p;
  }
  *value = acc;
  return EXPR_OK;
}

/*===------------------------------------------------------------------===*
 * Models
 *===------------------------------------------------------------------===*/

struct kiln_model {
  void *handle;
  const kiln_graph_desc *desc;
  int32_t max_symbols; /* number of symbolic input dims: bounds the symtab */
  void *workspace;     /* cached, desc->workspace_size bytes (NULL if 0) */
  size_t workspace_size;
  atomic_flag workspace_busy;
  kiln_numerics_hook *numerics; /* NULL: compiled without --check-numerics */
  bool numerics_set;            /* this model installed a handler */
  kiln_numerics_handler numerics_handler;
  void *numerics_user;
};

typedef const kiln_graph_desc *(*kiln_describe_fn)(void);
typedef kiln_numerics_hook *(*kiln_numerics_fn)(void);

static const char *tensor_name(const kiln_tensor_desc *td) {
  return td->name ? td->name : "?";
}

/* Checks one tensor description of an artifact. */
static kiln_status check_tensor_desc(const char *path, const char *kind,
                                     int32_t index, const kiln_tensor_desc *td) {
  if (!td->name)
    return kiln_fail(KILN_ERROR_FORMAT, "'%s': %s %d has no name", path, kind,
                     index);
  if (!dtype_known(td->dtype))
    return kiln_fail(KILN_ERROR_FORMAT, "'%s': %s '%s' has unknown dtype %d",
                     path, kind, td->name, td->dtype);
  if (td->rank < 0 || (td->rank > 0 && !td->dims))
    return kiln_fail(KILN_ERROR_FORMAT, "'%s': %s '%s' has a malformed shape",
                     path, kind, td->name);
  for (int32_t j = 0; j < td->rank; ++j) {
    if (td->dims[j] >= 0)
      continue;
    if (td->dims[j] != -1 || !td->dim_exprs || !td->dim_exprs[j])
      return kiln_fail(KILN_ERROR_FORMAT,
                       "'%s': %s '%s' dim %d is %lld with no symbolic size",
                       path, kind, td->name, j, (long long)td->dims[j]);
    int64_t v;
    const char *bad;
    size_t bad_len;
    if (expr_eval(td->dim_exprs[j], NULL, &v, &bad, &bad_len) != EXPR_OK)
      return kiln_fail(KILN_ERROR_FORMAT,
                       "'%s': %s '%s' dim %d has malformed size expression "
                       "'%s'",
                       path, kind, td->name, j, td->dim_exprs[j]);
  }
  return KILN_OK;
}

/* Checks that every symbol used in `td` is bound by a single-symbol input
 * dimension of `d`. */
static kiln_status check_symbols_bound(const char *path, const char *kind,
                                       const kiln_graph_desc *d,
                                       const kiln_tensor_desc *td) {
  for (int32_t j = 0; j < td->rank; ++j) {
    if (td->dims[j] != -1)
      continue;
    const char *p = td->dim_exprs[j];
    while (*p) {
      if (!is_ident_start(*p)) {
        ++p;
        continue;
      }
      const char *start = p;
      while (is_ident_char(*p))
        ++p;
      size_t len = (size_t)(p - start);
      bool bound = false;
      for (int32_t i = 0; i < d->num_inputs && !bound; ++i) {
        const kiln_tensor_desc *in = &d->inputs[i];
        for (int32_t k = 0; k < in->rank && !bound; ++k) {
          const char *name;
          size_t name_len;
          bound = in->dims[k] == -1 &&
                  expr_single_symbol(in->dim_exprs[k], &name, &name_len) &&
                  name_len == len && memcmp(name, start, len) == 0;
        }
      }
      if (!bound)
        return kiln_fail(KILN_ERROR_FORMAT,
                         "'%s': %s '%s' dim %d uses symbol '%.*s', which no "
                         "input dimension binds",
                         path, kind, td->name, j, (int)len, start);
    }
  }
  return KILN_OK;
}

static kiln_status check_graph_desc(const char *path, const kiln_graph_desc *d,
                                    int32_t *max_symbols) {
  if (!d->name)
    return kiln_fail(KILN_ERROR_FORMAT, "'%s': artifact description has no name",
                     path);
  if (d->num_inputs < 0 || d->num_outputs < 0 ||
      (d->num_inputs > 0 && !d->inputs) || (d->num_outputs > 0 && !d->outputs))
    return kiln_fail(KILN_ERROR_FORMAT,
                     "'%s': artifact '%s' has malformed input/output lists",
                     path, d->name);
  if (!d->run)
    return kiln_fail(KILN_ERROR_FORMAT,
                     "'%s': artifact '%s' has no run function", path, d->name);
  if (d->abi_version >= 2 && !d->run_ex)
    return kiln_fail(KILN_ERROR_FORMAT,
                     "'%s': artifact '%s' has no run_ex function (required "
                     "by ABI version %u)",
                     path, d->name, (unsigned)d->abi_version);
  kiln_status s;
  int64_t nsym = 0;
  for (int32_t i = 0; i < d->num_inputs; ++i) {
    if ((s = check_tensor_desc(path, "input", i, &d->inputs[i])) != KILN_OK)
      return s;
    for (int32_t j = 0; j < d->inputs[i].rank; ++j)
      nsym += d->inputs[i].dims[j] == -1;
  }
  for (int32_t i = 0; i < d->num_outputs; ++i)
    if ((s = check_tensor_desc(path, "output", i, &d->outputs[i])) != KILN_OK)
      return s;
  for (int32_t i = 0; i < d->num_inputs; ++i)
    if ((s = check_symbols_bound(path, "input", d, &d->inputs[i])) != KILN_OK)
      return s;
  for (int32_t i = 0; i < d->num_outputs; ++i)
    if ((s = check_symbols_bound(path, "output", d, &d->outputs[i])) != KILN_OK)
      return s;
  if (nsym > INT32_MAX)
    return kiln_fail(KILN_ERROR_FORMAT, "'%s': too many symbolic dimensions",
                     path);
  *max_symbols = (int32_t)nsym;
  return KILN_OK;
}

kiln_status kiln_model_open(const char *path, kiln_model **out) {
  if (out)
    *out = NULL;
  if (!path || !out)
    return kiln_fail(KILN_ERROR_INVALID_ARGUMENT,
                     "kiln_model_open: path and out must not be NULL");

  struct stat st;
  if (stat(path, &st) != 0)
    return kiln_fail(KILN_ERROR_IO, "cannot open artifact '%s': %s", path,
                     strerror(errno));
  if (S_ISDIR(st.st_mode))
    return kiln_fail(KILN_ERROR_IO, "cannot open artifact '%s': it is a directory",
                     path);

  /* dlopen searches the library path for names without a '/'; we mean a file. */
  char *local = NULL;
  const char *dl_path = path;
  if (!strchr(path, '/')) {
    size_t n = strlen(path);
    local = malloc(n + 3);
    if (!local)
      return kiln_fail(KILN_ERROR_OUT_OF_MEMORY, "out of memory opening '%s'",
                       path);
    memcpy(local, "./", 2);
    memcpy(local + 2, path, n + 1);
    dl_path = local;
  }
  dlerror();
  void *handle = dlopen(dl_path, RTLD_NOW | RTLD_LOCAL);
  free(local);
  if (!handle) {
    const char *why = dlerror();
    return kiln_fail(KILN_ERROR_FORMAT,
                     "cannot load artifact '%s' as a shared library: %s", path,
                     why ? why : "unknown dlopen error");
  }

  dlerror();
  void *sym = dlsym(handle, "kiln_artifact_describe");
  if (!sym) {
    dlclose(handle);
    return kiln_fail(KILN_ERROR_FORMAT,
                     "'%s' is not a Kiln artifact: it does not export "
                     "kiln_artifact_describe (compile it with --emit shared)",
                     path);
  }
  kiln_describe_fn describe;
  memcpy(&describe, &sym, sizeof describe);
  const kiln_graph_desc *desc = describe();
  if (!desc) {
    dlclose(handle);
    return kiln_fail(KILN_ERROR_FORMAT,
                     "'%s': kiln_artifact_describe returned NULL", path);
  }
  if (desc->abi_version != KILN_ABI_VERSION) {
    unsigned v = desc->abi_version;
    dlclose(handle);
    return kiln_fail(KILN_ERROR_ABI,
                     "'%s': artifact ABI version %u, runtime supports %d "
                     "(recompile the graph with a matching kiln)",
                     path, v, KILN_ABI_VERSION);
  }
  int32_t max_symbols = 0;
  kiln_status s = check_graph_desc(path, desc, &max_symbols);
  if (s != KILN_OK) {
    dlclose(handle);
    return s;
  }
  if (desc->workspace_size > (uint64_t)(SIZE_MAX - 64)) {
    dlclose(handle);
    return kiln_fail(KILN_ERROR_OUT_OF_MEMORY,
                     "'%s': workspace of %llu bytes cannot be allocated", path,
                     (unsigned long long)desc->workspace_size);
  }

  kiln_model *m = calloc(1, sizeof *m);
  if (!m) {
    dlclose(handle);
    return kiln_fail(KILN_ERROR_OUT_OF_MEMORY, "out of memory opening '%s'",
                     path);
  }
  m->handle = handle;
  m->desc = desc;
  dlerror();
  void *numerics = dlsym(handle, "kiln_artifact_numerics");
  if (numerics) {
    kiln_numerics_fn get;
    memcpy(&get, &numerics, sizeof get);
    m->numerics = get();
  }
  m->max_symbols = max_symbols;
  m->workspace_size = (size_t)desc->workspace_size;
  atomic_flag_clear(&m->workspace_busy);
  if (m->workspace_size > 0) {
    m->workspace = kiln_aligned_alloc(m->workspace_size);
    if (!m->workspace) {
      dlclose(handle);
      free(m);
      return kiln_fail(KILN_ERROR_OUT_OF_MEMORY,
                       "'%s': cannot allocate a workspace of %zu bytes", path,
                       (size_t)desc->workspace_size);
    }
  }
  *out = m;
  return KILN_OK;
}

void kiln_model_close(kiln_model *model) {
  if (!model)
    return;
  kiln_numerics_hook *hook = model->numerics;
  if (model->numerics_set && hook &&
      hook->handler == model->numerics_handler &&
      hook->user == model->numerics_user) {
    hook->handler = NULL;
    hook->user = NULL;
  }
  free(model->workspace);
  if (model->handle)
    dlclose(model->handle);
  free(model);
}

const kiln_graph_desc *kiln_model_describe(const kiln_model *model) {
  return model ? model->desc : NULL;
}

kiln_status kiln_model_set_numerics_handler(kiln_model *model,
                                            kiln_numerics_handler handler,
                                            void *user) {
  if (!model)
    return kiln_fail(KILN_ERROR_INVALID_ARGUMENT,
                     "kiln_model_set_numerics_handler: model is NULL");
  kiln_numerics_hook *hook = model->numerics;
  if (!hook)
    return kiln_fail(KILN_ERROR_INVALID_ARGUMENT,
                     "graph '%s' was compiled without numerics checks "
                     "(kiln compile --check-numerics)",
                     model->desc->name);
  if (hook->abi_version != KILN_ABI_VERSION)
    return kiln_fail(KILN_ERROR_INVALID_ARGUMENT,
                     "graph '%s': numerics hook ABI version %u, runtime "
                     "supports %d",
                     model->desc->name, (unsigned)hook->abi_version,
                     KILN_ABI_VERSION);
  hook->handler = handler;
  hook->user = handler ? user : NULL;
  model->numerics_set = handler != NULL;
  model->numerics_handler = handler;
  model->numerics_user = hook->user;
  return KILN_OK;
}

/*===------------------------------------------------------------------===*
 * Validation
 *===------------------------------------------------------------------===*/

/* Elements of a tensor, or -1 if the count overflows int64. */
static int64_t num_elements(const int64_t *shape, int32_t rank) {
  int64_t n = 1;
  for (int32_t j = 0; j < rank; ++j) {
    if (shape[j] != 0 && n > INT64_MAX / shape[j])
      return -1;
    n *= shape[j];
  }
  return n;
}

static kiln_status check_tensor_common(const char *kind,
                                       const kiln_tensor_desc *td,
                                       const kiln_tensor *t, bool need_data) {
  const char *name = tensor_name(td);
  if (!dtype_known(t->dtype))
    return kiln_fail(KILN_ERROR_DTYPE,
                     "%s '%s': unknown dtype %d (expected %s)", kind, name,
                     t->dtype, kiln_dtype_name(td->dtype));
  if (t->dtype != td->dtype)
    return kiln_fail(KILN_ERROR_DTYPE, "%s '%s': expected dtype %s, got %s",
                     kind, name, kiln_dtype_name(td->dtype),
                     kiln_dtype_name(t->dtype));
  if (t->rank != td->rank)
    return kiln_fail(KILN_ERROR_SHAPE, "%s '%s': expected rank %d, got %d",
                     kind, name, td->rank, t->rank);
  if (t->rank > 0 && !t->shape)
    return kiln_fail(KILN_ERROR_INVALID_ARGUMENT,
                     "%s '%s': shape is NULL for a rank-%d tensor", kind, name,
                     t->rank);
  for (int32_t j = 0; j < t->rank; ++j)
    if (t->shape[j] < 0)
      return kiln_fail(KILN_ERROR_SHAPE, "%s '%s' dim %d: negative size %lld",
                       kind, name, j, (long long)t->shape[j]);
  int64_t n = num_elements(t->shape, t->rank);
  if (n < 0)
    return kiln_fail(KILN_ERROR_SHAPE,
                     "%s '%s': number of elements overflows", kind, name);
  if (need_data && n > 0 && !t->data)
    return kiln_fail(KILN_ERROR_INVALID_ARGUMENT,
                     "%s '%s': data is NULL for a tensor of %lld elements",
                     kind, name, (long long)n);
  return KILN_OK;
}

/* Validates the inputs and binds their symbols into `t`. */
static kiln_status check_inputs(const kiln_graph_desc *d,
                                const kiln_tensor *inputs, int32_t num_inputs,
                                bool need_data, symtab *t) {
  if (num_inputs != d->num_inputs)
    return kiln_fail(KILN_ERROR_INVALID_ARGUMENT,
                     "graph '%s' expects %d input%s, got %d", d->name,
                     d->num_inputs, d->num_inputs == 1 ? "" : "s", num_inputs);
  if (num_inputs > 0 && !inputs)
    return kiln_fail(KILN_ERROR_INVALID_ARGUMENT,
                     "graph '%s': inputs is NULL but %d input%s expected",
                     d->name, num_inputs, num_inputs == 1 ? " is" : "s are");
  kiln_status s;
  /* Pass 1: dtypes, ranks, static dims, and single-symbol dims (binding). */
  for (int32_t i = 0; i < num_inputs; ++i) {
    const kiln_tensor_desc *td = &d->inputs[i];
    const kiln_tensor *x = &inputs[i];
    if ((s = check_tensor_common("input", td, x, need_data)) != KILN_OK)
      return s;
    for (int32_t j = 0; j < td->rank; ++j) {
      int64_t got = x->shape[j];
      if (td->dims[j] >= 0) {
        if (got != td->dims[j])
          return kiln_fail(KILN_ERROR_SHAPE,
                           "input '%s' dim %d: expected %lld, got %lld",
                           td->name, j, (long long)td->dims[j],
                           (long long)got);
        continue;
      }
      const char *name;
      size_t len;
      if (!expr_single_symbol(td->dim_exprs[j], &name, &len))
        continue; /* a compound expression: checked in pass 2 */
      const symbol *prev = symtab_find(t, name, len);
      if (prev) {
        if (prev->value != got)
          return kiln_fail(
              KILN_ERROR_SHAPE,
              "input '%s' dim %d: expected %lld (symbol '%.*s', bound by "
              "input '%s' dim %d), got %lld",
              td->name, j, (long long)prev->value, (int)len, name,
              d->inputs[prev->input].name, prev->dim, (long long)got);
        continue;
      }
      if (t->count >= t->cap) /* cannot happen: cap counts symbolic dims */
        return kiln_fail(KILN_ERROR_INVALID_ARGUMENT, "too many symbols");
      symbol *sym = &t->syms[t->count++];
      sym->name = name;
      sym->len = len;
      sym->value = got;
      sym->input = i;
      sym->dim = j;
    }
  }
  /* Pass 2: symbolic dims given by compound expressions such as "N*4". */
  for (int32_t i = 0; i < num_inputs; ++i) {
    const kiln_tensor_desc *td = &d->inputs[i];
    for (int32_t j = 0; j < td->rank; ++j) {
      const char *name;
      size_t len;
      if (td->dims[j] != -1 ||
          expr_single_symbol(td->dim_exprs[j], &name, &len))
        continue;
      int64_t want;
      const char *bad;
      size_t bad_len;
      enum expr_result r = expr_eval(td->dim_exprs[j], t, &want, &bad, &bad_len);
      if (r == EXPR_OVERFLOW)
        return kiln_fail(KILN_ERROR_SHAPE, "input '%s' dim %d: '%s' overflows",
                         td->name, j, td->dim_exprs[j]);
      if (r != EXPR_OK)
        return kiln_fail(KILN_ERROR_SHAPE,
                         "input '%s' dim %d: cannot evaluate '%s'", td->name, j,
                         td->dim_exprs[j]);
      if (inputs[i].shape[j] != want)
        return kiln_fail(KILN_ERROR_SHAPE,
                         "input '%s' dim %d: expected %lld (%s), got %lld",
                         td->name, j, (long long)want, td->dim_exprs[j],
                         (long long)inputs[i].shape[j]);
    }
  }
  return KILN_OK;
}

static kiln_status resolve_output(const kiln_graph_desc *d, int32_t index,
                                  const symtab *t, int64_t *shape_out) {
  const kiln_tensor_desc *td = &d->outputs[index];
  for (int32_t j = 0; j < td->rank; ++j) {
    if (td->dims[j] >= 0) {
      shape_out[j] = td->dims[j];
      continue;
    }
    const char *bad;
    size_t bad_len;
    enum expr_result r =
        expr_eval(td->dim_exprs[j], t, &shape_out[j], &bad, &bad_len);
    if (r == EXPR_OVERFLOW)
      return kiln_fail(KILN_ERROR_SHAPE,
                       "output '%s' dim %d: '%s' overflows with these inputs",
                       td->name, j, td->dim_exprs[j]);
    if (r != EXPR_OK)
      return kiln_fail(KILN_ERROR_SHAPE, "output '%s' dim %d: cannot evaluate '%s'",
                       td->name, j, td->dim_exprs[j]);
  }
  return KILN_OK;
}

/* A symbol table on the stack for the common case, on the heap otherwise. */
#define KILN_STACK_SYMBOLS 16

static kiln_status symtab_init(symtab *t, symbol *stack, int32_t need) {
  t->count = 0;
  if (need <= KILN_STACK_SYMBOLS) {
    t->syms = stack;
    t->cap = KILN_STACK_SYMBOLS;
    return KILN_OK;
  }
  t->syms = malloc((size_t)need * sizeof(symbol));
  t->cap = need;
  if (!t->syms)
    return kiln_fail(KILN_ERROR_OUT_OF_MEMORY, "out of memory binding symbols");
  return KILN_OK;
}

static void symtab_free(symtab *t, symbol *stack) {
  if (t->syms != stack)
    free(t->syms);
}

kiln_status kiln_model_resolve_output_shape(const kiln_model *model,
                                            const kiln_tensor *inputs,
                                            int32_t num_inputs,
                                            int32_t output_index,
                                            int64_t *shape_out) {
  if (!model)
    return kiln_fail(KILN_ERROR_INVALID_ARGUMENT,
                     "kiln_model_resolve_output_shape: model is NULL");
  const kiln_graph_desc *d = model->desc;
  if (output_index < 0 || output_index >= d->num_outputs)
    return kiln_fail(KILN_ERROR_INVALID_ARGUMENT,
                     "graph '%s': output index %d out of range (it has %d "
                     "output%s)",
                     d->name, output_index, d->num_outputs,
                     d->num_outputs == 1 ? "" : "s");
  if (!shape_out && d->outputs[output_index].rank > 0)
    return kiln_fail(KILN_ERROR_INVALID_ARGUMENT,
                     "output '%s': shape_out is NULL for a rank-%d output",
                     d->outputs[output_index].name,
                     d->outputs[output_index].rank);
  symbol stack[KILN_STACK_SYMBOLS];
  symtab t;
  kiln_status s = symtab_init(&t, stack, model->max_symbols);
  if (s != KILN_OK)
    return s;
  s = check_inputs(d, inputs, num_inputs, false, &t);
  if (s == KILN_OK)
    s = resolve_output(d, output_index, &t, shape_out);
  symtab_free(&t, stack);
  return s;
}

static const char *run_status_text(int32_t code) {
  switch (code) {
  case KILN_RUN_BAD_COUNT:
    return "KILN_RUN_BAD_COUNT: wrong number of inputs or outputs";
  case KILN_RUN_BAD_DTYPE:
    return "KILN_RUN_BAD_DTYPE: a tensor's dtype differs from the graph's";
  case KILN_RUN_BAD_RANK:
    return "KILN_RUN_BAD_RANK: a tensor's rank differs from the graph's";
  case KILN_RUN_BAD_SHAPE:
    return "KILN_RUN_BAD_SHAPE: a dimension differs, or symbolic dims disagree";
  case KILN_RUN_NULL_DATA:
    return "KILN_RUN_NULL_DATA: a tensor with elements has a NULL data pointer";
  default:
    return "unknown status code";
  }
}

static kiln_status check_outputs(const kiln_graph_desc *d, const symtab *t,
                                 const kiln_tensor *outputs,
                                 int32_t num_outputs) {
  if (num_outputs != d->num_outputs)
    return kiln_fail(KILN_ERROR_INVALID_ARGUMENT,
                     "graph '%s' expects %d output%s, got %d", d->name,
                     d->num_outputs, d->num_outputs == 1 ? "" : "s",
                     num_outputs);
  if (num_outputs > 0 && !outputs)
    return kiln_fail(KILN_ERROR_INVALID_ARGUMENT,
                     "graph '%s': outputs is NULL but %d output%s expected",
                     d->name, num_outputs, num_outputs == 1 ? " is" : "s are");
  kiln_status s;
  for (int32_t i = 0; i < num_outputs; ++i) {
    const kiln_tensor_desc *td = &d->outputs[i];
    const kiln_tensor *y = &outputs[i];
    /* Shapes are compared before data pointers are checked. */
    if ((s = check_tensor_common("output", td, y, false)) != KILN_OK)
      return s;
    for (int32_t j = 0; j < td->rank; ++j) {
      int64_t want;
      if (td->dims[j] >= 0) {
        want = td->dims[j];
      } else {
        const char *bad;
        size_t bad_len;
        enum expr_result r = expr_eval(td->dim_exprs[j], t, &want, &bad, &bad_len);
        if (r != EXPR_OK)
          return kiln_fail(KILN_ERROR_SHAPE,
                           "output '%s' dim %d: cannot evaluate '%s'%s",
                           td->name, j, td->dim_exprs[j],
                           r == EXPR_OVERFLOW ? " (overflow)" : "");
      }
      if (y->shape[j] != want) {
        if (td->dims[j] >= 0)
          return kiln_fail(KILN_ERROR_SHAPE,
                           "output '%s' dim %d: expected %lld, got %lld",
                           td->name, j, (long long)want,
                           (long long)y->shape[j]);
        return kiln_fail(KILN_ERROR_SHAPE,
                         "output '%s' dim %d: expected %lld (%s), got %lld",
                         td->name, j, (long long)want, td->dim_exprs[j],
                         (long long)y->shape[j]);
      }
    }
    if ((s = check_tensor_common("output", td, y, true)) != KILN_OK)
      return s;
  }
  return KILN_OK;
}

kiln_status kiln_model_run(kiln_model *model, const kiln_tensor *inputs,
                           int32_t num_inputs, const kiln_tensor *outputs,
                           int32_t num_outputs) {
  return kiln_model_run_threads(model, inputs, num_inputs, outputs,
                                num_outputs, 0);
}

kiln_status kiln_model_run_threads(kiln_model *model,
                                   const kiln_tensor *inputs,
                                   int32_t num_inputs,
                                   const kiln_tensor *outputs,
                                   int32_t num_outputs, int32_t num_threads) {
  if (!model)
    return kiln_fail(KILN_ERROR_INVALID_ARGUMENT, "kiln_model_run: model is NULL");
  const kiln_graph_desc *d = model->desc;
  if (num_threads < 0)
    return kiln_fail(KILN_ERROR_INVALID_ARGUMENT,
                     "graph '%s': num_threads must be >= 0 (0 = one per "
                     "online CPU), got %d",
                     d->name, num_threads);
  symbol stack[KILN_STACK_SYMBOLS];
  symtab t;
  kiln_status s = symtab_init(&t, stack, model->max_symbols);
  if (s != KILN_OK)
    return s;
  s = check_inputs(d, inputs, num_inputs, true, &t);
  if (s == KILN_OK)
    s = check_outputs(d, &t, outputs, num_outputs);
  symtab_free(&t, stack);
  if (s != KILN_OK)
    return s;

  /* The cached workspace serves one call at a time; a concurrent call gets a
   * private one, so no caller ever blocks on another. */
  void *ws = NULL;
  bool own = false;
  bool claimed = false;
  if (model->workspace_size > 0) {
    if (!atomic_flag_test_and_set_explicit(&model->workspace_busy,
                                           memory_order_acquire)) {
      ws = model->workspace;
      claimed = true;
    } else {
      ws = kiln_aligned_alloc(model->workspace_size);
      if (!ws)
        return kiln_fail(KILN_ERROR_OUT_OF_MEMORY,
                         "graph '%s': cannot allocate a workspace of %zu bytes",
                         d->name, model->workspace_size);
      own = true;
    }
  }
  int32_t rc;
  if (d->run_ex) {
    /* 0 means one per online CPU; never more threads than CPUs. */
    int32_t cpus = kiln_pool_cpus();
    int32_t threads =
        num_threads == 0 || num_threads > cpus ? cpus : num_threads;
    kiln_exec exec;
    exec.abi_version = KILN_ABI_VERSION;
    exec.num_threads = threads;
    exec.parallel_for = kiln_pool_parallel_for;
    exec.user = threads > 1 ? kiln_pool_get() : NULL;
    rc = d->run_ex(inputs, num_inputs, outputs, num_outputs, ws, &exec);
  } else {
    rc = d->run(inputs, num_inputs, outputs, num_outputs, ws);
  }
  if (claimed)
    atomic_flag_clear_explicit(&model->workspace_busy, memory_order_release);
  if (own)
    free(ws);
  if (rc != 0)
    return kiln_fail(KILN_ERROR_RUN, "graph '%s' failed with run status %d (%s)",
                     d->name, rc, run_status_text(rc));
  return KILN_OK;
}
