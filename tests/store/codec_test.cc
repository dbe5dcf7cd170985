// Round trip of every storage encoding (proto/proactive/storage/v1): what is
// written is read back identical, and bad bytes are DATA_LOSS.
#include "engine/store/codec.h"

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "proactive/storage/v1/storage.pb.h"
#include "tests/testing/status_matchers.h"

namespace proactive {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::proactive::testing::IsOk;
using ::proactive::testing::IsOkAndHolds;
using ::proactive::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Property;

// One value of every kind.
std::vector<storage::v1::Value> AllValueKinds() {
  std::vector<storage::v1::Value> values(11);
  values[0].set_null_value(true);
  values[1].set_bool_value(true);
  values[2].set_int_value(-9007199254740993);
  values[3].set_double_value(0.1);
  values[4].set_string_value("Hôtel de Ville");
  values[5].set_date_days(-719162);  // 0001-01-01
  values[6].mutable_money_value()->set_cents(123456);
  values[6].mutable_money_value()->set_currency("EUR");
  values[7].mutable_timestamp_value()->set_seconds(1782892800);
  values[7].mutable_timestamp_value()->set_nanos(5);
  values[8].mutable_duration_value()->set_seconds(-90);
  values[8].mutable_duration_value()->set_nanos(-500);
  *values[9].mutable_list_value()->add_values() = values[4];
  *values[9].mutable_list_value()->add_values() = values[6];
  values[10].set_person_id("P000123");
  return values;
}

template <typename Record>
void ExpectRoundTrip(const Record& record) {
  std::string bytes = EncodeRecord(record);
  EXPECT_EQ(EncodeRecord(record), bytes) << "encoding must be deterministic";
  absl::StatusOr<Record> back = DecodeRecord<Record>(bytes, "test record");
  ASSERT_THAT(back, IsOk());
  EXPECT_TRUE(MessageDifferencer::Equals(*back, record)) << back->DebugString() << "\nvs\n" << record.DebugString();
}

TEST(CodecTest, PersonStateRoundTrips) {
  storage::v1::PersonState state;
  state.set_format_version(kStorageFormatVersion);
  state.set_person_id("P1");
  state.set_household_id("H1");
  state.mutable_household_occurred_at()->set_seconds(100);
  state.set_household_sequence(7);
  state.set_events_applied(3);
  int i = 0;
  for (const storage::v1::Value& v : AllValueKinds()) {
    storage::v1::AttributeEntry* a = state.add_attributes();
    a->set_name("attribute_" + std::to_string(i++));
    *a->mutable_value() = v;
    a->set_source("etat-civil");
    a->mutable_occurred_at()->set_seconds(1000 + i);
    a->set_event_id("e" + std::to_string(i));
    a->set_sequence(i);
  }
  storage::v1::AttributeEntry* removed = state.add_attributes();
  removed->set_name("zz_removed");
  removed->set_removed(true);
  storage::v1::LinkEntry* link = state.add_links();
  link->set_relation(storage::v1::RELATION_GUARDIAN);
  link->set_person_id("P2");
  link->set_removed(true);
  link->set_event_id("e9");
  ExpectRoundTrip(state);
}

TEST(CodecTest, EventLogEntriesRoundTrip) {
  storage::v1::EventLogEntry person;
  person.set_format_version(kStorageFormatVersion);
  person.set_sequence(42);
  person.mutable_received_at()->set_seconds(1782892800);
  person.set_fingerprint(std::string(32, '\xAB'));
  storage::v1::PersonEventRecord* p = person.mutable_person();
  p->set_event_id("civ-1");
  p->set_person_id("P1");
  p->set_household_id("H1");
  p->set_source("etat-civil");
  p->mutable_occurred_at()->set_seconds(1676451600);
  for (const storage::v1::Value& v : AllValueKinds()) {
    storage::v1::NamedValue* named = p->add_set();
    named->set_name("a" + std::to_string(p->set_size()));
    *named->mutable_value() = v;
  }
  p->add_removed("phone");
  p->add_links_added()->set_person_id("P2");
  p->add_links_removed()->set_relation(storage::v1::RELATION_CHILD);
  ExpectRoundTrip(person);

  storage::v1::EventLogEntry broadcast;
  broadcast.set_format_version(kStorageFormatVersion);
  broadcast.set_sequence(43);
  storage::v1::BroadcastEventRecord* b = broadcast.mutable_broadcast();
  b->set_event_id("hw-1");
  b->set_topic("weather.heatwave");
  b->set_area("75");
  b->set_source("meteo-france");
  storage::v1::NamedValue* level = b->add_fields();
  level->set_name("level");
  level->mutable_value()->set_string_value("red");
  ExpectRoundTrip(broadcast);
}

TEST(CodecTest, EventIdEntryRoundTrips) {
  storage::v1::EventIdEntry entry;
  entry.set_format_version(kStorageFormatVersion);
  entry.set_sequence(UINT64_MAX);
  entry.set_fingerprint(std::string(32, '\0'));
  ExpectRoundTrip(entry);
}

// EncodeVersionedRecord writes field 1 before the record's own encoding.
TEST(CodecTest, EveryStorageRecordKeepsItsFormatVersionInFieldOne) {
  const google::protobuf::FileDescriptor* file = storage::v1::PersonState::descriptor()->file();
  int versioned = 0;
  for (int i = 0; i < file->message_type_count(); ++i) {
    const google::protobuf::Descriptor* message = file->message_type(i);
    const google::protobuf::FieldDescriptor* field = message->FindFieldByName("format_version");
    if (field == nullptr) continue;
    ++versioned;
    EXPECT_EQ(field->number(), 1) << message->full_name();
    EXPECT_EQ(field->type(), google::protobuf::FieldDescriptor::TYPE_UINT32) << message->full_name();
  }
  EXPECT_GE(versioned, 10);
}

template <typename Record>
void ExpectVersionedEncodingOfCopy(Record record) {
  constexpr uint32_t kWritten = StorageFormat<Record>::kWritten;
  Record with_version = record;
  with_version.set_format_version(kWritten);
  const std::string expected = EncodeRecord(with_version);
  for (uint32_t version : {0u, 1u, kWritten, kWritten + 6}) {
    record.set_format_version(version);
    EXPECT_EQ(EncodeVersionedRecord(record), expected) << "from version " << version;
    EXPECT_EQ(record.format_version(), version) << "the record is not changed";
  }
  ASSERT_THAT(DecodeRecord<Record>(expected, "test record"), IsOk());
}

TEST(CodecTest, AVersionedEncodingIsTheEncodingOfTheRecordWithTheVersionSet) {
  storage::v1::PersonState state;
  state.set_person_id("P1");
  state.set_household_id("H1");
  for (const storage::v1::Value& v : AllValueKinds()) {
    storage::v1::AttributeEntry* a = state.add_attributes();
    a->set_name("attribute_" + std::to_string(state.attributes_size()));
    *a->mutable_value() = v;
  }
  ExpectVersionedEncodingOfCopy(state);
  ExpectVersionedEncodingOfCopy(storage::v1::PersonState());  // nothing but the version

  storage::v1::OutboxMessage message;
  message.set_message_id("m1");
  message.set_recipient("P1");
  message.set_status(storage::v1::MESSAGE_PENDING);
  message.mutable_ready_at()->set_seconds(1782892800);
  ExpectVersionedEncodingOfCopy(message);

  storage::v1::EventIdEntry entry;
  entry.set_sequence(UINT64_MAX);
  entry.set_fingerprint(std::string(32, '\xAB'));
  ExpectVersionedEncodingOfCopy(entry);
}

TEST(CodecTest, ARecordAsAFieldIsTheEncodingOfTheMessageHoldingIt) {
  storage::v1::PersonEventRecord person;
  person.set_event_id("civ-1");
  person.set_person_id(std::string(150, 'p'));  // a length of two bytes
  storage::v1::EventLogEntry entry;
  *entry.mutable_person() = person;
  EXPECT_EQ(EncodeRecordAsField(storage::v1::EventLogEntry::kPersonFieldNumber, person), EncodeRecord(entry));
  // Set but empty: the tag and a zero length.
  storage::v1::EventLogEntry empty;
  empty.mutable_broadcast();
  EXPECT_EQ(EncodeRecordAsField(storage::v1::EventLogEntry::kBroadcastFieldNumber, empty.broadcast()),
            EncodeRecord(empty));
}

TEST(CodecTest, GarbageIsDataLoss) {
  EXPECT_THAT(DecodeRecord<storage::v1::PersonState>("\xFF\xFF\xFF", "person P1"),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("person P1")));
}

TEST(CodecTest, UnknownFormatVersionIsDataLoss) {
  storage::v1::PersonState future;
  future.set_format_version(2);
  EXPECT_THAT(DecodeRecord<storage::v1::PersonState>(EncodeRecord(future), "person P1"),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("format version 2 is not 1 ")));
  future.set_format_version(0);
  EXPECT_THAT(DecodeRecord<storage::v1::PersonState>(EncodeRecord(future), "person P1"),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("format version 0")));
}

// A record type whose stored form changed in a way older engines would
// misread is written at a higher version: this engine reads every version
// up to it, an older one refuses the new records.
TEST(CodecTest, ARecordTypeReadsEveryVersionUpToTheOneItWrites) {
  storage::v1::OutboxMessage message;
  message.set_message_id("m1");
  message.set_text_by_rule_set(true);
  EXPECT_EQ(StorageFormat<storage::v1::OutboxMessage>::kWritten, 2u);
  ASSERT_THAT(DecodeRecord<storage::v1::OutboxMessage>(EncodeVersionedRecord(message), "message m1"),
              IsOkAndHolds(Property(&storage::v1::OutboxMessage::format_version, 2u)));
  message.set_format_version(1);  // written before text_by_rule_set
  EXPECT_THAT(DecodeRecord<storage::v1::OutboxMessage>(EncodeRecord(message), "message m1"), IsOk());
  message.set_format_version(3);
  EXPECT_THAT(DecodeRecord<storage::v1::OutboxMessage>(EncodeRecord(message), "message m1"),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("message m1: storage format version 3 is not 1 to 2")));
}

}  // namespace
}  // namespace proactive
