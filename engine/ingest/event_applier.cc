#include "engine/ingest/event_applier.h"

#include "absl/strings/str_cat.h"
#include "engine/common/field_error.h"
#include "engine/common/status_macros.h"
#include "engine/store/records.h"

namespace proactive {
namespace {

google::protobuf::Timestamp ToProtoTime(absl::Time time) {
  google::protobuf::Timestamp ts;
  absl::Duration since = time - absl::UnixEpoch();
  absl::Duration remainder;
  ts.set_seconds(absl::IDivDuration(since, absl::Seconds(1), &remainder));
  int64_t nanos = absl::ToInt64Nanoseconds(remainder);
  if (nanos < 0) {
    ts.set_seconds(ts.seconds() - 1);
    nanos += 1000000000;
  }
  ts.set_nanos(static_cast<int32_t>(nanos));
  return ts;
}

}  // namespace

absl::StatusOr<std::unique_ptr<EventApplier>> EventApplier::Create(Store* store) {
  ASSIGN_OR_RETURN(uint64_t last, ReadLastEventSequence(*store));
  return std::unique_ptr<EventApplier>(new EventApplier(store, last));
}

absl::StatusOr<IngestResult> EventApplier::Apply(const ValidatedEvent& event,
                                                 absl::Time received_at) {
  const std::string& event_id = event.event_id();
  ASSIGN_OR_RETURN(std::optional<storage::v1::EventIdEntry> seen,
                   ReadEventIdEntry(*store_, event_id));
  if (seen) {
    if (seen->fingerprint() == event.entry.fingerprint()) {
      return IngestResult{/*duplicate=*/true, seen->sequence()};
    }
    return FieldErrorWithCode(
        absl::StatusCode::kAlreadyExists, "event_id",
        absl::StrCat("\"", event_id, "\" was already used for a different event (log sequence ",
                     seen->sequence(), "); a corrected fact needs a new event_id"));
  }
  const uint64_t sequence = last_sequence_ + 1;
  WriteBatch batch(*store_);

  storage::v1::EventLogEntry entry = event.entry;
  entry.set_sequence(sequence);
  *entry.mutable_received_at() = ToProtoTime(received_at);
  storage::v1::EventIdEntry id_entry;
  id_entry.set_sequence(sequence);
  id_entry.set_fingerprint(event.entry.fingerprint());
  PutEventIdEntry(&batch, event_id, std::move(id_entry));
  if (entry.has_person()) RETURN_IF_ERROR(ApplyPerson(entry.person(), sequence, &batch));
  PutEventLogEntry(&batch, std::move(entry));

  RETURN_IF_ERROR(store_->Write(&batch, /*sync=*/false));
  last_sequence_ = sequence;
  return IngestResult{/*duplicate=*/false, sequence};
}

absl::Status EventApplier::ApplyPerson(const storage::v1::PersonEventRecord& event,
                                       uint64_t sequence, WriteBatch* batch) {
  ASSIGN_OR_RETURN(std::optional<storage::v1::PersonState> stored,
                   ReadPersonState(*store_, event.person_id()));
  storage::v1::PersonState state = stored ? *std::move(stored) : storage::v1::PersonState();
  PersonChanges changes = MergePersonEvent(event, sequence, &state);
  if (changes.household_changed) {
    if (!changes.previous_household.empty()) {
      DeleteHouseholdMember(batch, changes.previous_household, event.person_id());
    }
    PutHouseholdMember(batch, state.household_id(), event.person_id());
  }
  for (const LinkMirror& mirror : changes.mirrors) {
    ASSIGN_OR_RETURN(std::optional<storage::v1::PersonState> other,
                     ReadPersonState(*store_, mirror.other_person_id));
    storage::v1::PersonState other_state = other ? *std::move(other) : storage::v1::PersonState();
    if (MergeLinkMirror(mirror, event, sequence, &other_state)) {
      PutPersonState(batch, std::move(other_state));
    }
  }
  PutPersonState(batch, std::move(state));
  return absl::OkStatus();
}

}  // namespace proactive
