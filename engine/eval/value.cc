#include "engine/eval/value.h"

#include <algorithm>
#include <cmath>
#include <new>

#include "absl/strings/str_cat.h"
#include "engine/eval/object_value.h"
#include "engine/eval/value_internal.h"

namespace proactive::eval {
namespace {

// CEL's ranges.
constexpr int64_t kMinTimestampSeconds = -62135596800;  // 0001-01-01T00:00:00Z
constexpr int64_t kMaxTimestampSeconds = 253402300799;  // 9999-12-31T23:59:59Z
constexpr int64_t kMinDays = -719162;                   // 0001-01-01
constexpr int64_t kMaxDays = 2932896;                   // 9999-12-31

// Splits `d` into whole seconds (rounded down) and nanoseconds in [0, 1e9).
void SplitDuration(absl::Duration d, int64_t* seconds, int32_t* nanos) {
  int64_t s = absl::ToInt64Seconds(d);  // truncates toward zero
  absl::Duration rest = d - absl::Seconds(s);
  if (rest < absl::ZeroDuration()) {
    s -= 1;
    rest += absl::Seconds(1);
  }
  *seconds = s;
  *nanos = static_cast<int32_t>(absl::ToInt64Nanoseconds(rest));
}

int32_t PackCurrency(absl::string_view code) {
  return static_cast<int32_t>(static_cast<unsigned char>(code[0]) | (static_cast<unsigned char>(code[1]) << 8) |
                              (static_cast<unsigned char>(code[2]) << 16));
}

}  // namespace

Value Value::String(absl::string_view utf8) { return Value(Kind::kString, new internal::StringRep(utf8)); }

Value Value::Bytes(absl::string_view bytes) { return Value(Kind::kBytes, new internal::StringRep(bytes)); }

Value Value::Type(absl::string_view name) { return Value(Kind::kType, new internal::StringRep(name)); }

Value Value::Error(absl::string_view message) { return Value(Kind::kError, new internal::StringRep(message)); }

Value Value::Duration(absl::Duration d) {
  // CEL durations are 64-bit counts of nanoseconds (about +-292 years).
  if (d > absl::Nanoseconds(INT64_MAX) || d < absl::Nanoseconds(INT64_MIN)) {
    return Error("duration out of range (about 292 years either way)");
  }
  Value v;
  int32_t nanos = 0;
  SplitDuration(d, &v.payload_.i, &nanos);
  v.header_ = MakeHeader(Kind::kDuration, false, nanos);
  return v;
}

Value Value::Timestamp(absl::Time t) {
  if (t < absl::FromUnixSeconds(kMinTimestampSeconds) || t >= absl::FromUnixSeconds(kMaxTimestampSeconds + 1)) {
    return Error("timestamp out of range (years 0001 to 9999)");
  }
  Value v;
  int32_t nanos = 0;
  SplitDuration(t - absl::UnixEpoch(), &v.payload_.i, &nanos);
  v.header_ = MakeHeader(Kind::kTimestamp, false, nanos);
  return v;
}

Value Value::Date(absl::CivilDay day) { return DateFromEpochDays(day - absl::CivilDay(1970, 1, 1)); }

Value Value::DateFromEpochDays(int64_t days) {
  if (days < kMinDays || days > kMaxDays) return Error("date out of range (years 0001 to 9999)");
  Value v;
  v.header_ = MakeHeader(Kind::kDate, false, 0);
  v.payload_.i = days;
  return v;
}

Value Value::Money(int64_t cents, absl::string_view currency) {
  if (!IsCurrencyCode(currency)) {
    return Error(absl::StrCat("\"", currency, "\" is not a currency code (three capital letters)"));
  }
  Value v;
  v.header_ = MakeHeader(Kind::kMoney, false, PackCurrency(currency));
  v.payload_.i = cents;
  return v;
}

std::string Value::money_currency() const {
  std::string code(3, ' ');
  code[0] = static_cast<char>(aux() & 0xFF);
  code[1] = static_cast<char>((aux() >> 8) & 0xFF);
  code[2] = static_cast<char>((aux() >> 16) & 0xFF);
  return code;
}

Value Value::List(std::vector<Value> elements) {
  for (Value& e : elements) {
    if (!e.owned() && e.has_rep()) e = e.Retained();
  }
  return Value(Kind::kList, internal::ListRep::Create(std::move(elements)));
}

namespace internal {

static_assert(sizeof(ListRep) % alignof(Value) == 0, "elements follow the header");

ListRep* ListRep::Create(std::vector<Value>&& elements) {
  void* memory = ::operator new(sizeof(ListRep) + elements.size() * sizeof(Value));
  ListRep* rep = new (memory) ListRep(elements.size());
  Value* out = rep->data();
  for (size_t i = 0; i < elements.size(); ++i) new (out + i) Value(std::move(elements[i]));
  return rep;
}

ListRep::~ListRep() {
  Value* values = data();
  for (size_t i = 0; i < size_; ++i) values[i].~Value();
}

}  // namespace internal

Value Value::Map(std::vector<std::pair<Value, Value>> entries) {
  for (auto& [key, value] : entries) {
    switch (key.kind()) {
      case Kind::kBool:
      case Kind::kInt:
      case Kind::kUint:
      case Kind::kString:
        break;
      case Kind::kError:
        return key;
      default:
        return Error(absl::StrCat("a map key cannot be ", TypeNameOf(key), " (keys are int, uint, bool or string)"));
    }
    if (!key.owned() && key.has_rep()) key = key.Retained();
    if (!value.owned() && value.has_rep()) value = value.Retained();
  }
  std::vector<uint32_t> sorted(entries.size());
  for (uint32_t i = 0; i < sorted.size(); ++i) sorted[i] = i;
  std::stable_sort(sorted.begin(), sorted.end(), [&](uint32_t a, uint32_t b) {
    return internal::CompareKeys(entries[a].first, entries[b].first) < 0;
  });
  for (size_t i = 1; i < sorted.size(); ++i) {
    if (internal::CompareKeys(entries[sorted[i - 1]].first, entries[sorted[i]].first) == 0) {
      return Error(absl::StrCat("duplicate map key ", FormatValue(entries[sorted[i]].first)));
    }
  }
  return Value(Kind::kMap, new internal::MapRep(std::move(entries), std::move(sorted)));
}

Value Value::Object(const ObjectValue* object) {
  Value v;
  v.header_ = MakeHeader(Kind::kObject, false, 0);
  v.payload_.object = object;
  return v;
}

MapView Value::map_value() const { return MapView(static_cast<const internal::MapRep*>(payload_.rep)); }

Value Value::RetainedSlow() const {
  payload_.rep->Ref();
  Value v(*this, BorrowTag{});
  v.header_ |= kOwnedBit;
  return v;
}

size_t MapView::size() const { return rep_->entries().size(); }

absl::Span<const std::pair<Value, Value>> MapView::entries() const { return rep_->entries(); }

const Value* MapView::Find(const Value& key) const {
  Value k;
  if (!internal::NormalizeKey(key, &k)) return nullptr;
  const auto& entries = rep_->entries();
  if (entries.size() <= 8) {
    for (const auto& [entry_key, value] : entries) {
      if (internal::CompareKeys(entry_key, k) == 0) return &value;
    }
    return nullptr;
  }
  const auto& sorted = rep_->sorted();
  auto it = std::lower_bound(sorted.begin(), sorted.end(), k, [&](uint32_t i, const Value& x) {
    return internal::CompareKeys(entries[i].first, x) < 0;
  });
  if (it != sorted.end() && internal::CompareKeys(entries[*it].first, k) == 0) {
    return &entries[*it].second;
  }
  return nullptr;
}

namespace internal {

int CompareKeys(const Value& a, const Value& b) {
  const auto rank = [](Value::Kind k) { return k == Value::Kind::kBool ? 0 : k == Value::Kind::kString ? 2 : 1; };
  const int ra = rank(a.kind()), rb = rank(b.kind());
  if (ra != rb) return ra < rb ? -1 : 1;
  if (ra == 0) return a.bool_value() == b.bool_value() ? 0 : (a.bool_value() ? 1 : -1);
  if (ra == 2) {
    const int c = a.string_value().compare(b.string_value());
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  // Numbers: int vs uint compared by value.
  const bool a_neg = a.kind() == Value::Kind::kInt && a.int_value() < 0;
  const bool b_neg = b.kind() == Value::Kind::kInt && b.int_value() < 0;
  if (a_neg != b_neg) return a_neg ? -1 : 1;
  if (a_neg) {
    return a.int_value() < b.int_value() ? -1 : a.int_value() > b.int_value() ? 1 : 0;
  }
  const uint64_t ua = a.kind() == Value::Kind::kInt ? static_cast<uint64_t>(a.int_value()) : a.uint_value();
  const uint64_t ub = b.kind() == Value::Kind::kInt ? static_cast<uint64_t>(b.int_value()) : b.uint_value();
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

bool NormalizeKey(const Value& key, Value* normalized) {
  switch (key.kind()) {
    case Value::Kind::kBool:
    case Value::Kind::kInt:
    case Value::Kind::kUint:
    case Value::Kind::kString:
      *normalized = key.Borrowed();
      return true;
    case Value::Kind::kDouble: {
      const double d = key.double_value();
      if (!(d == std::trunc(d))) return false;
      if (d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
        *normalized = Value::Int(static_cast<int64_t>(d));
        return true;
      }
      if (d >= 0 && d < 18446744073709551616.0) {
        *normalized = Value::Uint(static_cast<uint64_t>(d));
        return true;
      }
      return false;
    }
    default:
      return false;
  }
}

}  // namespace internal

RecordObject::RecordObject(const lang::ObjectType& type)
    : ObjectValue(type), values_(type.field_count()), present_((type.field_count() + 63) / 64, 0) {}

const Value* RecordObject::Field(int index) const {
  if (static_cast<unsigned>(index) >= values_.size()) return nullptr;
  if (((present_[index >> 6] >> (index & 63)) & 1) == 0) return nullptr;
  return &values_[index];
}

void RecordObject::Set(int index, Value value) {
  values_[index] = std::move(value);
  present_[index >> 6] |= uint64_t{1} << (index & 63);
}

void RecordObject::Clear(int index) {
  values_[index] = Value();
  present_[index >> 6] &= ~(uint64_t{1} << (index & 63));
}

absl::Status RecordObject::Set(absl::string_view field, Value value) {
  const lang::FieldDecl* decl = object_type().FindField(field);
  if (decl == nullptr) {
    return absl::NotFoundError(absl::StrCat(object_type().name(), " has no field \"", field, "\""));
  }
  Set(decl->index, std::move(value));
  return absl::OkStatus();
}

absl::string_view KindName(Value::Kind kind) {
  switch (kind) {
    case Value::Kind::kNull:
      return "null_type";
    case Value::Kind::kBool:
      return "bool";
    case Value::Kind::kInt:
      return "int";
    case Value::Kind::kUint:
      return "uint";
    case Value::Kind::kDouble:
      return "double";
    case Value::Kind::kString:
      return "string";
    case Value::Kind::kBytes:
      return "bytes";
    case Value::Kind::kDuration:
      return "google.protobuf.Duration";
    case Value::Kind::kTimestamp:
      return "google.protobuf.Timestamp";
    case Value::Kind::kDate:
      return "date";
    case Value::Kind::kMoney:
      return "money";
    case Value::Kind::kList:
      return "list";
    case Value::Kind::kMap:
      return "map";
    case Value::Kind::kObject:
      return "object";
    case Value::Kind::kType:
      return "type";
    case Value::Kind::kError:
      return "error";
  }
  return "?";
}

std::string TypeNameOf(const Value& value) {
  if (value.kind() == Value::Kind::kObject && value.object_value() != nullptr) {
    return value.object_value()->object_type().name();
  }
  return std::string(KindName(value.kind()));
}

}  // namespace proactive::eval
