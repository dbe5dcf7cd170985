// The attribute schema (rules/schema.yaml): every attribute a rule may read,
// its type, the source systems allowed to set it, and its personal-data
// category; and every broadcast topic with its typed fields.
//
//   std::vector<Diagnostic> diagnostics;
//   absl::StatusOr<AttributeSchema> schema =
//       AttributeSchema::LoadFile("rules/schema.yaml", &diagnostics);
//   const AttributeSpec* spec = schema->FindAttribute("birth_date");
//
// An AttributeSchema is immutable once loaded and safe to share between
// threads.
#ifndef PROACTIVE_ENGINE_SCHEMA_ATTRIBUTE_SCHEMA_H_
#define PROACTIVE_ENGINE_SCHEMA_ATTRIBUTE_SCHEMA_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/common/diagnostic.h"

namespace proactive {

enum class ValueKind {
  kBool,
  kInt,
  kDouble,
  kString,
  kDate,
  kMoney,
  kTimestamp,
  kDuration,
  kList,
  kPerson,
};

// "bool", "int", ..., "list".
absl::string_view ValueKindName(ValueKind kind);

// A declared type: a kind, and the element kind for lists.
struct TypeSpec {
  ValueKind kind = ValueKind::kString;
  ValueKind element = ValueKind::kString;  // meaningful for kList only

  // "date", "list<string>".
  std::string Name() const;
  friend bool operator==(const TypeSpec& a, const TypeSpec& b) {
    return a.kind == b.kind && (a.kind != ValueKind::kList || a.element == b.element);
  }
};

// Parses "date", "list<string>", ... ; nullopt when unknown.
std::optional<TypeSpec> ParseTypeSpec(absl::string_view text);

// A typed field with optional constraints. Attributes and broadcast fields
// share this shape.
struct FieldSpec {
  std::string name;
  TypeSpec type;
  std::optional<int64_t> min;        // ints only
  std::optional<int64_t> max;        // ints only
  std::vector<std::string> allowed;  // strings only; empty = any
  size_t max_length = 1024;          // strings only, in bytes
  std::string description;
  int line = 0;  // where it is declared, for diagnostics
};

struct AttributeSpec : FieldSpec {
  std::vector<std::string> sources;  // systems allowed to set it
  std::string category;              // personal-data category

  bool IsOwnedBy(absl::string_view source) const;
  // Contact data that reaches someone (a phone number): category "contact"
  // with any value, not one of a few `allowed` ones (a preferred language).
  // Masked in the API, never read by a rule.
  bool ReachesSomeone() const { return category == "contact" && allowed.empty(); }
};

struct TopicSpec {
  std::string name;
  std::vector<std::string> sources;
  std::string description;
  std::vector<FieldSpec> fields;
  int line = 0;

  bool IsOwnedBy(absl::string_view source) const;
  const FieldSpec* FindField(absl::string_view name) const;  // null when unknown
};

// A table of data that is not about persons (the sector school of each
// address), replaced as a whole by its source systems (see
// proto/proactive/v1/reference.proto). With `person_field`, rules read the
// row whose key is the person's attribute named like the key column:
// person.school_sector.school_name, absent when there is no such row.
struct ReferenceTableSpec {
  std::string name;
  std::string description;
  std::vector<std::string> sources;  // systems allowed to replace it
  std::string key;                   // the key column, a string column of `columns`
  std::vector<FieldSpec> columns;    // in declaration order, key included
  std::string person_field;          // "" when rules do not read it
  int line = 0;

  bool IsOwnedBy(absl::string_view source) const;
  const FieldSpec* FindColumn(absl::string_view name) const;  // null when unknown
};

class AttributeSchema {
 public:
  // Parses schema YAML. On any mistake, appends one diagnostic per mistake
  // (all of them, with file:line:col) and returns INVALID_ARGUMENT.
  static absl::StatusOr<AttributeSchema> Parse(absl::string_view yaml_text, absl::string_view file_name,
                                               std::vector<Diagnostic>* diagnostics);
  // Reads and parses a file. NOT_FOUND when the file cannot be read.
  static absl::StatusOr<AttributeSchema> LoadFile(const std::string& path, std::vector<Diagnostic>* diagnostics);

  // The attribute, or null when the schema does not declare it.
  const AttributeSpec* FindAttribute(absl::string_view name) const;
  // The topic, or null when undeclared.
  const TopicSpec* FindTopic(absl::string_view name) const;
  // The reference table, or null when undeclared.
  const ReferenceTableSpec* FindReferenceTable(absl::string_view name) const;

  // Attributes in declaration order.
  const std::vector<AttributeSpec>& attributes() const { return attributes_; }
  const std::vector<TopicSpec>& topics() const { return topics_; }
  const std::vector<ReferenceTableSpec>& reference_tables() const { return reference_tables_; }
  // The currency every money attribute is in (e.g. "EUR").
  const std::string& currency() const { return currency_; }

  // The declared attribute closest to `name` (edit distance <= 2), or "".
  std::string SuggestAttribute(absl::string_view name) const;

 private:
  std::vector<AttributeSpec> attributes_;
  std::map<std::string, size_t, std::less<>> attribute_index_;
  std::vector<TopicSpec> topics_;
  std::map<std::string, size_t, std::less<>> topic_index_;
  std::vector<ReferenceTableSpec> reference_tables_;
  std::string currency_;
};

// The closest of `candidates` to `word` by edit distance, when within
// `max_distance`; "" otherwise. For "did you mean" hints.
std::string ClosestName(absl::string_view word, const std::vector<std::string>& candidates, int max_distance = 2);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_SCHEMA_ATTRIBUTE_SCHEMA_H_
