#include "engine/ingest/person_merge.h"

#include <algorithm>
#include <tuple>

namespace proactive {
namespace {

using google::protobuf::Timestamp;

// True when a fact at (time, sequence) replaces one at (held_time, held_sequence).
bool Supersedes(const Timestamp& time, uint64_t sequence, const Timestamp& held_time, uint64_t held_sequence) {
  return std::make_tuple(time.seconds(), time.nanos(), sequence) >
         std::make_tuple(held_time.seconds(), held_time.nanos(), held_sequence);
}

storage::v1::AttributeEntry* FindOrInsertAttribute(storage::v1::PersonState* state, const std::string& name,
                                                   bool* inserted) {
  auto* attributes = state->mutable_attributes();
  auto it = std::lower_bound(attributes->begin(), attributes->end(), name,
                             [](const storage::v1::AttributeEntry& e, const std::string& n) { return e.name() < n; });
  if (it != attributes->end() && it->name() == name) {
    *inserted = false;
    return &*it;
  }
  *inserted = true;
  int index = static_cast<int>(it - attributes->begin());
  attributes->Add()->set_name(name);
  // Move the new entry from the end to its sorted place.
  for (int i = attributes->size() - 1; i > index; --i) attributes->SwapElements(i, i - 1);
  return attributes->Mutable(index);
}

storage::v1::LinkEntry* FindOrInsertLink(storage::v1::PersonState* state, storage::v1::Relation relation,
                                         const std::string& person_id, bool* inserted) {
  auto* links = state->mutable_links();
  auto key = std::make_pair(static_cast<int>(relation), person_id);
  auto it = std::lower_bound(links->begin(), links->end(), key, [](const storage::v1::LinkEntry& e, const auto& k) {
    return std::make_pair(static_cast<int>(e.relation()), e.person_id()) < k;
  });
  if (it != links->end() && it->relation() == relation && it->person_id() == person_id) {
    *inserted = false;
    return &*it;
  }
  *inserted = true;
  int index = static_cast<int>(it - links->begin());
  storage::v1::LinkEntry* entry = links->Add();
  entry->set_relation(relation);
  entry->set_person_id(person_id);
  for (int i = links->size() - 1; i > index; --i) links->SwapElements(i, i - 1);
  return links->Mutable(index);
}

// Applies one link change to `state`. True when it took effect.
bool ApplyLink(storage::v1::Relation relation, const std::string& other, bool removed,
               const storage::v1::PersonEventRecord& event, uint64_t sequence, storage::v1::PersonState* state) {
  bool inserted = false;
  storage::v1::LinkEntry* entry = FindOrInsertLink(state, relation, other, &inserted);
  if (!inserted && !Supersedes(event.occurred_at(), sequence, entry->occurred_at(), entry->sequence())) {
    return false;
  }
  entry->set_removed(removed);
  *entry->mutable_occurred_at() = event.occurred_at();
  entry->set_event_id(event.event_id());
  entry->set_sequence(sequence);
  return true;
}

}  // namespace

storage::v1::Relation InverseRelation(storage::v1::Relation relation) {
  switch (relation) {
    case storage::v1::RELATION_GUARDIAN:
      return storage::v1::RELATION_CHILD;
    case storage::v1::RELATION_CHILD:
      return storage::v1::RELATION_GUARDIAN;
    default:
      return storage::v1::RELATION_UNSPECIFIED;
  }
}

PersonChanges MergePersonEvent(const storage::v1::PersonEventRecord& event, uint64_t sequence,
                               storage::v1::PersonState* state) {
  PersonChanges changes;
  state->set_person_id(event.person_id());
  state->set_events_applied(state->events_applied() + 1);

  const auto apply_attribute = [&](const std::string& name, const storage::v1::Value* value) {
    bool inserted = false;
    storage::v1::AttributeEntry* entry = FindOrInsertAttribute(state, name, &inserted);
    if (!inserted && !Supersedes(event.occurred_at(), sequence, entry->occurred_at(), entry->sequence())) {
      ++changes.late_facts;
      return;
    }
    bool was_present = !inserted && !entry->removed();
    bool differs = value == nullptr
                       ? was_present
                       : (!was_present || entry->value().SerializeAsString() != value->SerializeAsString());
    if (value == nullptr) {
      entry->clear_value();
      entry->set_removed(true);
    } else {
      *entry->mutable_value() = *value;
      entry->set_removed(false);
    }
    entry->set_source(event.source());
    *entry->mutable_occurred_at() = event.occurred_at();
    entry->set_event_id(event.event_id());
    entry->set_sequence(sequence);
    if (differs) changes.changed_attributes.push_back(name);
  };
  for (const storage::v1::NamedValue& set : event.set()) apply_attribute(set.name(), &set.value());
  for (const std::string& removed : event.removed()) apply_attribute(removed, nullptr);
  std::sort(changes.changed_attributes.begin(), changes.changed_attributes.end());

  if (!event.household_id().empty()) {
    bool has_household = !state->household_id().empty();
    if (!has_household ||
        Supersedes(event.occurred_at(), sequence, state->household_occurred_at(), state->household_sequence())) {
      if (state->household_id() != event.household_id()) {
        changes.household_changed = true;
        changes.previous_household = state->household_id();
        state->set_household_id(event.household_id());
      }
      *state->mutable_household_occurred_at() = event.occurred_at();
      state->set_household_sequence(sequence);
    } else {
      ++changes.late_facts;
    }
  }

  const auto apply_links = [&](const auto& links, bool removed) {
    for (const storage::v1::LinkChange& link : links) {
      if (ApplyLink(link.relation(), link.person_id(), removed, event, sequence, state)) {
        changes.mirrors.push_back(LinkMirror{link.person_id(), InverseRelation(link.relation()), removed});
      } else {
        ++changes.late_facts;
      }
    }
  };
  apply_links(event.links_added(), false);
  apply_links(event.links_removed(), true);
  return changes;
}

bool MergeLinkMirror(const LinkMirror& mirror, const storage::v1::PersonEventRecord& event, uint64_t sequence,
                     storage::v1::PersonState* state) {
  state->set_person_id(mirror.other_person_id);
  return ApplyLink(mirror.relation_on_other, event.person_id(), mirror.removed, event, sequence, state);
}

const storage::v1::AttributeEntry* FindCurrentAttribute(const storage::v1::PersonState& state,
                                                        const std::string& name) {
  auto it = std::lower_bound(state.attributes().begin(), state.attributes().end(), name,
                             [](const storage::v1::AttributeEntry& e, const std::string& n) { return e.name() < n; });
  if (it == state.attributes().end() || it->name() != name || it->removed()) return nullptr;
  return &*it;
}

}  // namespace proactive
