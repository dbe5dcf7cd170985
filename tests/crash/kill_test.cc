// kill -9 under load, on the real daemon: after every restart, every
// acknowledged event is present exactly once (publishing it again answers
// DUPLICATE with its original log position) and no batch is torn (a child
// and its guardian both carry their link).
#include <cstdio>
#include <map>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "engine/client/channel.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proactive/v1/ingestion.grpc.pb.h"
#include "proactive/v1/persons.grpc.pb.h"
#include "tests/ingest/test_events.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;

v1::PublishRequest Birth(int64_t n) {
  v1::PublishRequest r = testing::BirthEvent(absl::StrCat("k", n), absl::StrCat("C", n));
  v1::Link* link = r.mutable_person()->add_links_added();
  link->set_relation(v1::RELATION_GUARDIAN);
  link->set_person_id(absl::StrCat("G", n / 10));
  return r;
}

// Streams events from `first` on until the stream breaks; records each
// acknowledged event's log sequence.
void PublishUntilKilled(const std::string& address, int64_t first, absl::Mutex* mu,
                        std::map<int64_t, uint64_t>* acknowledged) {
  auto stub = v1::Ingestion::NewStub(ConnectToEngine(address));
  grpc::ClientContext context;
  SetDeadline(&context, absl::Seconds(60));
  auto stream = stub->PublishStream(&context);
  std::thread writer([&] {
    for (int64_t n = first; n < first + 100000; ++n) {
      if (!stream->Write(Birth(n))) break;
    }
    stream->WritesDone();
  });
  v1::PublishResponse response;
  while (stream->Read(&response)) {
    if (response.outcome() != v1::PublishResponse::ACCEPTED) continue;
    int64_t n = std::stoll(response.event_id().substr(1));
    absl::MutexLock lock(mu);
    (*acknowledged)[n] = response.log_sequence();
  }
  writer.join();
  (void)stream->Finish();
}

// Publishes the events again; all must come back DUPLICATE at their original
// sequence. Returns how many did not (lost or duplicated).
int64_t CountMissing(const std::string& address, const std::map<int64_t, uint64_t>& events) {
  auto stub = v1::Ingestion::NewStub(ConnectToEngine(address));
  grpc::ClientContext context;
  SetDeadline(&context, absl::Seconds(120));
  auto stream = stub->PublishStream(&context);
  std::thread writer([&] {
    for (const auto& [n, sequence] : events) {
      if (!stream->Write(Birth(n))) break;
    }
    stream->WritesDone();
  });
  int64_t missing = 0, answered = 0;
  v1::PublishResponse response;
  while (stream->Read(&response)) {
    ++answered;
    int64_t n = std::stoll(response.event_id().substr(1));
    if (response.outcome() != v1::PublishResponse::DUPLICATE || response.log_sequence() != events.at(n)) {
      ++missing;
      ADD_FAILURE() << "event k" << n << " acknowledged at " << events.at(n) << " came back as outcome "
                    << response.outcome() << " at " << response.log_sequence();
    }
  }
  writer.join();
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(answered, static_cast<int64_t>(events.size()));
  return missing;
}

bool BirthIsWhole(v1::Persons::Stub* persons, int64_t n) {
  const auto get = [&](const std::string& id, v1::Person* person) {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::GetPersonRequest request;
    request.set_person_id(id);
    return persons->GetPerson(&context, request, person).ok();
  };
  v1::Person child, guardian;
  if (!get(absl::StrCat("C", n), &child) || !get(absl::StrCat("G", n / 10), &guardian)) return false;
  if (child.links_size() != 1 || child.attributes_size() != 1) return false;
  for (const v1::Link& link : guardian.links()) {
    if (link.person_id() == absl::StrCat("C", n)) return true;
  }
  return false;
}

int CyclesFromEnvironment() {
  const char* value = std::getenv("PROACTIVE_CRASH_CYCLES");
  return value != nullptr ? std::atoi(value) : 200;
}

TEST(KillTest, AcknowledgedEventsSurviveKillNine) {
  const int cycles = CyclesFromEnvironment();
  testing::TempDir dir;
  testing::DaemonProcess daemon(testing::DaemonOptions{dir.path() + "/data"});
  std::mt19937_64 random(20261121);
  absl::Mutex mu;
  std::map<int64_t, uint64_t> acknowledged;
  int64_t next = 0, missing = 0, torn = 0;

  for (int cycle = 0; cycle < cycles; ++cycle) {
    ASSERT_THAT(daemon.Start(), IsOk());
    std::map<int64_t, uint64_t> before;
    {
      absl::MutexLock lock(&mu);
      before = acknowledged;
    }
    std::thread publisher(PublishUntilKilled, daemon.address(), next, &mu, &acknowledged);
    absl::SleepFor(absl::Milliseconds(5 + random() % 60));
    daemon.Kill();
    publisher.join();
    next += 100000;

    ASSERT_THAT(daemon.Start(), IsOk());
    std::map<int64_t, uint64_t> this_cycle;
    {
      absl::MutexLock lock(&mu);
      for (const auto& [n, s] : acknowledged) {
        if (before.count(n) == 0) this_cycle.emplace(n, s);
      }
    }
    missing += CountMissing(daemon.address(), this_cycle);
    auto persons = v1::Persons::NewStub(ConnectToEngine(daemon.address()));
    for (const auto& [n, s] : this_cycle) {
      if (!BirthIsWhole(persons.get(), n)) ++torn;
    }
    daemon.Kill();
  }
  // A last restart checks everything acknowledged in every cycle.
  ASSERT_THAT(daemon.Start(), IsOk());
  missing += CountMissing(daemon.address(), acknowledged);
  ASSERT_THAT(daemon.Stop(), IsOk());
  std::printf("kill -9: %d cycles, %zu events acknowledged, lost or duplicated = %lld, torn = %lld\n", cycles,
              acknowledged.size(), static_cast<long long>(missing), static_cast<long long>(torn));
  EXPECT_GT(acknowledged.size(), static_cast<size_t>(cycles));
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(torn, 0);
}

}  // namespace
}  // namespace proactive
