#include "engine/client/event_json.h"

#include "engine/common/field_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/ingest/test_events.h"
#include "tests/testing/status_matchers.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;
using ::proactive::testing::StatusIs;
using ::testing::HasSubstr;

class EventJsonTest : public ::testing::Test {
 protected:
  AttributeSchema schema_ = testing::ProjectSchema();
};

TEST_F(EventJsonTest, ParsesAPersonEventWithTypedValues) {
  absl::StatusOr<v1::PublishRequest> r =
      ParseEventJson(R"({"event_id":"caf-1","person_id":"P1","household_id":"H1","source":"caf",)"
                     R"("occurred_at":"2026-01-05T10:00:00+01:00","set":{"yearly_income":"11500.50 EUR",)"
                     R"("receives_rsa":false,"arrondissement":19},"remove":["address_key"],)"
                     R"("links_added":[{"relation":"child","person_id":"C1"}]})",
                     schema_);
  ASSERT_THAT(r, IsOk());
  const v1::PersonEvent& e = r->person();
  EXPECT_EQ(e.event_id(), "caf-1");
  EXPECT_EQ(e.household_id(), "H1");
  EXPECT_EQ(e.occurred_at().seconds(), 1767603600);  // 09:00 UTC
  ASSERT_EQ(e.set_size(), 3);
  std::map<std::string, v1::Value> values;
  for (const auto& a : e.set()) values[a.name()] = a.value();
  EXPECT_EQ(values["yearly_income"].money_value().cents(), 1150050);
  EXPECT_EQ(values["yearly_income"].money_value().currency(), "EUR");
  EXPECT_FALSE(values["receives_rsa"].bool_value());
  EXPECT_EQ(values["arrondissement"].int_value(), 19);
  EXPECT_EQ(e.removed(0), "address_key");
  EXPECT_EQ(e.links_added(0).relation(), v1::RELATION_CHILD);
}

TEST_F(EventJsonTest, RoundTripsThroughEventToJson) {
  const std::string line =
      R"({"event_id":"civ-1","household_id":"H1","links_added":[{"person_id":"G1","relation":"guardian"}],)"
      R"("occurred_at":"2023-02-15T09:00:00Z","person_id":"C1","set":{"birth_date":"2023-02-14"},"source":"etat-civil"})";
  absl::StatusOr<v1::PublishRequest> r = ParseEventJson(line, schema_);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(EventToJson(*r), line);
  const std::string broadcast =
      R"({"area":"75","event_id":"hw-1","fields":{"episode_id":"2026-07-a","level":"red"},)"
      R"("occurred_at":"2026-07-01T06:00:00Z","source":"meteo-france","topic":"weather.heatwave"})";
  absl::StatusOr<v1::PublishRequest> b = ParseEventJson(broadcast, schema_);
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(EventToJson(*b), broadcast);
}

TEST_F(EventJsonTest, NamesTheJsonPathOfEveryMistake) {
  const auto error = [&](const std::string& line) { return ParseEventJson(line, schema_).status(); };
  const std::string head =
      R"({"event_id":"e","person_id":"P","source":"etat-civil","occurred_at":"2023-01-01T00:00:00Z",)";
  EXPECT_THAT(error(head + R"("set":{"birth_date":"14/02/2023"}})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "set.birth_date: \"14/02/2023\" is not a date of the form YYYY-MM-DD"));
  EXPECT_THAT(
      error(head + R"("set":{"arrondissement":"11"}})"),
      StatusIs(absl::StatusCode::kInvalidArgument, "set.arrondissement: expected an integer, got a string \"11\""));
  EXPECT_THAT(
      error(head + R"("set":{"brith_date":"2023-01-01"}})"),
      StatusIs(absl::StatusCode::kInvalidArgument, "set.brith_date: unknown attribute (did you mean \"birth_date\"?)"));
  EXPECT_THAT(error(head + R"("colour":"blue"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("colour: unknown key")));
  EXPECT_THAT(error(R"({"person_id":"P"})"), StatusIs(absl::StatusCode::kInvalidArgument, "event_id: is required"));
  EXPECT_THAT(error(R"({"event_id": )"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not valid JSON at byte")));
  EXPECT_THAT(error("{\"event_id\":\"e\xFF\"}"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not valid JSON")));
  EXPECT_THAT(error("[1,2]"), StatusIs(absl::StatusCode::kInvalidArgument, "each line must be one JSON object"));
}

// Found by tests/fuzz/event_json_fuzzer: nlohmann throws out_of_range, not
// parse_error, for a number beyond a double, and the exception escaped (a
// crash of proactivectl publish on one bad line).
TEST_F(EventJsonTest, ANumberTooLargeForADoubleIsAnErrorNotACrash) {
  const std::string line =
      R"({"event_id":"c-2","person_id":"P1","source":"etat-civil","occurred_at":"2026-01-01T00:00:00Z",)"
      R"("set":{"arrondissement":1e400}})";
  EXPECT_THAT(ParseEventJson(line, schema_),
              StatusIs(absl::StatusCode::kInvalidArgument, "not valid JSON: number overflow parsing '1e400'"));
}

}  // namespace
}  // namespace proactive
