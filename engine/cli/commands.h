// The commands of proactivectl. Each lives in its own file and is listed in
// proactivectl.cc. A command returns the process exit code: 0 success, 1 the
// work was done but something was refused or failed (e.g. rejected events,
// failing tests), 2 usage or connection error.
#ifndef PROACTIVE_ENGINE_CLI_COMMANDS_H_
#define PROACTIVE_ENGINE_CLI_COMMANDS_H_

#include <string>
#include <vector>

namespace proactive {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRefused = 1;
inline constexpr int kExitUsage = 2;

// Default engine address, overridden by --server or $PROACTIVE_SERVER.
std::string DefaultServerAddress();

int RunPublishCommand(const std::vector<std::string>& args);
int RunPersonCommand(const std::vector<std::string>& args);
int RunSynthCommand(const std::vector<std::string>& args);
int RunRulesCommand(const std::vector<std::string>& args);
int RunDecisionsCommand(const std::vector<std::string>& args);
int RunRecourseCommand(const std::vector<std::string>& args);
int RunAuditCommand(const std::vector<std::string>& args);
int RunTickCommand(const std::vector<std::string>& args);
int RunStatusCommand(const std::vector<std::string>& args);
int RunReloadCommand(const std::vector<std::string>& args);
int RunSimulateCommand(const std::vector<std::string>& args);
// The mail room: letters to post, and marking them posted.
int RunLettersCommand(const std::vector<std::string>& args);
// Evaluates an expression (--expr, --bindings) or runs a conformance file
// (--cases), locally: no engine connection needed.
int RunEvalCommand(const std::vector<std::string>& args);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_CLI_COMMANDS_H_
