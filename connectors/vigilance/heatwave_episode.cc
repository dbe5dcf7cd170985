#include "connectors/vigilance/heatwave_episode.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "engine/common/text_formats.h"

namespace proactive {
namespace {

using json = nlohmann::json;

// Ids come as strings ("6", "75") or numbers (6).
std::string IdText(const json& id) {
  if (id.is_string()) return id.get<std::string>();
  if (id.is_number_integer()) return std::to_string(id.get<int64_t>());
  return "";
}

absl::Status Malformed(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("the vigilance feed is not in the documented form: ", what));
}

}  // namespace

std::string ColorName(int color) {
  switch (color) {
    case 1:
      return "green";
    case 2:
      return "yellow";
    case 3:
      return "orange";
    case 4:
      return "red";
  }
  return "unknown";
}

absl::StatusOr<std::vector<PeriodLevel>> ParseHeatwaveLevels(const std::string& body, const std::string& department,
                                                             const std::vector<std::string>& periods) {
  json feed;
  try {
    feed = json::parse(body);
  } catch (const json::parse_error& e) {
    size_t from = e.byte > 40 ? e.byte - 40 : 0;
    return absl::DataLossError(absl::StrCat("the vigilance feed is not valid JSON (byte ", e.byte, " of ", body.size(),
                                            ", near \"", body.substr(from, 80), "\")"));
  }
  if (!feed.is_object() || !feed.contains("product") || !feed["product"].is_object()) {
    return Malformed("no \"product\" object");
  }
  const json& product = feed["product"];
  if (!product.contains("periods") || !product["periods"].is_array()) {
    return Malformed("no \"product.periods\" list");
  }
  std::vector<PeriodLevel> levels;
  bool department_seen = false;
  for (const json& period : product["periods"]) {
    if (!period.is_object()) return Malformed("a period is not an object");
    std::string echeance = period.value("echeance", "");
    if (std::find(periods.begin(), periods.end(), echeance) == periods.end()) continue;
    PeriodLevel level;
    level.period = echeance;
    absl::StatusOr<absl::Time> begin = ParseRfc3339(period.value("begin_validity_time", ""));
    if (!begin.ok()) {
      return Malformed(absl::StrCat("period ", echeance, ": begin_validity_time is not an RFC 3339 time"));
    }
    level.begin = *begin;
    const json* domains = nullptr;
    if (period.contains("timelaps") && period["timelaps"].is_object() && period["timelaps"].contains("domain_ids") &&
        period["timelaps"]["domain_ids"].is_array()) {
      domains = &period["timelaps"]["domain_ids"];
    }
    if (domains == nullptr) return Malformed(absl::StrCat("period ", echeance, ": no timelaps.domain_ids"));
    for (const json& domain : *domains) {
      if (!domain.is_object() || IdText(domain.value("domain_id", json())) != department) continue;
      department_seen = true;
      if (domain.contains("phenomenon_items") && domain["phenomenon_items"].is_array()) {
        for (const json& item : domain["phenomenon_items"]) {
          if (!item.is_object() || IdText(item.value("phenomenon_id", json())) != std::to_string(kHeatwavePhenomenon)) {
            continue;
          }
          const json color = item.value("phenomenon_max_color_id", json());
          int64_t c = 0;
          if (color.is_number_integer()) {
            c = color.get<int64_t>();
          } else if (!color.is_string() || !absl::SimpleAtoi(color.get<std::string>(), &c)) {
            return Malformed(absl::StrCat("period ", echeance, ", department ", department,
                                          ": phenomenon_max_color_id is not a number"));
          }
          if (c < 1 || c > 4) {
            return Malformed(absl::StrCat("colour ", c, " is not in 1..4"));
          }
          level.color = static_cast<int>(c);
        }
      }
    }
    levels.push_back(level);
  }
  if (!department_seen) {
    return absl::NotFoundError(absl::StrCat("department ", department, " is in no period of the vigilance feed"));
  }
  return levels;
}

std::vector<HeatwaveBroadcast> StepEpisode(const std::string& department, const std::vector<PeriodLevel>& levels,
                                           absl::TimeZone zone, EpisodeState* state) {
  std::vector<HeatwaveBroadcast> out;
  if (levels.empty()) return out;
  // The highest colour, and the earliest period showing it.
  const PeriodLevel* top = &levels.front();
  for (const PeriodLevel& level : levels) {
    if (level.color > top->color || (level.color == top->color && level.begin < top->begin)) {
      top = &level;
    }
  }
  const std::string stamp = absl::FormatTime("%Y%m%dT%H%M%SZ", top->begin, absl::UTCTimeZone());
  auto broadcast = [&](const std::string& episode) {
    HeatwaveBroadcast b;
    b.department = department;
    b.level = ColorName(top->color);
    b.episode_id = episode;
    b.occurred_at = top->begin;
    b.event_id = absl::StrCat("meteo-france:heatwave:", department, ":", episode, ":", b.level, ":", stamp);
    return b;
  };
  if (top->color >= 3) {
    if (state->episode_id.empty()) {
      state->episode_id = absl::StrCat(department, "-", absl::FormatTime("%Y-%m-%d", top->begin, zone));
    }
    out.push_back(broadcast(state->episode_id));
  } else if (!state->episode_id.empty()) {
    out.push_back(broadcast(state->episode_id));  // the end of the episode
    state->episode_id.clear();
  }
  state->last_color = top->color;
  return out;
}

v1::PublishRequest ToPublishRequest(const HeatwaveBroadcast& b) {
  v1::PublishRequest request;
  v1::BroadcastEvent* event = request.mutable_broadcast();
  event->set_event_id(b.event_id);
  event->set_topic("weather.heatwave");
  event->set_area(b.department);
  event->set_source("meteo-france");
  event->mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(b.occurred_at));
  v1::Attribute* level = event->add_fields();
  level->set_name("level");
  level->mutable_value()->set_string_value(b.level);
  v1::Attribute* episode = event->add_fields();
  episode->set_name("episode_id");
  episode->mutable_value()->set_string_value(b.episode_id);
  return request;
}

}  // namespace proactive
