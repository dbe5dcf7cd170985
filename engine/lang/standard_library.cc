// The signatures of the standard library. The evaluator binds each overload
// id to its implementation (engine/eval/functions_*.cc); a test checks that
// every id declared here has one.
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "engine/lang/declarations.h"

namespace proactive::lang {
namespace {

class LibraryBuilder {
 public:
  // A global-style overload: f(params...).
  LibraryBuilder& Global(const char* function, const char* id, std::vector<Type> params, Type result) {
    Add(function, OverloadDecl{id, false, std::move(params), std::move(result)});
    return *this;
  }
  // A receiver-style overload: params[0].f(params[1...]).
  LibraryBuilder& Member(const char* function, const char* id, std::vector<Type> params, Type result) {
    Add(function, OverloadDecl{id, true, std::move(params), std::move(result)});
    return *this;
  }

  std::vector<FunctionDecl> Build() { return std::move(functions_); }

 private:
  void Add(const char* function, OverloadDecl overload) {
    for (FunctionDecl& f : functions_) {
      if (f.name == function) {
        f.overloads.push_back(std::move(overload));
        return;
      }
    }
    functions_.push_back(FunctionDecl{function, {std::move(overload)}});
  }

  std::vector<FunctionDecl> functions_;
};

void AddArithmetic(LibraryBuilder& b) {
  const Type i = Type::Int(), u = Type::Uint(), d = Type::Double(), s = Type::String(), by = Type::Bytes(),
             ts = Type::Timestamp(), du = Type::Duration(), m = Type::Money(), dt = Type::Date();
  const Type list_a = Type::List(Type::Param("A"));
  b.Global(kNot, "logical_not", {Type::Bool()}, Type::Bool())
      .Global(kNegate, "negate_int64", {i}, i)
      .Global(kNegate, "negate_double", {d}, d)
      .Global(kNegate, "negate_money", {m}, m)
      .Global(kAdd, "add_int64", {i, i}, i)
      .Global(kAdd, "add_uint64", {u, u}, u)
      .Global(kAdd, "add_double", {d, d}, d)
      .Global(kAdd, "add_string", {s, s}, s)
      .Global(kAdd, "add_bytes", {by, by}, by)
      .Global(kAdd, "add_list", {list_a, list_a}, list_a)
      .Global(kAdd, "add_timestamp_duration", {ts, du}, ts)
      .Global(kAdd, "add_duration_timestamp", {du, ts}, ts)
      .Global(kAdd, "add_duration_duration", {du, du}, du)
      .Global(kAdd, "add_money", {m, m}, m)
      .Global(kSubtract, "subtract_int64", {i, i}, i)
      .Global(kSubtract, "subtract_uint64", {u, u}, u)
      .Global(kSubtract, "subtract_double", {d, d}, d)
      .Global(kSubtract, "subtract_timestamp_timestamp", {ts, ts}, du)
      .Global(kSubtract, "subtract_timestamp_duration", {ts, du}, ts)
      .Global(kSubtract, "subtract_duration_duration", {du, du}, du)
      .Global(kSubtract, "subtract_money", {m, m}, m)
      .Global(kSubtract, "subtract_date_date", {dt, dt}, i)
      .Global(kMultiply, "multiply_int64", {i, i}, i)
      .Global(kMultiply, "multiply_uint64", {u, u}, u)
      .Global(kMultiply, "multiply_double", {d, d}, d)
      .Global(kMultiply, "multiply_money_int64", {m, i}, m)
      .Global(kMultiply, "multiply_int64_money", {i, m}, m)
      .Global(kDivide, "divide_int64", {i, i}, i)
      .Global(kDivide, "divide_uint64", {u, u}, u)
      .Global(kDivide, "divide_double", {d, d}, d)
      .Global(kDivide, "divide_money_int64", {m, i}, m)
      .Global(kModulo, "modulo_int64", {i, i}, i)
      .Global(kModulo, "modulo_uint64", {u, u}, u);
}

void AddStringsAndSizes(LibraryBuilder& b) {
  const Type s = Type::String(), by = Type::Bytes(), i = Type::Int(), bo = Type::Bool();
  const Type list_a = Type::List(Type::Param("A"));
  const Type map_ab = Type::Map(Type::Param("A"), Type::Param("B"));
  b.Global("size", "size_string", {s}, i)
      .Global("size", "size_bytes", {by}, i)
      .Global("size", "size_list", {list_a}, i)
      .Global("size", "size_map", {map_ab}, i)
      .Member("size", "string_size", {s}, i)
      .Member("size", "bytes_size", {by}, i)
      .Member("size", "list_size", {list_a}, i)
      .Member("size", "map_size", {map_ab}, i)
      .Member("contains", "string_contains", {s, s}, bo)
      .Member("startsWith", "string_starts_with", {s, s}, bo)
      .Member("endsWith", "string_ends_with", {s, s}, bo)
      .Member("matches", "string_matches", {s, s}, bo)
      .Global("matches", "matches_string", {s, s}, bo);
}

void AddConversions(LibraryBuilder& b) {
  const Type i = Type::Int(), u = Type::Uint(), d = Type::Double(), s = Type::String(), by = Type::Bytes(),
             bo = Type::Bool(), ts = Type::Timestamp(), du = Type::Duration(), dt = Type::Date(), m = Type::Money();
  const Type a = Type::Param("A");
  b.Global("int", "int64_to_int64", {i}, i)
      .Global("int", "uint64_to_int64", {u}, i)
      .Global("int", "double_to_int64", {d}, i)
      .Global("int", "string_to_int64", {s}, i)
      .Global("int", "timestamp_to_int64", {ts}, i)
      .Global("uint", "uint64_to_uint64", {u}, u)
      .Global("uint", "int64_to_uint64", {i}, u)
      .Global("uint", "double_to_uint64", {d}, u)
      .Global("uint", "string_to_uint64", {s}, u)
      .Global("double", "double_to_double", {d}, d)
      .Global("double", "int64_to_double", {i}, d)
      .Global("double", "uint64_to_double", {u}, d)
      .Global("double", "string_to_double", {s}, d)
      .Global("string", "string_to_string", {s}, s)
      .Global("string", "int64_to_string", {i}, s)
      .Global("string", "uint64_to_string", {u}, s)
      .Global("string", "double_to_string", {d}, s)
      .Global("string", "bytes_to_string", {by}, s)
      .Global("string", "bool_to_string", {bo}, s)
      .Global("string", "timestamp_to_string", {ts}, s)
      .Global("string", "duration_to_string", {du}, s)
      .Global("string", "date_to_string", {dt}, s)
      .Global("string", "money_to_string", {m}, s)
      .Global("bytes", "bytes_to_bytes", {by}, by)
      .Global("bytes", "string_to_bytes", {s}, by)
      .Global("bool", "bool_to_bool", {bo}, bo)
      .Global("bool", "string_to_bool", {s}, bo)
      .Global("timestamp", "timestamp_to_timestamp", {ts}, ts)
      .Global("timestamp", "string_to_timestamp", {s}, ts)
      .Global("timestamp", "int64_to_timestamp", {i}, ts)
      .Global("duration", "duration_to_duration", {du}, du)
      .Global("duration", "string_to_duration", {s}, du)
      .Global("dyn", "to_dyn", {a}, Type::Dyn())
      .Global("type", "type", {a}, Type::TypeOf(a));
}

void AddTimeGetters(LibraryBuilder& b) {
  const Type i = Type::Int(), s = Type::String(), ts = Type::Timestamp(), du = Type::Duration();
  struct Getter {
    const char* name;
    const char* id;
  };
  static constexpr Getter kTimestampGetters[] = {
      {"getFullYear", "timestamp_to_year"},
      {"getMonth", "timestamp_to_month"},
      {"getDate", "timestamp_to_day_of_month_1_based"},
      {"getDayOfMonth", "timestamp_to_day_of_month"},
      {"getDayOfWeek", "timestamp_to_day_of_week"},
      {"getDayOfYear", "timestamp_to_day_of_year"},
      {"getHours", "timestamp_to_hours"},
      {"getMinutes", "timestamp_to_minutes"},
      {"getSeconds", "timestamp_to_seconds"},
      {"getMilliseconds", "timestamp_to_milliseconds"},
  };
  for (const Getter& g : kTimestampGetters) {
    b.Member(g.name, g.id, {ts}, i);
    b.Member(g.name, (std::string(g.id) + "_with_tz").c_str(), {ts, s}, i);
  }
  b.Member("getHours", "duration_to_hours", {du}, i)
      .Member("getMinutes", "duration_to_minutes", {du}, i)
      .Member("getSeconds", "duration_to_seconds", {du}, i)
      .Member("getMilliseconds", "duration_to_milliseconds", {du}, i);
}

void AddDatesAndMoney(LibraryBuilder& b) {
  const Type i = Type::Int(), s = Type::String(), ts = Type::Timestamp(), dt = Type::Date(), m = Type::Money();
  b.Global("date", "string_to_date", {s}, dt)
      .Global("date", "date_to_date", {dt}, dt)
      .Global("date", "ymd_to_date", {i, i, i}, dt)
      .Global("date", "timestamp_to_date", {ts, s}, dt)
      .Global("age", "age_date_date", {dt, dt}, i)
      .Member("addDays", "date_add_days", {dt, i}, dt)
      .Member("addMonths", "date_add_months", {dt, i}, dt)
      .Member("addYears", "date_add_years", {dt, i}, dt)
      .Member("year", "date_year", {dt}, i)
      .Member("month", "date_month", {dt}, i)
      .Member("day", "date_day", {dt}, i)
      .Member("dayOfWeek", "date_day_of_week", {dt}, i)
      .Global("money", "string_to_money", {s}, m)
      .Global("money", "money_to_money", {m}, m)
      .Global("eur", "int64_to_eur", {i}, m)
      .Member("cents", "money_cents", {m}, i)
      .Member("currency", "money_currency", {m}, s);
}

struct Library {
  std::vector<FunctionDecl> functions;
  absl::flat_hash_map<std::string, size_t> index;
};

const Library& GetLibrary() {
  static const Library* library = [] {
    LibraryBuilder b;
    AddArithmetic(b);
    AddStringsAndSizes(b);
    AddConversions(b);
    AddTimeGetters(b);
    AddDatesAndMoney(b);
    auto* lib = new Library;
    lib->functions = b.Build();
    for (size_t i = 0; i < lib->functions.size(); ++i) {
      lib->index.emplace(lib->functions[i].name, i);
    }
    return lib;
  }();
  return *library;
}

}  // namespace

const FunctionDecl* FindStandardFunction(absl::string_view name) {
  const Library& lib = GetLibrary();
  auto it = lib.index.find(name);
  return it == lib.index.end() ? nullptr : &lib.functions[it->second];
}

const std::vector<FunctionDecl>& StandardFunctions() { return GetLibrary().functions; }

}  // namespace proactive::lang
