// The catalogue of refused events: each class of bad input, with its exact
// error naming the field.
#include "engine/ingest/event_validator.h"

#include "engine/common/field_error.h"
#include "engine/common/sha256.h"
#include "engine/store/codec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/ingest/test_events.h"
#include "tests/testing/status_matchers.h"

namespace proactive {
namespace {

using ::proactive::testing::At;
using ::proactive::testing::BirthEvent;
using ::proactive::testing::DateValue;
using ::proactive::testing::IntValue;
using ::proactive::testing::IsOk;
using ::proactive::testing::StatusIs;
using ::proactive::testing::StringValue;

class EventValidatorTest : public ::testing::Test {
 protected:
  absl::StatusOr<ValidatedEvent> Validate(const v1::PublishRequest& request) {
    return ValidatePublishRequest(request, schema_, limits_, now_);
  }
  // Expects INVALID_ARGUMENT with exactly `message`, and the field attached.
  void ExpectRefused(const v1::PublishRequest& request, const std::string& field, const std::string& message) {
    absl::StatusOr<ValidatedEvent> result = Validate(request);
    EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument, message));
    EXPECT_EQ(ErrorField(result.status()), field);
  }

  AttributeSchema schema_ = testing::ProjectSchema();
  IngestLimits limits_;
  absl::Time now_ = absl::FromCivil(absl::CivilSecond(2026, 11, 21, 12, 0, 0), absl::UTCTimeZone());
};

TEST_F(EventValidatorTest, AcceptsAWellFormedEventInCanonicalOrder) {
  v1::PublishRequest request = BirthEvent("civ-1", "P1");
  v1::Attribute* arrondissement = request.mutable_person()->add_set();
  arrondissement->set_name("arrondissement");
  *arrondissement->mutable_value() = IntValue(11);
  absl::StatusOr<ValidatedEvent> event = Validate(request);
  ASSERT_THAT(event, IsOk());
  EXPECT_EQ(event->event_id(), "civ-1");
  ASSERT_EQ(event->entry.person().set_size(), 2);
  EXPECT_EQ(event->entry.person().set(0).name(), "arrondissement");    // sorted
  EXPECT_EQ(event->entry.person().set(1).value().date_days(), 19402);  // 2023-02-14
  EXPECT_EQ(event->entry.fingerprint().size(), 32u);

  // The same facts in another order have the same fingerprint.
  v1::PublishRequest reordered = request;
  reordered.mutable_person()->mutable_set()->SwapElements(0, 1);
  absl::StatusOr<ValidatedEvent> again = Validate(reordered);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->entry.fingerprint(), event->entry.fingerprint());
}

TEST_F(EventValidatorTest, MissingIds) {
  v1::PublishRequest r = BirthEvent("civ-1", "P1");
  r.mutable_person()->clear_event_id();
  ExpectRefused(r, "event_id", "event_id: is required");
  r = BirthEvent("civ-1", "");
  ExpectRefused(r, "person_id", "person_id: is required");
  r = BirthEvent("civ-1", "P1");
  r.mutable_person()->clear_source();
  ExpectRefused(r, "source", "source: is required");
  r = BirthEvent("civ-1", "P1");
  r.mutable_person()->clear_occurred_at();
  ExpectRefused(r, "occurred_at", "occurred_at: is required (when the fact happened, RFC 3339)");
  ExpectRefused(v1::PublishRequest(), "event", "event: the request holds neither a person nor a broadcast event");
}

TEST_F(EventValidatorTest, BadIdentifiers) {
  ExpectRefused(BirthEvent("civ 1", "P1"), "event_id", "event_id: has a space or control character at byte 3");
  ExpectRefused(BirthEvent("civ-1", std::string(129, 'P')), "person_id",
                "person_id: 129 bytes exceed the limit of 128");
  ExpectRefused(BirthEvent("civ-1", "P\xFF"), "person_id", "person_id: invalid UTF-8 at byte 1");
}

TEST_F(EventValidatorTest, UnknownAttributeWithHint) {
  v1::PublishRequest r = BirthEvent("civ-1", "P1");
  r.mutable_person()->mutable_set(0)->set_name("brith_date");
  ExpectRefused(r, "set[0].name",
                "set[0].name: unknown attribute \"brith_date\" (did you mean \"birth_date\"?); "
                "attributes are declared in rules/schema.yaml");
}

TEST_F(EventValidatorTest, WrongType) {
  v1::PublishRequest r = BirthEvent("civ-1", "P1");
  *r.mutable_person()->mutable_set(0)->mutable_value() = StringValue("2023-02-14");
  ExpectRefused(r, "set[0].value", "set[0].value: \"birth_date\" expects date, got string");
}

TEST_F(EventValidatorTest, MalformedDate) {
  ExpectRefused(BirthEvent("civ-1", "P1", 2023, 13, 1), "set[0].value.date_value",
                "set[0].value.date_value: month 13 is not in 1..12");
  ExpectRefused(BirthEvent("civ-1", "P1", 2023, 2, 29), "set[0].value.date_value",
                "set[0].value.date_value: 2023-02-29 does not exist (day 29)");
}

TEST_F(EventValidatorTest, InvalidUtf8InAValue) {
  v1::PublishRequest r = BirthEvent("pc-1", "P1");
  r.mutable_person()->set_source("paris-compte");
  r.mutable_person()->mutable_set(0)->set_name("phone");
  *r.mutable_person()->mutable_set(0)->mutable_value() = StringValue("+33\xC3\x28");
  ExpectRefused(r, "set[0].value", "set[0].value: invalid UTF-8 at byte 3");
}

TEST_F(EventValidatorTest, OutOfRangeAndNotAllowedValues) {
  v1::PublishRequest r = BirthEvent("civ-1", "P1");
  r.mutable_person()->mutable_set(0)->set_name("arrondissement");
  *r.mutable_person()->mutable_set(0)->mutable_value() = IntValue(21);
  ExpectRefused(r, "set[0].value", "set[0].value: 21 is above the maximum 20 of \"arrondissement\"");
  r.mutable_person()->set_source("paris-compte");
  r.mutable_person()->mutable_set(0)->set_name("preferred_language");
  *r.mutable_person()->mutable_set(0)->mutable_value() = StringValue("de");
  ExpectRefused(r, "set[0].value", "set[0].value: \"de\" is not one of the values of \"preferred_language\": fr, en");
}

TEST_F(EventValidatorTest, SourceMustOwnTheAttribute) {
  v1::PublishRequest r = BirthEvent("caf-1", "P1");
  r.mutable_person()->set_source("caf");
  ExpectRefused(r, "set[0].name", "set[0].name: source \"caf\" may not set \"birth_date\"; it is owned by: etat-civil");
}

TEST_F(EventValidatorTest, MoneyCurrencyMustBeTheSchemas) {
  v1::PublishRequest r = BirthEvent("caf-1", "P1");
  r.mutable_person()->set_source("caf");
  r.mutable_person()->mutable_set(0)->set_name("yearly_income");
  v1::Value* v = r.mutable_person()->mutable_set(0)->mutable_value();
  v->mutable_money_value()->set_cents(1200000);
  v->mutable_money_value()->set_currency("USD");
  ExpectRefused(r, "set[0].value.money_value.currency",
                "set[0].value.money_value.currency: \"USD\" is not the schema's currency EUR");
}

TEST_F(EventValidatorTest, NullAndDuplicateAttributes) {
  v1::PublishRequest r = BirthEvent("civ-1", "P1");
  r.mutable_person()->mutable_set(0)->mutable_value()->set_null_value(v1::NULL_VALUE);
  ExpectRefused(r, "set[0].value",
                "set[0].value: null is not a value of \"birth_date\"; list the attribute in "
                "`removed` to clear it");
  r = BirthEvent("civ-1", "P1");
  *r.mutable_person()->add_set() = r.person().set(0);
  ExpectRefused(r, "set[1].name", "set[1].name: \"birth_date\" is set twice in this event");
  r = BirthEvent("civ-1", "P1");
  r.mutable_person()->add_removed("birth_date");
  ExpectRefused(r, "removed[0]", "removed[0]: \"birth_date\" is both set and removed, or removed twice");
}

TEST_F(EventValidatorTest, Links) {
  v1::PublishRequest r = BirthEvent("civ-1", "P1");
  v1::Link* link = r.mutable_person()->add_links_added();
  link->set_person_id("P2");
  ExpectRefused(r, "links_added[0].relation", "links_added[0].relation: must be RELATION_GUARDIAN or RELATION_CHILD");
  link->set_relation(v1::RELATION_GUARDIAN);
  link->set_person_id("P1");
  ExpectRefused(r, "links_added[0].person_id", "links_added[0].person_id: a person cannot be linked to themself");
}

TEST_F(EventValidatorTest, FutureAndOversizedEvents) {
  v1::PublishRequest r = BirthEvent("civ-1", "P1");
  *r.mutable_person()->mutable_occurred_at() = At(2027, 1, 1);
  ExpectRefused(r, "occurred_at",
                "occurred_at: 2027-01-01T09:00:00Z is in the future (more than 24h ahead of the "
                "engine's clock)");
  r = BirthEvent("civ-1", "P1");
  r.mutable_person()->set_household_id(std::string(100, 'H'));
  limits_.max_event_bytes = 100;
  absl::StatusOr<ValidatedEvent> result = Validate(r);
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument,
                               ::testing::MatchesRegex("event: [0-9]+ bytes exceed the limit of 100 bytes per event")));
}

// Found by the bad-input catalogue: the refusal quoted the invalid bytes, so
// the answer itself was not valid UTF-8 (a strict client cannot decode it).
TEST_F(EventValidatorTest, AnInvalidUtf8CurrencyIsNotQuotedInTheError) {
  v1::PublishRequest r = BirthEvent("caf-1", "P1");
  r.mutable_person()->set_source("caf");
  r.mutable_person()->mutable_set(0)->set_name("yearly_income");
  v1::Value* v = r.mutable_person()->mutable_set(0)->mutable_value();
  v->mutable_money_value()->set_cents(100);
  v->mutable_money_value()->set_currency("EU\xFF");
  ExpectRefused(r, "set[0].value.money_value.currency", "set[0].value.money_value.currency: invalid UTF-8 at byte 2");
}

TEST_F(EventValidatorTest, AnInvalidUtf8TopicFieldNameIsNotQuotedInTheError) {
  v1::PublishRequest r;
  v1::BroadcastEvent* b = r.mutable_broadcast();
  b->set_event_id("hw-1");
  b->set_topic("weather.heatwave");
  b->set_source("meteo-france");
  *b->mutable_occurred_at() = At(2026, 7, 1);
  v1::Attribute* level = b->add_fields();
  level->set_name("lev\xFF");
  *level->mutable_value() = StringValue("orange");
  ExpectRefused(r, "fields[0].name", "fields[0].name: invalid UTF-8 at byte 3");
}

// Found by tests/fuzz/event_proto_fuzzer: unknown fields inside a nested
// Timestamp were copied into the stored canonical form, so the same event
// with and without them had two fingerprints (a retry answered
// ALREADY_EXISTS instead of DUPLICATE) and the caller's bytes were stored.
TEST_F(EventValidatorTest, UnknownFieldsInATimestampAreNeitherStoredNorFingerprinted) {
  v1::PublishRequest plain = BirthEvent("civ-1", "P1");
  plain.mutable_person()->set_source("ants");
  plain.mutable_person()->mutable_set(0)->set_name("id_card_expiry");
  v1::PublishRequest padded = plain;
  google::protobuf::Timestamp* occurred = padded.mutable_person()->mutable_occurred_at();
  occurred->GetReflection()->MutableUnknownFields(occurred)->AddLengthDelimited(1, "id)card]expiry");
  occurred->GetReflection()->MutableUnknownFields(occurred)->AddVarint(99, 7);
  ASSERT_NE(plain.SerializeAsString(), padded.SerializeAsString());
  absl::StatusOr<ValidatedEvent> a = Validate(plain), b = Validate(padded);
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(a->entry.fingerprint(), b->entry.fingerprint());
  EXPECT_EQ(a->entry.SerializeAsString(), b->entry.SerializeAsString());
}

// Stored fingerprints are compared with those of resent events: the digest
// must stay that of the entry holding the event alone, as EncodeRecord
// writes it, whatever way it is computed.
TEST_F(EventValidatorTest, TheFingerprintIsTheDigestOfTheEntryHoldingTheEventAlone) {
  const auto reference = [](const storage::v1::EventLogEntry& entry) {
    storage::v1::EventLogEntry canonical;
    if (entry.has_person()) *canonical.mutable_person() = entry.person();
    if (entry.has_broadcast()) *canonical.mutable_broadcast() = entry.broadcast();
    return Sha256Digest(EncodeRecord(canonical));
  };
  v1::PublishRequest person = BirthEvent("civ-1", "P1");
  v1::Link* link = person.mutable_person()->add_links_added();
  link->set_relation(v1::RELATION_GUARDIAN);
  link->set_person_id("G1");
  v1::PublishRequest broadcast;
  v1::BroadcastEvent* b = broadcast.mutable_broadcast();
  b->set_event_id("hw-1");
  b->set_topic("weather.heatwave");
  b->set_area("75");
  b->set_source("meteo-france");
  *b->mutable_occurred_at() = At(2026, 7, 1);
  for (const auto& [name, value] :
       {std::pair<const char*, const char*>{"level", "orange"}, {"episode_id", "2026-07-a"}}) {
    v1::Attribute* field = b->add_fields();
    field->set_name(name);
    *field->mutable_value() = StringValue(value);
  }
  for (const v1::PublishRequest& request : {person, broadcast}) {
    absl::StatusOr<ValidatedEvent> validated = Validate(request);
    ASSERT_THAT(validated, IsOk());
    EXPECT_EQ(validated->entry.fingerprint(), reference(validated->entry)) << request.DebugString();
  }
  // Pinned: a change of the encoding would move the reference too.
  EXPECT_EQ(ToHex(Validate(person)->entry.fingerprint()),
            "ad19e162752d8f679781bda5231482fe68369e9a4fc9c526c71c4c1012b9f669");
  // A person event of more than 127 bytes: a length of two bytes.
  v1::PublishRequest long_person = person;
  long_person.mutable_person()->set_person_id(std::string(120, 'p'));
  long_person.mutable_person()->mutable_links_added(0)->set_person_id(std::string(120, 'g'));
  absl::StatusOr<ValidatedEvent> validated = Validate(long_person);
  ASSERT_THAT(validated, IsOk());
  ASSERT_GT(validated->entry.person().ByteSizeLong(), 127u);
  EXPECT_EQ(validated->entry.fingerprint(), reference(validated->entry));
  // An entry with neither (an erased event): the digest of nothing.
  storage::v1::EventLogEntry erased;
  erased.mutable_erased()->set_event_id("civ-1");
  EXPECT_EQ(EventFingerprint(erased), reference(erased));
}

TEST_F(EventValidatorTest, Broadcasts) {
  v1::PublishRequest r;
  v1::BroadcastEvent* b = r.mutable_broadcast();
  b->set_event_id("hw-1");
  b->set_topic("weather.heatwave");
  b->set_area("75");
  b->set_source("meteo-france");
  *b->mutable_occurred_at() = At(2026, 7, 1);
  v1::Attribute* level = b->add_fields();
  level->set_name("level");
  *level->mutable_value() = StringValue("orange");
  ExpectRefused(r, "fields", "fields: topic \"weather.heatwave\" requires field \"episode_id\"");
  v1::Attribute* episode = b->add_fields();
  episode->set_name("episode_id");
  *episode->mutable_value() = StringValue("2026-07-a");
  ASSERT_THAT(Validate(r), IsOk());
  b->set_topic("weather.storm");
  ExpectRefused(r, "topic", "topic: unknown topic \"weather.storm\"; topics are declared in rules/schema.yaml");
  b->set_topic("weather.heatwave");
  b->set_source("caf");
  ExpectRefused(r, "source", "source: source \"caf\" may not publish \"weather.heatwave\"");
  b->set_source("meteo-france");
  *level->mutable_value() = StringValue("purple");
  ExpectRefused(r, "fields[0].value",
                "fields[0].value: \"purple\" is not one of the values of \"level\": green, yellow, orange, red");
}

}  // namespace
}  // namespace proactive
