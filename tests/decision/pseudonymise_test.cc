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

}  // namespace
}  // namespace proactive
