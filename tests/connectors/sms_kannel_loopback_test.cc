// proactive-sms-kannel between the real Kannel 1.4.5 (bearerbox, smsbox,
// fakesmsc on loopback) and a scripted engine (fake_gateway_server.h) that
// the test can take down: texts reach the phones intact (GSM and UCS-2,
// long ones reassembled), delivery reports and replies reach the engine,
// a reply lost with smsbox's retry queue is recovered from the access log,
// and a kill -9 at either side of the journal gives one hand-over or a
// recognisable second one. The same paths against the real daemon are in
// sms_kannel_scenario_test.cc.
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/connectors/connector_process.h"
#include "tests/connectors/fake_gateway_server.h"
#include "tests/connectors/kannel_loopback.h"
#include "tests/connectors/sms_connector_process.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace proactive {
namespace {

using ::proactive::testing::FakeGatewayServer;
using ::proactive::testing::FakeSmscMessage;
using ::proactive::testing::IsOk;
using ::proactive::testing::KannelLoopback;
using ::proactive::testing::ReadWholeFile;
using ::proactive::testing::RunCommand;
using ::proactive::testing::Sms;
using ::proactive::testing::SmsConnectorProcess;
using ::proactive::testing::WaitUntil;
using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::Not;

// The maternelle offer with the city's algorithm notice (rules/paris),
// GSM 03.38 only: three parts.
constexpr char kOffer[] =
    "Ville de Paris : une place vous est proposée à l'école maternelle de "
    "secteur (11e) pour la rentrée 2026. Répondez OUI K7X2 pour accepter ou "
    "NON K7X2 pour refuser, avant le 20/07/2026. Message issu d'un traitement "
    "algorithmique (CRPA L311-3-1) : règles sur paris.fr/algorithmes. "
    "Contester : répondez RECOURS K7X2.";
// Needs UCS-2 ("ê"): five parts.
constexpr char kOutreach[] =
    "Ville de Paris : vous avez peut-être droit à une aide que vous ne "
    "percevez pas. Un travailleur social peut faire le point avec vous, "
    "gratuitement. Répondez OUI P3Q9 pour être rappelé(e). Message issu d'un "
    "traitement algorithmique (CRPA L311-3-1) : règles sur "
    "paris.fr/algorithmes. Contester : répondez RECOURS P3Q9.";

int Count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

class SmsKannelLoopbackTest : public ::testing::Test {
 protected:
  // One Kannel for the suite (bearerbox takes seconds to stop); each test
  // writes to its own phone numbers.
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir;
    connector_port_ = testing::FreeLoopbackPort();
    kannel_ =
        new KannelLoopback(dir_->path() + "/kannel", {.mo_url = absl::StrCat("http://127.0.0.1:", connector_port_)});
    kannel_status_ = kannel_->Start();
  }
  static void TearDownTestSuite() {
    delete kannel_;
    delete dir_;
  }

  void SetUp() override {
    ASSERT_THAT(kannel_status_, IsOk());
    // A test whose connector died may have taken smsbox with it (see
    // RestartSmsboxIfItDied): the next test gets a running one.
    ASSERT_THAT(kannel_->RestartSmsboxIfItDied(), IsOk());
    ASSERT_THAT(engine_.Start(), IsOk());
    connector_ =
        std::make_unique<SmsConnectorProcess>(testing::SmsConnectorOptions{.engine = engine_.address(),
                                                                           .sendsms_url = kannel_->sendsms_url(),
                                                                           .port = connector_port_,
                                                                           .dir = test_dir_.path()});
  }
  void TearDown() override {
    connector_->Kill();
    if (HasFailure()) {
      std::cerr << "--- connector log\n" << connector_->ReadLog() << kannel_->LogTails() << "\n";
    }
  }

  // Reconciles what Kannel's access log gained during this test (the log
  // is shared by the suite; each test has a fresh engine).
  testing::CommandResult Reconcile() {
    const std::string log = test_dir_.path() + "/access.log";
    std::ofstream(log) << ReadWholeFile(kannel_->access_log()).substr(access_log_at_start_);
    return RunCommand(
        {testing::SmsKannelPath(), "reconcile", "--server=" + engine_.address(), "--access-log", log, "--since=2h"});
  }
  int DeliveredReports(const std::string& message_id) {
    int n = 0;
    for (const auto& d : engine_.fake().deliveries()) n += d.message_id() == message_id && d.delivered();
    return n;
  }

  static testing::TempDir* dir_;
  static KannelLoopback* kannel_;
  static absl::Status kannel_status_;
  static int connector_port_;
  const size_t access_log_at_start_ = kannel_ == nullptr ? 0 : ReadWholeFile(kannel_->access_log()).size();
  testing::TempDir test_dir_;
  FakeGatewayServer engine_;
  std::unique_ptr<SmsConnectorProcess> connector_;
};

testing::TempDir* SmsKannelLoopbackTest::dir_ = nullptr;
KannelLoopback* SmsKannelLoopbackTest::kannel_ = nullptr;
absl::Status SmsKannelLoopbackTest::kannel_status_;
int SmsKannelLoopbackTest::connector_port_ = 0;

TEST_F(SmsKannelLoopbackTest, MessagesReachThePhonesIntactAndAreReported) {
  engine_.fake().Queue(Sms("d-1/decision/P0002", "+33639980002", kOffer));
  engine_.fake().Queue(Sms("d-2/decision/P0020", "+33639980020", kOutreach));
  ASSERT_THAT(connector_->Start(), IsOk());

  ASSERT_TRUE(WaitUntil([&] {
    return kannel_->ReceivedBy("+33639980002").size() == 1 && kannel_->ReceivedBy("+33639980020").size() == 1;
  }));
  const FakeSmscMessage offer = kannel_->ReceivedBy("+33639980002")[0];
  EXPECT_EQ(offer.text, kOffer);
  EXPECT_EQ(offer.from, "38000");
  EXPECT_EQ(offer.parts, 3);
  const FakeSmscMessage outreach = kannel_->ReceivedBy("+33639980020")[0];
  EXPECT_EQ(outreach.text, kOutreach);
  EXPECT_EQ(outreach.parts, 5);

  // Acknowledged once Kannel took them; delivered per fakesmsc's reports.
  ASSERT_TRUE(WaitUntil(
      [&] { return DeliveredReports("d-1/decision/P0002") == 1 && DeliveredReports("d-2/decision/P0020") == 1; }));
  EXPECT_THAT(engine_.fake().acked(), ::testing::UnorderedElementsAre("d-1/decision/P0002", "d-2/decision/P0020"));
  // Kannel's access log names the outbox message of every part sent.
  EXPECT_GE(Count(ReadWholeFile(kannel_->access_log()), "[BINF:d-1/decision/P0002]"), 1);

  ASSERT_THAT(connector_->Stop(), IsOk());
  const std::string log = connector_->ReadLog();
  EXPECT_THAT(log, HasSubstr("sent 2 (again after a crash 0), acked 2"));
  EXPECT_THAT(log, HasSubstr("delivered 2"));
  // Personal data never reaches the log: no number, no text.
  EXPECT_THAT(log, Not(HasSubstr("+3363998")));
  EXPECT_THAT(log, Not(HasSubstr("maternelle")));
}

TEST_F(SmsKannelLoopbackTest, RepliesReachTheEngineOnceWithKannelsId) {
  ASSERT_THAT(connector_->Start(), IsOk());
  ASSERT_TRUE(kannel_->InjectReply("+33639980003", "OUI K7X2"));
  ASSERT_TRUE(kannel_->InjectReply("0639980003", "NON merci, je préfère attendre [x]"));
  ASSERT_TRUE(WaitUntil([&] { return engine_.fake().replies().size() == 2; }));
  const auto replies = engine_.fake().replies();
  EXPECT_EQ(replies[0].from(), "+33639980003");
  EXPECT_EQ(replies[0].to(), "38000");
  EXPECT_EQ(replies[0].text(), "OUI K7X2");
  EXPECT_EQ(replies[1].from(), "+33639980003");  // national form normalized
  EXPECT_EQ(replies[1].text(), "NON merci, je préfère attendre [x]");
  // The id is Kannel's, as its access log shows it.
  const std::string access = ReadWholeFile(kannel_->access_log());
  ASSERT_THAT(replies[0].gateway_message_id(), ::testing::StartsWith("kannel:"));
  EXPECT_THAT(access, HasSubstr(absl::StrCat("[ID:", replies[0].gateway_message_id().substr(7), "]")));

  // The engine's answer went back to the citizen through smsbox, once per
  // reply.
  ASSERT_TRUE(WaitUntil([&] {
    return kannel_->ReceivedBy("+33639980003").size() == 1 && kannel_->ReceivedBy("0639980003").size() == 1;
  }));
  EXPECT_EQ(kannel_->ReceivedBy("+33639980003")[0].text, "Merci, c'est noté.");
  EXPECT_EQ(kannel_->ReceivedBy("+33639980003")[0].from, "38000");

  // Nothing was lost: reconciliation finds both already reported.
  testing::CommandResult reconciled = Reconcile();
  EXPECT_EQ(reconciled.exit_code, 0) << reconciled.output;
  EXPECT_THAT(reconciled.output, HasSubstr("0 new (reported now)"));
  EXPECT_EQ(engine_.fake().replies().size(), 4u);
}

TEST_F(SmsKannelLoopbackTest, AReplyLostWithSmsboxIsRecoveredFromTheAccessLog) {
  ASSERT_THAT(connector_->Start(), IsOk());
  engine_.fake().SetUnavailable(true);
  ASSERT_TRUE(kannel_->InjectReply("+33639980004", "RECOURS K7X2"));
  // smsbox posted it, got 503 and keeps it in memory for a retry...
  ASSERT_TRUE(WaitUntil([&] { return absl::StrContains(connector_->ReadLog(), "not yet taken"); }));
  // ... and dies before the engine is back: the reply is gone from Kannel.
  kannel_->KillSmsbox();
  engine_.fake().SetUnavailable(false);
  ASSERT_THAT(kannel_->StartSmsbox(), IsOk());

  testing::CommandResult reconciled = Reconcile();
  EXPECT_EQ(reconciled.exit_code, 0) << reconciled.output;
  EXPECT_THAT(reconciled.output, HasSubstr("1 new (reported now)"));
  ASSERT_EQ(engine_.fake().replies().size(), 1u);
  const v1::ReportReplyRequest reply = engine_.fake().replies()[0];
  EXPECT_EQ(reply.from(), "+33639980004");
  EXPECT_EQ(reply.text(), "RECOURS K7X2");
  EXPECT_THAT(ReadWholeFile(kannel_->access_log()),
              HasSubstr(absl::StrCat("[ID:", reply.gateway_message_id().substr(7), "]")));
  // Once is enough: a second run finds it reported.
  EXPECT_THAT(Reconcile().output, HasSubstr("0 new (reported now)"));
}

TEST_F(SmsKannelLoopbackTest, ACrashAfterTheJournalAcknowledgesWithoutResending) {
  const std::string id = "d-3/decision/P0010";
  engine_.fake().Queue(Sms(id, "+33639980010", "Alerte canicule (rouge)."));
  // No delivery report: Kannel 1.4.5's smsbox can PANIC when the connector
  // it calls back has just died, and the report it held dies with it (seen
  // in CI). The report after a crash has its own scenario test
  // (ADeliveryReportAfterTheCrashSettlesItWithoutASecondSms); this one proves
  // the journal alone settles the message.
  ASSERT_THAT(connector_->Start({"--test_crash_at=after_journal_sent", "--dlr_mask=0"}), IsOk());
  ASSERT_TRUE(connector_->WaitForCrash()) << connector_->ReadLog();

  ASSERT_THAT(connector_->Start(), IsOk());
  ASSERT_TRUE(WaitUntil([&] { return engine_.fake().acked().size() == 1; }));
  EXPECT_EQ(engine_.fake().acked()[0], id);
  ASSERT_TRUE(WaitUntil([&] { return kannel_->ReceivedBy("+33639980010").size() == 1; }));
  EXPECT_EQ(Count(ReadWholeFile(kannel_->access_log()),
                  absl::StrCat("Sent SMS [SMSC:FAKE] [SVC:svc] [ACT:] [BINF:", id, "]")),
            1);
  EXPECT_THAT(connector_->ReadLog(), HasSubstr("acknowledged without sending it again"));
  ASSERT_THAT(connector_->Stop(), IsOk());
  EXPECT_THAT(connector_->ReadLog(), HasSubstr("sent 0 (again after a crash 0), acked 1"));
}

TEST_F(SmsKannelLoopbackTest, ACrashBeforeTheJournalSendsAgainWithTheSameId) {
  const std::string id = "d-4/decision/P0011";
  engine_.fake().Queue(Sms(id, "+33639980011", "Alerte canicule (orange)."));
  // No delivery report for the first send (an SMS centre that reports
  // late): a report would prove Kannel had it, and settle it.
  ASSERT_THAT(connector_->Start({"--test_crash_at=after_kannel_accepted", "--dlr_mask=0"}), IsOk());
  ASSERT_TRUE(connector_->WaitForCrash()) << connector_->ReadLog();

  ASSERT_THAT(connector_->Start(), IsOk());
  ASSERT_TRUE(WaitUntil([&] { return engine_.fake().acked().size() == 1; }));
  // At least once: the phone gets it twice, both copies carrying the id in
  // Kannel's log.
  ASSERT_TRUE(WaitUntil([&] { return kannel_->ReceivedBy("+33639980011").size() == 2; }));
  EXPECT_EQ(kannel_->ReceivedBy("+33639980011")[0].text, kannel_->ReceivedBy("+33639980011")[1].text);
  ASSERT_TRUE(WaitUntil([&] { return DeliveredReports(id) == 1; }));
  EXPECT_EQ(Count(ReadWholeFile(kannel_->access_log()),
                  absl::StrCat("Sent SMS [SMSC:FAKE] [SVC:svc] [ACT:] [BINF:", id, "]")),
            2);
  EXPECT_THAT(connector_->ReadLog(), HasSubstr("sending it again with the same id"));
}

}  // namespace
}  // namespace proactive
