// Transport limits of the real daemon: message size on both sides, client
// deadlines that expire while events wait, keepalive abuse. The memory bound
// under many streams is in backpressure_scenario_test.cc.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
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
using ::testing::AnyOf;
using ::testing::HasSubstr;

using Stream = grpc::ClientReaderWriter<v1::PublishRequest, v1::PublishResponse>;

class LimitsScenarioTest : public ::testing::Test {
 protected:
  void StartDaemon(std::vector<std::string> flags = {}) {
    testing::DaemonOptions options{dir_.path() + "/data"};
    options.extra_flags = std::move(flags);
    daemon_ = std::make_unique<DaemonProcess>(options);
    ASSERT_THAT(daemon_->Start(), IsOk());
    channel_ = ConnectToEngine(daemon_->address());
    ingestion_ = v1::Ingestion::NewStub(channel_);
    persons_ = v1::Persons::NewStub(channel_);
  }

  // Closes the test's connections first: gRPC's graceful shutdown otherwise
  // waits for idle clients to acknowledge its GOAWAY.
  absl::Status StopDaemon() {
    ingestion_.reset();
    persons_.reset();
    channel_.reset();
    return daemon_->Stop();
  }

  grpc::Status Publish(v1::Ingestion::Stub* stub, const v1::PublishRequest& request, v1::PublishResponse* response) {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(30));
    return stub->Publish(&context, request, response);
  }

  // The log sequence a new valid event gets: everything logged before it.
  uint64_t NextSequence() {
    v1::PublishResponse response;
    grpc::Status status = Publish(ingestion_.get(), BirthEvent(absl::StrCat("probe-", ++probes_), "PROBE"), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.log_sequence();
  }

  bool PersonExists(const std::string& id) {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::GetPersonRequest request;
    request.set_person_id(id);
    v1::Person person;
    return persons_->GetPerson(&context, request, &person).ok();
  }

  testing::TempDir dir_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Ingestion::Stub> ingestion_;
  std::unique_ptr<v1::Persons::Stub> persons_;
  int probes_ = 0;
};

// An event of about `bytes` bytes: a valid event padded with a long household
// id.
v1::PublishRequest EventOfSize(const std::string& id, size_t bytes) {
  v1::PublishRequest request = BirthEvent(id, id);
  request.mutable_person()->set_household_id(std::string(bytes, 'H'));
  return request;
}

TEST_F(LimitsScenarioTest, AMessageOverTheLimitIsRefusedByTheDaemonAndByOurClient) {
  StartDaemon({"--max_message_bytes=1048576"});
  const uint64_t before = NextSequence();

  // A client without a send limit reaches the daemon, which refuses.
  grpc::ChannelArguments unlimited;
  unlimited.SetMaxSendMessageSize(-1);
  auto raw = v1::Ingestion::NewStub(
      grpc::CreateCustomChannel(daemon_->address(), grpc::InsecureChannelCredentials(), unlimited));
  v1::PublishResponse response;
  grpc::Status status = Publish(raw.get(), EventOfSize("BIG1", 2 << 20), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("larger than max"));

  // Our client refuses before sending when told the daemon's limit
  // (PROACTIVE_MAX_MESSAGE_BYTES), and by default above 4 MiB.
  EngineConnection connection;
  connection.address = daemon_->address();
  connection.max_send_message_bytes = 1 << 20;
  absl::StatusOr<std::shared_ptr<grpc::Channel>> limited = connection.Connect();
  ASSERT_THAT(limited, IsOk());
  status = Publish(v1::Ingestion::NewStub(*limited).get(), EventOfSize("BIG2", 2 << 20), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("Sent message larger than max"));
  status = Publish(ingestion_.get(), EventOfSize("BIG3", 5 << 20), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("Sent message larger than max"));

  // Under the transport limit, over the per-event limit: the engine names it.
  status = Publish(raw.get(), EventOfSize("BIG4", 100 << 10), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("bytes exceed the limit of 65536 bytes per event"));

  // On a stream, the oversized message ends the stream, not the daemon.
  grpc::ClientContext context;
  SetDeadline(&context, absl::Seconds(30));
  std::unique_ptr<Stream> stream = raw->PublishStream(&context);
  stream->Write(EventOfSize("BIG5", 2 << 20));
  stream->WritesDone();
  while (stream->Read(&response)) ADD_FAILURE() << "answered an oversized event";
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);

  EXPECT_EQ(NextSequence(), before + 1) << "nothing oversized may be logged";
  for (const char* id : {"BIG1", "BIG2", "BIG3", "BIG4", "BIG5"}) EXPECT_FALSE(PersonExists(id)) << id;
  raw.reset();
  limited->reset();
  ASSERT_THAT(StopDaemon(), IsOk());
}

// Writes `events` on a stream whose deadline expires while most of them wait
// (the client reads only the first answer), then publishes them again on a
// stream with time enough: every event is answered, once applied it is a
// DUPLICATE, and none is logged twice.
TEST_F(LimitsScenarioTest, ADeadlineThatExpiresWhileEventsWaitChangesNothingButTheClientsView) {
  StartDaemon();
  constexpr int kRounds = 5, kStreams = 4, kEvents = 1500;
  uint64_t distinct = 0;
  for (int round = 0; round < kRounds; ++round) {
    std::vector<std::vector<v1::PublishRequest>> events(kStreams);
    for (int s = 0; s < kStreams; ++s) {
      for (int i = 0; i < kEvents; ++i) {
        std::string id = absl::StrCat("r", round, "-s", s, "-", i);
        events[s].push_back(BirthEvent(id, absl::StrCat("P", id)));
      }
    }
    // Impatient clients: the first answer, then nothing read until the
    // deadline.
    std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
    std::vector<std::unique_ptr<Stream>> streams;
    for (int s = 0; s < kStreams; ++s) {
      contexts.push_back(std::make_unique<grpc::ClientContext>());
      SetDeadline(contexts.back().get(), absl::Milliseconds(800));
      streams.push_back(ingestion_->PublishStream(contexts.back().get()));
      ASSERT_TRUE(streams.back()->Write(events[s][0]));
      v1::PublishResponse first;
      ASSERT_TRUE(streams.back()->Read(&first));
      EXPECT_EQ(first.outcome(), v1::PublishResponse::ACCEPTED);
    }
    for (int s = 0; s < kStreams; ++s) {
      for (int i = 1; i < kEvents && streams[s]->Write(events[s][i]); ++i) {
      }
    }
    for (int s = 0; s < kStreams; ++s) {
      grpc::Status status = streams[s]->Finish();
      EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
    }
    // The retry sees every event once: ACCEPTED, or DUPLICATE when the first
    // attempt was applied (always for the first event).
    for (int s = 0; s < kStreams; ++s) {
      grpc::ClientContext context;
      SetDeadline(&context, absl::Seconds(60));
      std::unique_ptr<Stream> stream = ingestion_->PublishStream(&context);
      for (const v1::PublishRequest& event : events[s]) ASSERT_TRUE(stream->Write(event));
      stream->WritesDone();
      std::vector<v1::PublishResponse> answers;
      v1::PublishResponse response;
      while (stream->Read(&response)) answers.push_back(response);
      ASSERT_TRUE(stream->Finish().ok());
      ASSERT_EQ(answers.size(), events[s].size());
      EXPECT_EQ(answers[0].outcome(), v1::PublishResponse::DUPLICATE);
      for (const v1::PublishResponse& answer : answers) {
        EXPECT_THAT(answer.outcome(), AnyOf(v1::PublishResponse::ACCEPTED, v1::PublishResponse::DUPLICATE))
            << answer.error().message();
      }
      distinct += events[s].size();
    }
  }
  // Impatient unary calls too: then each retried with time enough.
  std::vector<v1::PublishRequest> unary;
  for (int i = 0; i < 200; ++i) unary.push_back(BirthEvent(absl::StrCat("u-", i), absl::StrCat("PU", i)));
  for (const v1::PublishRequest& event : unary) {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Microseconds(300));
    v1::PublishResponse response;
    grpc::Status status = ingestion_->Publish(&context, event, &response);
    EXPECT_THAT(status.error_code(), AnyOf(grpc::StatusCode::OK, grpc::StatusCode::DEADLINE_EXCEEDED));
  }
  for (const v1::PublishRequest& event : unary) {
    v1::PublishResponse response;
    ASSERT_TRUE(Publish(ingestion_.get(), event, &response).ok());
    EXPECT_THAT(response.outcome(), AnyOf(v1::PublishResponse::ACCEPTED, v1::PublishResponse::DUPLICATE));
  }
  distinct += unary.size();

  // Nothing logged twice, nothing lost; the daemon still stops cleanly (a
  // call left unfinished would hold its shutdown).
  EXPECT_EQ(NextSequence(), distinct + 1);
  ASSERT_THAT(StopDaemon(), IsOk());
  EXPECT_THAT(daemon_->ReadLog(), HasSubstr("stopped cleanly"));
}

// A client that pings far more often than --min_client_ping_interval is
// disconnected (GOAWAY too_many_pings, its call fails UNAVAILABLE); a client
// that pings within the policy, and one that does not ping, keep working.
TEST_F(LimitsScenarioTest, AClientPingingTooOftenIsDisconnectedAndOthersAreNot) {
  // gRPC 1.51 clients ping at most about once a second, whatever they ask:
  // the policy must be above that for the abusive client to earn strikes.
  StartDaemon({"--min_client_ping_interval=3s", "--max_ping_strikes=2"});

  auto channel_pinging_every = [&](int milliseconds) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, milliseconds);
    args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10'000);
    args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
    args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
    args.SetInt(GRPC_ARG_HTTP2_MIN_SENT_PING_INTERVAL_WITHOUT_DATA_MS, milliseconds);
    return grpc::CreateCustomChannel(daemon_->address(), grpc::InsecureChannelCredentials(), args);
  };
  struct Client {
    std::unique_ptr<v1::Ingestion::Stub> stub;
    grpc::ClientContext context;
    std::unique_ptr<Stream> stream;
  };
  auto open = [&](std::shared_ptr<grpc::Channel> channel, const std::string& id) {
    auto client = std::make_unique<Client>();
    client->stub = v1::Ingestion::NewStub(channel);
    SetDeadline(&client->context, absl::Seconds(60));
    client->stream = client->stub->PublishStream(&client->context);
    EXPECT_TRUE(client->stream->Write(BirthEvent(id, id)));
    v1::PublishResponse response;
    EXPECT_TRUE(client->stream->Read(&response));
    EXPECT_EQ(response.outcome(), v1::PublishResponse::ACCEPTED);
    return client;
  };
  std::unique_ptr<Client> quiet = open(channel_, "KA-QUIET-1");
  std::unique_ptr<Client> polite = open(channel_pinging_every(4000), "KA-POLITE-1");
  std::unique_ptr<Client> abusive = open(channel_pinging_every(20), "KA-ABUSIVE-1");

  // The abusive client's idle stream is cut by the daemon, long before its
  // 60 s deadline.
  v1::PublishResponse response;
  EXPECT_FALSE(abusive->stream->Read(&response));
  grpc::Status cut = abusive->stream->Finish();
  EXPECT_EQ(cut.error_code(), grpc::StatusCode::UNAVAILABLE) << cut.error_message();

  // Two of the polite client's pings later, both other streams still work.
  absl::SleepFor(absl::Seconds(9));
  for (Client* client : {quiet.get(), polite.get()}) {
    std::string id = client == quiet.get() ? "KA-QUIET-2" : "KA-POLITE-2";
    ASSERT_TRUE(client->stream->Write(BirthEvent(id, id))) << id;
    ASSERT_TRUE(client->stream->Read(&response)) << id;
    EXPECT_EQ(response.outcome(), v1::PublishResponse::ACCEPTED) << id;
    client->stream->WritesDone();
    EXPECT_TRUE(client->stream->Finish().ok()) << id;
  }
  EXPECT_TRUE(PersonExists("KA-POLITE-2"));
  quiet.reset();
  polite.reset();
  abusive.reset();
  ASSERT_THAT(StopDaemon(), IsOk());
}

}  // namespace
}  // namespace proactive
