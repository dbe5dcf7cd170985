#include "engine/rules/sweep_filter.h"

#include <optional>
#include <set>

#include "absl/strings/str_split.h"
#include "engine/eval/compiler.h"
#include "engine/eval/object_value.h"
#include "engine/lang/parser.h"
#include "engine/rules/person_graph.h"

namespace proactive {
namespace {

void CollectConjuncts(const lang::Expr& expr, std::vector<const lang::Expr*>* out) {
  if (expr.kind == lang::ExprKind::kCall && expr.name == "_&&_" && expr.target == nullptr && expr.args.size() == 2) {
    CollectConjuncts(*expr.args[0], out);
    CollectConjuncts(*expr.args[1], out);
    return;
  }
  out->push_back(&expr);
}

bool IsBuiltinName(const std::string& name) {
  return name == "person" || name == "household" || name == "today" || name == "school_year" || name == "broadcast";
}

// The one attribute of the subject `reads` name, "" when none; nullopt when
// they read more (several attributes, links, the household, the person whole).
std::optional<std::string> SingleAttribute(const std::vector<std::string>& reads, const RuleEnvironment& env) {
  std::set<std::string> attributes;
  for (const std::string& path : reads) {
    std::vector<std::string> parts = absl::StrSplit(path, '.');
    if (parts[0] == "household") return std::nullopt;
    if (parts[0] != "person") continue;
    // A joined table's row is not in the projection: the term cannot be tested there.
    if (parts.size() < 2 || parts[1] == "id" || parts[1] == "guardians" || parts[1] == "children" ||
        env.person_type().FindField(parts[1]) == nullptr || env.person_fields().FindJoined(parts[1]) != nullptr) {
      return std::nullopt;
    }
    attributes.insert(parts[1]);
  }
  if (attributes.size() > 1) return std::nullopt;
  return attributes.empty() ? std::string() : *attributes.begin();
}

}  // namespace

std::vector<FilterTerm> PlanFilterTerms(const std::string& when_source, const RuleEnvironment& env) {
  std::vector<FilterTerm> terms;
  lang::ParseResult parsed = lang::Parse(when_source);
  if (!parsed.diagnostics.empty()) return terms;
  std::vector<const lang::Expr*> conjuncts;
  CollectConjuncts(*parsed.root, &conjuncts);
  for (const lang::Expr* conjunct : conjuncts) {
    // A comprehension variable named like a built-in would hide it.
    bool shadows = false;
    lang::ForEachExpr(*conjunct, [&](const lang::Expr& e) {
      if (e.kind == lang::ExprKind::kComprehension && (IsBuiltinName(e.var) || IsBuiltinName(e.var2))) shadows = true;
    });
    if (shadows) continue;
    eval::CompileOptions options;
    options.expected_type = lang::Type::Bool();
    eval::CompileResult compiled = eval::Compile(
        absl::string_view(when_source).substr(conjunct->begin, conjunct->end - conjunct->begin), env.types(), options);
    if (compiled.program == nullptr) continue;
    std::optional<std::string> attribute = SingleAttribute(compiled.program->reads(), env);
    if (!attribute) continue;
    FilterTerm term;
    term.attribute = *attribute;
    const lang::FieldDecl* field = attribute->empty() ? nullptr : env.person_type().FindField(*attribute);
    term.field_index = field != nullptr ? field->index : -1;
    term.presence_only = !attribute->empty();
    lang::ForEachExpr(*conjunct, [&](const lang::Expr& e) {
      if (e.kind == lang::ExprKind::kSelect && !e.test_only && e.name == term.attribute &&
          e.target->kind == lang::ExprKind::kIdent && e.target->name == "person") {
        term.presence_only = false;
      }
    });
    term.program = std::move(compiled.program);
    terms.push_back(std::move(term));
  }
  return terms;
}

std::vector<uint8_t> TermFalseFor(const CompiledRule& rule, const FilterTerm& term, const EvaluationContext& context,
                                  const std::vector<const storage::v1::Value*>& values) {
  std::vector<uint8_t> is_false(values.size(), 0);
  FilterTermTester tester(rule, context);
  for (size_t i = 0; i < values.size(); ++i) is_false[i] = tester.FalseFor(term, values[i]) ? 1 : 0;
  return is_false;
}

FilterTermTester::FilterTermTester(const CompiledRule& rule, const EvaluationContext& context)
    : rule_(rule),
      today_(context.today),
      activation_(rule.env->types().slot_count()),
      bound_(BindRuleContext(rule, context, &broadcast_, &activation_)),
      person_(rule.env->person_type()),
      household_(rule.env->household_type()) {
  const RuleEnvironment& env = *rule.env;
  const PersonFields& fields = env.person_fields();
  person_.Set(fields.id, eval::Value::String(""));
  person_.Set(fields.guardians, eval::Value::List({}));
  person_.Set(fields.children, eval::Value::List({}));
  household_.Set(env.household_id_field(), eval::Value::String(""));
  household_.Set(env.household_members_field(), eval::Value::List({eval::Value::Object(&person_)}));
  activation_.Bind(env.person_slot(), eval::Value::Object(&person_));
  activation_.Bind(env.household_slot(), eval::Value::Object(&household_));
}

bool FilterTermTester::FalseFor(const FilterTerm& term, const storage::v1::Value* value) {
  if (!bound_) return false;
  const int index = term.field_index;
  if (index >= 0) {
    if (value == nullptr) {
      person_.Clear(index);
    } else {
      person_.Set(index, term.presence_only ? eval::Value::Null() : FromStorageValue(*value));
    }
  }
  eval::Value other;
  absl::StatusOr<eval::Truth> truth = term.program->EvaluateCondition(activation_, &other);
  // The next term may read another attribute: this one is left absent.
  if (index >= 0) person_.Clear(index);
  return truth.ok() && *truth == eval::Truth::kFalse;
}

}  // namespace proactive
