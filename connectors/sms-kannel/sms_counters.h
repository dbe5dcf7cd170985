// What the SMS connector did since it started, for its progress log and the
// /health page. Counts only: never a number or a text.
//
//   counters.sent++;
//   LogInfo("sms", counters.Summary());
#ifndef PROACTIVE_CONNECTORS_SMS_KANNEL_SMS_COUNTERS_H_
#define PROACTIVE_CONNECTORS_SMS_KANNEL_SMS_COUNTERS_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"

namespace proactive {

// Thread-safe (atomics).
struct SmsCounters {
  std::atomic<int64_t> leased{0};             // messages leased from the engine
  std::atomic<int64_t> sent{0};               // handed to Kannel (202)
  std::atomic<int64_t> resent{0};             // sent again after an ambiguous crash
  std::atomic<int64_t> acked{0};              // acknowledged to the engine
  std::atomic<int64_t> refused{0};            // refused by Kannel (4xx), reported
  std::atomic<int64_t> delivered{0};          // delivery reports: delivered
  std::atomic<int64_t> failed{0};             // delivery reports: failed
  std::atomic<int64_t> replies{0};            // citizens' SMS reported to the engine
  std::atomic<int64_t> duplicate_replies{0};  // ... that the engine had
  std::atomic<int64_t> kannel_errors{0};      // Kannel down or no answer
  std::atomic<int64_t> engine_errors{0};      // engine down or refusing

  std::string Summary() const {
    return absl::StrCat("leased ", leased.load(), ", sent ", sent.load(), " (again after a crash ", resent.load(),
                        "), acked ", acked.load(), ", refused ", refused.load(), ", delivered ", delivered.load(),
                        ", failed ", failed.load(), ", replies ", replies.load(), " (duplicates ",
                        duplicate_replies.load(), "), Kannel errors ", kannel_errors.load(), ", engine errors ",
                        engine_errors.load());
  }
};

}  // namespace proactive

#endif  // PROACTIVE_CONNECTORS_SMS_KANNEL_SMS_COUNTERS_H_
