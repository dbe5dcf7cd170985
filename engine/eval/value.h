// Run-time values of the expression language: a compact tagged 16-byte value.
// Scalars (null, bool, int, uint, double, duration, timestamp, date, money)
// live inside the Value; strings, bytes, lists, maps and errors are shared,
// immutable, reference-counted data; objects (person, household, ...) are
// references to records the caller owns.
//
//   Value n = Value::Int(42);
//   Value d = Value::Date(absl::CivilDay(2026, 9, 1));
//   Value m = Value::Money(1200000, "EUR");             // 12000.00 EUR
//   Value l = Value::List({Value::String("a"), Value::Int(1)});
//   FormatValue(m) == "money(\"12000.00 EUR\")";
//
// Errors are values too (CEL's "errors as values"): Value::Error("division
// by zero") has kind kError; `&&`, `||` and the macros may absorb them.
//
// Values are immutable and safe to read from several threads; copying one
// shares its data (an atomic reference count) and never copies a string or a
// list.
#ifndef PROACTIVE_ENGINE_EVAL_VALUE_H_
#define PROACTIVE_ENGINE_EVAL_VALUE_H_

#include <atomic>
#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "engine/common/text_formats.h"

namespace proactive::eval {

class ObjectValue;
class Value;

namespace internal {

// Shared immutable data behind a Value.
class HeapRep {
 public:
  HeapRep() = default;
  HeapRep(const HeapRep&) = delete;
  HeapRep& operator=(const HeapRep&) = delete;
  virtual ~HeapRep() = default;

  void Ref() const { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Unref() const {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

 private:
  mutable std::atomic<int32_t> refs_{1};
};

class StringRep;
class ListRep;
class MapRep;

}  // namespace internal

// The entries of a map value, in insertion order, with lookup by key.
class MapView;

class Value {
 public:
  enum class Kind : uint8_t {
    kNull,
    kBool,
    kInt,
    kUint,
    kDouble,
    kString,
    kBytes,
    kDuration,
    kTimestamp,
    kDate,
    kMoney,
    kList,
    kMap,
    kObject,
    kType,
    kError,
  };

  Value() noexcept : header_(0) { payload_.i = 0; }
  Value(const Value& other) noexcept : header_(other.header_), payload_(other.payload_) {
    if (owned()) payload_.rep->Ref();
  }
  Value(Value&& other) noexcept : header_(other.header_), payload_(other.payload_) { other.header_ = 0; }
  Value& operator=(const Value& other) noexcept {
    if (this != &other) {
      if (other.owned()) other.payload_.rep->Ref();
      Release();
      header_ = other.header_;
      payload_ = other.payload_;
    }
    return *this;
  }
  Value& operator=(Value&& other) noexcept {
    if (this != &other) {
      Release();
      header_ = other.header_;
      payload_ = other.payload_;
      other.header_ = 0;
    }
    return *this;
  }
  ~Value() { Release(); }

  // ---- building values ----------------------------------------------------
  static Value Null() { return Value(); }
  static Value Bool(bool b) {
    Value v;
    v.header_ = MakeHeader(Kind::kBool, false, 0);
    v.payload_.i = b ? 1 : 0;  // one 8-byte store: later 8-byte copies forward
    return v;
  }
  static Value Int(int64_t i) {
    Value v;
    v.header_ = MakeHeader(Kind::kInt, false, 0);
    v.payload_.i = i;
    return v;
  }
  static Value Uint(uint64_t u) {
    Value v;
    v.header_ = MakeHeader(Kind::kUint, false, 0);
    v.payload_.u = u;
    return v;
  }
  static Value Double(double d) {
    Value v;
    v.header_ = MakeHeader(Kind::kDouble, false, 0);
    v.payload_.d = d;
    return v;
  }
  // REQUIRES: `utf8` is valid UTF-8.
  static Value String(absl::string_view utf8);
  static Value Bytes(absl::string_view bytes);
  // An error value when outside CEL's range (64-bit nanoseconds, about +-292
  // years).
  static Value Duration(absl::Duration d);
  // An error value when outside 0001-01-01T00:00:00Z ..
  // 9999-12-31T23:59:59.999999999Z.
  static Value Timestamp(absl::Time t);
  // An error value when outside years 1..9999.
  static Value Date(absl::CivilDay day);
  static Value DateFromEpochDays(int64_t days_since_1970);
  // Exact amount in cents. An error value when `currency` is not three
  // upper-case letters.
  static Value Money(int64_t cents, absl::string_view currency);
  // The same currency as `other` (a money value); no validation needed.
  static Value MoneyLike(int64_t cents, const Value& other) {
    Value v;
    v.header_ = MakeHeader(Kind::kMoney, false, other.aux());
    v.payload_.i = cents;
    return v;
  }
  static Value Money(const proactive::Money& money) { return Money(money.cents, money.currency); }
  static Value List(std::vector<Value> elements);
  // An error value when a key is not bool, int, uint or string, or is
  // repeated (1 and 1u are the same key).
  static Value Map(std::vector<std::pair<Value, Value>> entries);
  // A reference to a record the caller owns. REQUIRES: `object` outlives
  // this value and every copy of it (including evaluation results and
  // traces that contain it).
  static Value Object(const ObjectValue* object);
  // A type value, by its CEL name: "int", "list", "google.protobuf.Timestamp",
  // "person".
  static Value Type(absl::string_view name);
  static Value Error(absl::string_view message);

  // ---- reading values -----------------------------------------------------
  Kind kind() const { return static_cast<Kind>(header_ & 0xFF); }
  bool is_error() const { return kind() == Kind::kError; }
  bool is_null() const { return kind() == Kind::kNull; }

  // Each accessor REQUIRES the matching kind.
  bool bool_value() const { return payload_.i != 0; }
  int64_t int_value() const { return payload_.i; }
  uint64_t uint_value() const { return payload_.u; }
  double double_value() const { return payload_.d; }
  // kString and kBytes; also the name of a kType and the message of a kError.
  absl::string_view string_value() const;
  absl::Duration duration_value() const { return absl::Seconds(payload_.i) + absl::Nanoseconds(aux()); }
  absl::Time timestamp_value() const { return absl::UnixEpoch() + duration_value(); }
  int64_t date_days() const { return payload_.i; }  // days since 1970-01-01
  absl::CivilDay date_value() const { return absl::CivilDay(1970, 1, 1) + payload_.i; }
  int64_t money_cents() const { return payload_.i; }
  std::string money_currency() const;
  // The currency packed in an int, for fast comparison.
  int32_t money_currency_code() const { return aux(); }
  absl::Span<const Value> list_elements() const;
  MapView map_value() const;
  const ObjectValue* object_value() const { return payload_.object; }
  absl::string_view type_name() const { return string_value(); }
  absl::string_view error_message() const { return string_value(); }

  // ---- for the evaluator --------------------------------------------------
  // A copy that does not hold a reference to the shared data: valid only
  // while the value it was taken from (or another owner) keeps the data
  // alive. The evaluator uses it for constants and inputs, which outlive an
  // evaluation, to avoid reference counting.
  Value Borrowed() const {
    Value v(*this, BorrowTag{});
    return v;
  }
  // Both bools, both ints, both dates, or both money of one currency: then
  // their int_value() orders and equates them as CompareValues and
  // ValuesEqual do. One comparison of the headers, for the evaluator: a bool,
  // int or date header holds no aux and never the owned bit; money's aux is
  // its currency. (Headers that differ otherwise only miss the fast path.)
  static bool SameIntegralKind(const Value& a, const Value& b) {
    constexpr uint32_t kIntegral = 1u << static_cast<int>(Kind::kBool) | 1u << static_cast<int>(Kind::kInt) |
                                   1u << static_cast<int>(Kind::kDate) | 1u << static_cast<int>(Kind::kMoney);
    return a.header_ == b.header_ && ((kIntegral >> (a.header_ & 0xFF)) & 1) != 0;
  }
  // A copy that holds its own reference (what an evaluation returns).
  Value Retained() const { return owned() || !has_rep() ? *this : RetainedSlow(); }
  bool owns_data() const { return owned(); }

 private:
  friend class MapView;
  struct BorrowTag {};
  Value RetainedSlow() const;
  Value(const Value& other, BorrowTag) noexcept : header_(other.header_ & ~kOwnedBit), payload_(other.payload_) {}
  Value(Kind kind, internal::HeapRep* rep) noexcept : header_(MakeHeader(kind, true, 0)) { payload_.rep = rep; }
  // The header is written and copied as one 8-byte word, never field by
  // field: a copy that reads it right after it was built then gets the
  // stored value forwarded instead of stalling.
  static constexpr uint64_t kOwnedBit = uint64_t{1} << 8;
  static constexpr uint64_t MakeHeader(Kind kind, bool owned, int32_t aux) {
    return static_cast<uint64_t>(kind) | (owned ? kOwnedBit : 0) |
           (static_cast<uint64_t>(static_cast<uint32_t>(aux)) << 32);
  }
  bool owned() const { return (header_ & kOwnedBit) != 0; }
  int32_t aux() const { return static_cast<int32_t>(header_ >> 32); }
  void Release() {
    if (owned()) payload_.rep->Unref();
  }
  bool has_rep() const {
    const Kind k = kind();
    return k == Kind::kString || k == Kind::kBytes || k == Kind::kList || k == Kind::kMap || k == Kind::kType ||
           k == Kind::kError;
  }

  // kind (bits 0-7), owns a reference on payload_.rep (bit 8), aux (bits
  // 32-63: nanoseconds of durations and timestamps, currency of money).
  uint64_t header_;
  union Payload {
    bool b;
    int64_t i;
    uint64_t u;
    double d;
    internal::HeapRep* rep;
    const ObjectValue* object;
  } payload_;
};

static_assert(sizeof(Value) == 16, "Value must stay compact");

namespace internal {

// Defined here so that the accessors below inline.
class StringRep final : public HeapRep {
 public:
  explicit StringRep(absl::string_view text) : text_(text) {}
  explicit StringRep(std::string&& text) : text_(std::move(text)) {}
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

// The elements are stored right after the header, in the same allocation,
// so that reading an element costs one pointer chase, not two.
class ListRep final : public HeapRep {
 public:
  static ListRep* Create(std::vector<Value>&& elements);
  ~ListRep() override;
  // Matches the allocation made by Create.
  static void operator delete(void* p) { ::operator delete(p); }

  absl::Span<const Value> elements() const { return absl::Span<const Value>(data(), size_); }

 private:
  explicit ListRep(size_t size) : size_(size) {}
  const Value* data() const { return reinterpret_cast<const Value*>(this + 1); }
  Value* data() { return reinterpret_cast<Value*>(this + 1); }

  size_t size_;
};

}  // namespace internal

inline absl::string_view Value::string_value() const {
  return static_cast<const internal::StringRep*>(payload_.rep)->text();
}

inline absl::Span<const Value> Value::list_elements() const {
  return static_cast<const internal::ListRep*>(payload_.rep)->elements();
}

class MapView {
 public:
  size_t size() const;
  // Entries in insertion order.
  absl::Span<const std::pair<Value, Value>> entries() const;
  // The value for `key`, or null. Numeric keys match across int, uint and
  // (integral) double: m[1], m[1u] and m[1.0] find the same entry.
  const Value* Find(const Value& key) const;

 private:
  friend class Value;
  explicit MapView(const internal::MapRep* rep) : rep_(rep) {}
  const internal::MapRep* rep_;
};

// "Int", "list", ... : the CEL name of a kind, for messages ("int", "list").
absl::string_view KindName(Value::Kind kind);

// The value's CEL type name as `type(v)` gives it: "int", "list", "person".
std::string TypeNameOf(const Value& value);

// A stable, readable text form, close to CEL syntax:
//   42, 42u, 1.5, "text", b"\x00", true, null, [1, 2], {"a": 1},
//   duration("1.5s"), timestamp("2026-01-01T00:00:00Z"), date("2026-09-01"),
//   money("12.50 EUR"), person{birth_date: date("1950-01-01"), ...}, int,
//   error: division by zero
std::string FormatValue(const Value& value);

// For gtest and logs.
std::ostream& operator<<(std::ostream& out, const Value& value);

}  // namespace proactive::eval

#endif  // PROACTIVE_ENGINE_EVAL_VALUE_H_
