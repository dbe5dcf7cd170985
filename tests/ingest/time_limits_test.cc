// Time limits as the law counts them, end to end: a decision made on 1 July
// may be contested until 2 September (two months, a délai franc; 61 days
// refused lawful contests on the last two days), or later when it reached
// the citizen later; a contest's review is due two calendar months after it
// came; the formal decision that follows an accepted offer has its own two
// months from the day it is issued.
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/time/civil_time.h"
#include "engine/common/clock.h"
#include "engine/common/proto_time.h"
#include "engine/common/status_macros.h"
#include "engine/decision/decision_store.h"
#include "engine/decision/explanation.h"
#include "engine/decision/lifecycle.h"
#include "engine/ingest/gateway_commands.h"
#include "engine/notify/outbox.h"
#include "engine/recourse/recourse_cases.h"
#include "engine/rules/citizen_text.h"
#include "engine/store/records.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/ingest/engine_fixture.h"
#include "tests/testing/status_matchers.h"

namespace proactive {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::proactive::testing::IsOk;
using ::proactive::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

absl::Time InParis(int year, int month, int day, int hour, int minute, int second) {
  return absl::FromCivil(absl::CivilSecond(year, month, day, hour, minute, second), ZoneOrUtc("Europe/Paris"));
}

class TimeLimitsTest : public ::testing::Test {
 protected:
  TimeLimitsTest() : engine_(InParis(2026, 7, 1, 10, 0, 0)) {}
  explicit TimeLimitsTest(const std::vector<RuleFile>& rule_files)
      : engine_(InParis(2026, 7, 1, 10, 0, 0), rule_files, EventApplierOptions()) {}

  void SetUp() override { ASSERT_NO_FATAL_FAILURE(engine_.PublishSample()); }

  absl::Status Run(EventWriter::Command command) { return engine_.writer().ExecuteAndWait(std::move(command)); }
  storage::v1::DecisionRecord Decision(const std::string& person) {
    auto ids = ListDecisionIdsOfPerson(engine_.store(), person);
    return **ReadDecision(engine_.store(), ids->front());
  }
  // What the SMS centre reports about a message the gateway took.
  enum class Report { kDelivered, kFailed, kNothing };
  // The gateway sends every message it can now (quiet hours hold the rest),
  // and the SMS centre reports each as `report` says.
  void SendEverything(Report report = Report::kDelivered) {
    ASSERT_THAT(Run([&](EventApplier& a) {
                  absl::StatusOr<std::vector<LeasedMessage>> leased =
                      a.gateway().Lease("kannel", "", 1000, absl::Minutes(5), engine_.clock().Now());
                  if (!leased.ok()) return leased.status();
                  for (const LeasedMessage& l : *leased) {
                    const std::string& id = l.message.message_id();
                    RETURN_IF_ERROR(a.gateway().Ack(id, "k", engine_.clock().Now()).status());
                    if (report == Report::kNothing) continue;
                    RETURN_IF_ERROR(a.gateway()
                                        .ReportDelivery(id, report == Report::kDelivered,
                                                        report == Report::kDelivered ? "" : "stat:UNDELIV",
                                                        engine_.clock().Now())
                                        .status());
                  }
                  return absl::OkStatus();
                }),
                IsOk());
  }
  absl::StatusOr<ContestResult> Contest(const std::string& decision_id) {
    absl::StatusOr<ContestResult> result = absl::UnknownError("not run");
    EXPECT_THAT(Run([&](EventApplier& a) {
                  result = a.commands().Contest(decision_id, "citizen", "", engine_.clock().Now());
                  return absl::OkStatus();
                }),
                IsOk());
    return result;
  }

  testing::EngineFixture engine_;
};

TEST_F(TimeLimitsTest, ADecisionOfTheFirstOfJulyMayBeContestedUntilTheSecondOfSeptember) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  EXPECT_EQ(TimeLimitFromRecord(offer.recourse_window()), TimeLimit::Months(2));
  EXPECT_EQ(FromProtoTimestamp(offer.recourse_deadline()), InParis(2026, 9, 2, 23, 59, 59));
  EXPECT_FALSE(offer.has_notified_at());
  ASSERT_NO_FATAL_FAILURE(SendEverything());  // the same day: the deadline stays
  const storage::v1::DecisionRecord sent = **ReadDecision(engine_.store(), offer.decision_id());
  EXPECT_EQ(FromProtoTimestamp(sent.notified_at()), InParis(2026, 7, 1, 10, 0, 0));
  EXPECT_EQ(FromProtoTimestamp(sent.recourse_deadline()), InParis(2026, 9, 2, 23, 59, 59));
  // Its history says from when, and until when, even when the date stays.
  EXPECT_THAT(sent.history(sent.history_size() - 1).cause(), HasSubstr("delivered; time to contest until 2026-09-02"));

  engine_.clock().Advance(InParis(2026, 9, 2, 21, 0, 0) - engine_.clock().Now());
  absl::StatusOr<ContestResult> contested = Contest(offer.decision_id());
  ASSERT_THAT(contested.status(), IsOk());
  const storage::v1::RecourseCase c = **ReadCase(engine_.store(), contested->case_id);
  EXPECT_EQ(FromProtoTimestamp(c.due_at()), InParis(2026, 11, 2, 23, 59, 59));  // two months after the contest

  engine_.clock().Advance(absl::Hours(3));  // 3 September in Paris
  std::string late;                         // another decision sent on 1 July, not contested yet
  std::string never_sent;                   // one whose message never left
  for (int i = 2; i < 40; ++i) {
    auto ids = ListDecisionIdsOfPerson(engine_.store(), absl::StrFormat("P%04d", i));
    if (!ids.ok() || ids->empty()) continue;
    const storage::v1::DecisionRecord d = **ReadDecision(engine_.store(), ids->front());
    if (d.has_notified_at() && late.empty()) late = d.decision_id();
    if (!d.has_notified_at() && never_sent.empty()) never_sent = d.decision_id();
  }
  ASSERT_FALSE(late.empty());
  EXPECT_THAT(Contest(late).status(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                               HasSubstr("the time to contest ended with 2026-09-02 (Europe/Paris)")));
  // Never notified (no phone, no letter; or opted out): its time has not
  // started, so it is not refused for lateness, and its explanation says so
  // rather than give the provisional date: notified on 3 September, the
  // time would end with 4 November.
  ASSERT_FALSE(never_sent.empty());
  const absl::TimeZone paris = ZoneOrUtc("Europe/Paris");
  const auto explained = [&](const std::string& id, absl::string_view language) {
    return ExplainDecision(**ReadDecision(engine_.store(), id), {}, nullptr, "", language, engine_.clock().Now(), paris)
        .how_to_contest;
  };
  EXPECT_THAT(explained(never_sent, "fr"),
              HasSubstr("ne sait pas encore si cette décision vous est parvenue : le délai pour la contester "
                        "court à partir du jour où elle vous parvient (si c'est aujourd'hui, jusqu'au 2026-11-04)"));
  EXPECT_THAT(explained(never_sent, "en"), HasSubstr("(if today, until 2026-11-04)"));
  EXPECT_THAT(explained(late, "fr"), HasSubstr("est passé (2026-09-02)"));
  // Cancelled, it has nothing left to contest, notified or not.
  storage::v1::DecisionRecord cancelled = **ReadDecision(engine_.store(), never_sent);
  cancelled.set_status(storage::v1::OVERTURNED);
  EXPECT_EQ(ExplainDecision(cancelled, {}, nullptr, "", "en", engine_.clock().Now(), paris).how_to_contest,
            "This decision was cancelled: there is nothing left to contest.");
  EXPECT_THAT(Contest(never_sent).status(), IsOk());
}

// The time runs from the day the decision reaches the citizen: an SMS
// delivered on 10 July gives until 11 September.
TEST_F(TimeLimitsTest, TheTimeToContestRunsFromTheDayTheMessageArrived) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  engine_.clock().Advance(InParis(2026, 7, 10, 9, 0, 0) - engine_.clock().Now());
  ASSERT_NO_FATAL_FAILURE(SendEverything());
  const storage::v1::DecisionRecord sent = **ReadDecision(engine_.store(), offer.decision_id());
  EXPECT_EQ(FromProtoTimestamp(sent.recourse_deadline()), InParis(2026, 9, 11, 23, 59, 59));
  EXPECT_THAT(sent.history(sent.history_size() - 1).cause(), HasSubstr("time to contest until 2026-09-11"));
}

// Handed to the gateway is not received: an SMS centre may never deliver
// it. The decision is notified (the offer waits for its answer) but its time
// to contest starts only with the delivery report; an SMS that fails for
// good becomes a letter, whose arrival starts it.
TEST_F(TimeLimitsTest, AnSmsStartsTheTimeToContestWhenItIsDeliveredNotWhenItIsSent) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  const auto reread = [&] { return **ReadDecision(engine_.store(), offer.decision_id()); };
  ASSERT_NO_FATAL_FAILURE(SendEverything(Report::kNothing));  // 1 July, no report yet
  storage::v1::DecisionRecord sent = reread();
  EXPECT_EQ(sent.status(), storage::v1::NOTIFIED);
  EXPECT_FALSE(sent.has_notified_at());
  EXPECT_FALSE(TimeToContestStarted(sent));
  EXPECT_THAT(sent.history(sent.history_size() - 1).cause(), HasSubstr("handed to the gateway"));
  EXPECT_THAT(sent.history(sent.history_size() - 1).cause(), Not(HasSubstr("time to contest")));

  // Delivered on 10 July (the phone was off): until 11 September.
  engine_.clock().Advance(InParis(2026, 7, 10, 9, 0, 0) - engine_.clock().Now());
  const std::string message_id = MessageIdFor(sent, kDecisionMessageKind, sent.recipients(0));
  ASSERT_THAT(Run([&](EventApplier& a) {
                return a.gateway().ReportDelivery(message_id, true, "", engine_.clock().Now()).status();
              }),
              IsOk());
  storage::v1::DecisionRecord delivered = reread();
  EXPECT_EQ(FromProtoTimestamp(delivered.notified_at()), InParis(2026, 7, 10, 9, 0, 0));
  EXPECT_EQ(FromProtoTimestamp(delivered.recourse_deadline()), InParis(2026, 9, 11, 23, 59, 59));
  EXPECT_THAT(delivered.history(delivered.history_size() - 1).cause(),
              HasSubstr(absl::StrCat("message ", message_id, " delivered; time to contest until 2026-09-11")));
  // The centre repeats its report a day later: nothing moves.
  engine_.clock().Advance(absl::Hours(24));
  ASSERT_THAT(Run([&](EventApplier& a) {
                return a.gateway().ReportDelivery(message_id, true, "", engine_.clock().Now()).status();
              }),
              IsOk());
  EXPECT_EQ(reread().history_size(), delivered.history_size());
  EXPECT_EQ(FromProtoTimestamp(reread().recourse_deadline()), InParis(2026, 9, 11, 23, 59, 59));
}

// Contested at the town hall after its SMS was handed over, before the
// delivery report came (reported even before the acknowledgement): the
// decision stays in review, and the report still records that it reached
// them. A report about a message no gateway had is refused.
TEST_F(TimeLimitsTest, ADeliveryReportedWhileTheDecisionIsInReviewIsRecorded) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  const std::string message_id = MessageIdFor(offer, kDecisionMessageKind, offer.recipients(0));
  EXPECT_THAT(Run([&](EventApplier& a) {
                return a.gateway().ReportDelivery(message_id, true, "", engine_.clock().Now()).status();
              }),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("was never handed to a gateway")));
  EXPECT_TRUE(MessageDifferencer::Equals(**ReadDecision(engine_.store(), offer.decision_id()), offer));  // unchanged

  ASSERT_THAT(Run([&](EventApplier& a) {
                return a.gateway().Lease("kannel", "", 1000, absl::Minutes(5), engine_.clock().Now()).status();
              }),
              IsOk());
  ASSERT_THAT(Contest(offer.decision_id()).status(), IsOk());
  engine_.clock().Advance(InParis(2026, 7, 3, 9, 0, 0) - engine_.clock().Now());
  ASSERT_THAT(Run([&](EventApplier& a) {
                return a.gateway().ReportDelivery(message_id, true, "", engine_.clock().Now()).status();
              }),
              IsOk());
  const storage::v1::DecisionRecord reached = **ReadDecision(engine_.store(), offer.decision_id());
  EXPECT_EQ(reached.status(), storage::v1::IN_REVIEW);
  EXPECT_EQ(FromProtoTimestamp(reached.notified_at()), InParis(2026, 7, 3, 9, 0, 0));
  EXPECT_EQ(FromProtoTimestamp(reached.recourse_deadline()), InParis(2026, 9, 4, 23, 59, 59));
  // The acknowledgement that comes after finds it settled.
  EXPECT_THAT(Run([&](EventApplier& a) { return a.gateway().Ack(message_id, "k", engine_.clock().Now()).status(); }),
              IsOk());
  EXPECT_TRUE(MessageDifferencer::Equals(**ReadDecision(engine_.store(), offer.decision_id()), reached));
}

// No delivery report came (lost, or the gateway asks for none): a reply
// quoting the code the message carried proves it reached them, from when
// the engine had the reply. A reply without a code proves nothing about
// which message.
TEST_F(TimeLimitsTest, AReplyQuotingTheCodeProvesTheMessageArrived) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  const storage::v1::DecisionRecord outreach = Decision("P0002");  // the guardian's own decision
  ASSERT_NO_FATAL_FAILURE(SendEverything(Report::kNothing));
  const auto reply = [&](const std::string& text, const std::string& id) {
    std::string outcome;
    EXPECT_THAT(Run([&](EventApplier& a) {
                  ASSIGN_OR_RETURN(ReplyResult r,
                                   a.gateway().ReportReply("+33639980002", text, id, InParis(2026, 7, 3, 8, 30, 0),
                                                           engine_.clock().Now()));
                  outcome = r.outcome;
                  return absl::OkStatus();
                }),
                IsOk());
    return outcome;
  };
  engine_.clock().Advance(InParis(2026, 7, 3, 9, 0, 0) - engine_.clock().Now());
  EXPECT_EQ(reply("NON", "k-no-code"), "declined");
  const storage::v1::DecisionRecord declined = **ReadDecision(engine_.store(), offer.decision_id());
  EXPECT_EQ(declined.status(), storage::v1::DECLINED);
  EXPECT_FALSE(declined.has_notified_at());

  EXPECT_EQ(reply("RECOURS " + outreach.reference_code(), "k-code"), "contested");
  const storage::v1::DecisionRecord contested = **ReadDecision(engine_.store(), outreach.decision_id());
  EXPECT_EQ(contested.status(), storage::v1::IN_REVIEW);
  // From when the engine had it (9:00), not the gateway's clock (8:30).
  EXPECT_EQ(FromProtoTimestamp(contested.notified_at()), InParis(2026, 7, 3, 9, 0, 0));
  EXPECT_EQ(FromProtoTimestamp(contested.recourse_deadline()), InParis(2026, 9, 4, 23, 59, 59));
  bool cited = false;
  for (const storage::v1::StatusChange& change : contested.history()) {
    cited = cited || absl::StrContains(change.cause(), "quoting its code; time to contest until 2026-09-04");
  }
  EXPECT_TRUE(cited);
}

TEST_F(TimeLimitsTest, AnSmsThatFailsForGoodStartsNothingUntilItsLetterArrives) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  // Five attempts fail, each after the last's retry delay (at most 2 hours),
  // all before the quiet hours.
  for (int attempt = 0; attempt < kMaxSmsAttempts; ++attempt) {
    ASSERT_NO_FATAL_FAILURE(SendEverything(Report::kFailed));
    engine_.clock().Advance(absl::Minutes(125));
  }
  const storage::v1::DecisionRecord failed = **ReadDecision(engine_.store(), offer.decision_id());
  EXPECT_EQ(failed.status(), storage::v1::NOTIFIED);
  EXPECT_FALSE(failed.has_notified_at());
  std::string letter_id;
  ASSERT_THAT(Run([&](EventApplier& a) {
                ASSIGN_OR_RETURN(GatewayCommands::LetterList letters, a.gateway().LettersToPost(100));
                for (const storage::v1::OutboxMessage& m : letters.letters) {
                  if (m.decision_id() == offer.decision_id()) letter_id = m.message_id();
                }
                if (letter_id.empty()) return absl::NotFoundError("the offer's SMS did not become a letter");
                // Posted on Thursday 2 July: taken to arrive on Tuesday 7 July.
                engine_.clock().Advance(InParis(2026, 7, 2, 9, 0, 0) - engine_.clock().Now());
                return a.gateway().MarkLetterPosted(letter_id, "mail-room", engine_.clock().Now()).status();
              }),
              IsOk());
  const storage::v1::DecisionRecord posted = **ReadDecision(engine_.store(), offer.decision_id());
  EXPECT_EQ(FromProtoTimestamp(posted.notified_at()), InParis(2026, 7, 7, 0, 0, 0));
  EXPECT_EQ(FromProtoTimestamp(posted.recourse_deadline()), InParis(2026, 9, 8, 23, 59, 59));
}

// A letter reaches its recipient days after it is posted, and a
// notification by post dates from its receipt (Code de procédure civile,
// art. 668): posted on Wednesday 1 July, it is taken to arrive on Monday
// 6 July (letter_delivery_days: 3), so the time runs until 7 September.
TEST_F(TimeLimitsTest, ADecisionSentByLetterCountsFromTheDayTheLetterArrives) {
  ASSERT_NO_FATAL_FAILURE(SendEverything());  // SMS leave; messages to people without a phone become letters
  GatewayCommands::LetterList list;
  ASSERT_THAT(Run([&](EventApplier& a) {
                absl::StatusOr<GatewayCommands::LetterList> letters = a.gateway().LettersToPost(100);
                if (letters.ok()) list = *std::move(letters);
                return letters.status();
              }),
              IsOk());
  std::string letter_id, decision_id;
  for (const storage::v1::OutboxMessage& m : list.letters) {
    const storage::v1::DecisionRecord d = **ReadDecision(engine_.store(), m.decision_id());
    if (!d.has_notified_at()) {  // reached by this letter only
      letter_id = m.message_id();
      decision_id = d.decision_id();
    }
  }
  ASSERT_FALSE(letter_id.empty());
  ASSERT_THAT(Run([&](EventApplier& a) {
                return a.gateway().MarkLetterPosted(letter_id, "mail-room", engine_.clock().Now()).status();
              }),
              IsOk());
  const storage::v1::DecisionRecord posted = **ReadDecision(engine_.store(), decision_id);
  EXPECT_EQ(FromProtoTimestamp(posted.notified_at()), InParis(2026, 7, 6, 0, 0, 0));
  EXPECT_EQ(FromProtoTimestamp(posted.recourse_deadline()), InParis(2026, 9, 7, 23, 59, 59));
  EXPECT_THAT(posted.history(posted.history_size() - 1).cause(),
              HasSubstr("taken to arrive on 2026-07-06; time to contest until 2026-09-07"));
}

TEST_F(TimeLimitsTest, TheFormalDecisionHasItsOwnTwoMonthsFromTheDayItIsIssued) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  ASSERT_NO_FATAL_FAILURE(SendEverything());  // the offer reaches the guardian on 1 July
  ASSERT_EQ(offer.action_kind(), storage::v1::ACTION_PROPOSE);
  engine_.clock().Advance(InParis(2026, 7, 20, 9, 0, 0) - engine_.clock().Now());
  storage::v1::DecisionRecord formal;
  ASSERT_THAT(Run([&](EventApplier& a) {
                absl::StatusOr<storage::v1::DecisionRecord> answered =
                    a.commands().Answer(offer.decision_id(), true, "citizen", "sms", engine_.clock().Now());
                if (!answered.ok()) return answered.status();
                return absl::OkStatus();
              }),
              IsOk());
  const auto ids = *ListDecisionIdsOfPerson(engine_.store(), "P0001");
  for (const std::string& id : ids) {
    storage::v1::DecisionRecord d = **ReadDecision(engine_.store(), id);
    if (d.parent_decision_id() == offer.decision_id()) formal = d;
  }
  ASSERT_FALSE(formal.decision_id().empty());
  EXPECT_EQ(TimeLimitFromRecord(formal.recourse_window()), TimeLimit::Months(2));
  EXPECT_FALSE(formal.has_notified_at());
  // Accepted on 20 July: until Monday 21 September, not the offer's 2
  // September nor 61 days (19 September).
  EXPECT_EQ(FromProtoTimestamp(formal.recourse_deadline()), InParis(2026, 9, 21, 23, 59, 59));
  // The acknowledgement ("the decision will be sent to you") leaves on 24
  // July: the formal decision is notified, until Friday 25 September.
  engine_.clock().Advance(InParis(2026, 7, 24, 10, 0, 0) - engine_.clock().Now());
  ASSERT_NO_FATAL_FAILURE(SendEverything());
  const storage::v1::DecisionRecord notified = **ReadDecision(engine_.store(), formal.decision_id());
  EXPECT_EQ(FromProtoTimestamp(notified.notified_at()), InParis(2026, 7, 24, 10, 0, 0));
  EXPECT_EQ(FromProtoTimestamp(notified.recourse_deadline()), InParis(2026, 9, 25, 23, 59, 59));
  // The acknowledgement quoted the formal decision's code: on 10 September,
  // after the offer's own time ended, that code still contests it.
  const std::optional<storage::v1::OutboxMessage> acknowledgement =
      *ReadMessage(engine_.store(), MessageIdFor(offer, kAcceptedMessageKind, offer.recipients(0)));
  ASSERT_TRUE(acknowledgement.has_value());
  EXPECT_THAT(acknowledgement->text(), HasSubstr("RECOURS " + formal.reference_code()));
  engine_.clock().Advance(InParis(2026, 9, 10, 10, 0, 0) - engine_.clock().Now());
  ReplyResult contested;
  ASSERT_THAT(Run([&](EventApplier& a) {
                absl::StatusOr<ReplyResult> r =
                    a.gateway().ReportReply("+33639980002", "RECOURS " + formal.reference_code(), "k-formal",
                                            engine_.clock().Now(), engine_.clock().Now());
                if (r.ok()) contested = *r;
                return r.status();
              }),
              IsOk());
  EXPECT_EQ(contested.outcome, "contested");
  EXPECT_EQ((**ReadDecision(engine_.store(), formal.decision_id())).status(), storage::v1::IN_REVIEW);
  EXPECT_EQ((**ReadDecision(engine_.store(), offer.decision_id())).status(), storage::v1::CONFIRMED);
}

// An SMS sent before the end of the last day is in time, even processed
// after midnight: the gateway's received_at counts.
TEST_F(TimeLimitsTest, ARecoursSentOnTheLastDayIsInTimeWhenProcessedAfterMidnight) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  ASSERT_NO_FATAL_FAILURE(SendEverything());
  engine_.clock().Advance(InParis(2026, 9, 3, 0, 10, 0) - engine_.clock().Now());
  const auto reply = [&](absl::Time sent, const std::string& id) {
    ReplyResult result;
    EXPECT_THAT(Run([&](EventApplier& a) {
                  absl::StatusOr<ReplyResult> r = a.gateway().ReportReply(
                      "+33639980002", "RECOURS " + offer.reference_code(), id, sent, engine_.clock().Now());
                  if (r.ok()) result = *r;
                  return r.status();
                }),
                IsOk());
    return result;
  };
  EXPECT_NE(reply(InParis(2026, 9, 3, 0, 5, 0), "k-late").outcome, "contested");  // sent after midnight
  EXPECT_EQ(reply(InParis(2026, 9, 2, 23, 58, 0), "k-in-time").outcome, "contested");
}

// An OUI sent just before the reply deadline and read just after it (Kannel
// or the connector restarting) still accepts the offer: the deadline applies
// only kReplyDeadlineGrace after it passed. Unanswered, the offer lapses
// then; an answer sent after the deadline is refused all the same.
class ReplyDeadlineGraceTest : public TimeLimitsTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(TimeLimitsTest::SetUp());
    offer_ = Decision("P0001");
    ASSERT_EQ(offer_.action_kind(), storage::v1::ACTION_PROPOSE);
    ASSERT_TRUE(offer_.has_reply_deadline());
    ASSERT_EQ(offer_.recipients(0), "P0002");  // +33639980002
    deadline_ = FromProtoTimestamp(offer_.reply_deadline());
    ASSERT_NO_FATAL_FAILURE(SendEverything());
    // Ten minutes after the deadline: nothing applied yet.
    engine_.clock().Advance(deadline_ + absl::Minutes(10) - engine_.clock().Now());
    EXPECT_EQ(ProcessDeadlines(), 0);
    EXPECT_EQ(Status(), storage::v1::NOTIFIED);
  }
  int ProcessDeadlines() {
    int processed = -1;
    EXPECT_THAT(Run([&](EventApplier& a) {
                  absl::StatusOr<int> n = a.commands().ProcessDueDeadlines(engine_.clock().Now(), 100);
                  if (n.ok()) processed = *n;
                  return n.status();
                }),
                IsOk());
    return processed;
  }
  std::string Answer(absl::Time sent, const std::string& id) {
    ReplyResult result;
    EXPECT_THAT(Run([&](EventApplier& a) {
                  absl::StatusOr<ReplyResult> r = a.gateway().ReportReply(
                      "+33639980002", "OUI " + offer_.reference_code(), id, sent, engine_.clock().Now());
                  if (r.ok()) result = *r;
                  return r.status();
                }),
                IsOk());
    return result.outcome;
  }
  storage::v1::DecisionStatus Status() { return (**ReadDecision(engine_.store(), offer_.decision_id())).status(); }

  storage::v1::DecisionRecord offer_;
  absl::Time deadline_;
};

TEST_F(ReplyDeadlineGraceTest, AnAnswerSentBeforeTheDeadlineAndReadJustAfterItAccepts) {
  EXPECT_EQ(Answer(deadline_ - absl::Minutes(5), "k-before"), "accepted");
  EXPECT_EQ(Status(), storage::v1::CONFIRMED);
  engine_.clock().Advance(kReplyDeadlineGrace);
  EXPECT_GE(ProcessDeadlines(), 0);  // the writer's own turn may come first
  EXPECT_EQ(Status(), storage::v1::CONFIRMED);
}

TEST_F(ReplyDeadlineGraceTest, AnAnswerSentAfterTheDeadlineIsRefusedAndTheOfferLapsesAfterTheGrace) {
  EXPECT_EQ(Answer(deadline_ + absl::Minutes(2), "k-after"), "to a caseworker");
  EXPECT_EQ(Status(), storage::v1::NOTIFIED);
  engine_.clock().Advance(deadline_ + kReplyDeadlineGrace - absl::Seconds(1) - engine_.clock().Now());
  EXPECT_EQ(ProcessDeadlines(), 0);
  EXPECT_EQ(Status(), storage::v1::NOTIFIED);
  engine_.clock().Advance(absl::Seconds(1));  // the grace is over
  EXPECT_GE(ProcessDeadlines(), 0);           // the writer's own turn may come first
  EXPECT_EQ(Status(), storage::v1::LAPSED);
}

// The Paris rules, with the nursery school offer accepted when no answer
// comes by its deadline.
std::vector<RuleFile> OfferAcceptedWithoutReply() {
  std::vector<RuleFile> files = testing::EngineFixture::ParisRuleFiles();
  int changed = 0;
  for (RuleFile& file : files) {
    changed += absl::StrReplaceAll({{"without_reply: lapse", "without_reply: accept"}}, &file.text);
  }
  EXPECT_EQ(changed, 1);
  return files;
}

class AcceptedWithoutReplyTest : public TimeLimitsTest {
 protected:
  AcceptedWithoutReplyTest() : TimeLimitsTest(OfferAcceptedWithoutReply()) {}
};

// Silence accepts the offer at its deadline: the citizen is told, and that
// message notifies the formal decision, whose time to contest starts when
// it reaches them (before 2026-12-06 nothing was sent and it never started).
TEST_F(AcceptedWithoutReplyTest, TheCitizenIsToldAndTheFormalDecisionsTimeStartsWhenItReachesThem) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  ASSERT_EQ(offer.action_kind(), storage::v1::ACTION_PROPOSE);
  ASSERT_TRUE(offer.accept_without_reply());
  ASSERT_NO_FATAL_FAILURE(SendEverything());  // the offer reaches the guardian on 1 July
  const auto process_deadlines = [&] {
    ASSERT_THAT(
        Run([&](EventApplier& a) { return a.commands().ProcessDueDeadlines(engine_.clock().Now(), 100).status(); }),
        IsOk());
  };
  const auto told = [&](const std::string& recipient) {
    return *ReadMessage(engine_.store(), MessageIdFor(offer, kAcceptedMessageKind, recipient));
  };
  ASSERT_FALSE(offer.recipients().empty());
  // The day before the deadline (21 days): still waiting, nothing told.
  engine_.clock().Advance(InParis(2026, 7, 21, 10, 0, 0) - engine_.clock().Now());
  ASSERT_NO_FATAL_FAILURE(process_deadlines());
  EXPECT_EQ((**ReadDecision(engine_.store(), offer.decision_id())).status(), storage::v1::NOTIFIED);
  EXPECT_FALSE(told(offer.recipients(0)).has_value());
  // Processed on Tuesday 4 August: accepted, as the rule provides.
  engine_.clock().Advance(InParis(2026, 8, 4, 10, 0, 0) - engine_.clock().Now());
  ASSERT_NO_FATAL_FAILURE(process_deadlines());
  EXPECT_EQ((**ReadDecision(engine_.store(), offer.decision_id())).status(), storage::v1::CONFIRMED);
  const std::string formal_id = engine_.applier().commands().FormalDecisionId(offer);
  const storage::v1::DecisionRecord formal = **ReadDecision(engine_.store(), formal_id);
  EXPECT_FALSE(formal.has_notified_at());
  for (const std::string& recipient : offer.recipients()) {
    const std::optional<storage::v1::OutboxMessage> m = told(recipient);
    ASSERT_TRUE(m.has_value()) << recipient;
    EXPECT_THAT(m->text(), ::testing::AnyOf(HasSubstr("sans réponse de votre part avant la date limite"),
                                            HasSubstr("with no answer before the deadline")));
    // The offer's title, and the formal decision's code to contest it with.
    EXPECT_THAT(m->text(), HasSubstr("Proposition d'inscription à l'école maternelle de secteur"));
    EXPECT_THAT(m->text(), HasSubstr("RECOURS " + formal.reference_code()));
    EXPECT_EQ(m->reference_code(), formal.reference_code());
  }
  // It reaches them the same day: the formal decision is notified, and may
  // be contested until Monday 5 October (two months, délai franc).
  ASSERT_NO_FATAL_FAILURE(SendEverything());
  const storage::v1::DecisionRecord notified = **ReadDecision(engine_.store(), formal_id);
  EXPECT_EQ(FromProtoTimestamp(notified.notified_at()), InParis(2026, 8, 4, 10, 0, 0));
  EXPECT_EQ(FromProtoTimestamp(notified.recourse_deadline()), InParis(2026, 10, 5, 23, 59, 59));
}

// The rule and the city's words for it gone since the offer was made (the
// packs reloaded with lapse, and no accepted_by_default): the offer still
// accepts at its deadline, as it was made to, and the citizen is told in the
// words after OUI rather than an empty text.
TEST_F(AcceptedWithoutReplyTest, WithoutTheCitysWordsForItTheAcknowledgementIsThatOfAnAcceptance) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  ASSERT_TRUE(offer.accept_without_reply());
  ASSERT_NO_FATAL_FAILURE(SendEverything());
  std::vector<RuleFile> files = testing::EngineFixture::ParisRuleFiles();
  for (RuleFile& file : files) {
    const size_t from = file.text.find("  accepted_by_default:");
    if (from != std::string::npos) file.text.erase(from, file.text.find("  declined:") - from);
  }
  std::vector<Diagnostic> diagnostics;
  absl::StatusOr<std::shared_ptr<const RuleSet>> reloaded = CompileRuleSet(files, &diagnostics);
  ASSERT_TRUE(reloaded.ok()) << FormatDiagnostics(diagnostics);
  ASSERT_TRUE((*reloaded)->city().messages.accepted_by_default.empty());
  engine_.SetRules(*reloaded);
  engine_.clock().Advance(InParis(2026, 8, 4, 10, 0, 0) - engine_.clock().Now());
  ASSERT_THAT(
      Run([&](EventApplier& a) { return a.commands().ProcessDueDeadlines(engine_.clock().Now(), 100).status(); }),
      IsOk());
  EXPECT_EQ((**ReadDecision(engine_.store(), offer.decision_id())).status(), storage::v1::CONFIRMED);
  const std::optional<storage::v1::OutboxMessage> m =
      *ReadMessage(engine_.store(), MessageIdFor(offer, kAcceptedMessageKind, offer.recipients(0)));
  ASSERT_TRUE(m.has_value());
  EXPECT_THAT(m->text(), ::testing::AnyOf(HasSubstr("votre acceptation est enregistrée (Proposition d'inscription"),
                                          HasSubstr("your acceptance is recorded (")));
}

}  // namespace
}  // namespace proactive
