#include "engine/decision/decision_keys.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "engine/common/sha256.h"
#include "engine/rules/citizen_text.h"

namespace proactive {
namespace {

constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr absl::string_view kNul("\0", 1);

}  // namespace

std::string Crockford32(absl::string_view bytes, size_t characters) {
  std::string out;
  out.reserve(characters);
  uint64_t bits = 0;
  int available = 0;
  size_t next = 0;
  while (out.size() < characters) {
    if (available < 5) {
      bits = (bits << 8) | static_cast<unsigned char>(next < bytes.size() ? bytes[next] : 0);
      ++next;
      available += 8;
    }
    out.push_back(kCrockford[(bits >> (available - 5)) & 31]);
    available -= 5;
  }
  return out;
}

std::string DecisionIdFor(const DecisionKey& key) { return DecisionIds::Unkeyed().For(key); }

std::string DecisionIds::For(const DecisionKey& key) const {
  // Keyed: SHA-256 of the secret then the key, a secret-prefix MAC. An id
  // keeps 80 of the digest's 256 bits, so it cannot be extended to another
  // key's id, and it costs one hash, as an unkeyed id does (HMAC costs
  // four: a broadcast makes 100,000 ids).
  // 16 characters x 5 bits = the first 10 bytes of the digest.
  return absl::StrCat(
      "d-", Crockford32(Sha256Digest(absl::StrCat(secret_, key.rule_id, kNul, key.person_id, kNul, key.once_per)), 16));
}

std::string DecisionIds::ReplyIdFor(absl::string_view gateway_message_id) const {
  // A leading NUL sets replies apart from decision keys (rule ids are
  // never empty).
  const std::string digest = keyed() ? Sha256Digest(absl::StrCat(secret_, kNul, "reply", kNul, gateway_message_id))
                                     : Sha256Digest(gateway_message_id);
  return absl::StrCat("g-", ToHex(digest).substr(0, 24));
}

std::string ReferenceCodeFor(absl::string_view decision_id) {
  return std::string(decision_id.substr(2, kReferenceCodeLength));
}

std::string NormalizeReferenceCode(absl::string_view typed) {
  std::string code;
  for (char c : typed) {
    // Spaces, dashes and the punctuation a phone or a sentence adds ("YT975D.")
    // are not part of a code.
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) continue;
    char u = absl::ascii_toupper(static_cast<unsigned char>(c));
    if (u == 'O') u = '0';
    if (u == 'I' || u == 'L') u = '1';
    code.push_back(u);
  }
  return code;
}

std::string DecisionRecordKey(absl::string_view decision_id) { return absl::StrCat("d/", decision_id); }

std::string PersonDecisionKey(absl::string_view person_id, absl::string_view decision_id) {
  return absl::StrCat("p/", person_id, kNul, decision_id);
}

std::string PersonDecisionPrefix(absl::string_view person_id) { return absl::StrCat("p/", person_id, kNul); }

std::string RecipientDecisionKey(absl::string_view person_id, absl::string_view decision_id) {
  return absl::StrCat("t/", person_id, kNul, decision_id);
}

std::string RecipientDecisionPrefix(absl::string_view person_id) { return absl::StrCat("t/", person_id, kNul); }

std::string InputPersonDecisionKey(absl::string_view person_id, absl::string_view decision_id) {
  return absl::StrCat("i/", person_id, kNul, decision_id);
}

std::string InputPersonDecisionPrefix(absl::string_view person_id) { return absl::StrCat("i/", person_id, kNul); }

}  // namespace proactive
