// Encoding of storage records (proto/proactive/storage/v1) as RocksDB values.
//
//   std::string bytes = EncodeRecord(state);
//   ASSIGN_OR_RETURN(storage::v1::PersonState back,
//                    DecodeRecord<storage::v1::PersonState>(bytes, "person P1"));
//
// Encoding is deterministic (same record, same bytes). Decoding refuses bytes
// that do not parse or a format_version this engine does not know, with
// DATA_LOSS naming the record.
#ifndef PROACTIVE_ENGINE_STORE_CODEC_H_
#define PROACTIVE_ENGINE_STORE_CODEC_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message_lite.h"

namespace proactive {

// The storage format version this engine writes and reads.
inline constexpr uint32_t kStorageFormatVersion = 1;

// Deterministic serialization of any protobuf message.
std::string EncodeRecord(const google::protobuf::MessageLite& record);

// Parses `bytes` into `record`. DATA_LOSS naming `what` on failure.
absl::Status DecodeRecordInto(absl::string_view bytes, absl::string_view what, google::protobuf::MessageLite* record);

// Decodes a record with a format_version field and checks the version.
template <typename Record>
absl::StatusOr<Record> DecodeRecord(absl::string_view bytes, absl::string_view what) {
  Record record;
  absl::Status status = DecodeRecordInto(bytes, what, &record);
  if (!status.ok()) return status;
  if (record.format_version() != kStorageFormatVersion) {
    return absl::DataLossError(absl::StrCat(what, ": storage format version ", record.format_version(), " is not ",
                                            kStorageFormatVersion, " (written by another engine version?)"));
  }
  return record;
}

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_STORE_CODEC_H_
