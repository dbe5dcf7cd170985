// Runs the real proactived binary for a test: its own data directory, a free
// port chosen by the daemon (read back from its ready file), stopped with
// SIGTERM (clean) or SIGKILL (crash) by the test.
//
//   DaemonProcess daemon({.data_dir = dir.path() + "/data"});
//   ASSERT_THAT(daemon.Start(), IsOk());
//   auto stub = v1::Ingestion::NewStub(ConnectToEngine(daemon.address()));
//   ASSERT_THAT(daemon.Stop(), IsOk());  // SIGTERM, waits, expects exit code 0
#ifndef PROACTIVE_TESTS_TESTING_DAEMON_PROCESS_H_
#define PROACTIVE_TESTS_TESTING_DAEMON_PROCESS_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace proactive::testing {

struct DaemonOptions {
  std::string data_dir;                  // required
  std::string rules_dir;                 // default: the source tree's rules/
  std::string log_file;                  // default: data_dir + ".log"
  std::vector<std::string> extra_flags;  // e.g. "--durability=async"
  // Plaintext and every caller has every role (--insecure); tests of access
  // control set it to false and pass TLS flags.
  bool insecure = true;
};

// A daemon on `data_dir` whose clock starts on the morning of the Paris
// sample's scenario (2026-06-29T08:00:00Z, --clock_start).
inline DaemonOptions SampleMorningDaemon(std::string data_dir) {
  DaemonOptions options{std::move(data_dir)};
  options.extra_flags = {"--clock_start=2026-06-29T08:00:00Z"};
  return options;
}

class DaemonProcess {
 public:
  explicit DaemonProcess(DaemonOptions options);
  // Kills the daemon if still running.
  ~DaemonProcess();
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  // Starts the daemon and waits (up to `timeout`) until it serves. On failure
  // the status includes the end of its log.
  absl::Status Start(absl::Duration timeout = absl::Seconds(30));
  // SIGTERM, then waits for exit. FAILED_PRECONDITION unless it exits 0.
  absl::Status Stop(absl::Duration timeout = absl::Seconds(30));
  // SIGKILL and reap: a crash.
  void Kill();
  // Sends a signal (e.g. SIGHUP) without waiting.
  void Signal(int signal_number);

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // The daemon's resident memory (VmRSS of /proc/PID/status) in bytes; -1
  // when it cannot be read.
  int64_t ResidentBytes() const;
  // "127.0.0.1:PORT" once started.
  const std::string& address() const { return address_; }
  const std::string& log_file() const { return options_.log_file; }
  // The whole log so far.
  std::string ReadLog() const;

 private:
  DaemonOptions options_;
  std::string ready_file_;
  std::string address_;
  pid_t pid_ = -1;
};

// Runs a program to completion, capturing stdout+stderr. Returns the exit code.
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult RunCommand(const std::vector<std::string>& argv);

// Paths known at build time.
std::string ProactivedPath();
std::string ProactivectlPath();
std::string SourceDir();

}  // namespace proactive::testing

#endif  // PROACTIVE_TESTS_TESTING_DAEMON_PROCESS_H_
