// Fuzzes the NDJSON event decoder (ParseEventJson) and the validation every
// decoded event then goes through on the daemon (ValidatePublishRequest).
//
// Properties, beyond "no crash, no leak, no undefined behaviour":
//  - every refusal is INVALID_ARGUMENT (bad input is never an internal error);
//  - an event the engine accepts survives EventToJson and ParseEventJson
//    again with the same canonical fingerprint (what proactivectl writes, it
//    reads back as the same event).
//
//   tests/fuzz/run.sh event_json_fuzzer 5
#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "engine/client/event_json.h"
#include "engine/ingest/event_validator.h"
#include "tests/fuzz/input_fuzz_support.h"

namespace proactive {
namespace {

void FuzzEventJson(absl::string_view line) {
  const AttributeSchema& schema = fuzz::ProjectSchema();
  absl::StatusOr<v1::PublishRequest> request = ParseEventJson(line, schema);
  if (!request.ok()) {
    FUZZ_CHECK(request.status().code() == absl::StatusCode::kInvalidArgument) << request.status();
    return;
  }
  absl::StatusOr<ValidatedEvent> validated = ValidatePublishRequest(*request, schema, IngestLimits(), fuzz::FuzzNow());
  if (!validated.ok()) {
    FUZZ_CHECK(validated.status().code() == absl::StatusCode::kInvalidArgument) << validated.status();
    return;
  }
  const std::string written = EventToJson(*request);
  absl::StatusOr<v1::PublishRequest> reread = ParseEventJson(written, schema);
  FUZZ_CHECK(reread.ok()) << reread.status() << " reading back " << written;
  absl::StatusOr<ValidatedEvent> revalidated = ValidatePublishRequest(*reread, schema, IngestLimits(), fuzz::FuzzNow());
  FUZZ_CHECK(revalidated.ok()) << revalidated.status() << " validating " << written;
  FUZZ_CHECK(revalidated->entry.fingerprint() == validated->entry.fingerprint())
      << "the JSON round trip changed the event: " << written;
}

}  // namespace
}  // namespace proactive

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  proactive::FuzzEventJson(absl::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
