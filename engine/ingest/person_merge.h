// How a person event changes a person's stored state. Pure functions: no
// I/O, deterministic, so that replaying the log rebuilds the same state.
//
// Rules:
//  - per attribute (and per link, and for the household), the fact with the
//    latest occurred_at wins; on a tie, the later event in the log wins;
//  - a removal is kept as a tombstone with its time, so an older event
//    cannot bring a removed value back;
//  - a link is stored on both persons ("G guardian of C" and "C child of G").
//
//   PersonChanges changes = MergePersonEvent(event, sequence, &state);
//   for (const LinkMirror& m : changes.mirrors) MergeLink(m, ..., &other_state);
#ifndef PROACTIVE_ENGINE_INGEST_PERSON_MERGE_H_
#define PROACTIVE_ENGINE_INGEST_PERSON_MERGE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "proactive/storage/v1/storage.pb.h"

namespace proactive {

// A link change to apply to the other person of a link.
struct LinkMirror {
  std::string other_person_id;
  storage::v1::Relation relation_on_other = storage::v1::RELATION_UNSPECIFIED;
  bool removed = false;
};

struct PersonChanges {
  // Attributes whose current value changed (set, changed or removed).
  std::vector<std::string> changed_attributes;
  bool household_changed = false;
  std::string previous_household;  // "" when the person had none
  // Link changes that took effect on this person, to mirror on the others.
  std::vector<LinkMirror> mirrors;
  // Facts that arrived older than what the state already holds.
  int late_facts = 0;
};

// Applies `event`, logged at `sequence`, to `state`. `state` may be a fresh
// state with only person_id set. Bumps events_applied.
PersonChanges MergePersonEvent(const storage::v1::PersonEventRecord& event, uint64_t sequence,
                               storage::v1::PersonState* state);

// Applies the mirror of a link change made by `event` to the other person's
// `state`. True when the state changed.
bool MergeLinkMirror(const LinkMirror& mirror, const storage::v1::PersonEventRecord& event, uint64_t sequence,
                     storage::v1::PersonState* state);

// The relation seen from the other side (guardian <-> child).
storage::v1::Relation InverseRelation(storage::v1::Relation relation);

// The current (not removed) value of an attribute, or null.
const storage::v1::AttributeEntry* FindCurrentAttribute(const storage::v1::PersonState& state, const std::string& name);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_INGEST_PERSON_MERGE_H_
