#include "engine/decision/explanation.h"

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace proactive {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

storage::v1::NamedValue School(const std::string& name) {
  storage::v1::NamedValue p;
  p.set_name("school");
  p.mutable_value()->set_string_value(name);
  return p;
}

storage::v1::RecourseCase AmendingCase(const std::string& case_id, const std::string& decision_id,
                                       const std::string& before, const std::string& after) {
  storage::v1::RecourseCase c;
  c.set_case_id(case_id);
  c.set_decision_id(decision_id);
  c.set_status(storage::v1::CASE_RESOLVED);
  c.set_outcome(storage::v1::OUTCOME_AMENDED);
  c.set_resolved_by("caseworker:alice");
  c.set_resolution_reason("Une place est ouverte.");
  *c.add_parameters_before() = School(before);
  *c.add_amended_parameters() = School(after);
  return c;
}

// A formal decision whose own review set its school (C), and whose offer
// was amended since to another (B): its explanation tells the change its
// own review made, and of the offer's review only what it holds.
TEST(ExplanationTest, AFormalDecisionIsNotToldAValueItDoesNotHold) {
  storage::v1::DecisionRecord formal;
  formal.set_decision_id("d-formal");
  formal.set_parent_decision_id("d-offer");
  formal.set_status(storage::v1::AMENDED);
  *formal.add_parameters() = School("École C");
  const std::vector<storage::v1::RecourseCase> cases = {AmendingCase("c-own", "d-formal", "École A", "École C"),
                                                        AmendingCase("c-offer", "d-offer", "École A", "École B")};
  const std::string text =
      ExplainDecision(formal, cases, nullptr, "", "fr", absl::UnixEpoch(), absl::UTCTimeZone()).text;
  EXPECT_THAT(text, HasSubstr("modifié : school : École A → École C"));
  EXPECT_THAT(text, Not(HasSubstr("École B")));
  EXPECT_THAT(text, HasSubstr("(réexamen de l'offre d-offer, dont découle cette décision)"));

  // Holding the offer's value, it is told where it came from.
  *formal.mutable_parameters(0) = School("École B");
  const std::string holding =
      ExplainDecision(formal, {cases[1]}, nullptr, "", "fr", absl::UnixEpoch(), absl::UTCTimeZone()).text;
  EXPECT_THAT(holding, HasSubstr("modifié : school : École A → École B"));
}

}  // namespace
}  // namespace proactive
