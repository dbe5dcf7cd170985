// Validation of published events against the attribute schema, and their
// canonical stored form.
//
//   ASSIGN_OR_RETURN(ValidatedEvent event,
//                    ValidatePublishRequest(request, schema, limits, clock->Now()));
//
// Every refusal is INVALID_ARGUMENT whose message starts with the offending
// field ("set[1].value: \"birth_date\" expects date, got string"); see
// docs/events.md for the catalogue. Validation reads nothing but its
// arguments, so it can run on any thread before the event is queued.
#ifndef PROACTIVE_ENGINE_INGEST_EVENT_VALIDATOR_H_
#define PROACTIVE_ENGINE_INGEST_EVENT_VALIDATOR_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/schema/attribute_schema.h"
#include "proactive/storage/v1/storage.pb.h"
#include "proactive/v1/ingestion.pb.h"

namespace proactive {

struct IngestLimits {
  size_t max_event_bytes = 64 * 1024;  // serialized size of one event
  int max_attributes = 256;            // entries of `set` plus `removed` (or `fields`)
  int max_links = 64;                  // links_added plus links_removed
  // How far in the future occurred_at may be (clock skew between systems).
  absl::Duration max_future_skew = absl::Hours(24);
};

// An event that passed validation, in its canonical stored form: attributes,
// removals and links sorted, so that the same event sent with its fields in
// another order has the same fingerprint.
struct ValidatedEvent {
  // event.sequence and event.received_at are not set yet; fingerprint is.
  storage::v1::EventLogEntry entry;

  const std::string& event_id() const {
    return entry.has_person() ? entry.person().event_id() : entry.broadcast().event_id();
  }
  bool is_person() const { return entry.has_person(); }
};

absl::StatusOr<ValidatedEvent> ValidatePublishRequest(const v1::PublishRequest& request, const AttributeSchema& schema,
                                                      const IngestLimits& limits, absl::Time now);

// SHA-256 of the canonical record (the entry without sequence, time or
// fingerprint).
std::string EventFingerprint(const storage::v1::EventLogEntry& entry);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_INGEST_EVENT_VALIDATOR_H_
