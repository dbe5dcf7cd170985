#include "connectors/sms-kannel/access_log.h"

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "connectors/common/event_publisher.h"
#include "connectors/sms-kannel/sms_text.h"
#include "engine/common/log.h"

namespace proactive {
namespace {

constexpr absl::string_view kReceived = "Receive SMS";

absl::Status Unreadable(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("field [", field, ":]: ", why));
}

bool IsHex(absl::string_view text) {
  for (char c : text) {
    if (!absl::ascii_isxdigit(c)) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::optional<AccessLogReply>> ParseAccessLogLine(absl::string_view line, absl::TimeZone zone) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  const size_t kind = line.find(kReceived);
  if (kind == absl::string_view::npos || line.substr(kind + kReceived.size(), 2) != " [") {
    return std::nullopt;
  }
  // Fields by name, in order; [msg:L:...] is read by length since the text
  // may hold "]" and "[".
  std::map<std::string, std::string> fields;
  std::string text_bytes;
  bool have_msg = false;
  int coding = 0;
  size_t at = kind + kReceived.size();
  while (true) {
    at = line.find('[', at);
    if (at == absl::string_view::npos) break;
    const size_t colon = line.find(':', at);
    if (colon == absl::string_view::npos) break;
    const std::string key(line.substr(at + 1, colon - at - 1));
    if (key == "msg") {
      const size_t length_end = line.find(':', colon + 1);
      int64_t length = 0;
      if (length_end == absl::string_view::npos ||
          !absl::SimpleAtoi(line.substr(colon + 1, length_end - colon - 1), &length) || length < 0) {
        return Unreadable("msg", "no length");
      }
      auto flags = fields.find("flags");
      if (flags != fields.end()) {
        std::vector<absl::string_view> parts = absl::StrSplit(flags->second, ':');
        if (parts.size() >= 2 && !absl::SimpleAtoi(parts[1], &coding))
          return Unreadable("flags", "the coding is not a number");
      }
      const bool hex = coding == 1 || coding == 2;
      const size_t size = static_cast<size_t>(hex ? 2 * length : length);
      const size_t begin = length_end + 1;
      if (begin + size > line.size() || line.substr(begin + size, 1) != "]")
        return Unreadable("msg", "shorter than its length");
      absl::string_view value = line.substr(begin, size);
      if (hex) {
        if (!IsHex(value)) return Unreadable("msg", "not hexadecimal");
        text_bytes = absl::HexStringToBytes(value);
      } else {
        text_bytes = std::string(value);
      }
      have_msg = true;
      at = begin + size + 1;
      continue;
    }
    const size_t close = line.find(']', colon);
    if (close == absl::string_view::npos) break;
    fields[key] = std::string(line.substr(colon + 1, close - colon - 1));
    at = close + 1;
  }
  if (!have_msg) return Unreadable("msg", "missing");
  if (fields.find("from") == fields.end()) return Unreadable("from", "missing");

  AccessLogReply parsed;
  parsed.reply.from = fields["from"];
  parsed.reply.to = fields["to"];
  parsed.reply.kannel_id = fields["ID"];
  parsed.reply.text = DecodeKannelText(text_bytes, coding);
  int64_t ts = 0;
  if (absl::SimpleAtoi(fields["ts"], &ts) && ts > 0) {
    parsed.reply.received_at = absl::FromUnixSeconds(ts);
  } else {
    absl::Time time;
    std::string error;
    if (line.size() < 19 ||
        !absl::ParseTime("%Y-%m-%d %H:%M:%S", std::string(line.substr(0, 19)), zone, &time, &error)) {
      return Unreadable("ts", "no [ts:] field and no leading date");
    }
    parsed.reply.received_at = time;
  }
  std::vector<absl::string_view> udh = absl::StrSplit(fields["udh"], ':');
  parsed.multipart = !udh.empty() && !udh[0].empty() && udh[0] != "0";
  return parsed;
}

std::string ReconcileReport::Summary() const {
  return absl::StrCat(received, " received SMS in the log", before_since > 0 ? " since then" : "", ": ", reported,
                      " new (reported now), ", duplicates, " already reported, ", refused, " refused by the engine, ",
                      without_id, " without [ID:] (skipped), ", parts, " parts of long SMS (skipped), ", unreadable,
                      " unreadable; ", before_since, " older ones skipped");
}

absl::StatusOr<ReconcileReport> ReconcileAccessLog(std::istream& log, GatewayApi* engine,
                                                   const ReconcileOptions& options) {
  std::function<void(absl::Duration)> sleep = options.sleep;
  if (!sleep) sleep = [](absl::Duration d) { absl::SleepFor(d); };
  ReconcileReport report;
  std::string line;
  while (std::getline(log, line)) {
    ++report.lines;
    absl::StatusOr<std::optional<AccessLogReply>> parsed = ParseAccessLogLine(line, options.zone);
    if (!parsed.ok()) {
      ++report.unreadable;
      LogWarning("reconcile", absl::StrCat("line ", report.lines, ": ", parsed.status().message()));
      continue;
    }
    if (!parsed->has_value()) continue;
    const KannelReply& reply = (*parsed)->reply;
    if (reply.received_at < options.since) {
      ++report.before_since;
      continue;
    }
    ++report.received;
    if (reply.kannel_id.empty()) {
      ++report.without_id;
      continue;
    }
    if ((*parsed)->multipart) {
      // One part of a long SMS: smsbox posted the whole, under another id.
      ++report.parts;
      continue;
    }
    const v1::ReportReplyRequest request = MakeReplyRequest(reply, options.country_code);
    absl::StatusOr<v1::ReportReplyResponse> answer;
    for (int attempt = 1;; ++attempt) {
      answer = engine->ReportReply(request);
      if (answer.ok() || !IsTransientEngineError(answer.status())) break;
      if (attempt >= options.max_attempts) {
        return absl::UnavailableError(absl::StrCat("the engine stayed unavailable at line ", report.lines, " (",
                                                   answer.status().message(), "); so far: ", report.Summary(),
                                                   ". Running again is safe."));
      }
      sleep(BackoffDelay(attempt + 1, options.initial_backoff, options.max_backoff));
    }
    if (!answer.ok()) {
      ++report.refused;
      LogWarning("reconcile", absl::StrCat("line ", report.lines, ": reply ", request.gateway_message_id(),
                                           " refused: ", answer.status().message()));
    } else if (answer->outcome() == "duplicate") {
      ++report.duplicates;
    } else {
      ++report.reported;
      LogInfo("reconcile", absl::StrCat("line ", report.lines, ": reply ", request.gateway_message_id(),
                                        " had been lost; reported now: ", answer->outcome()));
    }
  }
  return report;
}

}  // namespace proactive
