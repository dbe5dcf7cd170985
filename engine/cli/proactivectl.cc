// proactivectl: the command-line client of the proactive engine.
//
//   proactivectl publish --file events.ndjson
//   proactivectl person show P000123
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/cli/commands.h"
#include "engine/client/channel.h"

namespace proactive {
namespace {

struct CommandEntry {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>& args);
};

constexpr CommandEntry kCommands[] = {
    {"publish", "publish NDJSON events to the engine (--file FILE)", RunPublishCommand},
    {"person", "show what the engine holds about a person, or forget them (person show|forget ID)", RunPersonCommand},
    {"synth", "write a synthetic Paris-like population as NDJSON events", RunSynthCommand},
    {"rules", "check, test, reload and simulate rule packs (rules check|test|reload|simulate)", RunRulesCommand},
    {"decisions", "decisions: list, show, explain, contest, answer an offer", RunDecisionsCommand},
    {"recourse", "the caseworkers' queue: list, show, claim, note, resolve", RunRecourseCommand},
    {"letters", "the mail room: letters to post, and marking one posted", RunLettersCommand},
    {"audit", "verify and read the audit log; the register of algorithms", RunAuditCommand},
    {"tick", "run the daily schedule (time-driven rules) for a day", RunTickCommand},
    {"status", "the running rule set and the engine's progress", RunStatusCommand},
    {"eval", "evaluate an expression (--expr) or run conformance cases (--cases)", RunEvalCommand},
};

void PrintUsage(std::FILE* out) {
  std::fprintf(out, "usage: proactivectl COMMAND [options]\n\ncommands:\n");
  for (const CommandEntry& c : kCommands) std::fprintf(out, "  %-10s %s\n", c.name, c.summary);
  std::fprintf(out,
               "\nThe engine address comes from --server HOST:PORT, else "
               "$PROACTIVE_SERVER,\n"
               "else %s. Run `proactivectl COMMAND --help` for a command's options.\n",
               DefaultServerAddress().c_str());
}

}  // namespace

std::string DefaultServerAddress() { return EngineAddress(); }

}  // namespace proactive

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "help") {
    proactive::PrintUsage(argc < 2 ? stderr : stdout);
    return argc < 2 ? proactive::kExitUsage : proactive::kExitOk;
  }
  const std::string name = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  for (const auto& command : proactive::kCommands) {
    if (name == command.name) return command.run(args);
  }
  std::fprintf(stderr, "proactivectl: unknown command \"%s\"\n\n", name.c_str());
  proactive::PrintUsage(stderr);
  return proactive::kExitUsage;
}
