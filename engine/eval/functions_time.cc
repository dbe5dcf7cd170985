// Timestamp getters (in UTC or a given time zone) and duration getters.
// Time zones: "UTC", IANA names ("Europe/Paris"), or fixed offsets
// ("+02:00", "-05:30", "02:00").
#include <cstdlib>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/eval/functions.h"

namespace proactive::eval::internal {
namespace {

using Args = absl::Span<const Value>;

bool ParseFixedOffset(absl::string_view s, int* seconds) {
  int sign = 1;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    sign = s[0] == '-' ? -1 : 1;
    s.remove_prefix(1);
  }
  if (s.size() != 5 || s[2] != ':') return false;
  for (size_t i : {0, 1, 3, 4}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  const int hours = (s[0] - '0') * 10 + (s[1] - '0');
  const int minutes = (s[3] - '0') * 10 + (s[4] - '0');
  if (hours > 23 || minutes > 59) return false;
  *seconds = sign * (hours * 3600 + minutes * 60);
  return true;
}

// IANA names are letters, digits and "_+-/" ("America/Argentina/Buenos_Aires",
// "Etc/GMT+2"); anything else (an absolute path, "..") is refused before the
// time zone database is searched.
bool IsZoneName(absl::string_view name) {
  if (name.empty() || name.size() > 64 || name[0] == '/' || absl::StrContains(name, "..")) {
    return false;
  }
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '+' && c != '-' && c != '/') {
      return false;
    }
  }
  return true;
}

// Loaded zones, and names that are not zones, so that a rule evaluated for
// every citizen reads the time zone database once per name.
class ZoneCache {
 public:
  bool Find(const std::string& name, absl::TimeZone* zone) {
    absl::MutexLock lock(&mu_);
    auto it = zones_.find(name);
    if (it == zones_.end()) {
      absl::TimeZone loaded;
      const bool ok = absl::LoadTimeZone(name, &loaded);
      if (zones_.size() >= 1000) zones_.clear();  // bounded: names come from rules
      it = zones_.emplace(name, ok ? std::optional<absl::TimeZone>(loaded) : std::nullopt).first;
    }
    if (!it->second.has_value()) return false;
    *zone = *it->second;
    return true;
  }

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::optional<absl::TimeZone>> zones_ ABSL_GUARDED_BY(mu_);
};

bool ResolveZone(absl::string_view name, absl::TimeZone* zone) {
  int offset = 0;
  if (ParseFixedOffset(name, &offset)) {
    *zone = absl::FixedTimeZone(offset);
    return true;
  }
  if (name == "UTC") {
    *zone = absl::UTCTimeZone();
    return true;
  }
  if (!IsZoneName(name)) return false;
  static ZoneCache* cache = new ZoneCache;
  return cache->Find(std::string(name), zone);
}

enum class Part {
  kYear,
  kMonth,       // 0-11
  kDate,        // 1-31
  kDayOfMonth,  // 0-30
  kDayOfWeek,   // 0 = Sunday
  kDayOfYear,   // 0-365
  kHours,
  kMinutes,
  kSeconds,
  kMilliseconds,
};

Value TimestampPart(const Value& ts, const absl::TimeZone& zone, Part part) {
  const absl::TimeZone::CivilInfo info = zone.At(ts.timestamp_value());
  const absl::CivilSecond& c = info.cs;
  switch (part) {
    case Part::kYear:
      return Value::Int(c.year());
    case Part::kMonth:
      return Value::Int(c.month() - 1);
    case Part::kDate:
      return Value::Int(c.day());
    case Part::kDayOfMonth:
      return Value::Int(c.day() - 1);
    case Part::kDayOfWeek: {
      const int monday_based = static_cast<int>(absl::GetWeekday(c));  // Monday = 0
      return Value::Int((monday_based + 1) % 7);
    }
    case Part::kDayOfYear:
      return Value::Int(absl::GetYearDay(absl::CivilDay(c)) - 1);
    case Part::kHours:
      return Value::Int(c.hour());
    case Part::kMinutes:
      return Value::Int(c.minute());
    case Part::kSeconds:
      return Value::Int(c.second());
    case Part::kMilliseconds:
      return Value::Int(absl::ToInt64Milliseconds(info.subsecond));
  }
  return Value::Error("unknown part");
}

template <Part P>
Value InUtc(Args a) {
  return TimestampPart(a[0], absl::UTCTimeZone(), P);
}

template <Part P>
Value InZone(Args a) {
  absl::TimeZone zone;
  if (!ResolveZone(a[1].string_value(), &zone)) {
    return Value::Error(absl::StrCat("unknown time zone '", a[1].string_value(), "'"));
  }
  return TimestampPart(a[0], zone, P);
}

Value DurationHours(Args a) { return Value::Int(absl::ToInt64Hours(a[0].duration_value())); }
Value DurationMinutes(Args a) { return Value::Int(absl::ToInt64Minutes(a[0].duration_value())); }
Value DurationSeconds(Args a) { return Value::Int(absl::ToInt64Seconds(a[0].duration_value())); }
Value DurationMillis(Args a) { return Value::Int(absl::ToInt64Milliseconds(a[0].duration_value())); }

}  // namespace

// Also used by date(timestamp, zone) in functions_dates.cc.
bool ResolveTimeZone(absl::string_view name, absl::TimeZone* zone) { return ResolveZone(name, zone); }

void AddTimeFunctions(ImplTable& t) {
  t.insert(t.end(), {
                        {"timestamp_to_year", InUtc<Part::kYear>},
                        {"timestamp_to_year_with_tz", InZone<Part::kYear>},
                        {"timestamp_to_month", InUtc<Part::kMonth>},
                        {"timestamp_to_month_with_tz", InZone<Part::kMonth>},
                        {"timestamp_to_day_of_month_1_based", InUtc<Part::kDate>},
                        {"timestamp_to_day_of_month_1_based_with_tz", InZone<Part::kDate>},
                        {"timestamp_to_day_of_month", InUtc<Part::kDayOfMonth>},
                        {"timestamp_to_day_of_month_with_tz", InZone<Part::kDayOfMonth>},
                        {"timestamp_to_day_of_week", InUtc<Part::kDayOfWeek>},
                        {"timestamp_to_day_of_week_with_tz", InZone<Part::kDayOfWeek>},
                        {"timestamp_to_day_of_year", InUtc<Part::kDayOfYear>},
                        {"timestamp_to_day_of_year_with_tz", InZone<Part::kDayOfYear>},
                        {"timestamp_to_hours", InUtc<Part::kHours>},
                        {"timestamp_to_hours_with_tz", InZone<Part::kHours>},
                        {"timestamp_to_minutes", InUtc<Part::kMinutes>},
                        {"timestamp_to_minutes_with_tz", InZone<Part::kMinutes>},
                        {"timestamp_to_seconds", InUtc<Part::kSeconds>},
                        {"timestamp_to_seconds_with_tz", InZone<Part::kSeconds>},
                        {"timestamp_to_milliseconds", InUtc<Part::kMilliseconds>},
                        {"timestamp_to_milliseconds_with_tz", InZone<Part::kMilliseconds>},
                        {"duration_to_hours", DurationHours},
                        {"duration_to_minutes", DurationMinutes},
                        {"duration_to_seconds", DurationSeconds},
                        {"duration_to_milliseconds", DurationMillis},
                    });
}

}  // namespace proactive::eval::internal
