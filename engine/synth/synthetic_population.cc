#include "engine/synth/synthetic_population.h"

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"

namespace proactive {
namespace {

// Resident population of each arrondissement, rounded to the thousand
// (approximate INSEE census figures; 1st: 15,919 in 2021). They only size
// the synthetic city.
constexpr int kArrondissementThousands[21] = {0,   16,  21,  33,  28,  57,  40,  48,  35,  59, 83,
                                              142, 140, 178, 135, 229, 162, 163, 190, 183, 192};

// Paris age pyramid, INSEE RP2015 (population by broad age group, %):
// 0-14 14.2, 15-29 23.3, 30-44 22.6, 45-59 18.3, 60-74 13.9, 75+ 7.7.
struct AgeBand {
  int from, to;
  double share;
};
constexpr AgeBand kAdultBands[] = {
    {18, 29, 23.3 * 12 / 15}, {30, 44, 22.6}, {45, 59, 18.3}, {60, 74, 13.9}, {75, 98, 7.7}};

// SplitMix64: a small, well-mixed generator we control, so output does not
// depend on the standard library's distributions.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double Uniform() { return (Next() >> 11) * (1.0 / 9007199254740992.0); }
  int Between(int from, int to) { return from + static_cast<int>(Next() % (to - from + 1)); }
  bool Chance(double p) { return Uniform() < p; }
  double Normal() {  // Box-Muller
    double u1 = Uniform(), u2 = Uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  uint64_t state_;
};

google::protobuf::Timestamp TimestampOf(absl::CivilDay day, int hour) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(absl::ToUnixSeconds(
      absl::FromCivil(absl::CivilSecond(day.year(), day.month(), day.day(), hour, 0, 0), absl::UTCTimeZone())));
  return ts;
}

v1::Value Date(absl::CivilDay day) {
  v1::Value v;
  v.mutable_date_value()->set_year(static_cast<int32_t>(day.year()));
  v.mutable_date_value()->set_month(day.month());
  v.mutable_date_value()->set_day(day.day());
  return v;
}

struct Person {
  int64_t index = 0;
  std::string id;
  absl::CivilDay birth;
  int age = 0;
  bool child = false;
};

class Generator {
 public:
  Generator(const SyntheticPopulationOptions& options, absl::FunctionRef<void(const v1::PublishRequest&)> emit)
      : options_(options), emit_(emit), random_(options.seed), prefix_(absl::StrCat("s", options.seed)) {
    for (int a = 1; a <= 20; ++a) total_weight_ += kArrondissementThousands[a];
    for (const AgeBand& b : kAdultBands) adult_weight_ += b.share;
  }

  SyntheticPopulationStats Run() {
    while (stats_.persons < options_.persons) Household();
    return stats_;
  }

 private:
  int DrawArrondissement() {
    int pick = random_.Between(1, total_weight_);
    for (int a = 1; a <= 20; ++a) {
      pick -= kArrondissementThousands[a];
      if (pick <= 0) return a;
    }
    return 20;
  }

  int DrawAdultAge(int min_age, int max_age) {
    for (;;) {
      double pick = random_.Uniform() * adult_weight_;
      for (const AgeBand& b : kAdultBands) {
        if ((pick -= b.share) <= 0) {
          int age = random_.Between(b.from, b.to);
          if (age >= min_age && age <= max_age) return age;
          break;
        }
      }
    }
  }

  Person NewPerson(int age) {
    Person p;
    p.index = ++person_counter_;
    p.id = absl::StrFormat("%s-P%07d", prefix_, p.index);
    p.age = age;
    // Born `age` years before as_of, on a day drawn within that year of life.
    absl::CivilDay latest = absl::CivilDay(options_.as_of.year() - age, options_.as_of.month(), options_.as_of.day());
    p.birth = latest - random_.Between(0, 364);
    return p;
  }

  v1::PublishRequest NewEvent(const std::string& kind, const Person& p, const std::string& source,
                              absl::CivilDay when) {
    v1::PublishRequest r;
    v1::PersonEvent* e = r.mutable_person();
    e->set_event_id(absl::StrCat(p.id, "-", kind));
    e->set_person_id(p.id);
    e->set_source(source);
    *e->mutable_occurred_at() = TimestampOf(when, 9);
    return r;
  }

  static void Set(v1::PublishRequest* r, const std::string& name, v1::Value value) {
    v1::Attribute* a = r->mutable_person()->add_set();
    a->set_name(name);
    *a->mutable_value() = std::move(value);
  }
  static v1::Value Int(int64_t i) {
    v1::Value v;
    v.set_int_value(i);
    return v;
  }
  static v1::Value Bool(bool b) {
    v1::Value v;
    v.set_bool_value(b);
    return v;
  }
  static v1::Value Text(std::string s) {
    v1::Value v;
    v.set_string_value(std::move(s));
    return v;
  }

  void Emit(const v1::PublishRequest& r) {
    ++stats_.events;
    emit_(r);
  }

  void Household() {
    ++stats_.households;
    const std::string household = absl::StrFormat("%s-H%07d", prefix_, stats_.households);
    const int arrondissement = DrawArrondissement();
    const std::string address =
        absl::StrFormat("750%02d:rue-%d:%d", arrondissement, random_.Between(1, 400), random_.Between(1, 150));
    // Household types, roughly Paris's: half live alone (INSEE: ~51% of
    // Paris households are one person), then couples, families, single parents.
    double kind = random_.Uniform();
    std::vector<Person> adults, children;
    if (kind < 0.50) {
      adults.push_back(NewPerson(DrawAdultAge(18, 98)));
    } else if (kind < 0.72) {
      int age = DrawAdultAge(22, 95);
      adults.push_back(NewPerson(age));
      adults.push_back(NewPerson(std::max(18, std::min(98, age + random_.Between(-6, 6)))));
    } else {
      int age = DrawAdultAge(22, 54);
      adults.push_back(NewPerson(age));
      if (kind < 0.92) adults.push_back(NewPerson(std::max(18, age + random_.Between(-5, 5))));
      int n = 1 + static_cast<int>(random_.Uniform() * random_.Uniform() * 3.2);
      for (int i = 0; i < n; ++i) {
        Person c = NewPerson(random_.Between(0, std::min(17, age - 20)));
        c.child = true;
        children.push_back(std::move(c));
      }
    }
    const absl::CivilDay registry_day = options_.as_of - random_.Between(30, 3000);
    for (const std::vector<Person>* group : {&adults, &children}) {
      for (const Person& p : *group) {
        absl::CivilDay known = std::max(p.birth + 1, registry_day);
        if (known > options_.as_of) known = options_.as_of;
        v1::PublishRequest r = NewEvent("civ", p, "etat-civil", known);
        r.mutable_person()->set_household_id(household);
        Set(&r, "birth_date", Date(p.birth));
        Set(&r, "arrondissement", Int(arrondissement));
        Set(&r, "address_key", Text(address));
        if (p.child) {
          for (const Person& g : adults) {
            v1::Link* link = r.mutable_person()->add_links_added();
            link->set_relation(v1::RELATION_GUARDIAN);
            link->set_person_id(g.id);
          }
        }
        Emit(r);
        ++stats_.persons;
        ++stats_.persons_by_arrondissement[arrondissement];
        if (p.birth.year() == options_.as_of.year() - 3) ++stats_.children_turning_three;
      }
    }
    const bool alone = adults.size() == 1 && children.empty();
    for (const Person& p : adults) AdultEvents(p, alone);
    for (const Person& c : children) {
      if (c.age >= 4 && c.age <= 10 && random_.Chance(0.95)) {
        v1::PublishRequest r = NewEvent("dasco", c, "dasco", options_.as_of - random_.Between(1, 700));
        Set(&r, "enrolled_school", Text(absl::StrFormat("0750%03dX", random_.Between(1, 660))));
        Emit(r);
      }
    }
    // The CAF knows the household's resources through its reference person.
    const Person& reference = adults.front();
    const int size = static_cast<int>(adults.size() + children.size());
    double income = std::exp(std::log(21000.0 * (1 + 0.5 * (size - 1))) + 0.75 * random_.Normal());
    const int64_t cents = static_cast<int64_t>(income) / 10 * 1000;  // rounded to 10 EUR
    const int64_t ceiling = 1200000 + 600000 * (size - 1);
    v1::PublishRequest caf = NewEvent("caf", reference, "caf", options_.as_of - random_.Between(1, 240));
    v1::Value money;
    money.mutable_money_value()->set_cents(cents);
    money.mutable_money_value()->set_currency("EUR");
    Set(&caf, "yearly_income", money);
    // About a third of those entitled do not claim (DREES estimates RSA
    // non-take-up at 34%).
    Set(&caf, "receives_rsa", Bool(cents < ceiling && random_.Chance(0.66)));
    Emit(caf);
  }

  void AdultEvents(const Person& p, bool alone) {
    const bool elderly = p.age >= 65;
    if (elderly) ++stats_.aged_65_plus;
    if (random_.Chance(p.age >= 80 ? 0.65 : 0.88)) {
      ++stats_.with_phone;
      v1::PublishRequest r = NewEvent("pc", p, "paris-compte", options_.as_of - random_.Between(1, 2000));
      // Only numbers of the range the ARCEP reserves for works of fiction
      // (06 39 98 xx xx): a misconfigured gateway cannot text a real person.
      Set(&r, "phone", Text(absl::StrFormat("+3363998%04d", p.index % 10000)));
      Set(&r, "preferred_language", Text(random_.Chance(0.92) ? "fr" : "en"));
      Emit(r);
    }
    if (elderly) {
      bool reflex = random_.Chance(0.05);
      if (reflex) ++stats_.reflex_registered;
      v1::PublishRequest r = NewEvent("casvp", p, "casvp", options_.as_of - random_.Between(1, 1500));
      Set(&r, "lives_alone", Bool(alone));
      Set(&r, "registered_vulnerable", Bool(reflex));
      Emit(r);
    }
    if (random_.Chance(0.8)) {
      // A card lasts 15 years; spread expiries from two years ago to 13 years on.
      v1::PublishRequest r = NewEvent("ants", p, "ants", options_.as_of - random_.Between(1, 3000));
      Set(&r, "id_card_expiry", Date(options_.as_of + random_.Between(-730, 13 * 365)));
      Emit(r);
    }
  }

  const SyntheticPopulationOptions& options_;
  absl::FunctionRef<void(const v1::PublishRequest&)> emit_;
  Random random_;
  std::string prefix_;
  int total_weight_ = 0;
  double adult_weight_ = 0;
  int64_t person_counter_ = 0;
  SyntheticPopulationStats stats_;
};

}  // namespace

SyntheticPopulationStats GenerateSyntheticPopulation(const SyntheticPopulationOptions& options,
                                                     absl::FunctionRef<void(const v1::PublishRequest&)> emit) {
  return Generator(options, emit).Run();
}

}  // namespace proactive
