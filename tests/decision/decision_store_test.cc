#include "engine/decision/decision_store.h"

#include "absl/strings/ascii.h"
#include "engine/decision/decision_factory.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;
using ::proactive::testing::IsOkAndHolds;
using ::testing::ElementsAre;
using ::testing::Eq;
using ::testing::MatchesRegex;
using ::testing::Optional;

TEST(DecisionKeysTest, IdsAreDeterministicAndDistinct) {
  DecisionKey key{"heatwave.check-in.registered", "P1", "75-2026-07-01"};
  std::string id = DecisionIdFor(key);
  EXPECT_THAT(id, MatchesRegex("d-[0-9A-HJKMNP-TV-Z]{16}"));
  EXPECT_EQ(DecisionIdFor(key), id);
  EXPECT_NE(DecisionIdFor({key.rule_id, "P2", key.once_per}), id);
  EXPECT_NE(DecisionIdFor({key.rule_id, "P1", "75-2026-08-01"}), id);
  // The separator keeps ("a", "bc") and ("ab", "c") apart.
  EXPECT_NE(DecisionIdFor({"r", "a", "bc"}), DecisionIdFor({"r", "ab", "c"}));
  EXPECT_EQ(ReferenceCodeFor(id), id.substr(2, 6));
}

TEST(DecisionKeysTest, TypedCodesAreNormalized) {
  EXPECT_EQ(NormalizeReferenceCode("k7m 2oq"), "K7M20Q");
  EXPECT_EQ(NormalizeReferenceCode("il-0"), "110");
}

// A record's trace steps are ranges of its condition; records made before
// conditions were stored carry each step's text.
TEST(DecisionTraceTest, StepsReadTheirTextFromTheConditionOrTheirOwn) {
  storage::v1::DecisionRecord record;
  record.set_condition("person.lives_alone && age >= 65");
  const auto step = [](int begin, int end, const std::string& expression = "") {
    storage::v1::TraceStep s;
    s.set_begin(begin);
    s.set_end(end);
    s.set_expression(expression);
    return s;
  };
  EXPECT_EQ(TraceStepExpression(record, step(0, 18)), "person.lives_alone");
  EXPECT_EQ(TraceStepExpression(record, step(22, 31)), "age >= 65");
  EXPECT_EQ(TraceStepExpression(record, step(0, 0, "an older record's text")), "an older record's text");
  // A range outside the condition (a damaged record) reads as nothing.
  EXPECT_EQ(TraceStepExpression(record, step(22, 32)), "");
  EXPECT_EQ(TraceStepExpression(record, step(-1, 3)), "");
  EXPECT_EQ(TraceStepExpression(record, step(5, 2)), "");
}

TEST(DecisionStoreTest, WritesAndFindsADecisionByEveryIndex) {
  testing::TempDir dir;
  auto store = Store::Open({dir.path() + "/data"});
  ASSERT_THAT(store, IsOk());
  DecisionKey key{"maternelle.first-enrolment-offer", "C1", "2026"};
  storage::v1::DecisionRecord record;
  record.set_decision_id(DecisionIdFor(key));
  record.set_reference_code(ReferenceCodeFor(record.decision_id()));
  record.set_rule_id(key.rule_id);
  record.set_person_id(key.person_id);
  record.set_once_per(key.once_per);
  record.set_status(storage::v1::PROPOSED);
  record.add_recipients("G1");
  storage::v1::DecisionInput* guardian_phone = record.add_inputs();
  guardian_phone->set_path("person.guardians[0].phone");
  guardian_phone->set_person_id("G1");
  WriteBatch batch(**store);
  PutNewDecision(&batch, record);
  ASSERT_THAT((*store)->Write(&batch, true), IsOk());

  // Whether the rule fired for a person and period: the id says where to look.
  EXPECT_THAT(ReadDecision(**store, DecisionIdFor(key)), IsOkAndHolds(Optional(::testing::_)));
  EXPECT_THAT(ReadDecision(**store, DecisionIdFor({key.rule_id, key.person_id, "2027"})),
              IsOkAndHolds(Eq(std::nullopt)));
  EXPECT_THAT(ListDecisionIdsForRecipient(**store, "G1"), IsOkAndHolds(ElementsAre(record.decision_id())));
  EXPECT_THAT(ListDecisionIdsReadingPerson(**store, "G1"), IsOkAndHolds(ElementsAre(record.decision_id())));
  EXPECT_THAT(ListDecisionIdsReadingPerson(**store, "C1"),
              IsOkAndHolds(ElementsAre()));  // the subject
  EXPECT_THAT(ListDecisionIdsOfPerson(**store, "C1"), IsOkAndHolds(ElementsAre(record.decision_id())));
  EXPECT_THAT(FindDecisionIdsByReference(**store, absl::AsciiStrToLower(record.reference_code())),
              IsOkAndHolds(ElementsAre(record.decision_id())));
  // The code is the start of the record's key: a part of it, or nothing,
  // finds no decision rather than every decision it starts.
  EXPECT_THAT(FindDecisionIdsByReference(**store, record.reference_code().substr(0, 3)), IsOkAndHolds(ElementsAre()));
  EXPECT_THAT(FindDecisionIdsByReference(**store, ""), IsOkAndHolds(ElementsAre()));
  EXPECT_THAT(FindDecisionIdsByReference(**store, record.decision_id().substr(2, 8)), IsOkAndHolds(ElementsAre()));
  auto read = ReadDecision(**store, record.decision_id());
  ASSERT_THAT(read, IsOk());
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ((*read)->format_version(), 1u);
  EXPECT_EQ((*read)->recipients(0), "G1");
  int scanned = 0;
  ASSERT_THAT(ScanDecisions(**store, [&](const storage::v1::DecisionRecord&) { return ++scanned, true; }), IsOk());
  EXPECT_EQ(scanned, 1);
}

}  // namespace
}  // namespace proactive
