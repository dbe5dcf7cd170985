#include "connectors/common/mapping.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/schema/yaml_file.h"

namespace proactive {
namespace {

bool IsDateLike(const TypeSpec& type) {
  ValueKind k = type.kind == ValueKind::kList ? type.element : type.kind;
  return k == ValueKind::kDate || k == ValueKind::kTimestamp;
}

bool IsDecimal(const TypeSpec& type) {
  ValueKind k = type.kind == ValueKind::kList ? type.element : type.kind;
  return k == ValueKind::kMoney || k == ValueKind::kDouble;
}

class MappingParser {
 public:
  MappingParser(YamlFile* file, const AttributeSchema& schema, Mapping* mapping)
      : file_(file), schema_(schema), mapping_(mapping) {}

  void Parse() {
    const YAML::Node& root = file_->root();
    if (!root.IsMap()) {
      file_->ErrorAt(1, 1, "a mapping file must be a map with \"source\" and \"attributes\"");
      return;
    }
    file_->CheckKeys(root, "the mapping",
                     {"version", "source", "dataset", "input", "timezone", "person_id", "household_id", "occurred_at",
                      "row_key", "attributes", "links", "reference_table", "columns"});
    if (root["version"]) {
      if (auto v = file_->Int(root["version"], "version"); v && *v != 1) {
        file_->Error(root["version"], "mapping version must be 1");
      }
    }
    if (!root["source"]) {
      file_->ErrorAt(1, 1, "missing \"source\": the system the records come from (e.g. caf)");
    } else if (auto s = file_->String(root["source"], "source")) {
      mapping_->source = *s;
    }
    if (root["dataset"]) {
      if (auto d = file_->String(root["dataset"], "dataset")) mapping_->dataset = *d;
    }
    ReadInput(root["input"]);
    std::string zone_name = "Europe/Paris";
    if (root["timezone"]) {
      if (auto z = file_->String(root["timezone"], "timezone")) zone_name = *z;
    }
    if (!absl::LoadTimeZone(zone_name, &mapping_->zone)) {
      file_->Error(root["timezone"] ? root["timezone"] : root,
                   absl::StrCat("unknown time zone \"", zone_name, "\" (e.g. Europe/Paris, UTC)"));
    }
    if (root["reference_table"]) {
      ParseReference(root);
    } else {
      ParseEvents(root);
    }
  }

 private:
  void ReadInput(const YAML::Node& input) {
    if (!input) return;
    if (!input.IsMap()) {
      file_->Error(input, "\"input\" must be a map like {format: csv, delimiter: \";\"}");
      return;
    }
    file_->CheckKeys(input, "input", {"format", "delimiter"});
    if (input["format"]) {
      if (auto f = file_->String(input["format"], "format")) {
        if (*f == "csv") {
          mapping_->format = InputFormat::kCsv;
        } else if (*f == "ndjson") {
          mapping_->format = InputFormat::kNdjson;
        } else {
          file_->Error(input["format"], absl::StrCat("unknown format \"", *f, "\"; expected csv or ndjson"));
        }
      }
    }
    if (input["delimiter"]) {
      if (auto d = file_->String(input["delimiter"], "delimiter")) {
        if (*d == "\\t" || *d == "tab") {
          mapping_->delimiter = '\t';
        } else if (d->size() != 1 || *d == "\"") {
          file_->Error(input["delimiter"], "delimiter must be one character like \",\" or \";\"");
        } else {
          mapping_->delimiter = (*d)[0];
        }
      }
    }
  }

  // A rule: "column_name" or {column|value, format, decimal, values, separator,
  // empty}.
  bool ReadCell(const YAML::Node& node, absl::string_view what, const TypeSpec& type, bool allow_options,
                CellRule* rule) {
    rule->line = YamlFile::Line(node);
    if (node.IsScalar()) {
      rule->column = node.Scalar();
      return true;
    }
    if (!node.IsMap()) {
      file_->Error(node, absl::StrCat(what, " must be a column name or a map like {column: NAME}"));
      return false;
    }
    std::string context(what);
    file_->CheckKeys(node, context,
                     {"column", "value", "template", "format", "decimal", "values", "separator", "empty"});
    if ((node["column"] ? 1 : 0) + (node["value"] ? 1 : 0) + (node["template"] ? 1 : 0) > 1) {
      file_->Error(node, absl::StrCat(what,
                                      " has more than one of \"column\", \"value\", "
                                      "\"template\"; keep one"));
      return false;
    }
    if (node["template"]) {
      if (auto t = file_->String(node["template"], "template")) {
        absl::StatusOr<std::string> checked = ExpandTemplate(*t, nlohmann::json::object());
        if (!checked.ok()) file_->Error(node["template"], checked.status().message());
        rule->template_text = *t;
      }
    } else if (node["column"]) {
      if (auto c = file_->String(node["column"], "column")) rule->column = *c;
    } else if (node["value"]) {
      if (!node["value"].IsScalar()) {
        file_->Error(node["value"], "\"value\" must be a constant");
        return false;
      }
      rule->constant = nlohmann::json(node["value"].Scalar());
    } else {
      file_->Error(node, absl::StrCat(what,
                                      " needs \"column\" (or a constant \"value\", or a "
                                      "\"template\")"));
      return false;
    }
    if (node["format"]) {
      if (auto f = file_->String(node["format"], "format")) {
        std::string error;
        if (!IsDateLike(type)) {
          file_->Error(node["format"], absl::StrCat("\"format\" applies to dates and timestamps, not ", type.Name()));
        } else if (!CheckDateFormat(*f, type.kind == ValueKind::kTimestamp, &error)) {
          file_->Error(node["format"], error);
        } else {
          rule->format = *f;
        }
      }
    }
    if (node["decimal"]) {
      if (auto d = file_->String(node["decimal"], "decimal")) {
        if (!IsDecimal(type)) {
          file_->Error(node["decimal"], absl::StrCat("\"decimal\" applies to money and double, not ", type.Name()));
        } else if (*d != "," && *d != ".") {
          file_->Error(node["decimal"], "decimal must be \",\" or \".\"");
        } else {
          rule->decimal_mark = (*d)[0];
        }
      }
    }
    if (node["values"]) {
      if (!node["values"].IsMap()) {
        file_->Error(node["values"],
                     "\"values\" must be a map from the text in the export to "
                     "the value");
      } else {
        for (const auto& entry : node["values"]) {
          rule->values[entry.first.Scalar()] = entry.second.IsScalar() ? entry.second.Scalar() : "";
        }
      }
    }
    if (node["separator"]) {
      if (auto s = file_->String(node["separator"], "separator")) rule->separator = *s;
    }
    if (node["empty"]) {
      if (auto e = file_->String(node["empty"], "empty")) {
        if (!allow_options) {
          file_->Error(node["empty"], absl::StrCat("\"empty\" does not apply to ", what));
        } else if (*e == "skip") {
          rule->on_empty = EmptyCell::kSkip;
        } else if (*e == "remove") {
          rule->on_empty = EmptyCell::kRemove;
        } else if (*e == "reject") {
          rule->on_empty = EmptyCell::kReject;
        } else {
          file_->Error(node["empty"], "empty must be skip, remove or reject");
        }
      }
    }
    if (rule->constant) {
      absl::StatusOr<std::optional<v1::Value>> converted =
          ConvertCell(*rule->constant, *rule, type, schema_.currency());
      if (!converted.ok()) {
        file_->Error(node["value"], absl::StrCat("value: ", converted.status().message()));
      }
    }
    return true;
  }

  void ReadTargets(const YAML::Node& node, absl::string_view section,
                   const std::function<const FieldSpec*(const YAML::Node&, const std::string&)>& find,
                   std::vector<TargetRule>* out) {
    if (!node || !node.IsMap()) {
      file_->Error(node ? node : file_->root(),
                   absl::StrCat("\"", section, "\" must be a map from name to {column: ...}"));
      return;
    }
    for (const auto& entry : node) {
      TargetRule target;
      target.name = entry.first.Scalar();
      target.spec = find(entry.first, target.name);
      if (target.spec == nullptr) continue;
      target.type = target.spec->type;
      for (const TargetRule& other : *out) {
        if (other.name == target.name) {
          file_->Error(entry.first, absl::StrCat("\"", target.name, "\" is mapped twice"));
        }
      }
      if (ReadCell(entry.second, absl::StrCat("\"", target.name, "\""), target.type, true, &target.cell)) {
        out->push_back(std::move(target));
      }
    }
  }

  void ParseEvents(const YAML::Node& root) {
    const TypeSpec text{ValueKind::kString};
    const TypeSpec time{ValueKind::kTimestamp};
    if (!root["person_id"]) {
      file_->ErrorAt(1, 1,
                     "missing \"person_id\": the column holding the "
                     "pseudonymous person id");
    } else {
      ReadCell(root["person_id"], "person_id", text, false, &mapping_->person_id);
    }
    if (root["household_id"]) {
      ReadCell(root["household_id"], "household_id", text, false, &mapping_->household_id);
    }
    if (!root["occurred_at"]) {
      file_->ErrorAt(1, 1, "missing \"occurred_at\": the column with the date of the fact");
    } else {
      ReadCell(root["occurred_at"], "occurred_at", time, false, &mapping_->occurred_at);
    }
    if (root["row_key"]) {
      if (auto keys = file_->StringList(root["row_key"], "row_key")) mapping_->row_key = *keys;
    }
    if (mapping_->row_key.empty() && !mapping_->person_id.column.empty()) {
      mapping_->row_key.push_back(mapping_->person_id.column);
    }
    const std::string& source = mapping_->source;
    ReadTargets(
        root["attributes"], "attributes",
        [&](const YAML::Node& key, const std::string& name) -> const FieldSpec* {
          const AttributeSpec* spec = schema_.FindAttribute(name);
          if (spec == nullptr) {
            std::string hint = schema_.SuggestAttribute(name);
            file_->Error(key, absl::StrCat("unknown attribute \"", name, "\"",
                                           hint.empty() ? "" : absl::StrCat(" (did you mean \"", hint, "\"?)"),
                                           "; attributes are declared in rules/schema.yaml"));
            return nullptr;
          }
          if (!source.empty() && !spec->IsOwnedBy(source)) {
            file_->Error(key, absl::StrCat("source \"", source, "\" may not set \"", name,
                                           "\"; it is owned by: ", absl::StrJoin(spec->sources, ", ")));
          }
          return spec;
        },
        &mapping_->attributes);
    if (const YAML::Node& links = root["links"]; links) {
      if (!links.IsSequence()) {
        file_->Error(links, "\"links\" must be a list of {relation: guardian, column: NAME}");
        return;
      }
      for (const YAML::Node& link : links) {
        if (!link.IsMap()) {
          file_->Error(link, "a link must be {relation: guardian|child, column: NAME}");
          continue;
        }
        file_->CheckKeys(link, "link", {"relation", "column"});
        LinkRule rule;
        if (auto r = file_->String(link["relation"], "relation")) {
          if (*r == "guardian") {
            rule.relation = v1::RELATION_GUARDIAN;
          } else if (*r == "child") {
            rule.relation = v1::RELATION_CHILD;
          } else {
            file_->Error(link["relation"], "relation must be guardian or child");
          }
        }
        if (auto c = file_->String(link["column"], "column")) rule.column = *c;
        mapping_->links.push_back(rule);
      }
    }
  }

  void ParseReference(const YAML::Node& root) {
    auto name = file_->String(root["reference_table"], "reference_table");
    if (!name) return;
    const ReferenceTableSpec* table = schema_.FindReferenceTable(*name);
    if (table == nullptr) {
      file_->Error(root["reference_table"], absl::StrCat("unknown reference table \"", *name,
                                                         "\"; tables are declared in rules/schema.yaml "
                                                         "under reference_tables"));
      return;
    }
    mapping_->reference_table = table->name;
    mapping_->key_column = table->key;
    if (!mapping_->source.empty() && !table->IsOwnedBy(mapping_->source)) {
      file_->Error(root["source"], absl::StrCat("source \"", mapping_->source, "\" may not replace reference table \"",
                                                *name, "\"; its sources: ", absl::StrJoin(table->sources, ", ")));
    }
    for (const char* key : {"person_id", "household_id", "occurred_at", "attributes", "links"}) {
      if (root[key]) {
        file_->Error(root[key], absl::StrCat("\"", key, "\" does not apply to a reference table"));
      }
    }
    ReadTargets(
        root["columns"], "columns",
        [&](const YAML::Node& key, const std::string& column) -> const FieldSpec* {
          const FieldSpec* spec = table->FindColumn(column);
          if (spec == nullptr) {
            std::vector<std::string> names;
            for (const FieldSpec& c : table->columns) names.push_back(c.name);
            file_->Error(key, absl::StrCat("unknown column \"", column, "\" of reference table \"", table->name,
                                           "\"; its columns: ", absl::StrJoin(names, ", ")));
          }
          return spec;
        },
        &mapping_->columns);
    bool has_key = false;
    for (const TargetRule& c : mapping_->columns) has_key |= c.name == table->key;
    if (!has_key && root["columns"]) {
      file_->Error(root["columns"], absl::StrCat("the key column \"", table->key, "\" of reference table \"",
                                                 table->name, "\" must be mapped"));
    }
  }

  YamlFile* file_;
  const AttributeSchema& schema_;
  Mapping* mapping_;
};

}  // namespace

absl::StatusOr<Mapping> ParseMapping(absl::string_view text, absl::string_view file_name, const AttributeSchema& schema,
                                     std::vector<Diagnostic>* diagnostics) {
  YamlFile file{std::string(text), std::string(file_name)};
  Mapping mapping;
  mapping.file = std::string(file_name);
  if (file.Parse()) {
    MappingParser parser(&file, schema, &mapping);
    parser.Parse();
  }
  if (file.has_errors()) {
    size_t count = file.diagnostics().size();
    for (Diagnostic& d : file.TakeDiagnostics()) diagnostics->push_back(std::move(d));
    return absl::InvalidArgumentError(absl::StrCat(file_name, " has ", count, count == 1 ? " mistake" : " mistakes"));
  }
  return mapping;
}

absl::StatusOr<Mapping> LoadMapping(const std::string& path, const AttributeSchema& schema,
                                    std::vector<Diagnostic>* diagnostics) {
  absl::StatusOr<std::string> text = ReadTextFile(path);
  if (!text.ok()) return text.status();
  return ParseMapping(*text, path, schema, diagnostics);
}

}  // namespace proactive
