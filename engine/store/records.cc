#include "engine/store/records.h"

#include "absl/strings/str_cat.h"
#include "engine/common/status_macros.h"
#include "engine/store/codec.h"

namespace proactive {
namespace {

template <typename Record>
absl::StatusOr<std::optional<Record>> ReadRecord(const Store& store, Family family, absl::string_view key,
                                                 absl::string_view what) {
  ASSIGN_OR_RETURN(std::optional<std::string> bytes, store.Get(family, key));
  if (!bytes) return std::optional<Record>();
  ASSIGN_OR_RETURN(Record record, DecodeRecord<Record>(*bytes, what));
  return std::optional<Record>(std::move(record));
}

}  // namespace

absl::StatusOr<std::optional<storage::v1::PersonState>> ReadPersonState(const Store& store,
                                                                        absl::string_view person_id) {
  return ReadRecord<storage::v1::PersonState>(store, Family::kPersons, person_id, absl::StrCat("person ", person_id));
}

absl::StatusOr<std::optional<storage::v1::EventIdEntry>> ReadEventIdEntry(const Store& store,
                                                                          absl::string_view event_id) {
  return ReadRecord<storage::v1::EventIdEntry>(store, Family::kEventIds, event_id, absl::StrCat("event id ", event_id));
}

absl::StatusOr<std::optional<storage::v1::EventLogEntry>> ReadEventLogEntry(const Store& store, uint64_t sequence) {
  return ReadRecord<storage::v1::EventLogEntry>(store, Family::kEvents, EncodeSequenceKey(sequence),
                                                absl::StrCat("event log entry ", sequence));
}

absl::StatusOr<uint64_t> ReadLastEventSequence(const Store& store) {
  ASSIGN_OR_RETURN(auto last, store.Last(Family::kEvents));
  if (!last) return uint64_t{0};
  uint64_t sequence = 0;
  if (!DecodeSequenceKey(last->first, &sequence)) {
    return absl::DataLossError("event log: a key is not an 8-byte sequence");
  }
  return sequence;
}

absl::StatusOr<std::vector<std::string>> ReadHouseholdMembers(const Store& store, absl::string_view household_id) {
  std::vector<std::string> members;
  std::string prefix = HouseholdPrefix(household_id);
  RETURN_IF_ERROR(store.Scan(Family::kHouseholds, prefix, [&](absl::string_view key, absl::string_view) {
    members.emplace_back(key.substr(prefix.size()));
    return true;
  }));
  return members;
}

absl::Status ScanPersonStates(const Store& store, absl::FunctionRef<bool(const storage::v1::PersonState&)> visit) {
  absl::Status decode_error;
  RETURN_IF_ERROR(store.Scan(Family::kPersons, "", [&](absl::string_view key, absl::string_view value) {
    absl::StatusOr<storage::v1::PersonState> decoded =
        DecodeRecord<storage::v1::PersonState>(value, absl::StrCat("person ", key));
    if (!decoded.ok()) {
      decode_error = decoded.status();
      return false;
    }
    return visit(*decoded);
  }));
  return decode_error;
}

absl::Status ScanEventLog(const Store& store, uint64_t from,
                          absl::FunctionRef<bool(const storage::v1::EventLogEntry&)> visit) {
  absl::Status decode_error;
  RETURN_IF_ERROR(
      store.ScanFrom(Family::kEvents, EncodeSequenceKey(from), [&](absl::string_view key, absl::string_view value) {
        uint64_t sequence = 0;
        if (!DecodeSequenceKey(key, &sequence)) {
          decode_error = absl::DataLossError("event log: a key is not an 8-byte sequence");
          return false;
        }
        absl::StatusOr<storage::v1::EventLogEntry> decoded =
            DecodeRecord<storage::v1::EventLogEntry>(value, absl::StrCat("event log entry ", sequence));
        if (!decoded.ok()) {
          decode_error = decoded.status();
          return false;
        }
        return visit(*decoded);
      }));
  return decode_error;
}

absl::StatusOr<std::vector<uint64_t>> ReadPersonEventSequences(const Store& store, absl::string_view person_id) {
  std::vector<uint64_t> sequences;
  const std::string prefix = PersonEventPrefix(person_id);
  absl::Status decode_error;
  RETURN_IF_ERROR(store.Scan(Family::kPersonEvents, prefix, [&](absl::string_view key, absl::string_view) {
    uint64_t sequence = 0;
    if (!DecodeSequenceKey(key.substr(prefix.size()), &sequence)) {
      decode_error = absl::DataLossError("person_events: a key does not end with an 8-byte sequence");
      return false;
    }
    sequences.push_back(sequence);
    return true;
  }));
  RETURN_IF_ERROR(decode_error);
  return sequences;
}

void PutPersonEventIndex(WriteBatch* batch, const storage::v1::PersonEventRecord& event, uint64_t sequence) {
  batch->Put(Family::kPersonEvents, PersonEventKey(event.person_id(), sequence), "");
  for (const auto* links : {&event.links_added(), &event.links_removed()}) {
    for (const storage::v1::LinkChange& link : *links) {
      if (link.person_id() != event.person_id()) {
        batch->Put(Family::kPersonEvents, PersonEventKey(link.person_id(), sequence), "");
      }
    }
  }
}

storage::v1::TimeLimitRecord TimeLimitToRecord(TimeLimit limit) {
  storage::v1::TimeLimitRecord record;
  record.set_count(limit.count);
  record.set_months(limit.unit == TimeLimit::Unit::kMonths);
  return record;
}

TimeLimit TimeLimitFromRecord(const storage::v1::TimeLimitRecord& record) {
  return record.months() ? TimeLimit::Months(record.count()) : TimeLimit::Days(record.count());
}

void PutPersonState(WriteBatch* batch, const storage::v1::PersonState& state) {
  batch->Put(Family::kPersons, state.person_id(), EncodeVersionedRecord(state));
}

void PutEventIdEntry(WriteBatch* batch, absl::string_view event_id, const storage::v1::EventIdEntry& entry) {
  batch->Put(Family::kEventIds, event_id, EncodeVersionedRecord(entry));
}

void PutEventLogEntry(WriteBatch* batch, const storage::v1::EventLogEntry& entry) {
  batch->Put(Family::kEvents, EncodeSequenceKey(entry.sequence()), EncodeVersionedRecord(entry));
}

void PutHouseholdMember(WriteBatch* batch, absl::string_view household_id, absl::string_view person_id) {
  batch->Put(Family::kHouseholds, HouseholdMemberKey(household_id, person_id), "");
}

void DeleteHouseholdMember(WriteBatch* batch, absl::string_view household_id, absl::string_view person_id) {
  batch->Delete(Family::kHouseholds, HouseholdMemberKey(household_id, person_id));
}

}  // namespace proactive
