// proactivectl eval: evaluates one expression, or runs a conformance file.
//
//   proactivectl eval --expr 'age(date("1950-03-01"), d) >= 65'
//       --bindings '{"d": {"date": "2026-07-01"}}'
//   proactivectl eval --cases tests/conformance/testdata/cel-core.jsonl
#include <cstdio>
#include <string>
#include <vector>

#include "engine/cli/command_line.h"
#include "engine/cli/commands.h"
#include "engine/eval/compiler.h"
#include "engine/eval/conformance_cases.h"
#include "engine/eval/value_json.h"
#include "engine/lang/declarations.h"

namespace proactive {
namespace {

constexpr char kUsage[] =
    "usage: proactivectl eval --expr EXPR [--bindings JSON] [--unchecked] "
    "[--trace]\n"
    "       proactivectl eval --cases FILE.jsonl [--details]\n"
    "\n"
    "--expr prints the value of EXPR in its stable text form (exit 0), or the\n"
    "error it evaluates to (exit 1), or its mistakes with line:column (exit "
    "1).\n"
    "--bindings gives variables as a JSON object in the conformance encoding,\n"
    "e.g. {\"x\": {\"int\": \"1\"}, \"today\": {\"date\": \"2026-07-01\"}}; "
    "each is declared\n"
    "with the type of its value. --unchecked skips type checking (CEL's\n"
    "unchecked mode); --trace prints the value of every sub-expression.\n"
    "--cases runs a JSON-lines conformance file and prints \"N passed, M "
    "failed\"\n"
    "(exit 1 when a case fails); --details says why each case failed.\n";

int Usage(const CommandLine& line, const std::string& problem) {
  if (!problem.empty()) std::fprintf(stderr, "proactivectl eval: %s\n", problem.c_str());
  std::fputs(kUsage, line.Has("help") ? stdout : stderr);
  return line.Has("help") ? kExitOk : kExitUsage;
}

int RunCases(const std::string& path, bool details) {
  absl::StatusOr<std::vector<eval::ConformanceCase>> cases = eval::LoadConformanceCases(path);
  if (!cases.ok()) {
    std::fprintf(stderr, "proactivectl eval: %s\n", std::string(cases.status().message()).c_str());
    return kExitUsage;
  }
  const eval::ConformanceReport report = eval::RunConformanceCases(*cases);
  std::printf("%s%s\n", report.FormatFailures(details).c_str(), report.Summary().c_str());
  return report.failed == 0 ? kExitOk : kExitRefused;
}

int RunExpression(const std::string& expr, const std::string& bindings_json, bool unchecked, bool trace) {
  std::vector<std::pair<std::string, eval::Value>> bindings;
  if (!bindings_json.empty()) {
    absl::StatusOr<std::vector<std::pair<std::string, eval::Value>>> parsed = eval::ParseJsonBindings(bindings_json);
    if (!parsed.ok()) {
      std::fprintf(stderr, "proactivectl eval: --bindings: %s\n", std::string(parsed.status().message()).c_str());
      return kExitUsage;
    }
    bindings = *std::move(parsed);
  }
  eval::CompileOptions options;
  options.check_types = !unchecked;
  lang::TypeEnvironment env;
  eval::Activation activation;
  std::vector<int> slots;
  for (const auto& [name, value] : bindings) {
    absl::StatusOr<int> slot = env.DeclareVariable(name, eval::StaticTypeOf(value));
    if (!slot.ok()) {
      std::fprintf(stderr, "proactivectl eval: --bindings: %s\n", std::string(slot.status().message()).c_str());
      return kExitUsage;
    }
    slots.push_back(*slot);
  }
  eval::CompileResult compiled = eval::Compile(expr, env, options);
  if (compiled.program == nullptr) {
    for (Diagnostic d : compiled.diagnostics) {
      d.file = "<expr>";
      std::fputs(FormatDiagnostic(d).c_str(), stderr);
    }
    return kExitRefused;
  }
  activation = eval::Activation(env.slot_count());
  for (size_t i = 0; i < bindings.size(); ++i) activation.Bind(slots[i], bindings[i].second);
  eval::Trace trace_out;
  absl::StatusOr<eval::Value> value =
      compiled.program->Evaluate(activation, eval::EvalOptions(), trace ? &trace_out : nullptr);
  if (trace) std::fputs(trace_out.Format(compiled.program->source()).c_str(), stdout);
  if (!value.ok()) {
    std::printf("error: %s\n", std::string(value.status().message()).c_str());
    return kExitRefused;
  }
  std::printf("%s\n", eval::FormatValue(*value).c_str());
  return value->is_error() ? kExitRefused : kExitOk;
}

}  // namespace

int RunEvalCommand(const std::vector<std::string>& args) {
  CommandLine line({"expr", "bindings", "cases"}, {"unchecked", "trace", "details", "help"});
  absl::Status parsed = line.Parse(args);
  if (!parsed.ok()) return Usage(line, std::string(parsed.message()));
  if (line.Has("help")) return Usage(line, "");
  if (!line.positional().empty()) return Usage(line, "unexpected argument " + line.positional()[0]);
  if (line.Has("cases") == line.Has("expr")) return Usage(line, "give either --expr or --cases");
  if (line.Has("cases")) return RunCases(line.Get("cases", ""), line.Has("details"));
  return RunExpression(line.Get("expr", ""), line.Get("bindings", ""), line.Has("unchecked"), line.Has("trace"));
}

}  // namespace proactive
