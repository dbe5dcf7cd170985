// Heatwave vigilance from Météo-France's DPVigilance feed
// (GET /DPVigilance/v1/cartevigilance/encours, portail-api.meteofrance.fr),
// and the episodes the engine is told about.
//
// The feed gives, per period ("J" today, "J1" tomorrow, each with
// begin_validity_time), per domain (department "75"), per phenomenon
// (6 = canicule), a colour: 1 green, 2 yellow, 3 orange, 4 red.
//
//   ASSIGN_OR_RETURN(std::vector<PeriodLevel> levels, ParseHeatwaveLevels(body,
//   "75", {"J", "J1"})); std::vector<HeatwaveBroadcast> out = StepEpisode("75",
//   levels, &state);  // then publish
//
// An episode starts when the level reaches orange or red and lasts while it
// stays there; its id "<department>-<date it started>" stays the same for the
// whole episode (kept in the connector's state file across restarts). Each
// observation at orange or red gives a broadcast whose event id is made of
// (department, episode, level, period start), so repeated polls of the same
// bulletin are answered DUPLICATE and a new level or a new day is a new
// event. When the level falls back, one last broadcast carries the lower
// level and the ended episode's id, and the episode is closed.
#ifndef PROACTIVE_CONNECTORS_VIGILANCE_HEATWAVE_EPISODE_H_
#define PROACTIVE_CONNECTORS_VIGILANCE_HEATWAVE_EPISODE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "proactive/v1/ingestion.pb.h"

namespace proactive {

inline constexpr int kHeatwavePhenomenon = 6;

struct PeriodLevel {
  std::string period;  // "J", "J1"
  absl::Time begin;    // begin_validity_time
  int color = 1;       // 1 green .. 4 red
};

// The heatwave colour of `department` in each of `periods` found in the
// feed. DATA_LOSS when the body is not the documented JSON (with context);
// NOT_FOUND when no period lists the department.
absl::StatusOr<std::vector<PeriodLevel>> ParseHeatwaveLevels(const std::string& body, const std::string& department,
                                                             const std::vector<std::string>& periods);

// "green", "yellow", "orange", "red" for 1..4.
std::string ColorName(int color);

// What the connector remembers per department.
struct EpisodeState {
  std::string episode_id;  // "" when no episode is going on
  int last_color = 0;      // 0 before the first observation
};

struct HeatwaveBroadcast {
  std::string department;
  std::string level;  // green, yellow, orange, red
  std::string episode_id;
  std::string event_id;
  absl::Time occurred_at;  // the period's begin: the same for every poll of one
                           // bulletin
};

// Applies one observation: returns what to publish and updates `state` (save
// it only once the engine acknowledged the broadcasts). `zone` dates the
// episode ids (Europe/Paris).
std::vector<HeatwaveBroadcast> StepEpisode(const std::string& department, const std::vector<PeriodLevel>& levels,
                                           absl::TimeZone zone, EpisodeState* state);

// The weather.heatwave broadcast of rules/schema.yaml, source meteo-france.
v1::PublishRequest ToPublishRequest(const HeatwaveBroadcast& broadcast);

}  // namespace proactive

#endif  // PROACTIVE_CONNECTORS_VIGILANCE_HEATWAVE_EPISODE_H_
