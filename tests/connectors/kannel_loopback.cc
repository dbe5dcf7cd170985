#include "tests/connectors/kannel_loopback.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "connectors/sms-kannel/sms_text.h"

namespace proactive::testing {
namespace {

constexpr char kBearerbox[] = "/usr/sbin/bearerbox";
constexpr char kSmsbox[] = "/usr/sbin/smsbox";

std::string FakesmscPath() {
  for (const char* path :
       {"/usr/lib/kannel/test/fakesmsc", "/usr/lib/x86_64-linux-gnu/kannel/test/fakesmsc", "/usr/bin/fakesmsc"}) {
    if (access(path, X_OK) == 0) return path;
  }
  return "/usr/lib/kannel/test/fakesmsc";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Tail(const std::string& text, size_t n) { return text.size() <= n ? text : text.substr(text.size() - n); }

bool Accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return ok;
}

bool WaitFor(const std::function<bool()>& ready, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (ready()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return ready();
}

// Starts `argv` in `dir` with stdout and stderr appended to `log`; stdin
// from `stdin_fd` when >= 0, else /dev/null.
pid_t Spawn(std::vector<std::string> argv, const std::string& dir, const std::string& log, int stdin_fd) {
  // Prepared before fork: the test process has threads.
  std::vector<char*> args;
  for (std::string& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const int in = stdin_fd >= 0 ? stdin_fd : open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t pid = fork();
  if (pid == 0) {
    if (chdir(dir.c_str()) != 0) _exit(126);
    dup2(in, STDIN_FILENO);
    dup2(out, STDOUT_FILENO);
    dup2(out, STDERR_FILENO);
    execv(args[0], args.data());
    _exit(127);
  }
  close(out);
  if (stdin_fd < 0) close(in);
  return pid;
}

// SIGTERM, wait up to `timeout`, then SIGKILL.
void Terminate(pid_t* pid, absl::Duration timeout) {
  if (*pid <= 0) return;
  kill(*pid, SIGTERM);
  const absl::Time deadline = absl::Now() + timeout;
  int status = 0;
  while (absl::Now() < deadline) {
    if (waitpid(*pid, &status, WNOHANG) == *pid) {
      *pid = -1;
      return;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  kill(*pid, SIGKILL);
  waitpid(*pid, &status, 0);
  *pid = -1;
}

bool Exited(pid_t pid) {
  int status = 0;
  return pid > 0 && waitpid(pid, &status, WNOHANG) == pid;
}

std::string UrlDecode(absl::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%' && i + 2 < text.size() && absl::ascii_isxdigit(text[i + 1]) &&
               absl::ascii_isxdigit(text[i + 2])) {
      out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string DecodeData(const std::string& bytes) {
  return DecodeKannelText(bytes, bytes.find('\0') != std::string::npos ? 2 : 0);
}

}  // namespace

int FreeLoopbackPort() {
  // The kernel may give a port it gave before, once closed: a test that
  // picks the connector's port and smsbox's in turn got the same one (seen
  // in CI). Ports handed out in this process are not handed out again.
  static absl::Mutex mu;
  static std::set<int>* const given = new std::set<int>();
  absl::MutexLock lock(&mu);
  for (int attempt = 0;; ++attempt) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = 0;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool bound = fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
    socklen_t length = sizeof(address);
    if (bound) getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    if (fd >= 0) close(fd);
    const int port = bound ? ntohs(address.sin_port) : 0;
    if (port == 0 && attempt < 100) continue;  // no socket now: try again
    if (given->insert(port).second || attempt >= 100) return port;
  }
}

std::vector<FakeSmscMessage> ParseFakesmscOutput(const std::string& output) {
  std::vector<FakeSmscMessage> messages;
  // Parts of concatenated messages by (from, to, reference, total).
  std::map<std::tuple<std::string, std::string, int, int>, std::map<int, std::string>> pending;
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    size_t got = line.find("Got message ");
    if (got == absl::string_view::npos) continue;
    size_t open = line.find(": <", got);
    size_t close = line.rfind('>');
    if (open == absl::string_view::npos || close == absl::string_view::npos || close < open) continue;
    absl::string_view body = line.substr(open + 3, close - open - 3);
    std::vector<absl::string_view> words = absl::StrSplit(body, absl::MaxSplits(' ', 3));
    if (words.size() < 4) continue;
    FakeSmscMessage message{std::string(words[0]), std::string(words[1]), "", 1};
    absl::string_view type = words[2];
    absl::string_view rest = words[3];
    if (type == "text") {
      message.text = DecodeKannelText(rest, 0);
      messages.push_back(message);
      continue;
    }
    if (type == "data") {
      message.text = DecodeData(UrlDecode(rest));
      messages.push_back(message);
      continue;
    }
    if (type != "udh") continue;
    std::vector<absl::string_view> udh_rest = absl::StrSplit(rest, absl::MaxSplits(' ', 2));
    if (udh_rest.size() < 3) continue;
    const std::string udh = UrlDecode(udh_rest[0]);
    std::string data = udh_rest[1] == "data" ? DecodeData(UrlDecode(udh_rest[2])) : DecodeKannelText(udh_rest[2], 0);
    // 8-bit reference (IEI 0) or 16-bit (IEI 8).
    int reference = -1, total = 1, sequence = 1;
    if (udh.size() >= 6 && udh[1] == 0x00) {
      reference = static_cast<unsigned char>(udh[3]);
      total = static_cast<unsigned char>(udh[4]);
      sequence = static_cast<unsigned char>(udh[5]);
    } else if (udh.size() >= 7 && udh[1] == 0x08) {
      reference = (static_cast<unsigned char>(udh[3]) << 8) | static_cast<unsigned char>(udh[4]);
      total = static_cast<unsigned char>(udh[5]);
      sequence = static_cast<unsigned char>(udh[6]);
    }
    if (reference < 0 || total <= 1) {
      message.text = data;
      messages.push_back(message);
      continue;
    }
    auto key = std::make_tuple(message.from, message.to, reference, total);
    pending[key][sequence] = data;
    if (static_cast<int>(pending[key].size()) == total) {
      for (const auto& [seq, part] : pending[key]) message.text += part;
      message.parts = total;
      messages.push_back(message);
      pending.erase(key);
    }
  }
  return messages;
}

KannelLoopback::KannelLoopback(std::string dir, KannelLoopbackOptions options)
    : dir_(std::move(dir)), options_(std::move(options)) {
  mkdir(dir_.c_str(), 0755);
  // Writing to a fakesmsc that died must fail, not kill the test.
  signal(SIGPIPE, SIG_IGN);
}

KannelLoopback::~KannelLoopback() { Stop(); }

std::string KannelLoopback::sendsms_url() const {
  return absl::StrCat("http://127.0.0.1:", sendsms_port_, "/cgi-bin/sendsms");
}

std::string KannelLoopback::LogTails() const {
  return absl::StrCat("--- bearerbox.log\n", Tail(ReadFile(dir_ + "/bearerbox.log"), 1500), "\n--- smsbox.log\n",
                      Tail(ReadFile(dir_ + "/smsbox.log"), 1500), "\n--- fakesmsc.out\n",
                      Tail(ReadFile(dir_ + "/fakesmsc.out"), 800));
}

absl::Status KannelLoopback::Start() {
  // The ports are chosen free, then bound by Kannel: a test running beside
  // may take one in between, and bearerbox panics. Then everything started
  // is stopped and Kannel tried again on new ports.
  absl::Status status;
  for (int attempt = 0; attempt < 3; ++attempt) {
    status = StartOnce();
    if (status.ok()) return status;
    Stop();
  }
  return status;
}

absl::Status KannelLoopback::StartOnce() {
  admin_port_ = FreeLoopbackPort();
  smsbox_port_ = FreeLoopbackPort();
  sendsms_port_ = FreeLoopbackPort();
  smsc_port_ = FreeLoopbackPort();
  std::ofstream conf(dir_ + "/kannel.conf");
  conf << "# Written by tests/connectors/kannel_loopback.cc from\n"
       << "# /work/shared/kannel/loopback.conf: loopback only, free ports.\n"
       << "group = core\n"
       << "admin-port = " << admin_port_ << "\n"
       << "admin-interface = 127.0.0.1\n"
       << "admin-password = adminpw\n"
       << "status-password = statuspw\n"
       << "admin-allow-ip = \"127.0.0.1\"\n"
       << "admin-deny-ip = \"*.*.*.*\"\n"
       << "smsbox-port = " << smsbox_port_ << "\n"
       << "smsbox-interface = 127.0.0.1\n"
       << "box-allow-ip = \"127.0.0.1\"\n"
       << "box-deny-ip = \"*.*.*.*\"\n"
       << "log-file = \"bearerbox.log\"\n"
       << "log-level = 0\n"
       << "access-log = \"access.log\"\n"
       << "access-log-clean = true\n"
       << "access-log-format = \"%t %l [SMSC:%i] [SVC:%n] [ACT:%A] "
          "[BINF:%B] [FID:%F] [ID:%I] [ts:%T] [from:%p] [to:%P] "
          "[flags:%m:%c:%M:%C:%d] [msg:%L:%b] [udh:%U:%u]\"\n"
       << "store-type = file\n"
       << "store-location = \"kannel.store\"\n"
       << "dlr-storage = internal\n\n"
       << "group = smsc\n"
       << "smsc = fake\n"
       << "smsc-id = FAKE\n"
       << "port = " << smsc_port_ << "\n"
       << "our-host = 127.0.0.1\n"
       << "connect-allow-ip = \"127.0.0.1\"\n\n"
       << "group = smsbox\n"
       << "bearerbox-host = 127.0.0.1\n"
       << "sendsms-port = " << sendsms_port_ << "\n"
       << "sendsms-interface = 127.0.0.1\n"
       << "log-file = \"smsbox.log\"\n"
       << "log-level = 0\n"
       << "http-request-retry = 5\n"
       << "http-queue-delay = 2\n\n"
       << "group = sendsms-user\n"
       << "username = svc\n"
       << "password = svcpw\n"
       << "concatenation = true\n"
       // The Paris messages with the algorithm notice are up to ~330
       // characters: 3 parts in GSM 03.38, 5 in UCS-2.
       << "max-messages = 6\n\n"
       << "group = sms-service\n"
       << "keyword = default\n"
       << "catch-all = true\n"
       << "get-url = \"" << options_.mo_url
       << "/mo?from=%p&to=%P&text=%a&smsc=%i&id=%I&ts=%T&coding=%c\"\n"
       // The connector's answer body (the engine's reply_text) goes back
       // to the citizen; an empty body sends nothing.
       << "max-messages = 1\n"
       << "omit-empty = true\n";
  conf.close();
  if (!conf) return absl::InternalError("cannot write kannel.conf");

  bearerbox_ = Spawn({kBearerbox, "-v", "1", "kannel.conf"}, dir_, dir_ + "/bearerbox.out", -1);
  if (!WaitFor([&] { return Accepts(smsc_port_) || Exited(bearerbox_); }, absl::Seconds(30)) || !Accepts(smsc_port_)) {
    return absl::UnavailableError(
        absl::StrCat("bearerbox did not start:\n", LogTails(), Tail(ReadFile(dir_ + "/bearerbox.out"), 1000)));
  }
  absl::Status fake = StartFakesmsc();
  if (!fake.ok()) return fake;
  return StartSmsbox();
}

absl::Status KannelLoopback::StartFakesmsc() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return absl::InternalError("pipe");
  fakesmsc_ = Spawn({FakesmscPath(), "-H", "127.0.0.1", "-r", std::to_string(smsc_port_), "-v", "0"}, dir_,
                    dir_ + "/fakesmsc.out", fds[0]);
  close(fds[0]);
  fakesmsc_stdin_ = fds[1];
  if (!WaitFor([&] { return absl::StrContains(ReadFile(dir_ + "/bearerbox.log"), "Fakesmsc client connected"); },
               absl::Seconds(30))) {
    return absl::UnavailableError(absl::StrCat("fakesmsc did not connect:\n", LogTails()));
  }
  return absl::OkStatus();
}

absl::Status KannelLoopback::StartSmsbox() {
  smsbox_ = Spawn({kSmsbox, "-v", "1", "kannel.conf"}, dir_, dir_ + "/smsbox.out", -1);
  if (!WaitFor([&] { return Accepts(sendsms_port_) || Exited(smsbox_); }, absl::Seconds(30)) ||
      !Accepts(sendsms_port_)) {
    return absl::UnavailableError(absl::StrCat("smsbox did not start:\n", LogTails()));
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> KannelLoopback::RestartSmsboxIfItDied() {
  if (smsbox_ <= 0 || !Exited(smsbox_)) return false;
  smsbox_ = -1;
  ++smsbox_restarts_;
  absl::Status started = StartSmsbox();
  if (!started.ok()) return started;
  return true;
}

void KannelLoopback::KillSmsbox() {
  if (smsbox_ <= 0) return;
  kill(smsbox_, SIGKILL);
  int status = 0;
  waitpid(smsbox_, &status, 0);
  smsbox_ = -1;
}

void KannelLoopback::Stop() {
  if (fakesmsc_stdin_ >= 0) {
    close(fakesmsc_stdin_);
    fakesmsc_stdin_ = -1;
  }
  Terminate(&fakesmsc_, absl::Seconds(5));
  Terminate(&smsbox_, absl::Seconds(10));
  Terminate(&bearerbox_, absl::Seconds(20));
}

int KannelLoopback::CountInAccessLog(const std::string& needle) const {
  const std::string log = ReadFile(access_log());
  int count = 0;
  for (size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

bool KannelLoopback::InjectReply(const std::string& from, const std::string& text) {
  const int before = CountInAccessLog("Receive SMS");
  const std::string line = absl::StrCat(from, " ", options_.short_number, " text ", text, "\n");
  if (write(fakesmsc_stdin_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    return false;
  }
  // fakesmsc takes one line per wake-up of its stdin: wait for this one to
  // be received before the next is written.
  return WaitFor([&] { return CountInAccessLog("Receive SMS") > before; }, absl::Seconds(30));
}

std::vector<FakeSmscMessage> KannelLoopback::Received() const {
  return ParseFakesmscOutput(ReadFile(dir_ + "/fakesmsc.out"));
}

std::vector<FakeSmscMessage> KannelLoopback::ReceivedBy(const std::string& to) const {
  std::vector<FakeSmscMessage> out;
  for (FakeSmscMessage& m : Received()) {
    if (m.to == to) out.push_back(std::move(m));
  }
  return out;
}

}  // namespace proactive::testing
