// Citizens' replies by SMS, in-process: OUI and NON answer an offer, RECOURS
// contests, STOP silences, anything else reaches a caseworker; replays
// change nothing; an overturned offer takes its formal decision with it.

#include <map>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/audit/audit_log.h"
#include "engine/common/clock.h"
#include "engine/common/proto_time.h"
#include "engine/common/sms_length.h"
#include "engine/common/status_macros.h"
#include "engine/common/time_limit.h"
#include "engine/decision/decision_keys.h"
#include "engine/decision/decision_store.h"
#include "engine/decision/lifecycle.h"
#include "engine/decision/pseudonymise.h"
#include "engine/notify/outbox.h"
#include "engine/recourse/recourse_cases.h"
#include "engine/store/codec.h"
#include "engine/store/records.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/ingest/gateway_fixture.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;
using ::proactive::testing::IsOkAndHolds;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;
using GatewayRepliesTest = testing::GatewayFixture;

TEST_F(GatewayRepliesTest, AnOfferIsSentOnceAnsweredByItsCodeAndTheAnswerReplaysHarmlessly) {
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
  // Proposed, handed to the gateway, reached (no delivery report came: the
  // reply quoting its code proves it), confirmed: once each.
  ASSERT_EQ(offer_now().history_size(), 4);
  EXPECT_THAT(offer_now().history(2).cause(), HasSubstr("quoting its code"));
  EXPECT_TRUE(offer_now().has_notified_at());
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
TEST_F(GatewayRepliesTest, AnOverturnedOfferTakesItsFormalDecisionWithIt) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  ASSERT_EQ(Reply("+33639980002", "OUI " + offer.reference_code(), "kannel-1").outcome, "accepted");
  const std::string formal_id = FormalDecisionIdOf(offer);
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
TEST_F(GatewayRepliesTest, AnOfferOverturnedBeforeItLeftIsNeverSentAndItsOutcomeGoesByLetter) {
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
TEST_F(GatewayRepliesTest, AFormalDecisionInReviewOnItsOwnStaysWithItsCaseworker) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  ASSERT_EQ(Reply("+33639980002", "OUI " + offer.reference_code(), "kannel-1").outcome, "accepted");
  const std::string formal_id = FormalDecisionIdOf(offer);
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
TEST_F(GatewayRepliesTest, AContestIsAcknowledgedItsOutcomeFitsAnSmsAndAReviewedDecisionIsNotContestedAgain) {
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

TEST_F(GatewayRepliesTest, RecoursContestsStopSilencesAndAnythingElseReachesACaseworker) {
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

// The first word counts with or without accents ("Arrêt", as a French phone
// writes it, is STOP), and the code with the punctuation a sentence adds:
// "NON <code>." answers the decision whose code it quotes.
TEST_F(GatewayRepliesTest, AccentsAndPunctuationHideNeitherTheKeywordNorTheCode) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  EXPECT_EQ(Reply("+33639980010", "Arrêt", "k-1").outcome, "opted out");
  EXPECT_EQ(Reply("+33639980011", "ARRÊT !", "k-2").outcome, "opted out");
  EXPECT_EQ(Reply("+33639980010", "Éventuellement", "k-3").outcome, "to a caseworker");

  const auto offer_now = [&] { return **ReadDecision(engine_.store(), offer.decision_id()); };
  ASSERT_FALSE(offer_now().has_notified_at()) << "no delivery report came";
  ReplyResult declined = Reply("+33639980002", "NON " + offer.reference_code() + ".", "k-4");
  EXPECT_EQ(declined.outcome, "declined");
  EXPECT_EQ(declined.decision_id, offer.decision_id());
  EXPECT_EQ(offer_now().status(), storage::v1::DECLINED);
  // Matched by its code: quoting it proves the message reached them.
  EXPECT_TRUE(offer_now().has_notified_at());
  EXPECT_THAT(offer_now().history(1).cause(), HasSubstr("quoting its code"));
}

// STOP reaches the engine after the last attempt left, and the SMS centre
// then reports it failed: no letter follows (STOP cancels the letters not
// posted yet too).
TEST_F(GatewayRepliesTest, AFailureReportedAfterStopBringsNoLetter) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  const std::string id = MessageIdFor(offer, "decision", "P0002");
  for (int attempt = 1; attempt <= kMaxSmsAttempts; ++attempt) {
    bool leased = false;
    for (const LeasedMessage& l : Lease()) leased = leased || l.message.message_id() == id;
    ASSERT_TRUE(leased) << attempt;
    if (attempt < kMaxSmsAttempts) {
      ASSERT_EQ(ReportFailure(id), "will retry");
      engine_.clock().Advance(absl::Hours(12));
    }
  }
  // The last attempt left: the gateway acknowledged it, then STOP came.
  ASSERT_THAT(Run([&](EventApplier& a) { return a.gateway().Ack(id, "kannel-5", engine_.clock().Now()).status(); }),
              IsOk());
  ASSERT_EQ((*ReadMessage(engine_.store(), id))->status(), storage::v1::MESSAGE_SENT);
  ASSERT_EQ(Reply("+33639980002", "STOP", "k-1").outcome, "opted out");
  ASSERT_EQ((*ReadMessage(engine_.store(), id))->status(), storage::v1::MESSAGE_SENT) << "it had left";
  EXPECT_EQ(ReportFailure(id), "suppressed");
  EXPECT_EQ((*ReadMessage(engine_.store(), id))->status(), storage::v1::MESSAGE_SUPPRESSED);
  for (const storage::v1::OutboxMessage& letter : Letters().letters) EXPECT_NE(letter.message_id(), id);
}

// A RECOURS sent at 23:58 and processed in the morning (the engine was
// down, the gateway retried) is a contest of the day it was sent: its case
// is opened that day and due counting from it, as its acknowledgement says.
TEST_F(GatewayRepliesTest, AContestSentBeforeMidnightAndReadAfterCountsFromTheDayItWasSent) {
  absl::TimeZone paris;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Paris", &paris));
  const storage::v1::DecisionRecord decision = Decision("P0002");
  const absl::Time now = engine_.clock().Now();
  const absl::Time sent =
      absl::FromCivil(absl::ToCivilDay(now, paris) - 1, paris) + absl::Hours(23) + absl::Minutes(58);
  ASSERT_NE(absl::ToCivilDay(sent, paris), absl::ToCivilDay(now, paris));
  ReplyResult contested;
  ASSERT_THAT(Run([&](EventApplier& a) {
                auto r = a.gateway().ReportReply("+33639980002", "RECOURS " + decision.reference_code(), "k-late", sent,
                                                 now);
                if (r.ok()) contested = *r;
                return r.status();
              }),
              IsOk());
  ASSERT_EQ(contested.outcome, "contested");
  const storage::v1::RecourseCase c = **ReadCase(engine_.store(), ContestCaseId(decision.decision_id()));
  EXPECT_EQ(absl::ToCivilDay(FromProtoTimestamp(c.opened_at()), paris), absl::ToCivilDay(sent, paris));
  EXPECT_EQ(FromProtoTimestamp(c.due_at()), DeadlineAfter(ReviewWithin(decision), sent, paris));
  EXPECT_NE(FromProtoTimestamp(c.due_at()), DeadlineAfter(ReviewWithin(decision), now, paris));
}

// An OUI sent two minutes before the reply deadline and read after it (the
// engine was down) accepts the offer: an answer is judged by when it was
// sent, as a contest is.
TEST_F(GatewayRepliesTest, AnAnswerSentBeforeTheDeadlineAndReadAfterIsInTime) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  ASSERT_TRUE(offer.has_reply_deadline());
  const absl::Time deadline = FromProtoTimestamp(offer.reply_deadline());
  ReplyResult answered;
  ASSERT_THAT(Run([&](EventApplier& a) {
                auto r = a.gateway().ReportReply("+33639980002", "OUI " + offer.reference_code(), "k-late",
                                                 deadline - absl::Minutes(2), deadline + absl::Minutes(10));
                if (r.ok()) answered = *r;
                return r.status();
              }),
              IsOk());
  EXPECT_EQ(answered.outcome, "accepted");
  EXPECT_EQ((**ReadDecision(engine_.store(), offer.decision_id())).status(), storage::v1::CONFIRMED);
}

// A guardian contests their child's offer by SMS, in their own words, then
// asks to be forgotten: the words go with their reply, from the case too.
TEST_F(GatewayRepliesTest, AForgottenSendersWordsLeaveTheCaseTheirContestOpened) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  const std::string words = "RECOURS " + offer.reference_code() + " nous quittons Paris en août";
  ASSERT_EQ(Reply("+33639980002", words, "k-1").outcome, "contested");
  const std::string case_id = ContestCaseId(offer.decision_id());
  ASSERT_EQ((**ReadCase(engine_.store(), case_id)).contest_reason(), words);

  const storage::v1::ErasureRecord erased = Forget("P0002");
  EXPECT_EQ(erased.replies_erased(), 1u);
  const storage::v1::RecourseCase after = **ReadCase(engine_.store(), case_id);
  EXPECT_EQ(after.contest_reason(), kErasedText);
  EXPECT_EQ(after.status(), storage::v1::CASE_OPEN) << "the child's case stays for a caseworker";
  absl::StatusOr<AuditVerification> audit = VerifyAuditChain(engine_.store());
  ASSERT_THAT(audit, IsOk());
  EXPECT_FALSE(audit->first_broken.has_value()) << audit->problem;
}

// RECOURS or OUI without a code is about a decision they were told of: one
// whose message has not left (held for the morning, not leased yet) is not
// what they answer. Nothing told yet: a caseworker reads it.
TEST_F(GatewayRepliesTest, AnAnswerWithoutACodeIsAboutADecisionTheyWereToldOf) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  EXPECT_EQ(Reply("+33639980002", "RECOURS", "k-1").outcome, "to a caseworker");
  EXPECT_EQ(Reply("+33639980002", "OUI", "k-2").outcome, "to a caseworker");
  EXPECT_EQ((**ReadDecision(engine_.store(), offer.decision_id())).status(), storage::v1::PROPOSED);
  EXPECT_THAT(*ListCases(engine_.store(), CaseFilter{}), ::testing::IsEmpty());

  bool offer_left = false;
  for (const LeasedMessage& l : Lease()) offer_left = offer_left || l.message.decision_id() == offer.decision_id();
  ASSERT_TRUE(offer_left);
  ReplyResult accepted = Reply("+33639980002", "OUI", "k-3");
  EXPECT_EQ(accepted.outcome, "accepted");
  EXPECT_EQ(accepted.decision_id, offer.decision_id());
}

// Paris' account gives `person` the number `phone`, as written.
void PublishPhone(testing::EngineFixture& engine, const std::string& person, const std::string& phone) {
  ASSERT_THAT(engine
                  .Publish(absl::StrCat(R"({"event_id":"pc-)", person, R"(-national","person_id":")", person,
                                        R"(","source":"paris-compte","occurred_at":"2026-06-01T10:00:00Z",)",
                                        R"("set":{"phone":")", phone, R"("}})"))
                  .status(),
              IsOk());
}

// A back office wrote the number in national form, with spaces; the SMS
// connector gives the sender in E.164. They meet: the STOP is honoured, not
// left to a caseworker. A store indexed before 2026-12-07 kept numbers as
// written: a national one is still found.
TEST_F(GatewayRepliesTest, ANumberWrittenNationallyIsFoundFromItsE164Form) {
  ASSERT_NO_FATAL_FAILURE(PublishPhone(engine_, "P0077", "06 39 98 00 77"));
  EXPECT_EQ(Reply("+33639980077", "STOP", "k-stop").outcome, "opted out");

  ASSERT_THAT(Run([&](EventApplier&) {
                WriteBatch batch(engine_.store());
                batch.Put(Family::kOutbox, "phone/0639980088/P0088", "");  // as an older engine wrote it
                return engine_.store().Write(&batch, false);
              }),
              IsOk());
  EXPECT_THAT(PersonsWithPhone(engine_.store(), "+33639980088", engine_.rules().city()),
              IsOkAndHolds(::testing::ElementsAre("P0088")));
}

// The guardian's number rewritten nationally by a back office: the SMS
// still leaves to +33639980002 (Kannel would read "06 39 98 00 02" as five
// receivers), and the index holds that one form.
TEST_F(GatewayRepliesTest, AnSmsLeavesInE164AndTheIndexHoldsOneForm) {
  ASSERT_NO_FATAL_FAILURE(PublishPhone(engine_, "P0002", "06 39 98 00 02"));
  int to_guardian = 0;
  for (const LeasedMessage& l : Lease()) {
    if (l.message.recipient() != "P0002") continue;
    EXPECT_EQ(l.phone, "+33639980002");
    ++to_guardian;
  }
  EXPECT_GT(to_guardian, 0);
  EXPECT_THAT(PersonsWithPhone(engine_.store(), "06 39 98 00 02"), IsOkAndHolds(::testing::IsEmpty()));
  EXPECT_THAT(PersonsWithPhone(engine_.store(), "+33639980002"), IsOkAndHolds(::testing::ElementsAre("P0002")));
  EXPECT_EQ((*ReadPersonState(engine_.store(), "P0002"))->indexed_phone(), "+33639980002");
}

// What an older engine left: P0002's number written "06 39 98 00 02", its
// index key as written, and no indexed_phone.
absl::Status MakeP0002AnOlderEnginesPerson(testing::EngineFixture& engine) {
  return engine.writer().ExecuteAndWait([&](EventApplier&) {
    absl::StatusOr<std::optional<storage::v1::PersonState>> state = ReadPersonState(engine.store(), "P0002");
    if (!state.ok()) return state.status();
    storage::v1::PersonState older = **state;
    older.clear_indexed_phone();
    for (storage::v1::AttributeEntry& a : *older.mutable_attributes()) {
      if (a.name() == "phone") a.mutable_value()->set_string_value("06 39 98 00 02");
    }
    WriteBatch batch(engine.store());
    batch.Delete(Family::kOutbox, "phone/+33639980002/P0002");
    batch.Put(Family::kOutbox, "phone/06 39 98 00 02/P0002", "");
    PutPersonState(&batch, older);
    return engine.store().Write(&batch, false);
  });
}

// Such a key is rewritten at the person's next event, about anything...
TEST_F(GatewayRepliesTest, AnOlderPhoneKeyIsRewrittenAtThePersonsNextEvent) {
  ASSERT_THAT(MakeP0002AnOlderEnginesPerson(engine_), IsOk());
  ASSERT_THAT(engine_
                  .Publish(R"({"event_id":"pc-0002-lang","person_id":"P0002","source":"paris-compte",)"
                           R"("occurred_at":"2026-06-02T10:00:00Z","set":{"preferred_language":"en"}})")
                  .status(),
              IsOk());
  EXPECT_THAT(PersonsWithPhone(engine_.store(), "06 39 98 00 02"), IsOkAndHolds(::testing::IsEmpty()));
  EXPECT_THAT(PersonsWithPhone(engine_.store(), "+33639980002"), IsOkAndHolds(::testing::ElementsAre("P0002")));
}

// ...or when an SMS leaves to them: their reply to it finds them.
TEST_F(GatewayRepliesTest, AnOlderPhoneKeyIsRewrittenWhenAnSmsLeavesToThem) {
  ASSERT_THAT(MakeP0002AnOlderEnginesPerson(engine_), IsOk());
  ASSERT_FALSE(Lease().empty());
  EXPECT_THAT(PersonsWithPhone(engine_.store(), "06 39 98 00 02"), IsOkAndHolds(::testing::IsEmpty()));
  EXPECT_EQ(Reply("+33639980002", "STOP", "k-stop").outcome, "opted out");
}

// ...or, without waiting for either, once when the engine opens the store:
// a reply from that number finds them at once, and the person's next event
// keeps that one key.
TEST_F(GatewayRepliesTest, OlderPhoneKeysAreRewrittenOnceWhenTheEngineOpens) {
  EXPECT_THAT(engine_.store().Get(Family::kMeta, "phone-index/e164"),
              IsOkAndHolds(::testing::Optional(std::string("33"))))
      << "the engine's start ran it";
  ASSERT_THAT(MakeP0002AnOlderEnginesPerson(engine_), IsOk());
  // A store an older engine wrote: no marker.
  const CitySpec& city = engine_.rules().city();
  absl::StatusOr<uint64_t> rewritten = absl::InternalError("not run");
  ASSERT_THAT(Run([&](EventApplier&) {
                WriteBatch batch(engine_.store());
                batch.Delete(Family::kMeta, "phone-index/e164");
                RETURN_IF_ERROR(engine_.store().Write(&batch, false));
                rewritten = IndexPhonesInE164Once(&engine_.store(), city);
                return rewritten.status();
              }),
              IsOk());
  EXPECT_THAT(rewritten, IsOkAndHolds(1u));
  EXPECT_THAT(PersonsWithPhone(engine_.store(), "06 39 98 00 02"), IsOkAndHolds(::testing::IsEmpty()));
  EXPECT_THAT(PersonsWithPhone(engine_.store(), "+33639980002", city), IsOkAndHolds(::testing::ElementsAre("P0002")));
  // Done for this code: not again.
  ASSERT_THAT(Run([&](EventApplier&) {
                rewritten = IndexPhonesInE164Once(&engine_.store(), city);
                return rewritten.status();
              }),
              IsOk());
  EXPECT_THAT(rewritten, IsOkAndHolds(0u));
  ASSERT_THAT(engine_
                  .Publish(R"({"event_id":"pc-0002-lang","person_id":"P0002","source":"paris-compte",)"
                           R"("occurred_at":"2026-06-02T10:00:00Z","set":{"preferred_language":"en"}})")
                  .status(),
              IsOk());
  int keys = 0;
  ASSERT_THAT(engine_.store().Scan(Family::kOutbox, "phone/",
                                   [&](absl::string_view key, absl::string_view) {
                                     keys += absl::EndsWith(key, "/P0002");
                                     return true;
                                   }),
              IsOk());
  EXPECT_EQ(keys, 1);
  EXPECT_EQ(Reply("+33639980002", "STOP", "k-stop").outcome, "opted out");
}

// A key recorded before the city had a country code ("06 39 98 00 02" in
// indexed_phone) and rewritten in E.164 since: a new number deletes it, and
// replies from the old number no longer reach the person.
TEST_F(GatewayRepliesTest, AKeyRecordedBeforeACountryCodeGoesWhenTheNumberChanges) {
  ASSERT_THAT(MakeP0002AnOlderEnginesPerson(engine_), IsOk());
  ASSERT_THAT(Run([&](EventApplier&) {
                absl::StatusOr<std::optional<storage::v1::PersonState>> state =
                    ReadPersonState(engine_.store(), "P0002");
                RETURN_IF_ERROR(state.status());
                storage::v1::PersonState recorded = **state;
                recorded.set_indexed_phone("06 39 98 00 02");
                WriteBatch batch(engine_.store());
                PutPersonState(&batch, recorded);
                batch.Delete(Family::kMeta, "phone-index/e164");
                RETURN_IF_ERROR(engine_.store().Write(&batch, false));
                return IndexPhonesInE164Once(&engine_.store(), engine_.rules().city()).status();
              }),
              IsOk());
  ASSERT_THAT(PersonsWithPhone(engine_.store(), "+33639980002"), IsOkAndHolds(::testing::ElementsAre("P0002")));
  ASSERT_NO_FATAL_FAILURE(PublishPhone(engine_, "P0002", "+33639980099"));
  EXPECT_THAT(PersonsWithPhone(engine_.store(), "+33639980002", engine_.rules().city()),
              IsOkAndHolds(::testing::IsEmpty()));
  EXPECT_THAT(PersonsWithPhone(engine_.store(), "+33639980099"), IsOkAndHolds(::testing::ElementsAre("P0002")));
}

// ...and an erasure deletes it in either case.
TEST_F(GatewayRepliesTest, AnErasureDeletesAnOlderEnginesPhoneKey) {
  ASSERT_THAT(MakeP0002AnOlderEnginesPerson(engine_), IsOk());
  Forget("P0002");
  EXPECT_THAT(PersonsWithPhone(engine_.store(), "06 39 98 00 02"), IsOkAndHolds(::testing::IsEmpty()));
}

// A guardian answered a child's offer by SMS; then the child is forgotten.
// The guardian's reply no longer ties the child's pseudonymised decision to
// them: its sender, decision and words go, what it did stays.
TEST_F(GatewayRepliesTest, AGuardiansReplyAboutAForgottenChildNamesNeither) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  ASSERT_FALSE(Lease().empty());
  const ReplyResult accepted = Reply("+33639980002", "OUI " + offer.reference_code(), "k-oui");
  ASSERT_EQ(accepted.outcome, "accepted");
  Forget("P0001");
  absl::StatusOr<std::optional<std::string>> bytes = engine_.store().Get(Family::kOutbox, ReplyKey(accepted.reply_id));
  ASSERT_THAT(bytes, IsOk());
  ASSERT_TRUE(bytes->has_value());
  storage::v1::ReplyRecord kept;
  ASSERT_TRUE(kept.ParseFromString(**bytes));
  EXPECT_EQ(kept.sender_person_id(), "");
  EXPECT_EQ(kept.decision_id(), "");
  EXPECT_EQ(kept.text(), "");
  EXPECT_EQ(kept.outcome(), "accepted");
  EXPECT_TRUE(kept.erased());
}

// Twins: two offers made in the same second to the same parent. OUI without
// a code cannot say which; a caseworker reads it rather than the engine
// picking one. With its code, each answers its own offer.
TEST_F(GatewayRepliesTest, AnAnswerWithoutACodeToTwinsOffersGoesToACaseworker) {
  ASSERT_THAT(engine_
                  .Publish(R"({"event_id":"civ-2023-0001b","person_id":"P0001B","household_id":"H001",)"
                           R"("source":"etat-civil","occurred_at":"2023-03-02T10:00:00Z","set":{"birth_date":)"
                           R"("2023-03-01","arrondissement":11,"address_key":"75011:rue-oberkampf:112"},)"
                           R"("links_added":[{"relation":"guardian","person_id":"P0002"},)"
                           R"({"relation":"guardian","person_id":"P0003"}]})")
                  .status(),
              IsOk());
  engine_.Settle();
  const storage::v1::DecisionRecord first = Decision("P0001");
  const storage::v1::DecisionRecord twin = Decision("P0001B");
  ASSERT_EQ(twin.action_kind(), storage::v1::ACTION_PROPOSE);
  ASSERT_EQ(first.created_at().seconds(), twin.created_at().seconds());
  ASSERT_FALSE(Lease().empty());
  ReplyResult unclear = Reply("+33639980002", "OUI", "k-twins");
  EXPECT_EQ(unclear.outcome, "to a caseworker");
  EXPECT_EQ(unclear.decision_id, "");
  EXPECT_TRUE(IsOfferAwaitingAnswer(**ReadDecision(engine_.store(), first.decision_id())));
  EXPECT_TRUE(IsOfferAwaitingAnswer(**ReadDecision(engine_.store(), twin.decision_id())));
  ReplyResult coded = Reply("+33639980002", "OUI " + twin.reference_code(), "k-twin");
  EXPECT_EQ(coded.outcome, "accepted");
  EXPECT_EQ(coded.decision_id, twin.decision_id());
}

// After an acceptance, the latest decision they were told of is the formal
// decision, told by the acceptance's message: RECOURS without a code
// contests it, not the offer.
TEST_F(GatewayRepliesTest, RecoursWithoutACodeAfterAnAcceptanceContestsTheFormalDecision) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  ASSERT_FALSE(Lease().empty());
  // Answered a minute after the morning's decisions were made: the formal
  // decision is the latest one they were told of.
  engine_.clock().Advance(absl::Minutes(1));
  ASSERT_EQ(Reply("+33639980002", "OUI " + offer.reference_code(), "k-1").outcome, "accepted");
  const std::string formal = FormalDecisionIdOf(offer);
  bool acceptance_left = false;
  for (const LeasedMessage& l : Lease()) {
    acceptance_left =
        acceptance_left || (l.message.decision_id() == offer.decision_id() && l.message.kind() == "accepted");
  }
  ASSERT_TRUE(acceptance_left);
  engine_.clock().Advance(absl::Minutes(1));
  ReplyResult contested = Reply("+33639980002", "RECOURS", "k-2");
  EXPECT_EQ(contested.outcome, "contested");
  EXPECT_EQ(contested.decision_id, formal);
}

// A reference code has six characters: two decisions sent to one number
// may share it (about one chance in a billion per pair). A reply quoting a
// code of two of them applies to neither: a person reads it. A decision sent
// to two persons sharing the number is one decision, not two.
TEST_F(GatewayRepliesTest, AReplyQuotingACodeOfTwoDecisionsSentToTheNumberGoesToACaseworker) {
  const storage::v1::DecisionRecord offer = Decision("P0001");
  const auto offer_status = [&] { return (**ReadDecision(engine_.store(), offer.decision_id())).status(); };
  const storage::v1::DecisionStatus pending = offer_status();
  // Another decision for the guardian's number, whose id begins as the offer's.
  storage::v1::DecisionRecord twin = offer;
  twin.set_decision_id(offer.decision_id().substr(0, 8) + "ZZZZZZZZZZ");
  ASSERT_NE(twin.decision_id(), offer.decision_id());
  ASSERT_EQ(ReferenceCodeFor(twin.decision_id()), offer.reference_code());
  const auto recipient_of_twin = [&](bool add) {
    return Run([&](EventApplier&) {
      WriteBatch batch(engine_.store());
      if (add) {
        PutDecision(&batch, &twin);
        batch.Put(Family::kDecisions, RecipientDecisionKey("P0002", twin.decision_id()), "");
      } else {
        batch.Delete(Family::kDecisions, RecipientDecisionKey("P0002", twin.decision_id()));
      }
      return engine_.store().Write(&batch, true);
    });
  };
  ASSERT_THAT(recipient_of_twin(true), IsOk());
  EXPECT_EQ(Reply("+33639980002", "OUI " + offer.reference_code(), "k-1").outcome, "to a caseworker");
  EXPECT_EQ(Reply("+33639980002", "recours " + absl::AsciiStrToLower(offer.reference_code()), "k-2").outcome,
            "to a caseworker");
  EXPECT_EQ(offer_status(), pending);
  EXPECT_THAT(*ListCases(engine_.store(), CaseFilter{}), ::testing::IsEmpty());
  auto inbox = ListInbox(engine_.store(), false);
  ASSERT_THAT(*inbox, SizeIs(2));
  for (const storage::v1::ReplyRecord& r : *inbox) {
    EXPECT_EQ(r.outcome(), "to a caseworker: the code " + offer.reference_code() +
                               " is that of more than one decision sent to this number");
    EXPECT_EQ(r.decision_id(), "");
  }

  // The other guardian, sent the offer by letter, now shares the number:
  // the offer is listed for both persons of the number, and is one decision.
  ASSERT_THAT(recipient_of_twin(false), IsOk());
  ASSERT_THAT(
      engine_.Publish(
          R"({"event_id":"pc-0003-phone","person_id":"P0003","source":"paris-compte","occurred_at":"2026-06-29T07:00:00Z","set":{"phone":"+33639980002"}})"),
      IsOk());
  engine_.Settle();
  EXPECT_EQ(Reply("+33639980002", "OUI " + offer.reference_code(), "k-3").outcome, "accepted");
  EXPECT_EQ(offer_status(), storage::v1::CONFIRMED);
}

// A gateway without ids of its own (Kannel without %I) names a reply by a
// digest of the sender's number, the time and the text. The audit chain,
// which auditors read and which outlives an erasure, cites the reply: its id
// is keyed with the store's secret, so that trying numbers against it finds
// nothing.
TEST_F(GatewayRepliesTest, AReplyIdInTheAuditChainCannotBeRecomputedFromTheSender) {
  const std::string gateway_id = "sha256 of +33639980010, 1782720000 and STOP";
  const ReplyResult stopped = Reply("+33639980010", "STOP", gateway_id);
  EXPECT_EQ(stopped.outcome, "opted out");
  AuditQuery query;
  query.action = "person.opted_out";
  absl::StatusOr<AuditPage> page = ListAuditEntries(engine_.store(), query);
  ASSERT_THAT(page, IsOk());
  ASSERT_THAT(page->entries, SizeIs(1));
  const std::string cited = page->entries[0].cause();
  EXPECT_EQ(cited, DecisionIds::Keyed(testing::kTestDecisionIdSecret).ReplyIdFor(gateway_id));
  EXPECT_NE(cited, DecisionIds::Unkeyed().ReplyIdFor(gateway_id));
  // It is the reply's own id: the stored reply, and a replay recognised.
  ASSERT_THAT(engine_.store().Get(Family::kOutbox, ReplyKey(cited)), IsOkAndHolds(Not(std::nullopt)));
  // The gateway is given that id to log, also for a replay.
  EXPECT_EQ(stopped.reply_id, cited);
  const ReplyResult replayed = Reply("+33639980010", "STOP", gateway_id);
  EXPECT_EQ(replayed.outcome, "duplicate");
  EXPECT_EQ(replayed.reply_id, cited);
}

// A keyed store made before replies were keyed holds its first replies under
// the plain id: the gateway repeating one (or a reconciliation) is still
// recognised, and changes nothing.
TEST_F(GatewayRepliesTest, AReplyStoredUnderThePlainIdIsRecognisedWhenRepeated) {
  const std::string gateway_id = "kannel:4f1c";
  const std::string plain_id = DecisionIds::Unkeyed().ReplyIdFor(gateway_id);
  storage::v1::ReplyRecord earlier;
  earlier.set_format_version(kStorageFormatVersion);
  earlier.set_reply_id(plain_id);
  earlier.set_text("STOP");
  earlier.set_outcome("opted out");
  ASSERT_THAT(Run([&](EventApplier&) {
                WriteBatch batch(engine_.store());
                batch.Put(Family::kOutbox, ReplyKey(plain_id), EncodeRecord(earlier));
                return engine_.store().Write(&batch, false);
              }),
              IsOk());
  const uint64_t entries = VerifyAuditChain(engine_.store())->entries;
  EXPECT_EQ(Reply("+33639980010", "STOP", gateway_id).outcome, "duplicate");
  EXPECT_EQ(VerifyAuditChain(engine_.store())->entries, entries);
  EXPECT_EQ(Reply("+33639980010", "STOP", "kannel:4f1d").outcome, "opted out");  // another reply is applied
}

}  // namespace
}  // namespace proactive
