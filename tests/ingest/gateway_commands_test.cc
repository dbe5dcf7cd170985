// The engine's side of SMS, in-process: the outbox written with decisions,
// leases and their expiry, acknowledgements, delivery failures and the
// letter, texts rendered when messages leave. Citizens' replies:
// gateway_replies_test.cc.

#include <algorithm>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "engine/audit/audit_log.h"
#include "engine/common/clock.h"
#include "engine/common/proto_time.h"
#include "engine/common/sms_length.h"
#include "engine/common/status_macros.h"
#include "engine/decision/decision_store.h"
#include "engine/decision/lifecycle.h"
#include "engine/notify/outbox.h"
#include "engine/recourse/recourse_cases.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/ingest/gateway_fixture.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;
using ::proactive::testing::IsOkAndHolds;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAreArray;
using GatewayCommandsTest = testing::GatewayFixture;

// The gateway's call was answered, but the answer was lost (the engine died
// sending it): asked again under the same lease id, the engine answers the
// same messages instead of leaving them leased to nobody until they expire.
TEST_F(GatewayCommandsTest, ALeaseAskedAgainUnderItsIdAnswersWhatItStillHolds) {
  const auto ids = [](const std::vector<LeasedMessage>& leased) {
    std::vector<std::string> out;
    for (const LeasedMessage& l : leased) out.push_back(l.message.message_id());
    return out;
  };
  std::vector<LeasedMessage> first = Lease(absl::Seconds(60), "lease-1");
  ASSERT_GE(first.size(), 2u);
  std::vector<LeasedMessage> again = Lease(absl::Seconds(60), "lease-1");
  EXPECT_THAT(ids(again), UnorderedElementsAreArray(ids(first)));
  for (const LeasedMessage& l : again) {
    EXPECT_EQ(l.message.attempts(), 1u) << l.message.message_id();  // the same lease, not a second one
    EXPECT_FALSE(l.phone.empty());
  }
  // Another gateway with the same id, or a new id, gets nothing: all is leased.
  EXPECT_THAT(Lease(absl::Seconds(60), "lease-1", "other-gateway"), IsEmpty());
  EXPECT_THAT(Lease(absl::Seconds(60), "lease-2"), IsEmpty());
  // An acknowledged message is no longer held under the id.
  const std::string sent = first[0].message.message_id();
  ASSERT_THAT(Run([&](EventApplier& a) { return a.gateway().Ack(sent, "k-1", engine_.clock().Now()).status(); }),
              IsOk());
  std::vector<std::string> rest = ids(first);
  rest.erase(rest.begin());
  EXPECT_THAT(ids(Lease(absl::Seconds(60), "lease-1")), UnorderedElementsAreArray(rest));
  // Once the lease ran out, the id holds nothing: the messages are leased anew.
  engine_.clock().Advance(absl::Seconds(61));
  std::vector<LeasedMessage> after = Lease(absl::Seconds(60), "lease-1");
  EXPECT_THAT(ids(after), UnorderedElementsAreArray(rest));
  for (const LeasedMessage& l : after) EXPECT_EQ(l.message.attempts(), 2u) << l.message.message_id();
}

// Should a decision's rule texts be lost (its RuleTexts and its rule set's
// snapshot gone, and the running packs changed), answering it still works:
// it is named by its rule id, the error is logged, and the engine goes on
// accepting events.
TEST_F(GatewayCommandsTest, LostRuleTextsRefuseNoCommand) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  ASSERT_THAT(Run([&](EventApplier&) {
                WriteBatch batch(engine_.store());
                batch.Delete(Family::kMeta, "ruleset/" + offer.rule_set_version());
                batch.Delete(Family::kMeta, "ruletext/" + offer.rule_version());
                return engine_.store().Write(&batch, false);
              }),
              IsOk());
  engine_.SetRules(testing::EngineFixture::ParisRulesReworded("Proposition d'inscription", "Offre d'inscription"));
  ASSERT_NE(engine_.rules().FindRule(offer.rule_id())->version, offer.rule_version());

  EXPECT_EQ(Reply("+33639980002", "OUI " + offer.reference_code(), "kannel-1").outcome, "accepted");
  auto ack = ReadMessage(engine_.store(), MessageIdFor(offer, "accepted", "P0002"));
  ASSERT_TRUE(ack->has_value());
  EXPECT_THAT((*ack)->text(), HasSubstr("(" + offer.rule_id() + ")"));
  bool formal = false;
  const absl::StatusOr<std::vector<std::string>> ids = ListDecisionIdsOfPerson(engine_.store(), "P0001");
  ASSERT_THAT(ids, IsOk());
  for (const std::string& id : *ids) {
    const storage::v1::DecisionRecord d = **ReadDecision(engine_.store(), id);
    if (d.parent_decision_id() != offer.decision_id()) continue;
    formal = true;
    EXPECT_EQ(d.title(), "Décision : " + offer.rule_id());
  }
  EXPECT_TRUE(formal);
  EXPECT_THAT(
      engine_.Publish(
          R"({"event_id":"civ-after","person_id":"P0900","source":"etat-civil","occurred_at":"2026-06-29T07:00:00Z","set":{"birth_date":"1950-01-01"}})"),
      IsOk());
}

// A decision's message is written without its text, which is rendered from
// the decision's rule set when it leaves, then kept with it.
TEST_F(GatewayCommandsTest, AMessageIsRenderedWhenItLeavesFromTheRuleSetThatMadeItsDecision) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  const std::string id = MessageIdFor(offer, "decision", "P0002");
  auto waiting = ReadMessage(engine_.store(), id);
  ASSERT_TRUE(waiting.ok() && waiting->has_value());
  EXPECT_TRUE((*waiting)->text_by_rule_set());
  EXPECT_THAT((*waiting)->text(), IsEmpty());
  // The packs change before it leaves: it still says what the rule said.
  engine_.SetRules(testing::EngineFixture::ParisRulesReworded("Répondez OUI", "Envoyez OUI"));
  ASSERT_NE(engine_.rules().version(), offer.rule_set_version());
  std::string sent;
  for (const LeasedMessage& l : Lease()) {
    EXPECT_FALSE(l.message.text_by_rule_set()) << l.message.message_id();
    EXPECT_THAT(l.message.text(), HasSubstr("(CRPA L311-3-1)")) << l.message.message_id();
    if (l.message.message_id() == id) sent = l.message.text();
  }
  EXPECT_THAT(sent, HasSubstr("Répondez OUI " + offer.reference_code()));
  auto kept = ReadMessage(engine_.store(), id);
  EXPECT_EQ((*kept)->text(), sent);
  EXPECT_FALSE((*kept)->text_by_rule_set());
}

// Should the rule set that made a decision be lost, the messages of rules
// still running at the same version are written from them; one whose rule
// changed cannot be written: it is undeliverable, saying why, and the others
// still leave.
TEST_F(GatewayCommandsTest, AMessageWhoseTextIsLostIsUndeliverableAndTheLeaseGoesOn) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  ASSERT_THAT(Run([&](EventApplier&) {
                WriteBatch batch(engine_.store());
                batch.Delete(Family::kMeta, "ruleset/" + offer.rule_set_version());
                return engine_.store().Write(&batch, false);
              }),
              IsOk());
  // Only the offer's rule changes.
  engine_.SetRules(
      testing::EngineFixture::ParisRulesReworded("une place vous est proposée", "une place vous est offerte"));
  // An engine message (with its text) to lease alongside.
  EXPECT_EQ(Reply("+33639980002", "NON " + offer.reference_code(), "kannel-1").outcome, "declined");
  bool declined = false, of_a_running_rule = false;
  for (const LeasedMessage& l : Lease()) {
    if (l.message.kind() == "decision") {
      EXPECT_NE(l.message.decision_id(), offer.decision_id());
    }
    EXPECT_THAT(l.message.text(), HasSubstr("(CRPA L311-3-1)")) << l.message.message_id();
    declined = declined || l.message.kind() == "declined";
    of_a_running_rule = of_a_running_rule || l.message.kind() == "decision";
  }
  EXPECT_TRUE(declined);
  EXPECT_TRUE(of_a_running_rule) << "rules unchanged since their decisions still write their messages";
  auto lost = ReadMessage(engine_.store(), MessageIdFor(offer, "decision", "P0002"));
  EXPECT_EQ((*lost)->status(), storage::v1::MESSAGE_UNDELIVERABLE);
  EXPECT_THAT((*lost)->failure(), HasSubstr("is not running and its rule set " +
                                            offer.rule_set_version().substr(0, 12) + " cannot be read"));
  EXPECT_THAT(
      engine_.Publish(
          R"({"event_id":"civ-after","person_id":"P0900","source":"etat-civil","occurred_at":"2026-06-29T07:00:00Z","set":{"birth_date":"1950-01-01"}})"),
      IsOk());
}

// A child forgotten before its offer's message left: its guardians are
// never sent a text about an offer withdrawn and pseudonymised.
TEST_F(GatewayCommandsTest, AForgottenChildsOfferIsNeverSentToItsGuardians) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  const std::string to_guardian = MessageIdFor(offer, "decision", "P0002");
  const storage::v1::ErasureRecord erased = Forget("P0001");
  EXPECT_EQ(erased.offers_withdrawn(), 1u);
  EXPECT_EQ(erased.messages_suppressed(), 2u);  // both guardians'
  auto held = ReadMessage(engine_.store(), to_guardian);
  EXPECT_EQ((*held)->status(), storage::v1::MESSAGE_SUPPRESSED);
  EXPECT_THAT((*held)->failure(), HasSubstr("forgotten"));
  for (const LeasedMessage& l : Lease()) EXPECT_NE(l.message.decision_id(), offer.decision_id());
}

// A decision about a forgotten person can no longer be contested: a review
// would write about them again where no erasure reaches.
TEST_F(GatewayCommandsTest, ADecisionAboutAForgottenPersonCannotBeContested) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  ASSERT_EQ(Reply("+33639980002", "OUI " + offer.reference_code(), "kannel-1").outcome, "accepted");
  std::string formal;
  const absl::StatusOr<std::vector<std::string>> ids = ListDecisionIdsOfPerson(engine_.store(), "P0001");
  ASSERT_THAT(ids, IsOk());
  for (const std::string& id : *ids) {
    if ((**ReadDecision(engine_.store(), id)).parent_decision_id() == offer.decision_id()) formal = id;
  }
  ASSERT_FALSE(formal.empty());
  Forget("P0001");
  absl::Status contested = Run([&](EventApplier& a) {
    return a.commands().Contest(formal, "citizen", "je conteste", engine_.clock().Now()).status();
  });
  EXPECT_THAT(contested, testing::StatusIs(absl::StatusCode::kFailedPrecondition,
                                           HasSubstr("is about a person forgotten on 2026-06-29 (GDPR erasure)")));
  EXPECT_FALSE((*ReadCase(engine_.store(), ContestCaseId(formal))).has_value());
}

// A guardian forgotten: the child's offer, which named them, stays open to
// contest by the other guardian.
TEST_F(GatewayCommandsTest, ADecisionThatOnlyNamedSomeoneForgottenCanBeContested) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  Forget("P0003");
  ASSERT_TRUE((**ReadDecision(engine_.store(), offer.decision_id())).has_pseudonymised_at());
  EXPECT_THAT(
      Run([&](EventApplier& a) {
        return a.commands().Contest(offer.decision_id(), "citizen", "je conteste", engine_.clock().Now()).status();
      }),
      IsOk());
  EXPECT_TRUE((*ReadCase(engine_.store(), ContestCaseId(offer.decision_id()))).has_value());
}

// Forgotten after its offer left: the SMS is gone, but the letter to the
// guardian without a phone still waits in the mail room, and is never posted.
TEST_F(GatewayCommandsTest, AForgottenChildsOfferLetterLeavesTheMailRoom) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  const std::string letter_id = MessageIdFor(offer, "decision", "P0003");
  ASSERT_FALSE(Lease().empty());
  ASSERT_EQ((*ReadMessage(engine_.store(), letter_id))->status(), storage::v1::MESSAGE_LETTER);
  ASSERT_THAT(LettersToPost(engine_.store(), 10), IsOkAndHolds(Contains(letter_id)));
  const uint64_t letters_before = *CountLetters(engine_.store());
  const storage::v1::ErasureRecord erased = Forget("P0001");
  EXPECT_EQ(erased.messages_suppressed(), 2u);  // the letter, and the SMS still leased
  auto letter = ReadMessage(engine_.store(), letter_id);
  EXPECT_EQ((*letter)->status(), storage::v1::MESSAGE_SUPPRESSED);
  EXPECT_TRUE((*letter)->text().empty());
  EXPECT_THAT(LettersToPost(engine_.store(), 10), IsOkAndHolds(Not(Contains(letter_id))));
  EXPECT_THAT(CountLetters(engine_.store()), IsOkAndHolds(letters_before - 1));
}

// A forgotten child's decision names no guardian any more: they are no
// longer its recipients, nothing finds it from them, the SMS that reached one
// of them is deleted, and the letter waiting for the other keeps no recipient.
TEST_F(GatewayCommandsTest, AForgottenChildsDecisionNamesNoGuardianAnyMore) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  ASSERT_THAT(offer.recipients(), ::testing::ElementsAre("P0002", "P0003"));
  const std::string sms = MessageIdFor(offer, "decision", "P0002");
  ASSERT_FALSE(Lease().empty());
  ASSERT_THAT(Run([&](EventApplier& a) {
                RETURN_IF_ERROR(a.gateway().Ack(sms, "k-1", engine_.clock().Now()).status());
                return a.gateway().ReportDelivery(sms, true, "", engine_.clock().Now()).status();
              }),
              IsOk());
  const storage::v1::ErasureRecord erased = Forget("P0001");
  EXPECT_EQ(erased.messages_deleted(), 1u);     // the SMS delivered to P0002
  EXPECT_EQ(erased.messages_suppressed(), 1u);  // the letter to P0003

  const storage::v1::DecisionRecord kept = **ReadDecision(engine_.store(), offer.decision_id());
  EXPECT_THAT(kept.recipients(), ::testing::ElementsAre("", ""));
  for (const std::string guardian : {"P0002", "P0003"}) {
    EXPECT_THAT(ListDecisionIdsForRecipient(engine_.store(), guardian),
                IsOkAndHolds(Not(Contains(offer.decision_id()))))
        << guardian;
    EXPECT_THAT(ListDecisionIdsReadingPerson(engine_.store(), guardian),
                IsOkAndHolds(Not(Contains(offer.decision_id()))))
        << guardian;
    absl::StatusOr<std::vector<std::string>> theirs = MessagesOfPerson(engine_.store(), guardian);
    ASSERT_THAT(theirs, IsOk());
    for (const std::string& id : *theirs) EXPECT_FALSE(absl::StartsWith(id, offer.decision_id())) << id;
  }
  absl::StatusOr<std::vector<storage::v1::OutboxMessage>> left =
      MessagesOfDecision(engine_.store(), offer.decision_id());
  ASSERT_THAT(left, IsOk());
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].status(), storage::v1::MESSAGE_SUPPRESSED);
  EXPECT_EQ((*left)[0].recipient(), "");
  EXPECT_EQ((*left)[0].text(), "");
}

// A guardian forgotten while their child's offer waits is no recipient any
// more: the acknowledgement of its acceptance goes to the other guardian
// only, never as a letter to the pseudonym.
TEST_F(GatewayCommandsTest, NothingIsSentToAForgottenRecipient) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  const storage::v1::ErasureRecord erased = Forget("P0002");
  ASSERT_THAT(Run([&](EventApplier& a) {
                return a.commands()
                    .Answer(offer.decision_id(), /*accept=*/true, "back-office:mairie-11", "guichet",
                            engine_.clock().Now())
                    .status();
              }),
              IsOk());
  absl::StatusOr<std::vector<storage::v1::OutboxMessage>> messages =
      MessagesOfDecision(engine_.store(), offer.decision_id());
  ASSERT_THAT(messages, IsOk());
  int accepted = 0;
  for (const storage::v1::OutboxMessage& m : *messages) {
    EXPECT_NE(m.recipient(), erased.pseudonym()) << m.message_id();
    accepted += m.kind() == "accepted";
  }
  EXPECT_EQ(accepted, 1);  // to P0003
}

// The city's sms_attribute changed since a person's number was indexed: the
// erasure still deletes the index key written under the old one, and no
// reply from that number finds them any more.
TEST_F(GatewayCommandsTest, AnErasureDeletesTheNumberIndexedUnderAFormerSmsAttribute) {
  ASSERT_THAT(PersonsWithPhone(engine_.store(), "+33639980002"), IsOkAndHolds(Contains("P0002")));
  std::vector<RuleFile> files = testing::EngineFixture::ParisRuleFiles();
  int changed = 0;
  for (RuleFile& file : files) {
    changed += absl::StrReplaceAll({{"sms_attribute: phone", "sms_attribute: preferred_language"}}, &file.text);
  }
  ASSERT_EQ(changed, 1);
  std::vector<Diagnostic> diagnostics;
  absl::StatusOr<std::shared_ptr<const RuleSet>> reloaded = CompileRuleSet(files, &diagnostics);
  ASSERT_TRUE(reloaded.ok()) << FormatDiagnostics(diagnostics);
  engine_.SetRules(*reloaded);
  Forget("P0002");
  EXPECT_THAT(PersonsWithPhone(engine_.store(), "+33639980002"), IsOkAndHolds(Not(Contains("P0002"))));
}

// A decision made before its recourse window was stored has had its time to
// contest running since it was made. Handed to the gateway, it keeps running
// (the window is not stored on a mere hand-off); a delivery report stores it
// and may only move the deadline later.
TEST_F(GatewayCommandsTest, ALegacyDecisionsTimeToContestKeepsRunningWhenHandedOver) {
  storage::v1::DecisionRecord legacy = Decision("P0001");
  legacy.clear_recourse_window();
  legacy.clear_notified_at();
  ASSERT_THAT(Run([&](EventApplier&) {
                WriteBatch batch(engine_.store());
                PutDecision(&batch, &legacy);
                return engine_.store().Write(&batch, false);
              }),
              IsOk());
  ASSERT_TRUE(TimeToContestStarted(legacy));
  const std::string sms = MessageIdFor(legacy, "decision", "P0002");
  ASSERT_FALSE(Lease().empty());
  ASSERT_THAT(Run([&](EventApplier& a) { return a.gateway().Ack(sms, "k-1", engine_.clock().Now()).status(); }),
              IsOk());
  const storage::v1::DecisionRecord handed = **ReadDecision(engine_.store(), legacy.decision_id());
  EXPECT_EQ(handed.status(), storage::v1::NOTIFIED);
  EXPECT_FALSE(handed.has_recourse_window());
  EXPECT_TRUE(TimeToContestStarted(handed)) << "the hand-off stopped its running time";
  engine_.clock().Advance(absl::Hours(24 * 3));
  ASSERT_THAT(
      Run([&](EventApplier& a) { return a.gateway().ReportDelivery(sms, true, "", engine_.clock().Now()).status(); }),
      IsOk());
  const storage::v1::DecisionRecord delivered = **ReadDecision(engine_.store(), legacy.decision_id());
  EXPECT_TRUE(delivered.has_recourse_window());
  EXPECT_TRUE(TimeToContestStarted(delivered));
  EXPECT_GE(FromProtoTimestamp(delivered.recourse_deadline()), FromProtoTimestamp(legacy.recourse_deadline()));
}

// A person is found as the recipient of their own decision's message and of
// a child's offer told to them (each under its person key); the child's
// offer is theirs, not the child's.
TEST_F(GatewayCommandsTest, RecipientsAreFoundByTheirOwnKey) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  ASSERT_THAT(offer.recipients(), ::testing::ElementsAre("P0002", "P0003"));
  auto own = ListDecisionIdsOfPerson(engine_.store(), "P0002");
  ASSERT_THAT(own, IsOk());
  ASSERT_FALSE(own->empty());
  const storage::v1::DecisionRecord told = **ReadDecision(engine_.store(), own->front());
  ASSERT_THAT(told.recipients(), ::testing::Contains("P0002"));
  std::vector<std::string> recipient_keys;
  ASSERT_THAT(engine_.store().Scan(Family::kDecisions, "t/P0002",
                                   [&](absl::string_view key, absl::string_view) {
                                     recipient_keys.emplace_back(key);
                                     return true;
                                   }),
              IsOk());
  EXPECT_THAT(recipient_keys, ::testing::ElementsAre(std::string("t/P0002\0", 8) + offer.decision_id()));
  EXPECT_THAT(ListDecisionIdsForRecipient(engine_.store(), "P0002"),
              IsOkAndHolds(::testing::IsSupersetOf({offer.decision_id(), told.decision_id()})));
  EXPECT_THAT(ListDecisionIdsForRecipient(engine_.store(), "P0001"),
              IsOkAndHolds(::testing::Not(::testing::Contains(offer.decision_id()))));
  // Their messages likewise, each under its person key; the ids name no
  // one (they reach the gateway and the audit chain).
  const std::string own_message = MessageIdFor(told, "decision", "P0002");
  const std::string offer_message = MessageIdFor(offer, "decision", "P0002");
  EXPECT_EQ(own_message, told.decision_id() + "/decision/1");
  EXPECT_THAT(offer_message, ::testing::Not(::testing::HasSubstr("P000")));
  ASSERT_TRUE(ReadMessage(engine_.store(), own_message)->has_value());
  EXPECT_TRUE(engine_.store().Get(Family::kOutbox, "p/P0002/" + own_message)->has_value());
  EXPECT_TRUE(engine_.store().Get(Family::kOutbox, "p/P0002/" + offer_message)->has_value());
  EXPECT_THAT(MessagesOfPerson(engine_.store(), "P0002"),
              IsOkAndHolds(::testing::IsSupersetOf({own_message, offer_message})));
  EXPECT_THAT(MessagesOfPerson(engine_.store(), "P0001"),
              IsOkAndHolds(::testing::Not(::testing::Contains(offer_message))));
  // A message to the subject of its decision written before 2026-12-05 has
  // no person key: it is found by its recipient among her own decisions'.
  ASSERT_THAT(Run([&](EventApplier&) {
                WriteBatch batch(engine_.store());
                batch.Delete(Family::kOutbox, "p/P0002/" + own_message);
                return engine_.store().Write(&batch, false);
              }),
              IsOk());
  EXPECT_THAT(MessagesOfPerson(engine_.store(), "P0002"),
              IsOkAndHolds(::testing::IsSupersetOf({own_message, offer_message})));
  // Replies find them either way: the guardian answers the offer by its code.
  EXPECT_EQ(Reply("+33639980002", "OUI " + offer.reference_code(), "k-1").outcome, "accepted");
  // STOP silences the message about their own decision too.
  EXPECT_EQ(Reply("+33639980002", "STOP", "k-2").outcome, "opted out");
  EXPECT_EQ((*ReadMessage(engine_.store(), own_message))->status(), storage::v1::MESSAGE_SUPPRESSED);
}

// A sweep's chunk reads its persons' opt-outs at once; the answers are
// those of one read per person.
TEST_F(GatewayCommandsTest, OptOutsReadAheadAnswerAsTheStoreDoes) {
  EXPECT_EQ(Reply("+33639980010", "STOP", "k-1").outcome, "opted out");
  OptOutReader read_ahead(&engine_.store());
  ASSERT_THAT(read_ahead.Prefetch({"P0011", "P0010", "P9999", "P0010"}), IsOk());
  for (const std::string person : {"P0010", "P0011", "P9999", "P0001"}) {  // P0001: not read ahead
    absl::StatusOr<bool> one_read = IsOptedOut(engine_.store(), person);
    ASSERT_THAT(one_read, IsOk());
    EXPECT_THAT(read_ahead.IsOptedOut(person), IsOkAndHolds(*one_read)) << person;
  }
  EXPECT_THAT(read_ahead.IsOptedOut("P0010"), IsOkAndHolds(true));
}

// What is still to leave, as `proactivectl status` shows it: each SMS counted
// once, as ready, with the gateway (leased, until its lease runs out) or
// held until later.
TEST_F(GatewayCommandsTest, TheBacklogCountsEachSmsOnceReadyWithTheGatewayOrHeld) {
  const auto backlog = [&] {
    absl::StatusOr<OutboxBacklog> b = CountOutboxBacklog(engine_.store(), engine_.clock().Now());
    EXPECT_THAT(b, IsOk());
    using Counts = std::tuple<uint64_t, uint64_t, uint64_t>;
    return b.ok() ? Counts(b->ready, b->with_gateway, b->later) : Counts(~0ull, ~0ull, ~0ull);
  };
  const auto [ready, with_gateway, later] = backlog();
  ASSERT_GE(ready, 3u);
  EXPECT_EQ(with_gateway, 0u);
  EXPECT_EQ(later, 0u);

  std::vector<LeasedMessage> leased = Lease(absl::Seconds(60), "lease-1");
  ASSERT_GE(leased.size(), 2u);
  ASSERT_LE(leased.size(), ready);  // one to a person without a phone became a letter
  const uint64_t n = leased.size();
  EXPECT_EQ(backlog(), std::make_tuple(0ul, n, 0ul));
  ASSERT_THAT(Run([&](EventApplier& a) {
                return a.gateway().Ack(leased[0].message.message_id(), "k-1", engine_.clock().Now()).status();
              }),
              IsOk());
  EXPECT_EQ(backlog(), std::make_tuple(0ul, n - 1, 0ul)) << "an acknowledged SMS has left";
  // A failure to retry later is held; a lease that ran out is ready again.
  ASSERT_THAT(Run([&](EventApplier& a) {
                return a.gateway()
                    .ReportDelivery(leased[1].message.message_id(), false, "absent subscriber", engine_.clock().Now())
                    .status();
              }),
              IsOk());
  EXPECT_EQ(backlog(), std::make_tuple(0ul, n - 2, 1ul));
  // A minute later the leases have run out and the retry (after 1 minute)
  // is due: all ready.
  engine_.clock().Advance(absl::Seconds(61));
  EXPECT_EQ(backlog(), std::make_tuple(n - 1, 0ul, 0ul));
}

// The mail room: a message to a guardian without a phone becomes a letter
// when it leaves; it is listed with its text until someone says it was
// posted, which notifies the offer, is audited, and is harmless again.
TEST_F(GatewayCommandsTest, ALetterIsListedForTheMailRoomUntilPostedAndPostingNotifiesTheOffer) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  const std::string letter_id = MessageIdFor(offer, "decision", "P0003");
  const auto posted = [&](const std::string& id, const std::string& by) {
    absl::StatusOr<bool> already = absl::UnknownError("not run");
    EXPECT_THAT(Run([&](EventApplier& a) {
                  already = a.gateway().MarkLetterPosted(id, by, engine_.clock().Now());
                  return absl::OkStatus();
                }),
                IsOk());
    return already;
  };
  EXPECT_THAT(Letters().letters, IsEmpty()) << "nothing has left yet";
  EXPECT_EQ(Letters().waiting, 0u);
  const absl::Time left_at = engine_.clock().Now();
  std::vector<LeasedMessage> leased = Lease();
  ASSERT_FALSE(leased.empty());

  // The offer's letter, and the non-take-up outreach to P0020, who has no phone either.
  GatewayCommands::LetterList list = Letters();
  ASSERT_THAT(list.letters, SizeIs(2));
  EXPECT_EQ(list.waiting, 2u);
  const auto it = std::find_if(list.letters.begin(), list.letters.end(),
                               [&](const storage::v1::OutboxMessage& m) { return m.message_id() == letter_id; });
  ASSERT_NE(it, list.letters.end());
  const storage::v1::OutboxMessage& letter = *it;
  EXPECT_EQ(letter.recipient(), "P0003");
  EXPECT_THAT(letter.text(), HasSubstr(offer.reference_code()));
  EXPECT_THAT(letter.text(), HasSubstr("CRPA L311-3-1"));
  EXPECT_EQ(FromProtoTimestamp(letter.ready_at()), left_at);
  absl::StatusOr<OutboxBacklog> backlog = CountOutboxBacklog(engine_.store(), engine_.clock().Now());
  ASSERT_THAT(backlog, IsOk());
  EXPECT_EQ(backlog->letters, 2u);

  // An SMS, or an unknown message, is not a letter to post: nothing changes.
  absl::StatusOr<bool> sms = posted(leased[0].message.message_id(), "caseworker:alice");
  EXPECT_EQ(sms.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(sms.status().message(), HasSubstr("message_id"));
  EXPECT_EQ(posted("no-such-message", "caseworker:alice").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ((*ReadMessage(engine_.store(), leased[0].message.message_id()))->status(), storage::v1::MESSAGE_LEASED);

  // A delivery report about it (a gateway repeating one) leaves it waiting.
  EXPECT_EQ(ReportFailure(letter_id), "letter");
  EXPECT_EQ((*ReadMessage(engine_.store(), letter_id))->status(), storage::v1::MESSAGE_LETTER);
  EXPECT_EQ(Letters().waiting, 2u);

  // The other guardian's SMS was not acknowledged: the offer waits for the letter.
  ASSERT_NE(Decision("P0001").status(), storage::v1::NOTIFIED);
  const uint64_t audit_before = VerifyAuditChain(engine_.store())->entries;
  engine_.clock().Advance(absl::Hours(20));
  EXPECT_THAT(posted(letter_id, "caseworker:alice"), IsOkAndHolds(false));
  std::optional<storage::v1::OutboxMessage> after = *ReadMessage(engine_.store(), letter_id);
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->status(), storage::v1::MESSAGE_POSTED);
  EXPECT_EQ(after->posted_by(), "caseworker:alice");
  EXPECT_EQ(FromProtoTimestamp(after->posted_at()), engine_.clock().Now());
  EXPECT_EQ(Decision("P0001").status(), storage::v1::NOTIFIED);
  list = Letters();
  ASSERT_THAT(list.letters, SizeIs(1));
  EXPECT_NE(list.letters[0].message_id(), letter_id);
  EXPECT_EQ(list.waiting, 1u);
  EXPECT_EQ(CountOutboxBacklog(engine_.store(), engine_.clock().Now())->letters, 1u);
  absl::StatusOr<AuditVerification> audit = VerifyAuditChain(engine_.store());
  ASSERT_THAT(audit, IsOk());
  EXPECT_FALSE(audit->first_broken.has_value()) << audit->problem;
  EXPECT_GT(audit->entries, audit_before);
  bool audited = false;
  ASSERT_THAT(engine_.store().Scan(Family::kAudit, "",
                                   [&](absl::string_view, absl::string_view value) {
                                     storage::v1::AuditEntry entry;
                                     EXPECT_TRUE(entry.ParseFromArray(value.data(), static_cast<int>(value.size())));
                                     audited =
                                         audited || (entry.action() == "message.posted" &&
                                                     entry.actor() == "caseworker:alice" && entry.cause() == letter_id);
                                     return true;
                                   }),
              IsOk());
  EXPECT_TRUE(audited);

  // Said twice (the answer was lost): harmless, nothing more recorded.
  const uint64_t audit_after = VerifyAuditChain(engine_.store())->entries;
  EXPECT_THAT(posted(letter_id, "gateway:print"), IsOkAndHolds(true));
  EXPECT_EQ((*ReadMessage(engine_.store(), letter_id))->posted_by(), "caseworker:alice");
  EXPECT_EQ(ReportFailure(letter_id), "letter") << "a posted letter is not brought back";
  EXPECT_EQ((*ReadMessage(engine_.store(), letter_id))->status(), storage::v1::MESSAGE_POSTED);
  EXPECT_EQ(VerifyAuditChain(engine_.store())->entries, audit_after);
}

TEST_F(GatewayCommandsTest, FailuresAreRetriedThenSentByLetterAndQuietHoursHoldNonUrgentMessages) {
  std::vector<LeasedMessage> leased = Lease();
  ASSERT_FALSE(leased.empty());
  const std::string id = leased[0].message.message_id();
  ASSERT_FALSE(leased[0].message.urgent());
  absl::TimeZone paris;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Paris", &paris));
  std::string status;
  bool held_for_the_morning = false;
  for (int attempt = 1; attempt <= kMaxSmsAttempts; ++attempt) {
    const absl::Time failed_at = engine_.clock().Now();
    status = ReportFailure(id);
    if (attempt < kMaxSmsAttempts) {
      EXPECT_EQ(status, "will retry");
      // A retry of a non-urgent message never leaves in the quiet hours
      // (21:00 to 08:00 in Paris): one falling there waits for the morning.
      const absl::Time ready = FromProtoTimestamp((*ReadMessage(engine_.store(), id))->ready_at());
      const int hour = absl::ToCivilHour(ready, paris).hour();
      EXPECT_TRUE(hour >= 8 && hour < 21) << attempt << ": " << absl::FormatTime(ready, paris);
      held_for_the_morning = held_for_the_morning || ready - failed_at > absl::Hours(2);
      engine_.clock().Advance(std::max(absl::Hours(3), ready - failed_at));
      bool found = false;
      for (const auto& l : Lease()) found = found || l.message.message_id() == id;
      EXPECT_TRUE(found) << attempt;
    }
  }
  EXPECT_EQ(status, "letter");
  EXPECT_TRUE(held_for_the_morning) << "the retries' 3-hour steps reach the night at least once";

  // At 23:00 Paris time, a reminder waits for the morning; a heatwave alert does not.
  CitySpec city = engine_.rules().city();
  const absl::Time night = absl::FromCivil(absl::CivilSecond(2026, 7, 1, 23, 0, 0), absl::LocalTimeZone());
  const absl::Time late = absl::FromCivil(absl::CivilSecond(2026, 7, 1, 23, 0, 0), paris);
  EXPECT_EQ(ReadyAt(late, /*urgent=*/false, city), absl::FromCivil(absl::CivilSecond(2026, 7, 2, 8, 0, 0), paris));
  EXPECT_EQ(ReadyAt(late, /*urgent=*/true, city), late);
  const absl::Time noon = absl::FromCivil(absl::CivilSecond(2026, 7, 1, 12, 0, 0), paris);
  EXPECT_EQ(ReadyAt(noon, false, city), noon);
  (void)night;
}

// Kannel down for an hour: the connector leases, cannot hand the message
// over, and lets the lease expire, again and again. None of that was a
// send: the first failure the SMS centre reports is retried, not turned into
// a letter. A failure reported twice uses one retry.
TEST_F(GatewayCommandsTest, OnlyReportedFailuresUseUpTheRetries) {
  std::vector<LeasedMessage> leased = Lease(absl::Seconds(60));
  ASSERT_FALSE(leased.empty());
  const std::string id = leased[0].message.message_id();
  for (int lease = 2; lease <= 2 * kMaxSmsAttempts; ++lease) {
    engine_.clock().Advance(absl::Seconds(61));
    bool found = false;
    for (const LeasedMessage& l : Lease(absl::Seconds(60))) found = found || l.message.message_id() == id;
    ASSERT_TRUE(found) << "lease " << lease;
  }
  EXPECT_EQ((*ReadMessage(engine_.store(), id))->attempts(), static_cast<uint32_t>(2 * kMaxSmsAttempts));
  // Kannel back: sent, and its failure reported.
  EXPECT_EQ(ReportFailure(id), "will retry");
  EXPECT_EQ(ReportFailure(id), "will retry");  // repeated by the gateway
  const storage::v1::OutboxMessage retrying = **ReadMessage(engine_.store(), id);
  EXPECT_EQ(retrying.status(), storage::v1::MESSAGE_PENDING);
  EXPECT_EQ(retrying.failed_sends(), 1u);
  EXPECT_EQ(retrying.channel(), storage::v1::CHANNEL_SMS);
  // A letter cannot be acknowledged as an SMS, and the error names the field.
  GatewayCommands::LetterList letters = Letters();
  ASSERT_FALSE(letters.letters.empty()) << "the sample has persons without a phone";
  const std::string letter = letters.letters[0].message_id();
  EXPECT_THAT(Run([&](EventApplier& a) { return a.gateway().Ack(letter, "k", engine_.clock().Now()).status(); }),
              testing::StatusIs(absl::StatusCode::kFailedPrecondition,
                                absl::StrCat("message_id: message ", letter, " is not leased for SMS (it is letter)")));
}

// A late failure report of the first send, arriving while its retry is
// under way, is not the retry's failure: counted, it would make the retry
// leave again (twice to the phone) and bring the letter one step closer.
TEST_F(GatewayCommandsTest, ALateFailureOfAnEarlierSendDoesNotFailTheRetry) {
  std::vector<LeasedMessage> leased = Lease();
  ASSERT_FALSE(leased.empty());
  const std::string id = leased[0].message.message_id();
  const auto ack = [&] {
    return Run([&](EventApplier& a) { return a.gateway().Ack(id, "k", engine_.clock().Now()).status(); });
  };
  ASSERT_THAT(ack(), IsOk());
  EXPECT_EQ(ReportFailure(id, 1), "will retry");
  engine_.clock().Advance(absl::Hours(3));
  bool again = false;
  for (const LeasedMessage& l : Lease()) again = again || l.message.message_id() == id;
  ASSERT_TRUE(again);
  ASSERT_EQ((*ReadMessage(engine_.store(), id))->attempts(), 2u);
  // The first send's failure again, leased and then sent: nothing changes.
  EXPECT_EQ(ReportFailure(id, 1), "will retry");
  EXPECT_EQ((*ReadMessage(engine_.store(), id))->status(), storage::v1::MESSAGE_LEASED);
  ASSERT_THAT(ack(), IsOk());
  EXPECT_EQ(ReportFailure(id, 1), "sent");
  storage::v1::OutboxMessage sent = **ReadMessage(engine_.store(), id);
  EXPECT_EQ(sent.status(), storage::v1::MESSAGE_SENT);
  EXPECT_EQ(sent.failed_sends(), 1u);
  // The retry's own failure counts.
  EXPECT_EQ(ReportFailure(id, 2), "will retry");
  EXPECT_EQ((*ReadMessage(engine_.store(), id))->failed_sends(), 2u);
  EXPECT_EQ((*ReadMessage(engine_.store(), id))->status(), storage::v1::MESSAGE_PENDING);
  // A send beyond the leases the store knows (restored from a backup):
  // counted, as a report about the latest send.
  EXPECT_EQ(ReportFailure(id, 2), "will retry");  // the same report again
  engine_.clock().Advance(absl::Hours(3));
  ASSERT_FALSE(Lease().empty());
  ASSERT_THAT(ack(), IsOk());
  EXPECT_EQ(ReportFailure(id, 7), "will retry");
  EXPECT_EQ((*ReadMessage(engine_.store(), id))->failed_sends(), 3u);
}

// A lease that expired while the gateway had handed the message over (its
// answer lost): leased again, the gateway does not send it twice, and the
// failure of that one send, named by its first lease, counts.
TEST_F(GatewayCommandsTest, TheFailureOfASendAcknowledgedUnderALaterLeaseCounts) {
  std::vector<LeasedMessage> leased = Lease(absl::Seconds(60));
  ASSERT_FALSE(leased.empty());
  const std::string id = leased[0].message.message_id();
  engine_.clock().Advance(absl::Seconds(61));
  bool again = false;
  for (const LeasedMessage& l : Lease()) again = again || l.message.message_id() == id;
  ASSERT_TRUE(again);
  // The connector acknowledges the send its journal holds: the first lease's.
  ASSERT_THAT(Run([&](EventApplier& a) { return a.gateway().Ack(id, "k", engine_.clock().Now(), 1).status(); }),
              IsOk());
  EXPECT_EQ(ReportFailure(id, 1), "will retry");
  EXPECT_EQ((*ReadMessage(engine_.store(), id))->failed_sends(), 1u);
  EXPECT_EQ((*ReadMessage(engine_.store(), id))->status(), storage::v1::MESSAGE_PENDING);
}

// The SMS centre rejects a send before Kannel's answer reached the
// connector: the report (its failure counted) comes before the
// acknowledgement, which then changes nothing: the retry stands.
TEST_F(GatewayCommandsTest, AnAcknowledgementAfterItsSendsFailureLeavesTheRetry) {
  std::vector<LeasedMessage> leased = Lease();
  ASSERT_FALSE(leased.empty());
  const std::string id = leased[0].message.message_id();
  EXPECT_EQ(ReportFailure(id, 1), "will retry");
  absl::StatusOr<bool> already = absl::InternalError("not run");
  ASSERT_THAT(Run([&](EventApplier& a) {
                already = a.gateway().Ack(id, "k", engine_.clock().Now(), 1);
                return already.status();
              }),
              IsOk());
  EXPECT_THAT(already, IsOkAndHolds(true));
  EXPECT_EQ((*ReadMessage(engine_.store(), id))->status(), storage::v1::MESSAGE_PENDING);
}

// Kannel may or may not have had the first send (the connector crashed
// waiting for its answer), so the retry went out under the second lease: a
// late failure of the first is not the retry's.
TEST_F(GatewayCommandsTest, AFailureOfASendBeforeTheOneAcknowledgedIsNotCounted) {
  std::vector<LeasedMessage> leased = Lease(absl::Seconds(60));
  ASSERT_FALSE(leased.empty());
  const std::string id = leased[0].message.message_id();
  engine_.clock().Advance(absl::Seconds(61));
  ASSERT_FALSE(Lease().empty());
  ASSERT_THAT(Run([&](EventApplier& a) { return a.gateway().Ack(id, "k", engine_.clock().Now(), 2).status(); }),
              IsOk());
  EXPECT_EQ(ReportFailure(id, 1), "sent");
  const storage::v1::OutboxMessage sent = **ReadMessage(engine_.store(), id);
  EXPECT_EQ(sent.status(), storage::v1::MESSAGE_SENT);
  EXPECT_EQ(sent.failed_sends(), 0u);
  EXPECT_EQ(ReportFailure(id, 2), "will retry");
  EXPECT_EQ((*ReadMessage(engine_.store(), id))->failed_sends(), 1u);
}

// Two gateways: the first's lease ran out while Kannel was slow to answer,
// the second leased the message again and sent it; the first's
// acknowledgement comes first. The second's acknowledgement, of a later
// send, still counts: a failure of the first send then changes nothing
// (counted, it would send a third SMS).
TEST_F(GatewayCommandsTest, TheLatestSendAcknowledgedIsTheOneAFailureMustFollow) {
  std::vector<LeasedMessage> leased = Lease(absl::Seconds(60));
  ASSERT_FALSE(leased.empty());
  const std::string id = leased[0].message.message_id();
  engine_.clock().Advance(absl::Seconds(61));
  ASSERT_FALSE(Lease().empty());
  const auto ack = [&](uint32_t send) {
    return Run([&](EventApplier& a) { return a.gateway().Ack(id, "k", engine_.clock().Now(), send).status(); });
  };
  ASSERT_THAT(ack(1), IsOk());
  ASSERT_THAT(ack(2), IsOk());
  EXPECT_EQ((*ReadMessage(engine_.store(), id))->sent_attempt(), 2u);
  EXPECT_EQ(ReportFailure(id, 1), "sent");
  EXPECT_EQ((*ReadMessage(engine_.store(), id))->failed_sends(), 0u);
  EXPECT_EQ((*ReadMessage(engine_.store(), id))->status(), storage::v1::MESSAGE_SENT);
}

// A late failure of the first send, counted while the retry is under way
// (nothing acknowledged yet), leaves the retry to decide; the failure of the
// send under way then counts too: each send that failed uses up one of the
// retries, no more and no less.
TEST_F(GatewayCommandsTest, EachFailedSendCountsOnceWhateverOrderTheReportsCome) {
  std::vector<LeasedMessage> leased = Lease(absl::Seconds(60));
  ASSERT_FALSE(leased.empty());
  const std::string id = leased[0].message.message_id();
  engine_.clock().Advance(absl::Seconds(61));
  ASSERT_FALSE(Lease().empty());
  // The first send's failure, while the second is under way: counted, and
  // the second decides (retried now, it could leave twice).
  EXPECT_EQ(ReportFailure(id, 1), "will retry");
  EXPECT_EQ((*ReadMessage(engine_.store(), id))->status(), storage::v1::MESSAGE_LEASED);
  EXPECT_EQ((*ReadMessage(engine_.store(), id))->failed_sends(), 1u);
  EXPECT_EQ(ReportFailure(id, 2), "will retry");
  EXPECT_EQ((*ReadMessage(engine_.store(), id))->status(), storage::v1::MESSAGE_PENDING);
  EXPECT_EQ((*ReadMessage(engine_.store(), id))->failed_sends(), 2u);
  EXPECT_EQ(ReportFailure(id, 2), "will retry");  // the same report again
  EXPECT_EQ(ReportFailure(id, 1), "will retry");
  EXPECT_EQ((*ReadMessage(engine_.store(), id))->failed_sends(), 2u);
}

}  // namespace
}  // namespace proactive
