#include "connectors/sms-kannel/send_journal.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "connectors/common/checkpoint.h"

namespace proactive {
namespace {

constexpr absl::string_view kHeader = "proactive-sms-kannel journal v1";

// Ids go on a space-separated line: escape what would break it.
std::string Escape(absl::string_view id) {
  std::string out;
  for (unsigned char c : id) {
    if (c == '%' || c <= ' ' || c == 0x7f) {
      absl::StrAppendFormat(&out, "%%%02X", c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

bool Unescape(absl::string_view text, std::string* out) {
  out->clear();
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out->push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size() || !absl::ascii_isxdigit(text[i + 1]) || !absl::ascii_isxdigit(text[i + 2])) {
      return false;
    }
    out->push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
    i += 2;
  }
  return !out->empty();
}

absl::Status Errno(absl::string_view what, const std::string& path) {
  return absl::UnavailableError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<SendJournal>> SendJournal::Open(const std::string& path, int64_t compact_slack) {
  std::string data;
  {
    std::ifstream in(path, std::ios::binary);
    if (in) {
      std::stringstream s;
      s << in.rdbuf();
      data = s.str();
    }
  }
  EntryMap open;
  std::vector<absl::string_view> lines = absl::StrSplit(data, '\n');
  // The piece after the last '\n' is a line cut short (or empty).
  lines.pop_back();
  for (size_t i = 0; i < lines.size(); ++i) {
    absl::string_view line = lines[i];
    if (i == 0) {
      if (line != kHeader) {
        return absl::DataLossError(
            absl::StrCat(path, ":1: not a proactive-sms-kannel journal (expected \"", kHeader, "\")"));
      }
      continue;
    }
    std::vector<absl::string_view> words = absl::StrSplit(line, ' ');
    std::string id;
    const bool ok = words.size() >= 2 && Unescape(words[1], &id);
    uint32_t attempt = 0;
    if (ok && words[0] == "sending" &&
        (words.size() == 2 || (words.size() == 3 && absl::SimpleAtoi(words[2], &attempt)))) {
      open[id] = Entry{State::kSending, "", attempt};
    } else if (ok && words[0] == "sent" && words.size() == 3) {
      std::string gateway_id;
      if (words[2] != "-" && !Unescape(words[2], &gateway_id)) gateway_id = "";
      // Journals before 2026-12-07 may have it after its "acked": closed.
      auto sending = open.find(id);
      if (sending != open.end()) sending->second = Entry{State::kSent, gateway_id, sending->second.attempt};
    } else if (ok && (words[0] == "acked" || words[0] == "unsent") && words.size() == 2) {
      open.erase(id);
    } else {
      return absl::DataLossError(absl::StrCat(path, ":", i + 1, ": unreadable journal record \"", line.substr(0, 80),
                                              "\"; move the file aside to start afresh (messages in flight are "
                                              "then sent again)"));
    }
  }
  std::unique_ptr<SendJournal> journal(new SendJournal(path, compact_slack, std::move(open)));
  absl::MutexLock lock(&journal->mu_);
  absl::Status compacted = journal->CompactLocked();
  if (!compacted.ok()) return compacted;
  return journal;
}

SendJournal::SendJournal(std::string path, int64_t compact_slack, EntryMap open)
    : path_(std::move(path)), compact_slack_(compact_slack), open_(std::move(open)) {}

SendJournal::~SendJournal() {
  absl::MutexLock lock(&mu_);
  if (fd_ >= 0) close(fd_);
}

absl::Status SendJournal::CompactLocked() {
  std::string text = absl::StrCat(kHeader, "\n");
  int64_t records = 1;
  for (const auto& [id, entry] : open_) {
    absl::StrAppend(&text, "sending ", Escape(id), entry.attempt > 0 ? absl::StrCat(" ", entry.attempt) : "", "\n");
    ++records;
    if (entry.state == State::kSent) {
      absl::StrAppend(&text, "sent ", Escape(id), " ", entry.gateway_id.empty() ? "-" : Escape(entry.gateway_id), "\n");
      ++records;
    }
  }
  if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
  absl::Status written = WriteFileAtomically(path_, text);
  if (!written.ok()) return written;
  fd_ = open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd_ < 0) return Errno("cannot open", path_);
  records_ = records;
  return absl::OkStatus();
}

absl::Status SendJournal::Append(absl::string_view verb, absl::string_view message_id, absl::string_view extra) {
  if (message_id.empty()) return absl::InvalidArgumentError("empty message id");
  if (fd_ < 0) return absl::UnavailableError(path_ + " is not open");
  std::string line = absl::StrCat(verb, " ", Escape(message_id));
  if (!extra.empty()) absl::StrAppend(&line, " ", extra);
  line.push_back('\n');
  size_t written = 0;
  while (written < line.size()) {
    ssize_t n = write(fd_, line.data() + written, line.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot write", path_);
    }
    written += static_cast<size_t>(n);
  }
  if (fdatasync(fd_) != 0) return Errno("cannot fsync", path_);
  ++records_;
  return absl::OkStatus();
}

SendJournal::State SendJournal::StateOf(absl::string_view message_id) const {
  absl::MutexLock lock(&mu_);
  auto it = open_.find(message_id);
  return it == open_.end() ? State::kUnknown : it->second.state;
}

std::string SendJournal::GatewayIdOf(absl::string_view message_id) const {
  absl::MutexLock lock(&mu_);
  auto it = open_.find(message_id);
  return it == open_.end() ? "" : it->second.gateway_id;
}

uint32_t SendJournal::AttemptOf(absl::string_view message_id) const {
  absl::MutexLock lock(&mu_);
  auto it = open_.find(message_id);
  return it == open_.end() ? 0 : it->second.attempt;
}

SendJournal::OpenSend SendJournal::Lookup(absl::string_view message_id) const {
  absl::MutexLock lock(&mu_);
  auto it = open_.find(message_id);
  return it == open_.end() ? OpenSend{} : OpenSend{it->second.state, it->second.attempt};
}

absl::Status SendJournal::MarkSending(absl::string_view message_id, uint32_t attempt) {
  absl::MutexLock lock(&mu_);
  absl::Status status = Append("sending", message_id, attempt > 0 ? absl::StrCat(attempt) : "");
  if (!status.ok()) return status;
  open_[std::string(message_id)] = Entry{State::kSending, "", attempt};
  return absl::OkStatus();
}

absl::Status SendJournal::MarkSent(absl::string_view message_id, absl::string_view gateway_message_id) {
  absl::MutexLock lock(&mu_);
  auto open = open_.find(message_id);
  if (open == open_.end()) return absl::OkStatus();  // acknowledged already
  absl::Status status = Append("sent", message_id, gateway_message_id.empty() ? "-" : Escape(gateway_message_id));
  if (!status.ok()) return status;
  Entry& entry = open->second;
  entry.state = State::kSent;
  entry.gateway_id = std::string(gateway_message_id);
  return absl::OkStatus();
}

absl::Status SendJournal::MarkAcked(absl::string_view message_id) {
  absl::MutexLock lock(&mu_);
  absl::Status status = Append("acked", message_id, "");
  if (!status.ok()) return status;
  auto it = open_.find(message_id);
  if (it != open_.end()) open_.erase(it);
  if (records_ > static_cast<int64_t>(2 * open_.size()) + compact_slack_) return CompactLocked();
  return absl::OkStatus();
}

absl::Status SendJournal::MarkUnsent(absl::string_view message_id) {
  absl::MutexLock lock(&mu_);
  absl::Status status = Append("unsent", message_id, "");
  if (!status.ok()) return status;
  auto it = open_.find(message_id);
  if (it != open_.end()) open_.erase(it);
  return absl::OkStatus();
}

std::vector<std::pair<std::string, std::string>> SendJournal::SentNotAcked() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [id, entry] : open_) {
    if (entry.state == State::kSent) out.emplace_back(id, entry.gateway_id);
  }
  return out;
}

std::vector<std::string> SendJournal::Ambiguous() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> out;
  for (const auto& [id, entry] : open_) {
    if (entry.state == State::kSending) out.push_back(id);
  }
  return out;
}

}  // namespace proactive
