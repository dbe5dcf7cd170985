// The RocksDB column families of a proactive data directory and their keys.
//
//   events      8-byte big-endian log sequence -> EventLogEntry
//   event_ids   event_id                       -> EventIdEntry
//   persons     person_id                      -> PersonState
//   households  household_id \0 person_id      -> "" (membership index)
//   meta        name                           -> engine metadata
//   reference   table \0                       -> ReferenceTableRecord
//               table \0 row_key               -> ReferenceRowRecord
//   person_events person_id \0 sequence         -> "" (events naming the
//   person) decisions, outbox, audit, audit_by_decision, recourse, deadlines:
//   owned by their modules.
#ifndef PROACTIVE_ENGINE_STORE_COLUMN_FAMILIES_H_
#define PROACTIVE_ENGINE_STORE_COLUMN_FAMILIES_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace proactive {

enum class Family : int {
  kMeta = 0,  // RocksDB's "default" family
  kEvents,
  kEventIds,
  kPersons,
  kHouseholds,
  kDecisions,
  kOutbox,
  kAudit,
  kRecourse,
  kDeadlines,
  kReference,  // reference tables (reference_records.h)
  kPersonEvents,
  kAuditByDecision,  // the audit chain's entries by decision (audit_log.h)
  kCount,            // not a family
};

inline constexpr int kFamilyCount = static_cast<int>(Family::kCount);

// RocksDB name of a family ("default" for kMeta).
absl::string_view FamilyName(Family family);

// A store's generation: the oldest engine that reads it right. An engine
// names its generation with an empty column family ("store-generation-2"),
// created when it opens a store: RocksDB refuses to open a store whose
// column families it was not told of, so an older binary started on a newer
// store stops at once ("Column families not opened: store-generation-2")
// instead of deciding again under other ids (2: keyed decision and reply
// ids, 2026-12-05; 3: the audit chain indexed by decision, which an older
// engine would not keep up, 2026-12-06). Store::Open refuses a generation
// above its own, naming it. Stores before generation 2 have no marker.
inline constexpr int kStoreGeneration = 3;
std::string StoreGenerationFamilyName(int generation);
// The generation `family_name` marks; 0 when it marks none.
int StoreGenerationOf(absl::string_view family_name);

// 8-byte big-endian encoding: keys sort in numeric order.
std::string EncodeSequenceKey(uint64_t sequence);
// False when `key` is not 8 bytes.
bool DecodeSequenceKey(absl::string_view key, uint64_t* sequence);

// A number as 20 decimal digits, zero-padded (StrFormat's "%020d", by hand:
// a tenth of its cost on every audit entry and outbox message): keys that
// sort as numbers (audit sequences, Unix seconds). Negative numbers read as
// "%020d" writes them, a '-' and 19 digits.
//
//   absl::StrCat("r/", DecimalKey(seconds).view(), "/", message_id)
class DecimalKey {
 public:
  explicit DecimalKey(uint64_t value);
  explicit DecimalKey(int64_t value);
  absl::string_view view() const { return absl::string_view(digits_, sizeof(digits_)); }

 private:
  char digits_[20];
};

// households key: household_id '\0' person_id.
std::string HouseholdMemberKey(absl::string_view household_id, absl::string_view person_id);
// Prefix of all members of a household.
std::string HouseholdPrefix(absl::string_view household_id);

// person_events key: person_id '\0' 8-byte sequence.
std::string PersonEventKey(absl::string_view person_id, uint64_t sequence);
std::string PersonEventPrefix(absl::string_view person_id);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_STORE_COLUMN_FAMILIES_H_
