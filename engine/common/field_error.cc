#include "engine/common/field_error.h"

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "engine/common/utf8.h"

namespace proactive {
namespace {

constexpr absl::string_view kFieldPayloadUrl = "type.proactive.dev/field";

}  // namespace

absl::Status FieldErrorWithCode(absl::StatusCode code, absl::string_view field, absl::string_view reason) {
  absl::Status status(code, field.empty() ? std::string(reason) : absl::StrCat(field, ": ", reason));
  if (!field.empty()) status.SetPayload(kFieldPayloadUrl, absl::Cord(field));
  return status;
}

void FieldPath::AppendTo(std::string* out) const {
  if (parent_ != nullptr) {
    parent_->AppendTo(out);
    out->push_back('.');
  }
  out->append(name_.data(), name_.size());
  if (index_ >= 0) absl::StrAppend(out, "[", index_, "]");
}

std::string FieldPath::Text() const {
  std::string text;
  AppendTo(&text);
  return text;
}

absl::Status FieldError(absl::string_view field, absl::string_view reason) {
  return FieldErrorWithCode(absl::StatusCode::kInvalidArgument, field, reason);
}

std::string ErrorField(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kFieldPayloadUrl);
  return payload ? std::string(*payload) : std::string();
}

absl::Status CheckTextField(absl::string_view text, const FieldPath& field, size_t max_bytes, bool required) {
  if (required && text.empty()) return FieldError(field.Text(), "is required");
  if (size_t bad = 0; !IsValidUtf8(text, &bad)) {
    return FieldError(field.Text(), absl::StrCat("invalid UTF-8 at byte ", bad));
  }
  if (text.size() > max_bytes) {
    return FieldError(field.Text(), absl::StrCat(text.size(), " bytes exceed the limit of ", max_bytes));
  }
  return absl::OkStatus();
}

absl::Status CheckSystemName(absl::string_view name, absl::string_view field) {
  if (name.empty()) return FieldError(field, "is required");
  if (name.size() > 64) return FieldError(field, "is longer than 64 bytes");
  for (char c : name) {
    if (!(absl::ascii_islower(static_cast<unsigned char>(c)) || absl::ascii_isdigit(static_cast<unsigned char>(c)) ||
          c == '-' || c == '.' || c == '_')) {
      size_t bad = 0;
      if (!IsValidUtf8(name, &bad)) return FieldError(field, absl::StrCat("invalid UTF-8 at byte ", bad));
      return FieldError(field, absl::StrCat("\"", name, "\" must be lower-case letters, digits, '-', '.' or '_'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace proactive
