#include "engine/common/phone_number.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"

namespace proactive {

std::string NormalizePhoneNumber(absl::string_view number, absl::string_view country_code) {
  std::string compact;
  // "+33 (0)6 39 …": the trunk prefix in brackets is dialled only from
  // within the country.
  std::string without_trunk = absl::StrReplaceAll(number, {{"(0)", ""}});
  for (char c : without_trunk) {
    if (c == ' ' || c == '.' || c == '-') continue;
    compact.push_back(c);
  }
  const bool plus = !compact.empty() && compact[0] == '+';
  absl::string_view digits = compact;
  if (plus) digits.remove_prefix(1);
  if (digits.empty()) return std::string(number);
  for (char c : digits) {
    if (!absl::ascii_isdigit(c)) return std::string(number);
  }
  if (plus) return compact;
  if (digits.size() > 4 && digits.substr(0, 2) == "00") return absl::StrCat("+", digits.substr(2));
  if (digits.size() >= 9 && digits[0] == '0' && !country_code.empty())
    return absl::StrCat("+", country_code, digits.substr(1));
  if (digits.size() >= 11 && digits[0] != '0') return absl::StrCat("+", digits);
  return std::string(number);
}

bool LooksLikePhoneNumber(absl::string_view text) {
  std::string compact;
  for (char c : absl::StrReplaceAll(text, {{"(0)", ""}})) {
    if (c != ' ' && c != '.' && c != '-') compact.push_back(c);
  }
  absl::string_view digits = compact;
  absl::ConsumePrefix(&digits, "+");
  return digits.size() >= 6 && digits.size() <= 15 &&
         std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace proactive
