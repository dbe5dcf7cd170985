// Reference tables in the store (column family "reference"): the current
// version of each table and its rows. A table is replaced as a whole in one
// WriteBatch, so a reader sees one version or the next, never a mix.
//
//   ASSIGN_OR_RETURN(std::optional<storage::v1::ReferenceRowRecord> row,
//                    ReadReferenceRow(store, "school_sectors_maternelle",
//                    "75011:rue-oberkampf:112"));
//   if (row) { ... row->columns() ... }
//
// Reads return nullopt for "not found" (no such table loaded, or no such
// key); DATA_LOSS when a stored record does not decode. Thread-safe like
// Store.
#ifndef PROACTIVE_ENGINE_STORE_REFERENCE_RECORDS_H_
#define PROACTIVE_ENGINE_STORE_REFERENCE_RECORDS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/store/store.h"
#include "proactive/storage/v1/storage.pb.h"

namespace proactive {

// The current version of `table`, or nullopt when it was never loaded.
absl::StatusOr<std::optional<storage::v1::ReferenceTableRecord>> ReadReferenceTable(const Store& store,
                                                                                    absl::string_view table);

// The row of `table` with key `key`, or nullopt: what rules read through a
// person's joined field (person.school_sector, StorePersonSource::FindRow).
absl::StatusOr<std::optional<storage::v1::ReferenceRowRecord>> ReadReferenceRow(const Store& store,
                                                                                absl::string_view table,
                                                                                absl::string_view key);

// Visits the rows of `table` in key order until `visit` returns false.
absl::Status ScanReferenceRows(const Store& store, absl::string_view table,
                               absl::FunctionRef<bool(const storage::v1::ReferenceRowRecord&)> visit);

// SHA-256 over rows in key order (their deterministic encoding): equal
// fingerprints mean equal tables. REQUIRES: `rows` sorted by key.
std::string ReferenceRowsFingerprint(const std::vector<storage::v1::ReferenceRowRecord>& rows);

// Puts in `batch` the replacement of `table` with `rows`: deletes the rows
// the store holds, puts the new ones with `record.version()`, and the table
// record. Sets format_version itself. REQUIRES: rows sorted by key, keys
// unique and not empty; nothing writes the table between this read of the
// store and the batch's write (the event writer runs both: ReferenceService).
absl::Status PutReferenceTable(const Store& store, WriteBatch* batch, storage::v1::ReferenceTableRecord record,
                               std::vector<storage::v1::ReferenceRowRecord> rows);

// PutReferenceTable, then one synced write of the batch.
absl::Status ReplaceReferenceTable(Store* store, storage::v1::ReferenceTableRecord record,
                                   std::vector<storage::v1::ReferenceRowRecord> rows);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_STORE_REFERENCE_RECORDS_H_
