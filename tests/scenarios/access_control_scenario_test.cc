// Access control on the real daemon with mutual TLS: every role against every
// RPC of the API, callers without credentials, an unknown certificate, a
// certificate from another CA, a bearer token; a reveal of contact data,
// which only a caseworker may ask for.
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "engine/client/channel.h"
#include "engine/common/sha256.h"
#include "engine/service/access_control.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proactive/v1/audit.grpc.pb.h"
#include "proactive/v1/decisions.grpc.pb.h"
#include "proactive/v1/ingestion.grpc.pb.h"
#include "proactive/v1/persons.grpc.pb.h"
#include "proactive/v1/reference.grpc.pb.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace proactive {
namespace {

using ::proactive::testing::DaemonProcess;
using ::proactive::testing::IsOk;
using ::testing::HasSubstr;

// Every RPC of the public API, from the proto descriptors.
std::vector<std::string> AllApiMethods() {
  std::vector<std::string> methods;
  for (absl::string_view file : absl::StrSplit(PROACTIVE_API_PROTOS, ',')) {
    const google::protobuf::FileDescriptor* descriptor =
        google::protobuf::DescriptorPool::generated_pool()->FindFileByName(std::string(file));
    EXPECT_NE(descriptor, nullptr) << file;
    if (descriptor == nullptr) continue;
    for (int s = 0; s < descriptor->service_count(); ++s) {
      const google::protobuf::ServiceDescriptor* service = descriptor->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        methods.push_back(absl::StrCat("/", service->full_name(), "/", service->method(m)->name()));
      }
    }
  }
  return methods;
}

// Calls `method` with one empty request message and returns the status.
grpc::Status CallWithEmptyRequest(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                                  const std::string& token = "") {
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue cq;
  grpc::ClientContext context;
  SetDeadline(&context, absl::Seconds(10));
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call = stub.PrepareCall(&context, method, &cq);
  void* tag;
  bool ok;
  call->StartCall(reinterpret_cast<void*>(1));
  cq.Next(&tag, &ok);
  grpc::ByteBuffer empty;
  grpc::Slice slice("", 0);
  empty = grpc::ByteBuffer(&slice, 1);
  call->Write(empty, reinterpret_cast<void*>(2));
  cq.Next(&tag, &ok);
  call->WritesDone(reinterpret_cast<void*>(3));
  cq.Next(&tag, &ok);
  grpc::ByteBuffer response;
  do {
    call->Read(&response, reinterpret_cast<void*>(4));
    cq.Next(&tag, &ok);
  } while (ok);
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  cq.Next(&tag, &ok);
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  return status;
}

class AccessControlScenarioTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certs_ = new testing::TempDir();
    testing::CommandResult made =
        testing::RunCommand({"/bin/bash", testing::SourceDir() + "/deploy/certs/make-dev-certs.sh", certs_->path(),
                             "unlisted.dev.proactive"});
    ASSERT_EQ(made.exit_code, 0) << made.output;
    // A second, untrusted CA and a client it signed.
    testing::CommandResult other = testing::RunCommand(
        {"/bin/bash", testing::SourceDir() + "/deploy/certs/make-dev-certs.sh", certs_->path() + "/other"});
    ASSERT_EQ(other.exit_code, 0) << other.output;
    // Add token principals (an auditor, a back office speaking for the CAF
    // only) to the generated access file; only the tokens' SHA-256 is written.
    std::string access = certs_->path() + "/access.yaml";
    FILE* f = std::fopen(access.c_str(), "a");
    std::string line = absl::StrCat(
        "  - {name: token-auditor, token_sha256: ", ToHex(Sha256Digest("s3cret-auditor-token")),
        ", roles: [auditor]}\n", "  - {name: token-caf, token_sha256: ", ToHex(Sha256Digest("s3cret-caf-token")),
        ", roles: [back-office], sources: [caf]}\n",
        "  - {name: token-casvp, token_sha256: ", ToHex(Sha256Digest("s3cret-casvp-token")),
        ", roles: [back-office], sources: [casvp]}\n",
        "  - {name: token-portal, token_sha256: ", ToHex(Sha256Digest("s3cret-portal-token")),
        ", roles: [back-office], sources: [paris-compte], citizen_desk: true}\n");
    std::fputs(line.c_str(), f);
    std::fclose(f);
  }
  static void TearDownTestSuite() { delete certs_; }

  void SetUp() override {
    const std::string c = certs_->path();
    testing::DaemonOptions options{dir_.path() + "/data"};
    options.insecure = false;
    options.extra_flags = {"--tls_cert=" + c + "/server.pem", "--tls_key=" + c + "/server.key",
                           "--tls_client_ca=" + c + "/ca.pem", "--access_file=" + c + "/access.yaml"};
    daemon_ = std::make_unique<DaemonProcess>(options);
    ASSERT_THAT(daemon_->Start(), IsOk());
  }

  std::shared_ptr<grpc::Channel> ChannelAs(const std::string& client, const std::string& ca_dir = "") {
    EngineConnection connection;
    connection.address = daemon_->address();
    connection.tls_ca_file = certs_->path() + "/ca.pem";  // trust the server
    if (!client.empty()) {
      std::string dir = ca_dir.empty() ? certs_->path() : ca_dir;
      connection.tls_cert_file = dir + "/" + client + ".pem";
      connection.tls_key_file = dir + "/" + client + ".key";
    }
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = connection.Connect();
    EXPECT_THAT(channel, IsOk());
    return *channel;
  }

  static testing::TempDir* certs_;
  testing::TempDir dir_;
  std::unique_ptr<DaemonProcess> daemon_;
};

testing::TempDir* AccessControlScenarioTest::certs_ = nullptr;

TEST_F(AccessControlScenarioTest, EveryApiMethodHasAPolicyAndNoPolicyIsStale) {
  std::vector<std::string> methods = AllApiMethods();
  ASSERT_FALSE(methods.empty());
  std::set<std::string> listed;
  for (const auto& [method, roles] : MethodRoles()) listed.insert(method);
  for (const std::string& method : methods) {
    EXPECT_EQ(listed.count(method), 1u) << method << " has no entry in MethodRoles()";
    listed.erase(method);
  }
  EXPECT_TRUE(listed.empty()) << "MethodRoles() lists RPCs the API does not have: " << *listed.begin();
}

TEST_F(AccessControlScenarioTest, EveryRoleAgainstEveryRpc) {
  int denied = 0, allowed = 0;
  for (Role role : AllRoles()) {
    std::shared_ptr<grpc::Channel> channel = ChannelAs(absl::StrCat(RoleName(role), ".dev.proactive"));
    for (const std::string& method : AllApiMethods()) {
      grpc::Status status = CallWithEmptyRequest(channel, method);
      bool may = MethodRoles().at(method).count(role) > 0;
      SCOPED_TRACE(
          absl::StrCat(RoleName(role), " -> ", method, ": ", status.error_code(), " ", status.error_message()));
      if (may) {
        ++allowed;
        EXPECT_NE(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
        EXPECT_NE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
      } else {
        ++denied;
        EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
        EXPECT_THAT(status.error_message(), HasSubstr(absl::StrCat("\"dev-", RoleName(role), "\" (roles: ")));
        EXPECT_THAT(status.error_message(), HasSubstr(method));
      }
    }
  }
  EXPECT_GT(denied, 0);
  EXPECT_GT(allowed, 0);
}

TEST_F(AccessControlScenarioTest, NoCredentialsIsUnauthenticatedForEveryRpc) {
  std::shared_ptr<grpc::Channel> anonymous = ChannelAs("");
  for (const std::string& method : AllApiMethods()) {
    grpc::Status status = CallWithEmptyRequest(anonymous, method);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << method;
  }
}

TEST_F(AccessControlScenarioTest, HealthIsReachableWithoutCredentials) {
  grpc::Status status = CallWithEmptyRequest(ChannelAs(""), "/grpc.health.v1.Health/Check");
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(AccessControlScenarioTest, AnUnknownOrUntrustedCertificateGetsNothing) {
  // The CA signed it, but the access file does not list it.
  std::shared_ptr<grpc::Channel> unlisted = ChannelAs("unlisted.dev.proactive");
  EXPECT_EQ(CallWithEmptyRequest(unlisted, kPublishMethod).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // Signed by another CA: the TLS handshake fails.
  std::shared_ptr<grpc::Channel> foreign = ChannelAs("back-office.dev.proactive", certs_->path() + "/other");
  EXPECT_EQ(CallWithEmptyRequest(foreign, kPublishMethod).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(AccessControlScenarioTest, ABearerTokenIdentifiesItsPrincipal) {
  std::shared_ptr<grpc::Channel> channel = ChannelAs("");
  grpc::Status with_token = CallWithEmptyRequest(channel, kPublishMethod, "s3cret-auditor-token");
  EXPECT_EQ(with_token.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(with_token.error_message(), HasSubstr("\"token-auditor\" (roles: auditor)"));
  EXPECT_EQ(CallWithEmptyRequest(channel, kPublishMethod, "wrong-token").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

// A back office may read a person, masked, but only a caseworker (a person
// who calls citizens) may see their number: a refused reveal shows nothing
// and leaves nothing in the audit chain; an allowed one names the caseworker.
TEST_F(AccessControlScenarioTest, OnlyACaseworkerSeesAContact) {
  constexpr char kPhone[] = "+33612345678";
  std::shared_ptr<grpc::Channel> back_office = ChannelAs("back-office.dev.proactive");
  std::shared_ptr<grpc::Channel> caseworker = ChannelAs("caseworker.dev.proactive");
  auto publish = [&](v1::PublishRequest request) {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::PublishResponse response;
    grpc::Status status = v1::Ingestion::NewStub(back_office)->Publish(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(response.outcome(), v1::PublishResponse::ACCEPTED) << response.ShortDebugString();
  };
  // A person registered as vulnerable, then a red heatwave: a check-in
  // decision about them.
  v1::PublishRequest person;
  v1::PersonEvent* p = person.mutable_person();
  p->set_event_id("reveal-1");
  p->set_person_id("P-REVEAL");
  p->set_source("casvp");
  p->mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(absl::Now()) - 3600);
  v1::Attribute* vulnerable = p->add_set();
  vulnerable->set_name("registered_vulnerable");
  vulnerable->mutable_value()->set_bool_value(true);
  v1::Attribute* phone = p->add_set();
  phone->set_name("phone");
  phone->mutable_value()->set_string_value(kPhone);
  ASSERT_NO_FATAL_FAILURE(publish(person));
  v1::PublishRequest heatwave;
  v1::BroadcastEvent* b = heatwave.mutable_broadcast();
  b->set_event_id("reveal-heatwave");
  b->set_topic("weather.heatwave");
  b->set_area("75");
  b->set_source("meteo-france");
  b->mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(absl::Now()) - 60);
  for (const auto& [name, value] : {std::pair{"level", "red"}, std::pair{"episode_id", "reveal-episode"}}) {
    v1::Attribute* field = b->add_fields();
    field->set_name(name);
    field->mutable_value()->set_string_value(value);
  }
  ASSERT_NO_FATAL_FAILURE(publish(heatwave));
  std::string decision;
  for (absl::Time deadline = absl::Now() + absl::Seconds(30); decision.empty() && absl::Now() < deadline;) {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::ListDecisionsRequest request;
    request.set_person_id("P-REVEAL");
    v1::ListDecisionsResponse listed;
    grpc::Status status = v1::Decisions::NewStub(caseworker)->ListDecisions(&context, request, &listed);
    ASSERT_TRUE(status.ok()) << status.error_message();
    if (listed.decisions_size() > 0) {
      decision = listed.decisions(0).decision_id();
    } else {
      absl::SleepFor(absl::Milliseconds(50));
    }
  }
  ASSERT_FALSE(decision.empty()) << "the heatwave made no decision about P-REVEAL";

  auto get_person = [&](const std::shared_ptr<grpc::Channel>& channel, const std::string& reveal_for,
                        v1::Person* shown) {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::GetPersonRequest request;
    request.set_person_id("P-REVEAL");
    if (!reveal_for.empty()) request.set_reveal_contact_for(reveal_for);
    return v1::Persons::NewStub(channel)->GetPerson(&context, request, shown);
  };
  auto phone_of = [](const v1::Person& shown) {
    for (const v1::AttributeState& a : shown.attributes()) {
      if (a.name() == "phone") return a.value().string_value();
    }
    return std::string();
  };
  auto reveals = [&] {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::ListAuditEntriesRequest request;
    request.set_action("person.contact_revealed");
    v1::ListAuditEntriesResponse listed;
    grpc::Status status =
        v1::Audit::NewStub(ChannelAs("auditor.dev.proactive"))->ListEntries(&context, request, &listed);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return listed;
  };

  // The back office reads the person, masked...
  v1::Person shown;
  grpc::Status status = get_person(back_office, "", &shown);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_NE(phone_of(shown), kPhone);
  EXPECT_FALSE(phone_of(shown).empty());
  // ...but may not reveal the number, even for the person's own decision.
  shown.Clear();
  status = get_person(back_office, decision, &shown);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(
      status.error_message(),
      "reveal_contact_for: \"dev-back-office\" (roles: back-office) may not use it; it needs the caseworker role");
  EXPECT_EQ(shown.attributes_size(), 0);
  EXPECT_EQ(reveals().entries_size(), 0);

  // A caseworker may, and the chain names them.
  status = get_person(caseworker, decision, &shown);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(phone_of(shown), kPhone);
  v1::ListAuditEntriesResponse seen = reveals();
  ASSERT_EQ(seen.entries_size(), 1);
  EXPECT_EQ(seen.entries(0).decision_id(), decision);
  EXPECT_EQ(seen.entries(0).actor(), "caseworker:dev-caseworker");
  EXPECT_EQ(seen.entries(0).cause(), "subject");
}

// A back office publishes only as the sources the access file lists for it,
// on every ingestion path, and replaces only their reference tables: naming
// another source is refused with the field named, and changes nothing.
TEST_F(AccessControlScenarioTest, ABackOfficeSpeaksOnlyForItsSources) {
  std::shared_ptr<grpc::Channel> channel = ChannelAs("");
  auto as_caf = [](grpc::ClientContext* context) {
    SetDeadline(context, absl::Seconds(10));
    context->AddMetadata("authorization", "Bearer s3cret-caf-token");
  };
  auto event = [](const std::string& id, const std::string& source, const std::string& attribute, int64_t value) {
    v1::PublishRequest request;
    v1::PersonEvent* p = request.mutable_person();
    p->set_event_id(id);
    p->set_person_id("P-SOURCES");
    p->set_source(source);
    p->mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(absl::Now()) - 3600);
    v1::Attribute* a = p->add_set();
    a->set_name(attribute);
    if (attribute == "birth_date") {
      a->mutable_value()->mutable_date_value()->set_year(static_cast<int32_t>(value));
      a->mutable_value()->mutable_date_value()->set_month(3);
      a->mutable_value()->mutable_date_value()->set_day(1);
    } else {
      a->mutable_value()->mutable_money_value()->set_cents(value * 100);
      a->mutable_value()->mutable_money_value()->set_currency("EUR");
    }
    return request;
  };
  constexpr char kRefusal[] =
      "source: \"token-caf\" may not speak for source \"etat-civil\"; its sources are: caf (\"sources\" in the "
      "access file)";
  std::unique_ptr<v1::Ingestion::Stub> ingestion = v1::Ingestion::NewStub(channel);

  // Unary: the civil registry's attribute, under the registry's name.
  {
    grpc::ClientContext context;
    as_caf(&context);
    v1::PublishResponse response;
    grpc::Status status = ingestion->Publish(&context, event("src-1", "etat-civil", "birth_date", 2023), &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(status.error_message(), kRefusal);
  }
  // A broadcast under Météo-France's name: no heatwave from the CAF.
  {
    grpc::ClientContext context;
    as_caf(&context);
    v1::PublishRequest heatwave;
    v1::BroadcastEvent* b = heatwave.mutable_broadcast();
    b->set_event_id("src-heatwave");
    b->set_topic("weather.heatwave");
    b->set_area("75");
    b->set_source("meteo-france");
    b->mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(absl::Now()) - 60);
    for (const auto& [name, value] : {std::pair{"level", "red"}, std::pair{"episode_id", "caf-episode"}}) {
      v1::Attribute* field = b->add_fields();
      field->set_name(name);
      field->mutable_value()->set_string_value(value);
    }
    v1::PublishResponse response;
    grpc::Status status = ingestion->Publish(&context, heatwave, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_THAT(status.error_message(), HasSubstr("source: \"token-caf\" may not speak for source \"meteo-france\""));
  }
  // A batch: the refused event is answered alone, the CAF's own is applied.
  {
    grpc::ClientContext context;
    as_caf(&context);
    v1::PublishBatchRequest batch;
    *batch.add_events() = event("src-2", "etat-civil", "birth_date", 2023);
    *batch.add_events() = event("src-3", "caf", "yearly_income", 18000);
    v1::PublishBatchResponse response;
    grpc::Status status = ingestion->PublishBatch(&context, batch, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(response.results_size(), 2);
    EXPECT_EQ(response.results(0).outcome(), v1::PublishResponse::REJECTED);
    EXPECT_EQ(response.results(0).error().code(), static_cast<int>(grpc::StatusCode::PERMISSION_DENIED));
    EXPECT_EQ(response.results(0).error().field(), "source");
    EXPECT_EQ(response.results(0).error().message(), kRefusal);
    EXPECT_EQ(response.results(1).outcome(), v1::PublishResponse::ACCEPTED) << response.ShortDebugString();
  }
  // A stream: same answer, and the stream goes on.
  {
    grpc::ClientContext context;
    as_caf(&context);
    auto stream = ingestion->PublishStream(&context);
    ASSERT_TRUE(stream->Write(event("src-4", "etat-civil", "birth_date", 2023)));
    ASSERT_TRUE(stream->Write(event("src-5", "caf", "yearly_income", 19000)));
    stream->WritesDone();
    std::vector<v1::PublishResponse> answers;
    for (v1::PublishResponse answer; stream->Read(&answer);) answers.push_back(answer);
    grpc::Status status = stream->Finish();
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(answers.size(), 2u);
    EXPECT_EQ(answers[0].outcome(), v1::PublishResponse::REJECTED);
    EXPECT_EQ(answers[0].error().field(), "source");
    EXPECT_EQ(answers[0].error().message(), kRefusal);
    EXPECT_EQ(answers[1].outcome(), v1::PublishResponse::ACCEPTED) << answers[1].ShortDebugString();
  }
  // A reference table it does not own, even naming its owner.
  {
    grpc::ClientContext context;
    as_caf(&context);
    v1::ReplaceTableResponse response;
    auto writer = v1::ReferenceTables::NewStub(channel)->ReplaceTable(&context, &response);
    v1::ReplaceTableRequest request;
    request.set_table("school_sectors_maternelle");
    request.set_source("paris-opendata");
    writer->Write(request);
    writer->WritesDone();
    grpc::Status status = writer->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_THAT(status.error_message(), HasSubstr("source: \"token-caf\" may not speak for source \"paris-opendata\""));
  }
  // Nor may it forget anyone: erasure is for the back office that receives
  // the requests (erasure: true), and cannot be undone.
  {
    grpc::ClientContext context;
    as_caf(&context);
    v1::ForgetPersonRequest forget;
    forget.set_person_id("P-SOURCES");
    forget.set_request_reference("RGPD-2026-1");
    v1::ForgetPersonResponse forgotten;
    grpc::Status status = v1::Persons::NewStub(channel)->ForgetPerson(&context, forget, &forgotten);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_THAT(status.error_message(), HasSubstr("\"token-caf\" may not forget persons"));
  }
  // Nor may it answer an offer or contest a decision for a citizen: that is
  // for a desk that takes their requests (citizen_desk: true). The check
  // comes before the decision is looked up: the id need not exist.
  {
    auto decisions = v1::Decisions::NewStub(channel);
    grpc::ClientContext answer_context;
    as_caf(&answer_context);
    v1::AnswerOfferRequest answer;
    answer.set_decision_id("d-0000000000000000");
    answer.set_accept(true);
    v1::Decision answered;
    grpc::Status status = decisions->AnswerOffer(&answer_context, answer, &answered);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_THAT(status.error_message(), HasSubstr("\"token-caf\" may not answer offers: only a back office with "
                                                  "\"citizen_desk: true\" in the access file may"));
    grpc::ClientContext contest_context;
    as_caf(&contest_context);
    v1::ContestRequest contest;
    contest.set_decision_id("d-0000000000000000");
    v1::ContestResponse contested;
    status = decisions->Contest(&contest_context, contest, &contested);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_THAT(status.error_message(), HasSubstr("\"token-caf\" may not contest decisions"));
  }
  // Nothing of the refused events was stored: the person has the CAF's
  // income and no birth date.
  grpc::ClientContext context;
  SetDeadline(&context, absl::Seconds(10));
  v1::GetPersonRequest request;
  request.set_person_id("P-SOURCES");
  v1::Person person;
  grpc::Status status =
      v1::Persons::NewStub(ChannelAs("back-office.dev.proactive"))->GetPerson(&context, request, &person);
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<std::string> names;
  for (const v1::AttributeState& a : person.attributes()) names.push_back(a.name());
  EXPECT_THAT(names, ::testing::ElementsAre("yearly_income"));
}

// A back office reads of a person only the facts its sources may state, and
// no decisions: those are for the desks that answer citizens and for
// caseworkers. Refused before anything is looked up.
TEST_F(AccessControlScenarioTest, ABackOfficeReadsOnlyItsSourcesFactsAndNoDecisions) {
  auto publish = [&](const std::string& token_or_client, const std::string& id, const std::string& source,
                     const std::string& attribute, const std::string& person_id = "P-READS") {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    const bool token = token_or_client.rfind("s3cret", 0) == 0;
    if (token) context.AddMetadata("authorization", "Bearer " + token_or_client);
    v1::PublishRequest request;
    v1::PersonEvent* p = request.mutable_person();
    p->set_event_id(id);
    p->set_person_id(person_id);
    p->set_source(source);
    p->mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(absl::Now()) - 3600);
    v1::Attribute* a = p->add_set();
    a->set_name(attribute);
    if (attribute == "birth_date") {
      a->mutable_value()->mutable_date_value()->set_year(1950);
      a->mutable_value()->mutable_date_value()->set_month(3);
      a->mutable_value()->mutable_date_value()->set_day(1);
    } else if (attribute == "lives_alone") {
      a->mutable_value()->set_bool_value(true);
    } else if (attribute == "phone") {
      a->mutable_value()->set_string_value("+33639980002");
    } else if (attribute == "arrondissement") {
      a->mutable_value()->set_int_value(11);
    } else {
      a->mutable_value()->mutable_money_value()->set_cents(1800000);
      a->mutable_value()->mutable_money_value()->set_currency("EUR");
    }
    v1::PublishResponse response;
    grpc::Status status =
        v1::Ingestion::NewStub(ChannelAs(token ? "" : token_or_client))->Publish(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(response.outcome(), v1::PublishResponse::ACCEPTED) << response.ShortDebugString();
  };
  publish("back-office.dev.proactive", "reads-1", "etat-civil", "birth_date");
  publish("back-office.dev.proactive", "reads-2", "casvp", "lives_alone");
  publish("s3cret-caf-token", "reads-3", "caf", "yearly_income");
  publish("s3cret-portal-token", "reads-4", "paris-compte", "phone");
  publish("s3cret-portal-token", "reads-5", "paris-compte", "arrondissement");

  auto read_person = [&](const std::string& token_or_client, const std::string& person_id, v1::Person* person) {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    const bool token = token_or_client.rfind("s3cret", 0) == 0;
    if (token) context.AddMetadata("authorization", "Bearer " + token_or_client);
    v1::GetPersonRequest request;
    request.set_person_id(person_id);
    return v1::Persons::NewStub(ChannelAs(token ? "" : token_or_client))->GetPerson(&context, request, person);
  };
  auto attribute_names = [&](const std::string& token_or_client) {
    v1::Person person;
    grpc::Status status = read_person(token_or_client, "P-READS", &person);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<std::string> names;
    for (const v1::AttributeState& a : person.attributes()) names.push_back(a.name());
    return names;
  };
  // The CAF sees its income and the arrondissement (which it may state too),
  // not the registry's birth date nor the social action centre's "lives
  // alone"; the social action centre sees "lives alone" and the phone (which
  // it may state too), not the arrondissement; the citizens' desk (which states only paris-compte's
  // attributes) and a caseworker see the whole file.
  EXPECT_THAT(attribute_names("s3cret-caf-token"), ::testing::ElementsAre("arrondissement", "yearly_income"));
  EXPECT_THAT(attribute_names("s3cret-casvp-token"), ::testing::ElementsAre("lives_alone", "phone"));
  for (const std::string& whole : {"s3cret-portal-token", "back-office.dev.proactive", "caseworker.dev.proactive"}) {
    EXPECT_THAT(attribute_names(whole),
                ::testing::ElementsAre("arrondissement", "birth_date", "lives_alone", "phone", "yearly_income"))
        << whole;
  }
  // The phone as the social action centre reads it: masked, and not who
  // stated it (that the person has a Paris account is the portal's to know),
  // nor how many events every system sent.
  {
    v1::Person person;
    ASSERT_TRUE(read_person("s3cret-casvp-token", "P-READS", &person).ok());
    ASSERT_EQ(person.attributes_size(), 2);
    const v1::AttributeState& phone = person.attributes(1);
    EXPECT_EQ(phone.value().string_value(), "+336••••••02");
    EXPECT_FALSE(phone.has_source());
    EXPECT_FALSE(phone.has_event_id());
    EXPECT_EQ(person.attributes(0).source(), "casvp");
    EXPECT_EQ(person.attributes(0).event_id(), "reads-2");
    EXPECT_FALSE(person.has_events_applied());
  }
  // A person only the CAF knows is, for the social action centre, as
  // unknown as a person nobody knows: the same answer.
  publish("s3cret-caf-token", "reads-6", "caf", "yearly_income", "P-READS-CAF");
  {
    // Known to the civil registry only, with a household.
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::PublishRequest request;
    v1::PersonEvent* p = request.mutable_person();
    p->set_event_id("reads-7");
    p->set_person_id("P-READS-HOUSEHOLD");
    p->set_household_id("H-READS");
    p->set_source("etat-civil");
    p->mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(absl::Now()) - 3600);
    v1::PublishResponse response;
    grpc::Status status =
        v1::Ingestion::NewStub(ChannelAs("back-office.dev.proactive"))->Publish(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(response.outcome(), v1::PublishResponse::ACCEPTED) << response.ShortDebugString();
  }
  {
    v1::Person person;
    grpc::Status known_to_caf = read_person("s3cret-casvp-token", "P-READS-CAF", &person);
    EXPECT_EQ(known_to_caf.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(known_to_caf.error_message(),
              "person_id: no person \"P-READS-CAF\" that the sources of \"token-casvp\" state anything of");
    EXPECT_FALSE(person.has_person_id());
    // Nor its household and links, which any source may state, when its
    // sources state nothing else of the person.
    grpc::Status with_household = read_person("s3cret-casvp-token", "P-READS-HOUSEHOLD", &person);
    EXPECT_EQ(with_household.error_code(), grpc::StatusCode::NOT_FOUND);
    grpc::Status unknown = read_person("s3cret-casvp-token", "P-NOBODY", &person);
    EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(unknown.error_message(),
              "person_id: no person \"P-NOBODY\" that the sources of \"token-casvp\" state anything of");
  }

  std::unique_ptr<v1::Decisions::Stub> as_caf = v1::Decisions::NewStub(ChannelAs(""));
  auto caf_context = [] {
    auto context = std::make_unique<grpc::ClientContext>();
    SetDeadline(context.get(), absl::Seconds(10));
    context->AddMetadata("authorization", "Bearer s3cret-caf-token");
    return context;
  };
  auto expect_refused = [](const grpc::Status& status, const char* call) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << call;
    EXPECT_EQ(status.error_message(),
              "\"token-caf\" may not read decisions: only a back office with \"citizen_desk: true\" in the access "
              "file may (a town-hall desk, the citizens' portal), or a caseworker")
        << call;
  };
  v1::ListDecisionsRequest list;
  list.set_person_id("P-READS");
  v1::ListDecisionsResponse listed;
  expect_refused(as_caf->ListDecisions(caf_context().get(), list, &listed), "ListDecisions");
  EXPECT_EQ(listed.decisions_size(), 0);
  v1::GetDecisionRequest get;
  get.set_decision_id("d-0000000000000000");
  v1::Decision decision;
  expect_refused(as_caf->GetDecision(caf_context().get(), get, &decision), "GetDecision");
  v1::ExplainRequest explain;
  explain.set_decision_id("d-0000000000000000");
  v1::Explanation explanation;
  expect_refused(as_caf->Explain(caf_context().get(), explain, &explanation), "Explain");
  // A caseworker lists them, and the citizens' portal.
  grpc::ClientContext context;
  SetDeadline(&context, absl::Seconds(10));
  grpc::Status status =
      v1::Decisions::NewStub(ChannelAs("caseworker.dev.proactive"))->ListDecisions(&context, list, &listed);
  EXPECT_TRUE(status.ok()) << status.error_message();
  grpc::ClientContext portal_context;
  SetDeadline(&portal_context, absl::Seconds(10));
  portal_context.AddMetadata("authorization", "Bearer s3cret-portal-token");
  status = as_caf->ListDecisions(&portal_context, list, &listed);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(AccessControlScenarioTest, TheDaemonRefusesToStartWithoutTlsUnlessInsecure) {
  testing::DaemonOptions options{dir_.path() + "/plain"};
  options.insecure = false;
  DaemonProcess plain(options);
  absl::Status started = plain.Start(absl::Seconds(10));
  EXPECT_FALSE(started.ok());
  EXPECT_THAT(std::string(started.message()), HasSubstr("mutual TLS is required"));
}

}  // namespace
}  // namespace proactive
