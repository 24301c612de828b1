// Subcommands of `mor` register themselves here, one source file each (cmd_*.cpp), so adding a command touches no
// other file. Each returns the process exit code; errors are reported as one line on stderr by main:
//   mor SUBCOMMAND: <what> (see mor SUBCOMMAND --help)     bad options (UsageError, CLI11's parse errors), exit 2
//   mor SUBCOMMAND: <what>                                  bad input files or outputs (TensorFileError, OutputError,
//                                                           InputError), exit 2
// Every option and every output path is checked before any computation; outputs go through output_file.hpp.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mor::cli {

// A bad option value or combination: the message points to the subcommand's --help.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Bad input data (an empty tensor, a file without tensors ...): the message names the file.
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What a subcommand's setup returns: the CLI11 subcommand it added and the action to run when it was chosen.
struct Action {
  CLI::App* sub;
  std::function<int()> run;
};

struct Command {
  std::function<Action(CLI::App& app)> setup;
};

std::vector<Command>& registry();

struct Register {
  explicit Register(Command c) { registry().push_back(std::move(c)); }
};

// A line on stderr that is not an error ("skipping ..."), prefixed like the errors: "mor quantize: ...".
void note(const std::string& text);

}  // namespace mor::cli
