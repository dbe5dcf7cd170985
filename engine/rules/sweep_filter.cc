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
  const RuleEnvironment& env = *rule.env;
  eval::Activation activation(env.types().slot_count());
  std::optional<BroadcastRecord> broadcast;
  if (!BindRuleContext(rule, context, &broadcast, &activation)) return is_false;
  // A person with nothing but the term's attribute: the term reads nothing
  // else of them.
  const PersonFields& fields = env.person_fields();
  eval::RecordObject person(env.person_type());
  person.Set(fields.id, eval::Value::String(""));
  person.Set(fields.guardians, eval::Value::List({}));
  person.Set(fields.children, eval::Value::List({}));
  eval::RecordObject household(env.household_type());
  household.Set(env.household_id_field(), eval::Value::String(""));
  household.Set(env.household_members_field(), eval::Value::List({eval::Value::Object(&person)}));
  activation.Bind(env.person_slot(), eval::Value::Object(&person));
  activation.Bind(env.household_slot(), eval::Value::Object(&household));
  const lang::FieldDecl* field = term.attribute.empty() ? nullptr : env.person_type().FindField(term.attribute);
  for (size_t i = 0; i < values.size(); ++i) {
    if (field != nullptr) {
      if (values[i] == nullptr) {
        person.Clear(field->index);
      } else {
        person.Set(field->index, term.presence_only ? eval::Value::Null() : FromStorageValue(*values[i]));
      }
    }
    absl::StatusOr<eval::Value> value = term.program->Evaluate(activation);
    is_false[i] = value.ok() && value->kind() == eval::Value::Kind::kBool && !value->bool_value();
  }
  return is_false;
}

}  // namespace proactive
