// Reconciliation of citizens' replies from Kannel's access log. smsbox keeps
// the replies it could not post to /mo in memory only (http-request-retry):
// if smsbox dies while the engine is down, they are lost. bearerbox writes
// every received SMS to its access log first, so replaying the log's
// "Receive SMS" lines through ReportReply recovers them; replies the engine
// already has come back "duplicate" (same gateway_message_id, "kannel:%I").
//
// The log line must carry Kannel's message id, which the default format
// does not: configure bearerbox (core group) with
//
//   access-log-clean = true
//   access-log-format = "%t %l [SMSC:%i] [SVC:%n] [ACT:%A] [BINF:%B] ..."
//
// where "..." is "[FID:%F] [ID:%I] [ts:%T] [from:%p] [to:%P]
// [flags:%m:%c:%M:%C:%d] [msg:%L:%b] [udh:%U:%u]" (all on one line; the
// exact line is in docs/sms.md),
// which writes, for a reply (Kannel 1.4.5, observed):
//
//   2026-06-29 08:03:12 Receive SMS [SMSC:FAKE] [SVC:] [ACT:] [BINF:] [FID:]
//   [ID:b0763716-ebc1-4d15-90cd-5cd30e19c5f3] [ts:1782720192]
//   [from:+33639980002] [to:38000] [flags:-1:0:-1:-1:-1] [msg:8:OUI K7X2]
//   [udh:0:]
//
// (one line). [msg:L:...] holds L bytes of text for coding 0, in which
// Kannel replaced every byte outside printable ASCII by "." (so "préfère"
// reads "pr..f..re": keywords and reference codes survive, accents in free
// text do not), and 2L hex digits for codings 1 and 2 (decoded here).
// Fields are found by name, so other fields and orders are fine; lines of
// other kinds ("Sent SMS", "Receive DLR") are skipped.
//
//   std::ifstream log("/var/log/kannel/access.log");
//   ASSIGN_OR_RETURN(ReconcileReport report,
//                    ReconcileAccessLog(log, engine.get(), options));
#ifndef PROACTIVE_CONNECTORS_SMS_KANNEL_ACCESS_LOG_H_
#define PROACTIVE_CONNECTORS_SMS_KANNEL_ACCESS_LOG_H_

#include <cstdint>
#include <functional>
#include <istream>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "connectors/sms-kannel/callback_server.h"
#include "connectors/sms-kannel/gateway_api.h"

namespace proactive {

struct AccessLogReply {
  KannelReply reply;
  bool multipart = false;  // one part of a long SMS (a UDH was logged)
};

// The reply on `line` when it is a "Receive SMS" line; nullopt for other
// lines. INVALID_ARGUMENT for a "Receive SMS" line that cannot be read (says
// which field). The time is [ts:] when present, else the line's leading
// "YYYY-MM-DD HH:MM:SS" read in `zone` (Kannel writes its own prefix in
// local time, %t in UTC).
absl::StatusOr<std::optional<AccessLogReply>> ParseAccessLogLine(absl::string_view line, absl::TimeZone zone);

struct ReconcileOptions {
  absl::Time since = absl::InfinitePast();  // replies received before: skipped
  absl::TimeZone zone = absl::UTCTimeZone();
  std::string country_code = "33";
  // Per reply, while the engine is unavailable.
  int max_attempts = 8;
  absl::Duration initial_backoff = absl::Milliseconds(500);
  absl::Duration max_backoff = absl::Seconds(30);
  std::function<void(absl::Duration)> sleep;  // tests may replace it
};

struct ReconcileReport {
  int64_t lines = 0;
  int64_t received = 0;      // "Receive SMS" lines since `since`
  int64_t before_since = 0;  // ... received before it, skipped
  int64_t reported = 0;      // new to the engine: they had been lost
  int64_t duplicates = 0;    // the engine had them already
  int64_t refused = 0;       // the engine refused them (logged)
  int64_t without_id = 0;    // no [ID:]: the log format lacks %I, skipped
  int64_t parts = 0;         // parts of a long SMS (multipart), skipped
  int64_t unreadable = 0;    // "Receive SMS" lines that could not be read
  std::string Summary() const;
};

// Re-reports every reply of `log` received since `options.since`.
// UNAVAILABLE when the engine stayed unavailable for one of them (the
// report so far is in the message; running again is safe).
absl::StatusOr<ReconcileReport> ReconcileAccessLog(std::istream& log, GatewayApi* engine,
                                                   const ReconcileOptions& options);

}  // namespace proactive

#endif  // PROACTIVE_CONNECTORS_SMS_KANNEL_ACCESS_LOG_H_
