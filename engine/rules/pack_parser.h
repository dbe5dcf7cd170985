// Parsing rule pack files (rules/<city>/*.yaml) into specs (the city
// settings: city_file.h), reporting every mistake of a file in one pass
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

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_RULES_PACK_PARSER_H_
