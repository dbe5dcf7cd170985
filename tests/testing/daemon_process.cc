#include "tests/testing/daemon_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace proactive::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Tail(const std::string& text, size_t n) { return text.size() <= n ? text : text.substr(text.size() - n); }

std::vector<char*> ToArgv(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return argv;
}

}  // namespace

std::string ProactivedPath() { return PROACTIVED_PATH; }
std::string ProactivectlPath() { return PROACTIVECTL_PATH; }
std::string SourceDir() { return PROACTIVE_SOURCE_DIR; }

DaemonProcess::DaemonProcess(DaemonOptions options) : options_(std::move(options)) {
  if (options_.rules_dir.empty()) options_.rules_dir = SourceDir() + "/rules";
  if (options_.log_file.empty()) options_.log_file = options_.data_dir + ".log";
  ready_file_ = options_.data_dir + ".ready";
}

DaemonProcess::~DaemonProcess() {
  if (running()) Kill();
}

absl::Status DaemonProcess::Start(absl::Duration timeout) {
  if (running()) return absl::FailedPreconditionError("already running");
  std::remove(ready_file_.c_str());
  std::vector<std::string> args = {ProactivedPath(), "--data_dir=" + options_.data_dir,
                                   "--rules_dir=" + options_.rules_dir, "--listen=127.0.0.1:0",
                                   "--ready_file=" + ready_file_};
  if (options_.insecure) args.push_back("--insecure");
  args.insert(args.end(), options_.extra_flags.begin(), options_.extra_flags.end());
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    int fd = open(options_.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
      close(fd);
    }
    std::vector<char*> argv = ToArgv(args);
    execv(argv[0], argv.data());
    _exit(127);
  }
  pid_ = pid;
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    std::string ready(absl::StripAsciiWhitespace(ReadFile(ready_file_)));
    if (!ready.empty()) {
      address_ = ready;
      return absl::OkStatus();
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::FailedPreconditionError(
          absl::StrCat("proactived exited during start (status ", status, "):\n", Tail(ReadLog(), 2000)));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  Kill();
  return absl::DeadlineExceededError(absl::StrCat("proactived did not become ready:\n", Tail(ReadLog(), 2000)));
}

absl::Status DaemonProcess::Stop(absl::Duration timeout) {
  if (!running()) return absl::FailedPreconditionError("not running");
  kill(pid_, SIGTERM);
  const absl::Time deadline = absl::Now() + timeout;
  int status = 0;
  while (absl::Now() < deadline) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
      return absl::FailedPreconditionError(
          absl::StrCat("proactived stopped with status ", status, ":\n", Tail(ReadLog(), 2000)));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  Kill();
  return absl::DeadlineExceededError("proactived did not stop on SIGTERM");
}

void DaemonProcess::Kill() {
  if (!running()) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

void DaemonProcess::Signal(int signal_number) {
  if (running()) kill(pid_, signal_number);
}

std::string DaemonProcess::ReadLog() const { return ReadFile(options_.log_file); }

int64_t DaemonProcess::ResidentBytes() const {
  if (!running()) return -1;
  std::ifstream in(absl::StrCat("/proc/", pid_, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) != 0) continue;
    return std::strtoll(line.c_str() + 6, nullptr, 10) * 1024;  // "VmRSS:   12345 kB"
  }
  return -1;
}

CommandResult RunCommand(const std::vector<std::string>& argv_in) {
  std::vector<std::string> args = argv_in;
  int pipe_fds[2];
  CommandResult result;
  if (pipe(pipe_fds) != 0) return result;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    dup2(pipe_fds[1], STDERR_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    std::vector<char*> argv = ToArgv(args);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  std::array<char, 4096> buffer;
  ssize_t n;
  while ((n = read(pipe_fds[0], buffer.data(), buffer.size())) > 0) result.output.append(buffer.data(), n);
  close(pipe_fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace proactive::testing
