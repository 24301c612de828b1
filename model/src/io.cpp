#include "mor/io.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

#include "mor/core/convert.hpp"
#include "mor/core/element.hpp"
#include "mor/output_file.hpp"

namespace mor {

namespace {

constexpr int64_t kMaxElements = int64_t{1} << 40;        // refuse absurd shapes before allocating
constexpr uint64_t kMaxSafetensorsHeader = 100u << 20;    // the format's own limit is 100 MB

// Where a tensor file's bytes come from: memory (the fuzzers, the tests) or an open file read piece by piece, so
// a checkpoint goes from the disk straight into its tensors, without a copy of the whole file.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual uint64_t size() const = 0;
  virtual void read(uint64_t offset, uint64_t n, uint8_t* out) const = 0;  // offset + n <= size()
  std::vector<uint8_t> bytes(uint64_t offset, uint64_t n) const {
    std::vector<uint8_t> v(static_cast<std::size_t>(n));
    read(offset, n, v.data());
    return v;
  }
};

class MemorySource : public ByteSource {
 public:
  MemorySource(const uint8_t* b, std::size_t n) : b_(b), n_(n) {}
  uint64_t size() const override { return n_; }
  void read(uint64_t offset, uint64_t n, uint8_t* out) const override {
    if (n) std::memcpy(out, b_ + offset, static_cast<std::size_t>(n));
  }

 private:
  const uint8_t* b_;
  std::size_t n_;
};

// An open regular file; a folder or a special file is refused by name.
class FileSource : public ByteSource {
 public:
  explicit FileSource(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw TensorFileError(path, std::string("cannot open: ") + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd_, &st) != 0) fail(std::string("cannot stat: ") + std::strerror(errno));
    if (S_ISDIR(st.st_mode)) fail("is a directory, not a tensor file");
    if (!S_ISREG(st.st_mode)) fail("is not a regular file");
    size_ = static_cast<uint64_t>(st.st_size);
  }
  ~FileSource() override { ::close(fd_); }
  uint64_t size() const override { return size_; }
  void read(uint64_t offset, uint64_t n, uint8_t* out) const override {
    uint64_t got = 0;
    while (got < n) {
      const ssize_t k = ::pread(fd_, out + got, static_cast<std::size_t>(std::min<uint64_t>(n - got, uint64_t{1} << 30)),
                                static_cast<off_t>(offset + got));
      if (k < 0 && errno == EINTR) continue;
      if (k < 0) throw TensorFileError(path_, std::string("read error: ") + std::strerror(errno));
      if (k == 0) throw TensorFileError(path_, "file shrank while being read");
      got += static_cast<uint64_t>(k);
    }
  }

 private:
  [[noreturn]] void fail(const std::string& what) {
    ::close(fd_);
    throw TensorFileError(path_, what);
  }
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

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
  if (descr == "<f8") return DType::kF64;
  if (descr == "<V2") return DType::kBF16;  // ml_dtypes' bfloat16 saves as a 2-byte void
  if (descr == ">f4" || descr == ">f2" || descr == ">f8")
    throw TensorFileError(label, "big-endian data ('" + descr + "') is not supported; save little-endian");
  throw TensorFileError(label, "unsupported .npy dtype '" + descr +
                                   "' (need '<f4' float32, '<f2' float16, '<f8' float64 or '<V2' ml_dtypes bfloat16)");
}

const char* npy_descr(DType d) {
  switch (d) {
    case DType::kF32: return "<f4";
    case DType::kF16: return "<f2";
    case DType::kF64: return "<f8";
    case DType::kBF16: return "<V2";
  }
  return "?";
}

// Element sizes of the safetensors dtypes that are carried unchanged (not quantized).
int other_element_size(const std::string& dt) {
  static const std::map<std::string, int> kSizes = {
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E4M3", 1}, {"F8_E5M2", 1}, {"F8_E8M0", 1}, {"I16", 2},
      {"U16", 2},  {"I32", 4}, {"U32", 4}, {"I64", 8},     {"U64", 8}};
  const auto it = kSizes.find(dt);
  return it == kSizes.end() ? 0 : it->second;
}

// One header entry of a .safetensors file, checked against the data section.
RawTensor safetensors_entry(const std::string& name, const nlohmann::ordered_json& e, uint64_t data_size,
                            const std::string& label, uint64_t* begin, uint64_t* end) {
  const std::string where = "tensor '" + name + "': ";
  if (!e.is_object() || !e.contains("dtype") || !e.contains("shape") || !e.contains("data_offsets"))
    throw TensorFileError(label, where + "needs dtype, shape and data_offsets");
  if (!e["dtype"].is_string()) throw TensorFileError(label, where + "dtype is not a string");
  const std::string dt = e["dtype"].get<std::string>();
  RawTensor t;
  t.name = name;
  std::size_t elem = 0;
  if (dt == "F32") t.dtype = DType::kF32;
  else if (dt == "F16") t.dtype = DType::kF16;
  else if (dt == "BF16") t.dtype = DType::kBF16;
  else if (dt == "F64") t.dtype = DType::kF64;
  else if ((elem = static_cast<std::size_t>(other_element_size(dt))) != 0) t.other_dtype = dt;
  else throw TensorFileError(label, where + "unknown dtype '" + dt + "'");
  if (t.is_float()) elem = element_size(t.dtype);
  if (!e["shape"].is_array()) throw TensorFileError(label, where + "shape is not an array");
  for (const auto& d : e["shape"]) {
    if (!d.is_number_integer() || d.get<int64_t>() < 0)
      throw TensorFileError(label, where + "shape entries must be non-negative integers");
    t.shape.push_back(d.get<int64_t>());
  }
  const auto& off = e["data_offsets"];
  if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
    throw TensorFileError(label, where + "data_offsets must be two non-negative integers");
  *begin = off[0].get<uint64_t>();
  *end = off[1].get<uint64_t>();
  if (*begin > *end || *end > data_size) throw TensorFileError(label, where + "data_offsets outside the data section");
  const auto bytes = static_cast<uint64_t>(checked_numel(t.shape, label)) * elem;
  if (*end - *begin != bytes)
    throw TensorFileError(label, where + "data_offsets span " + std::to_string(*end - *begin) + " bytes, shape needs " +
                                     std::to_string(bytes));
  return t;
}

TensorMetadata safetensors_metadata(const nlohmann::ordered_json& m, const std::string& label) {
  if (!m.is_object()) throw TensorFileError(label, "__metadata__ is not a JSON object");
  TensorMetadata out;
  for (auto it = m.begin(); it != m.end(); ++it) {
    if (!it.value().is_string()) throw TensorFileError(label, "__metadata__ value of '" + it.key() + "' is not a string");
    out.emplace_back(it.key(), it.value().get<std::string>());
  }
  return out;
}

std::string npy_header(const RawTensor& t) {
  std::string shape = "(";
  for (int64_t d : t.shape) shape += std::to_string(d) + ", ";
  if (t.shape.size() > 1) shape.erase(shape.size() - 2);  // "(3, 4)"; a 1-D shape keeps its comma: "(5,)"
  else if (t.shape.size() == 1) shape.erase(shape.size() - 1);
  shape += ")";
  std::string header = std::string("{'descr': '") + npy_descr(t.dtype) + "', 'fortran_order': False, 'shape': " + shape + ", }";
  const std::size_t unpadded = 10 + header.size() + 1;
  header += std::string((64 - unpadded % 64) % 64, ' ') + "\n";  // data starts 64-byte aligned, as numpy writes
  return header;
}

void write_npy(AtomicFile& f, const RawTensor& t) {
  const std::string header = npy_header(t);
  if (header.size() > 0xFFFF) throw TensorFileError(f.path(), "shape too long for a version 1 .npy header");
  const uint8_t pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, static_cast<uint8_t>(header.size() & 0xFF),
                           static_cast<uint8_t>(header.size() >> 8)};
  f.write(pre, sizeof pre);
  f.write(header);
  f.write(t.data.data(), t.data.size());
}

void write_safetensors(AtomicFile& f, const TensorFile& file) {
  nlohmann::ordered_json h = nlohmann::ordered_json::object();
  if (!file.metadata.empty()) {
    nlohmann::ordered_json m = nlohmann::ordered_json::object();
    for (const auto& [k, v] : file.metadata) m[k] = v;
    h["__metadata__"] = m;
  }
  uint64_t offset = 0;
  std::set<std::string> names;
  for (const auto& t : file.tensors) {
    if (t.name == "__metadata__" || !names.insert(t.name).second)
      throw TensorFileError(f.path(), "duplicate tensor name '" + t.name + "'");
    h[t.name] = {{"dtype", t.dtype_name()}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.data.size()}}};
    offset += t.data.size();
  }
  std::string header = h.dump();
  header += std::string((8 - header.size() % 8) % 8, ' ');  // 8-byte aligned data, as the reference writer does
  uint8_t len[8];
  for (int k = 0; k < 8; ++k) len[k] = static_cast<uint8_t>(static_cast<uint64_t>(header.size()) >> (8 * k));
  f.write(len, sizeof len);
  f.write(header);
  for (const auto& t : file.tensors) f.write(t.data.data(), t.data.size());
}

// F16 -> FP32 for every code: one table lookup per element instead of a conversion.
const std::vector<uint32_t>& f16_widening_table() {
  static const std::vector<uint32_t> table = [] {
    std::vector<uint32_t> v(65536);
    for (uint32_t h = 0; h < 65536; ++h) v[h] = convert<FP32, FP16>(static_cast<uint16_t>(h), kIeeeDefault);
    return v;
  }();
  return table;
}

}  // namespace

std::size_t element_size(DType d) {
  switch (d) {
    case DType::kF32: return 4;
    case DType::kF64: return 8;
    case DType::kBF16:
    case DType::kF16: return 2;
  }
  return 0;
}

const char* safetensors_name(DType d) {
  switch (d) {
    case DType::kF32: return "F32";
    case DType::kF16: return "F16";
    case DType::kBF16: return "BF16";
    case DType::kF64: return "F64";
  }
  return "?";
}

std::string RawTensor::dtype_name() const { return is_float() ? safetensors_name(dtype) : other_dtype; }

int64_t RawTensor::numel() const { return checked_numel(shape, name); }

namespace {

// The layout of a file: its tensors (data left empty) and where each one's bytes start.
struct FileIndex {
  TensorFile file;
  std::vector<uint64_t> offsets;
};

FileIndex npy_index(const ByteSource& src, const std::string& label) {
  static const uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  const uint64_t size = src.size();
  uint8_t b[12] = {};
  src.read(0, std::min<uint64_t>(size, 12), b);
  if (size < 10 || std::memcmp(b, kMagic, 6) != 0) throw TensorFileError(label, "not a .npy file (bad magic)");
  const uint8_t major = b[6];
  uint64_t header_len, offset;
  if (major == 1) {
    header_len = b[8] | static_cast<uint64_t>(b[9]) << 8;
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) throw TensorFileError(label, "truncated .npy preamble");
    header_len = b[8] | static_cast<uint64_t>(b[9]) << 8 | static_cast<uint64_t>(b[10]) << 16 | static_cast<uint64_t>(b[11]) << 24;
    offset = 12;
  } else {
    throw TensorFileError(label, "unsupported .npy version " + std::to_string(major));
  }
  if (header_len > size - offset) throw TensorFileError(label, "truncated .npy header");
  const auto hb = src.bytes(offset, header_len);
  const std::string header(hb.begin(), hb.end());
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
  const uint64_t data_size = size - offset - header_len;
  if (data_size < bytes)
    throw TensorFileError(label, "truncated data: " + std::to_string(data_size) + " bytes for " + std::to_string(bytes));
  if (data_size > bytes) throw TensorFileError(label, "trailing bytes after the array data");
  FileIndex index;
  index.file.tensors.push_back(std::move(t));
  index.offsets.push_back(offset + header_len);
  return index;
}

nlohmann::ordered_json safetensors_header(const std::vector<uint8_t>& text, const std::string& label) {
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
    h = nlohmann::ordered_json::parse(text.begin(), text.end(), cb);
  } catch (const nlohmann::json::exception& e) {
    throw TensorFileError(label, std::string("header is not valid JSON (") + e.what() + ")");
  }
  if (!duplicate.empty()) throw TensorFileError(label, "duplicate tensor name '" + duplicate + "'");
  if (!h.is_object()) throw TensorFileError(label, "header is not a JSON object");
  return h;
}

// The data section must be the tensors' spans exactly, without gaps or overlaps.
struct Span {
  uint64_t begin, end;
  std::size_t tensor;
};
void check_spans(std::vector<Span> spans, const TensorFile& f, uint64_t data_size, const std::string& label) {
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& c) { return a.begin < c.begin; });
  uint64_t pos = 0;
  for (const Span& s : spans) {
    const std::string& name = f.tensors[s.tensor].name;
    if (s.begin < pos) throw TensorFileError(label, "tensor '" + name + "' overlaps another tensor's data");
    if (s.begin > pos) throw TensorFileError(label, "unused bytes in the data section before tensor '" + name + "'");
    pos = s.end;
  }
  if (pos != data_size) throw TensorFileError(label, "unused bytes at the end of the data section");
}

FileIndex safetensors_index(const ByteSource& src, const std::string& label) {
  const uint64_t size = src.size();
  if (size < 8) throw TensorFileError(label, "not a .safetensors file (shorter than its 8-byte header length)");
  uint8_t len[8];
  src.read(0, 8, len);
  uint64_t n = 0;
  for (int k = 7; k >= 0; --k) n = n << 8 | len[k];
  if (n > kMaxSafetensorsHeader) throw TensorFileError(label, "header length " + std::to_string(n) + " exceeds 100 MB");
  if (n > size - 8) throw TensorFileError(label, "truncated header");
  const uint64_t data_size = size - 8 - n;
  const nlohmann::ordered_json h = safetensors_header(src.bytes(8, n), label);
  std::vector<Span> spans;
  TensorFile out;
  for (auto it = h.begin(); it != h.end(); ++it) {
    if (it.key() == "__metadata__") {
      out.metadata = safetensors_metadata(it.value(), label);
      continue;
    }
    Span s{0, 0, out.tensors.size()};
    out.tensors.push_back(safetensors_entry(it.key(), it.value(), data_size, label, &s.begin, &s.end));
    spans.push_back(s);
  }
  check_spans(spans, out, data_size, label);
  FileIndex index;
  index.offsets.resize(out.tensors.size());
  for (const Span& s : spans) index.offsets[s.tensor] = 8 + n + s.begin;
  index.file = std::move(out);
  return index;
}

uint64_t data_bytes(const RawTensor& t) {
  return static_cast<uint64_t>(t.numel()) * (t.is_float() ? element_size(t.dtype) : static_cast<std::size_t>(other_element_size(t.other_dtype)));
}

// The whole file: its layout, then every tensor's data.
TensorFile read_all(const ByteSource& src, FileIndex index) {
  for (std::size_t i = 0; i < index.file.tensors.size(); ++i) {
    RawTensor& t = index.file.tensors[i];
    t.data = src.bytes(index.offsets[i], data_bytes(t));
  }
  return std::move(index.file);
}

FileIndex index_of(const ByteSource& src, const std::string& label, bool npy) {
  return npy ? npy_index(src, label) : safetensors_index(src, label);
}

}  // namespace

TensorFile parse_npy(const uint8_t* b, std::size_t size, const std::string& label) {
  const MemorySource src(b, size);
  return read_all(src, npy_index(src, label));
}

TensorFile parse_safetensors(const uint8_t* b, std::size_t size, const std::string& label) {
  const MemorySource src(b, size);
  return read_all(src, safetensors_index(src, label));
}

namespace {

// .npy (true) or .safetensors (false) by extension; anything else is refused by name.
bool is_npy_path(const std::string& path) {
  const bool npy = ends_with(path, ".npy"), st = ends_with(path, ".safetensors");
  if (!npy && !st) {
    struct stat s {};
    if (::stat(path.c_str(), &s) == 0 && S_ISDIR(s.st_mode)) throw TensorFileError(path, "is a directory, not a tensor file");
    throw TensorFileError(path, "unknown tensor file type (need .npy or .safetensors)");
  }
  return npy;
}

}  // namespace

TensorFile read_tensor_file(const std::string& path) {
  const bool npy = is_npy_path(path);
  const FileSource file(path);
  return read_all(file, index_of(file, path, npy));
}

void check_tensor_file_name(const std::string& path) {
  if (!ends_with(path, ".npy") && !ends_with(path, ".safetensors"))
    throw TensorFileError(path, "unknown tensor file type (need .npy or .safetensors)");
}

void write_tensor_file(const std::string& path, const TensorFile& file) {
  check_tensor_file_name(path);
  const bool npy = ends_with(path, ".npy");
  if (npy && (file.tensors.size() != 1 || !file.tensors[0].is_float()))
    throw TensorFileError(path, ".npy holds one float tensor; write .safetensors for several");
  AtomicFile f(path);  // its OutputError names the path
  if (npy) write_npy(f, file.tensors[0]);
  else write_safetensors(f, file);
  f.commit();
}

TensorRef parse_tensor_ref(const std::string& arg) {
  struct stat st {};
  const auto colon = arg.find_last_of(':');
  if (colon == std::string::npos || stat(arg.c_str(), &st) == 0) return {arg, ""};
  return {arg.substr(0, colon), arg.substr(colon + 1)};
}

TensorFile load_tensors(const TensorRef& ref) {
  TensorFile all = read_tensor_file(ref.path);
  if (ref.tensor.empty()) return all;
  for (auto& t : all.tensors) {
    if (t.name != ref.tensor) continue;
    if (!t.is_float())
      throw TensorFileError(ref.path, "tensor '" + ref.tensor + "' is " + t.other_dtype +
                                          "; only F32, F16, BF16 and F64 tensors are quantized");
    TensorFile one;
    one.tensors.push_back(std::move(t));
    one.metadata = std::move(all.metadata);
    return one;
  }
  std::string names;
  for (const auto& t : all.tensors) names += (names.empty() ? "" : ", ") + t.name;
  throw TensorFileError(ref.path, "no tensor named '" + ref.tensor + "' (it has: " + (names.empty() ? "none" : names) + ")");
}

namespace {

// The 2-D view's header of `out` (name, dtype, shape, rows x cols); its element buffers are left to the caller.
int64_t set_view(const RawTensor& raw, Tensor& out) {
  if (!raw.is_float()) throw TensorFileError(raw.name, raw.other_dtype + " is not a float tensor");
  out.name = raw.name;
  out.dtype = raw.dtype;
  out.shape = raw.shape;
  const int64_t n = raw.numel();
  out.cols = raw.shape.empty() ? 1 : raw.shape.back();
  out.rows = out.cols == 0 ? 0 : n / out.cols;
  return n;
}

// count stored elements of dtype d to FP32 bits (BF16 and F16 exactly, F64 by RNE), one vectorizable loop each.
void widen(const uint8_t* p, DType d, std::size_t count, uint32_t* out) {
  switch (d) {  // little-endian host: memcpy reads the stored element
    case DType::kF32:
      if (count) std::memcpy(out, p, count * 4);
      break;
    case DType::kBF16:
      for (std::size_t i = 0; i < count; ++i) {
        uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        out[i] = f32_from_bf16(h);
      }
      break;
    case DType::kF16: {
      const auto& table = f16_widening_table();
      for (std::size_t i = 0; i < count; ++i) {
        uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        out[i] = table[h];
      }
      break;
    }
    case DType::kF64:
      for (std::size_t i = 0; i < count; ++i) {
        uint64_t v;
        std::memcpy(&v, p + 8 * i, 8);
        out[i] = static_cast<uint32_t>(convert<FP32, FP64>(v, kIeeeDefault));
      }
      break;
  }
}

}  // namespace

Tensor to_tensor(const RawTensor& raw, bool keep_bf16) {
  Tensor t;
  const auto count = static_cast<std::size_t>(set_view(raw, t));
  if (keep_bf16 && raw.dtype == DType::kBF16 && count > 0) {
    t.bf16.resize(count);
    std::memcpy(t.bf16.data(), raw.data.data(), count * 2);
  } else {
    t.bits.resize(count);
    widen(raw.data.data(), raw.dtype, count, t.bits.data());
  }
  return t;
}

// ---- TensorFileReader ----

struct TensorFileReader::Impl {
  std::string path;
  FileSource file;
  FileIndex index;
  Impl(const std::string& p, bool npy) : path(p), file(p), index(index_of(file, p, npy)) {}
};

TensorFileReader::TensorFileReader(const std::string& path) {
  const bool npy = is_npy_path(path);
  impl_ = std::make_unique<Impl>(path, npy);
}
TensorFileReader::~TensorFileReader() = default;
TensorFileReader::TensorFileReader(TensorFileReader&&) noexcept = default;
TensorFileReader& TensorFileReader::operator=(TensorFileReader&&) noexcept = default;

const std::string& TensorFileReader::path() const { return impl_->path; }
const std::vector<RawTensor>& TensorFileReader::tensors() const { return impl_->index.file.tensors; }
const TensorMetadata& TensorFileReader::metadata() const { return impl_->index.file.metadata; }

void TensorFileReader::read(std::size_t i, RawTensor& raw) const {
  const RawTensor& entry = impl_->index.file.tensors.at(i);
  std::vector<uint8_t> data = std::move(raw.data);
  raw = entry;
  data.resize(static_cast<std::size_t>(data_bytes(entry)));
  impl_->file.read(impl_->index.offsets[i], data.size(), data.data());
  raw.data = std::move(data);
}

void TensorFileReader::read(std::size_t i, Tensor& out, bool keep_bf16) const {
  const RawTensor& entry = impl_->index.file.tensors.at(i);
  const auto count = static_cast<std::size_t>(set_view(entry, out));
  const uint64_t offset = impl_->index.offsets[i];
  if (keep_bf16 && entry.dtype == DType::kBF16 && count > 0) {  // straight into the tensor, as stored
    out.bits.clear();
    out.bf16.resize(count);
    impl_->file.read(offset, count * 2, reinterpret_cast<uint8_t*>(out.bf16.data()));
    return;
  }
  out.bf16.clear();
  out.bits.resize(count);
  if (entry.dtype == DType::kF32) {
    impl_->file.read(offset, count * 4, reinterpret_cast<uint8_t*>(out.bits.data()));
    return;
  }
  thread_local std::vector<uint8_t> stored;  // the stored bytes to widen (one buffer per reading thread)
  stored.resize(count * element_size(entry.dtype));
  impl_->file.read(offset, stored.size(), stored.data());
  widen(stored.data(), entry.dtype, count, out.bits.data());
}

RawTensor from_bf16_bits(const std::string& name, const std::vector<int64_t>& shape, const std::vector<uint16_t>& bits) {
  RawTensor t;
  t.name = name;
  t.dtype = DType::kBF16;
  t.shape = shape;
  t.data.resize(bits.size() * 2);
  if (!bits.empty()) std::memcpy(t.data.data(), bits.data(), t.data.size());  // little-endian host
  return t;
}

RawTensor from_fp32_bits(const std::string& name, const std::vector<int64_t>& shape, const std::vector<uint32_t>& bits,
                         DType out, Bf16Rounding rounding) {
  RawTensor t;
  t.name = name;
  t.dtype = out;
  t.shape = shape;
  const std::size_t size = element_size(out);
  t.data.resize(bits.size() * size);
  uint8_t* p = t.data.data();
  for (std::size_t i = 0; i < bits.size(); ++i) {
    const uint32_t v = bits[i];
    if (out == DType::kF32) {
      std::memcpy(p + 4 * i, &v, 4);
    } else if (out == DType::kF64) {
      const uint64_t d = convert<FP64, FP32>(v, kIeeeDefault);
      std::memcpy(p + 8 * i, &d, 8);
    } else {
      const uint16_t h = static_cast<uint16_t>(out == DType::kF16 ? static_cast<uint32_t>(convert<FP16, FP32>(v, kIeeeDefault))
                                               : rounding == Bf16Rounding::kRne ? bf16_from_f32(v)
                                                                                : bf16_round_mor_ref(v));
      std::memcpy(p + 2 * i, &h, 2);
    }
  }
  return t;
}

}  // namespace mor
