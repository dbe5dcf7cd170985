#include "engine/eval/value_json.h"

#include <cmath>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "engine/common/text_formats.h"
#include "engine/common/utf8.h"
#include "engine/eval/value_json_internal.h"

namespace proactive::eval {
namespace internal {
namespace {

absl::Status Bad(absl::string_view what, const nlohmann::json& json) {
  return absl::InvalidArgumentError(absl::StrCat(what, ": ", json.dump()));
}

absl::StatusOr<double> DoubleFromJson(const nlohmann::json& j) {
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) {
    const std::string s = j.get<std::string>();
    if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (s == "Infinity") return std::numeric_limits<double>::infinity();
    if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
  }
  return Bad("a double is a number, \"NaN\", \"Infinity\" or \"-Infinity\"", j);
}

}  // namespace

absl::StatusOr<Value> ValueFromJson(const nlohmann::json& json) {
  if (!json.is_object() || json.size() != 1) {
    return Bad("a value is an object with one key such as {\"int\": \"1\"}", json);
  }
  const std::string& kind = json.begin().key();
  const nlohmann::json& v = json.begin().value();
  if (kind == "null") return Value::Null();
  if (kind == "bool") {
    if (!v.is_boolean()) return Bad("bool needs true or false", json);
    return Value::Bool(v.get<bool>());
  }
  if (kind == "int" || kind == "uint") {
    std::string text = v.is_string() ? v.get<std::string>() : v.is_number_integer() ? v.dump() : "";
    if (kind == "int") {
      int64_t i;
      if (!absl::SimpleAtoi(text, &i)) return Bad("int needs a decimal string", json);
      return Value::Int(i);
    }
    uint64_t u;
    if (!absl::SimpleAtoi(text, &u)) return Bad("uint needs a decimal string", json);
    return Value::Uint(u);
  }
  if (kind == "double") {
    absl::StatusOr<double> d = DoubleFromJson(v);
    if (!d.ok()) return d.status();
    return Value::Double(*d);
  }
  if (kind == "string") {
    if (!v.is_string()) return Bad("string needs a JSON string", json);
    const std::string s = v.get<std::string>();
    if (!IsValidUtf8(s)) return Bad("string is not valid UTF-8", json);
    return Value::String(s);
  }
  if (kind == "bytes_b64") {
    std::string bytes;
    if (!v.is_string() || !absl::Base64Unescape(v.get<std::string>(), &bytes)) {
      return Bad("bytes_b64 needs base64 text", json);
    }
    return Value::Bytes(bytes);
  }
  if (kind == "list") {
    if (!v.is_array()) return Bad("list needs an array", json);
    std::vector<Value> elements;
    for (const nlohmann::json& e : v) {
      absl::StatusOr<Value> element = ValueFromJson(e);
      if (!element.ok()) return element.status();
      elements.push_back(*std::move(element));
    }
    return Value::List(std::move(elements));
  }
  if (kind == "map") {
    if (!v.is_array()) return Bad("map needs an array of [key, value] pairs", json);
    std::vector<std::pair<Value, Value>> entries;
    for (const nlohmann::json& e : v) {
      if (!e.is_array() || e.size() != 2) return Bad("a map entry is [key, value]", e);
      absl::StatusOr<Value> key = ValueFromJson(e[0]);
      if (!key.ok()) return key.status();
      absl::StatusOr<Value> value = ValueFromJson(e[1]);
      if (!value.ok()) return value.status();
      entries.emplace_back(*std::move(key), *std::move(value));
    }
    Value map = Value::Map(std::move(entries));
    if (map.is_error()) return Bad(map.error_message(), json);
    return map;
  }
  if (!v.is_string()) return Bad(absl::StrCat(kind, " needs a string"), json);
  const std::string text = v.get<std::string>();
  Value out;
  if (kind == "type") {
    out = Value::Type(text);
  } else if (kind == "timestamp") {
    absl::StatusOr<absl::Time> t = ParseRfc3339(text);
    if (!t.ok()) return t.status();
    out = Value::Timestamp(*t);
  } else if (kind == "duration") {
    absl::StatusOr<absl::Duration> d = ParseDurationText(text);
    if (!d.ok()) return d.status();
    out = Value::Duration(*d);
  } else if (kind == "date") {
    absl::StatusOr<absl::CivilDay> d = ParseIsoDate(text);
    if (!d.ok()) return d.status();
    out = Value::Date(*d);
  } else if (kind == "money") {
    absl::StatusOr<Money> m = ParseMoney(text);
    if (!m.ok()) return m.status();
    out = Value::Money(*m);
  } else {
    return Bad(absl::StrCat("unknown value kind \"", kind, "\""), json);
  }
  if (out.is_error()) return Bad(out.error_message(), json);
  return out;
}

}  // namespace internal

absl::StatusOr<Value> ParseJsonValue(absl::string_view json_text) {
  nlohmann::json json = nlohmann::json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (json.is_discarded()) return absl::InvalidArgumentError("not valid JSON");
  return internal::ValueFromJson(json);
}

absl::StatusOr<std::vector<std::pair<std::string, Value>>> ParseJsonBindings(absl::string_view json_text) {
  nlohmann::ordered_json json = nlohmann::ordered_json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (json.is_discarded()) return absl::InvalidArgumentError("bindings are not valid JSON");
  if (!json.is_object()) {
    return absl::InvalidArgumentError(
        "bindings are a JSON object from variable name to value, e.g. {\"x\": "
        "{\"int\": \"1\"}}");
  }
  std::vector<std::pair<std::string, Value>> bindings;
  for (auto it = json.begin(); it != json.end(); ++it) {
    absl::StatusOr<Value> v = internal::ValueFromJson(nlohmann::json::parse(it.value().dump()));
    if (!v.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("binding \"", it.key(), "\": ", v.status().message()));
    }
    bindings.emplace_back(it.key(), *std::move(v));
  }
  return bindings;
}

}  // namespace proactive::eval
