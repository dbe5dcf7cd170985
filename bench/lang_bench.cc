// Evaluations per second of three reference rules on in-memory records,
// single thread. Prints records/s (one record = the three rules evaluated).
//
//   cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release
//   make -C build-release -j2 lang_bench && build-release/bench/lang_bench
//
// R1 heatwave, R2 school pre-enrolment, R3 non-take-up (see docs/language.md).
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "benchmark/benchmark.h"
#include "engine/eval/compiler.h"
#include "engine/eval/object_value.h"
#include "engine/lang/declarations.h"

namespace proactive::eval {
namespace {

constexpr char kR1[] =
    "age(person.birth_date, today) >= 65 && (person.lives_alone || "
    "person.registered_vulnerable) && has(person.phone)";
constexpr char kR2[] =
    "person.children.exists(c, c.birth_date.year() == school_year - 3) && "
    "person.arrondissement >= 1 && person.arrondissement <= 20";
constexpr char kR3[] =
    "person.yearly_income < eur(12000) + eur(6000) * (size(household.members) "
    "- 1) && "
    "!person.receives_rsa";

// A record laid out as the rules layer would lay out its snapshot: the
// fields' Values inline in the record, presence in a bit mask, so that a
// field read touches the record's own cache lines only.
template <int N>
class InlineRecord final : public ObjectValue {
 public:
  explicit InlineRecord(const lang::ObjectType& type) : ObjectValue(type) {}
  const Value* Field(int index) const override {
    return static_cast<unsigned>(index) < N && ((present_ >> index) & 1) != 0 ? &values_[index] : nullptr;
  }
  void Set(int index, Value value) {
    values_[index] = std::move(value);
    present_ |= uint64_t{1} << index;
  }

 private:
  uint64_t present_ = 0;
  Value values_[N];
};

using PersonRecord = InlineRecord<10>;
using HouseholdRecord = InlineRecord<1>;

// A population of persons and households held in memory, as the rules layer
// would hold a snapshot.
class Population {
 public:
  explicit Population(int households) {
    person_ = *env_.DeclareObjectType("person");
    household_ = *env_.DeclareObjectType("household");
    const lang::Type person = lang::Type::Object(person_);
    birth_date_ = *person_->AddField("birth_date", lang::Type::Date());
    phone_ = *person_->AddField("phone", lang::Type::String());
    yearly_income_ = *person_->AddField("yearly_income", lang::Type::Money());
    arrondissement_ = *person_->AddField("arrondissement", lang::Type::Int());
    lives_alone_ = *person_->AddField("lives_alone", lang::Type::Bool());
    vulnerable_ = *person_->AddField("registered_vulnerable", lang::Type::Bool());
    rsa_ = *person_->AddField("receives_rsa", lang::Type::Bool());
    children_ = *person_->AddField("children", lang::Type::List(person));
    (void)person_->AddField("guardians", lang::Type::List(person));
    members_ = *household_->AddField("members", lang::Type::List(person));
    person_slot_ = *env_.DeclareVariable("person", person);
    household_slot_ = *env_.DeclareVariable("household", lang::Type::Object(household_));
    today_slot_ = *env_.DeclareVariable("today", lang::Type::Date());
    school_year_slot_ = *env_.DeclareVariable("school_year", lang::Type::Int());

    std::mt19937 rng(42);
    auto pick = [&](int n) { return static_cast<int>(rng() % n); };
    for (int h = 0; h < households; ++h) {
      HouseholdRecord& household = households_.emplace_back(*household_);
      const int adults = 1 + pick(2);
      const int kids = pick(4);
      std::vector<Value> members, children;
      std::vector<PersonRecord*> adult_records;
      for (int k = 0; k < kids; ++k) {
        PersonRecord& child = persons_.emplace_back(*person_);
        child.Set(birth_date_, Value::Date(absl::CivilDay(2010 + pick(16), 1 + pick(12), 1 + pick(28))));
        child.Set(arrondissement_, Value::Int(1 + pick(20)));
        members.push_back(Value::Object(&child));
        children.push_back(Value::Object(&child));
      }
      const Value children_list = Value::List(children);
      for (int a = 0; a < adults; ++a) {
        PersonRecord& adult = persons_.emplace_back(*person_);
        adult.Set(birth_date_, Value::Date(absl::CivilDay(1930 + pick(70), 1 + pick(12), 1 + pick(28))));
        if (pick(3) != 0) adult.Set(phone_, Value::String("+33612345678"));
        adult.Set(yearly_income_, Value::Money(100 * (5000 + pick(40000)), "EUR"));
        adult.Set(arrondissement_, Value::Int(1 + pick(25)));
        adult.Set(lives_alone_, Value::Bool(adults == 1 && kids == 0));
        if (pick(4) == 0) adult.Set(vulnerable_, Value::Bool(true));
        adult.Set(rsa_, Value::Bool(pick(5) == 0));
        adult.Set(children_, children_list);
        members.push_back(Value::Object(&adult));
        adult_records.push_back(&adult);
      }
      household.Set(members_, Value::List(members));
      for (PersonRecord* adult : adult_records) {
        Record r{adult, &household, {}};
        // What a scan reads besides the record: the children list and the
        // children, and the household's member list.
        size_t n = 0;
        r.also_read[n++] = children_list.list_elements().data();
        for (const Value& c : children_list.list_elements()) {
          if (n < 4) r.also_read[n++] = c.object_value();
        }
        if (n < 5) r.also_read[n++] = household.Field(members_)->list_elements().data();
        records_.push_back(r);
      }
    }
  }

  std::shared_ptr<const Program> Compile(const char* text) const {
    CompileResult r = eval::Compile(text, env_);
    if (r.program == nullptr) {
      std::fprintf(stderr, "%s", FormatDiagnostics(r.diagnostics).c_str());
      std::abort();
    }
    return r.program;
  }

  Activation NewActivation() const {
    Activation a(env_.slot_count());
    a.Bind(today_slot_, Value::Date(absl::CivilDay(2026, 7, 1)));
    a.Bind(school_year_slot_, Value::Int(2026));
    return a;
  }

  struct Record {
    const PersonRecord* person;
    const HouseholdRecord* household;
    const void* also_read[5];  // for prefetching; null when unused
  };
  const std::vector<Record>& records() const { return records_; }
  int person_slot() const { return person_slot_; }
  int household_slot() const { return household_slot_; }

 private:
  lang::TypeEnvironment env_;
  lang::ObjectType* person_;
  lang::ObjectType* household_;
  int birth_date_, phone_, yearly_income_, arrondissement_, lives_alone_, vulnerable_, rsa_, children_, members_;
  int person_slot_, household_slot_, today_slot_, school_year_slot_;
  std::deque<PersonRecord> persons_;
  std::deque<HouseholdRecord> households_;
  std::vector<Record> records_;
};

const Population& GetPopulation() {
  static const Population* population =
      new Population(std::getenv("BENCH_HOUSEHOLDS") ? std::atoi(std::getenv("BENCH_HOUSEHOLDS")) : 20000);
  return *population;
}

constexpr size_t kPrefetchDistance = 4;

// The cache lines of a record (and of its household) that the rules read.
void Prefetch(const Population::Record& r) {
  const char* p = reinterpret_cast<const char*>(r.person);
  for (size_t offset = 0; offset < sizeof(PersonRecord); offset += 64) {
    __builtin_prefetch(p + offset);
  }
  __builtin_prefetch(r.household);
  for (const void* q : r.also_read) {
    if (q != nullptr) __builtin_prefetch(q);
  }
}

void RunRules(benchmark::State& state, const std::vector<const char*>& rules) {
  const Population& population = GetPopulation();
  std::vector<std::shared_ptr<const Program>> programs;
  for (const char* r : rules) programs.push_back(population.Compile(r));
  Activation activation = population.NewActivation();
  int64_t records = 0;
  int64_t matches = 0;
  const std::vector<Population::Record>& all = population.records();
  for (auto _ : state) {
    for (size_t i = 0; i < all.size(); ++i) {
      // A population scan knows which records come next: fetch them early,
      // as the rules layer's scan would.
      if (i + kPrefetchDistance < all.size()) Prefetch(all[i + kPrefetchDistance]);
      const Population::Record& r = all[i];
      activation.Bind(population.person_slot(), Value::Object(r.person));
      activation.Bind(population.household_slot(), Value::Object(r.household));
      for (const auto& program : programs) {
        // As the rule evaluator tests a rule's `when`.
        Value other;
        absl::StatusOr<Truth> truth = program->EvaluateCondition(activation, &other);
        if (truth.ok() && *truth == Truth::kTrue) ++matches;
      }
    }
    records += static_cast<int64_t>(population.records().size());
  }
  // (No benchmark::DoNotOptimize(matches): GCC 12 miscompiles its "+m,r"
  // constraint here; the counter below keeps the work observable.)
  state.counters["records/s"] = benchmark::Counter(static_cast<double>(records), benchmark::Counter::kIsRate);
  state.counters["matches/record"] = static_cast<double>(matches) / static_cast<double>(records > 0 ? records : 1);
}

void BM_ThreeRules(benchmark::State& state) { RunRules(state, {kR1, kR2, kR3}); }
void BM_R1Heatwave(benchmark::State& state) { RunRules(state, {kR1}); }
void BM_R2School(benchmark::State& state) { RunRules(state, {kR2}); }
void BM_R3NonTakeUp(benchmark::State& state) { RunRules(state, {kR3}); }

BENCHMARK(BM_ThreeRules)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_R1Heatwave)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_R2School)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_R3NonTakeUp)->Unit(benchmark::kMillisecond);

// The same three rules with a trace recorded, for explanations.
void BM_ThreeRulesTraced(benchmark::State& state) {
  const Population& population = GetPopulation();
  std::vector<std::shared_ptr<const Program>> programs = {population.Compile(kR1), population.Compile(kR2),
                                                          population.Compile(kR3)};
  Activation activation = population.NewActivation();
  Trace trace;
  int64_t records = 0;
  for (auto _ : state) {
    for (const Population::Record& r : population.records()) {
      activation.Bind(population.person_slot(), Value::Object(r.person));
      activation.Bind(population.household_slot(), Value::Object(r.household));
      for (const auto& program : programs) {
        trace.Clear();
        benchmark::DoNotOptimize(program->Evaluate(activation, EvalOptions(), &trace));
      }
    }
    records += static_cast<int64_t>(population.records().size());
  }
  state.counters["records/s"] = benchmark::Counter(static_cast<double>(records), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ThreeRulesTraced)->Unit(benchmark::kMillisecond);

// Any expression over the same records, for trying a change to the
// evaluator: BENCH_EXPR='age(person.birth_date, today) >= 65' lang_bench
// --benchmark_filter=BM_Expression. Without BENCH_EXPR, `true`: the cost of
// the loop and of binding a record.
void BM_Expression(benchmark::State& state) {
  const char* expression = std::getenv("BENCH_EXPR");
  RunRules(state, {expression != nullptr ? expression : "true"});
}
BENCHMARK(BM_Expression)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace proactive::eval

BENCHMARK_MAIN();
