#include "engine/rules/rule_set.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "engine/common/sha256.h"
#include "engine/common/utf8.h"
#include "engine/eval/compiler.h"
#include "engine/lang/checker.h"
#include "engine/rules/citizen_text.h"
#include "engine/rules/pack_parser.h"
#include "engine/rules/sweep_filter.h"
#include "engine/rules/typed_text.h"
#include "engine/schema/yaml_file.h"

namespace proactive {

const std::pair<absl::CivilDay, eval::Value>* CompiledParameter::InForce(absl::CivilDay day) const {
  const std::pair<absl::CivilDay, eval::Value>* found = nullptr;
  for (const auto& value : values) {
    if (value.first <= day) found = &value;
  }
  return found;
}

bool RelatedReads::AffectedBy(const std::vector<std::string>& changed) const {
  if (whole) return true;
  for (const std::string& name : changed) {
    if (attributes.count(name) > 0) return true;
  }
  return false;
}

bool CompiledRule::EffectiveOn(absl::CivilDay day) const {
  if (spec.effective_from && day < *spec.effective_from) return false;
  if (spec.effective_until && day > *spec.effective_until) return false;
  return true;
}

const CompiledRule* RuleSet::FindRule(absl::string_view id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

std::vector<const CompiledRule*> RuleSet::BroadcastRules(absl::string_view topic) const {
  std::vector<const CompiledRule*> rules;
  auto range = broadcast_rules_.equal_range(topic);
  for (auto it = range.first; it != range.second; ++it) rules.push_back(it->second);
  return rules;
}

namespace {

// Which of `reads` a decision records among its inputs, and how: the
// persons of a list, an attribute of the subject, of each linked person or
// each household member, a field of the broadcast. Other paths (today, a
// parameter, household.id) are not inputs.
// An input read is presence_only when no expression of the rule reads its
// value: neither by its path (`valued_reads`) nor through an ancestor read
// whole by another expression (`whole_reads`: person.guardians[0].phone).
std::vector<InputRead> ClassifyInputReads(const std::set<std::string>& reads, const std::set<std::string>& valued_reads,
                                          const std::set<std::string>& whole_reads, const RuleEnvironment& env) {
  std::vector<InputRead> classified;
  for (const std::string& path : reads) {
    std::vector<std::string> parts = absl::StrSplit(path, '.');
    const bool link_list =
        parts[0] == "person" && parts.size() >= 2 && (parts[1] == "guardians" || parts[1] == "children");
    const bool members = parts[0] == "household" && parts.size() >= 2 && parts[1] == "members";
    InputRead read;
    read.path = path;
    read.guardians = link_list && parts[1] == "guardians";
    if ((link_list || members) && parts.size() == 2) {
      read.kind = link_list ? InputRead::kLinkList : InputRead::kMembers;
      read.indexed_prefix = absl::StrCat(path, "[");
      read.indexed_suffix = "]";
    } else if (const JoinedTable* joined = parts[0] == "person" && parts.size() >= 2 && parts.size() <= 3
                                               ? env.person_fields().FindJoined(parts[1])
                                               : nullptr;
               joined != nullptr) {
      read.kind = parts.size() == 2 ? InputRead::kTableRow : InputRead::kTableColumn;
      read.joined = joined;
      if (parts.size() == 3) read.name = parts[2];
    } else if (parts[0] == "person" && parts.size() == 2 && parts[1] != "id" &&
               env.person_type().FindField(parts[1]) != nullptr) {
      read.kind = InputRead::kAttribute;
      read.name = parts[1];
    } else if (const JoinedTable* related_joined = (link_list || members) && (parts.size() == 3 || parts.size() == 4)
                                                       ? env.person_fields().FindJoined(parts[2])
                                                       : nullptr;
               related_joined != nullptr) {
      // A related person's row (person.guardians.school_sector.school_name).
      read.kind = link_list ? InputRead::kLinkTable : InputRead::kMemberTable;
      read.joined = related_joined;
      if (parts.size() == 4) read.name = parts[3];
      read.indexed_prefix = absl::StrCat(parts[0], ".", parts[1], "[");
      read.indexed_suffix = absl::StrCat("].", absl::StrJoin(parts.begin() + 2, parts.end(), "."));
    } else if ((link_list || members) && parts.size() == 3) {
      read.kind = link_list ? InputRead::kLinkAttribute : InputRead::kMemberAttribute;
      read.name = parts[2];
      read.indexed_prefix = absl::StrCat(parts[0], ".", parts[1], "[");
      read.indexed_suffix = absl::StrCat("].", parts[2]);
    } else if (parts[0] == "broadcast" && parts.size() == 2) {
      read.kind = InputRead::kBroadcastField;
      read.name = parts[1];
    } else {
      continue;
    }
    read.presence_only = valued_reads.count(path) == 0 && !lang::HasWholeReadAncestor(path, whole_reads);
    classified.push_back(std::move(read));
  }
  return classified;
}

}  // namespace

class RuleSetBuilder {
 public:
  RuleSetBuilder(std::vector<Diagnostic>* diagnostics, CityFileOrigin origin)
      : diagnostics_(diagnostics), origin_(origin) {}

  absl::StatusOr<std::shared_ptr<const RuleSet>> Build(const std::vector<RuleFile>& files) {
    const RuleFile* schema_file = nullptr;
    const RuleFile* city_file = nullptr;
    std::vector<const RuleFile*> pack_files;
    for (const RuleFile& file : files) {
      std::string name = std::filesystem::path(file.path).filename().string();
      if (absl::EndsWith(name, ".tests.yaml")) continue;
      const RuleFile** slot = name == "schema.yaml" ? &schema_file : name == "city.yaml" ? &city_file : nullptr;
      if (slot == nullptr) {
        pack_files.push_back(&file);
      } else if (*slot != nullptr) {
        Error(file.path, 0, 0, absl::StrCat("a second ", name, " (the first is ", (*slot)->path, ")"));
      } else {
        *slot = &file;
      }
    }
    if (schema_file == nullptr) Error("", 0, 0, "the rules directory has no schema.yaml");
    if (city_file == nullptr) Error("", 0, 0, "the rules directory has no city.yaml");
    if (schema_file == nullptr || city_file == nullptr) return Failed();

    set_ = std::shared_ptr<RuleSet>(new RuleSet());
    std::vector<Diagnostic> schema_diagnostics;
    absl::StatusOr<AttributeSchema> schema =
        AttributeSchema::Parse(schema_file->text, schema_file->path, &schema_diagnostics);
    Append(std::move(schema_diagnostics));
    std::optional<CitySpec> city = ParseCityFile(city_file->text, city_file->path, diagnostics_, origin_);
    if (!schema.ok() || !city) return Failed();
    set_->schema_ = std::make_shared<const AttributeSchema>(*std::move(schema));
    set_->city_ = *city;
    if (!city->district_attribute.empty()) {
      const AttributeSpec* district = set_->schema_->FindAttribute(city->district_attribute);
      if (district == nullptr ||
          (district->type.kind != ValueKind::kInt && district->type.kind != ValueKind::kString)) {
        Error(city_file->path, city->district_attribute_line, 1,
              absl::StrCat("district_attribute: \"", city->district_attribute, "\" is ",
                           district == nullptr ? "no attribute of schema.yaml"
                                               : absl::StrCat("a ", district->type.Name(), ", not an int or a string")),
              city_file->text);
      }
    }

    std::sort(pack_files.begin(), pack_files.end(),
              [](const RuleFile* a, const RuleFile* b) { return a->path < b->path; });
    for (const RuleFile* file : pack_files) {
      std::optional<PackSpec> pack = ParsePackFile(file->text, file->path, diagnostics_);
      if (pack) CompilePack(*pack, file->text);
    }
    if (!diagnostics_->empty()) return Failed();

    Sha256 version;
    version.Update(schema_file->text);
    version.Update(city_file->text);
    for (const auto& rule : set_->rules_) {
      version.Update(rule->version);
      if (!rule->spec.trigger.events.empty()) set_->event_rules_.push_back(rule.get());
      if (!rule->spec.trigger.broadcast.empty()) {
        set_->broadcast_rules_.emplace(rule->spec.trigger.broadcast, rule.get());
      }
      if (rule->spec.trigger.daily) set_->daily_rules_.push_back(rule.get());
    }
    set_->version_ = ToHex(version.Finish());
    for (const RuleFile* f : {schema_file, city_file}) set_->files_.emplace_back(f->path, f->text);
    for (const RuleFile* f : pack_files) set_->files_.emplace_back(f->path, f->text);
    return std::shared_ptr<const RuleSet>(std::move(set_));
  }

 private:
  absl::Status Failed() {
    return absl::InvalidArgumentError(
        absl::StrCat(diagnostics_->size(), diagnostics_->size() == 1 ? " mistake" : " mistakes", " in the rule packs"));
  }

  void Error(const std::string& file, int line, int column, absl::string_view message, const std::string& text = "") {
    diagnostics_->push_back(Diagnostic{file, line, column, std::string(message), SourceLine(text, line)});
  }

  void Append(std::vector<Diagnostic> more) {
    for (Diagnostic& d : more) diagnostics_->push_back(std::move(d));
  }

  void CompilePack(const PackSpec& spec, const std::string& text) {
    auto pack = std::make_unique<CompiledPack>();
    pack->file = spec.file;
    pack->pack = spec.pack;
    pack->version = spec.version;
    pack->title = spec.title;
    pack->owner = spec.owner;
    for (const std::unique_ptr<CompiledPack>& other : set_->packs_) {
      if (other->pack == spec.pack) {
        Error(spec.file, 1, 1, absl::StrCat("pack \"", spec.pack, "\" is also defined in ", other->file), text);
      }
    }
    for (const ParameterSpec& parameter : spec.parameters) {
      CompiledParameter compiled{parameter, {}};
      for (const DatedValue& dated : parameter.values) {
        absl::StatusOr<eval::Value> value = TypedValueFromText(parameter.type, dated.text);
        if (value.ok()) compiled.values.emplace_back(dated.since, *std::move(value));
      }
      pack->parameters.push_back(std::move(compiled));
    }
    const CompiledPack* pack_ptr = pack.get();
    set_->packs_.push_back(std::move(pack));

    std::map<std::string, std::shared_ptr<const RuleEnvironment>> environments;
    for (const RuleSpec& rule_spec : spec.rules) {
      const std::string& topic_name = rule_spec.trigger.broadcast;
      const TopicSpec* topic = nullptr;
      if (!topic_name.empty()) {
        topic = set_->schema_->FindTopic(topic_name);
        if (topic == nullptr) {
          Error(spec.file, rule_spec.position.line, rule_spec.position.column,
                absl::StrCat("rule \"", rule_spec.id, "\" is triggered by topic \"", topic_name,
                             "\", which the schema does not declare"),
                text);
          continue;
        }
      }
      std::shared_ptr<const RuleEnvironment>& env = environments[topic_name];
      if (env == nullptr) {
        absl::StatusOr<std::unique_ptr<RuleEnvironment>> created =
            RuleEnvironment::Create(*set_->schema_, topic, spec.parameters, person_types_.get());
        if (!created.ok()) {
          Error(spec.file, 1, 1, created.status().message(), text);
          return;
        }
        env = std::move(*created);
        if (person_types_ == nullptr) person_types_ = env;
      }
      CompileRule(rule_spec, pack_ptr, env, spec, text);
    }
  }

  std::shared_ptr<const eval::Program> CompileExpression(const ExpressionSource& source, const RuleEnvironment& env,
                                                         const PackSpec& pack, const std::string& text,
                                                         std::optional<lang::Type> expected) {
    if (source.text.empty()) return nullptr;  // the parser already reported it
    eval::CompileOptions options;
    options.expected_type = expected;
    eval::CompileResult result = eval::Compile(source.text, env.types(), options);
    for (Diagnostic d : result.diagnostics) {
      SourcePosition at = source.FilePosition(d.line, d.column);
      d.file = pack.file;
      d.line = at.line;
      d.column = at.column;
      d.source_line = SourceLine(text, at.line);
      d.message = absl::StrCat(source.what, ": ", d.message);
      diagnostics_->push_back(std::move(d));
    }
    return result.program;
  }

  void CompileRule(const RuleSpec& spec, const CompiledPack* pack, std::shared_ptr<const RuleEnvironment> env,
                   const PackSpec& pack_spec, const std::string& text) {
    auto rule = std::make_unique<CompiledRule>();
    rule->spec = spec;
    rule->pack = pack;
    rule->env = env;
    const auto error_at_rule = [&](absl::string_view message) {
      Error(pack_spec.file, spec.position.line, spec.position.column, absl::StrCat("rule \"", spec.id, "\": ", message),
            text);
    };
    if (set_->by_id_.count(spec.id) > 0) {
      error_at_rule(absl::StrCat("the id is also used in ", set_->by_id_[spec.id]->pack->file));
      return;
    }
    // A stored snapshot compiles as it was accepted, whatever the city's
    // messages or part limit became since.
    if (origin_ == CityFileOrigin::kRunning) {
      if (spec.action.without_reply == WithoutReply::kAccept && set_->city_.messages.accepted_by_default.empty()) {
        error_at_rule(
            "reply.without_reply: accept needs city.yaml messages.accepted_by_default: {fr: ..., en: ...}, naming "
            "{title}: the citizen is told that silence accepted the offer, and that message notifies the formal "
            "decision (its time to contest starts when it reaches them)");
      }
      if (spec.action.kind == ActionKind::kPropose && set_->city_.messages.offer_open_again.empty()) {
        error_at_rule(
            "an offer needs city.yaml messages.offer_open_again: {fr: ..., en: ...}, naming {deadline}: contested "
            "before it is answered and upheld, it waits for its answer again, and the citizen is told until when");
      }
      if (std::vector<std::string> too_long = MessagesTooLongForSms(spec, set_->city_); !too_long.empty()) {
        error_at_rule(absl::StrCat("with this rule's title, messages to citizens would be longer than the ",
                                   set_->city_.sms_max_parts,
                                   " SMS parts the gateway sends (city.yaml sms_max_parts); shorten the title or "
                                   "the message: ",
                                   absl::StrJoin(too_long, "; ")));
      }
    }
    for (const std::string& attribute : spec.trigger.events) {
      if (set_->schema_->FindAttribute(attribute) == nullptr) {
        std::string hint = set_->schema_->SuggestAttribute(attribute);
        error_at_rule(absl::StrCat("trigger.events names \"", attribute, "\", which the schema does not declare",
                                   hint.empty() ? "" : absl::StrCat(" (did you mean \"", hint, "\"?)")));
      }
    }
    rule->when = CompileExpression(spec.when, *env, pack_spec, text, lang::Type::Bool());
    rule->once_per = CompileExpression(spec.once_per, *env, pack_spec, text, std::nullopt);
    if (rule->once_per != nullptr) {
      lang::TypeKind kind = rule->once_per->result_type().kind();
      if (kind != lang::TypeKind::kString && kind != lang::TypeKind::kInt && kind != lang::TypeKind::kDate &&
          kind != lang::TypeKind::kDyn) {
        SourcePosition at = spec.once_per.start;
        Error(pack_spec.file, at.line, at.column,
              absl::StrCat("once_per: must give a string, an int or a date (the period key), not ",
                           rule->once_per->result_type().ToString()),
              text);
      }
    }
    if (spec.action.recipients) {
      rule->recipients = CompileExpression(*spec.action.recipients, *env, pack_spec, text,
                                           lang::Type::List(lang::Type::Object(&env->person_type())));
    }
    for (const auto& [name, source] : spec.action.parameters) {
      rule->parameters.emplace_back(name, CompileExpression(source, *env, pack_spec, text, std::nullopt));
    }
    // Dependencies.
    std::set<std::string> whole_reads;
    std::set<std::string> valued_reads;  // by any of the rule's expressions
    std::set<std::string> field_values;
    const auto add_reads = [&](const std::shared_ptr<const eval::Program>& program) {
      if (program == nullptr) return;
      field_values.insert(program->field_values().begin(), program->field_values().end());
      const std::vector<std::string>& presence = program->presence_reads();  // sorted
      for (const std::string& path : program->reads()) {
        rule->reads.insert(path);
        if (!std::binary_search(presence.begin(), presence.end(), path)) valued_reads.insert(path);
      }
      for (const std::string& path : program->whole_reads()) whole_reads.insert(path);
    };
    add_reads(rule->when);
    add_reads(rule->once_per);
    add_reads(rule->recipients);
    for (const auto& p : rule->parameters) add_reads(p.second);
    Sha256 version;
    version.Update(spec.canonical);
    for (const std::string& path : rule->reads) {
      std::vector<absl::string_view> parts = absl::StrSplit(path, '.');
      for (size_t i = 1; (parts[0] == "person" || parts[0] == "household") && i < parts.size() && i <= 2; ++i) {
        rule->reads_tables = rule->reads_tables || env->person_fields().FindJoined(parts[i]) != nullptr;
      }
      if (parts[0] == "person" && parts.size() >= 2) {
        if (const JoinedTable* joined = env->person_fields().FindJoined(parts[1]); joined != nullptr) {
          rule->person_attributes.insert(joined->key_attribute);  // a move changes the row
        } else if (parts[1] == "guardians" || parts[1] == "children") {
          rule->reads_links = true;
          AddRelatedRead(path, parts, 2, whole_reads, &rule->link_reads);
        } else if (set_->schema_->FindAttribute(parts[1]) != nullptr) {
          rule->person_attributes.insert(std::string(parts[1]));
        }
      } else if (parts[0] == "household") {
        rule->reads_household = true;
        if (parts.size() >= 2 && parts[1] == "members") {
          AddRelatedRead(path, parts, 2, whole_reads, &rule->household_reads);
        } else if (parts.size() < 2 || parts[1] != "id") {  // household.id: the subject's own
          rule->household_reads.whole = true;               // the household used as a value
        }
      }
      for (const CompiledParameter& parameter : pack->parameters) {
        if (parameter.spec.name != parts[0]) continue;
        version.Update(parameter.spec.name);
        for (const DatedValue& v : parameter.spec.values)
          version.Update(absl::StrCat(FormatIsoDate(v.since), "=", v.text));
      }
    }
    for (const CompiledParameter& parameter : pack->parameters) {
      const bool read = std::any_of(rule->reads.begin(), rule->reads.end(), [&](const std::string& path) {
        return absl::string_view(path).substr(0, path.find('.')) == parameter.spec.name;
      });
      if (read) rule->pack_parameters_read.push_back(&parameter);
    }
    if (!spec.trigger.events.empty()) {
      rule->trigger_attributes.insert(spec.trigger.events.begin(), spec.trigger.events.end());
      rule->trigger_attributes.insert(rule->person_attributes.begin(), rule->person_attributes.end());
    }
    rule->input_reads = ClassifyInputReads(rule->reads, valued_reads, whole_reads, *env);
    // A number is never recorded, even where a list of persons is read whole
    // (recipients: person.guardians) and the rule tests has(g.phone).
    for (InputRead& read : rule->input_reads) {
      if (read.kind != InputRead::kAttribute && read.kind != InputRead::kLinkAttribute &&
          read.kind != InputRead::kMemberAttribute) {
        continue;
      }
      const AttributeSpec* attribute = set_->schema_->FindAttribute(read.name);
      if (attribute != nullptr && attribute->ReachesSomeone()) read.presence_only = true;
    }
    if (origin_ == CityFileOrigin::kRunning) RefuseContactValues(field_values, *env, error_at_rule);
    if (rule->when != nullptr) rule->filter_terms = PlanFilterTerms(rule->when->source(), *env);
    rule->version = ToHex(version.Finish());
    set_->by_id_[spec.id] = rule.get();
    set_->rules_.push_back(std::move(rule));
  }

  // Contact data (a phone number) is for reaching people, not for deciding
  // about them: a rule may test that it is known, has(person.phone), and
  // the decision records only that. A value read, by a path or through an
  // element of a list, would copy the number into every decision, its
  // explanation and its trace.
  template <typename ErrorAtRule>
  void RefuseContactValues(const std::set<std::string>& field_values, const RuleEnvironment& env,
                           const ErrorAtRule& error_at_rule) const {
    for (const std::string& read : field_values) {
      const size_t dot = read.find('.');
      const absl::string_view type = absl::string_view(read).substr(0, dot);
      const absl::string_view field = absl::string_view(read).substr(dot + 1);
      if (type != env.person_type().name() && type != "dyn") continue;
      const AttributeSpec* attribute = set_->schema_->FindAttribute(field);
      if (attribute == nullptr || !attribute->ReachesSomeone()) continue;
      error_at_rule(absl::StrCat("reads the value of a person's ", field,
                                 ", contact data (schema category contact): a rule may only test that it is known, "
                                 "has(person.",
                                 field, ") or has(g.", field,
                                 "); the engine finds it itself to send a message, and a decision must not record it"));
    }
  }

  // `path` reads related persons: parts[0 .. list_end) name the list
  // (household.members, person.guardians). What follows says what of them.
  void AddRelatedRead(const std::string& path, const std::vector<absl::string_view>& parts, size_t list_end,
                      const std::set<std::string>& whole_reads, RelatedReads* related) const {
    if (parts.size() == list_end) {
      // The list itself: only who is in it, unless used as a value.
      if (whole_reads.count(path) > 0) related->whole = true;
      return;
    }
    const absl::string_view field = parts[list_end];
    if (field == "id") return;  // who they are: membership
    if (parts.size() == list_end + 1 && set_->schema_->FindAttribute(field) != nullptr) {
      related->attributes.insert(std::string(field));
      return;
    }
    related->whole = true;  // their links, or anything not an attribute
  }

  std::vector<Diagnostic>* diagnostics_;
  CityFileOrigin origin_;
  std::shared_ptr<RuleSet> set_;
  // Every environment shares the person types of the first: one graph of a
  // person serves the rules of every pack.
  std::shared_ptr<const RuleEnvironment> person_types_;
};

absl::StatusOr<std::shared_ptr<const RuleSet>> CompileRuleSet(const std::vector<RuleFile>& files,
                                                              std::vector<Diagnostic>* diagnostics,
                                                              CityFileOrigin origin) {
  return RuleSetBuilder(diagnostics, origin).Build(files);
}

absl::StatusOr<std::vector<RuleFile>> ReadRuleFiles(const std::string& directory) {
  std::error_code error;
  if (!std::filesystem::is_directory(directory, error)) {
    return absl::NotFoundError(absl::StrCat(directory, " is not a directory"));
  }
  std::vector<RuleFile> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(directory, error)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".yaml") continue;
    // The path goes into diagnostics, gRPC answers and the stored snapshot.
    if (!IsValidUtf8(entry.path().string())) {
      return absl::InvalidArgumentError(
          absl::StrCat("the rule file path \"", absl::CHexEscape(entry.path().string()), "\" is not UTF-8"));
    }
    absl::StatusOr<std::string> text = ReadTextFile(entry.path().string());
    if (!text.ok()) return text.status();
    files.push_back(RuleFile{entry.path().string(), *std::move(text)});
  }
  if (error) return absl::UnavailableError(absl::StrCat("reading ", directory, ": ", error.message()));
  std::sort(files.begin(), files.end(), [](const RuleFile& a, const RuleFile& b) { return a.path < b.path; });
  return files;
}

absl::StatusOr<std::shared_ptr<const RuleSet>> LoadRuleSetFromDirectory(const std::string& directory,
                                                                        std::vector<Diagnostic>* diagnostics) {
  absl::StatusOr<std::vector<RuleFile>> files = ReadRuleFiles(directory);
  if (!files.ok()) return files.status();
  return CompileRuleSet(*files, diagnostics);
}

}  // namespace proactive
