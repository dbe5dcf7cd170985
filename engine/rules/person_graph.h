// The records one evaluation reads: the subject, the persons linked to it
// (guardians, children: one step, their own links are not followed) and the
// members of its household, as records of the rule environment's types,
// each attribute with where it came from (for the decision's inputs).
//
//   StorePersonSource source(store);
//   ASSIGN_OR_RETURN(std::unique_ptr<PersonGraph> graph, PersonGraph::Build("P1", env, &source));
//   activation.Bind(env.person_slot(), eval::Value::Object(&graph->subject()));
#ifndef PROACTIVE_ENGINE_RULES_PERSON_GRAPH_H_
#define PROACTIVE_ENGINE_RULES_PERSON_GRAPH_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "engine/eval/object_value.h"
#include "engine/rules/rule_environment.h"
#include "engine/store/store.h"
#include "google/protobuf/arena.h"
#include "proactive/storage/v1/storage.pb.h"

namespace proactive {

// Where person states come from: the store, or a rule test's YAML.
class PersonSource {
 public:
  virtual ~PersonSource() = default;
  // The person's state, or null when unknown. The pointer stays valid as
  // long as the source.
  virtual absl::StatusOr<const storage::v1::PersonState*> Find(const std::string& person_id) = 0;
  // Ids of the household's members (the household index).
  virtual absl::StatusOr<std::vector<std::string>> HouseholdMembers(const std::string& household_id) = 0;
  // The row of reference table `table` with key `key`, or null when the
  // table has none (or was never loaded). Valid as long as the source.
  virtual absl::StatusOr<const storage::v1::ReferenceRowRecord*> FindRow(const std::string& table,
                                                                         const std::string& key) = 0;
};

// Reads persons and household membership from the store once each, and
// keeps them: a source serves one batch (an event's, a sweep chunk's), and
// what that batch writes but the store does not show yet is put in front
// of the store by Keep, FindToUpdate and OverrideMembership.
class StorePersonSource final : public PersonSource {
 public:
  // `first_block`, when given, is the arena's first block: a caller making
  // one source after another (one per event) reuses it, and a source that
  // fits in it allocates nothing. REQUIRES: it outlives the source, is
  // 8-byte aligned, and serves one live source at a time.
  explicit StorePersonSource(const Store* store, absl::Span<char> first_block = {});
  absl::StatusOr<const storage::v1::PersonState*> Find(const std::string& person_id) override;
  // The person's state to change in place, as its batch will write it: Find
  // returns it from now on. A person not stored gets an empty state.
  absl::StatusOr<storage::v1::PersonState*> FindToUpdate(const std::string& person_id);
  absl::StatusOr<std::vector<std::string>> HouseholdMembers(const std::string& household_id) override;
  absl::StatusOr<const storage::v1::ReferenceRowRecord*> FindRow(const std::string& table,
                                                                 const std::string& key) override;
  // Keeps `state` in front of the store: as the caller read it (a sweep's
  // scan), or as its batch writes it.
  void Keep(storage::v1::PersonState state);
  // Reads the states of `person_ids` with one batched read (faster when they
  // are sorted) and keeps them, rather than one read per person later. For
  // reads made once (a sweep's): the block cache does not keep them.
  absl::Status Prefetch(const std::vector<std::string>& person_ids);
  // Household membership not yet written: `person_id` moved from `from` to `to`.
  void OverrideMembership(const std::string& person_id, const std::string& from, const std::string& to);

 private:
  // Decodes a stored state onto the arena and keeps it (null: unknown).
  absl::StatusOr<storage::v1::PersonState*> KeepStored(const std::string& person_id,
                                                       const std::optional<std::string>& bytes);
  static google::protobuf::ArenaOptions ArenaWith(absl::Span<char> first_block);

  const Store* store_;
  // The states read from the store: decoded on the arena, freed at once
  // with the source rather than field by field.
  google::protobuf::Arena arena_;
  std::vector<std::unique_ptr<storage::v1::PersonState>> kept_;     // Keep's, on the heap
  std::map<std::string, storage::v1::PersonState*> states_;         // null: unknown
  std::map<std::string, std::vector<std::string>> stored_members_;  // as read, by household
  std::map<std::string, std::vector<std::string>> added_members_, removed_members_;
  // Rows read, by table and key (null: none); a sweep chunk reads each once.
  std::map<std::pair<std::string, std::string>, std::unique_ptr<storage::v1::ReferenceRowRecord>> rows_;
};

// An in-memory source (rule tests, simulations).
class MapPersonSource final : public PersonSource {
 public:
  void Add(storage::v1::PersonState state);
  absl::StatusOr<const storage::v1::PersonState*> Find(const std::string& person_id) override;
  absl::StatusOr<std::vector<std::string>> HouseholdMembers(const std::string& household_id) override;
  void AddRow(const std::string& table, storage::v1::ReferenceRowRecord row);
  absl::StatusOr<const storage::v1::ReferenceRowRecord*> FindRow(const std::string& table,
                                                                 const std::string& key) override;

 private:
  std::map<std::string, storage::v1::PersonState> states_;
  std::map<std::pair<std::string, std::string>, storage::v1::ReferenceRowRecord> rows_;
};

// A row of a reference table as the evaluator sees it: the key column and
// the others, by the row type's field order.
class ReferenceRowObject final : public eval::ObjectValue {
 public:
  ReferenceRowObject(const JoinedTable& joined, const storage::v1::ReferenceRowRecord& row);
  const eval::Value* Field(int index) const override;
  const storage::v1::ReferenceRowRecord& row() const { return *row_; }

 private:
  const storage::v1::ReferenceRowRecord* row_;
  std::vector<eval::Value> values_;
  std::vector<bool> present_;
};

// A person as the evaluator sees it.
class PersonRecord final : public eval::ObjectValue {
 public:
  PersonRecord(const RuleEnvironment& env, const storage::v1::PersonState* state);
  const eval::Value* Field(int index) const override;

  const std::string& id() const { return state_->person_id(); }
  const storage::v1::PersonState& state() const { return *state_; }
  void SetLinks(std::vector<eval::Value> guardians, std::vector<eval::Value> children);
  // The row of a joined table (field `joined.field`); unset: absent.
  void SetJoinedRow(const JoinedTable& joined, const ReferenceRowObject* row);
  // The row set for `joined`, or null.
  const ReferenceRowObject* JoinedRow(const JoinedTable& joined) const;

 private:
  const storage::v1::PersonState* state_;
  std::vector<eval::Value> values_;
  std::vector<bool> present_;
};

class HouseholdRecord final : public eval::ObjectValue {
 public:
  HouseholdRecord(const RuleEnvironment& env, std::string id, std::vector<eval::Value> members);
  const eval::Value* Field(int index) const override;

 private:
  std::vector<eval::Value> values_;
};

// What of a graph rules read beyond the subject. A sweep evaluates millions
// of persons: what no rule reads is not loaded (a household is then the
// subject alone, and it has no links).
struct GraphNeeds {
  bool links = true;      // person.guardians, person.children
  bool household = true;  // household.* (loads the links too: see Build)
  bool tables = true;     // the rows of joined reference tables (person.school_sector)
};

class PersonGraph {
 public:
  // NOT_FOUND when the subject is unknown to `source`.
  static absl::StatusOr<std::unique_ptr<PersonGraph>> Build(const std::string& subject_id, const RuleEnvironment& env,
                                                            PersonSource* source, GraphNeeds needs = GraphNeeds());

  const PersonRecord& subject() const { return *subject_; }
  const HouseholdRecord& household() const { return *household_; }
  // Every record of the graph, subject first.
  const std::vector<std::unique_ptr<PersonRecord>>& records() const { return records_; }
  const PersonRecord* Find(const std::string& person_id) const;

 private:
  PersonGraph() = default;
  // The person's record, made once; with `tables`, its joined rows read from `source`.
  absl::StatusOr<PersonRecord*> AddRecord(const RuleEnvironment& env, const storage::v1::PersonState* state,
                                          PersonSource* source, bool tables);

  std::vector<std::unique_ptr<PersonRecord>> records_;
  std::map<std::string, PersonRecord*> by_id_;
  PersonRecord* subject_ = nullptr;
  std::unique_ptr<HouseholdRecord> household_;
  std::vector<std::unique_ptr<ReferenceRowObject>> rows_;
  storage::v1::PersonState household_only_;  // placeholder state for an id-less household
};

// The evaluator's value of a stored value.
eval::Value FromStorageValue(const storage::v1::Value& value);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_RULES_PERSON_GRAPH_H_
