#include "tests/scenarios/bad_input_cases.h"

#include <cmath>
#include <functional>
#include <limits>

#include "absl/strings/str_cat.h"
#include "tests/ingest/test_events.h"

namespace proactive::testing {

const char kExtraAttributesYaml[] = R"(  test_double:
    type: double
    sources: [etat-civil]
    category: administrative
    description: Catalogue test only.
  test_timestamp:
    type: timestamp
    sources: [etat-civil]
    category: administrative
    description: Catalogue test only.
  test_duration:
    type: duration
    sources: [etat-civil]
    category: administrative
    description: Catalogue test only.
  test_dates:
    type: list<date>
    sources: [etat-civil]
    category: administrative
    description: Catalogue test only.

)";

namespace {

using Mutation = std::function<void(v1::PersonEvent*)>;
using BroadcastMutation = std::function<void(v1::BroadcastEvent*)>;

v1::Value Int(int64_t i) { return IntValue(i); }
v1::Value Str(const std::string& s) { return StringValue(s); }

class CaseList {
 public:
  // A valid civil-registry event for person CAT-<n>, changed by `mutate`.
  void Person(const std::string& name, const std::string& message, const Mutation& mutate, bool exact = true) {
    const std::string n = std::to_string(cases_.size());
    v1::PublishRequest request = BirthEvent("cat-" + n, "CAT-" + n);
    mutate(request.mutable_person());
    Add(name, std::move(request), message, exact, "CAT-" + n);
  }

  // Sets one attribute (replacing the birth date) from `source`.
  void Value(const std::string& name, const std::string& source, const std::string& attribute, const v1::Value& value,
             const std::string& message) {
    Person(name, message, [&](v1::PersonEvent* e) {
      e->set_source(source);
      e->mutable_set(0)->set_name(attribute);
      *e->mutable_set(0)->mutable_value() = value;
    });
  }

  // A valid heatwave broadcast, changed by `mutate`.
  void Broadcast(const std::string& name, const std::string& message, const BroadcastMutation& mutate,
                 bool exact = true) {
    v1::PublishRequest request;
    v1::BroadcastEvent* e = request.mutable_broadcast();
    e->set_event_id("cat-b" + std::to_string(cases_.size()));
    e->set_topic("weather.heatwave");
    e->set_area("75");
    e->set_source("meteo-france");
    *e->mutable_occurred_at() = At(2026, 7, 1);
    v1::Attribute* level = e->add_fields();
    level->set_name("level");
    *level->mutable_value() = Str("orange");
    v1::Attribute* episode = e->add_fields();
    episode->set_name("episode_id");
    *episode->mutable_value() = Str("2026-07-canicule-1");
    mutate(e);
    Add(name, std::move(request), message, exact, "");
  }

  void Add(const std::string& name, v1::PublishRequest request, const std::string& message, bool exact,
           const std::string& person_id, grpc::StatusCode code = grpc::StatusCode::INVALID_ARGUMENT) {
    BadInputCase c;
    c.name = name;
    c.request = std::move(request);
    c.code = code;
    c.message = message;
    c.exact = exact;
    c.person_id = person_id;
    cases_.push_back(std::move(c));
  }

  std::vector<BadInputCase> Take() { return std::move(cases_); }

 private:
  std::vector<BadInputCase> cases_;
};

void AddRequiredAndIds(CaseList& l) {
  l.Add("no event at all", v1::PublishRequest(), "event: the request holds neither a person nor a broadcast event",
        true, "");
  l.Person("missing event_id", "event_id: is required", [](auto* e) { e->clear_event_id(); });
  l.Person("missing person_id", "person_id: is required", [](auto* e) { e->clear_person_id(); });
  l.Person("missing source", "source: is required", [](auto* e) { e->clear_source(); });
  l.Person("missing occurred_at", "occurred_at: is required (when the fact happened, RFC 3339)",
           [](auto* e) { e->clear_occurred_at(); });
  l.Broadcast("broadcast: missing event_id", "event_id: is required", [](auto* e) { e->clear_event_id(); });
  l.Broadcast("broadcast: missing topic", "topic: is required", [](auto* e) { e->clear_topic(); });
  l.Broadcast("broadcast: missing source", "source: is required", [](auto* e) { e->clear_source(); });
  l.Broadcast("broadcast: missing occurred_at", "occurred_at: is required (when the fact happened, RFC 3339)",
              [](auto* e) { e->clear_occurred_at(); });
  l.Broadcast("broadcast: missing topic field", "fields: topic \"weather.heatwave\" requires field \"episode_id\"",
              [](auto* e) { e->mutable_fields()->RemoveLast(); });

  l.Person("event_id with a space", "event_id: has a space or control character at byte 3",
           [](auto* e) { e->set_event_id("cat 1"); });
  l.Person("event_id with DEL", "event_id: has a space or control character at byte 3",
           [](auto* e) { e->set_event_id("cat\x7f"); });
  l.Person("event_id too long", "event_id: 129 bytes exceed the limit of 128",
           [](auto* e) { e->set_event_id(std::string(129, 'e')); });
  l.Person("person_id too long", "person_id: 129 bytes exceed the limit of 128",
           [](auto* e) { e->set_person_id(std::string(129, 'P')); });
  l.Person("household_id with a control character", "household_id: has a space or control character at byte 1",
           [](auto* e) { e->set_household_id("H\x01"); });
  l.Person("household_id empty", "household_id: is required", [](auto* e) { e->set_household_id(""); });
  l.Person("source not a system name",
           "source: \"Etat-Civil\" must be lower-case letters, digits, '-', "
           "'.' or '_'",
           [](auto* e) { e->set_source("Etat-Civil"); });
  l.Person("source too long", "source: is longer than 64 bytes", [](auto* e) { e->set_source(std::string(65, 's')); });
  l.Broadcast("area with a space", "area: has a space or control character at byte 2",
              [](auto* e) { e->set_area("75 1"); });
}

void AddAttributeMistakes(CaseList& l) {
  l.Person("unknown attribute",
           "set[0].name: unknown attribute \"brith_date\" (did you mean "
           "\"birth_date\"?); attributes are "
           "declared in rules/schema.yaml",
           [](auto* e) { e->mutable_set(0)->set_name("brith_date"); });
  l.Person("unknown removed attribute",
           "removed[0]: unknown attribute \"shoe_size\"; attributes are "
           "declared in rules/schema.yaml",
           [](auto* e) { e->add_removed("shoe_size"); });
  l.Person("attribute without a name", "set[0].name: is required", [](auto* e) { e->mutable_set(0)->clear_name(); });
  l.Broadcast("unknown topic field",
              "fields[1].name: topic \"weather.heatwave\" has no field "
              "\"episod_id\" (did you mean \"episode_id\"?)",
              [](auto* e) { e->mutable_fields(1)->set_name("episod_id"); });
  l.Broadcast("unknown topic",
              "topic: unknown topic \"weather.flood\"; topics are declared in "
              "rules/schema.yaml",
              [](auto* e) { e->set_topic("weather.flood"); });

  // Wrong type, for every schema type.
  l.Value("bool given a string", "casvp", "lives_alone", Str("yes"),
          "set[0].value: \"lives_alone\" expects bool, got string");
  l.Value("int given a string", "etat-civil", "arrondissement", Str("11"),
          "set[0].value: \"arrondissement\" expects int, got string");
  l.Value("double given an int", "etat-civil", "test_double", Int(1),
          "set[0].value: \"test_double\" expects double, got int");
  l.Value("string given an int", "paris-compte", "phone", Int(33612345678),
          "set[0].value: \"phone\" expects string, got int");
  l.Value("date given a string", "etat-civil", "birth_date", Str("2023-02-14"),
          "set[0].value: \"birth_date\" expects date, got string");
  v1::Value money_as_int = Int(1680000);
  l.Value("money given an int", "caf", "yearly_income", money_as_int,
          "set[0].value: \"yearly_income\" expects money, got int");
  l.Value("timestamp given a string", "etat-civil", "test_timestamp", Str("2026-07-01T08:00:00Z"),
          "set[0].value: \"test_timestamp\" expects timestamp, got string");
  l.Value("duration given an int", "etat-civil", "test_duration", Int(3600),
          "set[0].value: \"test_duration\" expects duration, got int");
  l.Value("list given a date", "etat-civil", "test_dates", DateValue(2026, 1, 1),
          "set[0].value: \"test_dates\" expects list<date>, got date");
  v1::Value mixed;
  *mixed.mutable_list_value()->add_values() = DateValue(2026, 1, 1);
  *mixed.mutable_list_value()->add_values() = Str("2026-01-02");
  l.Value("list element of the wrong type", "etat-civil", "test_dates", mixed,
          "set[0].value.list_value.values[1]: \"test_dates\" expects date, got "
          "string");
  l.Broadcast("topic field of the wrong type", "fields[0].value: \"level\" expects string, got int",
              [](auto* e) { *e->mutable_fields(0)->mutable_value() = Int(3); });
  v1::Value null_value;
  null_value.set_null_value(v1::NULL_VALUE);
  l.Value("null value", "etat-civil", "birth_date", null_value,
          "set[0].value: null is not a value of \"birth_date\"; list the "
          "attribute in `removed` to clear it");
  l.Value("no value", "etat-civil", "birth_date", v1::Value(), "set[0].value: is missing; \"birth_date\" expects date");
}

void AddValueMistakes(CaseList& l) {
  // Malformed dates, money, timestamps, durations, numbers.
  l.Value("date that does not exist", "etat-civil", "birth_date", DateValue(2023, 2, 30),
          "set[0].value.date_value: 2023-02-30 does not exist (day 30)");
  l.Value("date with month 13", "etat-civil", "birth_date", DateValue(2023, 13, 1),
          "set[0].value.date_value: month 13 is not in 1..12");
  v1::Value no_day = DateValue(2023, 2, 1);
  no_day.mutable_date_value()->clear_day();
  l.Value("date without a day", "etat-civil", "birth_date", no_day,
          "set[0].value.date_value: needs year, month and day");
  v1::Value dollars;
  dollars.mutable_money_value()->set_cents(100);
  dollars.mutable_money_value()->set_currency("USD");
  l.Value("money in another currency", "caf", "yearly_income", dollars,
          "set[0].value.money_value.currency: \"USD\" is not the schema's "
          "currency EUR");
  v1::Value no_cents;
  no_cents.mutable_money_value()->set_currency("EUR");
  l.Value("money without an amount", "caf", "yearly_income", no_cents, "set[0].value.money_value.cents: is required");
  v1::Value bad_nanos;
  bad_nanos.mutable_timestamp_value()->set_seconds(1782892800);
  bad_nanos.mutable_timestamp_value()->set_nanos(1000000000);
  l.Value("timestamp with invalid nanos", "etat-civil", "test_timestamp", bad_nanos,
          "set[0].value.timestamp_value: is outside 0001-01-01..9999-12-31 or "
          "has invalid nanos");
  v1::Value year_10000;
  year_10000.mutable_timestamp_value()->set_seconds(253402300800);
  l.Value("timestamp after 9999", "etat-civil", "test_timestamp", year_10000,
          "set[0].value.timestamp_value: is outside 0001-01-01..9999-12-31 or "
          "has invalid nanos");
  v1::Value mixed_signs;
  mixed_signs.mutable_duration_value()->set_seconds(1);
  mixed_signs.mutable_duration_value()->set_nanos(-1);
  l.Value("duration with inconsistent signs", "etat-civil", "test_duration", mixed_signs,
          "set[0].value.duration_value: is outside +-10000 years or has "
          "inconsistent nanos");
  v1::Value nan;
  nan.set_double_value(std::numeric_limits<double>::quiet_NaN());
  l.Value("double not a number", "etat-civil", "test_double", nan, "set[0].value: must be a finite number");
  l.Person("occurred_at with invalid nanos", "occurred_at: is not a valid time",
           [](auto* e) { e->mutable_occurred_at()->set_nanos(-1); });
  l.Person(
      "occurred_at far in the future", "is in the future (more than 24h ahead of the engine's clock)",
      [](auto* e) { *e->mutable_occurred_at() = At(2999, 1, 1); },
      /*exact=*/false);

  // Out of range.
  l.Value("int above the maximum", "etat-civil", "arrondissement", Int(21),
          "set[0].value: 21 is above the maximum 20 of \"arrondissement\"");
  l.Value("int below the minimum", "etat-civil", "arrondissement", Int(0),
          "set[0].value: 0 is below the minimum 1 of \"arrondissement\"");
  l.Value("string too long", "paris-compte", "phone", Str("+33612345678901234567"),
          "set[0].value: 21 bytes exceed the limit of 20");
  v1::Value long_list;
  for (int i = 0; i < 1001; ++i) *long_list.mutable_list_value()->add_values() = DateValue(2026, 1, 1);
  l.Value("list too long", "etat-civil", "test_dates", long_list,
          "set[0].value: 1001 elements exceed the limit of 1000");
  l.Person("too many attributes", "set: 257 attributes exceed the limit of 256 per event", [](auto* e) {
    for (int i = 0; i < 256; ++i) e->add_removed("phone");
  });
  l.Person("too many links", "links_added: more than 64 links in one event", [](auto* e) {
    for (int i = 0; i < 65; ++i) {
      v1::Link* link = e->add_links_added();
      link->set_relation(v1::RELATION_GUARDIAN);
      link->set_person_id(absl::StrCat("G", i));
    }
  });

  // Not allowed.
  l.Value("string not allowed", "paris-compte", "preferred_language", Str("de"),
          "set[0].value: \"de\" is not one of the values of "
          "\"preferred_language\": fr, en");
  l.Broadcast("topic field not allowed",
              "fields[0].value: \"purple\" is not one of the values of \"level\": "
              "green, yellow, orange, red",
              [](auto* e) { *e->mutable_fields(0)->mutable_value() = Str("purple"); });

  // Wrong owner.
  l.Person("source does not own the attribute",
           "set[0].name: source \"caf\" may not set \"birth_date\"; it is "
           "owned by: etat-civil",
           [](auto* e) { e->set_source("caf"); });
  l.Person("source does not own the removed attribute",
           "removed[0]: source \"etat-civil\" may not set \"phone\"; it is "
           "owned by: paris-compte, casvp",
           [](auto* e) { e->add_removed("phone"); });
  l.Broadcast("source does not own the topic", "source: source \"etat-civil\" may not publish \"weather.heatwave\"",
              [](auto* e) { e->set_source("etat-civil"); });
}

void AddEncodingAndStructureMistakes(CaseList& l) {
  // Invalid UTF-8 in each string field.
  l.Person("invalid UTF-8 in event_id", "event_id: invalid UTF-8 at byte 4",
           [](auto* e) { e->set_event_id("cat-\xff"); });
  l.Person("invalid UTF-8 in person_id", "person_id: invalid UTF-8 at byte 1",
           [](auto* e) { e->set_person_id("P\xc3"); });
  l.Person("invalid UTF-8 in household_id", "household_id: invalid UTF-8 at byte 1",
           [](auto* e) { e->set_household_id("H\xed\xa0\x80"); });  // a UTF-16 surrogate
  l.Person("invalid UTF-8 in source", "source: invalid UTF-8 at byte 4", [](auto* e) { e->set_source("etat\xff"); });
  l.Person("invalid UTF-8 in an attribute name", "set[0].name: invalid UTF-8 at byte 5",
           [](auto* e) { e->mutable_set(0)->set_name("birth\xff"); });
  l.Value("invalid UTF-8 in a string value", "paris-compte", "phone", Str("+336\xff"),
          "set[0].value: invalid UTF-8 at byte 4");
  l.Value("overlong UTF-8 in a string value", "etat-civil", "address_key", Str("75011:\xc0\xaf"),
          "set[0].value: invalid UTF-8 at byte 6");
  l.Person("invalid UTF-8 in a removed name", "removed[0]: invalid UTF-8 at byte 2",
           [](auto* e) { e->add_removed("ph\xfe"); });
  l.Person("invalid UTF-8 in a link", "links_added[0].person_id: invalid UTF-8 at byte 1", [](auto* e) {
    v1::Link* link = e->add_links_added();
    link->set_relation(v1::RELATION_GUARDIAN);
    link->set_person_id("G\x80");
  });
  v1::Value bad_currency;
  bad_currency.mutable_money_value()->set_cents(100);
  bad_currency.mutable_money_value()->set_currency("EU\xff");
  l.Value("invalid UTF-8 in a currency", "caf", "yearly_income", bad_currency,
          "set[0].value.money_value.currency: invalid UTF-8 at byte 2");
  l.Broadcast("invalid UTF-8 in a topic", "topic: invalid UTF-8 at byte 7",
              [](auto* e) { e->set_topic("weather\xff"); });
  l.Broadcast("invalid UTF-8 in an area", "area: invalid UTF-8 at byte 2", [](auto* e) { e->set_area("75\xff"); });
  l.Broadcast("invalid UTF-8 in a topic field name", "fields[0].name: invalid UTF-8 at byte 3",
              [](auto* e) { e->mutable_fields(0)->set_name("lev\xff"); });
  l.Broadcast("invalid UTF-8 in a topic field value", "fields[1].value: invalid UTF-8 at byte 0",
              [](auto* e) { *e->mutable_fields(1)->mutable_value() = Str("\xff"); });

  // Oversized.
  l.Person(
      "event over the per-event limit", "bytes exceed the limit of 65536 bytes per event",
      [](auto* e) {
        for (int i = 0; i < 200; ++i) e->add_removed(std::string(400, 'x'));
      },
      /*exact=*/false);
  {
    v1::PublishRequest huge = BirthEvent("cat-huge", "CAT-HUGE");
    huge.mutable_person()->set_household_id(std::string(5 << 20, 'H'));
    l.Add("message over the transport limit", std::move(huge), "larger than max", false, "CAT-HUGE",
          grpc::StatusCode::RESOURCE_EXHAUSTED);
  }

  // Duplicates within one event.
  l.Person("attribute set twice", "set[1].name: \"birth_date\" is set twice in this event",
           [](auto* e) { *e->add_set() = e->set(0); });
  l.Person("attribute set and removed", "removed[0]: \"birth_date\" is both set and removed, or removed twice",
           [](auto* e) { e->add_removed("birth_date"); });
  l.Person("attribute removed twice",
           "removed[1]: \"arrondissement\" is both set and removed, or removed "
           "twice",
           [](auto* e) {
             e->add_removed("arrondissement");
             e->add_removed("arrondissement");
           });
  l.Broadcast("topic field given twice", "fields[2].name: \"level\" is given twice",
              [](auto* e) { *e->add_fields() = e->fields(0); });

  // Bad links.
  l.Person("link to oneself", "links_added[0].person_id: a person cannot be linked to themself", [](auto* e) {
    v1::Link* link = e->add_links_added();
    link->set_relation(v1::RELATION_GUARDIAN);
    link->set_person_id(e->person_id());
  });
  l.Person("link without a relation", "links_added[0].relation: must be RELATION_GUARDIAN or RELATION_CHILD",
           [](auto* e) { e->add_links_added()->set_person_id("G1"); });
  l.Person("link without a person", "links_added[0].person_id: is required",
           [](auto* e) { e->add_links_added()->set_relation(v1::RELATION_CHILD); });
  l.Person("link added and removed", "links_removed[0]: the link to \"G1\" appears twice in this event", [](auto* e) {
    for (auto* link : {e->add_links_added(), e->add_links_removed()}) {
      link->set_relation(v1::RELATION_GUARDIAN);
      link->set_person_id("G1");
    }
  });
}

}  // namespace

std::vector<BadInputCase> BadInputCases() {
  CaseList list;
  AddRequiredAndIds(list);
  AddAttributeMistakes(list);
  AddValueMistakes(list);
  AddEncodingAndStructureMistakes(list);
  std::vector<BadInputCase> cases = list.Take();
  // Ids that are themselves invalid cannot be looked up.
  for (BadInputCase& c : cases) {
    if (!c.request.has_person() || c.request.person().person_id() != c.person_id) c.person_id.clear();
  }
  return cases;
}

}  // namespace proactive::testing
