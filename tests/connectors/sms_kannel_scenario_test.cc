// SMS end to end: the real proactived (clock at 2026-06-29 08:00 UTC), the
// real Kannel 1.4.5 on loopback (bearerbox, smsbox, fakesmsc standing for
// the citizens' phones) and proactive-sms-kannel between them. The Paris
// sample (deploy/demo/paris-sample.ndjson, numbers in ARCEP's fiction range
// +336399800xx) is published; the maternelle offer reaches the guardian's
// phone; "OUI <code>" confirms it; "RECOURS <code>" opens one case; STOP
// stops that person's messages only; a connector killed between Kannel and
// the acknowledgement sends again with the same key and the decision is
// notified once; a reply acknowledged to Kannel survives an engine crash; a
// reply lost with smsbox is recovered from Kannel's access log.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "connectors/sms-kannel/send_journal.h"
#include "engine/client/channel.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proactive/v1/audit.grpc.pb.h"
#include "proactive/v1/decisions.grpc.pb.h"
#include "proactive/v1/recourse.grpc.pb.h"
#include "tests/connectors/connector_process.h"
#include "tests/connectors/kannel_loopback.h"
#include "tests/connectors/sms_connector_process.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace proactive {
namespace {

using ::proactive::testing::DaemonProcess;
using ::proactive::testing::FakeSmscMessage;
using ::proactive::testing::IsOk;
using ::proactive::testing::KannelLoopback;
using ::proactive::testing::ReadWholeFile;
using ::proactive::testing::RunCommand;
using ::proactive::testing::SmsConnectorProcess;
using ::proactive::testing::WaitUntil;
using ::testing::AllOf;
using ::testing::Ge;
using ::testing::HasSubstr;
using ::testing::Le;
using ::testing::Not;

constexpr char kGuardian[] = "+33639980002";      // P0002, the Martins
constexpr char kMadamePetit[] = "+33639980010";   // P0010, 84, alone
constexpr char kMonsieurRoux[] = "+33639980011";  // P0011, REFLEX register

int Count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

class SmsKannelScenarioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const int connector_port = testing::FreeLoopbackPort();
    kannel_ = std::make_unique<KannelLoopback>(
        dir_.path() + "/kannel",
        testing::KannelLoopbackOptions{.mo_url = absl::StrCat("http://127.0.0.1:", connector_port)});
    ASSERT_THAT(kannel_->Start(), IsOk());
    // A fixed port, so that the connector finds the engine after a restart.
    testing::DaemonOptions options{dir_.path() + "/data"};
    options.extra_flags = {"--clock_start=2026-06-29T08:00:00Z",
                           absl::StrCat("--listen=127.0.0.1:", testing::FreeLoopbackPort())};
    daemon_ = std::make_unique<DaemonProcess>(options);
    ASSERT_THAT(daemon_->Start(), IsOk());
    connector_ =
        std::make_unique<SmsConnectorProcess>(testing::SmsConnectorOptions{.engine = daemon_->address(),
                                                                           .sendsms_url = kannel_->sendsms_url(),
                                                                           .port = connector_port,
                                                                           .dir = dir_.path()});
  }

  void TearDown() override {
    connector_->Kill();
    if (HasFailure()) {
      std::cerr << "--- connector log\n"
                << connector_->ReadLog() << kannel_->LogTails() << "\n--- proactived log (end)\n"
                << daemon_->ReadLog().substr(daemon_->ReadLog().size() > 3000 ? daemon_->ReadLog().size() - 3000 : 0)
                << "\n";
    }
    kannel_->Stop();
    if (daemon_->running()) {
      EXPECT_THAT(daemon_->Stop(), IsOk());
    }
  }

  void Publish(const std::string& demo_file) { PublishFile(testing::SourceDir() + "/deploy/demo/" + demo_file); }
  void PublishFile(const std::string& path) {
    testing::CommandResult published =
        RunCommand({testing::ProactivectlPath(), "publish", "--file", path, "--schema",
                    testing::SourceDir() + "/rules/schema.yaml", "--server", daemon_->address(), "--quiet"});
    ASSERT_EQ(published.exit_code, 0) << published.output;
  }

  std::vector<v1::Decision> Decisions(const std::string& person) {
    auto stub = v1::Decisions::NewStub(ConnectToEngine(daemon_->address()));
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::ListDecisionsRequest request;
    request.set_person_id(person);
    v1::ListDecisionsResponse response;
    if (!stub->ListDecisions(&context, request, &response).ok()) return {};
    return {response.decisions().begin(), response.decisions().end()};
  }
  // The person's decision of `rule`, or an empty one.
  v1::Decision DecisionOf(const std::string& person, const std::string& rule) {
    for (const v1::Decision& d : Decisions(person)) {
      if (d.rule_id() == rule && d.action() != v1::GRANT) return d;
    }
    return v1::Decision();
  }
  std::vector<v1::RecourseCase> OpenCases() {
    auto stub = v1::Recourse::NewStub(ConnectToEngine(daemon_->address()));
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::ListCasesResponse response;
    if (!stub->ListCases(&context, v1::ListCasesRequest(), &response).ok()) return {};
    return {response.cases().begin(), response.cases().end()};
  }
  static int TimesIn(const v1::Decision& d, const std::string& status) {
    int n = 0;
    for (const auto& change : d.history()) n += change.status() == status;
    return n;
  }
  // How many times `d`'s message was handed to the gateway, and how many
  // times it was reported received (which starts its time to contest).
  static std::pair<int, int> HandedAndReached(const v1::Decision& d) {
    std::pair<int, int> n{0, 0};
    for (const auto& change : d.history()) {
      n.first += change.reason() == "its message was handed to the gateway";
      n.second += change.reason() == "it reached its recipient";
    }
    return n;
  }
  // Messages `phone` got that contain `needle`.
  std::vector<FakeSmscMessage> Got(const std::string& phone, const std::string& needle) {
    std::vector<FakeSmscMessage> out;
    for (FakeSmscMessage& m : kannel_->ReceivedBy(phone)) {
      if (absl::StrContains(m.text, needle)) out.push_back(std::move(m));
    }
    return out;
  }
  // The maternelle offer: published, on the guardian's phone, notified.
  v1::Decision OfferOnThePhone() {
    Publish("paris-sample.ndjson");
    EXPECT_TRUE(WaitUntil([&] { return !Got(kGuardian, "maternelle").empty(); }));
    EXPECT_TRUE(
        WaitUntil([&] { return DecisionOf("P0001", "maternelle.first-enrolment-offer").status() == "notified"; }));
    return DecisionOf("P0001", "maternelle.first-enrolment-offer");
  }

  testing::TempDir dir_;
  std::unique_ptr<KannelLoopback> kannel_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::unique_ptr<SmsConnectorProcess> connector_;
};

TEST_F(SmsKannelScenarioTest, TheOfferReachesTheGuardianAndOuiConfirmsIt) {
  ASSERT_THAT(connector_->Start(), IsOk());
  const v1::Decision offer = OfferOnThePhone();
  const std::string code = offer.reference_code();
  ASSERT_FALSE(code.empty());
  const std::vector<FakeSmscMessage> sms = Got(kGuardian, "maternelle");
  ASSERT_EQ(sms.size(), 1u);
  EXPECT_EQ(sms[0].from, "38000");
  EXPECT_THAT(sms[0].text, HasSubstr("une place vous est proposée à l'école "
                                     "maternelle de secteur (11e)"));
  EXPECT_THAT(sms[0].text, HasSubstr(absl::StrCat("Répondez OUI ", code)));
  // The city's algorithm notice closes every message.
  EXPECT_THAT(sms[0].text, HasSubstr(absl::StrCat("Message issu d'un traitement algorithmique "
                                                  "(CRPA L311-3-1) : règles sur "
                                                  "paris.fr/algorithmes. Contester : "
                                                  "répondez RECOURS ",
                                                  code, ".")));

  ASSERT_TRUE(kannel_->InjectReply(kGuardian, absl::StrCat("OUI ", code)));
  ASSERT_TRUE(
      WaitUntil([&] { return DecisionOf("P0001", "maternelle.first-enrolment-offer").status() == "confirmed"; }));
  const v1::Decision confirmed = DecisionOf("P0001", "maternelle.first-enrolment-offer");
  // Handed to Kannel, then delivered (fakesmsc reports at once): the time
  // to contest runs from the delivery.
  EXPECT_EQ(HandedAndReached(confirmed), std::make_pair(1, 1));
  EXPECT_EQ(TimesIn(confirmed, "notified"), 2);
  EXPECT_TRUE(confirmed.has_notified_at());
  EXPECT_EQ(confirmed.history().rbegin()->actor(), "citizen:sms");
  // The formal decision follows the acceptance.
  int formal = 0;
  for (const v1::Decision& d : Decisions("P0001")) formal += d.status() == "issued" && d.action() == v1::GRANT;
  EXPECT_EQ(formal, 1);
  // And the guardian is told, through the outbox.
  EXPECT_TRUE(WaitUntil([&] { return !Got(kGuardian, "votre acceptation est enregistrée").empty(); }));

  // An auditor following the offer by its code finds its formal decision's
  // story too: made from the offer, then told.
  std::string formal_id;
  for (const v1::Decision& d : Decisions("P0001")) {
    if (d.action() == v1::GRANT) formal_id = d.decision_id();
  }
  ASSERT_FALSE(formal_id.empty());
  auto audit = v1::Audit::NewStub(ConnectToEngine(daemon_->address()));
  const auto story = [&] {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::ListAuditEntriesRequest request;
    request.set_decision(code);
    v1::ListAuditEntriesResponse response;
    EXPECT_TRUE(audit->ListEntries(&context, request, &response).ok());
    std::vector<std::string> told;
    for (const v1::AuditEntry& e : response.entries()) {
      told.push_back(absl::StrCat(e.decision_id() == formal_id ? "formal " : "offer ", e.action(), " ", e.to_status()));
    }
    return told;
  };
  // The acknowledgement leaves after the acceptance: it tells the formal decision.
  EXPECT_TRUE(WaitUntil([&] { return absl::c_linear_search(story(), "formal decision.status issued"); }))
      << absl::StrJoin(story(), "\n");
  EXPECT_THAT(story(), ::testing::IsSupersetOf({"offer decision.created proposed", "offer decision.status confirmed",
                                                "formal decision.created issued"}))
      << absl::StrJoin(story(), "\n");
}

TEST_F(SmsKannelScenarioTest, RecoursOnAHeatwaveNoticeOpensExactlyOneCase) {
  ASSERT_THAT(connector_->Start(), IsOk());
  Publish("paris-sample.ndjson");
  Publish("heatwave-red.ndjson");
  ASSERT_TRUE(WaitUntil([&] { return !Got(kMadamePetit, "canicule").empty(); }));
  const v1::Decision notice = DecisionOf("P0010", "heatwave.check-in.isolated-elderly");
  const std::string code = notice.reference_code();
  ASSERT_FALSE(code.empty());
  // "être": this one travels as UCS-2, in several parts, intact.
  EXPECT_THAT(Got(kMadamePetit, "canicule")[0].text,
              HasSubstr(absl::StrCat("Répondez OUI ", code, " pour être appelé(e).")));
  EXPECT_GT(Got(kMadamePetit, "canicule")[0].parts, 1);

  for (int i = 0; i < 2; ++i) {  // the citizen sends it twice
    ASSERT_TRUE(kannel_->InjectReply(kMadamePetit, absl::StrCat("RECOURS ", code)));
    ASSERT_TRUE(WaitUntil([&] { return Count(connector_->ReadLog(), ": contested") == i + 1; }));
  }
  std::vector<v1::RecourseCase> cases = OpenCases();
  ASSERT_EQ(cases.size(), 1u);
  EXPECT_EQ(cases[0].decision_id(), notice.decision_id());
  EXPECT_EQ(cases[0].kind(), "contest");
  EXPECT_EQ(DecisionOf("P0010", "heatwave.check-in.isolated-elderly").status(), "in review");
}

TEST_F(SmsKannelScenarioTest, StopStopsThatPersonsMessagesOnly) {
  ASSERT_THAT(connector_->Start(), IsOk());
  Publish("paris-sample.ndjson");
  ASSERT_TRUE(kannel_->InjectReply(kMadamePetit, "STOP"));
  // The engine's confirmation comes back as smsbox's answer.
  ASSERT_TRUE(WaitUntil([&] { return !Got(kMadamePetit, "vous ne recevrez plus").empty(); }));

  // A red heatwave: both elderly people qualify; only Monsieur Roux is told.
  Publish("heatwave-red.ndjson");
  ASSERT_TRUE(WaitUntil([&] { return !Got(kMonsieurRoux, "canicule").empty(); }));
  // Madame Petit's notice is decided (and recorded) but never sent: her
  // message was suppressed when it was composed, so it was never leased.
  const v1::Decision petit = DecisionOf("P0010", "heatwave.check-in.isolated-elderly");
  ASSERT_FALSE(petit.decision_id().empty());
  const v1::Decision roux = DecisionOf("P0011", "heatwave.check-in.registered");
  ASSERT_TRUE(WaitUntil([&] {
    return absl::StrContains(connector_->ReadLog(),
                             absl::StrCat("message ", roux.decision_id(), "/decision/1: delivered"));
  }));
  EXPECT_THAT(connector_->ReadLog(), Not(HasSubstr(petit.decision_id())));
  EXPECT_EQ(kannel_->ReceivedBy(kMadamePetit).size(), 1u);
  EXPECT_TRUE(Got(kMadamePetit, "canicule").empty());
}

// The Martin family only: one SMS, the offer to P0002.
std::string MartinFamily(const std::string& dir) {
  const std::string path = dir + "/martins.ndjson";
  std::ofstream out(path);
  for (absl::string_view line :
       absl::StrSplit(ReadWholeFile(testing::SourceDir() + "/deploy/demo/paris-sample.ndjson"), '\n')) {
    if (absl::StrContains(line, "\"P000") && !absl::StrContains(line, "caf-")) out << line << "\n";
  }
  return path;
}

TEST_F(SmsKannelScenarioTest, AConnectorKilledBeforeItsJournalSendsAgainUnderTheSameKey) {
  // Killed right after Kannel's 202, before the journal says "sent". The
  // SMS centre reports late here (no report asked for this first send):
  // nothing tells the restarted connector that Kannel had it.
  ASSERT_THAT(connector_->Start({"--test_crash_at=after_kannel_accepted", "--dlr_mask=0", "--lease_seconds=5"}),
              IsOk());
  PublishFile(MartinFamily(dir_.path()));
  ASSERT_TRUE(connector_->WaitForCrash()) << connector_->ReadLog();
  EXPECT_EQ(DecisionOf("P0001", "maternelle.first-enrolment-offer").status(), "proposed");
  EXPECT_THAT(connector_->ReadLog(), HasSubstr("--dlr_mask=0 asks for no delivery reports: no SMS will start"));
  ASSERT_THAT(connector_->Start({"--lease_seconds=5"}), IsOk());

  // When the lease runs out the engine leases it again; the journal says
  // it may have gone: it is sent again.
  ASSERT_TRUE(
      WaitUntil([&] { return DecisionOf("P0001", "maternelle.first-enrolment-offer").status() == "notified"; }));
  // At least once: the phone got it twice, the same text and reference...
  ASSERT_TRUE(WaitUntil([&] { return Got(kGuardian, "maternelle").size() == 2; }));
  EXPECT_EQ(Got(kGuardian, "maternelle")[0].text, Got(kGuardian, "maternelle")[1].text);
  // ... both carrying the outbox message id in Kannel's log (one line per
  // message, its parts together) ...
  const v1::Decision offer = DecisionOf("P0001", "maternelle.first-enrolment-offer");
  // The id names the recipient by their place among the decision's, not by who they are.
  const int place = static_cast<int>(std::find(offer.recipients().begin(), offer.recipients().end(), "P0002") -
                                     offer.recipients().begin()) +
                    1;
  ASSERT_LE(place, offer.recipients_size());
  const std::string message_id = absl::StrCat(offer.decision_id(), "/decision/", place);
  EXPECT_EQ(Count(ReadWholeFile(kannel_->access_log()),
                  absl::StrCat("Sent SMS [SMSC:FAKE] [SVC:svc] [ACT:] [BINF:", message_id, "]")),
            2);
  EXPECT_THAT(connector_->ReadLog(), HasSubstr("sending it again with the same id"));
  // ... and the decision was notified once. The first copy asked for no
  // report; the second's starts its time to contest.
  ASSERT_TRUE(
      WaitUntil([&] { return HandedAndReached(DecisionOf("P0001", "maternelle.first-enrolment-offer")).second == 1; }));
  EXPECT_EQ(HandedAndReached(DecisionOf("P0001", "maternelle.first-enrolment-offer")), std::make_pair(1, 1));
}

TEST_F(SmsKannelScenarioTest, ADeliveryReportAfterTheCrashSettlesItWithoutASecondSms) {
  // The same crash, with an SMS centre that reports at once: the report
  // reaches the restarted connector and proves Kannel had the message.
  ASSERT_THAT(connector_->Start({"--test_crash_at=after_kannel_accepted"}), IsOk());
  PublishFile(MartinFamily(dir_.path()));
  ASSERT_TRUE(connector_->WaitForCrash()) << connector_->ReadLog();
  ASSERT_THAT(connector_->Start(), IsOk());
  // Kannel 1.4.5's smsbox can PANIC (conn_unregister) calling back the
  // connector that just died, and the report it held dies with it (seen in
  // CI). Started again as run_kannel_box would, it cannot bring that report
  // back: the message is then settled the other way, sent again with the same
  // id when its lease (60 s) runs out, at least once as the journal promises.
  int smsbox_restarts = 0;
  ASSERT_TRUE(WaitUntil(
      [&] {
        absl::StatusOr<bool> restarted = kannel_->RestartSmsboxIfItDied();
        if (restarted.ok() && *restarted) ++smsbox_restarts;
        return DecisionOf("P0001", "maternelle.first-enrolment-offer").status() == "notified";
      },
      absl::Seconds(150)))
      << connector_->ReadLog();
  if (smsbox_restarts > 0) {
    const v1::Decision offer = DecisionOf("P0001", "maternelle.first-enrolment-offer");
    const std::string log = connector_->ReadLog();
    EXPECT_TRUE(absl::StrContains(log, "sending it again with the same id") ||
                absl::StrContains(log, ": delivered -> delivered"))
        << log;
    EXPECT_EQ(HandedAndReached(offer).first, 1);
    EXPECT_LE(HandedAndReached(offer).second, 1);  // its report may be on its way
    EXPECT_THAT(Got(kGuardian, "maternelle").size(), AllOf(Ge(1u), Le(2u)));
    return;
  }
  // The report settles it: usually in the restarted connector ("acknowledged
  // on its delivery report"); when fakesmsc reports before the crash, the
  // first connector acknowledged it and died answering Kannel, which calls
  // the restarted one again (seen in CI). Either way, delivered and not sent
  // again.
  EXPECT_TRUE(WaitUntil([&] { return absl::StrContains(connector_->ReadLog(), ": delivered -> delivered"); }))
      << connector_->ReadLog();
  EXPECT_THAT(connector_->ReadLog(), Not(HasSubstr("sending it again with the same id")));
  EXPECT_EQ(Got(kGuardian, "maternelle").size(), 1u);
  // Handed over once, received once: its time to contest runs.
  const v1::Decision offer = DecisionOf("P0001", "maternelle.first-enrolment-offer");
  EXPECT_EQ(HandedAndReached(offer), std::make_pair(1, 1));
  EXPECT_TRUE(offer.has_recourse_deadline());
  // Nothing is left in flight in the journal.
  ASSERT_THAT(connector_->Stop(), IsOk());
  auto journal = SendJournal::Open(dir_.path() + "/sms-kannel.journal");
  ASSERT_THAT(journal, IsOk());
  EXPECT_TRUE((*journal)->Ambiguous().empty());
  EXPECT_TRUE((*journal)->SentNotAcked().empty());
}

TEST_F(SmsKannelScenarioTest, AReplyAcknowledgedToKannelSurvivesAnEngineCrash) {
  ASSERT_THAT(connector_->Start(), IsOk());
  const v1::Decision offer = OfferOnThePhone();
  ASSERT_TRUE(kannel_->InjectReply(kGuardian, absl::StrCat("oui ", offer.reference_code())));
  // The engine answered, so smsbox got its 200...
  ASSERT_TRUE(WaitUntil([&] { return absl::StrContains(connector_->ReadLog(), ": accepted ("); }));
  // ... and the engine dies at once.
  daemon_->Kill();
  ASSERT_THAT(daemon_->Start(), IsOk());
  EXPECT_EQ(DecisionOf("P0001", "maternelle.first-enrolment-offer").status(), "confirmed");
  // The connector carries on with the restarted engine.
  EXPECT_TRUE(WaitUntil([&] { return !Got(kGuardian, "votre acceptation est enregistrée").empty(); }));
}

TEST_F(SmsKannelScenarioTest, AReplyLostWithSmsboxIsRecoveredByReconciliation) {
  ASSERT_THAT(connector_->Start(), IsOk());
  const v1::Decision offer = OfferOnThePhone();
  // The engine is down when the answer comes; smsbox keeps retrying, then
  // dies too: the reply is nowhere but in bearerbox's access log.
  ASSERT_THAT(daemon_->Stop(), IsOk());
  ASSERT_TRUE(kannel_->InjectReply(kGuardian, absl::StrCat("NON ", offer.reference_code())));
  ASSERT_TRUE(WaitUntil([&] { return absl::StrContains(connector_->ReadLog(), "not yet taken"); }));
  kannel_->KillSmsbox();
  ASSERT_THAT(daemon_->Start(), IsOk());
  ASSERT_THAT(kannel_->StartSmsbox(), IsOk());
  EXPECT_EQ(DecisionOf("P0001", "maternelle.first-enrolment-offer").status(), "notified");

  testing::CommandResult reconciled =
      RunCommand({testing::SmsKannelPath(), "reconcile", "--server=" + daemon_->address(), "--access-log",
                  kannel_->access_log(), "--since=1h"});
  EXPECT_EQ(reconciled.exit_code, 0) << reconciled.output;
  EXPECT_THAT(reconciled.output, HasSubstr("1 new (reported now)"));
  EXPECT_EQ(DecisionOf("P0001", "maternelle.first-enrolment-offer").status(), "declined");
  // Running it again changes nothing.
  EXPECT_THAT(RunCommand({testing::SmsKannelPath(), "reconcile", "--server=" + daemon_->address(), "--access-log",
                          kannel_->access_log()})
                  .output,
              HasSubstr("0 new (reported now), 1 already reported"));
}

}  // namespace
}  // namespace proactive
