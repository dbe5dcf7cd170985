// A compiled, immutable set of rule packs: what the daemon evaluates. Built
// once when the packs load (or reload); a reload builds a new RuleSet and
// swaps it in whole, and a set with any diagnostic is never built, so a
// broken pack never replaces a working one.
//
//   std::vector<Diagnostic> diagnostics;
//   absl::StatusOr<std::shared_ptr<const RuleSet>> rules = LoadRuleSetFromDirectory("rules", &diagnostics);
//   for (const CompiledRule* rule : (*rules)->BroadcastRules("weather.heatwave")) ...
#ifndef PROACTIVE_ENGINE_RULES_RULE_SET_H_
#define PROACTIVE_ENGINE_RULES_RULE_SET_H_

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/common/diagnostic.h"
#include "engine/eval/program.h"
#include "engine/eval/value.h"
#include "engine/rules/city_file.h"
#include "engine/rules/pack_spec.h"
#include "engine/rules/rule_environment.h"
#include "engine/schema/attribute_schema.h"

namespace proactive {

// A dated parameter with its values typed.
struct CompiledParameter {
  ParameterSpec spec;
  std::vector<std::pair<absl::CivilDay, eval::Value>> values;  // sorted by date

  // The value in force on `day`, with the date it applies since; null when
  // `day` is before the first value.
  const std::pair<absl::CivilDay, eval::Value>* InForce(absl::CivilDay day) const;
};

struct CompiledPack {
  std::string file;
  std::string pack;
  std::string version;
  std::string title;
  std::string owner;
  std::vector<CompiledParameter> parameters;  // the order of the environments' parameter slots
};

// A top-level conjunct of a rule's `when` that reads at most one attribute of
// the subject: when it is false for a person, the rule cannot fire for them
// (`a && b` is false when either is false). Sweeps test these over the whole
// population without building graphs (sweep_filter.h).
struct FilterTerm {
  std::string attribute;       // empty: reads nothing of the person
  int field_index = -1;        // the attribute's index in the person type; -1 when empty
  bool presence_only = false;  // the attribute is only tested with has()
  std::shared_ptr<const eval::Program> program;
};

// What a rule reads of the persons related to its subject (household mates,
// or linked persons): whose change can change its outcome for the subject.
struct RelatedReads {
  // Uses them as whole values (household.members[0], filter(), their links):
  // any change of theirs counts.
  bool whole = false;
  // Schema attributes read of them (household.members.yearly_income). Who
  // they are (size(household.members)) changes with membership or links only.
  std::set<std::string> attributes;

  // Whether a related person whose `changed` attributes (and nothing else)
  // changed can change the rule's outcome for the subject.
  bool AffectedBy(const std::vector<std::string>& changed) const;
};

// A path of a rule's `reads` that a decision records among its inputs
// (rule_evaluator.cc, CollectInputs), classified when the rule is compiled.
struct InputRead {
  enum Kind {
    kLinkList,         // person.guardians: who they are
    kMembers,          // household.members: who they are
    kAttribute,        // person.birth_date
    kLinkAttribute,    // person.guardians.phone, for each guardian
    kMemberAttribute,  // household.members.yearly_income, for each member
    kBroadcastField,   // broadcast.level
    kTableRow,         // person.school_sector: the subject's row of a joined reference table
    kTableColumn,      // person.school_sector.school_name
    kLinkTable,        // person.guardians.school_sector[.school_name], for each guardian
    kMemberTable,      // household.members.school_sector[.school_name], for each member
  };
  Kind kind = kAttribute;
  std::string path;        // as read, e.g. "person.guardians.phone"
  bool guardians = false;  // kLinkList, kLinkAttribute: guardians, else children
  // The attribute, the broadcast's field, or the table's column (kLinkTable,
  // kMemberTable: empty when the rule reads the row itself).
  std::string name;
  const JoinedTable* joined = nullptr;  // the table kinds (owned by the rule's env)
  // The path recorded for the i-th related person: prefix, i, suffix
  // ("person.guardians[", "].phone").
  std::string indexed_prefix, indexed_suffix;
  // Only tested for presence (has(person.phone)) by every expression of the
  // rule: the decision records that it was there and where it came from, not
  // its value, which the rule never used (data minimisation).
  bool presence_only = false;
};

struct CompiledRule {
  RuleSpec spec;
  const CompiledPack* pack = nullptr;
  std::shared_ptr<const RuleEnvironment> env;
  std::shared_ptr<const eval::Program> when;
  std::shared_ptr<const eval::Program> once_per;
  std::shared_ptr<const eval::Program> recipients;  // null: the subject
  std::vector<std::pair<std::string, std::shared_ptr<const eval::Program>>> parameters;
  std::string version;  // hex SHA-256 of the rule's content and the parameters it uses

  // What the expressions read, from Program::reads().
  std::set<std::string> reads;              // all paths, e.g. "person.birth_date"
  std::vector<InputRead> input_reads;       // what of `reads` decisions record, in its order
  std::set<std::string> person_attributes;  // schema attributes of the subject read directly
  bool reads_links = false;                 // person.guardians / person.children
  bool reads_household = false;             // household.*
  bool reads_tables = false;                // a joined reference table (person.school_sector)
  RelatedReads household_reads;             // of household.members
  RelatedReads link_reads;                  // of person.guardians and person.children
  // The pack's parameters the expressions read, in the pack's order (owned
  // by `pack`): the register of algorithms publishes them with the rule.
  std::vector<const CompiledParameter*> pack_parameters_read;
  // Attributes whose change re-evaluates the rule (trigger.events and what
  // the rule reads of the subject); empty when no events trigger it.
  std::set<std::string> trigger_attributes;
  // Necessary conditions sweeps test first; may be empty.
  std::vector<FilterTerm> filter_terms;

  bool EffectiveOn(absl::CivilDay day) const;
};

class RuleSet {
 public:
  const AttributeSchema& schema() const { return *schema_; }
  std::shared_ptr<const AttributeSchema> shared_schema() const { return schema_; }
  const CitySpec& city() const { return city_; }
  const std::vector<std::unique_ptr<CompiledPack>>& packs() const { return packs_; }
  const std::vector<std::unique_ptr<CompiledRule>>& rules() const { return rules_; }
  // Hex SHA-256 over the schema and every rule version.
  const std::string& version() const { return version_; }
  // The files it was compiled from (tests excluded), to snapshot for replay.
  const std::vector<std::pair<std::string, std::string>>& files() const { return files_; }

  const CompiledRule* FindRule(absl::string_view id) const;
  // Rules triggered by person events, by a topic, and by the daily schedule.
  const std::vector<const CompiledRule*>& EventRules() const { return event_rules_; }
  std::vector<const CompiledRule*> BroadcastRules(absl::string_view topic) const;
  const std::vector<const CompiledRule*>& DailyRules() const { return daily_rules_; }

 private:
  friend class RuleSetBuilder;
  RuleSet() = default;

  std::shared_ptr<const AttributeSchema> schema_;
  CitySpec city_;
  std::vector<std::unique_ptr<CompiledPack>> packs_;
  std::vector<std::unique_ptr<CompiledRule>> rules_;
  std::map<std::string, const CompiledRule*, std::less<>> by_id_;
  std::vector<const CompiledRule*> event_rules_;
  std::multimap<std::string, const CompiledRule*, std::less<>> broadcast_rules_;
  std::vector<const CompiledRule*> daily_rules_;
  std::string version_;
  std::vector<std::pair<std::string, std::string>> files_;
};

// A file of a rule set: schema.yaml, city.yaml or a pack, with its path
// relative to the rules directory (e.g. "paris/heatwave.yaml").
struct RuleFile {
  std::string path;
  std::string text;
};

// Compiles a rule set. Every diagnostic of every file is appended; the set is
// built only when there is none (INVALID_ARGUMENT "N mistakes in the rule
// packs" otherwise). `files` must hold exactly one schema.yaml and one
// city.yaml; *.tests.yaml files are ignored.
absl::StatusOr<std::shared_ptr<const RuleSet>> CompileRuleSet(const std::vector<RuleFile>& files,
                                                              std::vector<Diagnostic>* diagnostics,
                                                              CityFileOrigin origin = CityFileOrigin::kRunning);

// Reads every *.yaml under `directory` (recursively), sorted by path.
// INVALID_ARGUMENT for a path that is not UTF-8 (a text that is not is a
// diagnostic of CompileRuleSet).
absl::StatusOr<std::vector<RuleFile>> ReadRuleFiles(const std::string& directory);
absl::StatusOr<std::shared_ptr<const RuleSet>> LoadRuleSetFromDirectory(const std::string& directory,
                                                                        std::vector<Diagnostic>* diagnostics);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_RULES_RULE_SET_H_
