// proactive-import's work: one export file (CSV or NDJSON) mapped to person
// events by a mapping file and published to the engine in chunks, resumable.
//
//   ImportOptions options{.file = "caf.csv", .state_file = "var/caf.state",
//   ...}; ASSIGN_OR_RETURN(ImportReport report, RunImport(options, mapping,
//   schema));
//
// The position (byte offset and line after the last acknowledged chunk) is
// saved in the state file only once the engine answered every event of the
// chunk, so a crash or a kill at any point resumes with no loss; rows of the
// chunk in flight are published again and answered DUPLICATE. Bad rows go to
// the reject file with their line number and reason; rejects of the chunk in
// flight are cut off on resume (the state file remembers the reject file's
// length), so no reject is written twice. A mapping with `reference_table`
// replaces that table as a whole instead (refused when a row is bad).
#ifndef PROACTIVE_CONNECTORS_BATCH_BATCH_IMPORT_H_
#define PROACTIVE_CONNECTORS_BATCH_BATCH_IMPORT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "connectors/common/event_publisher.h"
#include "connectors/common/mapping.h"
#include "engine/schema/attribute_schema.h"

namespace proactive {

struct ImportOptions {
  std::string file;
  std::string server = "127.0.0.1:50051";
  std::string state_file;    // "" : FILE.state
  std::string rejects_file;  // "" : FILE.rejects.tsv
  int chunk_size = 500;      // events per acknowledged chunk
  bool progress = true;      // a progress bar when stderr is a terminal
  PublisherOptions publisher;
};

struct ImportReport {
  int64_t resumed_at_line = 0;  // 0 when started from the beginning
  int64_t rows = 0;             // rows read in this run
  PublishCounts counts;         // engine answers in this run
  int64_t rejected = 0;         // rows rejected in this run (mapping or engine)
  int64_t reference_rows = 0;   // rows loaded into a reference table
  uint64_t reference_version = 0;
  bool reference_unchanged = false;
  bool already_complete = false;  // the state said the whole file was done
};

// Imports `options.file`. INVALID_ARGUMENT for a file the mapping cannot read
// (missing columns), UNAVAILABLE when the engine cannot be reached (the
// position stays at the last acknowledged chunk), DATA_LOSS for a corrupt
// state file. REQUIRES: `mapping` was loaded with `schema`.
absl::StatusOr<ImportReport> RunImport(const ImportOptions& options, const Mapping& mapping,
                                       const AttributeSchema& schema);

}  // namespace proactive

#endif  // PROACTIVE_CONNECTORS_BATCH_BATCH_IMPORT_H_
