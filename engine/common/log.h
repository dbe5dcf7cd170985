// Minimal structured logging to stderr (abseil 20220623 has no absl/log).
//
//   LogInfo("ingest", absl::StrFormat("group committed events=%d", n));
//
// Never log personal data: no phone numbers, names, addresses or attribute
// values. Identifiers of events and counts are fine.
#ifndef PROACTIVE_ENGINE_COMMON_LOG_H_
#define PROACTIVE_ENGINE_COMMON_LOG_H_

#include "absl/strings/string_view.h"

namespace proactive {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Messages below `level` are dropped. Default kInfo. Thread-safe.
void SetLogLevel(LogLevel level);

// Writes one line "<RFC3339 time> <LEVEL> <component>: <message>". Thread-safe.
void Log(LogLevel level, absl::string_view component, absl::string_view message);

inline void LogInfo(absl::string_view component, absl::string_view message) {
  Log(LogLevel::kInfo, component, message);
}
inline void LogWarning(absl::string_view component, absl::string_view message) {
  Log(LogLevel::kWarning, component, message);
}
inline void LogError(absl::string_view component, absl::string_view message) {
  Log(LogLevel::kError, component, message);
}

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_COMMON_LOG_H_
