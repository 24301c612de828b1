// Subcommands of `mor` register themselves here, one source file each (cmd_*.cpp), so adding a command touches no
// other file. Each returns the process exit code; errors are reported as one line on stderr by main.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mor::cli {

// Thrown for bad input (unreadable file, malformed data, bad option combination): main prints "mor: <what>" and
// exits with status 2.
struct UsageError : std::runtime_error {
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

}  // namespace mor::cli
