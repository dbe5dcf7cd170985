// Load generator for a running proactived, written with gRPC's async API so
// that one client thread keeps many calls in flight. Not a test: it prints
// figures as `key=value` lines that bench/run.sh puts in its table.
//
//   ingest_load --target=127.0.0.1:50051 --mode=stream --events=300000 --seed=11
//   ingest_load --target=127.0.0.1:50051 --mode=unary --in_flight=32 --events=100000 --seed=12
//   ingest_load --target=127.0.0.1:50051 --mode=batch --batch_events=1000 --events=300000 --seed=13
//   ingest_load --target=127.0.0.1:50051 --mode=broadcast
//   ingest_load --target=127.0.0.1:50051 --mode=audit --lookups=200
//
// stream: --streams PublishStream calls share the events; events/s counts
// from the first write to the last acknowledgement (acks come after fsync).
// unary: Publish calls, --in_flight at a time; events/s and latency
// percentiles. batch: PublishBatch calls of --batch_events events,
// --batches_in_flight at a time; events/s and the calls' latency. broadcast: waits until the engine's population
// projection is loaded (projection_wait_ms), publishes a red heatwave for Paris, polls the engine's status until no
// sweep is pending (every chunk is fsynced before it stops being pending): the time from the acknowledgement to that
// moment. audit: the time to read one decision's whole audit history, for --lookups decisions in turn.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "engine/client/channel.h"
#include "engine/synth/synthetic_population.h"
#include "grpcpp/grpcpp.h"
#include "proactive/v1/audit.grpc.pb.h"
#include "proactive/v1/ingestion.grpc.pb.h"
#include "proactive/v1/rules_admin.grpc.pb.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "host:port of proactived (plaintext, --insecure)");
ABSL_FLAG(std::string, mode, "stream", "stream, unary, batch, broadcast or audit");
ABSL_FLAG(int64_t, events, 200000, "events to send (stream, unary)");
ABSL_FLAG(int, streams, 4, "concurrent PublishStream calls (stream)");
ABSL_FLAG(int, in_flight, 32, "concurrent Publish calls (unary)");
ABSL_FLAG(int, batch_events, 1000, "events per PublishBatch call (batch)");
ABSL_FLAG(int, batches_in_flight, 4, "concurrent PublishBatch calls (batch)");
ABSL_FLAG(uint64_t, seed, 11, "synthetic population seed: a new seed gives new persons and event ids");
ABSL_FLAG(std::string, episode, "bench", "heatwave episode id (broadcast)");
ABSL_FLAG(int, lookups, 200, "decisions whose audit history is read, one after another (audit)");

namespace proactive {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::vector<v1::PublishRequest> MakeEvents(int64_t count, uint64_t seed) {
  std::vector<v1::PublishRequest> events;
  events.reserve(count);
  SyntheticPopulationOptions options;
  options.persons = count / 2 + 16;  // about 2.5 events per person
  options.seed = seed;
  GenerateSyntheticPopulation(options, [&](const v1::PublishRequest& event) {
    if (static_cast<int64_t>(events.size()) < count) events.push_back(event);
  });
  return events;
}

// What a completion-queue tag stands for.
struct Tag {
  enum Kind { kStart, kWrite, kWritesDone, kRead, kFinish, kUnary } kind;
  int call;
};

struct Stream {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientAsyncReaderWriter<v1::PublishRequest, v1::PublishResponse>> rw;
  v1::PublishResponse response;
  grpc::Status status;
  std::vector<const v1::PublishRequest*> events;
  size_t next = 0;
  Tag start{Tag::kStart, 0}, write{Tag::kWrite, 0}, writes_done{Tag::kWritesDone, 0}, read{Tag::kRead, 0},
      finish{Tag::kFinish, 0};
};

int RunStreams(v1::Ingestion::Stub* stub, const std::vector<v1::PublishRequest>& events, int count) {
  grpc::CompletionQueue cq;
  std::vector<std::unique_ptr<Stream>> streams;
  for (int i = 0; i < count; ++i) {
    streams.push_back(std::make_unique<Stream>());
    for (Tag* tag :
         {&streams[i]->start, &streams[i]->write, &streams[i]->writes_done, &streams[i]->read, &streams[i]->finish}) {
      tag->call = i;
    }
  }
  for (size_t i = 0; i < events.size(); ++i) streams[i % count]->events.push_back(&events[i]);
  const Clock::time_point start = Clock::now();
  for (auto& s : streams) {
    s->rw = stub->PrepareAsyncPublishStream(&s->context, &cq);
    s->rw->StartCall(&s->start);
  }
  int64_t accepted = 0, rejected = 0;
  int finished = 0;
  void* raw;
  bool ok;
  while (finished < count && cq.Next(&raw, &ok)) {
    Tag* tag = static_cast<Tag*>(raw);
    Stream* s = streams[tag->call].get();
    switch (tag->kind) {
      case Tag::kStart:
        if (!ok) {
          s->rw->Finish(&s->status, &s->finish);
          break;
        }
        s->rw->Read(&s->response, &s->read);
        [[fallthrough]];
      case Tag::kWrite:
        if (s->next < s->events.size()) {
          s->rw->Write(*s->events[s->next++], &s->write);
        } else {
          s->rw->WritesDone(&s->writes_done);
        }
        break;
      case Tag::kWritesDone:
        break;
      case Tag::kRead:
        if (!ok) {
          s->rw->Finish(&s->status, &s->finish);
          break;
        }
        if (s->response.outcome() == v1::PublishResponse::REJECTED) {
          ++rejected;
        } else {
          ++accepted;
        }
        s->rw->Read(&s->response, &s->read);
        break;
      case Tag::kFinish:
        if (!s->status.ok()) std::fprintf(stderr, "stream: %s\n", s->status.error_message().c_str());
        ++finished;
        break;
      case Tag::kUnary:
        break;
    }
  }
  const double seconds = SecondsSince(start);
  std::printf("stream_events=%lld\nstream_rejected=%lld\nstream_seconds=%.3f\nstream_events_per_s=%.0f\n",
              static_cast<long long>(accepted), static_cast<long long>(rejected), seconds, accepted / seconds);
  return rejected == 0 && accepted == static_cast<int64_t>(events.size()) ? 0 : 1;
}

template <typename Response>
struct UnaryCall {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientAsyncResponseReader<Response>> reader;
  Response response;
  grpc::Status status;
  Clock::time_point sent;
  Tag tag{Tag::kUnary, 0};
};

// The value below which a share `p` of the sorted `values` lies.
double Percentile(const std::vector<double>& sorted, double p) {
  return sorted.empty() ? 0.0 : sorted[std::min(sorted.size() - 1, static_cast<size_t>(p * sorted.size()))];
}

// Sends `requests` as unary calls, `in_flight` at a time, and prints
// PREFIX_events (events answered), _failed (calls), _seconds, _events_per_s
// and the calls' latency percentiles. `prepare` starts one call;
// `events_of` counts the events a request carries and `rejected_in` those
// of an answer that were refused.
template <typename Request, typename Response, typename Prepare, typename EventsOf, typename RejectedIn>
int RunUnaryCalls(const char* prefix, const std::vector<Request>& requests, int in_flight, Prepare prepare,
                  EventsOf events_of, RejectedIn rejected_in) {
  grpc::CompletionQueue cq;
  std::vector<double> latencies_ms;
  latencies_ms.reserve(requests.size());
  size_t next = 0;
  int64_t failed = 0, events = 0, rejected = 0;
  int outstanding = 0;
  std::vector<std::unique_ptr<UnaryCall<Response>>> calls(in_flight);
  auto send = [&](int index) {
    calls[index] = std::make_unique<UnaryCall<Response>>();
    UnaryCall<Response>* call = calls[index].get();
    call->tag.call = index;
    SetDeadline(&call->context, absl::Seconds(60));
    call->sent = Clock::now();
    call->reader = prepare(&call->context, requests[next++], &cq);
    call->reader->StartCall();
    call->reader->Finish(&call->response, &call->status, &call->tag);
    ++outstanding;
  };
  const Clock::time_point start = Clock::now();
  for (int i = 0; i < in_flight && next < requests.size(); ++i) send(i);
  void* raw;
  bool ok;
  while (outstanding > 0 && cq.Next(&raw, &ok)) {
    const int index = static_cast<Tag*>(raw)->call;
    UnaryCall<Response>* call = calls[index].get();
    --outstanding;
    latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - call->sent).count());
    if (!ok || !call->status.ok()) {
      if (failed++ == 0) std::fprintf(stderr, "%s: %s\n", prefix, call->status.error_message().c_str());
    } else {
      events += events_of(call->response);
      rejected += rejected_in(call->response);
    }
    if (next < requests.size()) send(index);
  }
  const double seconds = SecondsSince(start);
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto percentile = [&](double p) { return Percentile(latencies_ms, p); };
  std::printf(
      "%s_events=%lld\n%s_failed=%lld\n%s_rejected=%lld\n%s_seconds=%.3f\n%s_events_per_s=%.0f\n"
      "%s_p50_ms=%.2f\n%s_p99_ms=%.2f\n",
      prefix, static_cast<long long>(events), prefix, static_cast<long long>(failed), prefix,
      static_cast<long long>(rejected), prefix, seconds, prefix, events / seconds, prefix, percentile(0.50), prefix,
      percentile(0.99));
  return failed == 0 && rejected == 0 ? 0 : 1;
}

int RunUnary(v1::Ingestion::Stub* stub, const std::vector<v1::PublishRequest>& events, int in_flight) {
  return RunUnaryCalls<v1::PublishRequest, v1::PublishResponse>(
      "unary", events, in_flight,
      [stub](grpc::ClientContext* context, const v1::PublishRequest& request, grpc::CompletionQueue* cq) {
        return stub->PrepareAsyncPublish(context, request, cq);
      },
      [](const v1::PublishResponse&) { return 1; }, [](const v1::PublishResponse&) { return 0; });
}

// The events in PublishBatch calls of `per_batch` events, in order.
int RunBatches(v1::Ingestion::Stub* stub, const std::vector<v1::PublishRequest>& events, int per_batch, int in_flight) {
  std::vector<v1::PublishBatchRequest> batches;
  for (size_t i = 0; i < events.size(); ++i) {
    if (i % per_batch == 0) batches.emplace_back();
    *batches.back().add_events() = events[i];
  }
  return RunUnaryCalls<v1::PublishBatchRequest, v1::PublishBatchResponse>(
      "batch", batches, in_flight,
      [stub](grpc::ClientContext* context, const v1::PublishBatchRequest& request, grpc::CompletionQueue* cq) {
        return stub->PrepareAsyncPublishBatch(context, request, cq);
      },
      [](const v1::PublishBatchResponse& answer) { return answer.results_size(); },
      [](const v1::PublishBatchResponse& answer) {
        return std::count_if(answer.results().begin(), answer.results().end(),
                             [](const v1::PublishResponse& r) { return r.outcome() == v1::PublishResponse::REJECTED; });
      });
}

absl::StatusOr<v1::EngineStatus> GetStatus(v1::RulesAdmin::Stub* admin) {
  grpc::ClientContext context;
  SetDeadline(&context, absl::Seconds(10));
  v1::EngineStatus status;
  grpc::Status rpc = admin->GetStatus(&context, v1::GetStatusRequest(), &status);
  if (!rpc.ok()) return absl::UnavailableError(rpc.error_message());
  return status;
}

int RunBroadcast(const std::shared_ptr<grpc::Channel>& channel) {
  auto ingestion = v1::Ingestion::NewStub(channel);
  auto admin = v1::RulesAdmin::NewStub(channel);
  // A running daemon: its population projection loaded (a daemon just
  // started loads it in the background first).
  const Clock::time_point waiting = Clock::now();
  for (;;) {
    absl::StatusOr<v1::EngineStatus> before = GetStatus(admin.get());
    if (!before.ok()) {
      std::fprintf(stderr, "status: %s\n", before.status().ToString().c_str());
      return 1;
    }
    if (!before->projection_loading()) break;
    absl::SleepFor(absl::Milliseconds(5));
  }
  std::printf("projection_wait_ms=%.0f\n", std::chrono::duration<double, std::milli>(Clock::now() - waiting).count());
  v1::PublishRequest request;
  v1::BroadcastEvent* broadcast = request.mutable_broadcast();
  const std::string episode = absl::GetFlag(FLAGS_episode);
  broadcast->set_event_id(absl::StrCat("bench-heatwave-", episode));
  broadcast->set_topic("weather.heatwave");
  broadcast->set_area("75");
  broadcast->set_source("meteo-france");
  // Before the bench daemon's --clock_start (2026-09-01T12:00:00Z).
  broadcast->mutable_occurred_at()->set_seconds(
      absl::ToUnixSeconds(absl::FromCivil(absl::CivilSecond(2026, 9, 1, 10, 0, 0), absl::UTCTimeZone())));
  v1::Attribute* level = broadcast->add_fields();
  level->set_name("level");
  level->mutable_value()->set_string_value("red");
  v1::Attribute* id = broadcast->add_fields();
  id->set_name("episode_id");
  id->mutable_value()->set_string_value(episode);
  grpc::ClientContext context;
  SetDeadline(&context, absl::Seconds(60));
  v1::PublishResponse response;
  const Clock::time_point sent = Clock::now();
  grpc::Status rpc = ingestion->Publish(&context, request, &response);
  const Clock::time_point acked = Clock::now();
  if (!rpc.ok()) {
    std::fprintf(stderr, "broadcast: %s\n", rpc.error_message().c_str());
    return 1;
  }
  for (;;) {
    absl::StatusOr<v1::EngineStatus> status = GetStatus(admin.get());
    if (!status.ok()) {
      std::fprintf(stderr, "status: %s\n", status.status().ToString().c_str());
      return 1;
    }
    if (status->pending_sweeps() == 0) break;
    // Every 20 ms: a status call costs the daemon about 0.3 ms of CPU, which
    // polling every 5 ms took from the sweep it measures (4 % of a profile);
    // the figure is then at most 20 ms late, on seconds.
    absl::SleepFor(absl::Milliseconds(20));
  }
  std::printf("broadcast_ack_ms=%.1f\nbroadcast_end_to_end_ms=%.1f\n",
              std::chrono::duration<double, std::milli>(acked - sent).count(),
              std::chrono::duration<double, std::milli>(Clock::now() - acked).count());
  return 0;
}

int NotMovingOn(uint64_t after) {
  std::fprintf(stderr, "audit list: the engine did not move past entry %llu\n", static_cast<unsigned long long>(after));
  return 1;
}

// What an auditor or a caseworker asks of a decision: its history in the
// audit chain (Audit.ListEntries with a decision), for --lookups decisions
// spread over the chain, one after another. The decisions are those the
// chain says were created (read in pages of 1,000 first, not timed).
int RunAuditLookups(const std::shared_ptr<grpc::Channel>& channel) {
  auto audit = v1::Audit::NewStub(channel);
  std::vector<std::string> created;
  uint64_t last_created = 0;  // the sequence of the last creation listed
  v1::ListAuditEntriesRequest page_request;
  page_request.set_action("decision.created");
  page_request.set_limit(1000);
  for (;;) {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(60));
    v1::ListAuditEntriesResponse page;
    grpc::Status rpc = audit->ListEntries(&context, page_request, &page);
    if (!rpc.ok()) {
      std::fprintf(stderr, "audit list: %s\n", rpc.error_message().c_str());
      return 1;
    }
    for (const v1::AuditEntry& e : page.entries()) {
      created.push_back(e.decision_id());
      last_created = std::max<uint64_t>(last_created, e.sequence());
    }
    if (!page.has_next_after_sequence()) break;
    if (page.next_after_sequence() <= page_request.after_sequence()) return NotMovingOn(page_request.after_sequence());
    page_request.set_after_sequence(page.next_after_sequence());
  }
  if (created.empty()) {
    std::fprintf(stderr, "audit: the chain names no decision created\n");
    return 1;
  }
  const size_t lookups = std::min<size_t>(created.size(), std::max(1, absl::GetFlag(FLAGS_lookups)));
  std::vector<double> latencies_ms;
  int64_t entries = 0;
  int64_t calls = 0;
  for (size_t i = 0; i < lookups; ++i) {
    // The whole history, following the pages as `proactivectl audit list` does.
    v1::ListAuditEntriesRequest request;
    request.set_decision(created[i * created.size() / lookups]);
    request.set_limit(1000);
    int64_t found = 0;
    const Clock::time_point sent = Clock::now();
    for (;;) {
      grpc::ClientContext context;
      SetDeadline(&context, absl::Seconds(60));
      v1::ListAuditEntriesResponse response;
      grpc::Status rpc = audit->ListEntries(&context, request, &response);
      ++calls;
      if (!rpc.ok()) {
        std::fprintf(stderr, "audit list --decision %s: %s\n", request.decision().c_str(), rpc.error_message().c_str());
        return 1;
      }
      found += response.entries_size();
      if (!response.has_next_after_sequence()) break;
      if (response.next_after_sequence() <= request.after_sequence()) return NotMovingOn(request.after_sequence());
      request.set_after_sequence(response.next_after_sequence());
    }
    latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
    if (found == 0) {
      std::fprintf(stderr, "audit list --decision %s: no entry\n", request.decision().c_str());
      return 1;
    }
    entries += found;
  }
  std::sort(latencies_ms.begin(), latencies_ms.end());
  const double n = static_cast<double>(lookups);
  std::printf(
      "audit_last_created_entry=%llu\naudit_lookups=%zu\naudit_entries_per_lookup=%.1f\naudit_calls_per_lookup=%.1f\n"
      "audit_p50_ms=%.2f\naudit_p99_ms=%.2f\n",
      static_cast<unsigned long long>(last_created), lookups, static_cast<double>(entries) / n,
      static_cast<double>(calls) / n, Percentile(latencies_ms, 0.50), Percentile(latencies_ms, 0.99));
  return 0;
}

int Run() {
  std::shared_ptr<grpc::Channel> channel = ConnectToEngine(absl::GetFlag(FLAGS_target));
  const std::string mode = absl::GetFlag(FLAGS_mode);
  if (mode == "broadcast") return RunBroadcast(channel);
  if (mode == "audit") return RunAuditLookups(channel);
  if (mode != "stream" && mode != "unary" && mode != "batch") {
    std::fprintf(stderr, "--mode must be stream, unary, batch, broadcast or audit\n");
    return 2;
  }
  std::vector<v1::PublishRequest> events = MakeEvents(absl::GetFlag(FLAGS_events), absl::GetFlag(FLAGS_seed));
  auto stub = v1::Ingestion::NewStub(channel);
  auto admin = v1::RulesAdmin::NewStub(channel);
  // How many events shared each group commit: from the engine's status
  // (a server without it, such as transport_ceiling, prints nothing). The
  // call also connects the channel before the load's clock starts.
  absl::StatusOr<v1::EngineStatus> before = GetStatus(admin.get());
  int code;
  if (mode == "stream") {
    code = RunStreams(stub.get(), events, std::max(1, absl::GetFlag(FLAGS_streams)));
  } else if (mode == "unary") {
    code = RunUnary(stub.get(), events, std::max(1, absl::GetFlag(FLAGS_in_flight)));
  } else {
    code = RunBatches(stub.get(), events, std::max(1, absl::GetFlag(FLAGS_batch_events)),
                      std::max(1, absl::GetFlag(FLAGS_batches_in_flight)));
  }
  absl::StatusOr<v1::EngineStatus> after = GetStatus(admin.get());
  if (before.ok() && after.ok()) {
    const uint64_t groups = after->ingestion().group_commits() - before->ingestion().group_commits();
    const uint64_t applied = after->ingestion().events() - before->ingestion().events();
    std::printf("%s_group_commits=%llu\n%s_events_per_group=%.1f\n", mode.c_str(),
                static_cast<unsigned long long>(groups), mode.c_str(),
                groups == 0 ? 0.0 : static_cast<double>(applied) / static_cast<double>(groups));
  }
  return code;
}

}  // namespace
}  // namespace proactive

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  // As proactived does: Debian's abseil checks every lock order otherwise,
  // and the load generator shares the cores with the daemon it measures.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return proactive::Run();
}
