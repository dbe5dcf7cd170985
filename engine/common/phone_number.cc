#include "engine/common/phone_number.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace proactive {

std::string NormalizePhoneNumber(absl::string_view number, absl::string_view country_code) {
  std::string compact;
  for (char c : number) {
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

}  // namespace proactive
