#include "connectors/common/event_publisher.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/client/channel.h"
#include "engine/common/log.h"
#include "engine/common/status_macros.h"

namespace proactive {

void PublishCounts::Add(const v1::PublishResponse& response) {
  switch (response.outcome()) {
    case v1::PublishResponse::ACCEPTED:
      ++accepted;
      break;
    case v1::PublishResponse::DUPLICATE:
      ++duplicates;
      break;
    default:
      ++rejected;
      break;
  }
}

bool IsRetryableGrpcCode(int code) {
  return code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::DEADLINE_EXCEEDED ||
         code == grpc::StatusCode::ABORTED;
}

absl::Duration BackoffDelay(int attempt, absl::Duration initial, absl::Duration cap) {
  if (attempt <= 1) return absl::ZeroDuration();
  absl::Duration delay = initial;
  for (int i = 2; i < attempt && delay < cap; ++i) delay *= 2;
  return std::min(delay, cap);
}

EventPublisher::EventPublisher(std::string server, PublisherOptions options)
    : server_(std::move(server)),
      options_(std::move(options)),
      connection_(EngineConnection::FromEnvironment(server_)) {
  if (!options_.sleep) options_.sleep = [](absl::Duration d) { absl::SleepFor(d); };
}

absl::Status CheckEngineCredentials(const std::string& server) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = EngineConnection::FromEnvironment(server).Connect();
  if (channel.ok()) return absl::OkStatus();
  return absl::FailedPreconditionError(channel.status().message());
}

bool IsAccessRefusal(const absl::Status& status) {
  return status.code() == absl::StatusCode::kPermissionDenied || status.code() == absl::StatusCode::kUnauthenticated;
}

absl::StatusOr<std::vector<v1::PublishResponse>> EventPublisher::Publish(
    const std::vector<v1::PublishRequest>& requests) {
  if (requests.empty()) return std::vector<v1::PublishResponse>();
  if (stub_ == nullptr) {
    ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, connection_.Connect());
    stub_ = v1::Ingestion::NewStub(channel);
  }
  absl::Status last;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    absl::Duration wait = BackoffDelay(attempt, options_.initial_backoff, options_.max_backoff);
    if (wait > absl::ZeroDuration()) {
      LogWarning("publish",
                 absl::StrCat("engine at ", server_, ": ", last.message(), "; retrying the batch in ",
                              absl::FormatDuration(wait), " (attempt ", attempt, " of ", options_.max_attempts, ")"));
      options_.sleep(wait);
    }
    absl::StatusOr<std::vector<v1::PublishResponse>> answers = Attempt(requests);
    if (answers.ok()) {
      // Not a bad row: the access file does not let this connector speak
      // for the mapping's source. Every row would be refused, and saving
      // the position past them would lose them.
      for (const v1::PublishResponse& answer : *answers) {
        if (answer.outcome() == v1::PublishResponse::REJECTED &&
            answer.error().code() == static_cast<int>(absl::StatusCode::kPermissionDenied)) {
          return absl::PermissionDeniedError(absl::StrCat(
              "the engine at ", server_, " refused: ", answer.error().message(),
              "; nothing is counted as done: list the source for this connector's principal, then run it again"));
        }
      }
      return answers;
    }
    last = answers.status();
    if (!IsRetryableGrpcCode(static_cast<int>(last.code()))) return last;
  }
  return absl::UnavailableError(absl::StrCat("the engine at ", server_, " did not answer after ", options_.max_attempts,
                                             " attempts: ", last.message()));
}

absl::StatusOr<std::vector<v1::PublishResponse>> EventPublisher::Attempt(
    const std::vector<v1::PublishRequest>& requests) {
  std::vector<v1::PublishResponse> answers;
  answers.reserve(requests.size());
  // With a rate, about ten calls a second, each waiting for its turn.
  const double rate = std::isfinite(options_.max_rate) ? options_.max_rate : 0;
  const size_t most = rate > 0 ? std::clamp<size_t>(static_cast<size_t>(rate / 10), 1, kEventsPerCall) : kEventsPerCall;
  size_t next = 0;
  while (next < requests.size()) {
    v1::PublishBatchRequest batch;
    size_t bytes = 0;
    while (next < requests.size() && static_cast<size_t>(batch.events_size()) < most &&
           (batch.events_size() == 0 || bytes + requests[next].ByteSizeLong() <= kBytesPerCall)) {
      bytes += requests[next].ByteSizeLong();
      *batch.add_events() = requests[next++];
    }
    if (rate > 0) {
      const absl::Time now = absl::Now();
      if (next_due_ > now) options_.sleep(next_due_ - now);
      next_due_ = std::max(now, next_due_) + absl::Seconds(batch.events_size() / rate);
    }
    grpc::ClientContext context;
    connection_.PrepareCall(&context, options_.deadline);
    v1::PublishBatchResponse answer;
    grpc::Status status = stub_->PublishBatch(&context, batch, &answer);
    if (!status.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
    }
    if (answer.results_size() != batch.events_size()) {
      return absl::UnavailableError(
          absl::StrCat("the engine answered ", answer.results_size(), " of ", batch.events_size(), " events"));
    }
    const uint64_t offset = answers.size();
    for (v1::PublishResponse& result : *answer.mutable_results()) {
      result.set_stream_index(offset + result.stream_index());
      answers.push_back(std::move(result));
    }
  }
  return answers;
}

}  // namespace proactive
