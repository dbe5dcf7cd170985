// The engine's side of SMS, in-process: the outbox written with decisions,
// leases and their expiry, acknowledgements, delivery failures and the
// letter, replies (OUI, RECOURS, STOP, anything else) and their replay.

#include <algorithm>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/str_replace.h"
#include "engine/audit/audit_log.h"
#include "engine/common/clock.h"
#include "engine/common/proto_time.h"
#include "engine/common/sms_length.h"
#include "engine/common/status_macros.h"
#include "engine/decision/decision_store.h"
#include "engine/notify/outbox.h"
#include "engine/recourse/recourse_cases.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/ingest/engine_fixture.h"

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

class GatewayCommandsTest : public ::testing::Test {
 protected:
  GatewayCommandsTest() : engine_(absl::FromCivil(absl::CivilSecond(2026, 6, 29, 8, 0, 0), absl::UTCTimeZone())) {}

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
  absl::Status Run(EventWriter::Command command) { return engine_.writer().ExecuteAndWait(std::move(command)); }
  storage::v1::DecisionRecord Decision(const std::string& person) {
    auto ids = ListDecisionIdsOfPerson(engine_.store(), person);
    return **ReadDecision(engine_.store(), ids->front());
  }

  testing::EngineFixture engine_;
};

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

TEST_F(GatewayCommandsTest, AnOfferIsSentOnceAnsweredByItsCodeAndTheAnswerReplaysHarmlessly) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  std::vector<LeasedMessage> first = Lease(absl::Seconds(30));
  // The guardian with a phone gets the offer; the other has none and gets a letter.
  std::vector<LeasedMessage> to_guardian;
  for (const auto& l : first) {
    if (l.message.decision_id() == offer.decision_id()) to_guardian.push_back(l);
  }
  ASSERT_THAT(to_guardian, SizeIs(1));
  EXPECT_EQ(to_guardian[0].phone, "+33639980002");
  EXPECT_THAT(to_guardian[0].message.text(), HasSubstr("Répondez OUI " + offer.reference_code()));
  EXPECT_THAT(to_guardian[0].message.text(), HasSubstr("Message issu d'un traitement algorithmique (CRPA L311-3-1)"));
  auto letter = ReadMessage(engine_.store(), MessageIdFor(offer, "decision", "P0003"));
  EXPECT_EQ((*letter)->status(), storage::v1::MESSAGE_LETTER);  // no phone when it left
  EXPECT_EQ((*letter)->channel(), storage::v1::CHANNEL_LETTER);
  // Not acknowledged: nothing more until the lease expires, then the same id again.
  EXPECT_TRUE(Lease().empty());
  engine_.clock().Advance(absl::Seconds(31));
  std::vector<LeasedMessage> again = Lease();
  ASSERT_FALSE(again.empty());
  EXPECT_EQ(again[0].message.message_id(), first[0].message.message_id());
  EXPECT_EQ(again[0].message.attempts(), 2u);
  for (const auto& l : again) {
    EXPECT_THAT(Run([&](EventApplier& a) {
                  return a.gateway().Ack(l.message.message_id(), "k-1", engine_.clock().Now()).status();
                }),
                IsOk());
  }
  const auto offer_now = [&] { return **ReadDecision(engine_.store(), offer.decision_id()); };
  EXPECT_EQ(offer_now().status(), storage::v1::NOTIFIED);

  ReplyResult accepted = Reply("+33639980002", "oui " + absl::AsciiStrToLower(offer.reference_code()), "kannel-77");
  EXPECT_EQ(accepted.outcome, "accepted");
  EXPECT_EQ(offer_now().status(), storage::v1::CONFIRMED);
  EXPECT_EQ(Reply("+33639980002", "oui " + offer.reference_code(), "kannel-77").outcome, "duplicate");
  EXPECT_EQ(offer_now().history_size(), 3);  // proposed, notified, confirmed: once
  // The formal decision follows, and the citizen is told the answer was recorded.
  auto ids = ListDecisionIdsOfPerson(engine_.store(), "P0001");
  EXPECT_THAT(*ids, SizeIs(2));
  // Both name the offer by its rule's title, which the offer's record leaves
  // to the rule set's snapshot; the formal decision keeps its own.
  const std::string title = engine_.rules().FindRule(offer.rule_id())->spec.title;
  auto ack = ReadMessage(engine_.store(), MessageIdFor(offer, "accepted", "P0002"));
  ASSERT_TRUE(ack->has_value());
  EXPECT_THAT((*ack)->text(), HasSubstr("votre acceptation est enregistrée (" + title + ")"));
  int formal = 0;
  for (const std::string& id : *ids) {
    const storage::v1::DecisionRecord d = **ReadDecision(engine_.store(), id);
    if (d.parent_decision_id() != offer.decision_id()) continue;
    ++formal;
    EXPECT_FALSE(d.rule_texts_by_version());
    EXPECT_EQ(d.title(), "Décision : " + title);
    EXPECT_FALSE(d.legal_basis().empty());
  }
  EXPECT_EQ(formal, 1);
}

// An accepted offer made a formal decision; the family contests the offer
// and a caseworker overturns it: the formal decision falls with it, by the
// same caseworker and case. Upheld, the formal decision stands.
TEST_F(GatewayCommandsTest, AnOverturnedOfferTakesItsFormalDecisionWithIt) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  ASSERT_EQ(Reply("+33639980002", "OUI " + offer.reference_code(), "kannel-1").outcome, "accepted");
  std::string formal_id;
  ASSERT_THAT(Run([&](EventApplier& a) {
                formal_id = a.commands().FormalDecisionId(offer);
                return absl::OkStatus();
              }),
              IsOk());
  const auto formal = [&] { return **ReadDecision(engine_.store(), formal_id); };
  ASSERT_EQ(formal().status(), storage::v1::ISSUED);
  ASSERT_EQ(formal().parent_decision_id(), offer.decision_id());
  const auto contest_and_resolve = [&](const std::string& decision_id, storage::v1::ReviewOutcome outcome) {
    std::string case_id;
    EXPECT_THAT(Run([&](EventApplier& a) {
                  absl::StatusOr<ContestResult> contested =
                      a.commands().Contest(decision_id, "citizen", "Nous déménageons à Lyon", engine_.clock().Now());
                  if (contested.ok()) case_id = contested->case_id;
                  return contested.status();
                }),
                IsOk());
    EXPECT_THAT(
        Run([&](EventApplier& a) {
          return a.commands().Claim(case_id, "caseworker:bob", absl::Minutes(30), engine_.clock().Now()).status();
        }),
        IsOk());
    EXPECT_THAT(Run([&](EventApplier& a) {
                  return a.commands()
                      .Resolve(case_id, "caseworker:bob", outcome, "La famille quitte Paris en août, vérifié.",
                               "Code de l'éducation, art. L131-5", engine_.clock().Now())
                      .status();
                }),
                IsOk());
    return case_id;
  };
  // The formal decision contested and upheld on its own: it stands.
  contest_and_resolve(formal_id, storage::v1::OUTCOME_UPHELD);
  ASSERT_EQ(formal().status(), storage::v1::UPHELD);
  // The offer overturned: the formal decision with it.
  const std::string case_id = contest_and_resolve(offer.decision_id(), storage::v1::OUTCOME_OVERTURNED);
  EXPECT_EQ((**ReadDecision(engine_.store(), offer.decision_id())).status(), storage::v1::OVERTURNED);
  const storage::v1::DecisionRecord fallen = formal();
  EXPECT_EQ(fallen.status(), storage::v1::OVERTURNED);
  const storage::v1::StatusChange& last = fallen.history(fallen.history_size() - 1);
  EXPECT_EQ(last.actor(), "caseworker:bob");
  EXPECT_EQ(last.reason(), "the offer it followed was overturned after review");
  EXPECT_EQ(last.cause(), "case " + case_id);
  // The family is told; reviewed, the offer is not contested again by SMS:
  // the message ends with the administrative court, not RECOURS.
  auto told = ReadMessage(engine_.store(), MessageIdFor(offer, "review", "P0002"));
  ASSERT_TRUE(told.ok() && told->has_value());
  EXPECT_THAT((*told)->text(), HasSubstr("Décision annulée. Motif : La famille quitte Paris"));
  EXPECT_THAT((*told)->text(), HasSubstr("Recours : tribunal administratif de Paris, 2 mois."));
  EXPECT_THAT((*told)->text(), Not(HasSubstr("RECOURS")));
}

// Overturned before its messages left, an offer is never sent: not by SMS,
// not by letter; the outcome of the review is. A reason too long for an SMS
// is refused only when someone would get it by SMS: here one guardian said
// STOP and the other has no phone, so a letter carries it whole.
TEST_F(GatewayCommandsTest, AnOfferOverturnedBeforeItLeftIsNeverSentAndItsOutcomeGoesByLetter) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  ASSERT_EQ(Reply("+33639980002", "STOP", "k-1").outcome, "opted out");
  std::string case_id;
  ASSERT_THAT(Run([&](EventApplier& a) {
                absl::StatusOr<ContestResult> r = a.commands().Contest(offer.decision_id(), "back-office:mairie-11",
                                                                       "Courrier de la famille", engine_.clock().Now());
                if (r.ok()) case_id = r->case_id;
                return r.status();
              }),
              IsOk());
  std::string long_reason;
  for (int i = 0; i < 30; ++i) long_reason += "La famille a quitté Paris. ";
  ASSERT_THAT(Run([&](EventApplier& a) {
                RETURN_IF_ERROR(
                    a.commands().Claim(case_id, "caseworker:bob", absl::Minutes(30), engine_.clock().Now()).status());
                return a.commands()
                    .Resolve(case_id, "caseworker:bob", storage::v1::OUTCOME_OVERTURNED, long_reason,
                             "Code de l'éducation, art. L131-5", engine_.clock().Now())
                    .status();
              }),
              IsOk());
  auto to_p3 = ReadMessage(engine_.store(), MessageIdFor(offer, "decision", "P0003"));
  ASSERT_TRUE(to_p3.ok() && to_p3->has_value());
  EXPECT_EQ((*to_p3)->status(), storage::v1::MESSAGE_SUPPRESSED);
  EXPECT_EQ((*to_p3)->failure(), "its decision was overturned on review before it left");
  EXPECT_EQ((*to_p3)->text(), "");
  for (const LeasedMessage& l : Lease()) EXPECT_NE(l.message.decision_id(), offer.decision_id());
  auto letters = LettersToPost(engine_.store(), 100);
  ASSERT_THAT(letters, IsOk());
  EXPECT_THAT(*letters, ::testing::Contains(MessageIdFor(offer, "review", "P0003")));
  EXPECT_THAT(*letters, ::testing::Not(::testing::Contains(MessageIdFor(offer, "decision", "P0003"))));
  auto outcome = ReadMessage(engine_.store(), MessageIdFor(offer, "review", "P0003"));
  EXPECT_THAT((*outcome)->text(), HasSubstr(long_reason));
  absl::StatusOr<AuditVerification> chain = VerifyAuditChain(engine_.store());
  ASSERT_THAT(chain, IsOk());
  EXPECT_FALSE(chain->first_broken.has_value()) << chain->problem;
}

// The formal decision contested on its own and still in review when its
// offer is overturned: its own caseworker decides it, the offer's does not.
TEST_F(GatewayCommandsTest, AFormalDecisionInReviewOnItsOwnStaysWithItsCaseworker) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  ASSERT_EQ(Reply("+33639980002", "OUI " + offer.reference_code(), "kannel-1").outcome, "accepted");
  std::string formal_id;
  ASSERT_THAT(Run([&](EventApplier& a) {
                formal_id = a.commands().FormalDecisionId(offer);
                return absl::OkStatus();
              }),
              IsOk());
  std::string formal_case, offer_case;
  ASSERT_THAT(Run([&](EventApplier& a) {
                absl::StatusOr<ContestResult> r =
                    a.commands().Contest(formal_id, "citizen", "Pas cette école", engine_.clock().Now());
                if (r.ok()) formal_case = r->case_id;
                return r.status();
              }),
              IsOk());
  ASSERT_THAT(Run([&](EventApplier& a) {
                absl::StatusOr<ContestResult> r =
                    a.commands().Contest(offer.decision_id(), "citizen", "Nous partons", engine_.clock().Now());
                if (r.ok()) offer_case = r->case_id;
                return r.status();
              }),
              IsOk());
  ASSERT_THAT(
      Run([&](EventApplier& a) {
        RETURN_IF_ERROR(
            a.commands().Claim(offer_case, "caseworker:bob", absl::Minutes(30), engine_.clock().Now()).status());
        return a.commands()
            .Resolve(offer_case, "caseworker:bob", storage::v1::OUTCOME_OVERTURNED,
                     "Départ pour Lyon confirmé par la famille.", "Code de l'éducation, art. L131-5",
                     engine_.clock().Now())
            .status();
      }),
      IsOk());
  EXPECT_EQ((**ReadDecision(engine_.store(), offer.decision_id())).status(), storage::v1::OVERTURNED);
  const storage::v1::DecisionRecord formal = **ReadDecision(engine_.store(), formal_id);
  EXPECT_EQ(formal.status(), storage::v1::IN_REVIEW);
  EXPECT_NE(formal.history(formal.history_size() - 1).actor(), "caseworker:bob");
  EXPECT_EQ((**ReadCase(engine_.store(), formal_case)).status(), storage::v1::CASE_OPEN);
}

// A contest is acknowledged with the date it will be reviewed by (CRPA
// L112-3). The caseworker's reason travels in the outcome message: one the
// gateway could not send is refused, naming what to cut, and nothing
// changes. Once reviewed, a decision is not contested again by SMS: a person
// reads why.
TEST_F(GatewayCommandsTest, AContestIsAcknowledgedItsOutcomeFitsAnSmsAndAReviewedDecisionIsNotContestedAgain) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  ASSERT_EQ(Reply("+33639980002", "RECOURS " + offer.reference_code(), "k-1").outcome, "contested");
  const storage::v1::RecourseCase opened = (*ListCases(engine_.store(), CaseFilter{}))[0];
  auto acknowledged = ReadMessage(engine_.store(), MessageIdFor(offer, "contest-received", "P0002"));
  ASSERT_TRUE(acknowledged.ok() && acknowledged->has_value());
  EXPECT_THAT((*acknowledged)->text(), HasSubstr("votre contestation reçue le 29/06/2026 est enregistrée"));
  EXPECT_THAT((*acknowledged)->text(), HasSubstr("réputée rejetée"));  // CRPA R112-5
  EXPECT_LE(SmsPartsAsSent((*acknowledged)->text()), 6);
  EXPECT_THAT((*acknowledged)->text(), HasSubstr("réf. " + offer.reference_code()));
  // Silence rejects it two months after it came (CRPA L231-4); the review
  // is due then too (city.yaml review_within).
  EXPECT_THAT((*acknowledged)->text(), HasSubstr("sans réponse le 29/08/2026, elle sera réputée rejetée"));
  EXPECT_EQ(absl::FormatTime("%d/%m/%Y", FromProtoTimestamp(opened.due_at()), ZoneOrUtc("Europe/Paris")), "29/08/2026");
  EXPECT_THAT((*acknowledged)->text(), Not(HasSubstr("RECOURS")));  // no notice: it decides nothing

  const std::string case_id = opened.case_id();
  ASSERT_THAT(Run([&](EventApplier& a) {
                return a.commands().Claim(case_id, "caseworker:bob", absl::Minutes(30), engine_.clock().Now()).status();
              }),
              IsOk());
  const auto resolve = [&](const std::string& reason) {
    return Run([&](EventApplier& a) {
      return a.commands()
          .Resolve(case_id, "caseworker:bob", storage::v1::OUTCOME_UPHELD, reason, "Code de l'éducation, art. L113-1",
                   engine_.clock().Now())
          .status();
    });
  };
  std::string long_reason;
  for (int i = 0; i < 30; ++i) long_reason += "L'école du secteur est à 400 m. ";
  const absl::Status refused = resolve(long_reason);
  EXPECT_TRUE(absl::IsInvalidArgument(refused)) << refused;
  EXPECT_THAT(refused.message(), HasSubstr("the reason makes the message to the citizen"));
  EXPECT_THAT(refused.message(), HasSubstr("the gateway sends at most 6"));
  EXPECT_THAT(refused.message(), HasSubstr("shorten it by at least"));
  EXPECT_EQ((**ReadCase(engine_.store(), case_id)).status(), storage::v1::CASE_OPEN);  // nothing changed
  EXPECT_EQ((**ReadDecision(engine_.store(), offer.decision_id())).status(), storage::v1::IN_REVIEW);
  EXPECT_FALSE(*ReadMessage(engine_.store(), MessageIdFor(offer, "review", "P0002")));

  ASSERT_THAT(resolve("L'école du secteur est à 400 m, la demande de dérogation suit son cours."), IsOk());
  // The refusal appended nothing to the audit chain: it still verifies,
  // with the resolution right after what came before.
  absl::StatusOr<AuditVerification> chain = VerifyAuditChain(engine_.store());
  ASSERT_THAT(chain, IsOk());
  EXPECT_FALSE(chain->first_broken.has_value()) << chain->problem;
  auto told = ReadMessage(engine_.store(), MessageIdFor(offer, "review", "P0002"));
  ASSERT_TRUE(told.ok() && told->has_value());
  EXPECT_THAT((*told)->text(), HasSubstr("Décision maintenue. Motif : L'école du secteur est à 400 m"));

  const ReplyResult again = Reply("+33639980002", "RECOURS " + offer.reference_code(), "k-2");
  EXPECT_EQ(again.outcome, "to a caseworker");
  EXPECT_EQ(again.reply_text, "Ville de Paris : votre message a été transmis à un agent.");
  auto inbox = ListInbox(engine_.store(), false);
  ASSERT_THAT(*inbox, SizeIs(1));
  EXPECT_THAT((*inbox)[0].outcome(), HasSubstr("was reviewed already (case " + case_id + ", upheld on 2026-06-29)"));
  // The reply is in the sender's language.
  EXPECT_EQ(Reply("+33639980030", "Hello?", "k-3").reply_text,
            "City of Paris: your message was passed on to a caseworker.");
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

TEST_F(GatewayCommandsTest, RecoursContestsStopSilencesAndAnythingElseReachesACaseworker) {
  const storage::v1::DecisionRecord outreach = Decision("P0020");
  ReplyResult contested = Reply("+33639980002", "RECOURS " + Decision("P0002").reference_code(), "k-1");
  EXPECT_EQ(contested.outcome, "contested");
  auto cases = ListCases(engine_.store(), CaseFilter{});
  ASSERT_THAT(*cases, SizeIs(1));
  EXPECT_EQ((*cases)[0].opened_by(), "citizen:sms");
  EXPECT_EQ(Reply("+33639980002", "RECOURS " + Decision("P0002").reference_code(), "k-2").outcome, "contested");
  EXPECT_THAT(*ListCases(engine_.store(), CaseFilter{}), SizeIs(1));  // still one case

  EXPECT_EQ(Reply("+33639980099", "OUI", "k-3").outcome, "to a caseworker");  // unknown number
  EXPECT_EQ(Reply("+33639980010", "Bonjour, je suis à l'hôpital", "k-4").outcome, "to a caseworker");
  // Never silently dropped: both wait in the inbox until a caseworker reads them.
  auto inbox = ListInbox(engine_.store(), false);
  ASSERT_THAT(*inbox, SizeIs(2));
  std::map<std::string, storage::v1::ReplyRecord> by_text;
  for (const auto& r : *inbox) by_text[r.text()] = r;
  EXPECT_EQ(by_text["OUI"].outcome(), "to a caseworker: the number is not known");
  EXPECT_EQ(by_text["Bonjour, je suis à l'hôpital"].outcome(), "to a caseworker: not a keyword the engine understands");
  EXPECT_EQ(by_text["Bonjour, je suis à l'hôpital"].sender_person_id(), "P0010");
  ASSERT_THAT(
      Run([&](EventApplier& a) {
        return a.gateway().MarkRead(by_text["OUI"].reply_id(), "caseworker:alice", engine_.clock().Now()).status();
      }),
      IsOk());
  EXPECT_THAT(*ListInbox(engine_.store(), false), SizeIs(1));
  EXPECT_THAT(*ListInbox(engine_.store(), true), SizeIs(2));

  // STOP: the person's pending messages are suppressed, and later ones too.
  EXPECT_EQ(Reply("+33639980010", "STOP", "k-5").outcome, "opted out");
  EXPECT_THAT(
      engine_.Publish(
          R"({"event_id":"mf-1","topic":"weather.heatwave","area":"75","source":"meteo-france","occurred_at":"2026-06-29T06:00:00Z","fields":{"level":"red","episode_id":"e1"}})"),
      IsOk());
  engine_.Settle();
  std::vector<LeasedMessage> leased = Lease();
  for (const auto& l : leased) EXPECT_NE(l.phone, "+33639980010");
  bool registered_told = false;
  for (const auto& l : leased) registered_told = registered_told || l.phone == "+33639980011";
  EXPECT_TRUE(registered_told);
  auto heat = ListDecisionIdsOfPerson(engine_.store(), "P0010");
  auto suppressed =
      ReadMessage(engine_.store(), MessageIdFor(**ReadDecision(engine_.store(), heat->back()), "decision", "P0010"));
  EXPECT_EQ((*suppressed)->status(), storage::v1::MESSAGE_SUPPRESSED);
  (void)outreach;
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
  const auto letters = [&] {
    GatewayCommands::LetterList list;
    EXPECT_THAT(Run([&](EventApplier& a) {
                  auto r = a.gateway().LettersToPost(100);
                  if (r.ok()) list = *std::move(r);
                  return r.status();
                }),
                IsOk());
    return list;
  };
  const auto posted = [&](const std::string& id, const std::string& by) {
    absl::StatusOr<bool> already = absl::UnknownError("not run");
    EXPECT_THAT(Run([&](EventApplier& a) {
                  already = a.gateway().MarkLetterPosted(id, by, engine_.clock().Now());
                  return absl::OkStatus();
                }),
                IsOk());
    return already;
  };
  EXPECT_THAT(letters().letters, IsEmpty()) << "nothing has left yet";
  EXPECT_EQ(letters().waiting, 0u);
  const absl::Time left_at = engine_.clock().Now();
  std::vector<LeasedMessage> leased = Lease();
  ASSERT_FALSE(leased.empty());

  // The offer's letter, and the non-take-up outreach to P0020, who has no phone either.
  GatewayCommands::LetterList list = letters();
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
  const auto report_failure = [&](const std::string& id) {
    std::string result;
    EXPECT_THAT(Run([&](EventApplier& a) {
                  auto r = a.gateway().ReportDelivery(id, false, "absent subscriber", engine_.clock().Now());
                  if (r.ok()) result = *r;
                  return r.status();
                }),
                IsOk());
    return result;
  };
  EXPECT_EQ(report_failure(letter_id), "letter");
  EXPECT_EQ((*ReadMessage(engine_.store(), letter_id))->status(), storage::v1::MESSAGE_LETTER);
  EXPECT_EQ(letters().waiting, 2u);

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
  list = letters();
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
  EXPECT_EQ(report_failure(letter_id), "letter") << "a posted letter is not brought back";
  EXPECT_EQ((*ReadMessage(engine_.store(), letter_id))->status(), storage::v1::MESSAGE_POSTED);
  EXPECT_EQ(VerifyAuditChain(engine_.store())->entries, audit_after);
}

TEST_F(GatewayCommandsTest, FailuresAreRetriedThenSentByLetterAndQuietHoursHoldNonUrgentMessages) {
  std::vector<LeasedMessage> leased = Lease();
  ASSERT_FALSE(leased.empty());
  const std::string id = leased[0].message.message_id();
  std::string status;
  for (int attempt = 1; attempt <= kMaxSmsAttempts; ++attempt) {
    ASSERT_THAT(Run([&](EventApplier& a) {
                  auto r = a.gateway().ReportDelivery(id, false, "absent subscriber", engine_.clock().Now());
                  if (r.ok()) status = *r;
                  return r.status();
                }),
                IsOk());
    if (attempt < kMaxSmsAttempts) {
      EXPECT_EQ(status, "will retry");
      engine_.clock().Advance(absl::Hours(3));
      bool found = false;
      for (const auto& l : Lease()) found = found || l.message.message_id() == id;
      EXPECT_TRUE(found) << attempt;
    }
  }
  EXPECT_EQ(status, "letter");

  // At 23:00 Paris time, a reminder waits for the morning; a heatwave alert does not.
  CitySpec city = engine_.rules().city();
  const absl::Time night = absl::FromCivil(absl::CivilSecond(2026, 7, 1, 23, 0, 0), absl::LocalTimeZone());
  absl::TimeZone paris;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Paris", &paris));
  const absl::Time late = absl::FromCivil(absl::CivilSecond(2026, 7, 1, 23, 0, 0), paris);
  EXPECT_EQ(ReadyAt(late, /*urgent=*/false, city), absl::FromCivil(absl::CivilSecond(2026, 7, 2, 8, 0, 0), paris));
  EXPECT_EQ(ReadyAt(late, /*urgent=*/true, city), late);
  const absl::Time noon = absl::FromCivil(absl::CivilSecond(2026, 7, 1, 12, 0, 0), paris);
  EXPECT_EQ(ReadyAt(noon, false, city), noon);
  (void)night;
}

}  // namespace
}  // namespace proactive
