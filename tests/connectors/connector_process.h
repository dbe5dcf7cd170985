// Running connector binaries from scenario tests: their paths, and a child
// process the test can kill in the middle of its work (a crash).
//
//   pid_t pid = StartConnector({ImportPath(), "--file=..."}, dir +
//   "/import.log"); WaitForFile(dir + "/x.state"); KillConnector(pid); //
//   SIGKILL: no chance to save anything
#ifndef PROACTIVE_TESTS_CONNECTORS_CONNECTOR_PROCESS_H_
#define PROACTIVE_TESTS_CONNECTORS_CONNECTOR_PROCESS_H_

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/time/clock.h"

namespace proactive::testing {

inline std::string ImportPath() { return PROACTIVE_IMPORT_PATH; }
inline std::string OpendataPath() { return PROACTIVE_OPENDATA_PATH; }
inline std::string VigilancePath() { return PROACTIVE_VIGILANCE_PATH; }

inline std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Starts `argv` with stdout and stderr appended to `log`. Returns the pid.
inline pid_t StartConnector(std::vector<std::string> argv, const std::string& log) {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
      close(fd);
    }
    std::vector<char*> args;
    for (std::string& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

// SIGKILL and reap.
inline void KillConnector(pid_t pid) {
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
}

// Waits (up to `timeout`) until `ready()` holds; false on timeout.
inline bool WaitUntil(const std::function<bool()>& ready, absl::Duration timeout = absl::Seconds(60)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (ready()) return true;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return false;
}

}  // namespace proactive::testing

#endif  // PROACTIVE_TESTS_CONNECTORS_CONNECTOR_PROCESS_H_
