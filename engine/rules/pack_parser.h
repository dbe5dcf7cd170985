// Parsing rule pack files (rules/<city>/*.yaml) and the city settings
// (rules/city.yaml) into specs, reporting every mistake of a file in one pass
// with file:line:col. Expressions are not compiled here (see
// rule_compiler.h); their text and positions are kept for that.
//
//   std::vector<Diagnostic> diagnostics;
//   std::optional<PackSpec> pack = ParsePackFile(text, path, &diagnostics);
//   if (!pack) ...  // diagnostics say why
#ifndef PROACTIVE_ENGINE_RULES_PACK_PARSER_H_
#define PROACTIVE_ENGINE_RULES_PACK_PARSER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "engine/common/diagnostic.h"
#include "engine/rules/pack_spec.h"

namespace proactive {

// A pack. nullopt (with diagnostics appended) when the file has mistakes.
std::optional<PackSpec> ParsePackFile(absl::string_view text, absl::string_view file_name,
                                      std::vector<Diagnostic>* diagnostics);

// How a city.yaml is read: as the running one, or as a stored rule set
// snapshot written before `messages` existed (2026-12-05), which may lack
// them: the engine's own messages always come from the running city.
enum class CityFileOrigin { kRunning, kStoredSnapshot };

// The city settings. nullopt (with diagnostics) on mistakes.
std::optional<CitySpec> ParseCityFile(absl::string_view text, absl::string_view file_name,
                                      std::vector<Diagnostic>* diagnostics,
                                      CityFileOrigin origin = CityFileOrigin::kRunning);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_RULES_PACK_PARSER_H_
