// Typed access to the ingestion records of a Store: the event log, the
// event-id index, person states and household membership.
//
//   ASSIGN_OR_RETURN(std::optional<storage::v1::PersonState> person,
//                    ReadPersonState(store, "P1"));
//   WriteBatch batch(store);
//   PutPersonState(&batch, *person);
//
// Reads return nullopt for "not found"; DATA_LOSS when a stored record does
// not decode.
#ifndef PROACTIVE_ENGINE_STORE_RECORDS_H_
#define PROACTIVE_ENGINE_STORE_RECORDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/common/time_limit.h"
#include "engine/store/store.h"
#include "proactive/storage/v1/storage.pb.h"

namespace proactive {

absl::StatusOr<std::optional<storage::v1::PersonState>> ReadPersonState(const Store& store,
                                                                        absl::string_view person_id);
absl::StatusOr<std::optional<storage::v1::EventIdEntry>> ReadEventIdEntry(const Store& store,
                                                                          absl::string_view event_id);
absl::StatusOr<std::optional<storage::v1::EventLogEntry>> ReadEventLogEntry(const Store& store, uint64_t sequence);
// The sequence of the last logged event; 0 when the log is empty (the first
// event gets sequence 1).
absl::StatusOr<uint64_t> ReadLastEventSequence(const Store& store);
// Person ids of the household, in id order.
absl::StatusOr<std::vector<std::string>> ReadHouseholdMembers(const Store& store, absl::string_view household_id);

// Visits every person state in id order until `visit` returns false.
absl::Status ScanPersonStates(const Store& store, absl::FunctionRef<bool(const storage::v1::PersonState&)> visit);
// Visits logged events with sequence >= `from` in order until `visit`
// returns false.
absl::Status ScanEventLog(const Store& store, uint64_t from,
                          absl::FunctionRef<bool(const storage::v1::EventLogEntry&)> visit);

// Sequences of the logged events naming the person, in log order.
absl::StatusOr<std::vector<uint64_t>> ReadPersonEventSequences(const Store& store, absl::string_view person_id);

// The Put functions write format_version; the records need not carry it.
// A time limit as decisions store it.
storage::v1::TimeLimitRecord TimeLimitToRecord(TimeLimit limit);
TimeLimit TimeLimitFromRecord(const storage::v1::TimeLimitRecord& record);

void PutPersonState(WriteBatch* batch, const storage::v1::PersonState& state);
void PutEventIdEntry(WriteBatch* batch, absl::string_view event_id, const storage::v1::EventIdEntry& entry);
void PutEventLogEntry(WriteBatch* batch, const storage::v1::EventLogEntry& entry);
void PutHouseholdMember(WriteBatch* batch, absl::string_view household_id, absl::string_view person_id);
// Indexes the event at `sequence` under every person it names (its subject
// and the other ends of its links).
void PutPersonEventIndex(WriteBatch* batch, const storage::v1::PersonEventRecord& event, uint64_t sequence);
void DeleteHouseholdMember(WriteBatch* batch, absl::string_view household_id, absl::string_view person_id);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_STORE_RECORDS_H_
