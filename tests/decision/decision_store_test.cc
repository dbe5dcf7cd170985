#include "engine/decision/decision_store.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "engine/common/sha256.h"
#include "engine/decision/decision_factory.h"
#include "engine/store/codec.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace proactive {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::proactive::testing::IsOk;
using ::proactive::testing::IsOkAndHolds;
using ::proactive::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Eq;
using ::testing::HasSubstr;
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

// Keyed ids cannot be recomputed from a rule, a person id and a period
// without the store's secret; each store's are its own.
TEST(DecisionKeysTest, KeyedIdsNeedTheSecret) {
  const DecisionKey key{"heatwave.check-in.registered", "P0011", "75-2026-07-01"};
  const DecisionIds keyed = DecisionIds::Keyed(std::string(32, 'k'));
  EXPECT_THAT(keyed.For(key), MatchesRegex("d-[0-9A-HJKMNP-TV-Z]{16}"));
  EXPECT_EQ(keyed.For(key), DecisionIds::Keyed(std::string(32, 'k')).For(key));
  EXPECT_NE(keyed.For(key), DecisionIdFor(key));
  EXPECT_NE(keyed.For(key), DecisionIds::Keyed(std::string(32, 'j')).For(key));
  EXPECT_EQ(DecisionIds::Unkeyed().For(key), DecisionIdFor(key));
  EXPECT_TRUE(keyed.keyed());
  EXPECT_FALSE(DecisionIds::Unkeyed().keyed());
}

// A reply's id is keyed too: the gateway's id for a reply may be a digest of
// the sender's number, time and text, which the audit chain cites.
TEST(DecisionKeysTest, ReplyIdsAreKeyedLikeDecisionIds) {
  const std::string gateway_id = "a digest of +33639980002, 1782720000 and STOP";
  const DecisionIds keyed = DecisionIds::Keyed(std::string(32, 'k'));
  EXPECT_THAT(keyed.ReplyIdFor(gateway_id), MatchesRegex("g-[0-9a-f]{24}"));
  EXPECT_EQ(keyed.ReplyIdFor(gateway_id), DecisionIds::Keyed(std::string(32, 'k')).ReplyIdFor(gateway_id));
  EXPECT_NE(keyed.ReplyIdFor(gateway_id), DecisionIds::Keyed(std::string(32, 'j')).ReplyIdFor(gateway_id));
  EXPECT_NE(keyed.ReplyIdFor(gateway_id), keyed.ReplyIdFor(gateway_id + "."));
  // Without a secret, the plain SHA-256 that stores before keyed ids gave.
  EXPECT_EQ(DecisionIds::Unkeyed().ReplyIdFor(gateway_id),
            absl::StrCat("g-", ToHex(Sha256Digest(gateway_id)).substr(0, 24)));
  EXPECT_NE(keyed.ReplyIdFor(gateway_id), DecisionIds::Unkeyed().ReplyIdFor(gateway_id));
}

// A new store draws its secret once and keeps it; a store whose decisions
// were made before keeps the plain ids, so that a rule that fired for a
// period finds its decision again.
TEST(DecisionKeysTest, AStoreKeepsTheSchemeItStartedWith) {
  const DecisionKey key{"r", "P1", "2026"};
  testing::TempDir fresh_dir;
  std::string first_id;
  {
    auto store = Store::Open({fresh_dir.path() + "/data"});
    ASSERT_THAT(store, IsOk());
    absl::StatusOr<DecisionIds> ids = OpenDecisionIds(store->get());
    ASSERT_THAT(ids, IsOk());
    EXPECT_TRUE(ids->keyed());
    first_id = ids->For(key);
    EXPECT_NE(first_id, DecisionIdFor(key));
    absl::StatusOr<DecisionIds> again = OpenDecisionIds(store->get());
    ASSERT_THAT(again, IsOk());
    EXPECT_EQ(again->For(key), first_id);
  }
  {
    auto reopened = Store::Open({fresh_dir.path() + "/data"});
    ASSERT_THAT(reopened, IsOk());
    absl::StatusOr<DecisionIds> ids = OpenDecisionIds(reopened->get());
    ASSERT_THAT(ids, IsOk());
    EXPECT_EQ(ids->For(key), first_id);
  }
  testing::TempDir other_dir;
  auto other = Store::Open({other_dir.path() + "/data"});
  ASSERT_THAT(other, IsOk());
  EXPECT_NE(OpenDecisionIds(other->get())->For(key), first_id);

  // A store made before the scheme existed, with a decision in it.
  testing::TempDir old_dir;
  auto old_store = Store::Open({old_dir.path() + "/data"});
  ASSERT_THAT(old_store, IsOk());
  storage::v1::DecisionRecord record;
  record.set_decision_id(DecisionIdFor(key));
  record.set_rule_id(key.rule_id);
  record.set_person_id("P1");
  record.set_once_per(key.once_per);
  WriteBatch batch(**old_store);
  PutNewDecision(&batch, &record);
  ASSERT_THAT((*old_store)->Write(&batch, true), IsOk());
  absl::StatusOr<DecisionIds> old_ids = OpenDecisionIds(old_store->get());
  ASSERT_THAT(old_ids, IsOk());
  EXPECT_FALSE(old_ids->keyed());
  EXPECT_EQ(old_ids->For(key), DecisionIdFor(key));
  EXPECT_FALSE(OpenDecisionIds(old_store->get())->keyed());  // recorded: it stays so
  EXPECT_EQ(AdoptDecisionIdSecret(old_store->get(), std::string(32, 's')).code(),
            absl::StatusCode::kFailedPrecondition);

  // A keyed store that lost its secret is not taken for an old one: its
  // rules would decide again what they decided.
  testing::TempDir lost_dir;
  auto lost = Store::Open({lost_dir.path() + "/data"});
  ASSERT_THAT(lost, IsOk());
  EXPECT_EQ(AdoptDecisionIdSecret(lost->get(), "short").code(), absl::StatusCode::kInvalidArgument);
  storage::v1::DecisionRecord keyed_record = record;
  keyed_record.set_rule_id(key.rule_id);
  keyed_record.set_once_per(key.once_per);
  keyed_record.set_decision_id(DecisionIds::Keyed(std::string(32, 's')).For(key));
  WriteBatch lost_batch(**lost);
  PutNewDecision(&lost_batch, &keyed_record);
  ASSERT_THAT((*lost)->Write(&lost_batch, true), IsOk());
  EXPECT_THAT(OpenDecisionIds(lost->get()).status(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("its secret (key \"decision-ids\"")));
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
  PutNewDecision(&batch, &record);
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
  EXPECT_EQ((*read)->format_version(), 2u);
  EXPECT_EQ((*read)->recipients(0), "G1");
  int scanned = 0;
  ASSERT_THAT(ScanDecisions(**store, [&](const storage::v1::DecisionRecord&) { return ++scanned, true; }), IsOk());
  EXPECT_EQ(scanned, 1);
}

// A heatwave decision as the factory makes it: three broadcast inputs from
// one event, the subject's own inputs, and its creation.
storage::v1::DecisionRecord BroadcastDecision() {
  storage::v1::DecisionRecord d;
  d.set_format_version(StorageFormat<storage::v1::DecisionRecord>::kWritten);
  d.set_decision_id("d-000ZWTFXTDDETEEN");
  d.set_person_id("P0211968");
  d.add_recipients("P0211968");
  d.set_triggered_by("broadcast heat-2026-07");
  d.mutable_created_at()->set_seconds(1788264008);
  d.mutable_created_at()->set_nanos(616495758);
  d.set_status(storage::v1::ISSUED);
  const auto input = [&](const std::string& path, const std::string& person, const std::string& source, int64_t at,
                         const std::string& event) {
    storage::v1::DecisionInput* in = d.add_inputs();
    in->set_path(path);
    in->set_person_id(person);
    in->mutable_value()->set_string_value("v");
    in->set_present(true);
    in->set_source(source);
    in->mutable_occurred_at()->set_seconds(at);
    in->set_event_id(event);
  };
  for (const char* path : {"broadcast.area", "broadcast.episode_id", "broadcast.level"}) {
    input(path, "", "meteo-france", 1788256800, "heat-2026-07");
  }
  input("person.birth_date", "P0211968", "etat-civil", 1736067600, "P0211968-civ");
  input("person.lives_alone", "P0211968", "paris-compte", 1714122000, "P0211968-pc");
  input("person.phone", "P0211968", "paris-compte", 1714122000, "P0211968-pc");
  input("person.guardians[0].phone", "G7", "paris-compte", 1714122000, "G7-pc");
  storage::v1::StatusChange* created = d.add_history();
  created->set_status(storage::v1::ISSUED);
  *created->mutable_at() = d.created_at();
  created->set_actor("engine");
  created->set_reason(std::string(CreationReason(storage::v1::ISSUED)));
  created->set_cause(d.triggered_by());
  storage::v1::StatusChange* contested = d.add_history();
  contested->set_status(storage::v1::IN_REVIEW);
  contested->mutable_at()->set_seconds(1788300000);
  contested->set_actor("citizen");
  contested->set_cause(d.triggered_by());
  return d;
}

// What a decision repeats is stored once; every reader gets it back whole.
TEST(StoredDecisionFormTest, ADecisionIsStoredCompactAndReadBackWhole) {
  storage::v1::DecisionRecord d = BroadcastDecision();
  const storage::v1::DecisionRecord before = d;
  const std::string stored = EncodeDecision(&d);
  EXPECT_TRUE(MessageDifferencer::Equals(d, before)) << "the record is put back: " << d.DebugString();
  EXPECT_LT(stored.size() + 150, EncodeRecord(before).size())
      << "about 50 bytes per broadcast input and 80 per creation";

  storage::v1::DecisionRecord raw;
  ASSERT_TRUE(raw.ParseFromString(stored));
  EXPECT_EQ(raw.format_version(), 2u);
  // The first broadcast input keeps the event's provenance; the other two
  // point to it.
  EXPECT_EQ(raw.inputs(0).source(), "meteo-france");
  EXPECT_EQ(raw.inputs(0).provenance_of_input(), 0u);
  for (int i : {1, 2}) {
    EXPECT_EQ(raw.inputs(i).provenance_of_input(), 1u) << i;
    EXPECT_EQ(raw.inputs(i).source(), "") << i;
    EXPECT_EQ(raw.inputs(i).event_id(), "") << i;
    EXPECT_FALSE(raw.inputs(i).has_occurred_at()) << i;
  }
  // The subject's inputs do not repeat the subject; the phone shares the
  // provenance of lives_alone (one event); the guardian's keeps both.
  EXPECT_TRUE(raw.inputs(3).of_subject());
  EXPECT_EQ(raw.inputs(3).person_id(), "");
  EXPECT_EQ(raw.inputs(5).provenance_of_input(), 5u);
  EXPECT_FALSE(raw.inputs(6).of_subject());
  EXPECT_EQ(raw.inputs(6).person_id(), "G7");
  EXPECT_EQ(raw.inputs(6).provenance_of_input(), 0u);
  EXPECT_EQ(raw.inputs(6).event_id(), "G7-pc");
  // The creation keeps only its status; the citizen's contest is as it was.
  EXPECT_TRUE(raw.history(0).creation());
  EXPECT_EQ(raw.history(0).status(), storage::v1::ISSUED);
  EXPECT_EQ(raw.history(0).actor(), "");
  EXPECT_FALSE(raw.history(0).has_at());
  EXPECT_FALSE(raw.history(1).creation());
  EXPECT_EQ(raw.history(1).cause(), d.triggered_by());

  ASSERT_THAT(DecodeDecision(stored, "decision d"), IsOk());
  EXPECT_TRUE(MessageDifferencer::Equals(*DecodeDecision(stored, "decision d"), before));

  // Through the store too, and a rewrite (a status change) stays exact.
  testing::TempDir dir;
  auto store = Store::Open({dir.path() + "/data"});
  ASSERT_THAT(store, IsOk());
  WriteBatch batch(**store);
  EXPECT_EQ(PutNewDecision(&batch, &d), stored);
  ASSERT_THAT((*store)->Write(&batch, true), IsOk());
  absl::StatusOr<std::optional<storage::v1::DecisionRecord>> read = ReadDecision(**store, d.decision_id());
  ASSERT_THAT(read, IsOk());
  ASSERT_TRUE(read->has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(**read, before)) << (*read)->DebugString();
  EXPECT_EQ(EncodeDecision(&**read), stored);
}

// Only what equals what it stands for is left out: an engine's status change
// at another time, or an input of another event, is stored whole.
TEST(StoredDecisionFormTest, WhatDiffersIsStoredWhole) {
  storage::v1::DecisionRecord d = BroadcastDecision();
  d.mutable_history(0)->set_reason("the offer was accepted");  // a formal decision's creation
  d.mutable_inputs(2)->mutable_occurred_at()->set_nanos(1);
  d.mutable_inputs(4)->set_person_id("P0211969");  // a pseudonymised subject's id, say
  const storage::v1::DecisionRecord before = d;
  const std::string stored = EncodeDecision(&d);
  EXPECT_TRUE(MessageDifferencer::Equals(d, before));
  storage::v1::DecisionRecord raw;
  ASSERT_TRUE(raw.ParseFromString(stored));
  EXPECT_FALSE(raw.history(0).creation());
  EXPECT_EQ(raw.history(0).reason(), "the offer was accepted");
  EXPECT_EQ(raw.inputs(1).provenance_of_input(), 1u);
  EXPECT_EQ(raw.inputs(2).provenance_of_input(), 0u);
  EXPECT_EQ(raw.inputs(2).occurred_at().nanos(), 1);
  EXPECT_FALSE(raw.inputs(4).of_subject());
  EXPECT_EQ(raw.inputs(4).person_id(), "P0211969");
  EXPECT_EQ(raw.inputs(5).provenance_of_input(), 5u) << "the phone's provenance is lives_alone's";
  ASSERT_THAT(DecodeDecision(stored, "decision d"), IsOk());
  EXPECT_TRUE(MessageDifferencer::Equals(*DecodeDecision(stored, "decision d"), before));
}

// Inputs of one event without a time, a creation sent to review, a record on
// an arena: compacted and read back the same.
TEST(StoredDecisionFormTest, EveryShapeOfRecordComesBackTheSame) {
  storage::v1::DecisionRecord d = BroadcastDecision();
  for (int i : {0, 1, 2}) d.mutable_inputs(i)->clear_occurred_at();
  d.set_status(storage::v1::IN_REVIEW);
  d.mutable_history(0)->set_status(storage::v1::IN_REVIEW);
  d.mutable_history(0)->set_reason(std::string(CreationReason(storage::v1::IN_REVIEW)));
  google::protobuf::Arena arena;
  auto* on_arena = google::protobuf::Arena::CreateMessage<storage::v1::DecisionRecord>(&arena);
  *on_arena = d;
  for (storage::v1::DecisionRecord* record : {&d, on_arena}) {
    const storage::v1::DecisionRecord before = *record;
    const std::string stored = EncodeDecision(record);
    EXPECT_TRUE(MessageDifferencer::Equals(*record, before));
    storage::v1::DecisionRecord raw;
    ASSERT_TRUE(raw.ParseFromString(stored));
    EXPECT_EQ(raw.inputs(2).provenance_of_input(), 1u);
    EXPECT_TRUE(raw.history(0).creation());
    absl::StatusOr<storage::v1::DecisionRecord> read = DecodeDecision(stored, "decision d");
    ASSERT_THAT(read, IsOk());
    EXPECT_TRUE(MessageDifferencer::Equals(*read, before)) << read->DebugString();
    EXPECT_EQ(read->history(0).reason(), "the rule requires a human review before notifying");
    EXPECT_FALSE(read->inputs(2).has_occurred_at());
  }
}

// Records written before format 2 are read as they are; a compact field that
// points nowhere is damage, named.
TEST(StoredDecisionFormTest, OlderRecordsReadAsTheyAreAndDamageIsNamed) {
  storage::v1::DecisionRecord older = BroadcastDecision();
  older.set_format_version(1);
  absl::StatusOr<storage::v1::DecisionRecord> read = DecodeDecision(EncodeRecord(older), "decision d");
  ASSERT_THAT(read, IsOk());
  EXPECT_TRUE(MessageDifferencer::Equals(*read, older));

  storage::v1::DecisionRecord damaged = BroadcastDecision();
  damaged.mutable_inputs(1)->set_provenance_of_input(2);  // itself
  EXPECT_THAT(DecodeDecision(EncodeRecord(damaged), "decision d-X"),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("decision d-X: input 2 (broadcast.episode_id) takes its provenance from input 2")));
  storage::v1::DecisionRecord no_subject = BroadcastDecision();
  no_subject.set_person_id("");
  no_subject.mutable_inputs(3)->set_of_subject(true);
  EXPECT_THAT(DecodeDecision(EncodeRecord(no_subject), "decision d-X"),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("input 4 (person.birth_date) is the subject's")));
  storage::v1::DecisionRecord late_creation = BroadcastDecision();
  late_creation.mutable_history(1)->set_creation(true);
  EXPECT_THAT(DecodeDecision(EncodeRecord(late_creation), "decision d-X"),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("status change 2 is the creation")));
  storage::v1::DecisionRecord newer = BroadcastDecision();
  newer.set_format_version(3);
  EXPECT_THAT(DecodeDecision(EncodeRecord(newer), "decision d-X"),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("storage format version 3 is not 1 to 2")));
}

}  // namespace
}  // namespace proactive
