// The catalogue of rejected inputs, on the real daemon: every class of bad
// event with its exact error, sent as a unary Publish and again inside one
// PublishStream, and proof that nothing was stored (the log sequence does not
// move, the person does not appear). Callers without credentials or without
// the role are refused the same way on a mutual-TLS daemon.
//
// The daemon runs with the project's schema plus four attributes of the types
// the Paris schema does not use (double, timestamp, duration, list), so that
// every schema type is covered.
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "engine/client/channel.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proactive/v1/gateway.grpc.pb.h"
#include "proactive/v1/ingestion.grpc.pb.h"
#include "proactive/v1/persons.grpc.pb.h"
#include "proactive/v1/recourse.grpc.pb.h"
#include "tests/ingest/test_events.h"
#include "tests/scenarios/bad_input_cases.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace proactive {
namespace {

using ::proactive::testing::BadInputCase;
using ::proactive::testing::BirthEvent;
using ::proactive::testing::DaemonProcess;
using ::proactive::testing::IsOk;

std::string ReadSource(const std::string& path) {
  std::ifstream in(testing::SourceDir() + "/" + path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A rules directory: the project's schema with the extra attributes, its
// city settings, no pack.
std::string WriteCatalogueRules(const std::string& dir) {
  const std::string rules = dir + "/rules";
  std::filesystem::create_directories(rules);
  std::string schema =
      absl::StrReplaceAll(ReadSource("rules/schema.yaml"),
                          {{"\nattributes:\n", absl::StrCat("\nattributes:\n", testing::kExtraAttributesYaml)}});
  std::ofstream(rules + "/schema.yaml") << schema;
  std::ofstream(rules + "/city.yaml") << ReadSource("rules/city.yaml");
  return rules;
}

class BadInputCatalogueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::DaemonOptions options{dir_.path() + "/data"};
    options.rules_dir = WriteCatalogueRules(dir_.path());
    daemon_ = std::make_unique<DaemonProcess>(options);
    ASSERT_THAT(daemon_->Start(), IsOk());
    // No send limit on this client: oversized messages must reach the daemon.
    grpc::ChannelArguments args;
    args.SetMaxSendMessageSize(-1);
    auto channel = grpc::CreateCustomChannel(daemon_->address(), grpc::InsecureChannelCredentials(), args);
    ingestion_ = v1::Ingestion::NewStub(channel);
    persons_ = v1::Persons::NewStub(channel);
  }
  void TearDown() override {
    ingestion_.reset();
    persons_.reset();
    if (daemon_ != nullptr && daemon_->running()) {
      EXPECT_THAT(daemon_->Stop(), IsOk());
    }
  }

  grpc::Status Publish(const v1::PublishRequest& request, v1::PublishResponse* response) {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(30));
    return ingestion_->Publish(&context, request, response);
  }

  uint64_t NextSequence() {
    v1::PublishResponse response;
    grpc::Status status = Publish(BirthEvent(absl::StrCat("probe-", ++probes_), "PROBE"), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.log_sequence();
  }

  grpc::StatusCode GetPersonCode(const std::string& id) {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::GetPersonRequest request;
    request.set_person_id(id);
    v1::Person person;
    return persons_->GetPerson(&context, request, &person).error_code();
  }

  testing::TempDir dir_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::unique_ptr<v1::Ingestion::Stub> ingestion_;
  std::unique_ptr<v1::Persons::Stub> persons_;
  int probes_ = 0;
};

TEST_F(BadInputCatalogueTest, EveryRejectedInputClassGetsItsExactErrorAndStoresNothing) {
  const std::vector<BadInputCase> cases = testing::BadInputCases();
  ASSERT_GT(cases.size(), 80u);

  // Unary: the status, then nothing logged and no person.
  for (const BadInputCase& c : cases) {
    SCOPED_TRACE(c.name);
    const uint64_t before = NextSequence();
    v1::PublishResponse response;
    grpc::Status status = Publish(c.request, &response);
    EXPECT_EQ(status.error_code(), c.code) << status.error_message();
    if (c.exact) {
      EXPECT_EQ(status.error_message(), c.message);
    } else {
      EXPECT_THAT(status.error_message(), ::testing::HasSubstr(c.message));
    }
    EXPECT_EQ(NextSequence(), before + 1) << "a refused event was logged";
    if (!c.person_id.empty()) {
      EXPECT_EQ(GetPersonCode(c.person_id), grpc::StatusCode::NOT_FOUND);
    }
  }

  // The same events in one stream (those the transport lets through): each
  // answered REJECTED with the same code, message and field, and the stream
  // goes on.
  const uint64_t before = NextSequence();
  grpc::ClientContext context;
  SetDeadline(&context, absl::Seconds(60));
  auto stream = ingestion_->PublishStream(&context);
  std::vector<const BadInputCase*> streamed;
  for (const BadInputCase& c : cases) {
    if (c.code == grpc::StatusCode::RESOURCE_EXHAUSTED) continue;  // would end the stream
    ASSERT_TRUE(stream->Write(c.request)) << c.name;
    streamed.push_back(&c);
  }
  stream->WritesDone();
  std::vector<v1::PublishResponse> answers;
  v1::PublishResponse response;
  while (stream->Read(&response)) answers.push_back(response);
  ASSERT_TRUE(stream->Finish().ok());
  ASSERT_EQ(answers.size(), streamed.size());
  for (size_t i = 0; i < answers.size(); ++i) {
    const BadInputCase& c = *streamed[i];
    SCOPED_TRACE(c.name);
    EXPECT_EQ(answers[i].outcome(), v1::PublishResponse::REJECTED);
    EXPECT_EQ(answers[i].error().code(), static_cast<int>(c.code));
    // The answer echoes the event id only when it is a valid one: a refused
    // answer waiting behind others holds no more than a valid one.
    const std::string& sent_id =
        c.request.has_person() ? c.request.person().event_id() : c.request.broadcast().event_id();
    if (absl::StartsWith(c.message, "event_id: ")) {
      EXPECT_EQ(answers[i].event_id(), "") << sent_id.size();
    } else {
      EXPECT_EQ(answers[i].event_id(), sent_id);
    }
    if (c.exact) {
      EXPECT_EQ(answers[i].error().message(), c.message);
      // The message starts with the field it names.
      EXPECT_EQ(answers[i].error().message().rfind(answers[i].error().field() + ": ", 0), 0u)
          << answers[i].error().field();
    }
  }
  EXPECT_EQ(NextSequence(), before + 1);
  for (const BadInputCase& c : cases) {
    if (!c.person_id.empty()) {
      EXPECT_EQ(GetPersonCode(c.person_id), grpc::StatusCode::NOT_FOUND) << c.name;
    }
  }
}

// A gateway's reply with a time that is not one (a Timestamp out of its
// range, negative nanos) is refused naming the field, and stored nowhere.
TEST_F(BadInputCatalogueTest, AReplyWithAnInvalidTimeIsRefusedNamingTheField) {
  auto gateway = v1::Gateway::NewStub(grpc::CreateChannel(daemon_->address(), grpc::InsecureChannelCredentials()));
  for (const auto& [seconds, nanos] : std::vector<std::pair<int64_t, int32_t>>{
           {-99999999999999, 0}, {1782720000, -5}, {1782720000, 1000000000}, {253402300800, 0}}) {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::ReportReplyRequest request;
    request.set_gateway_message_id("kannel-1");
    request.set_from("+33639980002");
    request.set_text("RECOURS");
    request.mutable_received_at()->set_seconds(seconds);
    request.mutable_received_at()->set_nanos(nanos);
    v1::ReportReplyResponse response;
    grpc::Status status = gateway->ReportReply(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << seconds << " " << nanos;
    EXPECT_EQ(status.error_message(), "received_at: is not a valid time");
  }
  auto recourse = v1::Recourse::NewStub(grpc::CreateChannel(daemon_->address(), grpc::InsecureChannelCredentials()));
  const auto inbox_size = [&] {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::ListInboxRequest list;
    list.set_include_read(true);
    v1::ListInboxResponse inbox;
    EXPECT_TRUE(recourse->ListInbox(&context, list, &inbox).ok());
    return inbox.replies_size();
  };
  EXPECT_EQ(inbox_size(), 0);

  // A long SMS (a contest explained over twenty parts, reassembled by the
  // gateway) reaches a caseworker; only more than any SMS can hold is refused.
  const auto reply = [&](const std::string& id, const std::string& text) {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::ReportReplyRequest request;
    request.set_gateway_message_id(id);
    request.set_from("+33639980002");
    request.set_text(text);
    v1::ReportReplyResponse response;
    return gateway->ReportReply(&context, request, &response);
  };
  EXPECT_TRUE(reply("kannel-long", "RECOURS " + std::string(3000, 'x')).ok());
  EXPECT_EQ(inbox_size(), 1);
  EXPECT_TRUE(reply("kannel-255", std::string(255 * 153, 'x')).ok()) << "255 parts of 153 GSM characters";
  EXPECT_EQ(inbox_size(), 2);
  grpc::Status too_long = reply("kannel-huge", std::string((128 << 10) + 1, 'x'));
  EXPECT_EQ(too_long.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(too_long.error_message(), ::testing::HasSubstr("text: "));
  EXPECT_EQ(inbox_size(), 2);
}

// Unauthenticated and unauthorised callers on a mutual-TLS daemon: refused
// before validation, nothing stored.
TEST(BadCallerCatalogueTest, UnauthenticatedAndUnauthorisedPublishersStoreNothing) {
  testing::TempDir dir;
  testing::CommandResult made =
      testing::RunCommand({"/bin/bash", testing::SourceDir() + "/deploy/certs/make-dev-certs.sh", dir.path() + "/certs",
                           "unlisted.dev.proactive"});
  ASSERT_EQ(made.exit_code, 0) << made.output;
  const std::string c = dir.path() + "/certs";
  testing::DaemonOptions options{dir.path() + "/data"};
  options.insecure = false;
  options.extra_flags = {"--tls_cert=" + c + "/server.pem", "--tls_key=" + c + "/server.key",
                         "--tls_client_ca=" + c + "/ca.pem", "--access_file=" + c + "/access.yaml"};
  DaemonProcess daemon(options);
  ASSERT_THAT(daemon.Start(), IsOk());
  auto stub_as = [&](const std::string& client, const std::string& token = "") {
    EngineConnection connection;
    connection.address = daemon.address();
    connection.tls_ca_file = c + "/ca.pem";
    if (!client.empty()) {
      connection.tls_cert_file = c + "/" + client + ".pem";
      connection.tls_key_file = c + "/" + client + ".key";
    }
    connection.token = token;
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = connection.Connect();
    EXPECT_THAT(channel, IsOk());
    return std::make_pair(v1::Ingestion::NewStub(*channel), connection);
  };
  auto publish = [](std::pair<std::unique_ptr<v1::Ingestion::Stub>, EngineConnection>& as,
                    const v1::PublishRequest& request, v1::PublishResponse* response) {
    grpc::ClientContext context;
    as.second.PrepareCall(&context, absl::Seconds(30));
    return as.first->Publish(&context, request, response);
  };
  auto back_office = stub_as("back-office.dev.proactive");
  v1::PublishResponse response;
  ASSERT_TRUE(publish(back_office, BirthEvent("probe-1", "PROBE"), &response).ok());
  const uint64_t before = response.log_sequence();

  struct Caller {
    std::string name, client, token;
    grpc::StatusCode code;
    std::string message;
  };
  const std::vector<Caller> callers = {
      {"no certificate, no token", "", "", grpc::StatusCode::UNAUTHENTICATED, "no known identity"},
      {"a certificate the access file does not list", "unlisted.dev.proactive", "", grpc::StatusCode::UNAUTHENTICATED,
       "no known identity"},
      {"a token nobody holds", "", "not-a-token", grpc::StatusCode::UNAUTHENTICATED, "no known identity"},
      {"a gateway", "gateway.dev.proactive", "", grpc::StatusCode::PERMISSION_DENIED,
       "\"dev-gateway\" (roles: gateway) may not call "
       "/proactive.v1.Ingestion/Publish"},
      {"a caseworker", "caseworker.dev.proactive", "", grpc::StatusCode::PERMISSION_DENIED,
       "\"dev-caseworker\" (roles: caseworker) may not call "
       "/proactive.v1.Ingestion/Publish"},
      {"an auditor", "auditor.dev.proactive", "", grpc::StatusCode::PERMISSION_DENIED,
       "\"dev-auditor\" (roles: auditor) may not call "
       "/proactive.v1.Ingestion/Publish"},
  };
  for (const Caller& caller : callers) {
    SCOPED_TRACE(caller.name);
    auto as = stub_as(caller.client, caller.token);
    std::string id = absl::StrCat("CALLER-", &caller - callers.data());
    grpc::Status status = publish(as, BirthEvent(id, id), &response);
    EXPECT_EQ(status.error_code(), caller.code) << status.error_message();
    EXPECT_THAT(status.error_message(), ::testing::HasSubstr(caller.message));
    // A stream is refused the same way.
    grpc::ClientContext context;
    as.second.PrepareCall(&context, absl::Seconds(30));
    auto stream = as.first->PublishStream(&context);
    stream->Write(BirthEvent(id + "-s", id + "-s"));
    stream->WritesDone();
    while (stream->Read(&response)) ADD_FAILURE() << "answered";
    EXPECT_EQ(stream->Finish().error_code(), caller.code);
  }
  ASSERT_TRUE(publish(back_office, BirthEvent("probe-2", "PROBE"), &response).ok());
  EXPECT_EQ(response.log_sequence(), before + 1) << "a refused caller's event was logged";
  back_office.first.reset();
  ASSERT_THAT(daemon.Stop(), IsOk());
}

}  // namespace
}  // namespace proactive
