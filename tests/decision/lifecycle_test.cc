#include "engine/decision/lifecycle.h"

#include "engine/decision/decision_factory.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOkAndHolds;
using ::proactive::testing::StatusIs;
using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1782892800);  // 2026-07-01T08:00:00Z
const absl::TimeZone kParis = [] {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone("Europe/Paris", &zone));
  return zone;
}();

storage::v1::DecisionRecord Offer(storage::v1::DecisionStatus status) {
  storage::v1::DecisionRecord d;
  d.set_decision_id("d-TEST");
  d.set_action_kind(storage::v1::ACTION_PROPOSE);
  d.set_status(status);
  d.mutable_reply_deadline()->set_seconds(absl::ToUnixSeconds(kNow + absl::Hours(24 * 21)));
  d.mutable_recourse_deadline()->set_seconds(absl::ToUnixSeconds(kNow + absl::Hours(24 * 61)));
  return d;
}

TEST(LifecycleTest, AnOfferIsAnsweredBeforeItsDeadline) {
  EXPECT_THAT(NextStatus(Offer(storage::v1::PROPOSED), LifecycleAction::kNotified, kNow, kParis),
              IsOkAndHolds(storage::v1::NOTIFIED));
  EXPECT_THAT(NextStatus(Offer(storage::v1::NOTIFIED), LifecycleAction::kAccept, kNow, kParis),
              IsOkAndHolds(storage::v1::CONFIRMED));
  EXPECT_THAT(NextStatus(Offer(storage::v1::PROPOSED), LifecycleAction::kDecline, kNow, kParis),
              IsOkAndHolds(storage::v1::DECLINED));
  EXPECT_THAT(NextStatus(Offer(storage::v1::NOTIFIED), LifecycleAction::kAccept, kNow + absl::Hours(24 * 22), kParis),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("the answer was due by 2026-07-22 10:00 (Europe/Paris)")));
}

TEST(LifecycleTest, WithoutAnswerTheRuleDecidesLapseOrAccept) {
  const absl::Time late = kNow + absl::Hours(24 * 22);
  EXPECT_THAT(NextStatus(Offer(storage::v1::NOTIFIED), LifecycleAction::kReplyDeadline, late, kParis),
              IsOkAndHolds(storage::v1::LAPSED));
  storage::v1::DecisionRecord accepting = Offer(storage::v1::NOTIFIED);
  accepting.set_accept_without_reply(true);
  EXPECT_THAT(NextStatus(accepting, LifecycleAction::kReplyDeadline, late, kParis),
              IsOkAndHolds(storage::v1::CONFIRMED));
  EXPECT_THAT(NextStatus(Offer(storage::v1::NOTIFIED), LifecycleAction::kReplyDeadline, kNow, kParis),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("its deadline has not passed")));
  EXPECT_THAT(NextStatus(Offer(storage::v1::CONFIRMED), LifecycleAction::kReplyDeadline, late, kParis),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(LifecycleTest, IllegalTransitionsNameBothStates) {
  EXPECT_THAT(NextStatus(Offer(storage::v1::LAPSED), LifecycleAction::kAccept, kNow, kParis),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "decision d-TEST is lapsed; it cannot be accepted (lapsed -> confirmed): it is no longer "
                       "waiting for an answer"));
  storage::v1::DecisionRecord notice = Offer(storage::v1::ISSUED);
  notice.set_action_kind(storage::v1::ACTION_NOTIFY);
  EXPECT_THAT(NextStatus(notice, LifecycleAction::kDecline, kNow, kParis),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("(issued -> declined): it is not an offer")));
  EXPECT_THAT(NextStatus(notice, LifecycleAction::kResolveUpheld, kNow, kParis),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("(issued -> upheld)")));
}

TEST(LifecycleTest, AnyDecisionCanBeContestedWithinItsWindow) {
  for (auto status : {storage::v1::PROPOSED, storage::v1::NOTIFIED, storage::v1::CONFIRMED, storage::v1::DECLINED,
                      storage::v1::LAPSED, storage::v1::ISSUED, storage::v1::REFERRED}) {
    EXPECT_THAT(NextStatus(Offer(status), LifecycleAction::kContest, kNow, kParis),
                IsOkAndHolds(storage::v1::IN_REVIEW))
        << DecisionStatusName(status);
  }
  EXPECT_THAT(
      NextStatus(Offer(storage::v1::ISSUED), LifecycleAction::kContest, kNow + absl::Hours(24 * 62), kParis),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               HasSubstr(
                   "the time to contest ended with 2026-08-31 (Europe/Paris); the administrative court remains open")));
  EXPECT_THAT(NextStatus(Offer(storage::v1::OVERTURNED), LifecycleAction::kContest, kNow, kParis),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("cancelled after review")));
}

TEST(LifecycleTest, InReviewOnlyACaseworkersResolutionMovesIt) {
  const storage::v1::DecisionRecord contested = Offer(storage::v1::IN_REVIEW);
  for (auto action : {LifecycleAction::kAccept, LifecycleAction::kDecline, LifecycleAction::kReplyDeadline,
                      LifecycleAction::kContest, LifecycleAction::kParentOverturned}) {
    EXPECT_THAT(NextStatus(contested, action, kNow + absl::Hours(24 * 30), kParis),
                StatusIs(absl::StatusCode::kFailedPrecondition,
                         HasSubstr("a decision in review changes only by a caseworker's resolution")))
        << LifecycleActionName(action);
  }
  // Its message reaching them (a delivery reported after the contest) is
  // recorded; it stays in review.
  EXPECT_THAT(NextStatus(contested, LifecycleAction::kNotified, kNow, kParis), IsOkAndHolds(storage::v1::IN_REVIEW));
  EXPECT_THAT(NextStatus(contested, LifecycleAction::kResolveUpheld, kNow, kParis), IsOkAndHolds(storage::v1::UPHELD));
  EXPECT_THAT(NextStatus(contested, LifecycleAction::kResolveOverturned, kNow, kParis),
              IsOkAndHolds(storage::v1::OVERTURNED));
  EXPECT_THAT(NextStatus(contested, LifecycleAction::kResolveAmended, kNow, kParis),
              IsOkAndHolds(storage::v1::AMENDED));
}

// Whether an upheld offer waits for its answer, from its history: reviewed
// while it waited, it does once its review reopened it; answered first, or
// upheld before reopening existed (2026-12-07), it does not.
TEST(LifecycleTest, AnUpheldOfferWaitsOnlyWhenItsReviewReopenedIt) {
  const auto offer = [](std::initializer_list<storage::v1::DecisionStatus> history) {
    storage::v1::DecisionRecord d = Offer(*(history.end() - 1));
    for (storage::v1::DecisionStatus s : history) d.add_history()->set_status(s);
    return d;
  };
  using storage::v1::CONFIRMED;
  using storage::v1::IN_REVIEW;
  using storage::v1::NOTIFIED;
  using storage::v1::PROPOSED;
  using storage::v1::UPHELD;
  storage::v1::DecisionRecord contested = offer({PROPOSED, NOTIFIED, IN_REVIEW});
  EXPECT_TRUE(OfferWaitedWhenReviewed(contested));
  storage::v1::DecisionRecord upheld = offer({PROPOSED, NOTIFIED, IN_REVIEW, UPHELD});
  EXPECT_FALSE(IsOfferAwaitingAnswer(upheld)) << "upheld before reopening existed";
  upheld.set_answer_reopened(true);
  EXPECT_TRUE(IsOfferAwaitingAnswer(upheld));
  EXPECT_THAT(NextStatus(upheld, LifecycleAction::kAccept, kNow, kParis), IsOkAndHolds(CONFIRMED));

  storage::v1::DecisionRecord answered = offer({PROPOSED, NOTIFIED, CONFIRMED, IN_REVIEW});
  EXPECT_FALSE(OfferWaitedWhenReviewed(answered));
  answered = offer({PROPOSED, NOTIFIED, CONFIRMED, IN_REVIEW, UPHELD});
  answered.set_answer_reopened(true);  // even if a record said so
  EXPECT_FALSE(IsOfferAwaitingAnswer(answered));

  // Reviewed before anyone was told (2026-12-06): waits without the marker.
  EXPECT_TRUE(IsOfferAwaitingAnswer(offer({IN_REVIEW, UPHELD})));
  EXPECT_TRUE(IsOfferAwaitingAnswer(offer({IN_REVIEW, UPHELD, NOTIFIED, UPHELD})));
  // Notified while in review, then upheld: the same.
  storage::v1::DecisionRecord told_in_review = offer({PROPOSED, IN_REVIEW, IN_REVIEW, UPHELD});
  told_in_review.set_answer_reopened(true);
  EXPECT_TRUE(IsOfferAwaitingAnswer(told_in_review));
}

TEST(LifecycleTest, AFormalDecisionFallsWithTheOfferItFollowed) {
  storage::v1::DecisionRecord formal = Offer(storage::v1::ISSUED);
  EXPECT_THAT(NextStatus(formal, LifecycleAction::kParentOverturned, kNow, kParis),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("it follows no offer")));
  formal.set_parent_decision_id("d-OFFER");
  EXPECT_THAT(NextStatus(formal, LifecycleAction::kParentOverturned, kNow, kParis),
              IsOkAndHolds(storage::v1::OVERTURNED));
  formal.set_status(storage::v1::UPHELD);  // upheld on its own contest: the offer's review prevails
  EXPECT_THAT(NextStatus(formal, LifecycleAction::kParentOverturned, kNow, kParis),
              IsOkAndHolds(storage::v1::OVERTURNED));
  formal.set_status(storage::v1::OVERTURNED);
  EXPECT_THAT(NextStatus(formal, LifecycleAction::kParentOverturned, kNow, kParis),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("cancelled already")));
}

}  // namespace
}  // namespace proactive
