// GDPR erasure on the real daemon: a mother of the sample population asks to
// be forgotten. Her state, number, messages, reply and event payloads go,
// from the database's files and write-ahead log too; the decisions the law
// keeps stay under a pseudonym, without her data; the audit chain still
// verifies and says it happened. Her events sent again change nothing. While
// a recourse case about a person's decision is open, they cannot be
// forgotten, and nothing changes.
#include <dirent.h>

#include <fstream>
#include <sstream>

#include "absl/algorithm/container.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "engine/client/channel.h"
#include "engine/store/store.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proactive/storage/v1/storage.pb.h"
#include "proactive/v1/audit.grpc.pb.h"
#include "proactive/v1/decisions.grpc.pb.h"
#include "proactive/v1/gateway.grpc.pb.h"
#include "proactive/v1/persons.grpc.pb.h"
#include "proactive/v1/recourse.grpc.pb.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// Mme Martin (P0002) of deploy/demo/paris-sample.ndjson: guardian of P0001,
// told of the child's maternelle offer, subject of a non-take-up referral.
constexpr char kForgotten[] = "P0002";
constexpr char kHerPhone[] = "+33639980002";
constexpr char kHerReply[] = "Bonjour, ici Claire Martin";

class PrivacyScenarioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<testing::DaemonProcess>(testing::SampleMorningDaemon(dir_.path() + "/data"));
    ASSERT_THAT(daemon_->Start(), IsOk());
    channel_ = ConnectToEngine(daemon_->address());
  }

  testing::CommandResult Ctl(std::vector<std::string> args) {
    args.insert(args.begin(), testing::ProactivectlPath());
    args.push_back("--server");
    args.push_back(daemon_->address());
    return testing::RunCommand(args);
  }

  testing::CommandResult PublishSample() {
    return Ctl({"publish", "--file", testing::SourceDir() + "/deploy/demo/paris-sample.ndjson", "--schema",
                testing::SourceDir() + "/rules/schema.yaml", "--quiet"});
  }

  grpc::Status Forget(const std::string& person, const std::string& reference, v1::ForgetPersonResponse* response) {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(30));
    v1::ForgetPersonRequest request;
    request.set_person_id(person);
    request.set_request_reference(reference);
    return v1::Persons::NewStub(channel_)->ForgetPerson(&context, request, response);
  }

  grpc::Status GetPerson(const std::string& person, v1::Person* out) {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::GetPersonRequest request;
    request.set_person_id(person);
    return v1::Persons::NewStub(channel_)->GetPerson(&context, request, out);
  }

  std::vector<v1::Decision> Decisions(const std::string& person) {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::ListDecisionsRequest request;
    request.set_person_id(person);
    v1::ListDecisionsResponse response;
    grpc::Status status = v1::Decisions::NewStub(channel_)->ListDecisions(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.decisions().begin(), response.decisions().end()};
  }

  v1::Decision Decision(const std::string& id) {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::GetDecisionRequest request;
    request.set_decision_id(id);
    v1::Decision decision;
    grpc::Status status = v1::Decisions::NewStub(channel_)->GetDecision(&context, request, &decision);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return decision;
  }

  // The write-ahead log files of the data directory, concatenated.
  std::string WriteAheadLog() const {
    std::string all;
    const std::string data = dir_.path() + "/data";
    DIR* d = opendir(data.c_str());
    if (d == nullptr) return all;
    while (dirent* entry = readdir(d)) {
      if (!absl::EndsWith(entry->d_name, ".log")) continue;
      std::ifstream in(data + "/" + entry->d_name, std::ios::binary);
      std::stringstream bytes;
      bytes << in.rdbuf();
      all += bytes.str();
    }
    closedir(d);
    return all;
  }

  absl::Status StopDaemon() {
    channel_.reset();
    return daemon_->Stop();
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::DaemonProcess> daemon_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(PrivacyScenarioTest, AForgottenPersonLeavesOnlyAPseudonymisedSkeleton) {
  testing::CommandResult published = PublishSample();
  ASSERT_EQ(published.exit_code, 0) << published.output;
  std::vector<v1::Decision> hers = Decisions(kForgotten);
  ASSERT_EQ(hers.size(), 1u);  // the non-take-up referral
  const std::string referral = hers[0].decision_id();
  std::vector<v1::Decision> child = Decisions("P0001");
  ASSERT_EQ(child.size(), 1u);  // the maternelle offer, told to both parents
  const std::string offer = child[0].decision_id();
  ASSERT_THAT(child[0].recipients(), Contains(kForgotten));

  // The SMS gateway takes her messages, and she answers with her name.
  auto gateway = v1::Gateway::NewStub(channel_);
  {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::LeaseMessagesRequest lease;
    lease.set_max_messages(50);
    v1::LeaseMessagesResponse leased;
    ASSERT_TRUE(gateway->LeaseMessages(&context, lease, &leased).ok());
    std::vector<std::string> to_her;
    for (const v1::OutgoingSms& sms : leased.messages()) {
      if (sms.to() == kHerPhone) to_her.push_back(sms.message_id());
    }
    ASSERT_FALSE(to_her.empty());
    // Sent: the decisions record it, the message id as the cause.
    for (const std::string& id : to_her) {
      grpc::ClientContext ack_context;
      SetDeadline(&ack_context, absl::Seconds(10));
      v1::AckMessageRequest ack;
      ack.set_message_id(id);
      v1::AckMessageResponse acked;
      ASSERT_TRUE(gateway->AckMessage(&ack_context, ack, &acked).ok());
    }
  }
  {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::ReportReplyRequest reply;
    reply.set_from(kHerPhone);
    reply.set_to("38000");
    reply.set_text(absl::StrCat(kHerReply, ", une question sur l'école"));
    reply.set_gateway_message_id("kannel-mo-1");
    v1::ReportReplyResponse outcome;
    ASSERT_TRUE(gateway->ReportReply(&context, reply, &outcome).ok());
    EXPECT_EQ(outcome.outcome(), "to a caseworker");
  }
  // Looking her up shows whose number it is, not the number: the engine
  // masks it, as the schema says it is contact data.
  v1::Person before;
  ASSERT_TRUE(GetPerson(kForgotten, &before).ok());
  bool phone_seen = false;
  for (const v1::AttributeState& a : before.attributes()) {
    if (a.name() == "phone") {
      phone_seen = true;
      EXPECT_EQ(a.category(), "contact");
      EXPECT_TRUE(a.masked());
      EXPECT_EQ(a.value().string_value(), "+336••••••02");
    } else if (a.name() == "birth_date") {
      EXPECT_EQ(a.category(), "identity");
      EXPECT_FALSE(a.masked());
    }
  }
  EXPECT_TRUE(phone_seen);
  testing::CommandResult shown = Ctl({"person", "show", kForgotten});
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_THAT(shown.output, HasSubstr("+336••••••02"));
  EXPECT_THAT(shown.output, Not(HasSubstr(kHerPhone)));
  EXPECT_THAT(shown.output, HasSubstr("contact data masked; --reveal-for DECISION_OR_CASE shows it"));
  EXPECT_THAT(shown.output, HasSubstr("preferred_language"));
  // Shown whole only for a decision about her, and the audit log says so.
  std::string unrelated;
  for (int i = 4; i < 30 && unrelated.empty(); ++i) {
    for (const v1::Decision& d : Decisions(absl::StrFormat("P%04d", i))) {
      if (d.person_id() != kForgotten && !absl::c_linear_search(d.recipients(), kForgotten)) {
        unrelated = d.decision_id();
      }
    }
  }
  ASSERT_FALSE(unrelated.empty());
  shown = Ctl({"person", "show", kForgotten, "--reveal-for", unrelated});
  EXPECT_NE(shown.exit_code, 0) << shown.output;
  EXPECT_THAT(shown.output, HasSubstr("does not concern person \"P0002\""));
  EXPECT_THAT(shown.output, Not(HasSubstr(kHerPhone)));
  shown = Ctl({"person", "show", kForgotten, "--reveal-for", offer});
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_THAT(shown.output, HasSubstr(kHerPhone));
  EXPECT_THAT(shown.output, HasSubstr("recorded in the audit log"));
  // An auditor asks who saw a contact: the one reveal, for which decision,
  // and whose contact by its place in the decision, never a person's id.
  testing::CommandResult seen = Ctl({"audit", "list", "--action", "person.contact_revealed"});
  ASSERT_EQ(seen.exit_code, 0) << seen.output;
  std::vector<std::string> reveal_lines = absl::StrSplit(seen.output, '\n', absl::SkipEmpty());
  ASSERT_EQ(reveal_lines.size(), 1u) << seen.output;
  EXPECT_THAT(reveal_lines[0], HasSubstr(absl::StrCat(offer, " (")));
  EXPECT_THAT(reveal_lines[0], HasSubstr("masked -> revealed  cause recipient "));
  EXPECT_THAT(reveal_lines[0], Not(HasSubstr(kForgotten)));
  shown = Ctl({"person", "show", "P9999"});
  EXPECT_THAT(shown.output, HasSubstr("no person \"P9999\""));

  // Before: her number is in the write-ahead log (so the check below can fail).
  ASSERT_TRUE(absl::StrContains(WriteAheadLog(), kHerPhone));

  // Refused without a proper request reference: nothing changes.
  v1::ForgetPersonResponse response;
  grpc::Status refused = Forget(kForgotten, "Mme Martin, 112 rue Oberkampf", &response);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(refused.error_message(), HasSubstr("request_reference"));
  v1::Person still;
  ASSERT_TRUE(GetPerson(kForgotten, &still).ok());

  grpc::Status forgotten = Forget(kForgotten, "RGPD-2026-0042", &response);
  ASSERT_TRUE(forgotten.ok()) << forgotten.error_message();
  const std::string pseudonym = response.pseudonym();
  EXPECT_TRUE(absl::StartsWith(pseudonym, "x-")) << pseudonym;
  EXPECT_EQ(response.events_erased(), 3u);  // birth, phone, CAF income
  EXPECT_EQ(response.decisions_pseudonymised(), 2u);
  EXPECT_EQ(response.links_removed(), 1u);  // the child's guardian link
  EXPECT_EQ(response.replies_erased(), 1u);
  EXPECT_GE(response.messages_deleted(), 1u);

  // She is gone; her child's state no longer points to her.
  v1::Person gone;
  EXPECT_EQ(GetPerson(kForgotten, &gone).error_code(), grpc::StatusCode::NOT_FOUND);
  v1::Person child_state;
  ASSERT_TRUE(GetPerson("P0001", &child_state).ok());
  ASSERT_EQ(child_state.links_size(), 1);
  EXPECT_EQ(child_state.links(0).person_id(), "P0003");
  EXPECT_THAT(Decisions(kForgotten), IsEmpty());

  // Her referral stays, under the pseudonym, without her data.
  v1::Decision kept = Decision(referral);
  EXPECT_EQ(kept.person_id(), pseudonym);
  EXPECT_TRUE(kept.has_pseudonymised_at());
  EXPECT_EQ(kept.status(), "referred");
  EXPECT_THAT(kept.legal_basis(), Not(IsEmpty()));
  EXPECT_THAT(kept.parameters_applied(),
              Not(IsEmpty()));  // policy, not personal
  for (const v1::DecisionInput& input : kept.inputs()) {
    EXPECT_FALSE(input.has_value()) << input.path();
    EXPECT_NE(input.person_id(), kForgotten) << input.path();
  }
  // Of its trace, what was evaluated stays, not the values.
  EXPECT_THAT(kept.trace(), Not(IsEmpty()));
  for (const v1::TraceStep& step : kept.trace()) {
    EXPECT_THAT(step.expression(), Not(IsEmpty()));
    EXPECT_THAT(step.value(), IsEmpty()) << step.expression();
  }
  ASSERT_EQ(Decisions(pseudonym).size(), 1u);
  // The child's offer stands, told to the pseudonym and the other parent.
  v1::Decision child_offer = Decision(offer);
  // Nowhere in what is kept, not even inside the id of a message that
  // changed a decision's status (message ids once ended with it).
  EXPECT_THAT(kept.DebugString(), Not(HasSubstr(kForgotten)));
  EXPECT_THAT(child_offer.DebugString(), Not(HasSubstr(kForgotten)));
  EXPECT_EQ(child_offer.person_id(), "P0001");
  EXPECT_EQ(child_offer.status(), "notified");  // her SMS was sent
  EXPECT_THAT(child_offer.recipients(), Contains(pseudonym));
  EXPECT_THAT(child_offer.recipients(), Not(Contains(kForgotten)));

  // The caseworker's inbox no longer shows her words.
  testing::CommandResult inbox = Ctl({"recourse", "inbox", "--all"});
  EXPECT_THAT(inbox.output, Not(HasSubstr(kHerReply)));

  // Forgetting again: there is nobody to forget.
  EXPECT_EQ(Forget(kForgotten, "RGPD-2026-0042", &response).error_code(), grpc::StatusCode::NOT_FOUND);
  // Her events, sent again by a source that retries, are duplicates: she
  // does not come back.
  testing::CommandResult again = PublishSample();
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_THAT(again.output, HasSubstr("17 duplicates"));
  EXPECT_EQ(GetPerson(kForgotten, &gone).error_code(), grpc::StatusCode::NOT_FOUND);

  // The audit chain verifies and records the erasure.
  testing::CommandResult verified = Ctl({"audit", "verify"});
  EXPECT_EQ(verified.exit_code, 0) << verified.output;
  EXPECT_THAT(verified.output, HasSubstr("intact"));
  // Read whole, it names her nowhere: not as a recipient, not as an actor.
  testing::CommandResult chain = Ctl({"audit", "list", "--limit", "100000"});
  ASSERT_EQ(chain.exit_code, 0) << chain.output;
  EXPECT_THAT(chain.output, HasSubstr("person.forgotten"));
  EXPECT_THAT(chain.output, Not(HasSubstr(kForgotten)));
  EXPECT_THAT(chain.output, Not(HasSubstr(kHerPhone)));

  // Nothing of her is left in the write-ahead log...
  const std::string wal = WriteAheadLog();
  EXPECT_FALSE(absl::StrContains(wal, kHerPhone)) << "her number is still in the write-ahead log";
  EXPECT_FALSE(absl::StrContains(wal, kHerReply)) << "her reply is still in the write-ahead log";
  ASSERT_THAT(StopDaemon(), IsOk());

  // ...nor in any version of any record RocksDB still holds, deleted ones
  // included: her id only survives in keys marked deleted, her data nowhere.
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open({.path = dir_.path() + "/data"});
  ASSERT_THAT(store.status(), IsOk());
  int versions = 0;
  int reveals = 0;
  ASSERT_THAT((*store)->Scan(Family::kAudit, "",
                             [&](absl::string_view, absl::string_view value) {
                               storage::v1::AuditEntry entry;
                               EXPECT_TRUE(entry.ParseFromArray(value.data(), static_cast<int>(value.size())));
                               if (entry.action() == "person.contact_revealed") {
                                 ++reveals;
                                 EXPECT_EQ(entry.decision_id(), offer);
                                 EXPECT_EQ(entry.actor(), "caseworker:development");  // --insecure: every role
                               }
                               return true;
                             }),
              IsOk());
  EXPECT_EQ(reveals, 1);  // the refused one left nothing
  for (int f = 0; f < kFamilyCount; ++f) {
    const Family family = static_cast<Family>(f);
    absl::StatusOr<std::vector<Store::KeyVersion>> all = (*store)->AllVersions(family);
    ASSERT_THAT(all.status(), IsOk());
    for (const Store::KeyVersion& v : *all) {
      ++versions;
      const std::string where = absl::StrCat(FamilyName(family), " key ", v.key);
      EXPECT_THAT(v.value, Not(HasSubstr(kHerPhone))) << where;
      EXPECT_THAT(v.value, Not(HasSubstr(kHerReply))) << where;
      EXPECT_THAT(v.value, Not(HasSubstr(kForgotten))) << where;
      EXPECT_THAT(v.key, Not(HasSubstr(kHerPhone))) << where;
      if (!v.deletion) {
        EXPECT_THAT(v.key, Not(HasSubstr(kForgotten))) << where;
      }
    }
  }
  EXPECT_GT(versions, 100);  // the check looked at a real database
  EXPECT_THAT((*store)->Close(), IsOk());
}

TEST_F(PrivacyScenarioTest, AnOpenRecourseCaseHoldsTheErasureBack) {
  testing::CommandResult published = PublishSample();
  ASSERT_EQ(published.exit_code, 0) << published.output;
  const std::string referral = Decisions(kForgotten).at(0).decision_id();
  testing::CommandResult contested = Ctl({"decisions", "contest", referral, "--reason", "Je touche déjà le RSA"});
  ASSERT_EQ(contested.exit_code, 0) << contested.output;

  v1::ForgetPersonResponse response;
  grpc::Status held = Forget(kForgotten, "RGPD-2026-0043", &response);
  EXPECT_EQ(held.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(held.error_message(), HasSubstr("person_id: recourse case c-"));
  EXPECT_THAT(held.error_message(), HasSubstr("is open: a caseworker must resolve it"));
  v1::Person still;
  EXPECT_TRUE(GetPerson(kForgotten, &still).ok());
  EXPECT_FALSE(Decision(referral).has_pseudonymised_at());

  // Once a caseworker resolved it, she can be forgotten; the case keeps who
  // decided what, on which basis, not her words nor the caseworker's.
  const std::string case_id = absl::StrCat("c-", referral.substr(2));
  EXPECT_THAT(Ctl({"recourse", "list", "--all", "--arrondissement", "11"}).output, HasSubstr(case_id));
  ASSERT_EQ(Ctl({"recourse", "claim", case_id}).exit_code, 0);
  testing::CommandResult resolved = Ctl({"recourse", "resolve", case_id, "--outcome", "upheld", "--reason",
                                         "Mme Martin ne perçoit pas le RSA selon la CAF ; l'orientation est "
                                         "maintenue.",
                                         "--legal_basis", "CASF art. L262-2"});
  ASSERT_EQ(resolved.exit_code, 0) << resolved.output;
  grpc::Status forgotten = Forget(kForgotten, "RGPD-2026-0043", &response);
  ASSERT_TRUE(forgotten.ok()) << forgotten.error_message();
  EXPECT_EQ(response.cases_pseudonymised(), 1u);
  testing::CommandResult shown = Ctl({"recourse", "show", case_id});
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_THAT(shown.output, HasSubstr("upheld"));
  EXPECT_THAT(shown.output, HasSubstr("CASF art. L262-2"));
  EXPECT_THAT(shown.output, Not(HasSubstr("Je touche déjà le RSA")));
  EXPECT_THAT(shown.output, Not(HasSubstr("Mme Martin")));
  // Nor where she lived.
  EXPECT_THAT(Ctl({"recourse", "list", "--all", "--arrondissement", "11"}).output, Not(HasSubstr(case_id)));
  EXPECT_THAT(Ctl({"recourse", "list", "--all"}).output, HasSubstr(case_id));
  EXPECT_THAT(Ctl({"decisions", "explain", referral}).output, HasSubstr("Données personnelles effacées le"));
  ASSERT_THAT(StopDaemon(), IsOk());
}

}  // namespace
}  // namespace proactive
