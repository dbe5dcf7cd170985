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

namespace storage::v1 {
class DecisionRecord;
class OutboxMessage;
}  // namespace storage::v1

// The storage format version of most records, which this engine writes and
// reads.
inline constexpr uint32_t kStorageFormatVersion = 1;

// The version this engine writes for a record type; it reads every version
// from 1 to it. A record type's version goes up when a reader older than the
// change would misread the new records: refusing them (DATA_LOSS) is better
// than sending an empty message or showing a decision without its inputs.
template <typename Record>
struct StorageFormat {
  static constexpr uint32_t kWritten = kStorageFormatVersion;
};
// 2 (2026-12-05): inputs and the first status change stored compacted
// (engine/decision/decision_store.h, EncodeDecision).
template <>
struct StorageFormat<storage::v1::DecisionRecord> {
  static constexpr uint32_t kWritten = 2;
};
// 2 (2026-12-05): a decision's message may leave its text to the lease
// (text_by_rule_set, engine/notify/outbox.h ExpandMessage).
template <>
struct StorageFormat<storage::v1::OutboxMessage> {
  static constexpr uint32_t kWritten = 2;
};

// Deterministic serialization of any protobuf message.
std::string EncodeRecord(const google::protobuf::MessageLite& record);

// EncodeRecord of `record` with its format_version (field 1 of every storage
// record) set to StorageFormat<Record>::kWritten, without copying the record: when the
// field is unset, the bytes are its encoding after field 1's. The bytes are
// those of the copy with the version set.
template <typename Record>
std::string EncodeVersionedRecord(const Record& record);

// The encoding of `record` after `prefix` (bytes already encoded).
std::string EncodeRecordAfter(absl::string_view prefix, const google::protobuf::MessageLite& record);

// What EncodeRecord gives for a message whose only field set is
// `field_number`, holding `record`: its tag, its length, then `record`'s
// encoding. Spares building that message around a record held elsewhere.
std::string EncodeRecordAsField(int field_number, const google::protobuf::MessageLite& record);

// Parses `bytes` into `record`. DATA_LOSS naming `what` on failure.
absl::Status DecodeRecordInto(absl::string_view bytes, absl::string_view what, google::protobuf::MessageLite* record);

// Decodes a record with a format_version field into `record` (on an arena,
// say) and checks the version.
template <typename Record>
absl::Status DecodeVersionedRecordInto(absl::string_view bytes, absl::string_view what, Record* record) {
  absl::Status status = DecodeRecordInto(bytes, what, record);
  if (!status.ok()) return status;
  constexpr uint32_t kWritten = StorageFormat<Record>::kWritten;
  if (record->format_version() < 1 || record->format_version() > kWritten) {
    return absl::DataLossError(absl::StrCat(what, ": storage format version ", record->format_version(), " is not ",
                                            kWritten == 1 ? "1" : absl::StrCat("1 to ", kWritten),
                                            " (written by another engine version?)"));
  }
  return absl::OkStatus();
}

// Decodes a record with a format_version field and checks the version.
template <typename Record>
absl::StatusOr<Record> DecodeRecord(absl::string_view bytes, absl::string_view what) {
  Record record;
  absl::Status status = DecodeVersionedRecordInto(bytes, what, &record);
  if (!status.ok()) return status;
  return record;
}

template <typename Record>
std::string EncodeVersionedRecord(const Record& record) {
  constexpr uint32_t kWritten = StorageFormat<Record>::kWritten;
  static_assert(kWritten < 128, "the version is one varint byte");
  if (record.format_version() == kWritten) return EncodeRecord(record);
  if (record.format_version() == 0) {
    // Deterministic encoding writes fields in number order: field 1 first.
    constexpr char kVersionField[] = {0x08, static_cast<char>(kWritten)};
    return EncodeRecordAfter(absl::string_view(kVersionField, 2), record);
  }
  Record copy = record;
  copy.set_format_version(kWritten);
  return EncodeRecord(copy);
}

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_STORE_CODEC_H_
