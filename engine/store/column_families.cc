#include "engine/store/column_families.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace proactive {

absl::string_view FamilyName(Family family) {
  switch (family) {
    case Family::kMeta:
      return "default";
    case Family::kEvents:
      return "events";
    case Family::kEventIds:
      return "event_ids";
    case Family::kPersons:
      return "persons";
    case Family::kHouseholds:
      return "households";
    case Family::kDecisions:
      return "decisions";
    case Family::kOutbox:
      return "outbox";
    case Family::kAudit:
      return "audit";
    case Family::kRecourse:
      return "recourse";
    case Family::kDeadlines:
      return "deadlines";
    case Family::kReference:
      return "reference";
    case Family::kPersonEvents:
      return "person_events";
    case Family::kAuditByDecision:
      return "audit_by_decision";
    case Family::kCount:
      break;
  }
  return "?";
}

namespace {
constexpr absl::string_view kGenerationPrefix = "store-generation-";
}  // namespace

std::string StoreGenerationFamilyName(int generation) { return absl::StrCat(kGenerationPrefix, generation); }

int StoreGenerationOf(absl::string_view family_name) {
  int generation = 0;
  if (!absl::ConsumePrefix(&family_name, kGenerationPrefix) || !absl::SimpleAtoi(family_name, &generation) ||
      generation < 1) {
    return 0;
  }
  return generation;
}

std::string EncodeSequenceKey(uint64_t sequence) {
  std::string key(8, '\0');
  for (int i = 7; i >= 0; --i) {
    key[i] = static_cast<char>(sequence & 0xFF);
    sequence >>= 8;
  }
  return key;
}

bool DecodeSequenceKey(absl::string_view key, uint64_t* sequence) {
  if (key.size() != 8) return false;
  uint64_t value = 0;
  for (unsigned char c : key) value = (value << 8) | c;
  *sequence = value;
  return true;
}

DecimalKey::DecimalKey(uint64_t value) {
  for (int i = sizeof(digits_) - 1; i >= 0; --i, value /= 10) digits_[i] = static_cast<char>('0' + value % 10);
}

DecimalKey::DecimalKey(int64_t value) : DecimalKey(static_cast<uint64_t>(value)) {
  if (value >= 0) return;
  // The magnitude, as unsigned so that INT64_MIN has one; it has 19 digits.
  uint64_t magnitude = ~static_cast<uint64_t>(value) + 1;
  digits_[0] = '-';
  for (int i = sizeof(digits_) - 1; i >= 1; --i, magnitude /= 10) digits_[i] = static_cast<char>('0' + magnitude % 10);
}

std::string HouseholdMemberKey(absl::string_view household_id, absl::string_view person_id) {
  return absl::StrCat(household_id, absl::string_view("\0", 1), person_id);
}

std::string HouseholdPrefix(absl::string_view household_id) {
  return absl::StrCat(household_id, absl::string_view("\0", 1));
}

std::string PersonEventKey(absl::string_view person_id, uint64_t sequence) {
  return absl::StrCat(person_id, absl::string_view("\0", 1), EncodeSequenceKey(sequence));
}

std::string PersonEventPrefix(absl::string_view person_id) {
  return absl::StrCat(person_id, absl::string_view("\0", 1));
}

}  // namespace proactive
