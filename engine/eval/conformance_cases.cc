#include "engine/eval/conformance_cases.h"

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "engine/eval/activation.h"
#include "engine/eval/value_json_internal.h"
#include "engine/lang/declarations.h"

namespace proactive::eval {

lang::Type StaticTypeOf(const Value& v) {
  using K = Value::Kind;
  switch (v.kind()) {
    case K::kNull:
      return lang::Type::Null();
    case K::kBool:
      return lang::Type::Bool();
    case K::kInt:
      return lang::Type::Int();
    case K::kUint:
      return lang::Type::Uint();
    case K::kDouble:
      return lang::Type::Double();
    case K::kString:
      return lang::Type::String();
    case K::kBytes:
      return lang::Type::Bytes();
    case K::kDuration:
      return lang::Type::Duration();
    case K::kTimestamp:
      return lang::Type::Timestamp();
    case K::kDate:
      return lang::Type::Date();
    case K::kMoney:
      return lang::Type::Money();
    case K::kList:
      return lang::Type::List(lang::Type::Dyn());
    case K::kMap:
      return lang::Type::Map(lang::Type::Dyn(), lang::Type::Dyn());
    case K::kType:
      return lang::Type::TypeOf(lang::Type::Dyn());
    default:
      return lang::Type::Dyn();
  }
}

namespace {

absl::StatusOr<ConformanceCase> CaseFromJson(const nlohmann::json& j) {
  ConformanceCase c;
  if (!j.is_object() || !j.contains("expr") || !j["expr"].is_string() || !j.contains("expect")) {
    return absl::InvalidArgumentError("a case needs at least \"expr\" and \"expect\"");
  }
  c.file = j.value("file", "");
  c.section = j.value("section", "");
  c.name = j.value("name", "");
  c.expr = j["expr"].get<std::string>();
  c.disable_macros = j.value("disable_macros", false);
  c.disable_check = j.value("disable_check", false);
  if (j.contains("bindings")) {
    if (!j["bindings"].is_object()) return absl::InvalidArgumentError("bindings is an object");
    for (auto it = j["bindings"].begin(); it != j["bindings"].end(); ++it) {
      absl::StatusOr<Value> v = internal::ValueFromJson(it.value());
      if (!v.ok()) return v.status();
      c.bindings.emplace_back(it.key(), *std::move(v));
    }
  }
  const nlohmann::json& expect = j["expect"];
  if (expect.is_object() && expect.contains("error")) {
    c.expect_error = true;
  } else {
    absl::StatusOr<Value> v = internal::ValueFromJson(expect);
    if (!v.ok()) return v.status();
    c.expected = *std::move(v);
  }
  return c;
}

}  // namespace

absl::StatusOr<std::vector<ConformanceCase>> ParseConformanceCases(absl::string_view jsonl) {
  std::vector<ConformanceCase> cases;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(jsonl, '\n')) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == absl::string_view::npos) continue;
    nlohmann::json j = nlohmann::json::parse(line.begin(), line.end(), nullptr, false);
    absl::StatusOr<ConformanceCase> c =
        j.is_discarded() ? absl::InvalidArgumentError("not valid JSON") : CaseFromJson(j);
    if (!c.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("line ", line_number, ": ", c.status().message()));
    }
    cases.push_back(*std::move(c));
  }
  return cases;
}

absl::StatusOr<std::vector<ConformanceCase>> LoadConformanceCases(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  absl::StatusOr<std::vector<ConformanceCase>> cases = ParseConformanceCases(buffer.str());
  if (!cases.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", cases.status().message()));
  }
  return cases;
}

absl::StatusOr<Value> EvaluateWithBindings(absl::string_view expr,
                                           const std::vector<std::pair<std::string, Value>>& bindings,
                                           const CompileOptions& options, std::vector<Diagnostic>* diagnostics) {
  lang::TypeEnvironment env;
  std::vector<int> slots;
  std::vector<size_t> bound;
  for (size_t i = 0; i < bindings.size(); ++i) {
    const auto& [name, value] = bindings[i];
    // A reserved word (`null`, `false`) can never be referenced: ignore it.
    if (lang::IsReservedWord(name)) continue;
    bound.push_back(i);
    absl::StatusOr<int> slot = env.DeclareVariable(name, StaticTypeOf(value));
    if (!slot.ok()) return slot.status();
    slots.push_back(*slot);
  }
  CompileResult compiled = Compile(expr, env, options);
  if (compiled.program == nullptr) {
    *diagnostics = std::move(compiled.diagnostics);
    return absl::InvalidArgumentError("the expression does not compile");
  }
  Activation activation(env.slot_count());
  for (size_t i = 0; i < bound.size(); ++i) activation.Bind(slots[i], bindings[bound[i]].second);
  absl::StatusOr<Value> value = compiled.program->Evaluate(activation);
  // Rules test their conditions with EvaluateCondition: it must agree.
  Value other;
  absl::StatusOr<Truth> truth = compiled.program->EvaluateCondition(activation, &other);
  const bool agrees = value.ok() ? truth.ok() && (value->kind() == Value::Kind::kBool
                                                      ? *truth == (value->bool_value() ? Truth::kTrue : Truth::kFalse)
                                                      : *truth == Truth::kOther && SameValue(*value, other))
                                 : !truth.ok() && truth.status() == value.status();
  if (!agrees) {
    return absl::InternalError(absl::StrCat(
        "evaluated as a condition it gives ",
        !truth.ok() ? truth.status().ToString()
                    : (*truth == Truth::kOther ? FormatValue(other) : (*truth == Truth::kTrue ? "true" : "false"))));
  }
  return value;
}

CaseOutcome RunConformanceCase(const ConformanceCase& c) {
  CompileOptions options;
  options.check_types = !c.disable_check;
  options.enable_macros = !c.disable_macros;
  std::vector<Diagnostic> diagnostics;
  absl::StatusOr<Value> result = EvaluateWithBindings(c.expr, c.bindings, options, &diagnostics);
  CaseOutcome outcome;
  if (!result.ok()) {
    outcome.detail = diagnostics.empty() ? std::string(result.status().message())
                                         : absl::StrCat("compile error: ", diagnostics[0].message);
    return outcome;
  }
  if (c.expect_error) {
    outcome.passed = result->is_error();
    if (!outcome.passed) outcome.detail = absl::StrCat("expected an error, got ", FormatValue(*result));
    return outcome;
  }
  outcome.passed = SameValue(*result, c.expected);
  if (!outcome.passed) {
    outcome.detail = absl::StrCat("expected ", FormatValue(c.expected), ", got ", FormatValue(*result));
  }
  return outcome;
}

std::string ConformanceReport::Summary() const { return absl::StrCat(passed, " passed, ", failed, " failed"); }

std::string ConformanceReport::FormatFailures(bool details) const {
  std::map<std::string, std::vector<const ConformanceFailure*>> groups;
  for (const ConformanceFailure& f : failures) groups[f.group].push_back(&f);
  std::string out;
  if (!groups.empty()) out = "failing cases by section:\n";
  for (const auto& [group, list] : groups) {
    std::vector<std::string> names;
    for (const ConformanceFailure* f : list) names.push_back(f->name);
    absl::StrAppend(&out, "  ", group, " (", list.size(), "): ", absl::StrJoin(names, ", "), "\n");
    if (details) {
      for (const ConformanceFailure* f : list) {
        absl::StrAppend(&out, "    ", f->name, ": ", f->detail, "\n");
      }
    }
  }
  return out;
}

ConformanceReport RunConformanceCases(const std::vector<ConformanceCase>& cases) {
  ConformanceReport report;
  for (const ConformanceCase& c : cases) {
    CaseOutcome outcome = RunConformanceCase(c);
    if (outcome.passed) {
      ++report.passed;
    } else {
      ++report.failed;
      report.failures.push_back(
          ConformanceFailure{absl::StrCat(c.file, "/", c.section), c.name, std::move(outcome.detail)});
    }
  }
  return report;
}

bool SameValue(const Value& a, const Value& b) {
  using K = Value::Kind;
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case K::kNull:
      return true;
    case K::kBool:
      return a.bool_value() == b.bool_value();
    case K::kInt:
      return a.int_value() == b.int_value();
    case K::kUint:
      return a.uint_value() == b.uint_value();
    case K::kDouble:
      if (std::isnan(a.double_value())) return std::isnan(b.double_value());
      return a.double_value() == b.double_value() && std::signbit(a.double_value()) == std::signbit(b.double_value());
    case K::kString:
    case K::kBytes:
    case K::kType:
    case K::kError:
      return a.string_value() == b.string_value();
    case K::kDuration:
    case K::kTimestamp:
      return a.duration_value() == b.duration_value();
    case K::kDate:
      return a.date_days() == b.date_days();
    case K::kMoney:
      return a.money_cents() == b.money_cents() && a.money_currency_code() == b.money_currency_code();
    case K::kList: {
      absl::Span<const Value> x = a.list_elements(), y = b.list_elements();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i) {
        if (!SameValue(x[i], y[i])) return false;
      }
      return true;
    }
    case K::kMap: {
      MapView x = a.map_value(), y = b.map_value();
      if (x.size() != y.size()) return false;
      for (const auto& [key, value] : x.entries()) {
        const Value* other = y.Find(key);
        if (other == nullptr || !SameValue(value, *other)) return false;
      }
      return true;
    }
    case K::kObject:
      return a.object_value() == b.object_value();
  }
  return false;
}

}  // namespace proactive::eval
