// `mor`: the golden model on the command line. Subcommands live in cmd_*.cpp.
#include <cstdio>
#include <cstring>
#include <exception>

#include "command.hpp"
#include "mor/io.hpp"
#include "mor/output_file.hpp"

#ifndef MOR_VERSION
#define MOR_VERSION "unknown"
#endif

namespace mor::cli {

std::vector<Command>& registry() {
  static std::vector<Command> commands;
  return commands;
}

namespace {
std::string g_prefix = "mor";  // "mor quantize" once the subcommand is known
}

void note(const std::string& text) { std::fprintf(stderr, "%s: %s\n", g_prefix.c_str(), text.c_str()); }

}  // namespace mor::cli

namespace {

// The subcommand the user typed (the first argument that is not an option), or "" when there is none.
std::string typed_subcommand(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (argv[i][0] != '-') return argv[i];
  return "";
}

int fail(const std::string& prefix, const std::string& what, bool about_options) {
  std::fprintf(stderr, "%s: %s%s\n", prefix.c_str(), what.c_str(),
               about_options ? (" (see " + prefix + " --help)").c_str() : "");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  mor::install_output_guards();
  CLI::App app{"mor: bit-exact golden model of MoR (Mixture-of-Representations) quantization datapaths"};
  app.set_version_flag("--version", std::string("mor ") + MOR_VERSION);
  app.require_subcommand(1);
  std::vector<mor::cli::Action> actions;
  std::string names;
  for (auto& c : mor::cli::registry()) {
    actions.push_back(c.setup(app));
    names += (names.empty() ? "" : ", ") + actions.back().sub->get_name();
  }
  app.footer("Run `mor COMMAND --help` for the options of one command.");
  const std::string typed = typed_subcommand(argc, argv);
  std::string& prefix = mor::cli::g_prefix;
  if (!typed.empty()) {
    bool known = false;
    for (const auto& a : actions) known = known || a.sub->get_name() == typed;
    if (!known)
      return fail("mor", "unknown command '" + typed + "' (commands: " + names + ")", true);
    prefix = "mor " + typed;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return fail(prefix, e.what(), true);
  }
  try {
    for (auto& a : actions)
      if (a.sub->parsed()) return a.run();
  } catch (const mor::cli::UsageError& e) {
    return fail(prefix, e.what(), true);
  } catch (const mor::cli::InputError& e) {
    return fail(prefix, e.what(), false);
  } catch (const mor::TensorFileError& e) {
    return fail(prefix, e.what(), false);
  } catch (const mor::OutputError& e) {
    return fail(prefix, e.what(), false);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", prefix.c_str(), e.what());
    return 1;
  }
  return 0;
}
