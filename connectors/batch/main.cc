// proactive-import: publishes an NDJSON or CSV export of a back-office system
// to the engine, mapped to person events by a mapping file. Resumable: run it
// again after a crash or a kill and it goes on from the last acknowledged
// chunk. See docs/connectors.md.
//
//   proactive-import --mapping=caf.yaml --file=caf-2026-07.csv
//   --server=127.0.0.1:50051
#include <unistd.h>

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "connectors/batch/batch_import.h"
#include "engine/common/diagnostic.h"

ABSL_FLAG(std::string, file, "", "the export to import (CSV or NDJSON, as the mapping says)");
ABSL_FLAG(std::string, mapping, "", "the mapping file (YAML), see docs/connectors.md");
ABSL_FLAG(std::string, schema, "rules/schema.yaml", "the attribute schema the mapping is checked against");
ABSL_FLAG(std::string, server, "", "engine address host:port (default $PROACTIVE_SERVER or 127.0.0.1:50051)");
ABSL_FLAG(std::string, state, "", "position file (default FILE.state)");
ABSL_FLAG(std::string, rejects, "", "reject file: line<TAB>reason (default FILE.rejects.tsv)");
ABSL_FLAG(int, chunk_size, 500, "rows per acknowledged chunk (the position moves after each)");
ABSL_FLAG(double, max_rate, 0, "events per second at most (0: no limit)");
ABSL_FLAG(bool, quiet, false, "no progress bar");
ABSL_FLAG(bool, check, false, "only check the mapping against the schema, then exit");

namespace proactive {
namespace {

constexpr int kExitOk = 0, kExitRejected = 1, kExitError = 2;

int Run() {
  const std::string mapping_path = absl::GetFlag(FLAGS_mapping);
  if (mapping_path.empty() || (absl::GetFlag(FLAGS_file).empty() && !absl::GetFlag(FLAGS_check))) {
    std::fprintf(stderr, "proactive-import: --mapping and --file are required (see --help)\n");
    return kExitError;
  }
  std::vector<Diagnostic> diagnostics;
  absl::StatusOr<AttributeSchema> schema = AttributeSchema::LoadFile(absl::GetFlag(FLAGS_schema), &diagnostics);
  if (!schema.ok()) {
    std::fprintf(stderr, "proactive-import: %s\n%s", std::string(schema.status().message()).c_str(),
                 FormatDiagnostics(diagnostics).c_str());
    return kExitError;
  }
  absl::StatusOr<Mapping> mapping = LoadMapping(mapping_path, *schema, &diagnostics);
  if (!mapping.ok()) {
    std::fprintf(stderr, "proactive-import: %s\n%s", std::string(mapping.status().message()).c_str(),
                 FormatDiagnostics(diagnostics).c_str());
    return kExitError;
  }
  if (absl::GetFlag(FLAGS_check)) {
    std::printf("%s: ok (%s)\n", mapping_path.c_str(), mapping->is_reference() ? "reference table" : "person events");
    return kExitOk;
  }
  ImportOptions options;
  options.file = absl::GetFlag(FLAGS_file);
  options.server = EngineAddress(absl::GetFlag(FLAGS_server));
  options.state_file = absl::GetFlag(FLAGS_state);
  options.rejects_file = absl::GetFlag(FLAGS_rejects);
  options.chunk_size = std::max(1, absl::GetFlag(FLAGS_chunk_size));
  options.progress = !absl::GetFlag(FLAGS_quiet);
  options.publisher.max_rate = absl::GetFlag(FLAGS_max_rate);
  const std::string rejects_path = options.rejects_file.empty() ? options.file + ".rejects.tsv" : options.rejects_file;

  if (absl::Status credentials = CheckEngineCredentials(options.server); !credentials.ok()) {
    std::fprintf(stderr, "proactive-import: %s\n", std::string(credentials.message()).c_str());
    return kExitError;
  }
  const absl::Time start = absl::Now();
  absl::StatusOr<ImportReport> report = RunImport(options, *mapping, *schema);
  if (!report.ok()) {
    std::fprintf(stderr, "proactive-import: %s\n", std::string(report.status().message()).c_str());
    if (report.status().code() == absl::StatusCode::kUnavailable) {
      std::fprintf(stderr,
                   "  the position is saved after the last acknowledged chunk: run the "
                   "same command again to resume.\n");
    }
    return report.status().code() == absl::StatusCode::kInvalidArgument && mapping->is_reference() ? kExitRejected
                                                                                                   : kExitError;
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  if (mapping->is_reference()) {
    std::printf("loaded %s into reference table %s: %lld rows, version %llu%s\n", options.file.c_str(),
                mapping->reference_table.c_str(), static_cast<long long>(report->reference_rows),
                static_cast<unsigned long long>(report->reference_version),
                report->reference_unchanged ? " (unchanged)" : "");
    return kExitOk;
  }
  if (report->already_complete) {
    std::printf("%s was already imported up to line %lld: nothing new since\n", options.file.c_str(),
                static_cast<long long>(report->resumed_at_line - 1));
  }
  std::printf(
      "imported %s to %s%s\n", options.file.c_str(), options.server.c_str(),
      report->resumed_at_line > 0 ? absl::StrCat(" (resumed at line ", report->resumed_at_line, ")").c_str() : "");
  std::printf(
      "  %lld rows read, %lld accepted, %lld duplicates, %lld rejected in %.1f "
      "s\n",
      static_cast<long long>(report->rows), static_cast<long long>(report->counts.accepted),
      static_cast<long long>(report->counts.duplicates), static_cast<long long>(report->rejected), seconds);
  if (report->rejected > 0) {
    std::printf("  rejected rows, with line numbers and reasons: %s\n", rejects_path.c_str());
    return kExitRejected;
  }
  return kExitOk;
}

}  // namespace
}  // namespace proactive

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "publishes a CSV or NDJSON export to proactived through a mapping file.\n"
      "  proactive-import --mapping=caf.yaml --file=export.csv "
      "[--server=HOST:PORT]\n"
      "Exit code: 0 all rows in, 1 some rows rejected (see the reject file), 2 "
      "error.");
  absl::ParseCommandLine(argc, argv);
  int code = proactive::Run();
  std::fflush(stdout);
  std::fflush(stderr);
  _exit(code);
}
