// Fuzzes the protobuf event decoder as the daemon runs it on every gRPC
// Publish: bytes -> v1::PublishRequest::ParseFromArray ->
// ValidatePublishRequest.
//
// Properties, beyond "no crash, no leak, no undefined behaviour":
//  - every refusal is INVALID_ARGUMENT;
//  - an accepted event's fingerprint is the SHA-256 of its canonical form;
//  - proactivectl can carry it: EventToJson then ParseEventJson gives an
//    event with the same fingerprint.
//
//   tests/fuzz/run.sh event_proto_fuzzer 5
#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "engine/client/event_json.h"
#include "engine/ingest/event_validator.h"
#include "tests/fuzz/input_fuzz_support.h"

namespace proactive {
namespace {

void FuzzEventProto(const uint8_t* data, size_t size) {
  v1::PublishRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return;  // gRPC refuses it first
  const AttributeSchema& schema = fuzz::ProjectSchema();
  absl::StatusOr<ValidatedEvent> validated = ValidatePublishRequest(request, schema, IngestLimits(), fuzz::FuzzNow());
  if (!validated.ok()) {
    FUZZ_CHECK(validated.status().code() == absl::StatusCode::kInvalidArgument) << validated.status();
    return;
  }
  FUZZ_CHECK(validated->entry.fingerprint() == EventFingerprint(validated->entry));

  const std::string written = EventToJson(request);
  absl::StatusOr<v1::PublishRequest> reread = ParseEventJson(written, schema);
  FUZZ_CHECK(reread.ok()) << reread.status() << " reading back " << written;
  absl::StatusOr<ValidatedEvent> revalidated = ValidatePublishRequest(*reread, schema, IngestLimits(), fuzz::FuzzNow());
  FUZZ_CHECK(revalidated.ok()) << revalidated.status() << " validating " << written;
  FUZZ_CHECK(revalidated->entry.fingerprint() == validated->entry.fingerprint())
      << "the JSON form changed the event: " << written;
}

}  // namespace
}  // namespace proactive

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  proactive::FuzzEventProto(data, size);
  return 0;
}
