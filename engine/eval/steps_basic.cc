// Constants, variables, comprehension variables, field selection, presence
// tests, list and map literals.
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/eval/object_value.h"
#include "engine/eval/step.h"

namespace proactive::eval::internal {
namespace {

class LocalStep final : public Step {
 public:
  LocalStep(const lang::Expr& e, int slot) : Step(e), slot_(slot) {}
  Value Eval(EvalContext& ctx) const override { return ctx.locals[slot_]; }

 private:
  int slot_;
};

// An element of `container`: borrowed when the container is (its data
// outlives the evaluation), otherwise with its own reference.
Value ElementOf(const Value& container, const Value& element) {
  return container.owns_data() ? element.Retained() : element.Borrowed();
}

// Reads `field` of any value by name (maps, objects of any type).
Value SelectByName(const Value& operand, const std::string& field, const std::string& where) {
  switch (operand.kind()) {
    case Value::Kind::kObject: {
      const ObjectValue* object = operand.object_value();
      const lang::FieldDecl* decl = object->object_type().FindField(field);
      if (decl == nullptr) {
        return Value::Error(absl::StrCat(object->object_type().name(), " has no field '", field, "'"));
      }
      const Value* v = object->Field(decl->index);
      if (v == nullptr) return Value::Error(absl::StrCat("no value for ", where));
      return v->Borrowed();
    }
    case Value::Kind::kMap: {
      const Value* v = operand.map_value().Find(Value::String(field));
      if (v == nullptr) return Value::Error(absl::StrCat("no such key: '", field, "' in ", where));
      return ElementOf(operand, *v);
    }
    case Value::Kind::kError:
      return operand;
    default:
      return Value::Error(absl::StrCat(TypeNameOf(operand), " has no fields (selecting '", field, "' in ", where, ")"));
  }
}

class FieldStep final : public Step {
 public:
  FieldStep(const lang::Expr& e, StepPtr operand, const lang::ObjectType* type, int index, std::string field,
            std::string where)
      : Step(e),
        operand_(std::move(operand)),
        type_(type),
        index_(index),
        field_(std::move(field)),
        where_(std::move(where)),
        absent_(Value::Error(absl::StrCat("no value for ", where_))) {}
  Value Eval(EvalContext& ctx) const override {
    Value operand = EvalStep(*operand_, ctx);
    if (operand.kind() == Value::Kind::kObject && &operand.object_value()->object_type() == type_) {
      const Value* v = operand.object_value()->Field(index_);
      return v != nullptr ? v->Borrowed() : absent_.Borrowed();
    }
    return SelectByName(operand, field_, where_);
  }

 private:
  StepPtr operand_;
  const lang::ObjectType* type_;
  int index_;
  std::string field_;
  std::string where_;
  Value absent_;
};

class SelectStep final : public Step {
 public:
  SelectStep(const lang::Expr& e, StepPtr operand, std::string field, std::string where)
      : Step(e), operand_(std::move(operand)), field_(std::move(field)), where_(std::move(where)) {}
  Value Eval(EvalContext& ctx) const override { return SelectByName(EvalStep(*operand_, ctx), field_, where_); }

 private:
  StepPtr operand_;
  std::string field_;
  std::string where_;
};

class HasStep final : public Step {
 public:
  HasStep(const lang::Expr& e, StepPtr operand, std::string field, const lang::ObjectType* type, int index)
      : Step(e), operand_(std::move(operand)), field_(std::move(field)), type_(type), index_(index) {}
  Value Eval(EvalContext& ctx) const override {
    Value other;
    const Truth t = EvalTruth(ctx, &other);
    return TruthValue(t, std::move(other));
  }
  Truth EvalTruth(EvalContext& ctx, Value* other) const override {
    Value operand = EvalStep(*operand_, ctx);
    switch (operand.kind()) {
      case Value::Kind::kObject: {
        const ObjectValue* object = operand.object_value();
        int index = index_;
        if (&object->object_type() != type_) {
          const lang::FieldDecl* decl = object->object_type().FindField(field_);
          if (decl == nullptr) {
            *other = Value::Error(absl::StrCat(object->object_type().name(), " has no field '", field_, "'"));
            return Truth::kOther;
          }
          index = decl->index;
        }
        return object->Field(index) != nullptr ? Truth::kTrue : Truth::kFalse;
      }
      case Value::Kind::kMap:
        return operand.map_value().Find(Value::String(field_)) != nullptr ? Truth::kTrue : Truth::kFalse;
      case Value::Kind::kError:
        *other = std::move(operand);
        return Truth::kOther;
      default:
        *other = Value::Error(absl::StrCat("has() needs an object or a map, not ", TypeNameOf(operand)));
        return Truth::kOther;
    }
  }

 private:
  StepPtr operand_;
  std::string field_;
  const lang::ObjectType* type_;  // null when unknown at compile time
  int index_;
};

class ListStep final : public Step {
 public:
  ListStep(const lang::Expr& e, std::vector<StepPtr> elements) : Step(e), elements_(std::move(elements)) {}
  Value Eval(EvalContext& ctx) const override {
    std::vector<Value> values;
    values.reserve(elements_.size());
    for (const StepPtr& s : elements_) {
      Value v = EvalStep(*s, ctx);
      if (v.is_error()) return v;
      values.push_back(std::move(v));
    }
    return Value::List(std::move(values));
  }

 private:
  std::vector<StepPtr> elements_;
};

class MapStep final : public Step {
 public:
  MapStep(const lang::Expr& e, std::vector<StepPtr> keys, std::vector<StepPtr> values)
      : Step(e), keys_(std::move(keys)), values_(std::move(values)) {}
  Value Eval(EvalContext& ctx) const override {
    std::vector<std::pair<Value, Value>> entries;
    entries.reserve(keys_.size());
    for (size_t i = 0; i < keys_.size(); ++i) {
      Value k = EvalStep(*keys_[i], ctx);
      if (k.is_error()) return k;
      Value v = EvalStep(*values_[i], ctx);
      if (v.is_error()) return v;
      entries.emplace_back(std::move(k), std::move(v));
    }
    return Value::Map(std::move(entries));
  }

 private:
  std::vector<StepPtr> keys_;
  std::vector<StepPtr> values_;
};

class WrapperStep final : public Step {
 public:
  WrapperStep(const lang::Expr& e, std::string wrapper, StepPtr value, Value default_value)
      : Step(e), wrapper_(std::move(wrapper)), value_(std::move(value)), default_(std::move(default_value)) {}
  Value Eval(EvalContext& ctx) const override {
    if (value_ == nullptr) return default_.Borrowed();
    Value v = EvalStep(*value_, ctx);
    if (v.is_error()) return v;
    if (v.kind() != default_.kind()) {
      return Value::Error(absl::StrCat(wrapper_, ".value cannot hold ", TypeNameOf(v)));
    }
    if (wrapper_ == "google.protobuf.Int32Value" && (v.int_value() < INT32_MIN || v.int_value() > INT32_MAX)) {
      return Value::Error("int32 out of range");
    }
    if (wrapper_ == "google.protobuf.UInt32Value" && v.uint_value() > UINT32_MAX) {
      return Value::Error("uint32 out of range");
    }
    if (wrapper_ == "google.protobuf.FloatValue") {
      return Value::Double(static_cast<double>(static_cast<float>(v.double_value())));
    }
    return v;
  }

 private:
  std::string wrapper_;
  StepPtr value_;
  Value default_;
};

}  // namespace

Truth FixedValueStep::EvalTruth(EvalContext&, Value* other) const {
  if (value_.kind() == Value::Kind::kBool) {
    return value_.bool_value() ? Truth::kTrue : Truth::kFalse;
  }
  *other = value_.Borrowed();
  return Truth::kOther;
}

VariableStep::VariableStep(const lang::Expr& e, int slot, std::string name)
    : Step(e, Leaf::kVariable),
      slot_(slot),
      unbound_(Value::Error(absl::StrCat("no value for variable '", name, "'"))) {}

FieldLeafStep::FieldLeafStep(const lang::Expr& e, Leaf leaf, const lang::Expr& object_expr, int slot,
                             std::string variable, const lang::ObjectType* type, int index, std::string field,
                             std::string where)
    : Step(e, leaf),
      object_id_(object_expr.id),
      object_begin_(object_expr.begin),
      object_end_(object_expr.end),
      slot_(slot),
      type_(type),
      index_(index),
      field_(std::move(field)),
      where_(std::move(where)),
      unbound_(leaf == Leaf::kVariableField ? Value::Error(absl::StrCat("no value for variable '", variable, "'"))
                                            : Value()),
      absent_(Value::Error(absl::StrCat("no value for ", where_))) {}

Value FieldLeafStep::Eval(EvalContext& ctx) const {
  if (ctx.trace != nullptr) {
    if (leaf() == Leaf::kVariableField) {
      const Value* operand = ctx.activation->Find(slot_);
      ctx.trace->Record(object_id_, object_begin_, object_end_, operand != nullptr ? *operand : unbound_);
    } else {
      ctx.trace->Record(object_id_, object_begin_, object_end_, ctx.locals[slot_]);
    }
  }
  return Read(ctx);
}

Truth FieldLeafStep::EvalTruth(EvalContext& ctx, Value* other) const {
  Value v = FieldLeafStep::Eval(ctx);  // Read when not tracing
  if (v.kind() == Value::Kind::kBool) {
    return v.bool_value() ? Truth::kTrue : Truth::kFalse;
  }
  *other = std::move(v);
  return Truth::kOther;
}

Value FieldLeafStep::SelectByName(const Value& operand) const {
  return internal::SelectByName(operand.Borrowed(), field_, where_);
}

StepPtr NewConstantStep(int32_t id, int32_t begin, int32_t end, Value value) {
  return std::make_unique<FixedValueStep>(id, begin, end, std::move(value), /*is_constant=*/true);
}
StepPtr NewErrorStep(const lang::Expr& e, std::string message) {
  return std::make_unique<FixedValueStep>(e.id, e.begin, e.end, Value::Error(message), /*is_constant=*/false);
}
StepPtr NewVariableStep(const lang::Expr& e, int slot, std::string name) {
  return std::make_unique<VariableStep>(e, slot, std::move(name));
}
StepPtr NewLocalStep(const lang::Expr& e, int slot) { return std::make_unique<LocalStep>(e, slot); }
StepPtr NewFieldStep(const lang::Expr& e, StepPtr operand, const lang::ObjectType* type, int field_index,
                     std::string field, std::string where) {
  return std::make_unique<FieldStep>(e, std::move(operand), type, field_index, std::move(field), std::move(where));
}
StepPtr NewVariableFieldStep(const lang::Expr& e, const lang::Expr& variable_expr, int slot, std::string variable,
                             const lang::ObjectType* type, int field_index, std::string field, std::string where) {
  return std::make_unique<FieldLeafStep>(e, Leaf::kVariableField, variable_expr, slot, std::move(variable), type,
                                         field_index, std::move(field), std::move(where));
}
StepPtr NewLocalFieldStep(const lang::Expr& e, const lang::Expr& local_expr, int slot, const lang::ObjectType* type,
                          int field_index, std::string field, std::string where) {
  return std::make_unique<FieldLeafStep>(e, Leaf::kLocalField, local_expr, slot, std::string(), type, field_index,
                                         std::move(field), std::move(where));
}
StepPtr NewSelectStep(const lang::Expr& e, StepPtr operand, std::string field, std::string where) {
  return std::make_unique<SelectStep>(e, std::move(operand), std::move(field), std::move(where));
}
StepPtr NewHasStep(const lang::Expr& e, StepPtr operand, std::string field, const lang::ObjectType* type,
                   int field_index) {
  return std::make_unique<HasStep>(e, std::move(operand), std::move(field), type, field_index);
}
StepPtr NewListStep(const lang::Expr& e, std::vector<StepPtr> elements) {
  return std::make_unique<ListStep>(e, std::move(elements));
}
StepPtr NewMapStep(const lang::Expr& e, std::vector<StepPtr> keys, std::vector<StepPtr> values) {
  return std::make_unique<MapStep>(e, std::move(keys), std::move(values));
}
StepPtr NewWrapperStep(const lang::Expr& e, std::string wrapper, StepPtr value, Value default_value) {
  return std::make_unique<WrapperStep>(e, std::move(wrapper), std::move(value), std::move(default_value));
}

}  // namespace proactive::eval::internal
