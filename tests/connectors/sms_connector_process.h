// Runs the proactive-sms-kannel binary for a test: its callback port chosen
// by the test (Kannel's configuration needs it first), the sendsms password
// in its environment, its log in a file; stopped with SIGTERM or killed.
//
//   SmsConnectorProcess connector({.engine = daemon.address(),
//                                  .sendsms_url = kannel.sendsms_url(),
//                                  .port = port, .dir = dir.path()});
//   ASSERT_THAT(connector.Start(), IsOk());
//   ASSERT_THAT(connector.Stop(), IsOk());  // SIGTERM, expects exit code 0
#ifndef PROACTIVE_TESTS_CONNECTORS_SMS_CONNECTOR_PROCESS_H_
#define PROACTIVE_TESTS_CONNECTORS_SMS_CONNECTOR_PROCESS_H_

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace proactive::testing {

inline std::string SmsKannelPath() { return PROACTIVE_SMS_KANNEL_PATH; }

struct SmsConnectorOptions {
  std::string engine;       // host:port of the Gateway service
  std::string sendsms_url;  // Kannel's
  int port = 0;             // callback port (chosen by the test)
  std::string dir;          // journal, log and ready file go here
  std::vector<std::string> extra_flags;
};

class SmsConnectorProcess {
 public:
  explicit SmsConnectorProcess(SmsConnectorOptions options) : options_(std::move(options)) {}
  ~SmsConnectorProcess() { Kill(); }
  SmsConnectorProcess(const SmsConnectorProcess&) = delete;
  SmsConnectorProcess& operator=(const SmsConnectorProcess&) = delete;

  // Starts it and waits until its endpoints serve. `extra` adds flags for
  // this run only (e.g. --test_crash_at=...).
  absl::Status Start(std::vector<std::string> extra = {}) {
    if (pid_ > 0) return absl::FailedPreconditionError("already running");
    const std::string ready = options_.dir + "/sms-kannel.ready";
    std::remove(ready.c_str());
    std::vector<std::string> args = {SmsKannelPath(),
                                     "--server=" + options_.engine,
                                     "--sendsms_url=" + options_.sendsms_url,
                                     "--kannel_user=svc",
                                     "--from=38000",
                                     "--smsc=FAKE",
                                     absl::StrCat("--listen=127.0.0.1:", options_.port),
                                     "--journal=" + options_.dir + "/sms-kannel.journal",
                                     "--ready_file=" + ready,
                                     "--idle_wait=200ms",
                                     "--max_backoff=2s",
                                     "--report_interval=2s"};
    args.insert(args.end(), options_.extra_flags.begin(), options_.extra_flags.end());
    args.insert(args.end(), extra.begin(), extra.end());
    // Everything the child needs is prepared before fork (the test process
    // has threads): argv, the environment with the password, the log.
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::string password = "KANNEL_SENDSMS_PASSWORD=svcpw";
    std::vector<char*> env = {password.data()};
    for (char** e = environ; *e != nullptr; ++e) {
      if (std::string(*e).rfind("KANNEL_SENDSMS_PASSWORD=", 0) != 0) env.push_back(*e);
    }
    env.push_back(nullptr);
    const int fd = open(log().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    pid_t pid = fork();
    if (pid == 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
      execve(argv[0], argv.data(), env.data());
      _exit(127);
    }
    close(fd);
    pid_ = pid;
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      std::ifstream in(ready);
      std::string address;
      if (in >> address && !address.empty()) return absl::OkStatus();
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return absl::FailedPreconditionError(absl::StrCat("proactive-sms-kannel exited at start:\n", ReadLog()));
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
    return absl::DeadlineExceededError(absl::StrCat("proactive-sms-kannel did not serve:\n", ReadLog()));
  }

  // SIGTERM; OK when it exits 0.
  absl::Status Stop() {
    if (pid_ <= 0) return absl::FailedPreconditionError("not running");
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
    return absl::InternalError(absl::StrCat("stopped with status ", status, ":\n", ReadLog()));
  }
  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  // Waits (up to 60 s) for the process to die on its own (a test crash);
  // true when it was killed by SIGKILL.
  bool WaitForCrash() {
    if (pid_ <= 0) return false;
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    int status = 0;
    while (absl::Now() < deadline) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
    return false;
  }

  std::string log() const { return options_.dir + "/sms-kannel.log"; }
  std::string ReadLog() const {
    std::ifstream in(log());
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::string url() const { return absl::StrCat("http://127.0.0.1:", options_.port); }

 private:
  SmsConnectorOptions options_;
  pid_t pid_ = -1;
};

}  // namespace proactive::testing

#endif  // PROACTIVE_TESTS_CONNECTORS_SMS_CONNECTOR_PROCESS_H_
