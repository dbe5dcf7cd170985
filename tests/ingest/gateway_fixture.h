// The engine's side of SMS in-process: the Paris sample published on 29 June
// 2026 at 08:00 UTC, and the gateway's calls as the writer thread runs them.
//
//   using GatewayRepliesTest = testing::GatewayFixture;
//   TEST_F(GatewayRepliesTest, X) { Lease(); Reply("+33639980002", "OUI", "k-1"); }
#ifndef PROACTIVE_TESTS_INGEST_GATEWAY_FIXTURE_H_
#define PROACTIVE_TESTS_INGEST_GATEWAY_FIXTURE_H_

#include <string>
#include <vector>

#include "engine/decision/decision_store.h"
#include "engine/ingest/gateway_commands.h"
#include "gtest/gtest.h"
#include "tests/ingest/engine_fixture.h"
#include "tests/testing/status_matchers.h"

namespace proactive::testing {

class GatewayFixture : public ::testing::Test {
 protected:
  GatewayFixture() : engine_(absl::FromCivil(absl::CivilSecond(2026, 6, 29, 8, 0, 0), absl::UTCTimeZone())) {}

  void SetUp() override { ASSERT_NO_FATAL_FAILURE(engine_.PublishSample()); }

  std::vector<LeasedMessage> Lease(absl::Duration lease = absl::Seconds(60), const std::string& lease_id = "",
                                   const std::string& gateway = "kannel") {
    std::vector<LeasedMessage> leased;
    EXPECT_THAT(Run([&](EventApplier& a) {
                  auto r = a.gateway().Lease(gateway, lease_id, 100, lease, engine_.clock().Now());
                  if (r.ok()) leased = *r;
                  return r.status();
                }),
                IsOk());
    return leased;
  }
  ReplyResult Reply(const std::string& from, const std::string& text, const std::string& id) {
    ReplyResult result;
    EXPECT_THAT(Run([&](EventApplier& a) {
                  auto r = a.gateway().ReportReply(from, text, id, engine_.clock().Now(), engine_.clock().Now());
                  if (r.ok()) result = *r;
                  return r.status();
                }),
                IsOk());
    return result;
  }
  // What the engine made of the SMS centre's report that message `id`
  // failed ("will retry", "letter", "suppressed", ...); `attempt` names the
  // send (0: not named).
  std::string ReportFailure(const std::string& id, uint32_t attempt = 0) {
    std::string result;
    EXPECT_THAT(Run([&](EventApplier& a) {
                  auto r = a.gateway().ReportDelivery(id, false, "absent subscriber", engine_.clock().Now(), attempt);
                  if (r.ok()) result = *r;
                  return r.status();
                }),
                IsOk());
    return result;
  }
  // The letters waiting for the mail room.
  GatewayCommands::LetterList Letters() {
    GatewayCommands::LetterList list;
    EXPECT_THAT(Run([&](EventApplier& a) {
                  auto r = a.gateway().LettersToPost(100);
                  if (r.ok()) list = *std::move(r);
                  return r.status();
                }),
                IsOk());
    return list;
  }
  storage::v1::ErasureRecord Forget(const std::string& person) {
    storage::v1::ErasureRecord erased;
    EXPECT_THAT(Run([&](EventApplier& a) {
                  auto r = a.eraser().Forget({person, "back-office:test", "RGPD-1"}, engine_.clock().Now());
                  if (r.ok()) erased = *r;
                  return r.status();
                }),
                IsOk());
    return erased;
  }
  // The id the formal decision following `offer`'s acceptance has.
  std::string FormalDecisionIdOf(const storage::v1::DecisionRecord& offer) {
    std::string id;
    EXPECT_THAT(Run([&](EventApplier& a) {
                  id = a.commands().FormalDecisionId(offer);
                  return absl::OkStatus();
                }),
                IsOk());
    return id;
  }
  absl::Status Run(EventWriter::Command command) { return engine_.writer().ExecuteAndWait(std::move(command)); }
  storage::v1::DecisionRecord Decision(const std::string& person) {
    auto ids = ListDecisionIdsOfPerson(engine_.store(), person);
    return **ReadDecision(engine_.store(), ids->front());
  }

  EngineFixture engine_;
};

}  // namespace proactive::testing

#endif  // PROACTIVE_TESTS_INGEST_GATEWAY_FIXTURE_H_
