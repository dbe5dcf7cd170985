// Fuzzes the front end and the evaluator: any bytes are parsed, checked
// (against an environment like the rules layer's, and in unchecked mode),
// compiled, evaluated with small cost limits and a trace, and formatted.
// Nothing may crash, hang or leak, whatever the input.
//
//   tests/fuzz/run.sh expression_fuzzer 10   # builds build-fuzz/ with clang-14
//
// Without PROACTIVE_FUZZERS the corpus replays as the ctest
// fuzz.expression_corpus (replay_main.cc).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "engine/eval/compiler.h"
#include "engine/eval/object_value.h"
#include "engine/lang/declarations.h"

namespace {

using proactive::eval::Activation;
using proactive::eval::RecordObject;
using proactive::eval::Value;
using proactive::lang::Type;

struct FuzzEnvironment {
  FuzzEnvironment()
      : person_type(*env.DeclareObjectType("person")), household_type(*env.DeclareObjectType("household")) {
    const Type person = Type::Object(person_type);
    const int birth_date = *person_type->AddField("birth_date", Type::Date());
    const int phone = *person_type->AddField("phone", Type::String());
    const int income = *person_type->AddField("yearly_income", Type::Money());
    const int arrondissement = *person_type->AddField("arrondissement", Type::Int());
    const int alone = *person_type->AddField("lives_alone", Type::Bool());
    const int children = *person_type->AddField("children", Type::List(person));
    (void)person_type->AddField("guardians", Type::List(person));
    const int members = *household_type->AddField("members", Type::List(person));
    const int person_slot = *env.DeclareVariable("person", person);
    const int household_slot = *env.DeclareVariable("household", Type::Object(household_type));
    const int today_slot = *env.DeclareVariable("today", Type::Date());
    const int x_slot = *env.DeclareVariable("x", Type::Dyn());
    (void)env.DeclareVariable("params.ceiling", Type::Money());  // left unbound

    child = std::make_unique<RecordObject>(*person_type);
    child->Set(birth_date, Value::Date(absl::CivilDay(2023, 2, 28)));
    parent = std::make_unique<RecordObject>(*person_type);
    parent->Set(birth_date, Value::Date(absl::CivilDay(1960, 2, 29)));
    parent->Set(phone, Value::String("+33612345678"));
    parent->Set(income, Value::Money(1200000, "EUR"));
    parent->Set(arrondissement, Value::Int(11));
    parent->Set(alone, Value::Bool(false));
    parent->Set(children, Value::List({Value::Object(child.get())}));
    household = std::make_unique<RecordObject>(*household_type);
    household->Set(members, Value::List({Value::Object(parent.get()), Value::Object(child.get())}));
    activation = Activation(env.slot_count());
    activation.Bind(person_slot, Value::Object(parent.get()));
    activation.Bind(household_slot, Value::Object(household.get()));
    activation.Bind(today_slot, Value::Date(absl::CivilDay(2026, 7, 1)));
    activation.Bind(x_slot, Value::Map({{Value::String("k"), Value::Int(1)}}));
  }

  proactive::lang::TypeEnvironment env;
  proactive::lang::ObjectType* person_type;
  proactive::lang::ObjectType* household_type;
  std::unique_ptr<RecordObject> child, parent, household;
  Activation activation;
};

void CompileAndRun(absl::string_view text, const FuzzEnvironment& fuzz, bool checked) {
  proactive::eval::CompileOptions options;
  options.check_types = checked;
  proactive::eval::CompileResult compiled = proactive::eval::Compile(text, fuzz.env, options);
  std::string sink = proactive::FormatDiagnostics(compiled.diagnostics);
  if (compiled.program == nullptr) return;
  proactive::eval::EvalOptions limits;
  limits.max_iterations = 2000;
  limits.max_steps = 20000;
  proactive::eval::Trace trace;
  absl::StatusOr<Value> value = compiled.program->Evaluate(fuzz.activation, limits, &trace);
  if (value.ok()) sink += proactive::eval::FormatValue(*value);
  if (trace.entries().size() < 200) sink += trace.Format(compiled.program->source());
  (void)compiled.program->Evaluate(fuzz.activation, limits);  // untraced path
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const FuzzEnvironment* fuzz = new FuzzEnvironment();
  if (size > 4096) return 0;  // long inputs add nothing but time
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  CompileAndRun(text, *fuzz, /*checked=*/true);
  CompileAndRun(text, *fuzz, /*checked=*/false);
  return 0;
}
