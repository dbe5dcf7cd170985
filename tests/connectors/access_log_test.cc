// Kannel access-log lines as Kannel 1.4.5 (Debian 12) wrote them on this
// machine, with the format docs/sms.md recommends and with Debian's default.
#include "connectors/sms-kannel/access_log.h"

#include <sstream>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/connectors/fake_gateway.h"
#include "tests/testing/status_matchers.h"

namespace proactive {
namespace {

using ::proactive::testing::FakeGateway;
using ::proactive::testing::IsOk;
using ::proactive::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Optional;

constexpr char kRecommended[] =
    "2026-11-22 01:07:08 Receive SMS [SMSC:FAKE] [SVC:] [ACT:] [BINF:] "
    "[FID:] [ID:b0763716-ebc1-4d15-90cd-5cd30e19c5f3] [ts:1795309628] "
    "[from:+33639980002] [to:38000] [flags:-1:0:-1:-1:-1] "
    "[msg:27:OUI K7X2 je pr..f..re ..a ]] [udh:0:]";
constexpr char kDebianDefault[] =
    "2026-11-22 01:06:22 Receive SMS [SMSC:FAKE] [SVC:] [ACT:] [BINF:] "
    "[FID:] [META:] [from:+33639980002] [to:38000] [flags:-1:0:-1:-1:-1] "
    "[msg:25:OUI K7X2 je pr..f..re ..a] [udh:0:]";
constexpr char kSent[] =
    "2026-11-22 01:06:04 Sent SMS [SMSC:FAKE] [SVC:svc] [ACT:] "
    "[BINF:d-1/decision/P0002] [FID:] [META:] [from:38000] "
    "[to:+33639980002] [flags:-1:0:-1:-1:3] [msg:5:Hello] [udh:0:]";

absl::TimeZone Paris() {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone("Europe/Paris", &zone));
  return zone;
}

TEST(ParseAccessLogLineTest, ReadsTheRecommendedFormat) {
  auto parsed = ParseAccessLogLine(kRecommended, absl::UTCTimeZone());
  ASSERT_THAT(parsed, IsOk());
  ASSERT_TRUE(parsed->has_value());
  const KannelReply& reply = (*parsed)->reply;
  EXPECT_EQ(reply.kannel_id, "b0763716-ebc1-4d15-90cd-5cd30e19c5f3");
  EXPECT_EQ(reply.from, "+33639980002");
  EXPECT_EQ(reply.to, "38000");
  // Read by its length: the "]" inside the text is text.
  EXPECT_EQ(reply.text, "OUI K7X2 je pr..f..re ..a ]");
  EXPECT_EQ(reply.received_at, absl::FromUnixSeconds(1795309628));
  EXPECT_FALSE((*parsed)->multipart);
}

TEST(ParseAccessLogLineTest, ReadsDebiansDefaultFormatWithoutAnId) {
  auto parsed = ParseAccessLogLine(kDebianDefault, Paris());
  ASSERT_THAT(parsed, IsOk());
  ASSERT_TRUE(parsed->has_value());
  EXPECT_EQ((*parsed)->reply.kannel_id, "");
  EXPECT_EQ((*parsed)->reply.text, "OUI K7X2 je pr..f..re ..a");
  // No [ts:]: the leading date, in the zone given (Paris is UTC+1 in
  // November).
  EXPECT_EQ((*parsed)->reply.received_at,
            absl::FromCivil(absl::CivilSecond(2026, 11, 22, 0, 6, 22), absl::UTCTimeZone()));
}

TEST(ParseAccessLogLineTest, DecodesUcs2Text) {
  const std::string line =
      "2026-11-22 01:07:09 Receive SMS [SMSC:FAKE] [ID:06c0e188] "
      "[ts:1795309629] [from:0639980002] [to:38000] [flags:-1:2:-1:-1:-1] "
      "[msg:8:004E004F004E00E9] [udh:0:]";
  auto parsed = ParseAccessLogLine(line, absl::UTCTimeZone());
  ASSERT_THAT(parsed, IsOk());
  ASSERT_TRUE(parsed->has_value());
  EXPECT_EQ((*parsed)->reply.text, "NONé");
}

TEST(ParseAccessLogLineTest, OtherLinesAreNotReplies) {
  for (const char* line : {kSent, "2026-11-22 01:05:56 Log begins", "",
                           "2026-11-22 01:06:04 Receive DLR [SMSC:FAKE] [SVC:svc] [ACT:] "
                           "[BINF:] [FID:de89ab9c] [META:?orig_msg?dlr_mask=3&] [from:38000] "
                           "[to:+33639980002] [flags:-1:-1:-1:-1:1] [msg:0:] [udh:0:]"}) {
    auto parsed = ParseAccessLogLine(line, absl::UTCTimeZone());
    ASSERT_THAT(parsed, IsOk()) << line;
    EXPECT_FALSE(parsed->has_value()) << line;
  }
}

TEST(ParseAccessLogLineTest, ATruncatedLineSaysWhichField) {
  EXPECT_THAT(ParseAccessLogLine("2026-11-22 01:07:08 Receive SMS [SMSC:FAKE] "
                                 "[from:+33639980002] [flags:-1:0:-1:-1:-1] "
                                 "[msg:27:OUI K7",
                                 absl::UTCTimeZone()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("[msg:]: shorter than its length")));
  EXPECT_THAT(ParseAccessLogLine("Receive SMS [SMSC:FAKE] [msg:2:ab]", absl::UTCTimeZone()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("[from:]: missing")));
}

TEST(ReconcileAccessLogTest, ReportsWhatWasLostAndCountsTheRest) {
  FakeGateway engine;
  // The first reply had reached the engine through /mo.
  v1::ReportReplyRequest known;
  known.set_from("+33639980002");
  known.set_gateway_message_id("kannel:b0763716-ebc1-4d15-90cd-5cd30e19c5f3");
  ASSERT_THAT(engine.ReportReply(known), IsOk());
  std::stringstream log;
  log << "2026-11-22 01:05:56 Log begins\n"
      << kRecommended << "\n"
      << kSent << "\n"
      << kDebianDefault << "\n"
      << "2026-11-22 01:07:11 Receive SMS [SMSC:FAKE] [ID:a6d5df43] "
         "[ts:1795309631] [from:0639980011] [to:38000] "
         "[flags:-1:0:-1:-1:-1] [msg:4:STOP] [udh:0:]\n"
      << "2026-11-20 09:00:00 Receive SMS [SMSC:FAKE] [ID:old] "
         "[ts:1795165200] [from:+33639980030] [to:38000] "
         "[flags:-1:0:-1:-1:-1] [msg:3:NON] [udh:0:]\n"
      << "2026-11-22 01:07:12 Receive SMS [SMSC:FAKE] [ID:cut";
  ReconcileOptions options;
  options.since = absl::FromUnixSeconds(1795309000);
  auto report = ReconcileAccessLog(log, &engine, options);
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->lines, 7);
  EXPECT_EQ(report->received, 3);
  EXPECT_EQ(report->duplicates, 1);
  EXPECT_EQ(report->reported, 1);
  EXPECT_EQ(report->without_id, 1);
  EXPECT_EQ(report->before_since, 1);
  EXPECT_EQ(report->unreadable, 1);
  std::vector<std::string> reported;
  for (const auto& r : engine.replies()) reported.push_back(r.gateway_message_id() + " " + r.from() + " " + r.text());
  EXPECT_THAT(reported, ElementsAre("kannel:b0763716-ebc1-4d15-90cd-5cd30e19c5f3 "
                                    "+33639980002 ",
                                    "kannel:b0763716-ebc1-4d15-90cd-5cd30e19c5f3 "
                                    "+33639980002 OUI K7X2 je pr..f..re ..a ]",
                                    "kannel:a6d5df43 +33639980011 STOP"));
  EXPECT_EQ(engine.replies()[2].received_at().seconds(), 1795309631);
  EXPECT_THAT(report->Summary(), HasSubstr("1 new (reported now)"));
}

TEST(ReconcileAccessLogTest, GivesUpWhenTheEngineStaysDownSayingItIsSafe) {
  FakeGateway engine;
  engine.SetUnavailable(true);
  std::stringstream log;
  log << kRecommended << "\n";
  ReconcileOptions options;
  options.max_attempts = 3;
  std::vector<absl::Duration> waits;
  options.sleep = [&](absl::Duration d) { waits.push_back(d); };
  EXPECT_THAT(ReconcileAccessLog(log, &engine, options),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("Running again is safe")));
  EXPECT_THAT(waits, ElementsAre(absl::Milliseconds(500), absl::Seconds(1)));
}

}  // namespace
}  // namespace proactive
