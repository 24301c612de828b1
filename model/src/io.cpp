#include "mor/io.hpp"

#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sys/stat.h>

#include "mor/core/convert.hpp"
#include "mor/core/element.hpp"

namespace mor {

namespace {

constexpr int64_t kMaxElements = int64_t{1} << 40;        // refuse absurd shapes before allocating
constexpr uint64_t kMaxSafetensorsHeader = 100u << 20;    // the format's own limit is 100 MB

std::vector<uint8_t> read_all(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) throw TensorFileError(path, "not a regular file");
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) throw TensorFileError(path, std::string("cannot open: ") + std::strerror(errno));
  const std::streamoff size = f.tellg();  // one read of the whole file (a byte iterator ran at ~1 GB/s)
  if (size < 0) throw TensorFileError(path, "cannot tell its size");
  std::vector<uint8_t> bytes(static_cast<std::size_t>(size));
  f.seekg(0);
  f.read(reinterpret_cast<char*>(bytes.data()), size);
  if (!f || f.gcount() != size) throw TensorFileError(path, "read error");
  return bytes;
}

void write_all(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) throw TensorFileError(path, std::string("cannot create: ") + std::strerror(errno));
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  f.flush();
  if (!f) throw TensorFileError(path, "write failed");
}

int64_t checked_numel(const std::vector<int64_t>& shape, const std::string& label) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw TensorFileError(label, "negative dimension in shape");
    if (d != 0 && n > kMaxElements / d) throw TensorFileError(label, "shape has more than 2^40 elements");
    n *= d;
  }
  return n;
}

std::string stem_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  const auto dot = base.find_last_of('.');
  return dot == std::string::npos ? base : base.substr(0, dot);
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// ---- .npy header: a Python dict literal with exactly 'descr', 'fortran_order', 'shape' ----

class NpyHeaderParser {
 public:
  NpyHeaderParser(const std::string& text, const std::string& label) : s_(text), label_(label) {}

  void parse(std::string* descr, bool* fortran, std::vector<int64_t>* shape) {
    std::set<std::string> seen;
    expect('{');
    for (;;) {
      skip_space();
      if (peek() == '}') {
        ++i_;
        break;
      }
      const std::string key = quoted();
      if (!seen.insert(key).second) fail("duplicate key '" + key + "'");
      expect(':');
      if (key == "descr") *descr = quoted();
      else if (key == "fortran_order") *fortran = boolean();
      else if (key == "shape") *shape = tuple();
      else fail("unknown key '" + key + "'");
      skip_space();
      if (peek() == ',') ++i_;
      else if (peek() != '}') fail("expected ',' or '}'");
    }
    skip_space();
    if (i_ != s_.size()) fail("trailing characters after the header dict");
    if (seen.size() != 3) fail("header must have 'descr', 'fortran_order' and 'shape'");
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw TensorFileError(label_, "malformed .npy header (" + what + ")");
  }
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void skip_space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t')) ++i_;
  }
  void expect(char c) {
    skip_space();
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++i_;
  }
  std::string quoted() {
    skip_space();
    const char q = peek();
    if (q != '\'' && q != '"') fail("expected a quoted string");
    const auto end = s_.find(q, i_ + 1);
    if (end == std::string::npos) fail("unterminated string");
    std::string out = s_.substr(i_ + 1, end - i_ - 1);
    i_ = end + 1;
    return out;
  }
  bool boolean() {
    skip_space();
    if (s_.compare(i_, 4, "True") == 0) {
      i_ += 4;
      return true;
    }
    if (s_.compare(i_, 5, "False") == 0) {
      i_ += 5;
      return false;
    }
    fail("fortran_order must be True or False");
  }
  std::vector<int64_t> tuple() {
    std::vector<int64_t> dims;
    expect('(');
    for (;;) {
      skip_space();
      if (peek() == ')') {
        ++i_;
        return dims;
      }
      if (peek() < '0' || peek() > '9') fail("shape entries must be non-negative integers");
      int64_t v = 0;
      while (peek() >= '0' && peek() <= '9') {
        if (v > (kMaxElements - 9) / 10) fail("shape entry too large");
        v = v * 10 + (peek() - '0');
        ++i_;
      }
      if (peek() == 'L') ++i_;  // Python 2 long suffix
      dims.push_back(v);
      skip_space();
      if (peek() == ',') ++i_;
      else if (peek() != ')') fail("expected ',' or ')' in shape");
    }
  }
  const std::string& s_;
  const std::string& label_;
  std::size_t i_ = 0;
};

DType npy_dtype(const std::string& descr, const std::string& label) {
  if (descr == "<f4") return DType::kF32;
  if (descr == "<f2") return DType::kF16;
  if (descr == ">f4" || descr == ">f2")
    throw TensorFileError(label, "big-endian data ('" + descr + "') is not supported; save little-endian");
  throw TensorFileError(label, "unsupported .npy dtype '" + descr + "' (need '<f4' float32 or '<f2' float16)");
}

const char* safetensors_dtype_name(DType d) {
  switch (d) {
    case DType::kF32: return "F32";
    case DType::kF16: return "F16";
    case DType::kBF16: return "BF16";
  }
  return "?";
}

}  // namespace

std::size_t element_size(DType d) { return d == DType::kF32 ? 4 : 2; }

int64_t RawTensor::numel() const { return checked_numel(shape, name); }

std::vector<RawTensor> parse_npy(const uint8_t* b, std::size_t size, const std::string& label) {
  static const uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (size < 10 || std::memcmp(b, kMagic, 6) != 0) throw TensorFileError(label, "not a .npy file (bad magic)");
  const uint8_t major = b[6];
  std::size_t header_len, offset;
  if (major == 1) {
    header_len = b[8] | static_cast<std::size_t>(b[9]) << 8;
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) throw TensorFileError(label, "truncated .npy preamble");
    header_len = b[8] | static_cast<std::size_t>(b[9]) << 8 | static_cast<std::size_t>(b[10]) << 16 |
                 static_cast<std::size_t>(b[11]) << 24;
    offset = 12;
  } else {
    throw TensorFileError(label, "unsupported .npy version " + std::to_string(major));
  }
  if (header_len > size - offset) throw TensorFileError(label, "truncated .npy header");
  const std::string header(reinterpret_cast<const char*>(b + offset), header_len);
  std::string descr;
  bool fortran = false;
  std::vector<int64_t> shape;
  NpyHeaderParser(header, label).parse(&descr, &fortran, &shape);
  if (fortran) throw TensorFileError(label, "Fortran-order arrays are not supported; save in C order");
  RawTensor t;
  t.name = stem_of(label);
  t.dtype = npy_dtype(descr, label);
  t.shape = shape;
  const auto bytes = static_cast<uint64_t>(checked_numel(shape, label)) * element_size(t.dtype);
  const std::size_t data_size = size - offset - header_len;
  if (data_size < bytes)
    throw TensorFileError(label, "truncated data: " + std::to_string(data_size) + " bytes for " + std::to_string(bytes));
  if (data_size > bytes) throw TensorFileError(label, "trailing bytes after the array data");
  t.data.assign(b + offset + header_len, b + size);
  return {t};
}

std::vector<RawTensor> parse_safetensors(const uint8_t* b, std::size_t size, const std::string& label) {
  if (size < 8) throw TensorFileError(label, "not a .safetensors file (shorter than its 8-byte header length)");
  uint64_t n = 0;
  for (int k = 7; k >= 0; --k) n = n << 8 | b[k];
  if (n > kMaxSafetensorsHeader) throw TensorFileError(label, "header length " + std::to_string(n) + " exceeds 100 MB");
  if (n > size - 8) throw TensorFileError(label, "truncated header");
  const std::size_t data_size = size - 8 - n;
  // Detect duplicate names (nlohmann keeps the last silently) with a parse callback on depth-1 keys.
  std::set<std::string> keys;
  std::string duplicate;
  const auto cb = [&](int depth, nlohmann::ordered_json::parse_event_t ev, nlohmann::ordered_json& parsed) {
    if (ev == nlohmann::ordered_json::parse_event_t::key && depth == 1 && !keys.insert(parsed.get<std::string>()).second)
      duplicate = parsed.get<std::string>();
    return true;
  };
  nlohmann::ordered_json h;  // header order is the tensor order
  try {
    h = nlohmann::ordered_json::parse(b + 8, b + 8 + n, cb);
  } catch (const nlohmann::json::exception& e) {
    throw TensorFileError(label, std::string("header is not valid JSON (") + e.what() + ")");
  }
  if (!duplicate.empty()) throw TensorFileError(label, "duplicate tensor name '" + duplicate + "'");
  if (!h.is_object()) throw TensorFileError(label, "header is not a JSON object");
  struct Span {
    uint64_t begin, end;
    std::string name;
  };
  std::vector<Span> spans;
  std::vector<RawTensor> out;
  for (auto it = h.begin(); it != h.end(); ++it) {
    if (it.key() == "__metadata__") continue;
    const auto& e = it.value();
    const std::string where = "tensor '" + it.key() + "': ";
    if (!e.is_object() || !e.contains("dtype") || !e.contains("shape") || !e.contains("data_offsets"))
      throw TensorFileError(label, where + "needs dtype, shape and data_offsets");
    if (!e["dtype"].is_string()) throw TensorFileError(label, where + "dtype is not a string");
    const std::string dt = e["dtype"].get<std::string>();
    RawTensor t;
    t.name = it.key();
    if (dt == "F32") t.dtype = DType::kF32;
    else if (dt == "F16") t.dtype = DType::kF16;
    else if (dt == "BF16") t.dtype = DType::kBF16;
    else throw TensorFileError(label, where + "unsupported dtype '" + dt + "' (need F32, F16 or BF16)");
    if (!e["shape"].is_array()) throw TensorFileError(label, where + "shape is not an array");
    for (const auto& d : e["shape"]) {
      if (!d.is_number_integer() || d.get<int64_t>() < 0)
        throw TensorFileError(label, where + "shape entries must be non-negative integers");
      t.shape.push_back(d.get<int64_t>());
    }
    const auto& off = e["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
      throw TensorFileError(label, where + "data_offsets must be two non-negative integers");
    const uint64_t begin = off[0].get<uint64_t>(), end = off[1].get<uint64_t>();
    if (begin > end || end > data_size) throw TensorFileError(label, where + "data_offsets outside the data section");
    const auto bytes = static_cast<uint64_t>(checked_numel(t.shape, label)) * element_size(t.dtype);
    if (end - begin != bytes)
      throw TensorFileError(label, where + "data_offsets span " + std::to_string(end - begin) + " bytes, shape needs " +
                                       std::to_string(bytes));
    t.data.assign(b + 8 + n + begin, b + 8 + n + end);
    spans.push_back({begin, end, t.name});
    out.push_back(std::move(t));
  }
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& c) { return a.begin < c.begin; });
  uint64_t pos = 0;
  for (const Span& s : spans) {
    if (s.begin < pos) throw TensorFileError(label, "tensor '" + s.name + "' overlaps another tensor's data");
    if (s.begin > pos) throw TensorFileError(label, "unused bytes in the data section before tensor '" + s.name + "'");
    pos = s.end;
  }
  if (pos != data_size) throw TensorFileError(label, "unused bytes at the end of the data section");
  return out;
}

std::vector<RawTensor> read_npy(const std::string& path) {
  const auto bytes = read_all(path);
  return parse_npy(bytes.data(), bytes.size(), path);
}

std::vector<RawTensor> read_safetensors(const std::string& path) {
  const auto bytes = read_all(path);
  return parse_safetensors(bytes.data(), bytes.size(), path);
}

std::vector<RawTensor> read_tensor_file(const std::string& path) {
  if (ends_with(path, ".npy")) return read_npy(path);
  if (ends_with(path, ".safetensors")) return read_safetensors(path);
  throw TensorFileError(path, "unknown tensor file type (need .npy or .safetensors)");
}

void write_npy(const std::string& path, const RawTensor& t) {
  if (t.dtype == DType::kBF16) throw TensorFileError(path, ".npy has no bfloat16 dtype; write .safetensors instead");
  std::string shape = "(";
  for (int64_t d : t.shape) shape += std::to_string(d) + ", ";
  if (t.shape.size() > 1) shape.erase(shape.size() - 2);  // "(3, 4)"; a 1-D shape keeps its comma: "(5,)"
  else if (t.shape.size() == 1) shape.erase(shape.size() - 1);
  shape += ")";
  std::string header = std::string("{'descr': '") + (t.dtype == DType::kF32 ? "<f4" : "<f2") +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  const std::size_t unpadded = 10 + header.size() + 1;
  header += std::string((64 - unpadded % 64) % 64, ' ') + "\n";  // data starts 64-byte aligned, as numpy writes
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, static_cast<uint8_t>(header.size() & 0xFF),
                              static_cast<uint8_t>(header.size() >> 8)};
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), t.data.begin(), t.data.end());
  write_all(path, out);
}

void write_safetensors(const std::string& path, const std::vector<RawTensor>& tensors) {
  nlohmann::ordered_json h = nlohmann::ordered_json::object();
  uint64_t offset = 0;
  std::set<std::string> names;
  for (const auto& t : tensors) {
    if (!names.insert(t.name).second) throw TensorFileError(path, "duplicate tensor name '" + t.name + "'");
    h[t.name] = {{"dtype", safetensors_dtype_name(t.dtype)}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.data.size()}}};
    offset += t.data.size();
  }
  std::string header = h.dump();
  header += std::string((8 - header.size() % 8) % 8, ' ');  // 8-byte aligned data, as the reference writer does
  std::vector<uint8_t> out(8);
  for (int k = 0; k < 8; ++k) out[static_cast<std::size_t>(k)] = static_cast<uint8_t>(static_cast<uint64_t>(header.size()) >> (8 * k));
  out.insert(out.end(), header.begin(), header.end());
  for (const auto& t : tensors) out.insert(out.end(), t.data.begin(), t.data.end());
  write_all(path, out);
}

void write_tensor_file(const std::string& path, const std::vector<RawTensor>& tensors) {
  if (ends_with(path, ".safetensors")) return write_safetensors(path, tensors);
  if (ends_with(path, ".npy")) {
    if (tensors.size() != 1) throw TensorFileError(path, ".npy holds one tensor; write .safetensors for several");
    return write_npy(path, tensors[0]);
  }
  throw TensorFileError(path, "unknown tensor file type (need .npy or .safetensors)");
}

TensorRef parse_tensor_ref(const std::string& arg) {
  struct stat st {};
  const auto colon = arg.find_last_of(':');
  if (colon == std::string::npos || stat(arg.c_str(), &st) == 0) return {arg, ""};
  return {arg.substr(0, colon), arg.substr(colon + 1)};
}

std::vector<RawTensor> load_tensors(const TensorRef& ref) {
  auto all = read_tensor_file(ref.path);
  if (ref.tensor.empty()) return all;
  for (auto& t : all)
    if (t.name == ref.tensor) return {std::move(t)};
  std::string names;
  for (const auto& t : all) names += (names.empty() ? "" : ", ") + t.name;
  throw TensorFileError(ref.path, "no tensor named '" + ref.tensor + "' (it has: " + names + ")");
}

Tensor to_tensor(const RawTensor& raw) {
  Tensor t;
  t.name = raw.name;
  t.dtype = raw.dtype;
  const int64_t n = raw.numel();
  t.cols = raw.shape.empty() ? 1 : raw.shape.back();
  t.rows = t.cols == 0 ? 0 : n / t.cols;
  t.bits.resize(static_cast<std::size_t>(n));
  // One loop per dtype, so the BF16 and FP32 ones vectorize (little-endian bytes, as the files store them).
  const uint8_t* p = raw.data.data();
  uint32_t* out = t.bits.data();
  const auto count = static_cast<std::size_t>(n);
  if (raw.dtype == DType::kF32) {
    for (std::size_t i = 0; i < count; ++i)
      out[i] = p[4 * i] | p[4 * i + 1] << 8 | p[4 * i + 2] << 16 | static_cast<uint32_t>(p[4 * i + 3]) << 24;
  } else if (raw.dtype == DType::kBF16) {
    for (std::size_t i = 0; i < count; ++i) out[i] = f32_from_bf16(static_cast<uint16_t>(p[2 * i] | p[2 * i + 1] << 8));
  } else {
    for (std::size_t i = 0; i < count; ++i)
      out[i] = convert<FP32, FP16>(static_cast<uint16_t>(p[2 * i] | p[2 * i + 1] << 8), kIeeeDefault);
  }
  return t;
}

RawTensor from_fp32_bits(const std::string& name, const std::vector<int64_t>& shape, const std::vector<uint32_t>& bits,
                         DType out, Bf16Rounding rounding) {
  RawTensor t;
  t.name = name;
  t.dtype = out;
  t.shape = shape;
  t.data.resize(bits.size() * element_size(out));
  for (std::size_t i = 0; i < bits.size(); ++i) {
    uint32_t v = bits[i];
    if (out == DType::kBF16) v = rounding == Bf16Rounding::kRne ? bf16_from_f32(v) : bf16_round_mor_ref(v);
    else if (out == DType::kF16) v = convert<FP16, FP32>(v, kIeeeDefault);
    for (std::size_t k = 0; k < element_size(out); ++k) t.data[i * element_size(out) + k] = static_cast<uint8_t>(v >> (8 * k));
  }
  return t;
}

}  // namespace mor
