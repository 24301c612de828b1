// Tensor files: round trips, one test per class of malformed file (each asserting the message names the problem),
// FILE:TENSOR selection, and the built-in workload's determinism and statistics.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include "mor/io.hpp"
#include "mor/names.hpp"
#include "mor/output_file.hpp"
#include "mor/policy.hpp"
#include "mor/progress.hpp"
#include "mor/workload.hpp"

#include <chrono>
#include <thread>

namespace mor {
namespace {

std::vector<uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

std::vector<uint8_t> npy_bytes(const std::string& header_dict, std::size_t data_bytes, uint8_t major = 1) {
  std::string h = header_dict;
  h += std::string((64 - (10 + h.size() + 1) % 64) % 64, ' ') + "\n";
  std::vector<uint8_t> b = {0x93, 'N', 'U', 'M', 'P', 'Y', major, 0};
  if (major == 1) {
    b.push_back(static_cast<uint8_t>(h.size()));
    b.push_back(static_cast<uint8_t>(h.size() >> 8));
  } else {
    for (int k = 0; k < 4; ++k) b.push_back(static_cast<uint8_t>(h.size() >> (8 * k)));
  }
  b.insert(b.end(), h.begin(), h.end());
  b.resize(b.size() + data_bytes, 0x3F);
  return b;
}

void expect_npy_error(const std::vector<uint8_t>& b, const std::string& fragment) {
  try {
    parse_npy(b.data(), b.size(), "x.npy");
    ADD_FAILURE() << "accepted a malformed file; expected an error containing '" << fragment << "'";
  } catch (const TensorFileError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("x.npy"), std::string::npos) << "error must name the file: " << e.what();
  }
}

TEST(io, NpyParsesV1V2V3) {
  for (int v : {1, 2, 3}) {
    const auto b = npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 24, static_cast<uint8_t>(v));
    const auto t = parse_npy(b.data(), b.size(), "x.npy").tensors;
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t[0].shape, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(t[0].dtype, DType::kF32);
  }
  const auto b = npy_bytes("{'shape': (5,), 'fortran_order': False, 'descr': '<f2'}", 10);
  EXPECT_EQ(parse_npy(b.data(), b.size(), "x.npy").tensors[0].dtype, DType::kF16);
}

// '<f8' is rounded to FP32 by RNE on reading; '<V2' is ml_dtypes' bfloat16.
TEST(io, NpyReadsFloat64AndMlDtypesBfloat16) {
  const double vals[4] = {1.5, 1.0 + 0x1p-24, 1.0 + 0x1p-24 + 0x1p-40, -0x1p200};  // exact, tie to even, above the tie, overflow
  auto b = npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", 32);
  std::memcpy(b.data() + b.size() - 32, vals, 32);
  const Tensor t = to_tensor(parse_npy(b.data(), b.size(), "x.npy").tensors[0]);
  EXPECT_EQ(t.dtype, DType::kF64);
  EXPECT_EQ(t.bits, (std::vector<uint32_t>{0x3FC00000u, 0x3F800000u, 0x3F800001u, 0xFF800000u}));
  auto h = npy_bytes("{'descr': '<V2', 'fortran_order': False, 'shape': (2,), }", 4);
  const uint16_t codes[2] = {0x3FC0, 0xC2F7};  // 1.5, -123.5
  std::memcpy(h.data() + h.size() - 4, codes, 4);
  const Tensor bf = to_tensor(parse_npy(h.data(), h.size(), "x.npy").tensors[0]);
  EXPECT_EQ(bf.dtype, DType::kBF16);
  EXPECT_EQ(bf.bits, (std::vector<uint32_t>{0x3FC00000u, 0xC2F70000u}));
}

// The 2-D view: last dimension = columns, leading dimensions folded into rows; the file shape is kept.
TEST(io, ShapesAreKeptAndViewedWithTheLastDimensionAsColumns) {
  struct Case {
    std::vector<int64_t> shape;
    int64_t rows, cols;
  };
  for (const Case& c : {Case{{4, 64, 96}, 256, 96}, Case{{1000}, 1, 1000}, Case{{}, 1, 1}, Case{{2, 1, 3, 5}, 6, 5}}) {
    int64_t n = 1;
    for (int64_t d : c.shape) n *= d;
    const RawTensor r = from_fp32_bits("t", c.shape, std::vector<uint32_t>(static_cast<std::size_t>(n), 0x40000000u), DType::kF32);
    const Tensor t = to_tensor(r);
    EXPECT_EQ(t.rows, c.rows);
    EXPECT_EQ(t.cols, c.cols);
    EXPECT_EQ(t.file_shape(), c.shape);
  }
  Tensor plain{"p", DType::kF32, 3, 4, std::vector<uint32_t>(12, 0)};
  EXPECT_EQ(plain.file_shape(), (std::vector<int64_t>{3, 4}));
}

TEST(io, NpyRejectsEveryMalformedKind) {
  expect_npy_error(bytes_of("NOTNUMPY"), "bad magic");
  expect_npy_error(npy_bytes("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 8), "big-endian");
  expect_npy_error(npy_bytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16), "Fortran");
  expect_npy_error(npy_bytes("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", 16), "unsupported .npy dtype '<i8'");
  expect_npy_error(npy_bytes("{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", 16), "big-endian");
  expect_npy_error(npy_bytes("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", 8), "unsupported .npy dtype '<i4'");
  expect_npy_error(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", 8), "truncated data");
  expect_npy_error(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 8), "trailing bytes");
  expect_npy_error(npy_bytes("{'descr': '<f4', 'shape': (1,), }", 4), "must have");
  expect_npy_error(npy_bytes("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", 4), "duplicate key");
  expect_npy_error(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999), }", 4), "2^40");
  expect_npy_error(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", 4), "non-negative");
  expect_npy_error(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,) ", 4), "malformed .npy header");
  auto b = npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 4);
  b[8] = 0xFF;  // header length past the end
  expect_npy_error(b, "truncated .npy header");
  b = npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 4, 9);
  expect_npy_error(b, "unsupported .npy version 9");
}

std::vector<uint8_t> st_bytes(const std::string& header, std::size_t data) {
  std::vector<uint8_t> b;
  for (int k = 0; k < 8; ++k) b.push_back(static_cast<uint8_t>(static_cast<uint64_t>(header.size()) >> (8 * k)));
  for (char c : header) b.push_back(static_cast<uint8_t>(c));
  for (std::size_t k = 0; k < data; ++k) b.push_back(0);
  return b;
}

void expect_st_error(const std::vector<uint8_t>& b, const std::string& fragment) {
  try {
    parse_safetensors(b.data(), b.size(), "x.safetensors");
    ADD_FAILURE() << "accepted a malformed file; expected '" << fragment << "'";
  } catch (const TensorFileError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(io, SafetensorsRejectsEveryMalformedKind) {
  expect_st_error(bytes_of("abc"), "shorter than");
  expect_st_error(st_bytes("{not json", 0), "not valid JSON");
  expect_st_error(st_bytes("[1,2]", 0), "not a JSON object");
  expect_st_error(st_bytes(R"({"a":{"dtype":"F9","shape":[1],"data_offsets":[0,1]}})", 1), "unknown dtype 'F9'");
  expect_st_error(st_bytes(R"({"a":{"dtype":"I64","shape":[2],"data_offsets":[0,8]}})", 8), "shape needs 16");
  expect_st_error(st_bytes(R"({"__metadata__":{"k":1}})", 0), "__metadata__ value of 'k' is not a string");
  expect_st_error(st_bytes(R"({"__metadata__":[1]})", 0), "__metadata__ is not a JSON object");
  expect_st_error(st_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", 4), "shape needs 8");
  expect_st_error(st_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 2), "outside the data section");
  expect_st_error(st_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 4), "overlaps");
  expect_st_error(st_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8), "unused bytes");
  expect_st_error(st_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 8), "unused bytes at the end");
  expect_st_error(st_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8), "duplicate tensor name 'a'");
  expect_st_error(st_bytes(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4), "non-negative");
  expect_st_error(st_bytes(R"({"a":{"dtype":"F32","shape":[1]}})", 4), "needs dtype, shape and data_offsets");
  auto b = st_bytes(R"({})", 0);
  b[7] = 0x10;  // absurd header length
  expect_st_error(b, "exceeds 100 MB");
  b = st_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 4);
  b[0] = static_cast<uint8_t>(b[0] + 1);
  expect_st_error(b, "");  // header length off by one: some error, never a crash
}

// A checkpoint as Hugging Face writes them: float tensors of several dtypes, an I64 tensor, a BOOL mask and
// metadata. The float ones are read, the others carried unchanged, the metadata kept in order.
TEST(io, MixedDtypeCheckpointsAreReadAndCarried) {
  const std::string header =
      R"({"__metadata__":{"format":"pt","note":"x"},"w":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},)"
      R"("position_ids":{"dtype":"I64","shape":[1,2],"data_offsets":[8,24]},"mask":{"dtype":"BOOL","shape":[3],"data_offsets":[24,27]},)"
      R"("h":{"dtype":"BF16","shape":[],"data_offsets":[27,29]}})";
  auto b = st_bytes(header, 29);
  const std::size_t data = b.size() - 29;
  const double w = 2.5;
  std::memcpy(b.data() + data, &w, 8);
  b[data + 8] = 7;
  b[data + 27] = 0xC0;
  b[data + 28] = 0x3F;
  const TensorFile f = parse_safetensors(b.data(), b.size(), "x.safetensors");
  ASSERT_EQ(f.tensors.size(), 4u);
  EXPECT_EQ(f.metadata, (TensorMetadata{{"format", "pt"}, {"note", "x"}}));
  EXPECT_TRUE(f.tensors[0].is_float());
  EXPECT_EQ(to_tensor(f.tensors[0]).bits, std::vector<uint32_t>{0x40200000u});
  EXPECT_FALSE(f.tensors[1].is_float());
  EXPECT_EQ(f.tensors[1].dtype_name(), "I64");
  EXPECT_EQ(f.tensors[1].data[0], 7);
  EXPECT_EQ(f.tensors[2].dtype_name(), "BOOL");
  EXPECT_EQ(f.tensors[3].shape, std::vector<int64_t>{});
  EXPECT_EQ(to_tensor(f.tensors[3]).bits, std::vector<uint32_t>{0x3FC00000u});
  EXPECT_THROW(to_tensor(f.tensors[1]), TensorFileError);

  // Written back: the same bytes per tensor, the same dtypes, shapes and metadata.
  const std::string dir = ::testing::TempDir();
  write_tensor_file(dir + "/mixed.safetensors", f);
  const TensorFile back = read_tensor_file(dir + "/mixed.safetensors");
  ASSERT_EQ(back.tensors.size(), 4u);
  EXPECT_EQ(back.metadata, f.metadata);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(back.tensors[i].name, f.tensors[i].name);
    EXPECT_EQ(back.tensors[i].dtype_name(), f.tensors[i].dtype_name());
    EXPECT_EQ(back.tensors[i].shape, f.tensors[i].shape);
    EXPECT_EQ(back.tensors[i].data, f.tensors[i].data);
  }
  try {
    load_tensors(parse_tensor_ref(dir + "/mixed.safetensors:position_ids"));
    ADD_FAILURE() << "selected a non-float tensor";
  } catch (const TensorFileError& e) {
    EXPECT_NE(std::string(e.what()).find("'position_ids' is I64"), std::string::npos) << e.what();
  }
  const auto one = load_tensors(parse_tensor_ref(dir + "/mixed.safetensors:w"));
  ASSERT_EQ(one.tensors.size(), 1u);
  EXPECT_EQ(one.metadata, f.metadata);
}

TEST(io, RoundTripsAndSelection) {
  const std::string dir = ::testing::TempDir();
  const auto ws = generate_workload("small", 3);
  TensorFile file;
  for (const auto& t : ws) file.tensors.push_back(from_fp32_bits(t.name, {t.rows, t.cols}, t.bits, DType::kBF16));
  write_tensor_file(dir + "/w.safetensors", file);
  const auto back = read_tensor_file(dir + "/w.safetensors").tensors;
  ASSERT_EQ(back.size(), file.tensors.size());
  for (std::size_t i = 0; i < back.size(); ++i) {
    EXPECT_EQ(back[i].name, file.tensors[i].name);
    EXPECT_EQ(back[i].data, file.tensors[i].data);
    EXPECT_EQ(to_tensor(back[i]).bits, ws[i].bits);  // BF16 values survive exactly
  }
  const auto one = load_tensors(parse_tensor_ref(dir + "/w.safetensors:qkv.activation")).tensors;
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].name, "qkv.activation");
  EXPECT_THROW(load_tensors(parse_tensor_ref(dir + "/w.safetensors:nope")), TensorFileError);
  for (DType d : {DType::kF32, DType::kF16, DType::kBF16, DType::kF64}) {
    TensorFile npy;
    npy.tensors.push_back(from_fp32_bits("t", {4, 5}, std::vector<uint32_t>(20, 0x3FC00000u), d));
    write_tensor_file(dir + "/t.npy", npy);
    const auto n = read_tensor_file(dir + "/t.npy").tensors;
    EXPECT_EQ(n[0].dtype, d);
    EXPECT_EQ(n[0].data, npy.tensors[0].data);
    EXPECT_EQ(n[0].shape, npy.tensors[0].shape);
    EXPECT_EQ(to_tensor(n[0]).bits[0], 0x3FC00000u);
  }
  EXPECT_THROW(write_tensor_file(dir + "/two.npy", file), TensorFileError);  // .npy holds one tensor
  EXPECT_THROW(read_tensor_file(dir + "/missing.npy"), TensorFileError);
  EXPECT_THROW(read_tensor_file(dir + "/x.txt"), TensorFileError);
}

// Unique per test run: gtest's TempDir is shared.
std::string fresh_dir(const std::string& name) {
  std::string d = ::testing::TempDir() + "/mor_io_" + name + "_" + std::to_string(::getpid());
  ::mkdir(d.c_str(), 0755);
  return d;
}

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* e = ::readdir(d))
      if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") out.push_back(e->d_name);
    ::closedir(d);
  }
  return out;
}

TEST(io, FoldersAreRefusedByName) {
  const std::string dir = fresh_dir("folder");
  ::mkdir((dir + "/d.npy").c_str(), 0755);
  for (const std::string& p : {dir, dir + "/d.npy"}) {
    try {
      read_tensor_file(p);
      ADD_FAILURE() << "read a folder";
    } catch (const TensorFileError& e) {
      EXPECT_NE(std::string(e.what()).find(p + ": is a directory"), std::string::npos) << e.what();
    }
  }
}

// A failed write leaves the old file as it was and no temporary file beside it.
TEST(output, FailedWritesLeaveNothingBehind) {
  const std::string dir = fresh_dir("atomic");
  write_file_atomic(dir + "/a.json", "old\n");
  {
    AtomicFile f(dir + "/a.json");
    f.write("new, never committed");
  }  // destroyed without commit()
  std::ifstream in(dir + "/a.json");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "old\n");
  TensorFile two;
  two.tensors.push_back(from_fp32_bits("a", {1}, {0}, DType::kF32));
  two.tensors.push_back(from_fp32_bits("b", {1}, {0}, DType::kF32));
  EXPECT_THROW(write_tensor_file(dir + "/x.npy", two), TensorFileError);
  EXPECT_EQ(entries(dir), std::vector<std::string>{"a.json"});
}

TEST(output, OutputsNeverNameAnInputOrEachOther) {
  const std::string dir = fresh_dir("distinct");
  write_file_atomic(dir + "/in.npy", "x");
  ASSERT_EQ(::symlink((dir + "/in.npy").c_str(), (dir + "/link.npy").c_str()), 0);
  ASSERT_EQ(::link((dir + "/in.npy").c_str(), (dir + "/hard.npy").c_str()), 0);
  const std::vector<NamedPath> in = {{"input", dir + "/in.npy"}};
  for (const std::string& same : {dir + "/in.npy", dir + "/./in.npy", dir + "/link.npy", dir + "/hard.npy"})
    EXPECT_THROW(check_distinct_paths(in, {{"--out", same}}), OutputError) << same;
  EXPECT_THROW(check_distinct_paths({}, {{"--out", dir + "/new.json"}, {"--json", dir + "/./new.json"}}), OutputError);
  EXPECT_NO_THROW(check_distinct_paths(in, {{"--out", dir + "/out.npy"}, {"--json", dir + "/out.json"}, {"--plot", ""}}));
  EXPECT_THROW(check_output_path({"--out", dir + "/missing/x.npy"}), OutputError);
  EXPECT_THROW(check_output_path({"--out", dir}), OutputError);
  EXPECT_NO_THROW(check_output_path({"--out", dir + "/fine.npy"}));
}

// A line at most every period, none before the first period, none when not wanted.
TEST(progress, LinesAtMostEveryPeriodAndOnlyWhenWanted) {
  testing::internal::CaptureStderr();
  const auto t0 = std::chrono::steady_clock::now();
  {
    Progress quiet("quiet", 100, "units", false, 0.02);
    Progress p("sweep", 100, "units", true, 0.02);
    p.add(1);  // before the first period: nothing
    for (int i = 0; i < 10; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(12));
      p.add(5);
      quiet.add(5);
    }
  }
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::string err = testing::internal::GetCapturedStderr();
  int lines = 0;
  for (char c : err) lines += c == '\n';
  EXPECT_GE(lines, 2) << err;
  EXPECT_LE(lines, static_cast<int>(elapsed / 0.02)) << err;  // one line per 20 ms at most
  EXPECT_EQ(err.rfind("[sweep] ", 0), 0u) << err;
  EXPECT_NE(err.find("of 100 units"), std::string::npos) << err;
  EXPECT_EQ(err.find("quiet"), std::string::npos) << err;
}

TEST(names, BlockShapesAreCheckedForRange) {
  std::string why;
  EXPECT_EQ(parse_block_shape("128x64", &why)->cols, 64);
  EXPECT_EQ(parse_block_shape("2147483648x1", &why)->rows, int64_t{1} << 31);
  for (const char* bad : {"0x0", "99999999999999999999x1", "2147483649x1", "-1x4", "4x0"}) {
    EXPECT_FALSE(parse_block_shape(bad, &why)) << bad;
    EXPECT_NE(why.find("out of range"), std::string::npos) << bad << ": " << why;
  }
  for (const char* bad : {"12", "x4", "4x", "4x4x4", "+4x4", "4 x4", "ax4"}) {
    EXPECT_FALSE(parse_block_shape(bad, &why)) << bad;
    EXPECT_NE(why.find("not ROWSxCOLS"), std::string::npos) << bad << ": " << why;
  }
}

// FNV-1a over every tensor's bits: pins the workload so an accidental change to the generator is noticed. The
// statistics were checked (test below and `mor analyze`) before this value was recorded; a deliberate change of the
// generator updates it.
uint64_t workload_hash(const std::vector<Tensor>& ws) {
  uint64_t h = 1469598103934665603ull;
  for (const auto& t : ws)
    for (uint32_t b : t.bits) h = (h ^ b) * 1099511628211ull;
  return h;
}

TEST(workload, DeterministicAndPinned) {
  EXPECT_EQ(workload_hash(generate_workload("default", 1)), workload_hash(generate_workload("default", 1)));
  EXPECT_NE(workload_hash(generate_workload("small", 1)), workload_hash(generate_workload("small", 2)));
  EXPECT_EQ(workload_hash(generate_workload("default", 1)), MOR_DEFAULT_WORKLOAD_HASH);
  EXPECT_THROW(generate_workload("nope"), std::invalid_argument);
}

TEST(workload, StatisticsAreWhatTheKindsClaim) {
  const auto ws = generate_workload("default", 1);
  ASSERT_EQ(ws.size(), 9u);
  auto find = [&](const std::string& n) -> const Tensor& {
    for (const auto& t : ws)
      if (t.name == n) return t;
    throw std::runtime_error("missing " + n);
  };
  // Outlier channels: the largest |x| of the activation is far above the normal's +-6 bound.
  uint32_t amax = 0;
  for (uint32_t b : find("qkv.activation").bits) amax = std::max(amax, b & 0x7FFFFFFFu);
  EXPECT_GT(f32_from_bits(amax), 60.0f);
  // Zero blocks, non-finite values and an all-zero tensor exist; the decisions cover FP8, BF16 and the D2 rule.
  SubTensorConfig sc;
  EXPECT_GT(quantize_subtensor(find("fc2.relu_act"), sc).nnz, 0u);
  EXPECT_EQ(quantize_tensor_level(find("logits.nonfinite"), TensorLevelConfig{}).reason, Reason::kNonFinite);
  EXPECT_EQ(quantize_tensor_level(find("bias.zeros"), TensorLevelConfig{}).reason, Reason::kAllZero);
  EXPECT_EQ(quantize_tensor_level(find("fc1.weight"), TensorLevelConfig{}).tensor_format, FormatTag::kE4M3);
  const auto near = quantize_tensor_level(find("mlp.near_threshold"), TensorLevelConfig{});
  EXPECT_EQ(near.tensor_format, FormatTag::kBF16);
  const double mre = static_cast<double>(near.err_sum) / static_cast<double>(near.nnz) / 16777216.0;
  EXPECT_GT(mre, 0.045);
  EXPECT_LT(mre, 0.05);  // just above the threshold
}

}  // namespace
}  // namespace mor
