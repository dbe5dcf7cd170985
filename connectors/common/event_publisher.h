// Publishing batches of events to the engine with PublishBatch calls (one
// per kEventsPerCall events or kBytesPerCall bytes), retrying the whole batch
// when the engine is unavailable. Retrying is safe because event ids are
// deterministic: events the engine applied before the failure come back
// DUPLICATE.
//
//   EventPublisher publisher("127.0.0.1:50051", PublisherOptions());
//   ASSIGN_OR_RETURN(std::vector<v1::PublishResponse> answers,
//   publisher.Publish(batch));
//   // answers[i] is the answer to batch[i]; only now may the position move.
//
// Credentials come from the environment (EngineConnection::FromEnvironment:
// PROACTIVE_TLS_CA, PROACTIVE_TLS_CERT/KEY, PROACTIVE_TOKEN); without them the
// connection is plaintext. Not thread-safe: one batch at a time.
#ifndef PROACTIVE_CONNECTORS_COMMON_EVENT_PUBLISHER_H_
#define PROACTIVE_CONNECTORS_COMMON_EVENT_PUBLISHER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/client/channel.h"
#include "proactive/v1/ingestion.grpc.pb.h"

namespace proactive {

struct PublisherOptions {
  // Attempts per batch before giving up with UNAVAILABLE.
  int max_attempts = 8;
  // Waits between attempts double from `initial_backoff` up to `max_backoff`.
  absl::Duration initial_backoff = absl::Milliseconds(500);
  absl::Duration max_backoff = absl::Seconds(30);
  // Deadline of one PublishBatch call.
  absl::Duration deadline = absl::Minutes(10);
  // Events per second at most, on average over the publisher's life (0: as
  // fast as the engine answers), to spare a shared engine during office
  // hours: calls of about a tenth of a second's events, each in its turn.
  double max_rate = 0;
  // How to wait; tests may replace it.
  std::function<void(absl::Duration)> sleep;
};

// Counts of answers, for reports.
struct PublishCounts {
  int64_t accepted = 0;
  int64_t duplicates = 0;
  int64_t rejected = 0;

  void Add(const v1::PublishResponse& response);
};

class EventPublisher {
 public:
  // What one PublishBatch call carries at most: well under the engine's
  // limits (kMaxBatchEvents events, --max_message_bytes 4 MiB by default).
  static constexpr size_t kEventsPerCall = 2000;
  static constexpr size_t kBytesPerCall = 1 << 20;

  EventPublisher(std::string server, PublisherOptions options);
  EventPublisher(const EventPublisher&) = delete;
  EventPublisher& operator=(const EventPublisher&) = delete;

  // Publishes `requests` and returns one answer per request, in order
  // (REJECTED answers included). UNAVAILABLE when the engine could not be
  // reached in max_attempts; PERMISSION_DENIED when it refused an event
  // because the caller does not speak for its source (a grant to fix, not a
  // row to reject; the other events may have been applied, and come back
  // DUPLICATE when published again); other gRPC errors as they come.
  absl::StatusOr<std::vector<v1::PublishResponse>> Publish(const std::vector<v1::PublishRequest>& requests);

  const std::string& server() const { return server_; }

 private:
  absl::StatusOr<std::vector<v1::PublishResponse>> Attempt(const std::vector<v1::PublishRequest>& requests);

  std::string server_;
  PublisherOptions options_;
  EngineConnection connection_;                 // credentials from the environment
  std::unique_ptr<v1::Ingestion::Stub> stub_;   // connected at the first call
  absl::Time next_due_ = absl::InfinitePast();  // the next call's turn, with max_rate
};

// True for gRPC codes worth retrying with the same events.
bool IsRetryableGrpcCode(int code);

// Reads the credentials the environment names for `server` (PROACTIVE_TLS_*):
// a connector calls it at start, so that an unreadable certificate stops it
// then, not at its first event (a heatwave's). FAILED_PRECONDITION naming
// the file otherwise.
absl::Status CheckEngineCredentials(const std::string& server);

// True when the engine refused the caller (UNAUTHENTICATED) or a source it
// does not speak for (PERMISSION_DENIED): the access file or the credentials
// must change, and no retry or later poll can help.
bool IsAccessRefusal(const absl::Status& status);

// The wait before attempt `attempt` (1-based; attempt 1 waits nothing).
absl::Duration BackoffDelay(int attempt, absl::Duration initial, absl::Duration cap);

}  // namespace proactive

#endif  // PROACTIVE_CONNECTORS_COMMON_EVENT_PUBLISHER_H_
