#include "engine/recourse/recourse_cases.h"

#include "engine/common/proto_time.h"
#include "engine/store/records.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;
using ::proactive::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::SizeIs;

const absl::Time kNow = absl::FromUnixSeconds(1782892800);  // 2026-07-01T08:00:00Z
const absl::TimeZone kUtc = absl::UTCTimeZone();

storage::v1::DecisionRecord Decision(const std::string& id, const std::string& service, int arrondissement) {
  storage::v1::DecisionRecord d;
  d.set_decision_id(id);
  d.set_service(service);
  d.set_review_sla_days(30);
  storage::v1::DecisionInput* input = d.add_inputs();
  input->set_path("person.arrondissement");
  input->mutable_value()->set_int_value(arrondissement);
  return d;
}

// Two months from a contest on 31 December end on the last day of February,
// where silence would reject it (CRPA L231-4): 61 days would end on 2 March.
TEST(RecourseCasesTest, AReviewIsDueInCalendarMonthsOfTheCitysZone) {
  storage::v1::DecisionRecord d = Decision("d-MONTHS", "s", 11);
  *d.mutable_review_within() = TimeLimitToRecord(TimeLimit::Months(2));
  absl::TimeZone paris;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Paris", &paris));
  // 22:00 on 31 December in Paris, then 00:30 on 1 January (still 31
  // December in UTC): the contest's day is the city's.
  const absl::Time new_years_eve = absl::FromCivil(absl::CivilSecond(2026, 12, 31, 22, 0, 0), paris);
  EXPECT_EQ(FromProtoTimestamp(NewCase(d, storage::v1::CONTEST, "c", "", new_years_eve, paris, nullptr).due_at()),
            absl::FromCivil(absl::CivilSecond(2027, 2, 28, 23, 59, 59), paris));
  const absl::Time after_midnight = absl::FromCivil(absl::CivilSecond(2027, 1, 1, 0, 30, 0), paris);
  EXPECT_EQ(FromProtoTimestamp(NewCase(d, storage::v1::CONTEST, "c", "", after_midnight, paris, nullptr).due_at()),
            absl::FromCivil(absl::CivilSecond(2027, 3, 1, 23, 59, 59), paris));
}

TEST(RecourseCasesTest, ClaimsExpireAndAnotherCaseworkerCanTakeTheCase) {
  storage::v1::RecourseCase c =
      NewCase(Decision("d-AAA", "s", 11), storage::v1::CONTEST, "citizen", "", kNow, kUtc, nullptr);
  EXPECT_EQ(c.case_id(), "c-AAA");
  // A record made before review_within: its 30 days, to the end of the day.
  EXPECT_EQ(c.due_at().seconds(),
            absl::ToUnixSeconds(absl::FromCivil(absl::CivilSecond(2026, 7, 31, 23, 59, 59), kUtc)));
  EXPECT_EQ(c.arrondissement(), 11);
  std::string expired;
  ASSERT_THAT(Claim(&c, "caseworker:alice", kNow, absl::Minutes(30), &expired), IsOk());
  EXPECT_THAT(Claim(&c, "caseworker:bob", kNow + absl::Minutes(10), absl::Minutes(30), &expired),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("claimed by caseworker:alice until")));
  EXPECT_THAT(Claim(&c, "caseworker:bob", kNow + absl::Minutes(31), absl::Minutes(30), &expired), IsOk());
  EXPECT_EQ(expired, "caseworker:alice");
  EXPECT_EQ(c.claims(), 2u);
  EXPECT_THAT(AddNote(&c, "caseworker:alice", "late note", kNow + absl::Minutes(32)),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("claim it first (caseworker:bob holds it")));
}

// The heatwave check-in reads no arrondissement: its cases follow where the
// person lives now, so that the caseworkers of that arrondissement see them.
TEST(RecourseCasesTest, ACaseGoesToTheArrondissementReadOrElseToTheSubjectsCurrentOne) {
  storage::v1::PersonState lives_in_18th;
  storage::v1::AttributeEntry* attribute = lives_in_18th.add_attributes();
  attribute->set_name("arrondissement");
  attribute->mutable_value()->set_int_value(18);
  storage::v1::DecisionRecord reads_none;
  reads_none.set_decision_id("d-CCC");
  EXPECT_EQ(NewCase(reads_none, storage::v1::CONTEST, "c", "", kNow, kUtc, &lives_in_18th).arrondissement(), 18);
  EXPECT_EQ(NewCase(reads_none, storage::v1::CONTEST, "c", "", kNow, kUtc, nullptr).arrondissement(), 0);
  // What the decision read comes first: the case is about that decision.
  EXPECT_EQ(
      NewCase(Decision("d-DDD", "s", 11), storage::v1::CONTEST, "c", "", kNow, kUtc, &lives_in_18th).arrondissement(),
      11);
  // A removed attribute is not where they live.
  attribute->set_removed(true);
  EXPECT_EQ(NewCase(reads_none, storage::v1::CONTEST, "c", "", kNow, kUtc, &lives_in_18th).arrondissement(), 0);
}

TEST(RecourseCasesTest, AResolutionNeedsTheClaimAReasonAndALegalBasis) {
  storage::v1::RecourseCase c =
      NewCase(Decision("d-BBB", "s", 0), storage::v1::CONTEST, "citizen", "", kNow, kUtc, nullptr);
  const std::string reason = "The family moved out of Paris in May.";
  EXPECT_THAT(Resolve(&c, "caseworker:alice", storage::v1::OUTCOME_UPHELD, reason, "CASF L262-2", kNow),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("claim it first")));
  ASSERT_THAT(Claim(&c, "caseworker:alice", kNow, absl::Minutes(30), nullptr), IsOk());
  EXPECT_THAT(Resolve(&c, "caseworker:alice", storage::v1::OUTCOME_UPHELD, "ok", "CASF L262-2", kNow),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("reason: a written reason")));
  // Characters, not bytes: seven characters of three bytes each are 21 bytes.
  EXPECT_THAT(Resolve(&c, "caseworker:alice", storage::v1::OUTCOME_UPHELD, "€€€€€€€", "CASF L262-2", kNow),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("reason: a written reason")));
  EXPECT_THAT(Resolve(&c, "caseworker:alice", storage::v1::OUTCOME_UPHELD, reason, " ", kNow),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("legal_basis")));
  ASSERT_THAT(Resolve(&c, "caseworker:alice", storage::v1::OUTCOME_OVERTURNED, reason, "CASF L262-2", kNow), IsOk());
  EXPECT_EQ(c.status(), storage::v1::CASE_RESOLVED);
  EXPECT_EQ(c.resolved_by(), "caseworker:alice");
  EXPECT_THAT(Claim(&c, "caseworker:alice", kNow, absl::Minutes(30), nullptr),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("already resolved")));
}

TEST(RecourseCasesTest, TheQueueIsOrderedByDueDateAndFiltered) {
  testing::TempDir dir;
  auto store = Store::Open({dir.path() + "/data"});
  ASSERT_THAT(store, IsOk());
  WriteBatch batch(**store);
  storage::v1::RecourseCase late =
      NewCase(Decision("d-LATE", "maternelle", 11), storage::v1::CONTEST, "c", "", kNow, kUtc, nullptr);
  storage::v1::RecourseCase soon = NewCase(Decision("d-SOON", "heatwave", 18), storage::v1::CONTEST, "c", "",
                                           kNow - absl::Hours(24 * 10), kUtc, nullptr);
  storage::v1::RecourseCase done =
      NewCase(Decision("d-DONE", "heatwave", 18), storage::v1::CONTEST, "c", "", kNow, kUtc, nullptr);
  PutCase(&batch, nullptr, late);
  PutCase(&batch, nullptr, soon);
  PutCase(&batch, nullptr, done);
  ASSERT_THAT((*store)->Write(&batch, true), IsOk());
  storage::v1::RecourseCase resolved = done;
  ASSERT_THAT(Claim(&resolved, "w", kNow, absl::Minutes(5), nullptr), IsOk());
  ASSERT_THAT(Resolve(&resolved, "w", storage::v1::OUTCOME_UPHELD, "A reason long enough to read.", "basis", kNow),
              IsOk());
  WriteBatch update(**store);
  PutCase(&update, &done, resolved);
  ASSERT_THAT((*store)->Write(&update, true), IsOk());

  auto open = ListCases(**store, CaseFilter{});
  ASSERT_THAT(open, IsOk());
  ASSERT_THAT(*open, SizeIs(2));
  EXPECT_EQ((*open)[0].case_id(), "c-SOON");
  EXPECT_EQ((*open)[1].case_id(), "c-LATE");
  CaseFilter heat;
  heat.service = "heatwave";
  EXPECT_THAT(*ListCases(**store, heat), SizeIs(1));
  CaseFilter eleventh;
  eleventh.arrondissement = 11;
  EXPECT_EQ((*ListCases(**store, eleventh))[0].case_id(), "c-LATE");
  CaseFilter all;
  all.open_only = false;
  EXPECT_THAT(*ListCases(**store, all), SizeIs(3));
  CaseFilter due;
  due.due_before = kNow + absl::Hours(24 * 25);
  EXPECT_EQ((*ListCases(**store, due))[0].case_id(), "c-SOON");
}

}  // namespace
}  // namespace proactive
