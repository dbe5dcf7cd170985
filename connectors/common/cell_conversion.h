// Conversion of one cell of a back-office export (a CSV field, a JSON value of
// an NDJSON line or of an open-data record) to a typed API value, following
// the rule a mapping file gives for it.
//
//   CellRule rule;                      // from the mapping file
//   rule.column = "date_naissance";
//   rule.format = "DD/MM/YYYY";
//   ASSIGN_OR_RETURN(std::optional<v1::Value> value,
//                    ConvertCell(nlohmann::json("14/02/2023"), rule, date_type,
//                    "EUR"));
//
// Text is trimmed first. An empty cell (null, "" or only spaces) converts to
// nullopt: the caller decides what an empty cell means (CellRule::on_empty).
// Errors are INVALID_ARGUMENT saying what the text is and what was expected,
// without the column name (the caller prefixes it).
#ifndef PROACTIVE_CONNECTORS_COMMON_CELL_CONVERSION_H_
#define PROACTIVE_CONNECTORS_COMMON_CELL_CONVERSION_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/schema/attribute_schema.h"
#include "nlohmann/json.hpp"
#include "proactive/v1/value.pb.h"

namespace proactive {

// What an empty cell means for an attribute.
enum class EmptyCell {
  kSkip,    // leave the attribute out of the event (default)
  kRemove,  // list the attribute in `remove`: the source no longer holds it
  kReject,  // the row is rejected
};

// How a value is produced: from a column, or a constant.
struct CellRule {
  std::string column;                      // empty when `constant` is set
  std::optional<nlohmann::json> constant;  // `value:` in the mapping
  // `template:` text built from several columns, e.g.
  // "750{c_ar|pad2}:{l_voie|slug}:{n_voie}" (see ExpandTemplate).
  std::string template_text;
  // Dates and timestamps: "DD/MM/YYYY", "YYYY-MM-DD HH:mm", ... (tokens YYYY,
  // MM, DD, HH, mm, ss; other characters must match). Empty: ISO 8601 date,
  // RFC 3339 timestamp.
  std::string format;
  // Money and doubles written as text: ',' (French exports, "1 234,56") or
  // '.'; the other one and spaces are thousands separators.
  char decimal_mark = '.';
  // Recoding of the text before conversion ("O" -> "true"). When not empty,
  // a text not listed is an error.
  std::map<std::string, std::string> values;
  // Lists written as text: the element separator.
  std::string separator = ",";
  EmptyCell on_empty = EmptyCell::kSkip;
  int line = 0;  // where the rule is in the mapping file
};

// Converts `cell` to `type`. nullopt when the cell is empty.
absl::StatusOr<std::optional<v1::Value>> ConvertCell(const nlohmann::json& cell, const CellRule& rule,
                                                     const TypeSpec& type, absl::string_view currency);

// The text of a cell as it would be read for a string (numbers written in
// JSON form, strings trimmed, null as ""). Used for ids and keys.
std::string CellText(const nlohmann::json& cell);

// Parses a date written in `format` ("DD/MM/YYYY"; empty = "YYYY-MM-DD").
absl::StatusOr<absl::CivilDay> ParseDateWithFormat(absl::string_view text, absl::string_view format);

// Parses a time written in `format` in `zone` ("DD/MM/YYYY HH:mm"; empty =
// RFC 3339, or an ISO date meaning midnight in `zone`).
absl::StatusOr<absl::Time> ParseTimeWithFormat(absl::string_view text, absl::string_view format, absl::TimeZone zone);

// Parses an amount of money written as text: sign, digits with thousands
// separators (spaces, non-breaking spaces, and the mark that is not
// `decimal_mark`), at most two decimals, an optional "€" or currency code.
absl::StatusOr<int64_t> ParseCents(absl::string_view text, char decimal_mark);

// Expands "{column}" and "{column|modifier}" in `text` from `record`.
// Modifiers: slug (lower-case ASCII words joined by '-', accents of French
// letters dropped), lower, upper, pad2 (zero-padded to two digits). An empty
// column gives an empty result (the cell is then empty). INVALID_ARGUMENT for
// an unknown modifier or an unclosed brace.
absl::StatusOr<std::string> ExpandTemplate(absl::string_view text, const nlohmann::json& record);

// True when `format` has only known tokens; else sets `*error`.
bool CheckDateFormat(absl::string_view format, bool allow_time, std::string* error);

}  // namespace proactive

#endif  // PROACTIVE_CONNECTORS_COMMON_CELL_CONVERSION_H_
