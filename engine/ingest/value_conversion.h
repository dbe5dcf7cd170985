// Conversion of typed values between the public API (proactive.v1.Value) and
// the storage encoding (proactive.storage.v1.Value), checking them against
// their declaration in the attribute schema.
//
//   RETURN_IF_ERROR(ToStorageValue(request_value, *spec, "EUR", "set[0].value", &stored));
//   v1::Value shown = ToApiValue(stored);
#ifndef PROACTIVE_ENGINE_INGEST_VALUE_CONVERSION_H_
#define PROACTIVE_ENGINE_INGEST_VALUE_CONVERSION_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "engine/common/field_error.h"
#include "engine/schema/attribute_schema.h"
#include "proactive/storage/v1/storage.pb.h"
#include "proactive/v1/value.pb.h"

namespace proactive {

// Checks `value` against `spec` (type, range, allowed values, length, UTF-8,
// currency) and writes its storage form to `out`. INVALID_ARGUMENT naming
// `field` (and the sub-field, e.g. "set[0].value.date_value.month") when it
// does not fit. `out` is unspecified on error.
absl::Status ToStorageValue(const v1::Value& value, const FieldSpec& spec, absl::string_view currency,
                            const FieldPath& field, storage::v1::Value* out);

// The API form of a stored value.
v1::Value ToApiValue(const storage::v1::Value& value);

// The kind name of an API value as users see it ("date", "string", ...), or
// "nothing" when unset.
absl::string_view ApiValueKindName(const v1::Value& value);

// Checks an identifier (event, person, household id): 1..128 bytes of valid
// UTF-8 with no control characters or spaces. INVALID_ARGUMENT naming `field`.
absl::Status CheckIdentifier(absl::string_view id, const FieldPath& field);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_INGEST_VALUE_CONVERSION_H_
