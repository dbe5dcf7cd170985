// Applies validated events to the store, one WriteBatch per event: the log
// entry, the event-id index, the new person state, the mirrored links of the
// other persons and the household index, all or nothing.
//
//   ASSIGN_OR_RETURN(auto applier, EventApplier::Create(store));
//   ASSIGN_OR_RETURN(IngestResult result, applier->Apply(event, clock->Now()));
//   RETURN_IF_ERROR(store->SyncWal());  // before acknowledging
//
// Apply writes without fsync; the caller syncs once for a group of events
// (group commit) and only then acknowledges them. Not thread-safe: one
// writer applies events, in log order.
#ifndef PROACTIVE_ENGINE_INGEST_EVENT_APPLIER_H_
#define PROACTIVE_ENGINE_INGEST_EVENT_APPLIER_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/ingest/event_validator.h"
#include "engine/ingest/person_merge.h"
#include "engine/store/store.h"

namespace proactive {

struct IngestResult {
  bool duplicate = false;  // the same event was applied before; nothing changed
  uint64_t sequence = 0;   // the event's position in the log (the original's if duplicate)
};

class EventApplier {
 public:
  // Reads the last log sequence. REQUIRES: `store` outlives the applier.
  static absl::StatusOr<std::unique_ptr<EventApplier>> Create(Store* store);

  EventApplier(const EventApplier&) = delete;
  EventApplier& operator=(const EventApplier&) = delete;

  // Applies `event` received at `received_at`. Returns a duplicate result when
  // the same event (same id, same fingerprint) is already logged;
  // ALREADY_EXISTS naming the event when its id was used for another payload.
  // Any other error is a storage failure: nothing of the event was written.
  absl::StatusOr<IngestResult> Apply(const ValidatedEvent& event, absl::Time received_at);

  uint64_t last_sequence() const { return last_sequence_; }

 private:
  EventApplier(Store* store, uint64_t last_sequence)
      : store_(store), last_sequence_(last_sequence) {}

  absl::Status ApplyPerson(const storage::v1::PersonEventRecord& event, uint64_t sequence,
                           WriteBatch* batch);

  Store* store_;
  uint64_t last_sequence_;
};

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_INGEST_EVENT_APPLIER_H_
