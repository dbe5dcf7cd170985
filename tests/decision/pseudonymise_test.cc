// What an erasure leaves of a decision another person keeps: the forgotten
// person's id goes from every field that names them, also from causes that
// name a message written when message ids ended with their recipient's id.
#include "engine/decision/pseudonymise.h"

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace proactive {
namespace {

TEST(PseudonymiseTest, OldMessageIdsInCausesNameThePseudonym) {
  storage::v1::DecisionRecord d;
  d.set_decision_id("d-OFFER");
  d.set_person_id("P0001");
  d.add_recipients("P0002");
  d.add_recipients("P00021");
  const auto cause = [&](const std::string& text) { d.add_history()->set_cause(text); };
  cause("event civ-2023-0001");
  cause("message d-OFFER/decision/P0002");   // written before 2026-12-05
  cause("message d-OFFER/decision/P00021");  // someone else, whose id starts alike
  cause("message d-OFFER/decision/1");       // since: names nobody
  PseudonymiseDecision(&d, "P0002", "x-PSEUDO", absl::FromUnixSeconds(1782720000));
  EXPECT_THAT(d.recipients(), ::testing::ElementsAre("x-PSEUDO", "P00021"));
  EXPECT_EQ(d.history(0).cause(), "event civ-2023-0001");
  EXPECT_EQ(d.history(1).cause(), "message d-OFFER/decision/x-PSEUDO");
  EXPECT_EQ(d.history(2).cause(), "message d-OFFER/decision/P00021");
  EXPECT_EQ(d.history(3).cause(), "message d-OFFER/decision/1");
  EXPECT_EQ(d.person_id(), "P0001") << "the subject stays: only a recipient was forgotten";
}

// Causes of the older format hold the message id inside a sentence
// ("handed to the gateway", "delivered; ...", "letter <id>, taken to arrive
// ..."). Forgotten as a recipient, the person's id there becomes the
// pseudonym; of a forgotten subject's decision, no recipient's id stays.
TEST(PseudonymiseTest, OldMessageIdsInsideSentencesGoToo) {
  storage::v1::DecisionRecord d;
  d.set_decision_id("d-OFFER");
  d.set_person_id("P0001");
  d.add_recipients("P0002");
  d.add_recipients("P0003");
  const auto cause = [&](const std::string& text) { d.add_history()->set_cause(text); };
  cause("message d-OFFER/decision/P0002 handed to the gateway");
  cause("message d-OFFER/decision/P0002 delivered; time to contest until 2026-09-02");
  cause("letter d-OFFER/decision/P0003, taken to arrive on 2026-07-03");
  cause("message d-OFFER/decision/2 delivered; time to contest until 2026-09-02");
  storage::v1::DecisionRecord recipient_forgotten = d;
  PseudonymiseDecision(&recipient_forgotten, "P0002", "x-PSEUDO", absl::FromUnixSeconds(1782720000));
  EXPECT_EQ(recipient_forgotten.history(0).cause(), "message d-OFFER/decision/x-PSEUDO handed to the gateway");
  EXPECT_EQ(recipient_forgotten.history(1).cause(),
            "message d-OFFER/decision/x-PSEUDO delivered; time to contest until 2026-09-02");
  EXPECT_EQ(recipient_forgotten.history(2).cause(), "letter d-OFFER/decision/P0003, taken to arrive on 2026-07-03");
  EXPECT_THAT(recipient_forgotten.recipients(), ::testing::ElementsAre("x-PSEUDO", "P0003"));

  PseudonymiseDecision(&d, "P0001", "x-CHILD", absl::FromUnixSeconds(1782720000));
  EXPECT_EQ(d.history(0).cause(), "message d-OFFER/decision/(a recipient) handed to the gateway");
  EXPECT_EQ(d.history(2).cause(), "letter d-OFFER/decision/(a recipient), taken to arrive on 2026-07-03");
  EXPECT_EQ(d.history(3).cause(), "message d-OFFER/decision/2 delivered; time to contest until 2026-09-02");
  EXPECT_THAT(d.recipients(), ::testing::ElementsAre("", ""));
  EXPECT_EQ(d.person_id(), "x-CHILD");
}

// A forgotten subject's case keeps which parameters a review amended, not
// their values (a school says where a child goes), before or after.
TEST(PseudonymiseTest, AnAmendedCaseKeepsTheParameterNamesNotTheirValues) {
  storage::v1::RecourseCase c;
  c.set_person_id("P0001");
  c.set_contest_reason("Son frère est à l'école Parmentier");
  storage::v1::NamedValue* after = c.add_amended_parameters();
  after->set_name("school");
  after->mutable_value()->set_string_value("École maternelle Parmentier");
  storage::v1::NamedValue* before = c.add_parameters_before();
  before->set_name("school");
  before->mutable_value()->set_string_value("École maternelle Oberkampf");
  PseudonymiseCase(&c, "x-PSEUDO", absl::FromUnixSeconds(1782720000));
  EXPECT_EQ(c.person_id(), "x-PSEUDO");
  ASSERT_EQ(c.amended_parameters_size(), 1);
  EXPECT_EQ(c.amended_parameters(0).name(), "school");
  EXPECT_FALSE(c.amended_parameters(0).has_value());
  ASSERT_EQ(c.parameters_before_size(), 1);
  EXPECT_EQ(c.parameters_before(0).name(), "school");
  EXPECT_FALSE(c.parameters_before(0).has_value());
  EXPECT_EQ(c.SerializeAsString().find("Parmentier"), std::string::npos);
  EXPECT_EQ(c.SerializeAsString().find("Oberkampf"), std::string::npos);
}

TEST(PseudonymiseTest, OnlyPseudonymsAndRemovedRecipientsAreUnreachable) {
  EXPECT_TRUE(IsPseudonym("x-0123456789ABCDEF"));
  EXPECT_FALSE(IsReachable("x-0123456789ABCDEF"));
  EXPECT_FALSE(IsReachable(""));
  EXPECT_TRUE(IsReachable("x-ray"));  // a person id that merely starts alike
  EXPECT_TRUE(IsReachable("x-abcdefghijklmnop"));
  EXPECT_TRUE(IsReachable("P0002"));
}

}  // namespace
}  // namespace proactive
