#include "engine/store/reference_records.h"

#include "absl/strings/str_cat.h"
#include "engine/common/sha256.h"
#include "engine/common/status_macros.h"
#include "engine/store/codec.h"

namespace proactive {
namespace {

std::string TablePrefix(absl::string_view table) { return absl::StrCat(table, absl::string_view("\0", 1)); }

}  // namespace

absl::StatusOr<std::optional<storage::v1::ReferenceTableRecord>> ReadReferenceTable(const Store& store,
                                                                                    absl::string_view table) {
  ASSIGN_OR_RETURN(std::optional<std::string> bytes, store.Get(Family::kReference, TablePrefix(table)));
  if (!bytes) return std::optional<storage::v1::ReferenceTableRecord>();
  ASSIGN_OR_RETURN(storage::v1::ReferenceTableRecord record,
                   DecodeRecord<storage::v1::ReferenceTableRecord>(*bytes, absl::StrCat("reference table ", table)));
  return std::optional<storage::v1::ReferenceTableRecord>(std::move(record));
}

absl::StatusOr<std::optional<storage::v1::ReferenceRowRecord>> ReadReferenceRow(const Store& store,
                                                                                absl::string_view table,
                                                                                absl::string_view key) {
  if (key.empty()) return std::optional<storage::v1::ReferenceRowRecord>();
  ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                   store.Get(Family::kReference, absl::StrCat(TablePrefix(table), key)));
  if (!bytes) return std::optional<storage::v1::ReferenceRowRecord>();
  ASSIGN_OR_RETURN(storage::v1::ReferenceRowRecord row, DecodeRecord<storage::v1::ReferenceRowRecord>(
                                                            *bytes, absl::StrCat("reference row ", table, "/", key)));
  return std::optional<storage::v1::ReferenceRowRecord>(std::move(row));
}

absl::Status ScanReferenceRows(const Store& store, absl::string_view table,
                               absl::FunctionRef<bool(const storage::v1::ReferenceRowRecord&)> visit) {
  const std::string prefix = TablePrefix(table);
  absl::Status decode_error;
  RETURN_IF_ERROR(store.Scan(Family::kReference, prefix, [&](absl::string_view key, absl::string_view value) {
    if (key.size() == prefix.size()) return true;  // the table record
    absl::StatusOr<storage::v1::ReferenceRowRecord> row =
        DecodeRecord<storage::v1::ReferenceRowRecord>(value, absl::StrCat("reference row ", key));
    if (!row.ok()) {
      decode_error = row.status();
      return false;
    }
    return visit(*row);
  }));
  return decode_error;
}

std::string ReferenceRowsFingerprint(const std::vector<storage::v1::ReferenceRowRecord>& rows) {
  Sha256 hasher;
  for (storage::v1::ReferenceRowRecord row : rows) {
    row.set_format_version(0);
    row.set_version(0);
    std::string bytes = EncodeRecord(row);
    hasher.Update(absl::StrCat(bytes.size(), ":"));
    hasher.Update(bytes);
  }
  return hasher.Finish();
}

absl::Status PutReferenceTable(const Store& store, WriteBatch* batch, storage::v1::ReferenceTableRecord record,
                               std::vector<storage::v1::ReferenceRowRecord> rows) {
  const std::string prefix = TablePrefix(record.table());
  RETURN_IF_ERROR(store.Scan(Family::kReference, prefix, [&](absl::string_view key, absl::string_view) {
    batch->Delete(Family::kReference, key);
    return true;
  }));
  for (storage::v1::ReferenceRowRecord& row : rows) {
    row.set_format_version(kStorageFormatVersion);
    row.set_version(record.version());
    batch->Put(Family::kReference, absl::StrCat(prefix, row.key()), EncodeRecord(row));
  }
  record.set_format_version(kStorageFormatVersion);
  record.set_row_count(rows.size());
  batch->Put(Family::kReference, prefix, EncodeRecord(record));
  return absl::OkStatus();
}

absl::Status ReplaceReferenceTable(Store* store, storage::v1::ReferenceTableRecord record,
                                   std::vector<storage::v1::ReferenceRowRecord> rows) {
  WriteBatch batch(*store);
  RETURN_IF_ERROR(PutReferenceTable(*store, &batch, std::move(record), std::move(rows)));
  return store->Write(&batch, /*sync=*/true);
}

}  // namespace proactive
