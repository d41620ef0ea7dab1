//===- JsonConstants.cpp - dtypes and constants of JSON graphs --*- C++ -*-===//
//
// Every constant payload goes through one little-endian byte buffer, whatever
// its source: JSON scalars are encoded into it, and the data of a .npy file
// already is one. DenseElementsAttr then takes the buffer as is.
//
//===----------------------------------------------------------------------===//

#include "JsonConstants.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::kiln::json_frontend;
using json = nlohmann::json;

namespace {

/// A graph dtype and its .npy `descr` without the byte-order character.
struct DtypeInfo {
  llvm::StringLiteral name;
  llvm::StringLiteral npy;
};

// bf16 has no NumPy dtype; ml_dtypes saves bfloat16 arrays as two-byte
// records ('V2'), which is the only thing a bf16 .npy can hold.
constexpr DtypeInfo kDtypes[] = {
    {"f16", "f2"}, {"bf16", "V2"}, {"f32", "f4"}, {"f64", "f8"}, {"i8", "i1"},
    {"i16", "i2"}, {"i32", "i4"},  {"i64", "i8"}, {"u8", "u1"},  {"bool", "b1"},
};

const DtypeInfo *lookupDtype(Type type) {
  for (const DtypeInfo &info : kDtypes)
    if (parseDtype(type.getContext(), info.name) == type)
      return &info;
  return nullptr;
}

std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? ", " : "") + std::to_string(d);
  return s + "]";
}

/// Bytes per element in raw buffers and .npy files (bool: one byte).
unsigned byteWidth(Type type) {
  return std::max(1u, type.getIntOrFloatBitWidth() / 8);
}

/// Appends the low `bytes` bytes of `bits`, least significant first: the
/// layout of .npy files and, on the little-endian hosts Kiln runs on (x86-64,
/// AArch64), of DenseElementsAttr's raw buffers.
void appendLE(SmallVectorImpl<char> &out, uint64_t bits, unsigned bytes) {
  for (unsigned i = 0; i < bytes; ++i)
    out.push_back(static_cast<char>(bits >> (8 * i)));
}

/// A JSON scalar as a double. JSON has no literal for non-finite values, so
/// the strings NumPy and JavaScript print for them are accepted too.
std::optional<double> asDouble(const json &v) {
  if (v.is_number())
    return v.get<double>();
  if (!v.is_string())
    return std::nullopt;
  std::string s = StringRef(v.get_ref<const std::string &>()).lower();
  StringRef body = StringRef(s).ltrim("+-");
  double sign = StringRef(s).starts_with("-") ? -1.0 : 1.0;
  if (body == "nan")
    return std::numeric_limits<double>::quiet_NaN();
  if (body == "inf" || body == "infinity")
    return sign * std::numeric_limits<double>::infinity();
  return std::nullopt;
}

/// A JSON scalar as an integer. Floats with an integral value are accepted
/// because some writers only know doubles.
std::optional<int64_t> asInteger(const json &v) {
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (v.is_number_integer())
    return v.get<int64_t>();
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (d == std::trunc(d) && d >= -0x1p63 && d < 0x1p63)
      return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

/// Appends one JSON scalar as an element of `type` to `out`; otherwise
/// returns what is wrong with it.
std::optional<std::string> encodeScalar(const json &v, Type type,
                                        SmallVectorImpl<char> &out) {
  if (auto ft = dyn_cast<FloatType>(type)) {
    std::optional<double> d = asDouble(v);
    if (!d)
      return "expected a number, got " + describeJson(v);
    llvm::APFloat f(*d);
    bool losesInfo;
    f.convert(ft.getFloatSemantics(), llvm::APFloat::rmNearestTiesToEven,
              &losesInfo);
    appendLE(out, f.bitcastToAPInt().getZExtValue(), byteWidth(type));
    return std::nullopt;
  }
  auto it = cast<IntegerType>(type);
  std::optional<int64_t> i =
      v.is_boolean() ? std::optional<int64_t>(v.get<bool>()) : asInteger(v);
  if (it.getWidth() == 1) {
    if (!i || (*i != 0 && *i != 1))
      return "expected true, false, 0 or 1, got " + describeJson(v);
    out.push_back(static_cast<char>(*i));
    return std::nullopt;
  }
  if (!i && v.is_number_integer())
    return "value " + v.dump() + " is out of range for " + dtypeName(type);
  if (!i || v.is_boolean())
    return "expected an integer, got " + describeJson(v);
  unsigned w = it.getWidth();
  int64_t lo = it.isUnsigned() ? 0 : llvm::minIntN(w);
  int64_t hi = it.isUnsigned() ? static_cast<int64_t>(llvm::maxUIntN(w))
                               : llvm::maxIntN(w);
  if (*i < lo || *i > hi)
    return "value " + std::to_string(*i) + " is out of range for " +
           dtypeName(type);
  appendLE(out, static_cast<uint64_t>(*i), byteWidth(type));
  return std::nullopt;
}

/// The attribute holding `raw` (elements of `type` laid out as appendLE
/// does); one element makes a splat.
DenseElementsAttr fromRawBuffer(RankedTensorType type, ArrayRef<char> raw) {
  // i1 raw buffers are bit-packed, while ours hold one byte per boolean.
  if (type.getElementType().isInteger(1)) {
    SmallVector<bool> bits(llvm::map_range(raw, [](char c) { return c != 0; }));
    return DenseElementsAttr::get(type, bits);
  }
  return DenseElementsAttr::getFromRawBuffer(type, raw);
}

//===----------------------------------------------------------------------===//
// data and fill
//===----------------------------------------------------------------------===//

/// Collects the scalars of `v`, lists nested to match `shape` from `dim` on,
/// in row-major order. `where` spells `v`'s position ("data[1]").
LogicalResult collectNested(const json &v, ArrayRef<int64_t> shape, size_t dim,
                            const std::string &where,
                            std::vector<const json *> &out,
                            ConstantErrorFn emitError) {
  if (dim == shape.size()) {
    if (v.is_array())
      return emitError("data")
             << "'data' does not match shape " << shapeStr(shape) << ": "
             << where << " is nested too deeply";
    out.push_back(&v);
    return success();
  }
  if (!v.is_array() || static_cast<int64_t>(v.size()) != shape[dim])
    return emitError("data")
           << "'data' does not match shape " << shapeStr(shape) << ": " << where
           << " should be a list of " << shape[dim] << " entries, got "
           << (v.is_array() ? std::to_string(v.size()) + " entries"
                            : describeJson(v));
  for (size_t i = 0; i < v.size(); ++i)
    if (failed(collectNested(v[i], shape, dim + 1,
                             where + "[" + std::to_string(i) + "]", out,
                             emitError)))
      return failure();
  return success();
}

/// Collects the scalars of `data`: either all elements in one flat list, or
/// lists nested to match `shape`.
LogicalResult flattenData(const json &data, ArrayRef<int64_t> shape,
                          std::vector<const json *> &out,
                          ConstantErrorFn emitError) {
  int64_t count = ShapedType::getNumElements(shape);
  if (!data.is_array()) {
    if (!shape.empty())
      return emitError("data") << "'data' must be a list of " << count
                               << " values, got " << describeJson(data);
    out.push_back(&data);
    return success();
  }
  bool flat = llvm::none_of(data, [](const json &e) { return e.is_array(); });
  if (!flat)
    return collectNested(data, shape, 0, "data", out, emitError);
  if (static_cast<int64_t>(data.size()) != count)
    return emitError("data")
           << "'data' has " << data.size() << " values, but shape "
           << shapeStr(shape) << " holds " << count;
  for (const json &e : data)
    out.push_back(&e);
  return success();
}

FailureOr<DenseElementsAttr> fromData(const json &data, RankedTensorType type,
                                      ConstantErrorFn emitError) {
  std::vector<const json *> scalars;
  if (failed(flattenData(data, type.getShape(), scalars, emitError)))
    return failure();
  SmallVector<char> raw;
  raw.reserve(scalars.size() * byteWidth(type.getElementType()));
  for (auto [i, scalar] : llvm::enumerate(scalars))
    if (auto err = encodeScalar(*scalar, type.getElementType(), raw))
      return emitError("data") << "'data' element " << i << ": " << *err;
  // One element would read as a splat, which is also what it means.
  return fromRawBuffer(type, raw);
}

FailureOr<DenseElementsAttr> fromFill(const json &fill, RankedTensorType type,
                                      ConstantErrorFn emitError) {
  SmallVector<char> raw;
  if (auto err = encodeScalar(fill, type.getElementType(), raw))
    return emitError("fill") << "'fill': " << *err;
  return fromRawBuffer(type, raw);
}

//===----------------------------------------------------------------------===//
// .npy files
//===----------------------------------------------------------------------===//

/// The parts of a .npy header that matter here.
struct NpyHeader {
  std::string descr;
  bool fortranOrder = false;
  SmallVector<int64_t> shape;
  size_t dataOffset = 0;
};

/// The text after `'key':` in the header's dictionary literal.
std::optional<StringRef> npyDictValue(StringRef dict, StringRef key) {
  size_t at = dict.find(("'" + key + "'").str());
  if (at == StringRef::npos)
    return std::nullopt;
  StringRef rest = dict.drop_front(at + key.size() + 2).ltrim();
  if (!rest.consume_front(":"))
    return std::nullopt;
  return rest.ltrim();
}

/// Parses the dictionary of a .npy header: {'descr': '<f4', 'fortran_order':
/// False, 'shape': (2, 3), }.
std::optional<std::string> parseNpyDict(StringRef dict, NpyHeader &header) {
  std::optional<StringRef> descr = npyDictValue(dict, "descr");
  std::optional<StringRef> fortran = npyDictValue(dict, "fortran_order");
  std::optional<StringRef> shape = npyDictValue(dict, "shape");
  if (!descr || !fortran || !shape || descr->empty() ||
      !shape->starts_with("("))
    return std::string("malformed .npy header");
  char quote = descr->front();
  header.descr =
      descr->drop_front().take_until([&](char c) { return c == quote; }).str();
  header.fortranOrder = fortran->starts_with("True");
  SmallVector<StringRef> dims;
  shape->drop_front()
      .take_until([](char c) { return c == ')'; })
      .split(dims, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  for (StringRef dim : dims) {
    dim = dim.trim().rtrim('L'); // Python 2 wrote long integers as `3L`
    if (dim.empty())
      continue;
    int64_t d;
    if (dim.getAsInteger(10, d) || d < 0)
      return "malformed .npy shape '(" + shape->str() + "'";
    header.shape.push_back(d);
  }
  return std::nullopt;
}

/// Parses a .npy header (format versions 1 to 3); otherwise returns what is
/// wrong with the file.
std::optional<std::string> parseNpyHeader(StringRef file, NpyHeader &header) {
  if (file.size() < 10 || !file.starts_with("\x93NUMPY"))
    return std::string("not a .npy file");
  auto byte = [&](size_t i) { return static_cast<uint8_t>(file[i]); };
  unsigned major = byte(6);
  size_t length, start;
  if (major == 1) {
    length = byte(8) | byte(9) << 8;
    start = 10;
  } else if ((major == 2 || major == 3) && file.size() >= 12) {
    length = byte(8) | byte(9) << 8 | byte(10) << 16 |
             static_cast<size_t>(byte(11)) << 24;
    start = 12;
  } else {
    return "unsupported .npy format version " + std::to_string(major);
  }
  if (start + length > file.size())
    return std::string("truncated .npy header");
  header.dataOffset = start + length;
  return parseNpyDict(file.substr(start, length), header);
}

/// Checks that a .npy file's header describes a C-order, little-endian
/// array of `type`.
LogicalResult checkNpyHeader(const NpyHeader &header, StringRef name,
                             RankedTensorType type, ConstantErrorFn emitError) {
  StringRef descr = header.descr;
  char order = descr.empty() ? '=' : descr.front();
  if (StringRef("<>|=").contains(order))
    descr = descr.drop_front();
  const DtypeInfo *info = lookupDtype(type.getElementType());
  if (!info || descr != info->npy)
    return emitError("file")
           << "'" << name << "' holds dtype '" << header.descr
           << "', which does not match " << dtypeName(type.getElementType());
  if (order == '>' && byteWidth(type.getElementType()) > 1)
    return emitError("file") << "'" << name << "' is big-endian ('"
                             << header.descr << "'); save it little-endian";
  if (header.fortranOrder)
    return emitError("file")
           << "'" << name << "' is in Fortran order; save it in C order";
  if (ArrayRef<int64_t>(header.shape) != type.getShape())
    return emitError("file")
           << "'" << name << "' has shape " << shapeStr(header.shape)
           << ", which does not match " << shapeStr(type.getShape());
  return success();
}

FailureOr<DenseElementsAttr> fromNpy(const json &file, RankedTensorType type,
                                     StringRef graphDir,
                                     ConstantErrorFn emitError) {
  if (!file.is_string())
    return emitError("file")
           << "'file' must be a path, got " << describeJson(file);
  StringRef name = file.get_ref<const std::string &>();
  SmallString<256> path(name);
  if (!llvm::sys::path::is_absolute(name)) {
    path = graphDir;
    llvm::sys::path::append(path, name);
  }
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return emitError("file")
           << "cannot read '" << path << "': " << buffer.getError().message();
  StringRef bytes = (*buffer)->getBuffer();
  NpyHeader header;
  if (auto err = parseNpyHeader(bytes, header))
    return emitError("file") << "'" << name << "': " << *err;
  if (failed(checkNpyHeader(header, name, type, emitError)))
    return failure();
  StringRef data = bytes.drop_front(header.dataOffset);
  size_t expected = type.getNumElements() * byteWidth(type.getElementType());
  if (data.size() != expected)
    return emitError("file") << "'" << name << "' holds " << data.size()
                             << " bytes of data, expected " << expected;
  return fromRawBuffer(type, ArrayRef<char>(data.data(), data.size()));
}

} // namespace

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

Type mlir::kiln::json_frontend::parseDtype(MLIRContext *context,
                                           StringRef name) {
  Builder b(context);
  return llvm::StringSwitch<Type>(name)
      .Case("f16", b.getF16Type())
      .Case("bf16", b.getBF16Type())
      .Case("f32", b.getF32Type())
      .Case("f64", b.getF64Type())
      .Case("i8", b.getIntegerType(8))
      .Case("i16", b.getIntegerType(16))
      .Case("i32", b.getIntegerType(32))
      .Case("i64", b.getIntegerType(64))
      .Case("u8", b.getIntegerType(8, /*isSigned=*/false))
      .Case("bool", b.getI1Type())
      .Default(Type());
}

std::string mlir::kiln::json_frontend::dtypeName(Type type) {
  if (const DtypeInfo *info = lookupDtype(type))
    return info->name.str();
  std::string s;
  llvm::raw_string_ostream os(s);
  type.print(os);
  return s;
}

std::string mlir::kiln::json_frontend::describeJson(const json &value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 32)
    text = text.substr(0, 29) + "...";
  return std::string(value.type_name()) + " " + text;
}

FailureOr<DenseElementsAttr> mlir::kiln::json_frontend::buildConstantValue(
    const json &spec, RankedTensorType type, StringRef graphDir,
    ConstantErrorFn emitError) {
  auto data = spec.find("data"), fill = spec.find("fill"),
       file = spec.find("file");
  int sources =
      (data != spec.end()) + (fill != spec.end()) + (file != spec.end());
  if (sources != 1)
    return emitError("") << (sources ? "has more than one of" : "needs one of")
                         << " 'data', 'fill' and 'file'";
  if (data != spec.end())
    return fromData(*data, type, emitError);
  if (fill != spec.end())
    return fromFill(*fill, type, emitError);
  return fromNpy(*file, type, graphDir, emitError);
}
