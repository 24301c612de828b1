#include "mor/output_file.hpp"

#include <atomic>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mor {

namespace {

std::string folder_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string base_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string errno_text() { return std::strerror(errno); }

// Temporary files being written, for the signal handler (fixed storage: a handler may not allocate).
constexpr int kTempSlots = 16;
char g_temp_path[kTempSlots][PATH_MAX];
std::atomic<bool> g_temp_used[kTempSlots];

extern "C" void remove_temp_files_and_die(int sig) {
  for (int i = 0; i < kTempSlots; ++i)
    if (g_temp_used[i].load()) ::unlink(g_temp_path[i]);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

// What identifies a file: its device and inode when it exists, else its resolved folder and name.
std::string identity(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0)
    return "inode " + std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  char buf[PATH_MAX];
  const std::string dir = folder_of(path);
  const std::string resolved = ::realpath(dir.c_str(), buf) ? std::string(buf) : dir;
  return "path " + resolved + "/" + base_of(path);
}

}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  if (path_.empty() || path_.back() == '/') throw OutputError("'" + path_ + "' is not a file name");
  temp_ = folder_of(path_) + "/." + base_of(path_) + ".tmp-XXXXXX";
  const int fd = ::mkstemp(temp_.data());
  if (fd < 0) throw OutputError("cannot create a file beside '" + path_ + "': " + errno_text());
  const mode_t mask = ::umask(0);  // mkstemp makes 0600; give the file the mode a plain create would
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  guard_ = remember_temp_file(temp_);
  f_ = ::fdopen(fd, "wb");
  if (!f_) {
    ::close(fd);
    ::unlink(temp_.c_str());
    forget_temp_file(guard_);
    throw OutputError("cannot write '" + path_ + "': " + errno_text());
  }
}

AtomicFile::~AtomicFile() {
  if (f_) std::fclose(f_);
  if (!committed_) ::unlink(temp_.c_str());
  forget_temp_file(guard_);
}

void AtomicFile::write(const void* data, std::size_t n) {
  if (n != 0 && std::fwrite(data, 1, n, f_) != n) throw OutputError("cannot write '" + path_ + "': " + errno_text());
}

void AtomicFile::commit() {
  const bool ok = std::fflush(f_) == 0 && !std::ferror(f_) && ::fsync(::fileno(f_)) == 0;
  const std::string why = errno_text();
  const bool closed = std::fclose(f_) == 0;
  f_ = nullptr;
  if (!ok || !closed) throw OutputError("cannot write '" + path_ + "': " + (ok ? errno_text() : why));
  if (::rename(temp_.c_str(), path_.c_str()) != 0) throw OutputError("cannot write '" + path_ + "': " + errno_text());
  committed_ = true;
  forget_temp_file(guard_);
  guard_ = -1;
}

void write_file_atomic(const std::string& path, std::string_view bytes) {
  AtomicFile f(path);
  f.write(bytes);
  f.commit();
}

void check_output_path(const NamedPath& out) {
  const std::string& p = out.path;
  const std::string what = out.option + " '" + p + "'";
  if (p.empty() || p.back() == '/') throw OutputError(what + ": not a file name");
  struct stat st {};
  if (::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) throw OutputError(what + " is a directory");
  const std::string dir = folder_of(p);
  if (::stat(dir.c_str(), &st) != 0) throw OutputError(what + ": folder '" + dir + "' does not exist");
  if (!S_ISDIR(st.st_mode)) throw OutputError(what + ": '" + dir + "' is not a folder");
  if (::access(dir.c_str(), W_OK | X_OK) != 0) throw OutputError(what + ": folder '" + dir + "' is not writable");
}

void check_distinct_paths(const std::vector<NamedPath>& inputs, const std::vector<NamedPath>& outputs) {
  auto skip = [](const NamedPath& n) { return n.path.empty() || n.path == "-"; };
  for (std::size_t o = 0; o < outputs.size(); ++o) {
    if (skip(outputs[o])) continue;
    const std::string id = identity(outputs[o].path);
    for (const auto& in : inputs)
      if (!skip(in) && identity(in.path) == id)
        throw OutputError(outputs[o].option + " '" + outputs[o].path + "' is the same file as " +
                          (in.option == "input" ? std::string("the input") : in.option) + " '" + in.path +
                          "': refusing to overwrite an input");
    for (std::size_t k = 0; k < o; ++k)
      if (!skip(outputs[k]) && identity(outputs[k].path) == id)
        throw OutputError(outputs[o].option + " '" + outputs[o].path + "' and " + outputs[k].option + " '" +
                          outputs[k].path + "' are the same file");
  }
}

int remember_temp_file(const std::string& path) {
  if (path.size() >= PATH_MAX) return -1;
  for (int i = 0; i < kTempSlots; ++i) {
    bool expected = false;
    if (!g_temp_used[i].compare_exchange_strong(expected, true)) continue;
    g_temp_path[i][0] = '\0';  // a handler running now unlinks "", which fails harmlessly
    std::memcpy(g_temp_path[i] + 1, path.c_str() + 1, path.size());
    g_temp_path[i][0] = path[0];
    return i;
  }
  return -1;
}

void forget_temp_file(int handle) {
  if (handle >= 0 && handle < kTempSlots) g_temp_used[handle].store(false);
}

void install_output_guards() {
  std::signal(SIGXFSZ, SIG_IGN);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) {
    struct sigaction old {};
    ::sigaction(sig, nullptr, &old);
    if (old.sa_handler == SIG_IGN) continue;  // keep what the caller ignored (nohup)
    std::signal(sig, remove_temp_files_and_die);
  }
}

}  // namespace mor
