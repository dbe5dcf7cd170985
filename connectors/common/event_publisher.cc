#include "connectors/common/event_publisher.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/client/channel.h"
#include "engine/common/log.h"

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
      stub_(v1::Ingestion::NewStub(ConnectToEngine(server_))) {
  if (!options_.sleep) options_.sleep = [](absl::Duration d) { absl::SleepFor(d); };
}

absl::StatusOr<std::vector<v1::PublishResponse>> EventPublisher::Publish(
    const std::vector<v1::PublishRequest>& requests) {
  if (requests.empty()) return std::vector<v1::PublishResponse>();
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
    if (answers.ok()) return answers;
    last = answers.status();
    if (!IsRetryableGrpcCode(static_cast<int>(last.code()))) return last;
  }
  return absl::UnavailableError(absl::StrCat("the engine at ", server_, " did not answer after ", options_.max_attempts,
                                             " attempts: ", last.message()));
}

absl::StatusOr<std::vector<v1::PublishResponse>> EventPublisher::Attempt(
    const std::vector<v1::PublishRequest>& requests) {
  grpc::ClientContext context;
  SetDeadline(&context, options_.deadline);
  std::unique_ptr<grpc::ClientReaderWriter<v1::PublishRequest, v1::PublishResponse>> stream =
      stub_->PublishStream(&context);
  const double rate = options_.max_rate;
  std::thread writer([&] {
    const absl::Time start = absl::Now();
    for (size_t i = 0; i < requests.size(); ++i) {
      if (rate > 0) {
        absl::Time due = start + absl::Seconds(static_cast<double>(i) / rate);
        absl::Time now = absl::Now();
        if (due > now) absl::SleepFor(due - now);
      }
      if (!stream->Write(requests[i])) break;  // the reader sees why
    }
    stream->WritesDone();
  });
  std::vector<v1::PublishResponse> answers;
  answers.reserve(requests.size());
  v1::PublishResponse answer;
  while (stream->Read(&answer)) answers.push_back(answer);
  writer.join();
  grpc::Status status = stream->Finish();
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  }
  if (answers.size() != requests.size()) {
    return absl::UnavailableError(
        absl::StrCat("the engine answered ", answers.size(), " of ", requests.size(), " events"));
  }
  return answers;
}

}  // namespace proactive
