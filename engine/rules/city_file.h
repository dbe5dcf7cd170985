// rules/city.yaml: the settings every pack of a city shares (time zone,
// notices, the engine's own messages to citizens, SMS length, recourse
// windows), read into a CitySpec with a diagnostic per mistake.
#ifndef PROACTIVE_ENGINE_RULES_CITY_FILE_H_
#define PROACTIVE_ENGINE_RULES_CITY_FILE_H_

#include <optional>
#include <vector>

#include "absl/strings/string_view.h"
#include "engine/common/diagnostic.h"
#include "engine/rules/pack_spec.h"

namespace proactive {

// How a city.yaml is read: as the running one, or as a stored rule set
// snapshot written before `messages` existed (2026-12-05), which may lack
// them: the engine's own messages always come from the running city.
enum class CityFileOrigin { kRunning, kStoredSnapshot };

// The city settings. nullopt (with diagnostics) on mistakes.
std::optional<CitySpec> ParseCityFile(absl::string_view text, absl::string_view file_name,
                                      std::vector<Diagnostic>* diagnostics,
                                      CityFileOrigin origin = CityFileOrigin::kRunning);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_RULES_CITY_FILE_H_
