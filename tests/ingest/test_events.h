// Builders of API events for ingestion tests.
#ifndef PROACTIVE_TESTS_INGEST_TEST_EVENTS_H_
#define PROACTIVE_TESTS_INGEST_TEST_EVENTS_H_

#include <string>
#include <utility>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/schema/attribute_schema.h"
#include "proactive/storage/v1/storage.pb.h"
#include "proactive/v1/ingestion.pb.h"
#include "tests/testing/daemon_process.h"

namespace proactive::testing {

// The decision id secret of the tests' stores (AdoptDecisionIdSecret): tests
// that compare two engines' stores give both the same.
inline constexpr char kTestDecisionIdSecret[] = "the tests' decision id secret 32";  // 32 bytes

inline google::protobuf::Timestamp At(int year, int month, int day, int hour = 9) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(
      absl::ToUnixSeconds(absl::FromCivil(absl::CivilSecond(year, month, day, hour, 0, 0), absl::UTCTimeZone())));
  return ts;
}

inline v1::Value DateValue(int year, int month, int day) {
  v1::Value v;
  v.mutable_date_value()->set_year(year);
  v.mutable_date_value()->set_month(month);
  v.mutable_date_value()->set_day(day);
  return v;
}

inline v1::Value StringValue(const std::string& s) {
  v1::Value v;
  v.set_string_value(s);
  return v;
}

inline v1::Value IntValue(int64_t i) {
  v1::Value v;
  v.set_int_value(i);
  return v;
}

// An event of `source` for `person_id`, occurred at `occurred_at`, setting
// one attribute.
inline v1::PublishRequest AttributeEvent(const std::string& event_id, const std::string& person_id,
                                         const std::string& source, google::protobuf::Timestamp occurred_at,
                                         const std::string& attribute, v1::Value value) {
  v1::PublishRequest request;
  v1::PersonEvent* e = request.mutable_person();
  e->set_event_id(event_id);
  e->set_person_id(person_id);
  e->set_source(source);
  *e->mutable_occurred_at() = std::move(occurred_at);
  v1::Attribute* a = e->add_set();
  a->set_name(attribute);
  *a->mutable_value() = std::move(value);
  return request;
}

// A civil-registry event for `person_id` setting its birth date.
inline v1::PublishRequest BirthEvent(const std::string& event_id, const std::string& person_id, int year = 2023,
                                     int month = 2, int day = 14) {
  return AttributeEvent(event_id, person_id, "etat-civil", At(2023, 2, 15), "birth_date", DateValue(year, month, day));
}

// A red heatwave warning for Paris (area 75), episode "e1", as stored.
inline storage::v1::BroadcastEventRecord RedHeatwaveRecord() {
  storage::v1::BroadcastEventRecord broadcast;
  broadcast.set_topic("weather.heatwave");
  broadcast.set_area("75");
  for (const auto& [name, value] : {std::pair{"episode_id", "e1"}, std::pair{"level", "red"}}) {
    storage::v1::NamedValue* field = broadcast.add_fields();
    field->set_name(name);
    field->mutable_value()->set_string_value(value);
  }
  return broadcast;
}

inline AttributeSchema ProjectSchema() {
  std::vector<Diagnostic> diagnostics;
  absl::StatusOr<AttributeSchema> schema = AttributeSchema::LoadFile(SourceDir() + "/rules/schema.yaml", &diagnostics);
  if (!schema.ok()) std::abort();
  return *std::move(schema);
}

}  // namespace proactive::testing

#endif  // PROACTIVE_TESTS_INGEST_TEST_EVENTS_H_
