#include "engine/service/ingestion_service.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "engine/common/field_error.h"
#include "engine/common/status_macros.h"
#include "engine/ingest/value_conversion.h"
#include "engine/service/denied_reactor.h"
#include "engine/service/grpc_status.h"
#include "engine/service/in_flight_budget.h"
#include "google/protobuf/arena.h"
#include "grpcpp/support/message_allocator.h"
#include "proactive/v1/ingestion.grpc.pb.h"

namespace proactive {
namespace {

// The request's event id, to echo in its answer: empty when it is not a
// valid identifier (too long, not UTF-8), so that a refused event's answer
// holds no more than a valid one's while it waits for those before it.
std::string RequestEventId(const v1::PublishRequest& request) {
  absl::string_view id;
  if (request.has_person()) id = request.person().event_id();
  if (request.has_broadcast()) id = request.broadcast().event_id();
  return CheckIdentifier(id, "event_id").ok() ? std::string(id) : std::string();
}

// Validates the event, then checks that the caller speaks for the source it
// names: PERMISSION_DENIED naming "source" otherwise.
absl::StatusOr<ValidatedEvent> ValidateFromCaller(const v1::PublishRequest& request, const Principal& caller,
                                                  const AttributeSchema& schema, const IngestLimits& limits,
                                                  absl::Time now) {
  ASSIGN_OR_RETURN(ValidatedEvent validated, ValidatePublishRequest(request, schema, limits, now));
  RETURN_IF_ERROR(caller.AuthorizeSource(
      request.has_person() ? request.person().source() : request.broadcast().source(), "source"));
  return validated;
}

void FillResponse(const absl::StatusOr<IngestResult>& result, v1::PublishResponse* response) {
  if (result.ok()) {
    response->set_outcome(result->duplicate ? v1::PublishResponse::DUPLICATE : v1::PublishResponse::ACCEPTED);
    response->set_log_sequence(result->sequence);
    return;
  }
  response->set_outcome(v1::PublishResponse::REJECTED);
  v1::EventError* error = response->mutable_error();
  error->set_code(static_cast<int>(result.status().code()));
  error->set_message(std::string(result.status().message()));
  error->set_field(ErrorField(result.status()));
}

// What an event counts against the in-flight budget.
int64_t InFlightCost(const v1::PublishRequest& request) {
  return std::max<int64_t>(static_cast<int64_t>(request.ByteSizeLong()), kMinInFlightEventCost);
}

// One PublishStream call. Reads ahead up to `window` events so that many share
// one group commit, and writes responses strictly in request order. Stops
// reading while the window is full or the shared budget is spent.
class PublishStreamReactor final : public grpc::ServerBidiReactor<v1::PublishRequest, v1::PublishResponse> {
 public:
  PublishStreamReactor(const IngestionServiceDeps& deps, Principal caller, InFlightBudget* budget)
      : deps_(deps), caller_(std::move(caller)), budget_(budget), waiter_(std::make_shared<BudgetWaiter>([this] {
          absl::MutexLock lock(&mu_);
          StartReadLocked();
        })) {
    absl::MutexLock lock(&mu_);
    StartReadLocked();
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      absl::MutexLock lock(&mu_);
      read_outstanding_ = false;
      reads_done_ = true;
      MaybeFinishLocked();
      return;
    }
    auto slot = std::make_shared<Slot>();
    slot->response.set_stream_index(next_index_++);
    slot->response.set_event_id(RequestEventId(request_));
    absl::StatusOr<ValidatedEvent> validated =
        ValidateFromCaller(request_, caller_, *deps_.schema->Get(), deps_.limits, deps_.clock->Now());
    {
      absl::MutexLock lock(&mu_);
      pending_.push_back(slot);
    }
    // Submit before asking for the next request: the writer applies events in
    // submission order, so the log follows the stream's order. The read stays
    // marked outstanding until then, so nothing starts another one meanwhile.
    if (!validated.ok()) {
      Complete(slot, validated.status());
    } else {
      // Released once the writer answered: after Complete, `this` may be gone.
      const int64_t cost = InFlightCost(request_);
      budget_->Charge(cost);
      deps_.writer->Submit(*std::move(validated),
                           [this, slot, budget = budget_, cost](absl::StatusOr<IngestResult> result) {
                             Complete(slot, std::move(result));
                             budget->Release(cost);
                           });
    }
    absl::MutexLock lock(&mu_);
    read_outstanding_ = false;
    if (cancelled_) {
      reads_done_ = true;  // cancelled meanwhile: no read will end the stream
      MaybeFinishLocked();
      return;
    }
    StartReadLocked();
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    write_in_flight_ = false;
    if (!ok) CancelLocked();
    WriteNextLocked();
    MaybeFinishLocked();
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    CancelLocked();
    WriteNextLocked();
    MaybeFinishLocked();
  }

  void OnDone() override {
    waiter_->Close();  // the budget no longer resumes us
    // Finish may be called under mu_ (Complete, on the writer's thread), and
    // gRPC may run OnDone before that caller unlocks: wait for it.
    { absl::MutexLock lock(&mu_); }
    delete this;
  }

 private:
  struct Slot {
    v1::PublishResponse response;
    bool ready = false;
  };

  void Complete(const std::shared_ptr<Slot>& slot, absl::StatusOr<IngestResult> result) {
    absl::MutexLock lock(&mu_);
    FillResponse(result, &slot->response);
    slot->ready = true;
    WriteNextLocked();
    MaybeFinishLocked();
  }

  // Reads the next event unless one is being read, the stream is over, the
  // window is full, or the budget is spent (then the budget resumes us).
  void StartReadLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (read_outstanding_ || reads_done_ || cancelled_) return;
    if (static_cast<int>(pending_.size()) >= deps_.stream_window) return;
    if (!budget_->HasRoomOrWait(waiter_)) return;
    read_outstanding_ = true;
    StartRead(&request_);
  }

  void CancelLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    cancelled_ = true;
    // A paused stream has no read outstanding that could end it.
    if (!read_outstanding_) reads_done_ = true;
  }

  void WriteNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    while (!write_in_flight_ && !pending_.empty() && pending_.front()->ready) {
      writing_ = pending_.front();
      pending_.pop_front();
      if (cancelled_) continue;  // nobody to answer; the event is applied anyway
      write_in_flight_ = true;
      StartWrite(&writing_->response);
      StartReadLocked();
    }
  }

  void MaybeFinishLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_ || !reads_done_ || !pending_.empty() || write_in_flight_) return;
    finished_ = true;
    Finish(grpc::Status::OK);
  }

  const IngestionServiceDeps& deps_;
  const Principal caller_;  // identified when the stream opened
  InFlightBudget* const budget_;
  const std::shared_ptr<BudgetWaiter> waiter_;
  v1::PublishRequest request_;  // owned by the outstanding read
  uint64_t next_index_ = 0;     // touched by OnReadDone only, one at a time

  absl::Mutex mu_;
  std::deque<std::shared_ptr<Slot>> pending_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<Slot> writing_ ABSL_GUARDED_BY(mu_);
  bool read_outstanding_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  bool write_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

// A PublishBatch call waiting for the writer: answered when its last event
// is. The writer answers a call's events on its one thread, but the count is
// atomic so that nothing depends on it.
struct BatchCall {
  BatchCall(grpc::ServerUnaryReactor* reactor, v1::PublishBatchResponse* response, InFlightBudget* budget)
      : reactor(reactor), response(response), budget(budget) {}

  void Answer(v1::PublishResponse* result, absl::StatusOr<IngestResult> applied) {
    // An engine failure fails the call with UNAVAILABLE, whatever the
    // storage said (DATA_LOSS, ...): the client retries the whole batch.
    if (!applied.ok() && !IsEventRefusal(applied.status())) {
      absl::MutexLock lock(&failure_mu);
      if (failure.ok()) {
        failure = applied.status().code() == absl::StatusCode::kUnavailable
                      ? applied.status()
                      : absl::UnavailableError(absl::StrCat("storage failed: ", applied.status().message()));
      }
    }
    FillResponse(applied, result);
    if (remaining.fetch_sub(1) != 1) return;
    budget->Release(cost);
    absl::Status failed;
    {
      absl::MutexLock lock(&failure_mu);
      failed = failure;
    }
    if (!failed.ok()) response->clear_results();
    reactor->Finish(failed.ok() ? grpc::Status::OK : ToGrpcStatus(failed));
  }

  grpc::ServerUnaryReactor* const reactor;
  v1::PublishBatchResponse* const response;
  InFlightBudget* const budget;
  int64_t cost = 0;
  std::atomic<int> remaining{0};
  absl::Mutex failure_mu;
  absl::Status failure ABSL_GUARDED_BY(failure_mu);
};

// A call's request and response on one protobuf arena: parsing takes its
// messages from the arena and they all go at once with it, rather than one
// by one (a batch of 1,000 events is some 10,000 messages and strings).
// Validation copies what it keeps out of the request.
template <typename Request, typename Response>
class ArenaMessageAllocator final : public grpc::MessageAllocator<Request, Response> {
 public:
  explicit ArenaMessageAllocator(size_t first_block_bytes) : first_block_bytes_(first_block_bytes) {}

  grpc::MessageHolder<Request, Response>* AllocateMessages() override { return new Holder(first_block_bytes_); }

 private:
  class Holder final : public grpc::MessageHolder<Request, Response> {
   public:
    explicit Holder(size_t first_block_bytes) : arena_(Options(first_block_bytes)) {
      this->set_request(google::protobuf::Arena::CreateMessage<Request>(&arena_));
      this->set_response(google::protobuf::Arena::CreateMessage<Response>(&arena_));
    }
    void Release() override { delete this; }

   private:
    static google::protobuf::ArenaOptions Options(size_t first_block_bytes) {
      google::protobuf::ArenaOptions options;
      options.start_block_size = first_block_bytes;
      options.max_block_size = std::max<size_t>(first_block_bytes, 256 << 10);
      return options;
    }
    google::protobuf::Arena arena_;
  };

  const size_t first_block_bytes_;
};

class IngestionService final : public v1::Ingestion::CallbackService {
 public:
  explicit IngestionService(IngestionServiceDeps deps) : deps_(std::move(deps)), budget_(deps_.max_bytes_in_flight) {
    SetMessageAllocatorFor_Publish(&publish_allocator_);
    SetMessageAllocatorFor_PublishBatch(&batch_allocator_);
  }

  grpc::ServerUnaryReactor* Publish(grpc::CallbackServerContext* context, const v1::PublishRequest* request,
                                    v1::PublishResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    absl::StatusOr<Principal> caller = deps_.access->Get()->AuthorizeCaller(*context, kPublishMethod);
    if (!caller.ok()) {
      reactor->Finish(ToGrpcStatus(caller.status()));
      return reactor;
    }
    response->set_event_id(RequestEventId(*request));
    absl::StatusOr<ValidatedEvent> validated =
        ValidateFromCaller(*request, *caller, *deps_.schema->Get(), deps_.limits, deps_.clock->Now());
    if (!validated.ok()) {
      reactor->Finish(ToGrpcStatus(validated.status()));
      return reactor;
    }
    const int64_t cost = InFlightCost(*request);
    budget_.Charge(cost);
    deps_.writer->Submit(*std::move(validated),
                         [reactor, response, budget = &budget_, cost](absl::StatusOr<IngestResult> result) {
                           budget->Release(cost);
                           if (!result.ok()) {
                             reactor->Finish(ToGrpcStatus(result.status()));
                             return;
                           }
                           FillResponse(result, response);
                           reactor->Finish(grpc::Status::OK);
                         });
    return reactor;
  }

  grpc::ServerUnaryReactor* PublishBatch(grpc::CallbackServerContext* context, const v1::PublishBatchRequest* request,
                                         v1::PublishBatchResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    absl::StatusOr<Principal> caller = deps_.access->Get()->AuthorizeCaller(*context, kPublishBatchMethod);
    if (!caller.ok()) {
      reactor->Finish(ToGrpcStatus(caller.status()));
      return reactor;
    }
    const int events = request->events_size();
    if (events == 0 || events > kMaxBatchEvents) {
      reactor->Finish(ToGrpcStatus(
          FieldError("events", events == 0 ? absl::StrCat("is empty; a batch has 1 to ", kMaxBatchEvents, " events")
                                           : absl::StrCat(events, " events; a batch has 1 to ", kMaxBatchEvents,
                                                          " (send several batches)"))));
      return reactor;
    }
    // Every event is validated before any is queued; the refused ones are
    // answered here and the others queued together.
    auto batch = std::make_shared<BatchCall>(reactor, response, &budget_);
    std::vector<EventWriter::Submission> submissions;
    submissions.reserve(events);
    const absl::Time now = deps_.clock->Now();
    std::shared_ptr<const AttributeSchema> schema = deps_.schema->Get();
    for (int i = 0; i < events; ++i) {
      const v1::PublishRequest& event = request->events(i);
      v1::PublishResponse* result = response->add_results();
      result->set_stream_index(i);
      result->set_event_id(RequestEventId(event));
      absl::StatusOr<ValidatedEvent> validated = ValidateFromCaller(event, *caller, *schema, deps_.limits, now);
      if (!validated.ok()) {
        FillResponse(validated.status(), result);
        continue;
      }
      batch->cost += InFlightCost(event);
      submissions.push_back({*std::move(validated), [batch, result](absl::StatusOr<IngestResult> applied) {
                               batch->Answer(result, std::move(applied));
                             }});
    }
    if (submissions.empty()) {
      reactor->Finish(grpc::Status::OK);
      return reactor;
    }
    batch->remaining = static_cast<int>(submissions.size());
    budget_.Charge(batch->cost);
    if (absl::Status queued = deps_.writer->SubmitAll(std::move(submissions)); !queued.ok()) {
      budget_.Release(batch->cost);
      reactor->Finish(ToGrpcStatus(queued));
    }
    return reactor;
  }

  grpc::ServerBidiReactor<v1::PublishRequest, v1::PublishResponse>* PublishStream(
      grpc::CallbackServerContext* context) override {
    absl::StatusOr<Principal> caller = deps_.access->Get()->AuthorizeCaller(*context, kPublishStreamMethod);
    if (!caller.ok()) {
      return new DeniedBidiReactor<v1::PublishRequest, v1::PublishResponse>(ToGrpcStatus(caller.status()));
    }
    return new PublishStreamReactor(deps_, *std::move(caller), &budget_);
  }

 private:
  const IngestionServiceDeps deps_;
  InFlightBudget budget_;
  // One event, a few hundred bytes parsed; a batch, up to kMaxBatchEvents.
  ArenaMessageAllocator<v1::PublishRequest, v1::PublishResponse> publish_allocator_{2 << 10};
  ArenaMessageAllocator<v1::PublishBatchRequest, v1::PublishBatchResponse> batch_allocator_{64 << 10};
};

}  // namespace

std::unique_ptr<grpc::Service> NewIngestionService(IngestionServiceDeps deps) {
  return std::make_unique<IngestionService>(std::move(deps));
}

}  // namespace proactive
