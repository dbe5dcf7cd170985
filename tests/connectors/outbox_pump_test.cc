// The sending loop against an in-memory engine and a local HTTP server that
// answers like Kannel's sendsms (202 "0: Accepted for delivery", 403, 400,
// 503), or no server at all.
#include "connectors/sms-kannel/outbox_pump.h"

#include <functional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/connectors/fake_gateway.h"
#include "tests/connectors/local_http_server.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace proactive {
namespace {

using ::proactive::testing::FakeGateway;
using ::proactive::testing::IsOk;
using ::proactive::testing::Sms;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using State = SendJournal::State;

// Kannel's sendsms, scripted: each call takes the next status (then 202).
class FakeSendsms {
 public:
  explicit FakeSendsms(std::vector<int> statuses = {}) : statuses_(std::move(statuses)) {
    server_.Get("/cgi-bin/sendsms", [this](const httplib::Request& request, httplib::Response& response) {
      absl::MutexLock lock(&mu_);
      calls_.push_back(request.params);
      if (during_call_) during_call_(FakeSendsms::Param(request.params, "binfo"));
      int status = next_ < statuses_.size() ? statuses_[next_++] : 202;
      response.status = status;
      response.set_content(status == 202   ? "0: Accepted for delivery"
                           : status == 403 ? "Authorization failed for sendsms"
                           : status == 400 ? "Invalid receiver"
                                           : "Temporary failure",
                           "text/html");
    });
  }
  absl::Status Start() { return server_.Start(); }
  std::string url() const { return server_.url() + "/cgi-bin/sendsms"; }
  std::vector<std::multimap<std::string, std::string>> calls() const {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  // Runs `hook(message id)` while Kannel is handling a send, before it answers.
  void DuringCall(std::function<void(const std::string&)> hook) {
    absl::MutexLock lock(&mu_);
    during_call_ = std::move(hook);
  }
  static std::string Param(const std::multimap<std::string, std::string>& p, const std::string& name) {
    auto it = p.find(name);
    return it == p.end() ? "<none>" : it->second;
  }

 private:
  testing::LocalHttpServer server_;
  mutable absl::Mutex mu_;
  std::vector<int> statuses_;
  size_t next_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::multimap<std::string, std::string>> calls_ ABSL_GUARDED_BY(mu_);
  std::function<void(const std::string&)> during_call_ ABSL_GUARDED_BY(mu_);
};

class OutboxPumpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto journal = SendJournal::Open(dir_.path() + "/sms.journal");
    ASSERT_THAT(journal, IsOk());
    journal_ = *std::move(journal);
  }

  KannelOptions Kannel(const std::string& url) {
    KannelOptions options;
    options.sendsms_url = url;
    options.username = "proactive";
    options.password = "s3cret";
    options.from = "38000";
    options.smsc = "FAKE";
    options.dlr_url = "http://127.0.0.1:18080/dlr";
    options.connect_timeout = absl::Seconds(2);
    options.read_timeout = absl::Seconds(2);
    return options;
  }
  PumpOptions Pump() {
    PumpOptions options;
    options.max_messages = 5;
    options.idle_wait = absl::Seconds(2);
    options.initial_backoff = absl::Milliseconds(100);
    return options;
  }

  testing::TempDir dir_;
  std::unique_ptr<SendJournal> journal_;
  FakeGateway engine_;
  SmsCounters counters_;
};

TEST_F(OutboxPumpTest, HandsTheMessageToKannelThenAcknowledgesIt) {
  FakeSendsms kannel;
  ASSERT_THAT(kannel.Start(), IsOk());
  KannelSendsms sendsms(Kannel(kannel.url()));
  OutboxPump pump(&engine_, &sendsms, journal_.get(), &counters_, Pump());
  engine_.Queue(Sms("d-7/decision/P0002", "+33639980002", "Ville de Paris : répondez OUI K7X2 à l'école [x] & 100%"));
  engine_.Queue(Sms("d-8/decision/P0020", "+33639980020", "Vous avez peut-être droit à une aide."));

  EXPECT_EQ(pump.RunOnce(), absl::Seconds(2));  // lease not full: idle wait

  const auto calls = kannel.calls();
  ASSERT_EQ(calls.size(), 2u);
  const auto& first = calls[0];
  EXPECT_EQ(FakeSendsms::Param(first, "username"), "proactive");
  EXPECT_EQ(FakeSendsms::Param(first, "password"), "s3cret");
  EXPECT_EQ(FakeSendsms::Param(first, "from"), "38000");
  EXPECT_EQ(FakeSendsms::Param(first, "to"), "+33639980002");
  EXPECT_EQ(FakeSendsms::Param(first, "smsc"), "FAKE");
  EXPECT_EQ(FakeSendsms::Param(first, "text"), "Ville de Paris : répondez OUI K7X2 à l'école [x] & 100%");
  EXPECT_EQ(FakeSendsms::Param(first, "charset"), "UTF-8");
  EXPECT_EQ(FakeSendsms::Param(first, "coding"), "0");
  EXPECT_EQ(FakeSendsms::Param(first, "dlr-mask"), "3");
  EXPECT_EQ(FakeSendsms::Param(first, "dlr-url"),
            "http://127.0.0.1:18080/dlr?id=d-7/decision/P0002&attempt=1&status=%d&"
            "answer=%A");
  EXPECT_EQ(FakeSendsms::Param(first, "binfo"), "d-7/decision/P0002");
  // "ê" is not in the GSM alphabet: UCS-2.
  EXPECT_EQ(FakeSendsms::Param(calls[1], "coding"), "2");

  EXPECT_THAT(engine_.acked(), ElementsAre("d-7/decision/P0002", "d-8/decision/P0020"));
  // Each acknowledgement names the send: the lease's attempt.
  ASSERT_EQ(engine_.ack_requests().size(), 2u);
  EXPECT_EQ(engine_.ack_requests()[0].attempt(), 1u);
  EXPECT_EQ(journal_->StateOf("d-7/decision/P0002"), State::kUnknown);
  EXPECT_EQ(counters_.sent, 2);
  EXPECT_EQ(counters_.acked, 2);
  // Nothing more to lease: no sendsms call, the idle wait again.
  EXPECT_EQ(pump.RunOnce(), absl::Seconds(2));
  EXPECT_EQ(kannel.calls().size(), 2u);
}

TEST_F(OutboxPumpTest, AFullLeaseAsksForMoreAtOnce) {
  FakeSendsms kannel;
  ASSERT_THAT(kannel.Start(), IsOk());
  KannelSendsms sendsms(Kannel(kannel.url()));
  OutboxPump pump(&engine_, &sendsms, journal_.get(), &counters_, Pump());
  for (int i = 0; i < 7; ++i) engine_.Queue(Sms("m" + std::to_string(i), "+33639980002", "Bonjour"));
  EXPECT_EQ(pump.RunOnce(), absl::ZeroDuration());
  EXPECT_EQ(pump.RunOnce(), absl::Seconds(2));
  EXPECT_EQ(engine_.acked().size(), 7u);
}

TEST_F(OutboxPumpTest, KannelTemporarilyFailingBacksOffAndSendsLater) {
  FakeSendsms kannel({503, 403});
  ASSERT_THAT(kannel.Start(), IsOk());
  KannelSendsms sendsms(Kannel(kannel.url()));
  OutboxPump pump(&engine_, &sendsms, journal_.get(), &counters_, Pump());
  engine_.Queue(Sms("m1", "+33639980002", "Bonjour"));

  const absl::Duration first = pump.RunOnce();
  EXPECT_GE(first, absl::Milliseconds(100));
  EXPECT_THAT(engine_.acked(), IsEmpty());
  // Kannel certainly did not take it: nothing ambiguous in the journal.
  EXPECT_EQ(journal_->StateOf("m1"), State::kUnknown);
  EXPECT_GT(pump.RunOnce(), first);  // 403: still backing off, longer
  EXPECT_THAT(engine_.acked(), IsEmpty());
  pump.RunOnce();
  EXPECT_THAT(engine_.acked(), ElementsAre("m1"));
  EXPECT_EQ(kannel.calls().size(), 3u);
  EXPECT_EQ(counters_.kannel_errors, 2);
}

TEST_F(OutboxPumpTest, KannelDownIsNotAnAmbiguousSend) {
  KannelOptions options = Kannel("http://127.0.0.1:1/cgi-bin/sendsms");
  KannelSendsms sendsms(options);
  OutboxPump pump(&engine_, &sendsms, journal_.get(), &counters_, Pump());
  engine_.Queue(Sms("m1", "+33639980002", "Bonjour"));
  EXPECT_GT(pump.RunOnce(), absl::ZeroDuration());
  EXPECT_THAT(engine_.acked(), IsEmpty());
  EXPECT_EQ(journal_->StateOf("m1"), State::kUnknown);
  EXPECT_EQ(counters_.kannel_errors, 1);
}

TEST_F(OutboxPumpTest, AMessageKannelRefusesIsReportedAsFailed) {
  FakeSendsms kannel({400});
  ASSERT_THAT(kannel.Start(), IsOk());
  KannelSendsms sendsms(Kannel(kannel.url()));
  OutboxPump pump(&engine_, &sendsms, journal_.get(), &counters_, Pump());
  engine_.Queue(Sms("m1", "+33", "Bonjour"));
  pump.RunOnce();
  EXPECT_THAT(engine_.acked(), IsEmpty());
  ASSERT_EQ(engine_.deliveries().size(), 1u);
  EXPECT_FALSE(engine_.deliveries()[0].delivered());
  EXPECT_EQ(engine_.deliveries()[0].failure(), "refused by Kannel: HTTP 400 Invalid receiver");
  EXPECT_EQ(counters_.refused, 1);
}

TEST_F(OutboxPumpTest, AMessageKannelWouldCutIsNotSent) {
  FakeSendsms kannel;
  ASSERT_THAT(kannel.Start(), IsOk());
  KannelOptions options = Kannel(kannel.url());
  options.max_parts = 3;
  KannelSendsms sendsms(options);
  OutboxPump pump(&engine_, &sendsms, journal_.get(), &counters_, Pump());
  std::string long_text;
  for (int i = 0; i < 30; ++i) long_text += "peut-être ";  // 300, UCS-2
  engine_.Queue(Sms("m1", "+33639980002", long_text));
  pump.RunOnce();
  EXPECT_THAT(kannel.calls(), IsEmpty());
  ASSERT_EQ(engine_.deliveries().size(), 1u);
  EXPECT_EQ(engine_.deliveries()[0].failure(),
            "not sent: needs 5 SMS parts (coding 2), more than the 3 Kannel "
            "may send (--max_parts): it would be cut");
}

TEST_F(OutboxPumpTest, AfterARestartWhatWasSentIsAcknowledgedNotResent) {
  ASSERT_THAT(journal_->MarkSending("m1"), IsOk());
  ASSERT_THAT(journal_->MarkSent("m1", ""), IsOk());
  FakeSendsms kannel;
  ASSERT_THAT(kannel.Start(), IsOk());
  KannelSendsms sendsms(Kannel(kannel.url()));
  OutboxPump pump(&engine_, &sendsms, journal_.get(), &counters_, Pump());
  engine_.Queue(Sms("m1", "+33639980002", "Bonjour"));
  pump.RunOnce();
  EXPECT_THAT(engine_.acked(), ElementsAre("m1"));
  EXPECT_THAT(kannel.calls(), IsEmpty());
  EXPECT_EQ(journal_->StateOf("m1"), State::kUnknown);
}

TEST_F(OutboxPumpTest, AfterACrashDuringTheCallTheMessageIsSentAgainOnce) {
  ASSERT_THAT(journal_->MarkSending("m1"), IsOk());
  FakeSendsms kannel;
  ASSERT_THAT(kannel.Start(), IsOk());
  KannelSendsms sendsms(Kannel(kannel.url()));
  OutboxPump pump(&engine_, &sendsms, journal_.get(), &counters_, Pump());
  engine_.Queue(Sms("m1", "+33639980002", "Bonjour"));
  pump.RunOnce();
  pump.RunOnce();
  EXPECT_EQ(kannel.calls().size(), 1u);
  EXPECT_EQ(FakeSendsms::Param(kannel.calls()[0], "binfo"), "m1");
  EXPECT_THAT(engine_.acked(), ElementsAre("m1"));
  EXPECT_EQ(counters_.resent, 1);
}

TEST_F(OutboxPumpTest, AnAcknowledgementTheEngineMissedIsGivenLaterWithoutResending) {
  FakeSendsms kannel;
  ASSERT_THAT(kannel.Start(), IsOk());
  KannelSendsms sendsms(Kannel(kannel.url()));
  OutboxPump pump(&engine_, &sendsms, journal_.get(), &counters_, Pump());
  engine_.Queue(Sms("m1", "+33639980002", "Bonjour"));
  // The engine goes down between the lease and the acknowledgement.
  class DownAfterLease final : public GatewayApi {
   public:
    explicit DownAfterLease(FakeGateway* engine) : engine_(engine) {}
    absl::StatusOr<v1::LeaseMessagesResponse> Lease(const v1::LeaseMessagesRequest& r) override {
      auto leased = engine_->Lease(r);
      engine_->SetUnavailable(true);
      return leased;
    }
    absl::StatusOr<v1::AckMessageResponse> Ack(const v1::AckMessageRequest& r) override { return engine_->Ack(r); }
    absl::StatusOr<v1::ReportDeliveryResponse> ReportDelivery(const v1::ReportDeliveryRequest& r) override {
      return engine_->ReportDelivery(r);
    }
    absl::StatusOr<v1::ReportReplyResponse> ReportReply(const v1::ReportReplyRequest& r) override {
      return engine_->ReportReply(r);
    }

   private:
    FakeGateway* engine_;
  } flaky(&engine_);
  OutboxPump flaky_pump(&flaky, &sendsms, journal_.get(), &counters_, Pump());
  EXPECT_GT(flaky_pump.RunOnce(), absl::ZeroDuration());
  EXPECT_EQ(journal_->StateOf("m1"), State::kSent);
  EXPECT_THAT(engine_.acked(), IsEmpty());
  EXPECT_GT(pump.RunOnce(), absl::ZeroDuration());  // still down
  engine_.SetUnavailable(false);
  pump.RunOnce();
  EXPECT_THAT(engine_.acked(), ElementsAre("m1"));
  EXPECT_EQ(kannel.calls().size(), 1u);
}

TEST_F(OutboxPumpTest, AnEngineDownBacksOffWithoutBusyLooping) {
  FakeSendsms kannel;
  ASSERT_THAT(kannel.Start(), IsOk());
  KannelSendsms sendsms(Kannel(kannel.url()));
  PumpOptions options = Pump();
  options.max_backoff = absl::Seconds(1);
  OutboxPump pump(&engine_, &sendsms, journal_.get(), &counters_, options);
  engine_.SetUnavailable(true);
  std::vector<absl::Duration> waits;
  for (int i = 0; i < 6; ++i) waits.push_back(pump.RunOnce());
  EXPECT_THAT(waits, ElementsAre(absl::Milliseconds(100), absl::Milliseconds(200), absl::Milliseconds(400),
                                 absl::Milliseconds(800), absl::Seconds(1), absl::Seconds(1)));
}

TEST_F(OutboxPumpTest, ALeaseLeftUnansweredIsAskedAgainUnderTheSameId) {
  // The engine may lease and die before answering: asked again under the
  // same id, it answers what it leased rather than keep it for nobody.
  FakeSendsms kannel;
  ASSERT_THAT(kannel.Start(), IsOk());
  KannelSendsms sendsms(Kannel(kannel.url()));
  OutboxPump pump(&engine_, &sendsms, journal_.get(), &counters_, Pump());
  engine_.Queue(Sms("m1", "+33639980002", "Bonjour"));
  engine_.SetUnavailable(true);
  pump.RunOnce();
  pump.RunOnce();
  engine_.SetUnavailable(false);
  pump.RunOnce();  // answered: m1 sent
  pump.RunOnce();  // a new lease
  std::vector<std::string> ids = engine_.lease_ids();
  ASSERT_THAT(ids, SizeIs(4));
  EXPECT_THAT(ids[0], Not(IsEmpty()));
  EXPECT_EQ(ids[1], ids[0]);
  EXPECT_EQ(ids[2], ids[0]);
  EXPECT_NE(ids[3], ids[0]);
  EXPECT_THAT(ids[3], Not(IsEmpty()));
  EXPECT_THAT(engine_.acked(), ElementsAre("m1"));
}

TEST_F(OutboxPumpTest, AnUnansweredLeaseOlderThanItsLeaseIsNotAskedAgain) {
  // Whatever it held has expired: asked again, the engine would lease the
  // messages anew under it and the pump would find them too late to send.
  FakeSendsms kannel;
  ASSERT_THAT(kannel.Start(), IsOk());
  KannelSendsms sendsms(Kannel(kannel.url()));
  PumpOptions options = Pump();
  options.lease_seconds = 1;  // a margin of 250 ms
  OutboxPump pump(&engine_, &sendsms, journal_.get(), &counters_, options);
  engine_.SetUnavailable(true);
  pump.RunOnce();
  pump.RunOnce();
  absl::SleepFor(absl::Milliseconds(800));
  pump.RunOnce();
  std::vector<std::string> ids = engine_.lease_ids();
  ASSERT_THAT(ids, SizeIs(3));
  EXPECT_EQ(ids[1], ids[0]);
  EXPECT_NE(ids[2], ids[0]);
}

// The SMS centre rejects the message before Kannel's answer reaches the
// connector: the delivery report's handler acknowledges, reports the failure
// and forgets the journal entry first. The connector's own acknowledgement
// still names its send, so the engine keeps the retry the failure asked for.
TEST_F(OutboxPumpTest, AnAcknowledgementOvertakenByItsReportStillNamesItsSend) {
  FakeSendsms kannel;
  ASSERT_THAT(kannel.Start(), IsOk());
  kannel.DuringCall([this](const std::string& id) { ASSERT_THAT(journal_->MarkAcked(id), IsOk()); });
  KannelSendsms sendsms(Kannel(kannel.url()));
  OutboxPump pump(&engine_, &sendsms, journal_.get(), &counters_, Pump());
  v1::OutgoingSms sms = Sms("d-9/decision/1", "+33639980002", "Ville de Paris : un message.");
  sms.set_attempt(3);
  engine_.Queue(sms);
  pump.RunOnce();
  ASSERT_EQ(engine_.ack_requests().size(), 1u);
  EXPECT_EQ(engine_.ack_requests()[0].attempt(), 3u);
}

}  // namespace
}  // namespace proactive
