// `mor`: the golden model on the command line. Subcommands live in cmd_*.cpp.
#include <cstdio>
#include <exception>

#include "command.hpp"

namespace mor::cli {
std::vector<Command>& registry() {
  static std::vector<Command> commands;
  return commands;
}
}  // namespace mor::cli

int main(int argc, char** argv) {
  CLI::App app{"mor: bit-exact golden model of MoR (Mixture-of-Representations) quantization datapaths"};
  app.require_subcommand(1);
  std::vector<mor::cli::Action> actions;
  for (auto& c : mor::cli::registry()) actions.push_back(c.setup(app));
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "mor: %s (see mor --help)\n", e.what());
    return 2;
  }
  try {
    for (auto& a : actions)
      if (a.sub->parsed()) return a.run();
  } catch (const mor::cli::UsageError& e) {
    std::fprintf(stderr, "mor: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mor: %s\n", e.what());
    return 1;
  }
  return 0;
}
