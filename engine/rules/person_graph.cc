#include "engine/rules/person_graph.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "engine/common/status_macros.h"
#include "engine/store/codec.h"
#include "engine/store/records.h"
#include "engine/store/reference_records.h"

namespace proactive {

eval::Value FromStorageValue(const storage::v1::Value& value) {
  switch (value.kind_case()) {
    case storage::v1::Value::kNullValue:
      return eval::Value::Null();
    case storage::v1::Value::kBoolValue:
      return eval::Value::Bool(value.bool_value());
    case storage::v1::Value::kIntValue:
      return eval::Value::Int(value.int_value());
    case storage::v1::Value::kDoubleValue:
      return eval::Value::Double(value.double_value());
    case storage::v1::Value::kStringValue:
      return eval::Value::String(value.string_value());
    case storage::v1::Value::kDateDays:
      return eval::Value::DateFromEpochDays(value.date_days());
    case storage::v1::Value::kMoneyValue:
      return eval::Value::Money(value.money_value().cents(), value.money_value().currency());
    case storage::v1::Value::kTimestampValue:
      return eval::Value::Timestamp(absl::FromUnixSeconds(value.timestamp_value().seconds()) +
                                    absl::Nanoseconds(value.timestamp_value().nanos()));
    case storage::v1::Value::kDurationValue:
      return eval::Value::Duration(absl::Seconds(value.duration_value().seconds()) +
                                   absl::Nanoseconds(value.duration_value().nanos()));
    case storage::v1::Value::kListValue: {
      std::vector<eval::Value> elements;
      for (const storage::v1::Value& v : value.list_value().values()) elements.push_back(FromStorageValue(v));
      return eval::Value::List(std::move(elements));
    }
    case storage::v1::Value::kPersonId:
      return eval::Value::String(value.person_id());
    case storage::v1::Value::KIND_NOT_SET:
      break;
  }
  return eval::Value::Null();
}

google::protobuf::ArenaOptions StorePersonSource::ArenaWith(absl::Span<char> first_block) {
  google::protobuf::ArenaOptions options;
  options.initial_block = first_block.data();
  options.initial_block_size = first_block.size();
  return options;
}

StorePersonSource::StorePersonSource(const Store* store, absl::Span<char> first_block)
    : store_(store), arena_(ArenaWith(first_block)) {}

absl::StatusOr<const storage::v1::PersonState*> StorePersonSource::Find(const std::string& person_id) {
  auto it = states_.find(person_id);
  if (it != states_.end()) return it->second;
  ASSIGN_OR_RETURN(std::optional<std::string> bytes, store_->Get(Family::kPersons, person_id));
  return KeepStored(person_id, bytes);
}

absl::StatusOr<storage::v1::PersonState*> StorePersonSource::FindToUpdate(const std::string& person_id) {
  auto it = states_.find(person_id);
  storage::v1::PersonState* state = nullptr;
  if (it != states_.end()) {
    state = it->second;
  } else {
    ASSIGN_OR_RETURN(std::optional<std::string> bytes, store_->Get(Family::kPersons, person_id));
    ASSIGN_OR_RETURN(state, KeepStored(person_id, bytes));
  }
  if (state == nullptr) {
    state = google::protobuf::Arena::CreateMessage<storage::v1::PersonState>(&arena_);
    states_[person_id] = state;
  }
  return state;
}

absl::StatusOr<storage::v1::PersonState*> StorePersonSource::KeepStored(const std::string& person_id,
                                                                        const std::optional<std::string>& bytes) {
  storage::v1::PersonState* kept = nullptr;
  if (bytes) {
    auto* state = google::protobuf::Arena::CreateMessage<storage::v1::PersonState>(&arena_);
    RETURN_IF_ERROR(DecodeVersionedRecordInto(*bytes, absl::StrCat("person ", person_id), state));
    kept = state;
  }
  states_[person_id] = kept;
  return kept;
}

absl::StatusOr<std::vector<std::string>> StorePersonSource::HouseholdMembers(const std::string& household_id) {
  auto stored = stored_members_.find(household_id);
  if (stored == stored_members_.end()) {
    ASSIGN_OR_RETURN(std::vector<std::string> read, ReadHouseholdMembers(*store_, household_id));
    stored = stored_members_.emplace(household_id, std::move(read)).first;
  }
  std::vector<std::string> members = stored->second;
  if (auto removed = removed_members_.find(household_id); removed != removed_members_.end()) {
    for (const std::string& id : removed->second) {
      members.erase(std::remove(members.begin(), members.end(), id), members.end());
    }
  }
  if (auto added = added_members_.find(household_id); added != added_members_.end()) {
    for (const std::string& id : added->second) {
      if (std::find(members.begin(), members.end(), id) == members.end()) members.push_back(id);
    }
  }
  std::sort(members.begin(), members.end());
  return members;
}

void StorePersonSource::Keep(storage::v1::PersonState state) {
  kept_.push_back(std::make_unique<storage::v1::PersonState>(std::move(state)));
  states_[kept_.back()->person_id()] = kept_.back().get();
}

absl::Status StorePersonSource::Prefetch(const std::vector<std::string>& person_ids) {
  std::vector<absl::string_view> keys;
  keys.reserve(person_ids.size());
  for (const std::string& id : person_ids) {
    if (states_.count(id) == 0) keys.push_back(id);
  }
  ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> values,
                   store_->MultiGet(Family::kPersons, keys, Store::Caching::kReadOnce));
  for (size_t i = 0; i < keys.size(); ++i) {
    RETURN_IF_ERROR(KeepStored(std::string(keys[i]), values[i]).status());  // unknown: kept as such
  }
  return absl::OkStatus();
}

void StorePersonSource::OverrideMembership(const std::string& person_id, const std::string& from,
                                           const std::string& to) {
  if (!from.empty()) removed_members_[from].push_back(person_id);
  if (!to.empty()) added_members_[to].push_back(person_id);
}

absl::StatusOr<const storage::v1::ReferenceRowRecord*> StorePersonSource::FindRow(const std::string& table,
                                                                                  const std::string& key) {
  auto [it, inserted] = rows_.try_emplace({table, key});
  if (inserted) {
    absl::StatusOr<std::optional<storage::v1::ReferenceRowRecord>> row = ReadReferenceRow(*store_, table, key);
    if (!row.ok()) {
      rows_.erase(it);
      return row.status();
    }
    if (*row) it->second = std::make_unique<storage::v1::ReferenceRowRecord>(**std::move(row));
  }
  return it->second.get();
}

void MapPersonSource::AddRow(const std::string& table, storage::v1::ReferenceRowRecord row) {
  std::string key = row.key();
  rows_[{table, std::move(key)}] = std::move(row);
}

absl::StatusOr<const storage::v1::ReferenceRowRecord*> MapPersonSource::FindRow(const std::string& table,
                                                                                const std::string& key) {
  auto it = rows_.find({table, key});
  return it == rows_.end() ? nullptr : &it->second;
}

void MapPersonSource::Add(storage::v1::PersonState state) {
  std::string id = state.person_id();
  states_[id] = std::move(state);
}

absl::StatusOr<const storage::v1::PersonState*> MapPersonSource::Find(const std::string& person_id) {
  auto it = states_.find(person_id);
  return it == states_.end() ? nullptr : &it->second;
}

absl::StatusOr<std::vector<std::string>> MapPersonSource::HouseholdMembers(const std::string& household_id) {
  std::vector<std::string> members;
  for (const auto& [id, state] : states_) {
    if (state.household_id() == household_id) members.push_back(id);
  }
  return members;
}

PersonRecord::PersonRecord(const RuleEnvironment& env, const storage::v1::PersonState* state)
    : ObjectValue(env.person_type()), state_(state) {
  const lang::ObjectType* type_ = &object_type();
  const int n = type_->field_count();
  values_.resize(n);
  present_.assign(n, false);
  const PersonFields& fields = env.person_fields();
  values_[fields.id] = eval::Value::String(state->person_id());
  present_[fields.id] = true;
  for (const storage::v1::AttributeEntry& entry : state->attributes()) {
    if (entry.removed()) continue;
    const lang::FieldDecl* field = type_->FindField(entry.name());
    // An attribute the schema no longer declares, or named like a joined
    // table's field since (a row, set by the graph).
    if (field == nullptr || field->type.kind() == lang::TypeKind::kObject) continue;
    values_[field->index] = FromStorageValue(entry.value());
    present_[field->index] = true;
  }
  // Links are set by the graph; without them a person has none.
  values_[fields.guardians] = eval::Value::List({});
  values_[fields.children] = eval::Value::List({});
  present_[fields.guardians] = present_[fields.children] = true;
}

const eval::Value* PersonRecord::Field(int index) const {
  if (index < 0 || index >= static_cast<int>(values_.size()) || !present_[index]) return nullptr;
  return &values_[index];
}

void PersonRecord::SetLinks(std::vector<eval::Value> guardians, std::vector<eval::Value> children) {
  const int g = object_type().FindField("guardians")->index, c = object_type().FindField("children")->index;
  values_[g] = eval::Value::List(std::move(guardians));
  values_[c] = eval::Value::List(std::move(children));
}

ReferenceRowObject::ReferenceRowObject(const JoinedTable& joined, const storage::v1::ReferenceRowRecord& row)
    : ObjectValue(*joined.row_type), row_(&row) {
  const int n = object_type().field_count();
  values_.resize(n);
  present_.assign(n, false);
  if (const lang::FieldDecl* key = object_type().FindField(joined.key_attribute); key != nullptr) {
    values_[key->index] = eval::Value::String(row.key());
    present_[key->index] = true;
  }
  for (const storage::v1::NamedValue& column : row.columns()) {
    const lang::FieldDecl* field = object_type().FindField(column.name());
    if (field == nullptr) continue;  // a column the schema no longer declares
    values_[field->index] = FromStorageValue(column.value());
    present_[field->index] = true;
  }
}

const eval::Value* ReferenceRowObject::Field(int index) const {
  if (index < 0 || index >= static_cast<int>(values_.size()) || !present_[index]) return nullptr;
  return &values_[index];
}

void PersonRecord::SetJoinedRow(const JoinedTable& joined, const ReferenceRowObject* row) {
  values_[joined.field] = eval::Value::Object(row);
  present_[joined.field] = true;
}

const ReferenceRowObject* PersonRecord::JoinedRow(const JoinedTable& joined) const {
  if (!present_[joined.field] || values_[joined.field].kind() != eval::Value::Kind::kObject) return nullptr;
  return static_cast<const ReferenceRowObject*>(values_[joined.field].object_value());
}

HouseholdRecord::HouseholdRecord(const RuleEnvironment& env, std::string id, std::vector<eval::Value> members)
    : ObjectValue(env.household_type()) {
  values_.resize(object_type().field_count());
  values_[env.household_id_field()] = eval::Value::String(id);
  values_[env.household_members_field()] = eval::Value::List(std::move(members));
}

const eval::Value* HouseholdRecord::Field(int index) const {
  if (index < 0 || index >= static_cast<int>(values_.size())) return nullptr;
  return &values_[index];
}

absl::StatusOr<PersonRecord*> PersonGraph::AddRecord(const RuleEnvironment& env, const storage::v1::PersonState* state,
                                                     PersonSource* source, bool tables) {
  auto it = by_id_.find(state->person_id());
  if (it != by_id_.end()) return it->second;
  records_.push_back(std::make_unique<PersonRecord>(env, state));
  PersonRecord* record = records_.back().get();
  by_id_[state->person_id()] = record;
  if (!tables) return record;
  for (const JoinedTable& joined : env.person_fields().joined) {
    const lang::FieldDecl* key_field = env.person_type().FindField(joined.key_attribute);
    const eval::Value* key = key_field != nullptr ? record->Field(key_field->index) : nullptr;
    if (key == nullptr || key->kind() != eval::Value::Kind::kString) continue;
    ASSIGN_OR_RETURN(const storage::v1::ReferenceRowRecord* row,
                     source->FindRow(joined.table, std::string(key->string_value())));
    if (row == nullptr) continue;
    rows_.push_back(std::make_unique<ReferenceRowObject>(joined, *row));
    record->SetJoinedRow(joined, rows_.back().get());
  }
  return record;
}

const PersonRecord* PersonGraph::Find(const std::string& person_id) const {
  auto it = by_id_.find(person_id);
  return it == by_id_.end() ? nullptr : it->second;
}

absl::StatusOr<std::unique_ptr<PersonGraph>> PersonGraph::Build(const std::string& subject_id,
                                                                const RuleEnvironment& env, PersonSource* source,
                                                                GraphNeeds needs) {
  ASSIGN_OR_RETURN(const storage::v1::PersonState* subject_state, source->Find(subject_id));
  if (subject_state == nullptr) return absl::NotFoundError(absl::StrCat("no person \"", subject_id, "\""));
  // Linked persons come before household members in records(), which orders
  // a decision's household inputs: a household needs the links loaded too.
  needs.links = needs.links || needs.household;
  std::unique_ptr<PersonGraph> graph(new PersonGraph());
  ASSIGN_OR_RETURN(graph->subject_, graph->AddRecord(env, subject_state, source, needs.tables));
  std::vector<eval::Value> guardians, children;
  for (const storage::v1::LinkEntry& link : subject_state->links()) {
    if (link.removed() || !needs.links) continue;
    ASSIGN_OR_RETURN(const storage::v1::PersonState* other, source->Find(link.person_id()));
    if (other == nullptr) continue;
    ASSIGN_OR_RETURN(PersonRecord * record, graph->AddRecord(env, other, source, needs.tables));
    (link.relation() == storage::v1::RELATION_GUARDIAN ? guardians : children).push_back(eval::Value::Object(record));
  }
  graph->subject_->SetLinks(std::move(guardians), std::move(children));
  std::vector<eval::Value> members;
  if (!subject_state->household_id().empty() && needs.household) {
    ASSIGN_OR_RETURN(std::vector<std::string> ids, source->HouseholdMembers(subject_state->household_id()));
    if (std::find(ids.begin(), ids.end(), subject_id) == ids.end()) ids.push_back(subject_id);
    for (const std::string& id : ids) {
      ASSIGN_OR_RETURN(const storage::v1::PersonState* member, source->Find(id));
      if (member == nullptr) continue;
      ASSIGN_OR_RETURN(PersonRecord * record, graph->AddRecord(env, member, source, needs.tables));
      members.push_back(eval::Value::Object(record));
    }
  } else {
    members.push_back(eval::Value::Object(graph->subject_));  // a household of one
  }
  graph->household_ = std::make_unique<HouseholdRecord>(env, subject_state->household_id(), std::move(members));
  return graph;
}

}  // namespace proactive
