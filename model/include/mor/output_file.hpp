// Outputs that lose nothing (README "Nothing lost"): every file is written to a temporary file in its own folder
// and renamed into place only when it is complete, so a full disk or a crash leaves the old file (or none), never
// a truncated one; and before any work, every output path is checked to be creatable and to name neither an input
// nor another output. Host only.
#pragma once

#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mor {

// A failed write or a bad output path; the message names the path.
struct OutputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A file being written. Bytes go to a temporary file ".NAME.tmp-XXXXXX" beside `path`; commit() flushes, syncs and
// renames it to `path`. Destroying an uncommitted AtomicFile removes the temporary file.
class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, std::size_t n);
  void write(std::string_view s) { write(s.data(), s.size()); }
  std::FILE* stream() { return f_; }             // for fprintf-style writers; errors are caught by commit()
  const std::string& temp_path() const { return temp_; }  // for a child process that writes the file itself
  const std::string& path() const { return path_; }
  void commit();

 private:
  std::string path_, temp_;
  std::FILE* f_ = nullptr;
  bool committed_ = false;
  int guard_ = -1;
};

// The whole file at once, through an AtomicFile.
void write_file_atomic(const std::string& path, std::string_view bytes);

// A path as the user gave it, with the option that named it ("--out", "--json", "input" ...), for messages.
struct NamedPath {
  std::string option, path;
};

// Before any work: `out` can be created as a file (its folder exists and is writable, it is not a folder). Throws
// OutputError naming the option and the path.
void check_output_path(const NamedPath& out);

// Before any work: no output is one of the inputs or another output (the same file through any path or link, or
// the same not-yet-existing path). Throws OutputError naming both options. Empty paths and "-" are ignored.
void check_distinct_paths(const std::vector<NamedPath>& inputs, const std::vector<NamedPath>& outputs);

// Called first thing by every tool that writes files: writes past RLIMIT_FSIZE fail with EFBIG (reported as errors)
// instead of killing the process halfway through a file, and SIGINT, SIGTERM, SIGHUP and SIGPIPE remove the
// temporary files being written before the process ends.
void install_output_guards();

// A temporary file written by someone else (SystemC's VCD writer), removed like AtomicFile's on those signals.
// Returns a handle for forget_temp_file(); -1 when all slots are taken.
int remember_temp_file(const std::string& path);
void forget_temp_file(int handle);

}  // namespace mor
