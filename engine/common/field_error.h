// Errors about one field of caller input.
//
// A bad event or request is refused with INVALID_ARGUMENT whose message starts
// with the field path ("set[2].value (birth_date): expected date, got string").
// The path is also attached as a payload so that a stream response can carry
// it separately.
//
//   return FieldError("occurred_at", "is required");
//   std::string field = ErrorField(status);  // "occurred_at"
#ifndef PROACTIVE_ENGINE_COMMON_FIELD_ERROR_H_
#define PROACTIVE_ENGINE_COMMON_FIELD_ERROR_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace proactive {

// The path of a field of a request, written out only when an error names
// it: validating an event's attributes builds no string while they are valid.
// Each part's text and parent must outlive the path (a path is built for a
// call, from names the request or the code holds).
//
//   const FieldPath item("set", 3);                 // "set[3]"
//   Check(value, FieldPath(item, "value"));         // "set[3].value"
//   ... return FieldError(field.Text(), "is required");
class FieldPath {
 public:
  FieldPath(const char* name) : name_(name) {}         // NOLINT: a field's name is a path
  FieldPath(absl::string_view name) : name_(name) {}   // NOLINT
  FieldPath(const std::string& name) : name_(name) {}  // NOLINT
  FieldPath(absl::string_view name, int index) : name_(name), index_(index) {}
  // `parent`.`member`, or `parent`.`member`[`index`].
  FieldPath(const FieldPath& parent, absl::string_view member, int index = -1)
      : parent_(&parent), name_(member), index_(index) {}
  // FieldPath(parent, 0) would make a member name of a null pointer.
  FieldPath(const FieldPath& parent, std::nullptr_t) = delete;

  std::string Text() const;

 private:
  void AppendTo(std::string* out) const;

  const FieldPath* parent_ = nullptr;
  absl::string_view name_;
  int index_ = -1;
};

// INVALID_ARGUMENT "<field>: <reason>" with the field attached.
absl::Status FieldError(absl::string_view field, absl::string_view reason);

// Same as FieldError with another code (e.g. ALREADY_EXISTS).
absl::Status FieldErrorWithCode(absl::StatusCode code, absl::string_view field, absl::string_view reason);

// The field attached by FieldError, or "" when the error names no field.
std::string ErrorField(const absl::Status& status);

// OK when `text` is UTF-8 of at most `max_bytes` bytes, and not empty when
// `required`; otherwise a FieldError naming `field`: "is required", "invalid
// UTF-8 at byte 3", "2001 bytes exceed the limit of 2000". For text a caller
// gives (an attribute's value, a reason, a note): the store keeps it as given.
absl::Status CheckTextField(absl::string_view text, const FieldPath& field, size_t max_bytes, bool required = false);

// OK when `name` names a system (a source, a topic): 1 to 64 bytes of
// lower-case letters, digits, '-', '.' or '_'; otherwise a FieldError naming
// `field`.
absl::Status CheckSystemName(absl::string_view name, absl::string_view field);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_COMMON_FIELD_ERROR_H_
