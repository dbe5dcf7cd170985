#include "engine/rules/rule_evaluator.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/common/text_formats.h"
#include "engine/eval/value_ops.h"
#include "engine/rules/packed_trace.h"

namespace proactive {
namespace {

storage::v1::Value ToStorage(const eval::Value& value);

// Whether `value` is or holds an object (a person), at any depth.
bool HoldsObject(const eval::Value& value) {
  switch (value.kind()) {
    case eval::Value::Kind::kObject:
      return true;
    case eval::Value::Kind::kList:
      for (const eval::Value& e : value.list_elements()) {
        if (HoldsObject(e)) return true;
      }
      return false;
    case eval::Value::Kind::kMap:
      for (const auto& [k, v] : value.map_value().entries()) {
        if (HoldsObject(v)) return true;
      }
      return false;
    default:
      return false;
  }
}

using Inputs = google::protobuf::RepeatedPtrField<storage::v1::DecisionInput>;

void AddInput(std::string path, const PersonRecord& record, const InputRead& read, Inputs* inputs) {
  storage::v1::DecisionInput& input = *inputs->Add();
  input.set_path(std::move(path));
  input.set_person_id(record.id());
  for (const storage::v1::AttributeEntry& entry : record.state().attributes()) {
    if (entry.name() != read.name || entry.removed()) continue;
    if (!read.presence_only) *input.mutable_value() = entry.value();
    input.set_present(true);
    input.set_source(entry.source());
    *input.mutable_occurred_at() = entry.occurred_at();
    input.set_event_id(entry.event_id());
  }
}

// A person's row of a joined table (the table kinds of InputRead), recorded
// at `path`: present when the table has one, its source the table and its
// version.
void AddTableInput(std::string path, const PersonRecord& record, const InputRead& read, Inputs* inputs) {
  storage::v1::DecisionInput& input = *inputs->Add();
  input.set_path(std::move(path));
  input.set_person_id(record.id());
  const ReferenceRowObject* row = record.JoinedRow(*read.joined);
  if (row == nullptr) return;
  input.set_source(absl::StrCat("table ", read.joined->table, ", version ", row->row().version()));
  if (read.kind == InputRead::kTableRow || read.name.empty()) {
    input.set_present(true);
    return;
  }
  const lang::FieldDecl* column = row->object_type().FindField(read.name);
  const eval::Value* value = column != nullptr ? row->Field(column->index) : nullptr;
  if (value == nullptr) return;
  input.set_present(true);
  if (!read.presence_only) *input.mutable_value() = ToStorage(*value);
}

std::string IndexedPath(const InputRead& read, int i) {
  return absl::StrCat(read.indexed_prefix, i, read.indexed_suffix);
}

// The inputs a rule read (CompiledRule::input_reads) for the subject, its
// linked persons and household members, and the broadcast.
void CollectInputs(const CompiledRule& rule, const PersonGraph& graph, const EvaluationContext& context,
                   Inputs* inputs) {
  inputs->Reserve(static_cast<int>(rule.input_reads.size()));
  const std::string& household = graph.subject().state().household_id();
  const auto is_member = [&](const PersonRecord& record) {
    return &record == &graph.subject() || (!household.empty() && record.state().household_id() == household);
  };
  const auto is_listed = [](const InputRead& read, const storage::v1::LinkEntry& link) {
    return !link.removed() && (link.relation() == storage::v1::RELATION_GUARDIAN) == read.guardians;
  };
  for (const InputRead& read : rule.input_reads) {
    switch (read.kind) {
      case InputRead::kLinkList: {  // the persons it held (for replay, e.g. size(person.guardians) > 0)
        int i = 0;
        for (const storage::v1::LinkEntry& link : graph.subject().state().links()) {
          if (!is_listed(read, link) || graph.Find(link.person_id()) == nullptr) continue;
          storage::v1::DecisionInput& input = *inputs->Add();
          input.set_path(IndexedPath(read, i++));
          input.set_person_id(link.person_id());
        }
        break;
      }
      case InputRead::kMembers: {
        int i = 0;
        for (const auto& record : graph.records()) {
          if (!is_member(*record)) continue;
          storage::v1::DecisionInput& input = *inputs->Add();
          input.set_path(IndexedPath(read, i++));
          input.set_person_id(record->id());
        }
        break;
      }
      case InputRead::kAttribute:
        AddInput(read.path, graph.subject(), read, inputs);
        break;
      case InputRead::kLinkAttribute:
      case InputRead::kLinkTable: {
        int i = 0;
        // Numbered as in the list the rule read: persons the store does
        // not know are not in it (kLinkList).
        for (const storage::v1::LinkEntry& link : graph.subject().state().links()) {
          if (!is_listed(read, link)) continue;
          const PersonRecord* other = graph.Find(link.person_id());
          if (other == nullptr) continue;
          if (read.kind == InputRead::kLinkTable) {
            AddTableInput(IndexedPath(read, i++), *other, read, inputs);
          } else {
            AddInput(IndexedPath(read, i++), *other, read, inputs);
          }
        }
        break;
      }
      case InputRead::kMemberAttribute:
      case InputRead::kMemberTable: {
        int i = 0;
        for (const auto& record : graph.records()) {
          if (!is_member(*record)) continue;
          if (read.kind == InputRead::kMemberTable) {
            AddTableInput(IndexedPath(read, i++), *record, read, inputs);
          } else {
            AddInput(IndexedPath(read, i++), *record, read, inputs);
          }
        }
        break;
      }
      case InputRead::kTableRow:
      case InputRead::kTableColumn:
        AddTableInput(read.path, graph.subject(), read, inputs);
        break;
      case InputRead::kBroadcastField: {
        if (context.broadcast == nullptr) break;
        storage::v1::DecisionInput& input = *inputs->Add();
        input.set_path(read.path);
        input.set_source(context.broadcast->source());
        *input.mutable_occurred_at() = context.broadcast->occurred_at();
        input.set_event_id(context.broadcast->event_id());
        if (read.name == "area" || read.name == "topic") {
          input.mutable_value()->set_string_value(read.name == "area" ? context.broadcast->area()
                                                                      : context.broadcast->topic());
          input.set_present(true);
        }
        for (const storage::v1::NamedValue& field : context.broadcast->fields()) {
          if (field.name() != read.name) continue;
          if (!read.presence_only) *input.mutable_value() = field.value();
          input.set_present(true);
        }
        break;
      }
    }
  }
}

storage::v1::Value ToStorage(const eval::Value& value) {
  storage::v1::Value out;
  switch (value.kind()) {
    case eval::Value::Kind::kBool:
      out.set_bool_value(value.bool_value());
      break;
    case eval::Value::Kind::kInt:
      out.set_int_value(value.int_value());
      break;
    case eval::Value::Kind::kUint:
      out.set_int_value(static_cast<int64_t>(value.uint_value()));
      break;
    case eval::Value::Kind::kDouble:
      out.set_double_value(value.double_value());
      break;
    case eval::Value::Kind::kString:
      out.set_string_value(std::string(value.string_value()));
      break;
    case eval::Value::Kind::kDate:
      out.set_date_days(static_cast<int32_t>(value.date_days()));
      break;
    case eval::Value::Kind::kMoney:
      out.mutable_money_value()->set_cents(value.money_cents());
      out.mutable_money_value()->set_currency(value.money_currency());
      break;
    case eval::Value::Kind::kTimestamp: {
      absl::Duration d = value.timestamp_value() - absl::UnixEpoch();
      absl::Duration rem;
      out.mutable_timestamp_value()->set_seconds(absl::IDivDuration(d, absl::Seconds(1), &rem));
      out.mutable_timestamp_value()->set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(rem)));
      break;
    }
    case eval::Value::Kind::kDuration: {
      absl::Duration rem;
      out.mutable_duration_value()->set_seconds(absl::IDivDuration(value.duration_value(), absl::Seconds(1), &rem));
      out.mutable_duration_value()->set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(rem)));
      break;
    }
    case eval::Value::Kind::kList:
      for (const eval::Value& e : value.list_elements()) *out.mutable_list_value()->add_values() = ToStorage(e);
      break;
    case eval::Value::Kind::kObject: {
      const eval::ObjectValue* object = value.object_value();
      const lang::FieldDecl* id = object->object_type().FindField("id");
      const eval::Value* id_value = id == nullptr ? nullptr : object->Field(id->index);
      if (id_value != nullptr && id_value->kind() == eval::Value::Kind::kString) {
        out.set_person_id(std::string(id_value->string_value()));
      }
      break;
    }
    case eval::Value::Kind::kMap:  // its objects as their id, never their fields
      out.set_string_value(ValueText(value));
      break;
    default:
      out.set_string_value(eval::FormatValue(value));
  }
  return out;
}

}  // namespace

storage::v1::Value ToStorageValue(const eval::Value& value) { return ToStorage(value); }

namespace {

// ValueText appended to `out`: a trace's steps reuse one buffer rather than
// building a string (and a list's items) per step.
void AppendValueText(const eval::Value& value, std::string* out) {
  switch (value.kind()) {
    case eval::Value::Kind::kString:
      out->append(value.string_value().data(), value.string_value().size());
      return;
    case eval::Value::Kind::kInt:
      absl::StrAppend(out, value.int_value());
      return;
    case eval::Value::Kind::kUint:
      absl::StrAppend(out, value.uint_value());
      return;
    case eval::Value::Kind::kBool:
      out->append(value.bool_value() ? "true" : "false");
      return;
    case eval::Value::Kind::kDate:
      out->append(FormatIsoDate(value.date_value()));
      return;
    case eval::Value::Kind::kMoney:
      out->append(FormatMoney(Money{value.money_cents(), value.money_currency()}));
      return;
    case eval::Value::Kind::kTimestamp:
      out->append(FormatRfc3339(value.timestamp_value()));
      return;
    case eval::Value::Kind::kDuration:
      out->append(FormatDurationSeconds(value.duration_value()));
      return;
    case eval::Value::Kind::kList: {
      out->push_back('[');
      bool first = true;
      for (const eval::Value& e : value.list_elements()) {
        if (!std::exchange(first, false)) out->append(", ");
        AppendValueText(e, out);
      }
      out->push_back(']');
      return;
    }
    case eval::Value::Kind::kMap: {
      // As FormatValue writes it (a once_per key must not change), but an
      // object in it as its id, as in a list, never with its fields.
      if (!HoldsObject(value)) {
        out->append(eval::FormatValue(value));
        return;
      }
      out->push_back('{');
      bool first = true;
      for (const auto& [k, v] : value.map_value().entries()) {
        if (!std::exchange(first, false)) out->append(", ");
        absl::StrAppend(out, eval::FormatValue(k), ": ");
        if (HoldsObject(v)) {
          AppendValueText(v, out);
        } else {
          out->append(eval::FormatValue(v));
        }
      }
      out->push_back('}');
      return;
    }
    case eval::Value::Kind::kObject: {
      const eval::ObjectValue* object = value.object_value();
      const lang::FieldDecl* id = object->object_type().FindField("id");
      const eval::Value* id_value = id == nullptr ? nullptr : object->Field(id->index);
      if (id_value != nullptr) {
        AppendValueText(*id_value, out);
      } else {
        out->append(object->object_type().name());
      }
      return;
    }
    default:
      out->append(eval::FormatValue(value));
  }
}

}  // namespace

std::string ValueText(const eval::Value& value) {
  std::string text;
  AppendValueText(value, &text);
  return text;
}

BroadcastRecord::BroadcastRecord(const RuleEnvironment& env, const storage::v1::BroadcastEventRecord& event)
    : ObjectValue(*env.broadcast_type()) {
  const lang::ObjectType* type_ = &object_type();
  values_.resize(type_->field_count());
  present_.assign(type_->field_count(), false);
  values_[0] = eval::Value::String(event.topic());
  values_[1] = eval::Value::String(event.area());
  present_[0] = present_[1] = true;
  for (const storage::v1::NamedValue& field : event.fields()) {
    const lang::FieldDecl* decl = type_->FindField(field.name());
    if (decl == nullptr) continue;
    values_[decl->index] = FromStorageValue(field.value());
    present_[decl->index] = true;
  }
}

const eval::Value* BroadcastRecord::Field(int index) const {
  if (index < 0 || index >= static_cast<int>(values_.size()) || !present_[index]) return nullptr;
  return &values_[index];
}

std::optional<BroadcastRecord> PrepareBroadcastRecord(const std::vector<const CompiledRule*>& rules,
                                                      const storage::v1::BroadcastEventRecord& broadcast) {
  for (const CompiledRule* rule : rules) {
    if (rule->env->broadcast_slot() >= 0) return std::optional<BroadcastRecord>(std::in_place, *rule->env, broadcast);
  }
  return std::nullopt;
}

bool BindRuleContext(const CompiledRule& rule, const EvaluationContext& context,
                     std::optional<BroadcastRecord>* broadcast, eval::Activation* activation) {
  const RuleEnvironment& env = *rule.env;
  activation->Bind(env.today_slot(), eval::Value::Date(context.today));
  activation->Bind(env.school_year_slot(), eval::Value::Int(SchoolYear(context.today)));
  if (env.broadcast_slot() >= 0) {
    if (context.broadcast == nullptr) return false;
    const BroadcastRecord* record = context.broadcast_record;
    if (record == nullptr || &record->object_type() != env.broadcast_type()) {
      broadcast->emplace(env, *context.broadcast);
      record = &**broadcast;
    }
    activation->Bind(env.broadcast_slot(), eval::Value::Object(record));
  }
  const std::vector<CompiledParameter>& parameters = rule.pack->parameters;
  for (size_t i = 0; i < parameters.size(); ++i) {
    const auto* in_force = parameters[i].InForce(context.today);
    if (in_force == nullptr) continue;  // reading it gives "no value": undecided
    activation->Bind(env.parameter_slot(i), in_force->second);
  }
  return true;
}

void RuleOutcome::Reset() {
  kind = kDoesNotFire;
  reason.clear();
  once_per.clear();
  recipients.clear();
  parameters.clear();
  parameters_applied.Clear();
  inputs.Clear();
  packed_trace.clear();
  condition = absl::string_view();
  trace_steps.Clear();
}

RuleOutcome EvaluateRule(const CompiledRule& rule, const PersonGraph& graph, const EvaluationContext& context,
                         bool with_trace) {
  RuleOutcome outcome;
  EvaluateRuleInto(rule, graph, context, with_trace, &outcome);
  return outcome;
}

namespace {

void EvaluateInto(const CompiledRule& rule, const PersonGraph& graph, const EvaluationContext& context, bool with_trace,
                  RuleOutcome* out) {
  RuleOutcome& outcome = *out;
  if (!rule.EffectiveOn(context.today)) {
    outcome.kind = RuleOutcome::kNotEffective;
    outcome.reason = absl::StrCat("not in effect on ", FormatIsoDate(context.today));
    return;
  }
  const RuleEnvironment& env = *rule.env;
  eval::Activation activation(env.types().slot_count());
  activation.Bind(env.person_slot(), eval::Value::Object(&graph.subject()));
  activation.Bind(env.household_slot(), eval::Value::Object(&graph.household()));
  std::optional<BroadcastRecord> broadcast;
  if (!BindRuleContext(rule, context, &broadcast, &activation)) {
    outcome.kind = RuleOutcome::kUndecided;
    outcome.reason = "the rule needs a broadcast";
    return;
  }
  const std::vector<CompiledParameter>& parameters = rule.pack->parameters;

  eval::Trace& trace = outcome.trace_steps;
  eval::Value when_other;  // the `when`'s value when not a bool
  absl::StatusOr<eval::Truth> when =
      rule.when->EvaluateCondition(activation, &when_other, {}, with_trace ? &trace : nullptr);
  if (!when.ok()) {
    outcome.kind = RuleOutcome::kUndecided;
    outcome.reason = std::string(when.status().message());
    return;
  }
  if (*when == eval::Truth::kOther && when_other.is_error()) {
    outcome.kind = RuleOutcome::kUndecided;
    outcome.reason = std::string(when_other.error_message());
    return;
  }
  if (*when != eval::Truth::kTrue) {
    outcome.kind = RuleOutcome::kDoesNotFire;
    return;
  }
  const auto undecided = [&](absl::string_view what, absl::string_view why) {
    outcome.kind = RuleOutcome::kUndecided;
    outcome.reason = absl::StrCat(what, ": ", why);
  };
  absl::StatusOr<eval::Value> key = rule.once_per->Evaluate(activation);
  if (!key.ok()) return undecided("once_per", key.status().message());
  if (key->is_error()) return undecided("once_per", key->error_message());
  outcome.once_per = ValueText(*key);
  if (rule.recipients != nullptr) {
    absl::StatusOr<eval::Value> recipients = rule.recipients->Evaluate(activation);
    if (!recipients.ok()) return undecided("recipients", recipients.status().message());
    if (recipients->is_error()) return undecided("recipients", recipients->error_message());
    for (const eval::Value& r : recipients->list_elements()) outcome.recipients.push_back(ValueText(r));
  } else {
    outcome.recipients.push_back(graph.subject().id());
  }
  for (const auto& [name, program] : rule.parameters) {
    absl::StatusOr<eval::Value> value = program->Evaluate(activation);
    if (!value.ok()) return undecided(absl::StrCat("parameter ", name), value.status().message());
    if (value->is_error()) return undecided(absl::StrCat("parameter ", name), value->error_message());
    outcome.parameters.emplace_back(name, value->Retained());
  }
  for (size_t i = 0; i < parameters.size(); ++i) {
    if (rule.reads.count(parameters[i].spec.name) == 0) continue;
    const auto* in_force = parameters[i].InForce(context.today);
    if (in_force == nullptr) continue;
    storage::v1::AppliedParameter& applied = *outcome.parameters_applied.Add();
    applied.set_name(parameters[i].spec.name);
    *applied.mutable_value() = ToStorage(in_force->second);
    applied.set_since(FormatIsoDate(in_force->first));
    applied.set_legal_basis(parameters[i].spec.legal_basis);
  }
  CollectInputs(rule, graph, context, &outcome.inputs);
  if (with_trace) {
    outcome.condition = rule.when->source();
    outcome.packed_trace.reserve(trace.entries().size() * 4);
    TracePacker packer(&outcome.packed_trace);
    std::string text;  // a step's value, when it must be written out
    for (const eval::TraceEntry& entry : trace.entries()) {
      if (entry.value.kind() == eval::Value::Kind::kBool) {  // most steps: no text to build
        packer.AddBool(entry.begin, entry.end, entry.value.bool_value());
      } else if (entry.value.kind() == eval::Value::Kind::kString) {
        packer.Add(entry.begin, entry.end, entry.value.string_value());
      } else {
        text.clear();
        AppendValueText(entry.value, &text);
        packer.Add(entry.begin, entry.end, text);
      }
    }
  }
  outcome.kind = RuleOutcome::kFires;
}

}  // namespace

void EvaluateRuleInto(const CompiledRule& rule, const PersonGraph& graph, const EvaluationContext& context,
                      bool with_trace, RuleOutcome* outcome) {
  outcome->Reset();
  EvaluateInto(rule, graph, context, with_trace, outcome);
  // Its values may hold the graph's persons and the broadcast, which do not
  // outlive the call: emptied, its capacity kept.
  outcome->trace_steps.Clear();
}

}  // namespace proactive
