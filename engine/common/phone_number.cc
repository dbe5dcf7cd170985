#include "engine/common/phone_number.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
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
  // Separators people type: space, no-break space, dot, dash, slash, brackets.
  const std::string spaced = absl::StrReplaceAll(text, {{"(0)", ""}, {"\xC2\xA0", " "}});
  absl::string_view rest = absl::StripLeadingAsciiWhitespace(spaced);
  rest.remove_prefix(absl::StartsWith(rest, "(+") ? 2 : absl::StartsWith(rest, "+") ? 1 : 0);
  int digits = 0;
  for (char c : rest) {
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (absl::string_view(" .-/()").find(c) == absl::string_view::npos) {
      return false;
    }
  }
  return digits >= 6 && digits <= 15;
}

}  // namespace proactive
