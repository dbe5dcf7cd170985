// Ingestion against the real daemon: real gRPC port, real RocksDB directory,
// restarts and crashes.
#include <signal.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
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

using ::proactive::testing::BirthEvent;
using ::proactive::testing::DaemonProcess;
using ::proactive::testing::IsOk;
using ::proactive::testing::StringValue;
using ::testing::HasSubstr;

class IngestionScenarioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<DaemonProcess>(testing::DaemonOptions{dir_.path() + "/data"});
    ASSERT_THAT(daemon_->Start(), IsOk());
    Connect();
  }
  void Connect() {
    auto channel = ConnectToEngine(daemon_->address());
    ingestion_ = v1::Ingestion::NewStub(channel);
    persons_ = v1::Persons::NewStub(channel);
  }

  // Closes the test's connection: gRPC's graceful shutdown otherwise waits
  // for an idle client to acknowledge its GOAWAY ping.
  absl::Status StopDaemon() {
    ingestion_.reset();
    persons_.reset();
    return daemon_->Stop();
  }

  grpc::Status Publish(const v1::PublishRequest& request, v1::PublishResponse* response) {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    return ingestion_->Publish(&context, request, response);
  }

  grpc::Status PublishBatch(const v1::PublishBatchRequest& request, v1::PublishBatchResponse* response) {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(30));
    return ingestion_->PublishBatch(&context, request, response);
  }

  grpc::Status GetPerson(const std::string& id, v1::Person* person) {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::GetPersonRequest request;
    request.set_person_id(id);
    return persons_->GetPerson(&context, request, person);
  }

  // Publishes a valid probe event and returns its log sequence: proves what
  // was (not) logged before it.
  uint64_t NextSequence() {
    v1::PublishResponse response;
    EXPECT_TRUE(Publish(BirthEvent(absl::StrCat("probe-", ++probes_), "PROBE"), &response).ok());
    return response.log_sequence();
  }

  // Expects INVALID_ARGUMENT with exactly `message`, and nothing stored.
  void ExpectRefused(const v1::PublishRequest& request, const std::string& message) {
    uint64_t before = NextSequence();
    v1::PublishResponse response;
    grpc::Status status = Publish(request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
    EXPECT_EQ(status.error_message(), message);
    EXPECT_EQ(NextSequence(), before + 1) << "a refused event must not be logged";
    if (!request.person().person_id().empty()) {
      v1::Person person;
      EXPECT_EQ(GetPerson(request.person().person_id(), &person).error_code(), grpc::StatusCode::NOT_FOUND);
    }
  }

  testing::TempDir dir_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::unique_ptr<v1::Ingestion::Stub> ingestion_;
  std::unique_ptr<v1::Persons::Stub> persons_;
  int probes_ = 0;
};

TEST_F(IngestionScenarioTest, StateSurvivesACleanRestartAndAKill) {
  v1::PublishResponse response;
  ASSERT_TRUE(Publish(BirthEvent("civ-1", "P1"), &response).ok());
  EXPECT_EQ(response.outcome(), v1::PublishResponse::ACCEPTED);
  EXPECT_EQ(response.log_sequence(), 1u);
  ASSERT_THAT(StopDaemon(), IsOk());
  EXPECT_THAT(daemon_->ReadLog(), HasSubstr("stopped cleanly after 1 events"));

  ASSERT_THAT(daemon_->Start(), IsOk());
  Connect();
  v1::Person person;
  ASSERT_TRUE(GetPerson("P1", &person).ok());
  ASSERT_EQ(person.attributes_size(), 1);
  EXPECT_EQ(person.attributes(0).value().date_value().year(), 2023);

  // Acknowledged, then kill -9: still there after restart.
  ASSERT_TRUE(Publish(BirthEvent("civ-2", "P2", 1950, 6, 1), &response).ok());
  daemon_->Kill();
  ASSERT_THAT(daemon_->Start(), IsOk());
  Connect();
  ASSERT_TRUE(GetPerson("P2", &person).ok());
  EXPECT_EQ(person.attributes(0).value().date_value().year(), 1950);
  ASSERT_TRUE(Publish(BirthEvent("civ-2", "P2", 1950, 6, 1), &response).ok());
  EXPECT_EQ(response.outcome(), v1::PublishResponse::DUPLICATE);
  EXPECT_EQ(response.log_sequence(), 2u);
}

TEST_F(IngestionScenarioTest, DuplicateAndConflictingEventIds) {
  v1::PublishResponse response;
  ASSERT_TRUE(Publish(BirthEvent("civ-1", "P1"), &response).ok());
  ASSERT_TRUE(Publish(BirthEvent("civ-1", "P1"), &response).ok());
  EXPECT_EQ(response.outcome(), v1::PublishResponse::DUPLICATE);
  EXPECT_EQ(response.log_sequence(), 1u);

  grpc::Status conflict = Publish(BirthEvent("civ-1", "P1", 2020, 1, 1), &response);
  EXPECT_EQ(conflict.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(conflict.error_message(),
            "event_id: \"civ-1\" was already used for a different event (log sequence 1); a "
            "corrected fact needs a new event_id");
  v1::Person person;
  ASSERT_TRUE(GetPerson("P1", &person).ok());
  EXPECT_EQ(person.attributes(0).value().date_value().year(), 2023);
  EXPECT_EQ(person.events_applied(), 1u);
}

TEST_F(IngestionScenarioTest, EachKindOfBadInputGetsItsExactErrorAndChangesNothing) {
  v1::PublishRequest r = BirthEvent("bad-1", "BAD1");
  r.mutable_person()->mutable_set(0)->set_name("birth_dat");
  ExpectRefused(r,
                "set[0].name: unknown attribute \"birth_dat\" (did you mean \"birth_date\"?); "
                "attributes are declared in rules/schema.yaml");

  r = BirthEvent("bad-2", "BAD2");
  *r.mutable_person()->mutable_set(0)->mutable_value() = StringValue("2023-02-14");
  ExpectRefused(r, "set[0].value: \"birth_date\" expects date, got string");

  r = BirthEvent("bad-3", "");
  ExpectRefused(r, "person_id: is required");
  r = BirthEvent("", "BAD3");
  ExpectRefused(r, "event_id: is required");

  ExpectRefused(BirthEvent("bad-4", "BAD4", 2023, 2, 30),
                "set[0].value.date_value: 2023-02-30 does not exist (day 30)");

  // Invalid UTF-8 travels as such (the API is proto2) and is named by the server.
  r = BirthEvent("bad-5", "BAD5");
  r.mutable_person()->set_source("paris-compte");
  r.mutable_person()->mutable_set(0)->set_name("phone");
  *r.mutable_person()->mutable_set(0)->mutable_value() = StringValue("+336\xFF");
  ExpectRefused(r, "set[0].value: invalid UTF-8 at byte 4");

  // Over the per-event limit (64 KiB by default) but under the transport's.
  r = BirthEvent("bad-6", "BAD6");
  for (int i = 0; i < 200; ++i) r.mutable_person()->add_removed(std::string(400, 'x'));
  v1::PublishResponse response;
  grpc::Status status = Publish(r, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              ::testing::MatchesRegex("event: [0-9]+ bytes exceed the limit of 65536 bytes per event"));

  // Over the transport limit (4 MiB): refused by gRPC before reaching us.
  r = BirthEvent("bad-7", "BAD7");
  r.mutable_person()->set_household_id(std::string(5 << 20, 'H'));
  status = Publish(r, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  v1::Person person;
  EXPECT_EQ(GetPerson("BAD7", &person).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(IngestionScenarioTest, AStreamGoesOnAfterABadEvent) {
  grpc::ClientContext context;
  SetDeadline(&context, absl::Seconds(30));
  auto stream = ingestion_->PublishStream(&context);
  std::vector<v1::PublishRequest> requests;
  for (int i = 0; i < 5; ++i) requests.push_back(BirthEvent(absl::StrCat("s-", i), absl::StrCat("S", i)));
  requests[2].mutable_person()->mutable_set(0)->set_name("nope");
  requests[4] = requests[0];  // a duplicate within the stream
  for (const auto& request : requests) ASSERT_TRUE(stream->Write(request));
  stream->WritesDone();
  std::vector<v1::PublishResponse> responses;
  v1::PublishResponse response;
  while (stream->Read(&response)) responses.push_back(response);
  ASSERT_TRUE(stream->Finish().ok());
  ASSERT_EQ(responses.size(), 5u);
  for (size_t i = 0; i < responses.size(); ++i) EXPECT_EQ(responses[i].stream_index(), i);
  EXPECT_EQ(responses[0].outcome(), v1::PublishResponse::ACCEPTED);
  EXPECT_EQ(responses[1].outcome(), v1::PublishResponse::ACCEPTED);
  EXPECT_EQ(responses[2].outcome(), v1::PublishResponse::REJECTED);
  EXPECT_EQ(responses[2].event_id(), "s-2");
  EXPECT_EQ(responses[2].error().code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(responses[2].error().field(), "set[0].name");
  EXPECT_EQ(responses[2].error().message(),
            "set[0].name: unknown attribute \"nope\"; attributes are declared in rules/schema.yaml");
  EXPECT_EQ(responses[3].outcome(), v1::PublishResponse::ACCEPTED);
  EXPECT_EQ(responses[3].log_sequence(), 3u);
  EXPECT_EQ(responses[4].outcome(), v1::PublishResponse::DUPLICATE);
  EXPECT_EQ(responses[4].log_sequence(), 1u);
  v1::Person person;
  EXPECT_EQ(GetPerson("S2", &person).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(GetPerson("S3", &person).ok());
}

TEST_F(IngestionScenarioTest, ABatchIsAppliedInOrderWithOneResultPerEventAndSurvivesAKill) {
  v1::PublishBatchRequest batch;
  for (int i = 0; i < 6; ++i) *batch.add_events() = BirthEvent(absl::StrCat("b-", i), absl::StrCat("B", i));
  batch.mutable_events(2)->mutable_person()->mutable_set(0)->set_name("nope");
  *batch.mutable_events(4) = batch.events(0);                      // a duplicate within the batch
  *batch.mutable_events(5) = BirthEvent("b-1", "B1", 2020, 1, 1);  // b-1's id, another payload
  v1::PublishBatchResponse answer;
  ASSERT_TRUE(PublishBatch(batch, &answer).ok());
  ASSERT_EQ(answer.results_size(), 6);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(answer.results(i).stream_index(), static_cast<uint64_t>(i));
  EXPECT_EQ(answer.results(0).outcome(), v1::PublishResponse::ACCEPTED);
  EXPECT_EQ(answer.results(0).log_sequence(), 1u);
  EXPECT_EQ(answer.results(1).log_sequence(), 2u);
  EXPECT_EQ(answer.results(2).outcome(), v1::PublishResponse::REJECTED);
  EXPECT_EQ(answer.results(2).event_id(), "b-2");
  EXPECT_EQ(answer.results(2).error().field(), "set[0].name");
  EXPECT_EQ(answer.results(2).error().message(),
            "set[0].name: unknown attribute \"nope\"; attributes are declared in rules/schema.yaml");
  EXPECT_EQ(answer.results(3).outcome(), v1::PublishResponse::ACCEPTED);
  EXPECT_EQ(answer.results(3).log_sequence(), 3u);
  EXPECT_EQ(answer.results(4).outcome(), v1::PublishResponse::DUPLICATE);
  EXPECT_EQ(answer.results(4).log_sequence(), 1u);
  EXPECT_EQ(answer.results(5).outcome(), v1::PublishResponse::REJECTED);
  EXPECT_EQ(answer.results(5).error().code(), static_cast<int>(grpc::StatusCode::ALREADY_EXISTS));
  EXPECT_EQ(answer.results(5).error().field(), "event_id");

  // Acknowledged, then kill -9: every accepted event is there after restart,
  // and the same batch again changes nothing.
  daemon_->Kill();
  ASSERT_THAT(daemon_->Start(), IsOk());
  Connect();
  v1::Person person;
  for (const char* id : {"B0", "B1", "B3"}) ASSERT_TRUE(GetPerson(id, &person).ok()) << id;
  EXPECT_EQ(person.events_applied(), 1u);
  EXPECT_EQ(GetPerson("B2", &person).error_code(), grpc::StatusCode::NOT_FOUND);
  ASSERT_TRUE(GetPerson("B1", &person).ok());
  EXPECT_EQ(person.attributes(0).value().date_value().year(), 2023);
  ASSERT_TRUE(PublishBatch(batch, &answer).ok());
  ASSERT_EQ(answer.results_size(), 6);
  EXPECT_EQ(answer.results(0).outcome(), v1::PublishResponse::DUPLICATE);
  EXPECT_EQ(answer.results(1).outcome(), v1::PublishResponse::DUPLICATE);
  EXPECT_EQ(answer.results(3).outcome(), v1::PublishResponse::DUPLICATE);
  EXPECT_EQ(answer.results(3).log_sequence(), 3u);
  EXPECT_EQ(NextSequence(), 4u) << "a batch sent again logged something";
}

TEST_F(IngestionScenarioTest, ABatchRefusedAsAWholeChangesNothing) {
  const uint64_t before = NextSequence();
  v1::PublishBatchRequest batch;
  v1::PublishBatchResponse answer;
  grpc::Status status = PublishBatch(batch, &answer);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "events: is empty; a batch has 1 to 10000 events");

  for (int i = 0; i <= 10000; ++i) *batch.add_events() = BirthEvent(absl::StrCat("big-", i), absl::StrCat("G", i));
  status = PublishBatch(batch, &answer);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "events: 10001 events; a batch has 1 to 10000 (send several batches)");

  // Over the transport limit (4 MiB): refused by gRPC before reaching us.
  batch.mutable_events()->DeleteSubrange(10, batch.events_size() - 10);
  batch.mutable_events(9)->mutable_person()->set_household_id(std::string(5 << 20, 'H'));
  status = PublishBatch(batch, &answer);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);

  EXPECT_EQ(NextSequence(), before + 1) << "a refused batch logged something";
  v1::Person person;
  EXPECT_EQ(GetPerson("G0", &person).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(IngestionScenarioTest, ASecondDaemonOnTheSameDataDirectoryRefusesToStart) {
  DaemonProcess second(testing::DaemonOptions{dir_.path() + "/data", "", dir_.path() + "/second.log"});
  absl::Status started = second.Start(absl::Seconds(10));
  EXPECT_FALSE(started.ok());
  EXPECT_THAT(std::string(started.message()), HasSubstr("in use by another process"));
}

TEST_F(IngestionScenarioTest, ProactivectlPublishesAHundredThousandEvents) {
  const std::string path = dir_.path() + "/events.ndjson";
  {
    std::ofstream out(path);
    for (int i = 0; i < 100000; ++i) {
      if (i == 41 || i == 70000) {
        // Two broken lines: a bad date and a JSON syntax error.
        out << absl::StrFormat(
                   R"({"event_id":"b-%d","person_id":"X%d","source":"etat-civil","occurred_at":"2023-01-01T00:00:00Z","set":{"birth_date":"2023-02-30"}})",
                   i, i)
            << "\n";
        continue;
      }
      out << absl::StrFormat(
                 R"({"event_id":"civ-%d","person_id":"P%06d","household_id":"H%05d","source":"etat-civil","occurred_at":"2023-01-01T00:00:00Z","set":{"birth_date":"19%02d-0%d-1%d","arrondissement":%d}})",
                 i, i, i / 3, i % 100, 1 + i % 9, i % 10, 1 + i % 20)
          << "\n";
    }
  }
  testing::CommandResult result =
      testing::RunCommand({testing::ProactivectlPath(), "publish", "--file", path, "--server", daemon_->address(),
                           "--schema", testing::SourceDir() + "/rules/schema.yaml", "--quiet"});
  EXPECT_EQ(result.exit_code, 1) << result.output;  // some lines were rejected
  EXPECT_THAT(result.output, HasSubstr("100000 events read, 99998 accepted, 0 duplicates, 2 rejected"));
  EXPECT_THAT(result.output, HasSubstr("line 42: set.birth_date: 2023-02-30 does not exist"));
  EXPECT_THAT(result.output, HasSubstr("line 70001: set.birth_date: 2023-02-30 does not exist"));
  v1::Person person;
  ASSERT_TRUE(GetPerson("P099999", &person).ok());
  EXPECT_EQ(person.household_id(), "H33333");
}

}  // namespace
}  // namespace proactive
