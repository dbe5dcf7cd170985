// The endpoints Kannel calls, with the parameters its escapes produce (as
// observed from Kannel 1.4.5: "+" for spaces, UTF-8 percent-encoded).
#include "connectors/sms-kannel/callback_server.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "tests/connectors/fake_gateway.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace proactive {
namespace {

using ::proactive::testing::FakeGateway;
using ::proactive::testing::IsOk;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

class CallbackServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(server_.Start(), IsOk());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_.port());
    client_->set_url_encode(false);  // as Kannel sends them: "+" for spaces
  }
  // Status and body of GET `target`.
  std::pair<int, std::string> Get(const std::string& target) {
    httplib::Result result = client_->Get(target);
    if (!result) return {-1, ""};
    return {result->status, result->body};
  }

  FakeGateway engine_;
  SmsCounters counters_;
  CallbackServer server_{&engine_, &counters_, {}};
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(CallbackServerTest, DeliveryReportsReachTheEngine) {
  EXPECT_EQ(Get("/dlr?id=d-7/decision/P0002&status=1&answer=").first, 200);
  auto [status, body] =
      Get("/dlr?id=d-8%2Fdecision%2FP0020&status=2&answer=id%3A123+sub%3A001+"
          "dlvrd%3A000+stat%3AUNDELIV+err%3A013+text%3AVille+de+Paris");
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body, "will retry\n");
  ASSERT_EQ(engine_.deliveries().size(), 2u);
  EXPECT_EQ(engine_.deliveries()[0].message_id(), "d-7/decision/P0002");
  EXPECT_TRUE(engine_.deliveries()[0].delivered());
  EXPECT_EQ(engine_.deliveries()[1].message_id(), "d-8/decision/P0020");
  EXPECT_FALSE(engine_.deliveries()[1].delivered());
  // The start of the message in the receipt is personal data: dropped.
  EXPECT_EQ(engine_.deliveries()[1].failure(), "not delivered: stat:UNDELIV err:013");
  EXPECT_EQ(counters_.delivered, 1);
  EXPECT_EQ(counters_.failed, 1);
}

// The dlr-url names the send (its lease's attempt): the engine tells a
// late report of an earlier send from one of the retry. A dlr-url written
// before it did reports no attempt.
TEST_F(CallbackServerTest, DeliveryReportsNameTheSendTheyReportOn) {
  EXPECT_EQ(Get("/dlr?id=d-7%2Fdecision%2F1&attempt=2&status=2&answer=").first, 200);
  EXPECT_EQ(Get("/dlr?id=d-7%2Fdecision%2F1&status=2&answer=").first, 200);
  EXPECT_EQ(Get("/dlr?id=d-7%2Fdecision%2F1&attempt=x&status=2&answer=").first, 200);
  ASSERT_EQ(engine_.deliveries().size(), 3u);
  EXPECT_EQ(engine_.deliveries()[0].attempt(), 2u);
  EXPECT_FALSE(engine_.deliveries()[1].has_attempt());
  EXPECT_FALSE(engine_.deliveries()[2].has_attempt());
}

// An SMS centre answering in ISO-8859-1: the failure reaches the engine in
// UTF-8, which keeps it as given.
TEST_F(CallbackServerTest, ALatin1FailureReachesTheEngineAsUtf8) {
  auto [status, body] = Get("/dlr?id=d-9%2Fdecision%2FP0021&status=16&answer=Num%E9ro+inconnu");
  EXPECT_EQ(status, 200);
  ASSERT_EQ(engine_.deliveries().size(), 1u);
  EXPECT_EQ(engine_.deliveries()[0].failure(), "rejected by the SMS centre: Numéro inconnu");
}

TEST(CallbackServerJournalTest, AReportOvertakingTheAcknowledgementAcknowledgesFirst) {
  testing::TempDir dir;
  auto journal = SendJournal::Open(dir.path() + "/sms.journal");
  ASSERT_THAT(journal, IsOk());
  ASSERT_THAT((*journal)->MarkSending("m1"), IsOk());
  FakeGateway engine;
  SmsCounters counters;
  CallbackServer server(&engine, &counters, {}, journal->get());
  ASSERT_THAT(server.Start(), IsOk());
  httplib::Client client("127.0.0.1", server.port());
  // In flight: acknowledged, then reported.
  ASSERT_TRUE(client.Get("/dlr?id=m1&status=1"));
  EXPECT_THAT(engine.acked(), ::testing::ElementsAre("m1"));
  EXPECT_EQ((*journal)->StateOf("m1"), SendJournal::State::kUnknown);
  // Not in the journal (acknowledged long ago, or an old attempt's late
  // report): reported only.
  ASSERT_TRUE(client.Get("/dlr?id=m2&status=2"));
  EXPECT_THAT(engine.acked(), ::testing::ElementsAre("m1"));
  EXPECT_EQ(engine.deliveries().size(), 2u);
}

// A late report of an earlier send, while the retry is being handed to
// Kannel: it is no acknowledgement of the retry, which may yet fail to reach
// Kannel and must then be leased again. A report of the send in flight is.
TEST(CallbackServerJournalTest, ALateReportOfAnEarlierSendAcknowledgesNothing) {
  testing::TempDir dir;
  auto journal = SendJournal::Open(dir.path() + "/sms.journal");
  ASSERT_THAT(journal, IsOk());
  ASSERT_THAT((*journal)->MarkSending("m1", 2), IsOk());
  FakeGateway engine;
  SmsCounters counters;
  CallbackServer server(&engine, &counters, {}, journal->get());
  ASSERT_THAT(server.Start(), IsOk());
  httplib::Client client("127.0.0.1", server.port());
  ASSERT_TRUE(client.Get("/dlr?id=m1&attempt=1&status=2"));
  EXPECT_THAT(engine.acked(), IsEmpty());
  EXPECT_EQ((*journal)->StateOf("m1"), SendJournal::State::kSending);
  ASSERT_EQ(engine.deliveries().size(), 1u);
  EXPECT_EQ(engine.deliveries()[0].attempt(), 1u);
  // A report naming no send (its dlr-url written before sends were named)
  // is of an earlier send too: the retry's has one.
  ASSERT_TRUE(client.Get("/dlr?id=m1&status=2"));
  EXPECT_THAT(engine.acked(), IsEmpty());
  EXPECT_EQ((*journal)->StateOf("m1"), SendJournal::State::kSending);
  ASSERT_TRUE(client.Get("/dlr?id=m1&attempt=2&status=1"));
  ASSERT_EQ(engine.ack_requests().size(), 1u);
  EXPECT_EQ(engine.ack_requests()[0].attempt(), 2u);
  EXPECT_EQ((*journal)->StateOf("m1"), SendJournal::State::kUnknown);
  // The sending loop's own record of the hand-over, after the report
  // acknowledged it, does not open it again.
  ASSERT_THAT((*journal)->MarkSent("m1", "k-1"), IsOk());
  EXPECT_EQ((*journal)->StateOf("m1"), SendJournal::State::kUnknown);
}

TEST_F(CallbackServerTest, IntermediateReportsAreAnsweredButNotForwarded) {
  EXPECT_EQ(Get("/dlr?id=m1&status=8").first, 200);
  EXPECT_EQ(Get("/dlr?id=m1&status=4").first, 200);
  EXPECT_THAT(engine_.deliveries(), IsEmpty());
  EXPECT_EQ(Get("/dlr?status=1").first, 400);
}

TEST_F(CallbackServerTest, KannelGets503WhileTheEngineIsDownSoItRetries) {
  engine_.SetUnavailable(true);
  EXPECT_EQ(Get("/dlr?id=m1&status=1").first, 503);
  EXPECT_EQ(Get("/mo?from=%2B33639980002&to=38000&text=STOP&id=k1&ts=1").first, 503);
  engine_.SetUnavailable(false);
  EXPECT_EQ(Get("/dlr?id=m1&status=1").first, 200);
  EXPECT_EQ(Get("/mo?from=%2B33639980002&to=38000&text=STOP&id=k1&ts=1").first, 200);
  EXPECT_EQ(engine_.deliveries().size(), 1u);
  EXPECT_EQ(engine_.replies().size(), 1u);
}

TEST_F(CallbackServerTest, AReportTheEngineRefusesForGoodIsNotRetried) {
  auto [status, body] = Get("/dlr?id=unknown&status=1");
  EXPECT_EQ(status, 200);
  EXPECT_THAT(body, HasSubstr("refused by the engine"));
}

TEST_F(CallbackServerTest, RepliesReachTheEngineOnceWithKannelsId) {
  const std::string mo =
      "/mo?from=0639980002&to=38000&text=OUI+K7X2+je+pr%C3%A9f%C3%A8re"
      "&smsc=FAKE&id=4ffaa188-6905-4c15-b337-a0af2aed2919&ts=1782720192";
  auto [status, body] = Get(mo);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body, "Merci, c'est noté.");
  // smsbox retried (our 200 was lost): the engine says duplicate, and no
  // second answer goes to the citizen.
  auto [again, again_body] = Get(mo);
  EXPECT_EQ(again, 200);
  EXPECT_EQ(again_body, "");
  ASSERT_EQ(engine_.replies().size(), 2u);
  const v1::ReportReplyRequest reply = engine_.replies()[0];
  EXPECT_EQ(reply.from(), "+33639980002");
  EXPECT_EQ(reply.to(), "38000");
  EXPECT_EQ(reply.text(), "OUI K7X2 je préfère");
  EXPECT_EQ(reply.gateway_message_id(), "kannel:4ffaa188-6905-4c15-b337-a0af2aed2919");
  EXPECT_EQ(reply.received_at().seconds(), 1782720192);
  EXPECT_EQ(counters_.replies, 2);
  EXPECT_EQ(counters_.duplicate_replies, 1);
}

TEST_F(CallbackServerTest, Ucs2RepliesAreDecodedAndMissingIdsDigested) {
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(Get("/mo?from=%2B33639980002&to=38000&text=%00N%00O%00N%00%E9&coding=2"
                "&id=&ts=1782720192")
                .first,
            200);
  const std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_EQ(engine_.replies().size(), 1u);
  EXPECT_EQ(engine_.replies()[0].text(), "NONé");
  EXPECT_THAT(engine_.replies()[0].gateway_message_id(), HasSubstr("kannel-sha256:"));
  // The digest is unkeyed (sender, time and text could be guessed back from
  // it): the log never shows it.
  EXPECT_THAT(log, HasSubstr("reply (without a Kannel id): accepted"));
  EXPECT_THAT(log, Not(HasSubstr("kannel-sha256")));
}

TEST_F(CallbackServerTest, MalformedCallsAndHealth) {
  EXPECT_EQ(Get("/mo?to=38000&text=OUI").first, 400);
  EXPECT_EQ(Get("/mo?from=%2B33639980002&text=STOP&id=k9").first, 200);
  auto [status, body] = Get("/health");
  EXPECT_EQ(status, 200);
  EXPECT_THAT(body, HasSubstr("replies 1"));
  EXPECT_THAT(body, ::testing::Not(HasSubstr("+33")));
}

}  // namespace
}  // namespace proactive
