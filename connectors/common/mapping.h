// The mapping file: how the records of one export (CSV, NDJSON, or an
// open-data dataset) become person events, or rows of a reference table.
// Shared by proactive-import and proactive-opendata. See docs/connectors.md.
//
//   version: 1
//   source: caf                       # the system the events come from
//   dataset: caf-allocataires         # part of every event id
//   input: {format: csv, delimiter: ";"}
//   person_id: {column: id_pseudo}
//   occurred_at: {column: date_maj, format: DD/MM/YYYY}
//   row_key: [id_pseudo]
//   attributes:
//     yearly_income: {column: ressources, decimal: ","}
//     receives_rsa: {column: rsa}     # oui/non
//
//   std::vector<Diagnostic> diagnostics;
//   absl::StatusOr<Mapping> mapping = LoadMapping("caf.yaml", schema,
//   &diagnostics);
//
// Loading checks the file against the attribute schema: every attribute or
// column declared, owned by the source, and every option meaningful for its
// type; each mistake is a diagnostic with file:line:col.
#ifndef PROACTIVE_CONNECTORS_COMMON_MAPPING_H_
#define PROACTIVE_CONNECTORS_COMMON_MAPPING_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "connectors/common/cell_conversion.h"
#include "engine/common/diagnostic.h"
#include "engine/schema/attribute_schema.h"
#include "proactive/v1/events.pb.h"

namespace proactive {

// One target value (attribute or reference column) and how to compute it.
struct TargetRule {
  std::string name;                 // attribute or column name
  TypeSpec type;                    // from the schema
  const FieldSpec* spec = nullptr;  // into the schema the mapping was loaded with
  CellRule cell;
};

struct LinkRule {
  v1::Relation relation = v1::RELATION_GUARDIAN;
  std::string column;  // the other person's id
};

enum class InputFormat { kCsv, kNdjson };

struct Mapping {
  std::string file;     // where it was loaded from
  std::string source;   // owner system name, e.g. "caf"
  std::string dataset;  // key in event ids; "" = the caller's default (file name)
  InputFormat format = InputFormat::kCsv;
  char delimiter = ',';
  absl::TimeZone zone;  // for dates and times without offset; default Europe/Paris

  // Person events (when reference_table is empty).
  CellRule person_id;
  CellRule household_id;             // column empty: none
  CellRule occurred_at;              // format: see ParseTimeWithFormat
  std::vector<std::string> row_key;  // columns; default: the person id column
  std::vector<TargetRule> attributes;
  std::vector<LinkRule> links;

  // Reference rows (when reference_table is set): `columns` holds the key
  // column too.
  std::string reference_table;
  std::string key_column;  // the table's key column name
  std::vector<TargetRule> columns;

  bool is_reference() const { return !reference_table.empty(); }
};

// Parses a mapping. INVALID_ARGUMENT (with diagnostics appended) on any
// mistake. REQUIRES: `schema` outlives the mapping (rules point into it).
absl::StatusOr<Mapping> ParseMapping(absl::string_view text, absl::string_view file_name, const AttributeSchema& schema,
                                     std::vector<Diagnostic>* diagnostics);

// Reads and parses a file; NOT_FOUND when it cannot be read.
absl::StatusOr<Mapping> LoadMapping(const std::string& path, const AttributeSchema& schema,
                                    std::vector<Diagnostic>* diagnostics);

}  // namespace proactive

#endif  // PROACTIVE_CONNECTORS_COMMON_MAPPING_H_
