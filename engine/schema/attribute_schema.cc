#include "engine/schema/attribute_schema.h"

#include <algorithm>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "engine/common/text_formats.h"
#include "engine/schema/yaml_file.h"

namespace proactive {
namespace {

constexpr absl::string_view kCategories[] = {"identity",        "contact",        "location",
                                             "family",          "education",      "financial",
                                             "social-benefits", "health-related", "administrative"};

bool IsIdentifier(absl::string_view name) {
  if (name.empty() || !absl::ascii_islower(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!(absl::ascii_islower(static_cast<unsigned char>(c)) || absl::ascii_isdigit(static_cast<unsigned char>(c)) ||
          c == '_')) {
      return false;
    }
  }
  return true;
}

// A system or topic name: lower-case words joined by '-' or '.'.
bool IsSystemName(absl::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!(absl::ascii_islower(static_cast<unsigned char>(c)) || absl::ascii_isdigit(static_cast<unsigned char>(c)) ||
          c == '-' || c == '.' || c == '_')) {
      return false;
    }
  }
  return true;
}

int EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<int> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    int diagonal = row[0];
    row[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      int above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

class SchemaParser {
 public:
  explicit SchemaParser(YamlFile* file) : file_(file) {}

  // Reads one field declaration (attribute or broadcast field) into `spec`.
  bool ReadField(const YAML::Node& key, const YAML::Node& body, absl::string_view what, bool is_attribute,
                 FieldSpec* spec) {
    spec->name = key.Scalar();
    spec->line = YamlFile::Line(key);
    if (!IsIdentifier(spec->name)) {
      file_->Error(key, absl::StrCat(what, " name \"", spec->name, "\" must be lower_snake_case (a-z, 0-9, _)"));
    }
    if (!body.IsMap()) {
      file_->Error(body.IsDefined() ? body : key,
                   absl::StrCat(what, " \"", spec->name, "\" must be a map with at least \"type\""));
      return false;
    }
    std::string context = absl::StrCat(what, " \"", spec->name, "\"");
    if (is_attribute) {
      file_->CheckKeys(body, context,
                       {"type", "sources", "category", "description", "min", "max", "allowed", "max_length"});
    } else {
      file_->CheckKeys(body, context, {"type", "description", "min", "max", "allowed", "max_length"});
    }
    if (!body["type"]) {
      file_->Error(key, absl::StrCat(context, " has no \"type\""));
    } else if (auto text = file_->String(body["type"], "type")) {
      std::optional<TypeSpec> type = ParseTypeSpec(*text);
      if (!type) {
        file_->Error(body["type"], absl::StrCat("unknown type \"", *text,
                                                "\"; expected bool, int, double, string, date, money, "
                                                "timestamp, duration or list<T>"));
      } else {
        spec->type = *type;
      }
    }
    if (body["description"]) {
      if (auto text = file_->String(body["description"], "description")) {
        spec->description = std::string(absl::StripAsciiWhitespace(*text));
      }
    }
    for (const char* bound : {"min", "max"}) {
      if (!body[bound]) continue;
      if (spec->type.kind != ValueKind::kInt) {
        file_->Error(body[bound], absl::StrCat("\"", bound, "\" applies to int only"));
        continue;
      }
      if (auto v = file_->Int(body[bound], bound)) {
        (absl::string_view(bound) == "min" ? spec->min : spec->max) = *v;
      }
    }
    if (body["allowed"]) {
      if (spec->type.kind != ValueKind::kString) {
        file_->Error(body["allowed"], "\"allowed\" applies to string only");
      } else if (auto values = file_->StringList(body["allowed"], "allowed")) {
        spec->allowed = *values;
      }
    }
    if (body["max_length"]) {
      if (auto v = file_->Int(body["max_length"], "max_length")) {
        if (*v < 1 || *v > 65536) {
          file_->Error(body["max_length"], "max_length must be in 1..65536");
        } else {
          spec->max_length = static_cast<size_t>(*v);
        }
      }
    }
    return true;
  }

  std::vector<std::string> ReadSources(const YAML::Node& body, const YAML::Node& key, absl::string_view context) {
    std::vector<std::string> sources;
    if (!body["sources"]) {
      file_->Error(key, absl::StrCat(context, " has no \"sources\" (the systems that own it)"));
      return sources;
    }
    if (auto list = file_->StringList(body["sources"], "sources")) {
      for (const std::string& s : *list) {
        if (!IsSystemName(s)) {
          file_->Error(body["sources"], absl::StrCat("source \"", s, "\" must be lower-case (a-z, 0-9, -, .)"));
        }
      }
      sources = *list;
      if (sources.empty()) file_->Error(body["sources"], "sources must not be empty");
    }
    return sources;
  }

 private:
  YamlFile* file_;
};

// The `reference_tables:` section: name -> {description, sources, key,
// columns, person_field}.
void ReadReferenceTables(YamlFile* file, SchemaParser* parser, const YAML::Node& tables,
                         absl::FunctionRef<const AttributeSpec*(absl::string_view)> find_attribute,
                         std::vector<ReferenceTableSpec>* out) {
  if (!tables) return;
  if (!tables.IsMap()) {
    file->Error(tables, "\"reference_tables\" must be a map from table name to its declaration");
    return;
  }
  for (const auto& entry : tables) {
    ReferenceTableSpec table;
    table.name = entry.first.Scalar();
    table.line = YamlFile::Line(entry.first);
    std::string context = absl::StrCat("reference table \"", table.name, "\"");
    if (!IsIdentifier(table.name)) {
      file->Error(entry.first, absl::StrCat(context, " must be lower_snake_case (a-z, 0-9, _)"));
    }
    const YAML::Node& body = entry.second;
    if (!body.IsMap()) {
      file->Error(entry.first, absl::StrCat(context, " must be a map with sources, key and columns"));
      continue;
    }
    file->CheckKeys(body, context, {"description", "sources", "key", "columns", "person_field"});
    table.sources = parser->ReadSources(body, entry.first, context);
    if (body["description"]) {
      if (auto d = file->String(body["description"], "description")) {
        table.description = std::string(absl::StripAsciiWhitespace(*d));
      }
    }
    if (!body["columns"] || !body["columns"].IsMap()) {
      file->Error(body["columns"] ? body["columns"] : entry.first,
                  absl::StrCat(context, " needs \"columns\": a map from column name to its type"));
    } else {
      for (const auto& column : body["columns"]) {
        FieldSpec spec;
        if (!parser->ReadField(column.first, column.second, "column", false, &spec)) continue;
        if (table.FindColumn(spec.name) != nullptr) {
          file->Error(column.first, absl::StrCat("column \"", spec.name, "\" is declared twice"));
          continue;
        }
        table.columns.push_back(std::move(spec));
      }
    }
    if (!body["key"]) {
      file->Error(entry.first, absl::StrCat(context, " has no \"key\" (the column rows are looked up by)"));
    } else if (auto key = file->String(body["key"], "key")) {
      table.key = *key;
      const FieldSpec* column = table.FindColumn(*key);
      if (column == nullptr && body["columns"] && body["columns"].IsMap()) {
        file->Error(body["key"], absl::StrCat("key \"", *key, "\" is not a column of ", context));
      } else if (column != nullptr && column->type.kind != ValueKind::kString) {
        file->Error(body["key"], absl::StrCat("key column \"", *key, "\" must be a string, not ", column->type.Name()));
      }
    }
    if (body["person_field"]) {
      if (auto field = file->String(body["person_field"], "person_field")) {
        table.person_field = *field;
        if (!IsIdentifier(*field)) {
          file->Error(body["person_field"], "person_field must be lower_snake_case (a-z, 0-9, _)");
        }
        const AttributeSpec* key_attribute = find_attribute(table.key);
        if (key_attribute == nullptr || key_attribute->type.kind != ValueKind::kString) {
          file->Error(body["person_field"],
                      absl::StrCat("person_field needs a string attribute named like the key column \"", table.key,
                                   "\": a person's row is the one whose key is that attribute"));
        }
        bool taken =
            find_attribute(*field) != nullptr || *field == "id" || *field == "guardians" || *field == "children";
        for (const ReferenceTableSpec& other : *out) taken |= other.person_field == *field;
        if (taken) {
          file->Error(body["person_field"], absl::StrCat("person_field \"", *field, "\" is already a field of person"));
        }
      }
    }
    bool duplicate = false;
    for (const ReferenceTableSpec& other : *out) duplicate |= other.name == table.name;
    if (duplicate) {
      file->Error(entry.first, absl::StrCat(context, " is declared twice"));
      continue;
    }
    out->push_back(std::move(table));
  }
}

}  // namespace

absl::string_view ValueKindName(ValueKind kind) {
  switch (kind) {
    case ValueKind::kBool:
      return "bool";
    case ValueKind::kInt:
      return "int";
    case ValueKind::kDouble:
      return "double";
    case ValueKind::kString:
      return "string";
    case ValueKind::kDate:
      return "date";
    case ValueKind::kMoney:
      return "money";
    case ValueKind::kTimestamp:
      return "timestamp";
    case ValueKind::kDuration:
      return "duration";
    case ValueKind::kList:
      return "list";
    case ValueKind::kPerson:
      return "person";
  }
  return "?";
}

std::string TypeSpec::Name() const {
  if (kind == ValueKind::kList) return absl::StrCat("list<", ValueKindName(element), ">");
  return std::string(ValueKindName(kind));
}

std::optional<TypeSpec> ParseTypeSpec(absl::string_view text) {
  static constexpr ValueKind kScalars[] = {ValueKind::kBool,      ValueKind::kInt,      ValueKind::kDouble,
                                           ValueKind::kString,    ValueKind::kDate,     ValueKind::kMoney,
                                           ValueKind::kTimestamp, ValueKind::kDuration, ValueKind::kPerson};
  text = absl::StripAsciiWhitespace(text);
  TypeSpec spec;
  if (absl::ConsumePrefix(&text, "list<") && absl::ConsumeSuffix(&text, ">")) {
    for (ValueKind k : kScalars) {
      if (ValueKindName(k) == absl::StripAsciiWhitespace(text)) {
        spec.kind = ValueKind::kList;
        spec.element = k;
        return spec;
      }
    }
    return std::nullopt;
  }
  for (ValueKind k : kScalars) {
    if (ValueKindName(k) == text) {
      spec.kind = k;
      return spec;
    }
  }
  return std::nullopt;
}

bool AttributeSpec::IsOwnedBy(absl::string_view source) const {
  return std::find(sources.begin(), sources.end(), source) != sources.end();
}

bool TopicSpec::IsOwnedBy(absl::string_view source) const {
  return std::find(sources.begin(), sources.end(), source) != sources.end();
}

bool ReferenceTableSpec::IsOwnedBy(absl::string_view source) const {
  return std::find(sources.begin(), sources.end(), source) != sources.end();
}

const FieldSpec* ReferenceTableSpec::FindColumn(absl::string_view column_name) const {
  for (const FieldSpec& c : columns) {
    if (c.name == column_name) return &c;
  }
  return nullptr;
}

const FieldSpec* TopicSpec::FindField(absl::string_view field_name) const {
  for (const FieldSpec& f : fields) {
    if (f.name == field_name) return &f;
  }
  return nullptr;
}

absl::StatusOr<AttributeSchema> AttributeSchema::Parse(absl::string_view yaml_text, absl::string_view file_name,
                                                       std::vector<Diagnostic>* diagnostics) {
  YamlFile file{std::string(yaml_text), std::string(file_name)};
  AttributeSchema schema;
  SchemaParser parser(&file);
  if (file.Parse()) {
    const YAML::Node& root = file.root();
    if (!root.IsMap()) {
      file.ErrorAt(1, 1, "the schema must be a map with \"version\", \"currency\", \"attributes\"");
    } else {
      file.CheckKeys(root, "the schema", {"version", "currency", "attributes", "broadcasts", "reference_tables"});
      if (!root["version"]) {
        file.ErrorAt(1, 1, "missing \"version: 1\"");
      } else if (auto v = file.Int(root["version"], "version"); v && *v != 1) {
        file.Error(root["version"],
                   absl::StrCat("schema version ", *v, " is not supported; this engine reads version 1"));
      }
      schema.currency_ = "EUR";
      if (root["currency"]) {
        if (auto c = file.String(root["currency"], "currency")) {
          if (!IsCurrencyCode(*c)) {
            file.Error(root["currency"], "currency must be an ISO 4217 code like EUR");
          }
          schema.currency_ = *c;
        }
      }
      const YAML::Node attributes = root["attributes"];
      if (!attributes || !attributes.IsMap()) {
        file.ErrorAt(attributes ? YamlFile::Line(attributes) : 1, 1,
                     "\"attributes\" must be a map from attribute name to its declaration");
      } else {
        for (const auto& entry : attributes) {
          AttributeSpec spec;
          if (!parser.ReadField(entry.first, entry.second, "attribute", true, &spec)) continue;
          std::string context = absl::StrCat("attribute \"", spec.name, "\"");
          spec.sources = parser.ReadSources(entry.second, entry.first, context);
          if (!entry.second["category"]) {
            file.Error(entry.first,
                       absl::StrCat(context, " has no \"category\" (", absl::StrJoin(kCategories, ", "), ")"));
          } else if (auto c = file.String(entry.second["category"], "category")) {
            if (std::find(std::begin(kCategories), std::end(kCategories), *c) == std::end(kCategories)) {
              file.Error(
                  entry.second["category"],
                  absl::StrCat("unknown category \"", *c, "\"; expected one of: ", absl::StrJoin(kCategories, ", ")));
            }
            spec.category = *c;
          }
          if (schema.attribute_index_.count(spec.name) > 0) {
            file.Error(entry.first, absl::StrCat("attribute \"", spec.name, "\" is declared twice"));
            continue;
          }
          schema.attribute_index_.emplace(spec.name, schema.attributes_.size());
          schema.attributes_.push_back(std::move(spec));
        }
      }
      const YAML::Node broadcasts = root["broadcasts"];
      if (broadcasts && !broadcasts.IsMap()) {
        file.Error(broadcasts, "\"broadcasts\" must be a map from topic to its declaration");
      } else if (broadcasts) {
        for (const auto& entry : broadcasts) {
          TopicSpec topic;
          topic.name = entry.first.Scalar();
          topic.line = YamlFile::Line(entry.first);
          std::string context = absl::StrCat("topic \"", topic.name, "\"");
          if (!IsSystemName(topic.name)) {
            file.Error(entry.first, absl::StrCat(context, " must be lower-case words joined by '.'"));
          }
          const YAML::Node& body = entry.second;
          if (!body.IsMap()) {
            file.Error(entry.first, absl::StrCat(context, " must be a map with sources and fields"));
            continue;
          }
          file.CheckKeys(body, context, {"sources", "description", "fields"});
          topic.sources = parser.ReadSources(body, entry.first, context);
          if (body["description"]) {
            if (auto d = file.String(body["description"], "description")) topic.description = *d;
          }
          if (body["fields"] && !body["fields"].IsMap()) {
            file.Error(body["fields"], "\"fields\" must be a map from field name to its type");
          } else if (body["fields"]) {
            for (const auto& field : body["fields"]) {
              FieldSpec spec;
              if (parser.ReadField(field.first, field.second, "field", false, &spec)) {
                if (topic.FindField(spec.name) != nullptr) {
                  file.Error(field.first, absl::StrCat("field \"", spec.name, "\" is declared twice"));
                } else {
                  topic.fields.push_back(std::move(spec));
                }
              }
            }
          }
          if (schema.topic_index_.count(topic.name) > 0) {
            file.Error(entry.first, absl::StrCat(context, " is declared twice"));
            continue;
          }
          schema.topic_index_.emplace(topic.name, schema.topics_.size());
          schema.topics_.push_back(std::move(topic));
        }
      }
      ReadReferenceTables(
          &file, &parser, root["reference_tables"],
          [&schema](absl::string_view name) { return schema.FindAttribute(name); }, &schema.reference_tables_);
    }
  }
  if (file.has_errors()) {
    size_t count = file.diagnostics().size();
    for (Diagnostic& d : file.TakeDiagnostics()) diagnostics->push_back(std::move(d));
    return absl::InvalidArgumentError(absl::StrCat(file_name, " has ", count, count == 1 ? " mistake" : " mistakes"));
  }
  return schema;
}

absl::StatusOr<AttributeSchema> AttributeSchema::LoadFile(const std::string& path,
                                                          std::vector<Diagnostic>* diagnostics) {
  absl::StatusOr<std::string> text = ReadTextFile(path);
  if (!text.ok()) return text.status();
  return Parse(*text, path, diagnostics);
}

const AttributeSpec* AttributeSchema::FindAttribute(absl::string_view name) const {
  auto it = attribute_index_.find(name);
  return it == attribute_index_.end() ? nullptr : &attributes_[it->second];
}

const TopicSpec* AttributeSchema::FindTopic(absl::string_view name) const {
  auto it = topic_index_.find(name);
  return it == topic_index_.end() ? nullptr : &topics_[it->second];
}

const ReferenceTableSpec* AttributeSchema::FindReferenceTable(absl::string_view name) const {
  for (const ReferenceTableSpec& t : reference_tables_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::string AttributeSchema::SuggestAttribute(absl::string_view name) const {
  std::vector<std::string> names;
  names.reserve(attributes_.size());
  for (const AttributeSpec& a : attributes_) names.push_back(a.name);
  return ClosestName(name, names);
}

std::string ClosestName(absl::string_view word, const std::vector<std::string>& candidates, int max_distance) {
  std::string best;
  int best_distance = max_distance + 1;
  for (const std::string& c : candidates) {
    int d = EditDistance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

}  // namespace proactive
