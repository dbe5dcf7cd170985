// A rule with `review: before_notify` holds its decisions for a caseworker;
// once upheld, the decision is told with the message of the rule that made
// it, even when the packs were reloaded meanwhile, and even when that rule
// is no longer in them: nobody is left untold.

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "engine/audit/audit_log.h"
#include "engine/common/proto_time.h"
#include "engine/common/status_macros.h"
#include "engine/decision/decision_store.h"
#include "engine/decision/impact_statistics.h"
#include "engine/decision/lifecycle.h"
#include "engine/ingest/gateway_commands.h"
#include "engine/notify/outbox.h"
#include "engine/recourse/recourse_cases.h"
#include "engine/rules/citizen_text.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/ingest/engine_fixture.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;
using ::proactive::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kOfferText[] = "une place vous est proposée";

// The Paris rules with the maternelle offer reviewed before notifying;
// `reword` rewrites its message, `remove` takes the pack out.
std::shared_ptr<const RuleSet> ParisRules(bool reword, bool remove) {
  std::vector<RuleFile> files;
  for (RuleFile& file : testing::EngineFixture::ParisRuleFiles()) {
    if (absl::StrContains(file.path, "maternelle")) {
      if (remove) continue;
      file.text =
          absl::StrReplaceAll(file.text, {{"      letter: true", "      letter: true\n      review: before_notify"}});
      if (reword) file.text = absl::StrReplaceAll(file.text, {{kOfferText, "une nouvelle formulation"}});
    }
    files.push_back(std::move(file));
  }
  std::vector<Diagnostic> diagnostics;
  absl::StatusOr<std::shared_ptr<const RuleSet>> rules = CompileRuleSet(files, &diagnostics);
  EXPECT_THAT(rules, IsOk()) << FormatDiagnostics(diagnostics);
  return rules.ok() ? *rules : nullptr;
}

class ReviewBeforeNotifyTest : public ::testing::TestWithParam<bool> {};

TEST_P(ReviewBeforeNotifyTest, AnUpheldDecisionIsToldWithTheMessageOfTheRuleThatMadeIt) {
  const bool rule_removed = GetParam();
  testing::EngineFixture engine(absl::FromCivil(absl::CivilSecond(2026, 6, 29, 8, 0, 0), absl::UTCTimeZone()));
  engine.SetRules(ParisRules(/*reword=*/false, /*remove=*/false));
  ASSERT_NO_FATAL_FAILURE(engine.PublishSample());
  absl::StatusOr<std::vector<std::string>> ids = ListDecisionIdsOfPerson(engine.store(), "P0001");
  ASSERT_THAT(ids, IsOk());
  ASSERT_EQ(ids->size(), 1u);
  const std::string offer = ids->front();
  EXPECT_EQ((*ReadDecision(engine.store(), offer))->status(), storage::v1::IN_REVIEW);
  const std::string message_id = MessageIdFor(**ReadDecision(engine.store(), offer), "decision", "P0002");
  EXPECT_FALSE(ReadMessage(engine.store(), message_id)->has_value()) << "told before the review";

  // The packs change while the caseworker reviews.
  engine.SetRules(ParisRules(/*reword=*/true, /*remove=*/rule_removed));
  const std::string case_id = ReviewCaseId(offer);
  const absl::Time now = engine.clock().Now();
  ASSERT_THAT(engine.writer().ExecuteAndWait([&](EventApplier& a) {
    return a.commands().Claim(case_id, "caseworker:alice", absl::Minutes(30), now).status();
  }),
              IsOk());
  ASSERT_THAT(engine.writer().ExecuteAndWait([&](EventApplier& a) {
    return a.commands()
        .Resolve(case_id, "caseworker:alice", storage::v1::OUTCOME_UPHELD, "Les conditions sont remplies.",
                 "Code de l'éducation, art. L131-1", now)
        .status();
  }),
              IsOk());
  absl::StatusOr<std::optional<storage::v1::OutboxMessage>> told = ReadMessage(engine.store(), message_id);
  ASSERT_THAT(told, IsOk());
  ASSERT_TRUE(told->has_value()) << "the guardian was never told";
  // The impact statistics tell this review from a contest's.
  absl::StatusOr<ImpactStatistics> stats = ComputeImpact(engine.store(), ImpactQuery{});
  ASSERT_THAT(stats, IsOk());
  bool counted = false;
  for (const RuleImpact& rule : stats->rules) {
    if (rule.rule_id != (*ReadDecision(engine.store(), offer))->rule_id() || rule.formal) continue;
    EXPECT_EQ(rule.all.by_status, (std::map<std::string, int64_t>{{"upheld before notifying", 1}}));
    EXPECT_EQ(rule.all.contested, 0);
    counted = true;
  }
  EXPECT_TRUE(counted);
  storage::v1::OutboxMessage message = **told;
  EXPECT_TRUE(message.text_by_rule_set()) << "its text is rendered when it leaves";
  ASSERT_THAT(ExpandMessage(engine.store(), engine.applier().commands().rule_set_versions(), &message), IsOk());
  EXPECT_THAT(message.text(), HasSubstr(kOfferText));
  EXPECT_THAT(message.text(), Not(HasSubstr("une nouvelle formulation")));
}

INSTANTIATE_TEST_SUITE_P(RuleKeptOrRemoved, ReviewBeforeNotifyTest, ::testing::Bool());

// A caseworker claims case `case_id` and upholds its decision at `now`.
absl::Status ClaimAndUpholdCase(testing::EngineFixture& engine, const std::string& case_id, absl::Time now,
                                const std::string& reason = "Les conditions sont remplies.") {
  return engine.writer().ExecuteAndWait([&](EventApplier& a) {
    RETURN_IF_ERROR(a.commands().Claim(case_id, "caseworker:alice", absl::Minutes(30), now).status());
    return a.commands()
        .Resolve(case_id, "caseworker:alice", storage::v1::OUTCOME_UPHELD, reason, "Code de l'éducation, art. L131-1",
                 now)
        .status();
  });
}

// A caseworker claims the review of `offer` and upholds it at `now`.
absl::Status ClaimAndUphold(testing::EngineFixture& engine, const std::string& offer, absl::Time now) {
  return ClaimAndUpholdCase(engine, ReviewCaseId(offer), now);
}

// What the engine made of `text` from the sample's guardian, sent at `now`.
ReplyResult GuardianReplies(testing::EngineFixture& engine, const std::string& text, const std::string& id,
                            absl::Time now) {
  ReplyResult result;
  EXPECT_THAT(engine.writer().ExecuteAndWait([&](EventApplier& a) {
    absl::StatusOr<ReplyResult> r = a.gateway().ReportReply("+33639980002", text, id, now, now);
    if (r.ok()) result = *r;
    return r.status();
  }),
              IsOk());
  return result;
}

// An offer reviewed before anyone was told asks, once upheld, for an answer
// by a date: the citizen's answer is taken, whatever the review took. The
// offer was made on 29 June with 21 days to answer; the caseworker upholds
// it on 10 August: the guardians have until 31 August.
TEST(ReviewedOfferTest, AnOfferUpheldAfterReviewTakesTheCitizensAnswerWithinAFreshDeadline) {
  testing::EngineFixture engine(absl::FromCivil(absl::CivilSecond(2026, 6, 29, 8, 0, 0), absl::UTCTimeZone()));
  engine.SetRules(ParisRules(/*reword=*/false, /*remove=*/false));
  ASSERT_NO_FATAL_FAILURE(engine.PublishSample());
  const std::string offer = (*ListDecisionIdsOfPerson(engine.store(), "P0001")).front();
  const storage::v1::DecisionRecord made = **ReadDecision(engine.store(), offer);
  ASSERT_EQ(made.status(), storage::v1::IN_REVIEW);
  absl::TimeZone paris;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Paris", &paris));
  ASSERT_EQ(absl::ToCivilDay(FromProtoTimestamp(made.reply_deadline()), paris), absl::CivilDay(2026, 7, 20));

  engine.clock().Advance(absl::Hours(24 * 42));  // 10 August: the first deadline is long past
  const absl::Time now = engine.clock().Now();
  ASSERT_THAT(ClaimAndUphold(engine, offer, now), IsOk());
  const storage::v1::DecisionRecord upheld = **ReadDecision(engine.store(), offer);
  EXPECT_EQ(upheld.status(), storage::v1::UPHELD);
  EXPECT_EQ(absl::ToCivilDay(FromProtoTimestamp(upheld.reply_deadline()), paris), absl::CivilDay(2026, 8, 31));
  EXPECT_TRUE(IsOfferAwaitingAnswer(upheld));

  // The offer leaves; the guardian answers by SMS, without the code.
  ASSERT_THAT(engine.writer().ExecuteAndWait([&](EventApplier& a) {
    return a.gateway().Lease("kannel", "", 100, absl::Seconds(60), now).status();
  }),
              IsOk());
  ReplyResult answered = GuardianReplies(engine, "OUI", "k-1", now);
  EXPECT_EQ(answered.outcome, "accepted");
  EXPECT_EQ(answered.decision_id, offer);
  EXPECT_EQ((**ReadDecision(engine.store(), offer)).status(), storage::v1::CONFIRMED);

  // Accepted, then contested and upheld by another review: it is not asked
  // again, and a NON now changes nothing.
  const storage::v1::DecisionRecord confirmed = **ReadDecision(engine.store(), offer);
  const auto reply = [&](const std::string& text, const std::string& id) {
    return GuardianReplies(engine, text, id, now);
  };
  ASSERT_EQ(reply("RECOURS " + confirmed.reference_code(), "k-2").outcome, "contested");
  const std::string contest = ContestCaseId(offer);
  ASSERT_THAT(ClaimAndUpholdCase(engine, contest, now, "L'offre acceptée est maintenue."), IsOk());
  const storage::v1::DecisionRecord contested = **ReadDecision(engine.store(), offer);
  EXPECT_EQ(contested.status(), storage::v1::UPHELD);
  EXPECT_FALSE(IsOfferAwaitingAnswer(contested));
  EXPECT_EQ(reply("NON " + confirmed.reference_code(), "k-3").outcome, "to a caseworker");
  EXPECT_EQ((**ReadDecision(engine.store(), offer)).status(), storage::v1::UPHELD);
}

// An offer contested before it was answered (a guardian asking for another
// school), then upheld on 10 August: it waits for that answer again, with
// the 21 days its rule gives counted from the review, and the guardian is
// told until when. Before, it stayed upheld and unanswerable for good.
TEST(ReviewedOfferTest, AnOfferContestedBeforeItsAnswerAndUpheldWaitsForItAgain) {
  testing::EngineFixture engine(absl::FromCivil(absl::CivilSecond(2026, 6, 29, 8, 0, 0), absl::UTCTimeZone()));
  ASSERT_NO_FATAL_FAILURE(engine.PublishSample());
  const std::string offer = (*ListDecisionIdsOfPerson(engine.store(), "P0001")).front();
  const storage::v1::DecisionRecord made = **ReadDecision(engine.store(), offer);
  ASSERT_EQ(made.action_kind(), storage::v1::ACTION_PROPOSE);
  absl::Time now = engine.clock().Now();
  const auto reply = [&](const std::string& text, const std::string& id) {
    return GuardianReplies(engine, text, id, now);
  };
  ASSERT_THAT(engine.writer().ExecuteAndWait([&](EventApplier& a) {
    return a.gateway().Lease("kannel", "", 100, absl::Seconds(60), now).status();
  }),
              IsOk());
  ASSERT_EQ(reply("RECOURS " + made.reference_code() + " nous voulons l'école Parmentier", "k-1").outcome, "contested");

  engine.clock().Advance(absl::Hours(24 * 42));  // 10 August: the first deadline (20 July) is long past
  now = engine.clock().Now();
  const std::string contest = ContestCaseId(offer);
  ASSERT_THAT(ClaimAndUpholdCase(engine, contest, now, "L'école de secteur est maintenue."), IsOk());
  const storage::v1::DecisionRecord upheld = **ReadDecision(engine.store(), offer);
  EXPECT_EQ(upheld.status(), storage::v1::UPHELD);
  EXPECT_TRUE(IsOfferAwaitingAnswer(upheld));
  absl::TimeZone paris;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Paris", &paris));
  EXPECT_EQ(absl::ToCivilDay(FromProtoTimestamp(upheld.reply_deadline()), paris), absl::CivilDay(2026, 8, 31));
  // Told the outcome, then until when they may answer.
  absl::StatusOr<std::optional<storage::v1::OutboxMessage>> again =
      ReadMessage(engine.store(), MessageIdFor(upheld, kAnswerAgainMessageKind, "P0002"));
  ASSERT_THAT(again, IsOk());
  ASSERT_TRUE(again->has_value()) << "the guardian is not told the offer waits again";
  EXPECT_THAT((*again)->text(), HasSubstr("vous pouvez toujours répondre"));
  EXPECT_THAT((*again)->text(), HasSubstr("OUI " + made.reference_code()));
  EXPECT_THAT((*again)->text(), HasSubstr(CitizenDate(FromProtoTimestamp(upheld.reply_deadline()), paris)));
  ASSERT_TRUE(ReadMessage(engine.store(), MessageIdFor(upheld, kReviewMessageKind, "P0002"))->has_value());

  // The guardian answers with the code: accepted.
  ReplyResult answered = reply("OUI " + made.reference_code(), "k-2");
  EXPECT_EQ(answered.outcome, "accepted");
  EXPECT_EQ((**ReadDecision(engine.store(), offer)).status(), storage::v1::CONFIRMED);
}

// A contest sent once the reply deadline had passed (in the minutes before
// the engine applies it) buys no more time: upheld, the offer keeps its
// deadline, nobody is told to answer again, an answer is refused, and the
// deadline applies as it would have: the offer lapses.
TEST(ReviewedOfferTest, AnOfferContestedAfterItsDeadlineLapsesOnceUpheld) {
  testing::EngineFixture engine(absl::FromCivil(absl::CivilSecond(2026, 6, 29, 8, 0, 0), absl::UTCTimeZone()));
  ASSERT_NO_FATAL_FAILURE(engine.PublishSample());
  const std::string offer = (*ListDecisionIdsOfPerson(engine.store(), "P0001")).front();
  const storage::v1::DecisionRecord made = **ReadDecision(engine.store(), offer);
  ASSERT_THAT(engine.writer().ExecuteAndWait([&](EventApplier& a) {
    return a.gateway().Lease("kannel", "", 100, absl::Seconds(60), engine.clock().Now()).status();
  }),
              IsOk());
  engine.clock().Advance(FromProtoTimestamp(made.reply_deadline()) + absl::Minutes(5) - engine.clock().Now());
  const absl::Time now = engine.clock().Now();
  ASSERT_EQ(GuardianReplies(engine, "RECOURS " + made.reference_code(), "k-late", now).outcome, "contested");
  ASSERT_THAT(ClaimAndUpholdCase(engine, ContestCaseId(offer), now, "L'école de secteur est maintenue."), IsOk());
  const storage::v1::DecisionRecord upheld = **ReadDecision(engine.store(), offer);
  EXPECT_EQ(upheld.status(), storage::v1::UPHELD);
  EXPECT_EQ(upheld.reply_deadline().seconds(), made.reply_deadline().seconds());
  EXPECT_FALSE(ReadMessage(engine.store(), MessageIdFor(upheld, kAnswerAgainMessageKind, "P0002"))->has_value());
  EXPECT_EQ(GuardianReplies(engine, "OUI " + made.reference_code(), "k-oui", now).outcome, "to a caseworker");
  engine.clock().Advance(kReplyDeadlineGrace);
  ASSERT_THAT(engine.writer().ExecuteAndWait([&](EventApplier& a) {
    return a.commands().ProcessDueDeadlines(engine.clock().Now(), 100).status();
  }),
              IsOk());
  EXPECT_EQ((**ReadDecision(engine.store(), offer)).status(), storage::v1::LAPSED);
}

// A caseworker's amendment of `case_id` at `now`, the parameters given as
// (name, text) pairs.
absl::Status ClaimAndAmendCase(testing::EngineFixture& engine, const std::string& case_id, absl::Time now,
                               const std::vector<std::pair<std::string, std::string>>& parameters) {
  std::vector<v1::Attribute> amended;
  for (const auto& [name, text] : parameters) {
    v1::Attribute a;
    a.set_name(name);
    a.mutable_value()->set_string_value(text);
    amended.push_back(a);
  }
  return engine.writer().ExecuteAndWait([&](EventApplier& a) {
    absl::StatusOr<storage::v1::RecourseCase> claimed =
        a.commands().Claim(case_id, "caseworker:alice", absl::Minutes(30), now);
    if (!claimed.ok() && !absl::StrContains(claimed.status().message(), "already")) return claimed.status();
    return a.commands()
        .Resolve(case_id, "caseworker:alice", storage::v1::OUTCOME_AMENDED,
                 "Une place est ouverte à l'école Parmentier, plus proche.", "Code de l'éducation, art. L212-7", now,
                 amended)
        .status();
  });
}

std::string ParameterText(const storage::v1::DecisionRecord& d, const std::string& name) {
  for (const storage::v1::NamedValue& p : d.parameters()) {
    if (p.name() == name) {
      return p.value().has_string_value() ? p.value().string_value() : absl::StrCat(p.value().int_value());
    }
  }
  return "(none)";
}

// A guardian contests the offer before answering, asking for another school;
// the caseworker amends it: the offer names that school, the guardian is told
// the outcome and then the offer as it now is (the school, the code, the new
// deadline), and the formal decision their OUI makes names it too.
TEST(ReviewedOfferTest, AnOfferAmendedWithAnotherSchoolIsToldAgainAndAcceptedAsAmended) {
  testing::EngineFixture engine(absl::FromCivil(absl::CivilSecond(2026, 6, 29, 8, 0, 0), absl::UTCTimeZone()));
  ASSERT_NO_FATAL_FAILURE(engine.PublishSample());
  const std::string offer = (*ListDecisionIdsOfPerson(engine.store(), "P0001")).front();
  const storage::v1::DecisionRecord made = **ReadDecision(engine.store(), offer);
  const std::string sector_school = ParameterText(made, "school");
  ASSERT_NE(sector_school, "(none)");
  absl::Time now = engine.clock().Now();
  ASSERT_THAT(engine.writer().ExecuteAndWait([&](EventApplier& a) {
    return a.gateway().Lease("kannel", "", 100, absl::Seconds(60), now).status();
  }),
              IsOk());
  ASSERT_EQ(GuardianReplies(engine, "RECOURS " + made.reference_code() + " nous voulons l'école Parmentier", "k-1", now)
                .outcome,
            "contested");
  engine.clock().Advance(absl::Hours(24 * 10));
  now = engine.clock().Now();
  const std::string contest = ContestCaseId(offer);
  ASSERT_THAT(ClaimAndAmendCase(engine, contest, now, {{"school", "École maternelle Parmentier"}}), IsOk());

  const storage::v1::DecisionRecord amended = **ReadDecision(engine.store(), offer);
  EXPECT_EQ(amended.status(), storage::v1::AMENDED);
  EXPECT_EQ(ParameterText(amended, "school"), "École maternelle Parmentier");
  EXPECT_TRUE(IsOfferAwaitingAnswer(amended));
  const storage::v1::RecourseCase resolved = **ReadCase(engine.store(), contest);
  ASSERT_EQ(resolved.amended_parameters_size(), 1);
  EXPECT_EQ(resolved.amended_parameters(0).value().string_value(), "École maternelle Parmentier");
  ASSERT_EQ(resolved.parameters_before_size(), 1);
  EXPECT_EQ(resolved.parameters_before(0).value().string_value(), sector_school);

  // Told the outcome, then the offer as amended; its message gives the
  // deadline, so no "you may still answer" besides.
  absl::TimeZone paris;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Paris", &paris));
  absl::StatusOr<std::vector<storage::v1::OutboxMessage>> messages = MessagesOfDecision(engine.store(), offer);
  ASSERT_THAT(messages, IsOk());
  std::vector<std::string> kinds;
  for (const storage::v1::OutboxMessage& m : *messages) {
    if (m.recipient() == "P0002") kinds.push_back(m.kind());
  }
  EXPECT_THAT(kinds, ::testing::ElementsAre("contest-received", "decision", "review", kAmendedMessageKind));
  // The first offer was handed to the gateway (leased; this test's clock
  // then moved on past its lease without an acknowledgement): it may have
  // left. It is marked replaced: leased again, it is suppressed instead.
  const std::string first_id = MessageIdFor(amended, "decision", "P0002");
  EXPECT_EQ((**ReadMessage(engine.store(), first_id)).status(), storage::v1::MESSAGE_LEASED);
  EXPECT_EQ((**ReadMessage(engine.store(), first_id)).replaced_by_case(), contest);
  const storage::v1::OutboxMessage told =
      **ReadMessage(engine.store(), MessageIdFor(amended, kAmendedMessageKind, "P0002"));
  EXPECT_THAT(told.text(), HasSubstr("École maternelle Parmentier"));
  EXPECT_THAT(told.text(), Not(HasSubstr(sector_school)));
  EXPECT_THAT(told.text(), HasSubstr("OUI " + made.reference_code()));
  EXPECT_THAT(told.text(), HasSubstr(CitizenDate(FromProtoTimestamp(amended.reply_deadline()), paris)));
  EXPECT_GT(amended.reply_deadline().seconds(), made.reply_deadline().seconds());
  // It leaves after the outcome: ready at the same time, and the outbox
  // leases in id order.
  const storage::v1::OutboxMessage outcome =
      **ReadMessage(engine.store(), MessageIdFor(amended, kReviewMessageKind, "P0002"));
  EXPECT_EQ(told.ready_at().seconds(), outcome.ready_at().seconds());
  EXPECT_FALSE(told.urgent());
  absl::StatusOr<std::vector<std::string>> ready = ReadyMessages(engine.store(), now, 100);
  ASSERT_THAT(ready, IsOk());
  const auto at = [&](const std::string& id) { return std::find(ready->begin(), ready->end(), id) - ready->begin(); };
  EXPECT_LT(at(outcome.message_id()), at(told.message_id()));
  EXPECT_LT(at(told.message_id()), static_cast<long>(ready->size()));
  absl::StatusOr<std::vector<LeasedMessage>> leased;
  ASSERT_THAT(engine.writer().ExecuteAndWait([&](EventApplier& a) {
    leased = a.gateway().Lease("kannel", "lease-2", 100, absl::Seconds(60), now);
    return leased.status();
  }),
              IsOk());
  std::vector<std::string> leased_ids;
  for (const LeasedMessage& m : *leased) leased_ids.push_back(m.message.message_id());
  EXPECT_THAT(leased_ids, ::testing::Contains(told.message_id()));
  EXPECT_THAT(leased_ids, ::testing::Not(::testing::Contains(first_id)));
  const storage::v1::OutboxMessage replaced = **ReadMessage(engine.store(), first_id);
  EXPECT_EQ(replaced.status(), storage::v1::MESSAGE_SUPPRESSED);
  EXPECT_EQ(replaced.failure(), kReplacedOnReview);
  EXPECT_TRUE(replaced.text().empty());

  // The guardian accepts: the formal decision names the amended school.
  ReplyResult answered = GuardianReplies(engine, "OUI " + made.reference_code(), "k-2", now);
  EXPECT_EQ(answered.outcome, "accepted");
  absl::StatusOr<std::optional<storage::v1::DecisionRecord>> formal =
      FindFormalDecision(engine.store(), **ReadDecision(engine.store(), offer));
  ASSERT_THAT(formal, IsOk());
  ASSERT_TRUE(formal->has_value());
  EXPECT_EQ(ParameterText(**formal, "school"), "École maternelle Parmentier");
}

// The sample published and P0001's offer leased to the gateway (its first
// SMS on its way): the offer as made.
storage::v1::DecisionRecord PublishAndLeaseTheOffer(testing::EngineFixture& engine, const std::string& lease_id) {
  engine.PublishSample();
  absl::StatusOr<std::vector<std::string>> ids = ListDecisionIdsOfPerson(engine.store(), "P0001");
  if (!ids.ok() || ids->empty()) {
    ADD_FAILURE() << "no offer for P0001";
    return {};
  }
  const std::string offer = ids->front();
  const absl::Time now = engine.clock().Now();
  EXPECT_THAT(engine.writer().ExecuteAndWait([&](EventApplier& a) {
    return a.gateway().Lease("kannel", lease_id, 100, absl::Seconds(60), now).status();
  }),
              IsOk());
  return **ReadDecision(engine.store(), offer);
}

// Contested and amended while the gateway is sending the first offer: that
// send may still reach them (before the amended one), but when it fails it
// is not retried nor made a letter with the old school.
TEST(ReviewedOfferTest, AFirstOfferWhoseSendFailsAfterItsAmendmentIsSuppressed) {
  testing::EngineFixture engine(absl::FromCivil(absl::CivilSecond(2026, 6, 29, 8, 0, 0), absl::UTCTimeZone()));
  const storage::v1::DecisionRecord made = PublishAndLeaseTheOffer(engine, "lease-1");
  const std::string offer = made.decision_id();
  const absl::Time now = engine.clock().Now();
  ASSERT_EQ(GuardianReplies(engine, "RECOURS " + made.reference_code(), "k-1", now).outcome, "contested");
  const std::string contest = ContestCaseId(offer);
  ASSERT_THAT(ClaimAndAmendCase(engine, contest, now, {{"school", "École maternelle Parmentier"}}), IsOk());
  const std::string first_id = MessageIdFor(made, "decision", "P0002");
  ASSERT_EQ((**ReadMessage(engine.store(), first_id)).status(), storage::v1::MESSAGE_LEASED);

  absl::StatusOr<std::string> reported;
  ASSERT_THAT(engine.writer().ExecuteAndWait([&](EventApplier& a) {
    reported = a.gateway().ReportDelivery(first_id, /*delivered=*/false, "no route to handset", now, /*attempt=*/1);
    return reported.status();
  }),
              IsOk());
  EXPECT_EQ(*reported, "suppressed");
  const storage::v1::OutboxMessage first = **ReadMessage(engine.store(), first_id);
  EXPECT_EQ(first.status(), storage::v1::MESSAGE_SUPPRESSED);
  EXPECT_EQ(first.failure(), kReplacedOnReview);
  EXPECT_EQ(first.channel(), storage::v1::CHANNEL_SMS) << "not made a letter";
  EXPECT_TRUE(ReadMessage(engine.store(), MessageIdFor(made, kAmendedMessageKind, "P0002"))->has_value());
  absl::StatusOr<AuditVerification> audit = VerifyAuditChain(engine.store());
  ASSERT_THAT(audit, IsOk());
  EXPECT_FALSE(audit->first_broken.has_value()) << audit->problem;
}

// A late failure of the first send came while the retry was leased: counted,
// the retry under way decides. Amended then, it is held: the send under way
// may leave (acknowledged, it is sent), but it is not retried with the old
// school.
TEST(ReviewedOfferTest, AFirstOfferWhoseRetryIsUnderWayIsHeldNotWithheld) {
  testing::EngineFixture engine(absl::FromCivil(absl::CivilSecond(2026, 6, 29, 8, 0, 0), absl::UTCTimeZone()));
  const storage::v1::DecisionRecord made = PublishAndLeaseTheOffer(engine, "lease-1");
  const std::string first_id = MessageIdFor(made, "decision", "P0002");
  engine.clock().Advance(absl::Seconds(61));
  const absl::Time now = engine.clock().Now();
  ASSERT_THAT(engine.writer().ExecuteAndWait([&](EventApplier& a) {
    absl::Status leased = a.gateway().Lease("kannel", "lease-2", 100, absl::Seconds(60), now).status();
    if (!leased.ok()) return leased;
    return a.gateway().ReportDelivery(first_id, /*delivered=*/false, "no route", now, /*attempt=*/1).status();
  }),
              IsOk());
  ASSERT_EQ((**ReadMessage(engine.store(), first_id)).status(), storage::v1::MESSAGE_LEASED);
  ASSERT_EQ((**ReadMessage(engine.store(), first_id)).failed_sends(), 1u);
  ASSERT_EQ(GuardianReplies(engine, "RECOURS " + made.reference_code(), "k-1", now).outcome, "contested");
  const std::string contest = ContestCaseId(made.decision_id());
  ASSERT_THAT(ClaimAndAmendCase(engine, contest, now, {{"school", "École maternelle Parmentier"}}), IsOk());
  storage::v1::OutboxMessage held = **ReadMessage(engine.store(), first_id);
  EXPECT_EQ(held.status(), storage::v1::MESSAGE_LEASED);
  EXPECT_EQ(held.replaced_by_case(), contest);
  ASSERT_THAT(engine.writer().ExecuteAndWait(
                  [&](EventApplier& a) { return a.gateway().Ack(first_id, "k-2", now, /*attempt=*/2).status(); }),
              IsOk());
  EXPECT_EQ((**ReadMessage(engine.store(), first_id)).status(), storage::v1::MESSAGE_SENT);
}

// The rule's texts of the offer's version lost (and the rule reworded
// since): whether its message names the amended school cannot be known, so
// the amendment is refused rather than leave the guardian with the old
// school; the case stays open and nothing changes.
TEST(ReviewedOfferTest, AnAmendmentWhoseMessageCannotBeToldIsRefused) {
  testing::EngineFixture engine(absl::FromCivil(absl::CivilSecond(2026, 6, 29, 8, 0, 0), absl::UTCTimeZone()));
  const storage::v1::DecisionRecord made = PublishAndLeaseTheOffer(engine, "lease-1");
  const absl::Time now = engine.clock().Now();
  ASSERT_EQ(GuardianReplies(engine, "RECOURS " + made.reference_code(), "k-1", now).outcome, "contested");
  ASSERT_THAT(engine.writer().ExecuteAndWait([&](EventApplier&) {
    WriteBatch batch(engine.store());
    batch.Delete(Family::kMeta, "ruleset/" + made.rule_set_version());
    batch.Delete(Family::kMeta, "ruletext/" + made.rule_version());
    return engine.store().Write(&batch, false);
  }),
              IsOk());
  engine.SetRules(testing::EngineFixture::ParisRulesReworded("Proposition d'inscription", "Offre d'inscription"));
  const std::string contest = ContestCaseId(made.decision_id());
  EXPECT_THAT(ClaimAndAmendCase(engine, contest, now, {{"school", "École maternelle Parmentier"}}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("its message cannot be sent again with the amended parameters")));
  EXPECT_EQ((**ReadCase(engine.store(), contest)).status(), storage::v1::CASE_OPEN);
  EXPECT_EQ(ParameterText(**ReadDecision(engine.store(), made.decision_id()), "school"), ParameterText(made, "school"));
}

// Accepted, then contested and amended: the formal decision takes the new
// values; the offer, answered already, is not sent again.
TEST(ReviewedOfferTest, AnAcceptedOfferAmendedAmendsItsFormalDecision) {
  testing::EngineFixture engine(absl::FromCivil(absl::CivilSecond(2026, 6, 29, 8, 0, 0), absl::UTCTimeZone()));
  const storage::v1::DecisionRecord made = PublishAndLeaseTheOffer(engine, "");
  const std::string offer = made.decision_id();
  const absl::Time now = engine.clock().Now();
  ASSERT_EQ(GuardianReplies(engine, "OUI " + made.reference_code(), "k-1", now).outcome, "accepted");
  ASSERT_EQ(GuardianReplies(engine, "RECOURS " + made.reference_code(), "k-2", now).outcome, "contested");
  ASSERT_THAT(ClaimAndAmendCase(engine, ContestCaseId(offer), now, {{"school", "École maternelle Parmentier"}}),
              IsOk());
  const storage::v1::DecisionRecord amended = **ReadDecision(engine.store(), offer);
  EXPECT_EQ(amended.status(), storage::v1::AMENDED);
  EXPECT_FALSE(IsOfferAwaitingAnswer(amended));
  const storage::v1::DecisionRecord formal = **FindFormalDecision(engine.store(), amended);
  EXPECT_EQ(ParameterText(formal, "school"), "École maternelle Parmentier");
  EXPECT_EQ(formal.history(formal.history_size() - 1).reason(), "the offer it followed was amended after review");
  EXPECT_FALSE(ReadMessage(engine.store(), MessageIdFor(amended, kAmendedMessageKind, "P0002"))->has_value());
  EXPECT_TRUE(ReadMessage(engine.store(), MessageIdFor(amended, kReviewMessageKind, "P0002"))->has_value());
  absl::StatusOr<AuditVerification> audit = VerifyAuditChain(engine.store());
  ASSERT_THAT(audit, IsOk());
  EXPECT_FALSE(audit->first_broken.has_value()) << audit->problem;
}

// Reviewed before anyone was told and amended: the first message they get
// names the amended school; one the amended value would make longer than
// the gateway sends is refused, naming amended_parameters, and changes
// nothing.
TEST(ReviewedOfferTest, AnOfferAmendedBeforeAnyoneWasToldIsToldAsAmended) {
  testing::EngineFixture engine(absl::FromCivil(absl::CivilSecond(2026, 6, 29, 8, 0, 0), absl::UTCTimeZone()));
  engine.SetRules(ParisRules(/*reword=*/false, /*remove=*/false));
  ASSERT_NO_FATAL_FAILURE(engine.PublishSample());
  const std::string offer = (*ListDecisionIdsOfPerson(engine.store(), "P0001")).front();
  ASSERT_EQ((**ReadDecision(engine.store(), offer)).status(), storage::v1::IN_REVIEW);
  const absl::Time now = engine.clock().Now();
  const std::string review = ReviewCaseId(offer);
  absl::Status too_long = ClaimAndAmendCase(engine, review, now, {{"school", std::string(900, 'x')}});
  EXPECT_THAT(
      too_long,
      StatusIs(
          absl::StatusCode::kInvalidArgument,
          HasSubstr("amended_parameters: the amended decision makes the message to the citizen 8 SMS parts long")));
  EXPECT_EQ((**ReadDecision(engine.store(), offer)).status(), storage::v1::IN_REVIEW);
  EXPECT_EQ((**ReadCase(engine.store(), review)).status(), storage::v1::CASE_OPEN);

  ASSERT_THAT(ClaimAndAmendCase(engine, review, now, {{"school", "École maternelle Parmentier"}}), IsOk());
  const storage::v1::DecisionRecord amended = **ReadDecision(engine.store(), offer);
  EXPECT_EQ(amended.status(), storage::v1::AMENDED);
  EXPECT_TRUE(IsOfferAwaitingAnswer(amended));
  storage::v1::OutboxMessage first = **ReadMessage(engine.store(), MessageIdFor(amended, "decision", "P0002"));
  ASSERT_THAT(ExpandMessage(engine.store(), engine.applier().commands().rule_set_versions(), &first), IsOk());
  EXPECT_THAT(first.text(), HasSubstr("École maternelle Parmentier"));
  EXPECT_FALSE(ReadMessage(engine.store(), MessageIdFor(amended, kAmendedMessageKind, "P0002"))->has_value())
      << "told once, as amended";
}

// Accepted at a desk before its first SMS left, then contested: amended, the
// offer is not told again (answered already), but its first SMS, written when
// it leaves, will carry the new school: one too long for the gateway is
// refused as when it is told again.
TEST(ReviewedOfferTest, AnAmendmentTooLongForAFirstSmsStillToLeaveIsRefused) {
  testing::EngineFixture engine(absl::FromCivil(absl::CivilSecond(2026, 6, 29, 8, 0, 0), absl::UTCTimeZone()));
  ASSERT_NO_FATAL_FAILURE(engine.PublishSample());
  const std::string offer = (*ListDecisionIdsOfPerson(engine.store(), "P0001")).front();
  const absl::Time now = engine.clock().Now();
  ASSERT_THAT(engine.writer().ExecuteAndWait([&](EventApplier& a) {
    absl::Status answered =
        a.commands().Answer(offer, /*accept=*/true, "back-office:desk", "desk answer", now).status();
    if (!answered.ok()) return answered;
    return a.commands().Contest(offer, "citizen", "Nous voulons une autre école.", now).status();
  }),
              IsOk());
  const std::string contest = ContestCaseId(offer);
  const storage::v1::OutboxMessage first =
      **ReadMessage(engine.store(), MessageIdFor(**ReadDecision(engine.store(), offer), "decision", "P0002"));
  ASSERT_EQ(first.status(), storage::v1::MESSAGE_PENDING);
  ASSERT_EQ(first.attempts(), 0u);
  EXPECT_THAT(ClaimAndAmendCase(engine, contest, now, {{"school", std::string(900, 'x')}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("amended_parameters: the amended decision makes the message "
                                 "to the citizen 8 SMS parts long")));
  EXPECT_EQ((**ReadCase(engine.store(), contest)).status(), storage::v1::CASE_OPEN);
  EXPECT_THAT(ClaimAndAmendCase(engine, contest, now, {{"school", "École maternelle Parmentier"}}), IsOk());
}

// An amendment that does not fit the decision is refused, naming the
// parameter and why, and changes nothing: the case stays open, the
// decision in review, no message is composed.
TEST(ReviewedOfferTest, AnAmendmentThatDoesNotFitTheDecisionIsRefusedAndChangesNothing) {
  testing::EngineFixture engine(absl::FromCivil(absl::CivilSecond(2026, 6, 29, 8, 0, 0), absl::UTCTimeZone()));
  ASSERT_NO_FATAL_FAILURE(engine.PublishSample());
  const std::string offer = (*ListDecisionIdsOfPerson(engine.store(), "P0001")).front();
  const absl::Time now = engine.clock().Now();
  ASSERT_THAT(engine.writer().ExecuteAndWait([&](EventApplier& a) {
    return a.commands().Contest(offer, "citizen", "Nous voulons une autre école.", now).status();
  }),
              IsOk());
  const std::string contest = ContestCaseId(offer);
  const storage::v1::DecisionRecord before = **ReadDecision(engine.store(), offer);
  const std::string arrondissement = ParameterText(before, "arrondissement");
  for (const auto& [parameters, error] :
       std::vector<std::pair<std::vector<std::pair<std::string, std::string>>, std::string>>{
           {{{"scool", "École Parmentier"}},
            "amended_parameters[0].name: \"scool\" is not a parameter of decision " + offer +
                " (its parameters: school_year, arrondissement, school)"},
           {{{"arrondissement", "onze"}},
            "amended_parameters[0].value: parameter \"arrondissement\" is int: \"onze\" is not one (expected an "
            "integer)"},
           {{{"school", "École Parmentier"}, {"school", "École Voltaire"}},
            "amended_parameters[1].name: \"school\" is given twice"},
           {{{"arrondissement", "12"}, {"school_year", "2026"}},
            "amended_parameters[1].value: \"school_year\" has that value already"},
           {{{"school", std::string("\xC3")}}, "amended_parameters[0].value: invalid UTF-8 at byte 0"}}) {
    EXPECT_THAT(ClaimAndAmendCase(engine, contest, now, parameters),
                StatusIs(absl::StatusCode::kInvalidArgument, error));
  }
  // Upheld with parameters: refused.
  v1::Attribute school;
  school.set_name("school");
  school.mutable_value()->set_string_value("École Parmentier");
  EXPECT_THAT(
      engine.writer().ExecuteAndWait([&](EventApplier& a) {
        return a.commands()
            .Resolve(contest, "caseworker:alice", storage::v1::OUTCOME_UPHELD, "L'école de secteur est maintenue.",
                     "Code de l'éducation, art. L212-7", now, {school})
            .status();
      }),
      StatusIs(absl::StatusCode::kInvalidArgument, "amended_parameters: are given only with the outcome amended"));
  const storage::v1::DecisionRecord after = **ReadDecision(engine.store(), offer);
  EXPECT_EQ(after.SerializeAsString(), before.SerializeAsString());
  EXPECT_EQ((**ReadCase(engine.store(), contest)).status(), storage::v1::CASE_OPEN);
  EXPECT_FALSE(ReadMessage(engine.store(), MessageIdFor(after, kReviewMessageKind, "P0002"))->has_value());

  // The text form of an int is read as one.
  ASSERT_THAT(ClaimAndAmendCase(engine, contest, now, {{"arrondissement", "12"}}), IsOk());
  EXPECT_EQ(ParameterText(**ReadDecision(engine.store(), offer), "arrondissement"), "12");
  EXPECT_NE(arrondissement, "12");
}

// Without an answer, the fresh deadline applies as the first would have.
TEST(ReviewedOfferTest, AnOfferUpheldAfterReviewLapsesAtItsFreshDeadline) {
  testing::EngineFixture engine(absl::FromCivil(absl::CivilSecond(2026, 6, 29, 8, 0, 0), absl::UTCTimeZone()));
  engine.SetRules(ParisRules(/*reword=*/false, /*remove=*/false));
  ASSERT_NO_FATAL_FAILURE(engine.PublishSample());
  const std::string offer = (*ListDecisionIdsOfPerson(engine.store(), "P0001")).front();
  engine.clock().Advance(absl::Hours(24 * 42));
  const absl::Time now = engine.clock().Now();
  ASSERT_THAT(ClaimAndUphold(engine, offer, now), IsOk());
  engine.clock().Advance(absl::Hours(24 * 22));
  absl::StatusOr<int> processed = absl::InternalError("not run");
  ASSERT_THAT(engine.writer().ExecuteAndWait([&](EventApplier& a) {
    processed = a.commands().ProcessDueDeadlines(engine.clock().Now(), 100);
    return processed.status();
  }),
              IsOk());
  EXPECT_EQ((**ReadDecision(engine.store(), offer)).status(), storage::v1::LAPSED);
}

}  // namespace
}  // namespace proactive
