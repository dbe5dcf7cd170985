#include "connectors/common/cell_conversion.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "engine/common/status_macros.h"
#include "engine/common/text_formats.h"

namespace proactive {
namespace {

using json = nlohmann::json;

absl::Status Bad(absl::string_view text, absl::string_view expected) {
  return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not ", expected));
}

// Strips ASCII whitespace and the UTF-8 no-break spaces exports put around
// values.
absl::string_view TrimText(absl::string_view text) {
  for (;;) {
    text = absl::StripAsciiWhitespace(text);
    if (absl::ConsumePrefix(&text, "\xC2\xA0") || absl::ConsumeSuffix(&text, "\xC2\xA0")) continue;
    return text;
  }
}

// Reads exactly `min`..`max` digits at `*pos`.
bool ReadDigits(absl::string_view text, size_t* pos, int min, int max, int64_t* out) {
  int64_t value = 0;
  int count = 0;
  while (*pos < text.size() && count < max && absl::ascii_isdigit(static_cast<unsigned char>(text[*pos]))) {
    value = value * 10 + (text[*pos] - '0');
    ++*pos;
    ++count;
  }
  *out = value;
  return count >= min;
}

struct CivilParts {
  int64_t year = -1, month = -1, day = -1, hour = 0, minute = 0, second = 0;
};

// Matches `text` against a format of tokens YYYY MM DD HH mm ss.
bool MatchFormat(absl::string_view text, absl::string_view format, CivilParts* parts) {
  size_t pos = 0;
  size_t f = 0;
  while (f < format.size()) {
    absl::string_view rest = format.substr(f);
    int64_t* target = nullptr;
    int min = 2, max = 2;
    size_t token = 2;
    if (absl::StartsWith(rest, "YYYY")) {
      target = &parts->year;
      min = max = 4;
      token = 4;
    } else if (absl::StartsWith(rest, "MM")) {
      target = &parts->month;
      min = 1;
    } else if (absl::StartsWith(rest, "DD")) {
      target = &parts->day;
      min = 1;
    } else if (absl::StartsWith(rest, "HH")) {
      target = &parts->hour;
      min = 1;
    } else if (absl::StartsWith(rest, "mm")) {
      target = &parts->minute;
    } else if (absl::StartsWith(rest, "ss")) {
      target = &parts->second;
    }
    if (target != nullptr) {
      if (!ReadDigits(text, &pos, min, max, target)) return false;
      f += token;
      continue;
    }
    if (pos >= text.size() || text[pos] != format[f]) return false;
    ++pos;
    ++f;
  }
  return pos == text.size();
}

absl::StatusOr<absl::CivilSecond> ParseCivil(absl::string_view text, absl::string_view format) {
  CivilParts parts;
  if (!MatchFormat(text, format, &parts) || parts.year < 0 || parts.month < 0 || parts.day < 0) {
    return Bad(text, absl::StrCat("a date of the form ", format));
  }
  absl::StatusOr<absl::CivilDay> day = MakeDate(parts.year, parts.month, parts.day);
  if (!day.ok()) return Bad(text, absl::StrCat("a valid date (", day.status().message(), ")"));
  if (parts.hour > 23 || parts.minute > 59 || parts.second > 59) {
    return Bad(text, absl::StrCat("a valid time of the form ", format));
  }
  return absl::CivilSecond(parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second);
}

absl::StatusOr<std::optional<bool>> ParseBoolText(absl::string_view text) {
  std::string lower = absl::AsciiStrToLower(text);
  for (const char* t : {"true", "vrai", "oui", "o", "yes", "y", "1"}) {
    if (lower == t) return std::optional<bool>(true);
  }
  for (const char* f : {"false", "faux", "non", "n", "no", "0"}) {
    if (lower == f) return std::optional<bool>(false);
  }
  return Bad(text, "a yes/no value (oui, non, true, false, 1, 0)");
}

absl::StatusOr<v1::Value> ScalarFromText(absl::string_view text, ValueKind kind, const CellRule& rule,
                                         absl::string_view currency) {
  v1::Value value;
  switch (kind) {
    case ValueKind::kBool: {
      ASSIGN_OR_RETURN(std::optional<bool> b, ParseBoolText(text));
      value.set_bool_value(*b);
      return value;
    }
    case ValueKind::kInt: {
      std::string digits = absl::StrReplaceAll(text, {{" ", ""}, {"\xC2\xA0", ""}});
      int64_t i = 0;
      if (!absl::SimpleAtoi(digits, &i)) return Bad(text, "an integer");
      value.set_int_value(i);
      return value;
    }
    case ValueKind::kDouble: {
      std::string number(text);
      if (rule.decimal_mark == ',') {
        number = absl::StrReplaceAll(number, {{" ", ""}, {"\xC2\xA0", ""}, {".", ""}, {",", "."}});
      } else {
        number = absl::StrReplaceAll(number, {{" ", ""}, {"\xC2\xA0", ""}, {",", ""}});
      }
      double d = 0;
      if (!absl::SimpleAtod(number, &d) || !std::isfinite(d)) return Bad(text, "a number");
      value.set_double_value(d);
      return value;
    }
    case ValueKind::kString:
      value.set_string_value(std::string(text));
      return value;
    case ValueKind::kDate: {
      ASSIGN_OR_RETURN(absl::CivilDay day, ParseDateWithFormat(text, rule.format));
      v1::Date* date = value.mutable_date_value();
      date->set_year(static_cast<int32_t>(day.year()));
      date->set_month(day.month());
      date->set_day(day.day());
      return value;
    }
    case ValueKind::kMoney: {
      ASSIGN_OR_RETURN(int64_t cents, ParseCents(text, rule.decimal_mark));
      value.mutable_money_value()->set_cents(cents);
      value.mutable_money_value()->set_currency(std::string(currency));
      return value;
    }
    case ValueKind::kTimestamp: {
      ASSIGN_OR_RETURN(absl::Time time, ParseTimeWithFormat(text, rule.format, absl::UTCTimeZone()));
      int64_t seconds = absl::ToUnixSeconds(time);
      value.mutable_timestamp_value()->set_seconds(seconds);
      value.mutable_timestamp_value()->set_nanos(
          static_cast<int32_t>((time - absl::FromUnixSeconds(seconds)) / absl::Nanoseconds(1)));
      return value;
    }
    case ValueKind::kDuration: {
      absl::StatusOr<absl::Duration> d = ParseDurationText(text);
      if (!d.ok()) return Bad(text, "a duration like 3600s or 1h30m");
      int64_t seconds = absl::IDivDuration(*d, absl::Seconds(1), &*d);
      value.mutable_duration_value()->set_seconds(seconds);
      value.mutable_duration_value()->set_nanos(static_cast<int32_t>(*d / absl::Nanoseconds(1)));
      return value;
    }
    case ValueKind::kPerson:
      value.mutable_person_value()->set_person_id(std::string(text));
      return value;
    case ValueKind::kList:
      break;
  }
  return absl::InvalidArgumentError("nested lists are not supported");
}

absl::StatusOr<v1::Value> ScalarFromJson(const json& cell, ValueKind kind, const CellRule& rule,
                                         absl::string_view currency) {
  if (cell.is_boolean() && kind == ValueKind::kBool) {
    v1::Value value;
    value.set_bool_value(cell.get<bool>());
    return value;
  }
  if (cell.is_number()) {
    v1::Value value;
    if (kind == ValueKind::kDouble) {
      value.set_double_value(cell.get<double>());
      return value;
    }
    if (kind == ValueKind::kInt && cell.is_number_integer()) {
      value.set_int_value(cell.get<int64_t>());
      return value;
    }
    if (kind == ValueKind::kInt && cell.is_number_float()) {
      double d = cell.get<double>();
      if (std::floor(d) != d || std::fabs(d) > 9e15) return Bad(cell.dump(), "an integer");
      value.set_int_value(static_cast<int64_t>(d));
      return value;
    }
    if (kind == ValueKind::kMoney) {
      double d = cell.get<double>();
      double cents = std::round(d * 100);
      if (std::fabs(cents - d * 100) > 1e-6 || std::fabs(cents) > 9e15) {
        return Bad(cell.dump(), "an amount with at most two decimals");
      }
      value.mutable_money_value()->set_cents(static_cast<int64_t>(cents));
      value.mutable_money_value()->set_currency(std::string(currency));
      return value;
    }
  }
  if (cell.is_object() || cell.is_array()) {
    return Bad(cell.dump().substr(0, 40),
               absl::StrCat("a ", ValueKindName(kind), " (got a JSON ", cell.is_object() ? "object" : "list", ")"));
  }
  return ScalarFromText(CellText(cell), kind, rule, currency);
}

}  // namespace

std::string CellText(const json& cell) {
  if (cell.is_null()) return "";
  if (cell.is_string()) return std::string(TrimText(cell.get_ref<const std::string&>()));
  return cell.dump(-1, ' ', false, json::error_handler_t::replace);
}

absl::StatusOr<absl::CivilDay> ParseDateWithFormat(absl::string_view text, absl::string_view format) {
  if (format.empty()) {
    absl::StatusOr<absl::CivilDay> day = ParseIsoDate(text);
    if (!day.ok()) return Bad(text, absl::StrCat("a date YYYY-MM-DD (", day.status().message(), ")"));
    return day;
  }
  ASSIGN_OR_RETURN(absl::CivilSecond civil, ParseCivil(text, format));
  return absl::CivilDay(civil);
}

absl::StatusOr<absl::Time> ParseTimeWithFormat(absl::string_view text, absl::string_view format, absl::TimeZone zone) {
  if (format.empty()) {
    if (text.size() == 10) {
      ASSIGN_OR_RETURN(absl::CivilDay day, ParseDateWithFormat(text, ""));
      return absl::FromCivil(day, zone);
    }
    absl::StatusOr<absl::Time> time = ParseRfc3339(text);
    if (!time.ok()) return Bad(text, "an RFC 3339 time like 2023-02-14T09:00:00+01:00");
    return time;
  }
  ASSIGN_OR_RETURN(absl::CivilSecond civil, ParseCivil(text, format));
  return absl::FromCivil(civil, zone);
}

absl::StatusOr<int64_t> ParseCents(absl::string_view original, char decimal_mark) {
  absl::string_view text = TrimText(original);
  // A trailing currency: "€", "EUR".
  for (absl::string_view suffix : {"\xE2\x82\xAC", "EUR"}) {
    if (absl::ConsumeSuffix(&text, suffix)) text = TrimText(text);
  }
  bool negative = false;
  if (absl::ConsumePrefix(&text, "-")) {
    negative = true;
  } else {
    absl::ConsumePrefix(&text, "+");
  }
  const char thousands = decimal_mark == ',' ? '.' : ',';
  int64_t units = 0;
  int64_t cents = 0;
  int decimals = -1;  // -1 before the decimal mark
  int digits = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      if (decimals >= 0) {
        if (++decimals > 2) return Bad(original, "an amount with at most two decimals");
        cents = cents * 10 + (c - '0');
      } else {
        if (units > 90000000000000LL) return Bad(original, "an amount in range");
        units = units * 10 + (c - '0');
      }
      ++digits;
    } else if (c == decimal_mark && decimals < 0) {
      decimals = 0;
    } else if ((c == ' ' || c == thousands || c == '\'') && decimals < 0 && digits > 0) {
      continue;
    } else if (decimals < 0 && digits > 0 &&
               (absl::StartsWith(text.substr(i), "\xC2\xA0") || absl::StartsWith(text.substr(i), "\xE2\x80\xAF"))) {
      i += text[i] == '\xC2' ? 1 : 2;  // no-break and narrow no-break spaces
    } else {
      return Bad(original, absl::StrCat("an amount like 1 234", std::string(1, decimal_mark), "56"));
    }
  }
  if (digits == 0) return Bad(original, "an amount");
  if (decimals == 1) cents *= 10;
  int64_t total = units * 100 + cents;
  return negative ? -total : total;
}

namespace {

// "Rue de l'Évangile" -> "rue-de-l-evangile".
std::string Slug(absl::string_view text) {
  static const std::pair<const char*, char> kFolds[] = {
      {"à", 'a'}, {"â", 'a'}, {"ä", 'a'}, {"é", 'e'}, {"è", 'e'}, {"ê", 'e'}, {"ë", 'e'}, {"î", 'i'},
      {"ï", 'i'}, {"ô", 'o'}, {"ö", 'o'}, {"ù", 'u'}, {"û", 'u'}, {"ü", 'u'}, {"ç", 'c'}, {"ÿ", 'y'},
      {"À", 'a'}, {"Â", 'a'}, {"É", 'e'}, {"È", 'e'}, {"Ê", 'e'}, {"Ë", 'e'}, {"Î", 'i'}, {"Ï", 'i'},
      {"Ô", 'o'}, {"Ù", 'u'}, {"Û", 'u'}, {"Ü", 'u'}, {"Ç", 'c'}, {"œ", 'o'}, {"Œ", 'o'}};
  std::string out;
  bool dash = false;
  for (size_t i = 0; i < text.size();) {
    char c = 0;
    size_t step = 1;
    unsigned char u = static_cast<unsigned char>(text[i]);
    if (u < 0x80) {
      c = absl::ascii_isalnum(u) ? absl::ascii_tolower(u) : 0;
    } else {
      for (const auto& [from, to] : kFolds) {
        if (absl::StartsWith(text.substr(i), from)) {
          c = to;
          step = std::strlen(from);
          break;
        }
      }
      if (c == 0) {
        while (i + step < text.size() && (static_cast<unsigned char>(text[i + step]) & 0xC0) == 0x80) ++step;
      }
    }
    i += step;
    if (c == 0) {
      dash = !out.empty();
      continue;
    }
    if (dash) out.push_back('-');
    dash = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> ExpandTemplate(absl::string_view text, const nlohmann::json& record) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t open = text.find('{', pos);
    if (open == absl::string_view::npos) {
      absl::StrAppend(&out, text.substr(pos));
      break;
    }
    absl::StrAppend(&out, text.substr(pos, open - pos));
    size_t close = text.find('}', open);
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("template \"", text, "\": unclosed {"));
    }
    absl::string_view inside = text.substr(open + 1, close - open - 1);
    absl::string_view column = inside.substr(0, inside.find('|'));
    absl::string_view modifier;
    if (inside.find('|') != absl::string_view::npos) modifier = inside.substr(inside.find('|') + 1);
    auto it = record.find(std::string(column));
    std::string value = it == record.end() ? "" : CellText(*it);
    if (value.empty()) return std::string();
    if (modifier == "slug") {
      value = Slug(value);
    } else if (modifier == "lower") {
      absl::AsciiStrToLower(&value);
    } else if (modifier == "upper") {
      absl::AsciiStrToUpper(&value);
    } else if (modifier == "pad2") {
      if (value.size() < 2) value.insert(0, 2 - value.size(), '0');
    } else if (!modifier.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("template modifier \"", modifier, "\" is unknown; expected slug, lower, upper or pad2"));
    }
    out.append(value);
    pos = close + 1;
  }
  return out;
}

bool CheckDateFormat(absl::string_view format, bool allow_time, std::string* error) {
  CivilParts parts;
  // A format is valid when it reads its own example.
  std::string example(format);
  example = absl::StrReplaceAll(
      example, {{"YYYY", "2023"}, {"MM", "02"}, {"DD", "14"}, {"HH", "09"}, {"mm", "30"}, {"ss", "00"}});
  if (!MatchFormat(example, format, &parts) || parts.year < 0 || parts.month < 0 || parts.day < 0) {
    *error = absl::StrCat("format \"", format, "\" needs YYYY, MM and DD (and optionally HH, mm, ss)");
    return false;
  }
  if (!allow_time && (format.find("HH") != absl::string_view::npos || format.find("mm") != absl::string_view::npos)) {
    *error = absl::StrCat("format \"", format, "\" has a time but the value is a date");
    return false;
  }
  return true;
}

absl::StatusOr<std::optional<v1::Value>> ConvertCell(const json& input, const CellRule& rule, const TypeSpec& type,
                                                     absl::string_view currency) {
  json cell = input;
  if (cell.is_string()) cell = std::string(TrimText(cell.get_ref<const std::string&>()));
  if (cell.is_null() || (cell.is_string() && cell.get_ref<const std::string&>().empty())) {
    return std::optional<v1::Value>();
  }
  if (!rule.values.empty() && !cell.is_array()) {
    std::string text = CellText(cell);
    auto it = rule.values.find(text);
    if (it == rule.values.end()) {
      std::vector<std::string> known;
      for (const auto& [from, to] : rule.values) known.push_back(absl::StrCat("\"", from, "\""));
      return Bad(text, absl::StrCat("one of ", absl::StrJoin(known, ", ")));
    }
    cell = it->second;
    if (it->second.empty()) return std::optional<v1::Value>();
  }
  if (type.kind != ValueKind::kList) {
    ASSIGN_OR_RETURN(v1::Value value, ScalarFromJson(cell, type.kind, rule, currency));
    return std::optional<v1::Value>(std::move(value));
  }
  std::vector<json> elements;
  if (cell.is_array()) {
    elements.assign(cell.begin(), cell.end());
  } else {
    for (absl::string_view part : absl::StrSplit(CellText(cell), rule.separator)) {
      part = TrimText(part);
      if (!part.empty()) elements.emplace_back(std::string(part));
    }
  }
  v1::Value list;
  list.mutable_list_value();
  for (size_t i = 0; i < elements.size(); ++i) {
    absl::StatusOr<v1::Value> element = ScalarFromJson(elements[i], type.element, rule, currency);
    if (!element.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("element ", i + 1, ": ", element.status().message()));
    }
    *list.mutable_list_value()->add_values() = *std::move(element);
  }
  return std::optional<v1::Value>(std::move(list));
}

}  // namespace proactive
