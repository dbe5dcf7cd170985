// Recorded-style answers of Météo-France's DPVigilance
// /cartevigilance/encours, written from its public documentation: a
// "product" with "periods" J and J1, each with begin/end_validity_time and
// timelaps.domain_ids[] of {domain_id, max_color_id, phenomenon_items[] of
// {phenomenon_id, phenomenon_max_color_id, timelaps_items}}.
#ifndef PROACTIVE_TESTS_CONNECTORS_VIGILANCE_FEED_H_
#define PROACTIVE_TESTS_CONNECTORS_VIGILANCE_FEED_H_

#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "nlohmann/json.hpp"

namespace proactive::testing {

struct DepartmentColors {
  std::string department;
  int today;     // J
  int tomorrow;  // J1
};

// The feed as published on 2026-07-`day` at 06:00 (Paris).
inline std::string VigilanceFeed(int day, const std::vector<DepartmentColors>& departments) {
  nlohmann::json periods = nlohmann::json::array();
  for (int offset : {0, 1}) {
    nlohmann::json domains = nlohmann::json::array();
    for (const DepartmentColors& d : departments) {
      int color = offset == 0 ? d.today : d.tomorrow;
      nlohmann::json items = nlohmann::json::array();
      for (int phenomenon : {1, 2, 3, 4, 5, 6, 7, 8}) {
        int c = phenomenon == 6 ? color : 1;
        items.push_back(
            {{"phenomenon_id", std::to_string(phenomenon)},
             {"phenomenon_max_color_id", c},
             {"timelaps_items", nlohmann::json::array({{{"begin_time", "x"}, {"end_time", "y"}, {"color_id", c}}})}});
      }
      domains.push_back({{"domain_id", d.department}, {"max_color_id", color}, {"phenomenon_items", items}});
    }
    // A period is a Paris day: it begins at 22:00 UTC the day before (summer
    // time).
    absl::CivilDay date = absl::CivilDay(2026, 7, day) + offset;
    periods.push_back(
        {{"echeance", offset == 0 ? "J" : "J1"},
         {"begin_validity_time", absl::FormatCivilTime(absl::CivilSecond(date - 1)).substr(0, 10) + "T22:00:00Z"},
         {"end_validity_time", absl::FormatCivilTime(absl::CivilSecond(date)).substr(0, 10) + "T22:00:00Z"},
         {"text_items", nlohmann::json::object()},
         {"timelaps", {{"domain_ids", domains}}}});
  }
  nlohmann::json feed = {
      {"meta", {{"snapshot_id", "x"}, {"product_datetime", absl::StrFormat("2026-07-%02dT04:00:00Z", day)}}},
      {"product",
       {{"warning_type", "vigilance"},
        {"type_cdp", "cdp_carte_externe"},
        {"version_vigilance", "V6"},
        {"update_time", absl::StrFormat("2026-07-%02dT04:00:00Z", day)},
        {"domain_id", "FRA"},
        {"periods", periods}}}};
  return feed.dump();
}

}  // namespace proactive::testing

#endif  // PROACTIVE_TESTS_CONNECTORS_VIGILANCE_FEED_H_
