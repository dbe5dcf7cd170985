// The transport's ceiling on this machine: a gRPC server with the daemon's
// transport settings (GrpcServer::Start) whose Ingestion service answers
// every event ACCEPTED at once, without validating, applying or storing it.
// `ingest_load` measured against it gives the most any engine could ingest
// here through one message per event, with the load generator on the same
// cores (docs/performance.md, "The transport's ceiling"). Not a test.
//
//   transport_ceiling --listen=127.0.0.1:0 --ready_file=/tmp/ready
//   ingest_load --target=$(cat /tmp/ready) --mode=stream --events=300000
//
// Runs until SIGTERM or SIGINT.
#include <pthread.h>

#include <atomic>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <fstream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/synchronization/mutex.h"
#include "engine/service/grpc_server.h"
#include "grpcpp/grpcpp.h"
#include "proactive/v1/ingestion.grpc.pb.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0", "host:port to serve on; port 0 picks a free port");
ABSL_FLAG(std::string, ready_file, "", "when set, the bound host:port is written here once serving");

namespace proactive {
namespace {

void Accept(const v1::PublishRequest& request, uint64_t sequence, v1::PublishResponse* response) {
  response->set_event_id(request.has_person() ? request.person().event_id() : request.broadcast().event_id());
  response->set_outcome(v1::PublishResponse::ACCEPTED);
  response->set_log_sequence(sequence);
}

// Answers each event as it is read, one write at a time as the callback API
// requires, and reads on meanwhile. Unlike the daemon's PublishStreamReactor
// it sets no bound on what it reads ahead (no window, no shared budget):
// fine for a benchmark, not for a server facing unknown clients.
class AnsweringStream final : public grpc::ServerBidiReactor<v1::PublishRequest, v1::PublishResponse> {
 public:
  explicit AnsweringStream(std::atomic<uint64_t>* sequence) : sequence_(sequence) { StartRead(&request_); }

  void OnReadDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    if (!ok) {
      reads_done_ = true;
      MaybeFinishLocked();
      return;
    }
    answers_.emplace_back();
    Accept(request_, sequence_->fetch_add(1), &answers_.back());
    answers_.back().set_stream_index(next_index_++);
    if (!writing_) WriteFrontLocked();
    StartRead(&request_);
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    answers_.pop_front();
    if (!ok) answers_.clear();
    if (!answers_.empty()) WriteFrontLocked();
    MaybeFinishLocked();
  }

  void OnDone() override { delete this; }

 private:
  void WriteFrontLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    writing_ = true;
    StartWrite(&answers_.front());
  }

  void MaybeFinishLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_ || !reads_done_ || writing_ || !answers_.empty()) return;
    finished_ = true;
    Finish(grpc::Status::OK);
  }

  std::atomic<uint64_t>* const sequence_;
  v1::PublishRequest request_;
  absl::Mutex mu_;
  std::deque<v1::PublishResponse> answers_ ABSL_GUARDED_BY(mu_);  // the front one is being written
  uint64_t next_index_ ABSL_GUARDED_BY(mu_) = 0;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

class AnsweringIngestion final : public v1::Ingestion::CallbackService {
 public:
  grpc::ServerUnaryReactor* Publish(grpc::CallbackServerContext* context, const v1::PublishRequest* request,
                                    v1::PublishResponse* response) override {
    Accept(*request, sequence_.fetch_add(1), response);
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerUnaryReactor* PublishBatch(grpc::CallbackServerContext* context, const v1::PublishBatchRequest* request,
                                         v1::PublishBatchResponse* response) override {
    for (int i = 0; i < request->events_size(); ++i) {
      v1::PublishResponse* result = response->add_results();
      Accept(request->events(i), sequence_.fetch_add(1), result);
      result->set_stream_index(i);
    }
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerBidiReactor<v1::PublishRequest, v1::PublishResponse>* PublishStream(
      grpc::CallbackServerContext*) override {
    return new AnsweringStream(&sequence_);
  }

 private:
  std::atomic<uint64_t> sequence_{1};
};

int Run() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before gRPC's threads inherit the mask

  AnsweringIngestion ingestion;
  GrpcServerOptions options;
  options.listen_address = absl::GetFlag(FLAGS_listen);
  absl::StatusOr<std::unique_ptr<GrpcServer>> server = GrpcServer::Start(options, {&ingestion});
  if (!server.ok()) {
    std::fprintf(stderr, "transport_ceiling: %s\n", server.status().ToString().c_str());
    return 1;
  }
  if (const std::string ready = absl::GetFlag(FLAGS_ready_file); !ready.empty()) {
    std::ofstream(ready + ".tmp") << (*server)->address();
    std::rename((ready + ".tmp").c_str(), ready.c_str());
  }
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  (*server)->Shutdown(absl::Seconds(1));
  return 0;
}

}  // namespace
}  // namespace proactive

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  // As proactived does (Debian's abseil records every lock order otherwise).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return proactive::Run();
}
