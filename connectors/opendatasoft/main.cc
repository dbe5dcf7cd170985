// proactive-opendata: polls a dataset of an Opendatasoft portal (Paris:
// opendata.paris.fr) through the Explore API v2.1 and feeds the engine:
// person events incrementally, or a reference table replaced as a whole.
// See docs/connectors.md.
//
//   proactive-opendata --dataset=ID --mapping=m.yaml --modified_field=date_maj
//   --interval=15m proactive-opendata --dataset=secteurs-scolaires-maternelles
//   --points_dataset=adresse_paris
//       --mapping=connectors/opendatasoft/examples/school-sectors.yaml
//       --polls=1
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "connectors/opendatasoft/opendata_sync.h"
#include "engine/common/diagnostic.h"
#include "engine/common/log.h"

ABSL_FLAG(std::string, base_url, "https://opendata.paris.fr", "the portal");
ABSL_FLAG(std::string, dataset, "", "dataset id, e.g. secteurs-scolaires-maternelles");
ABSL_FLAG(std::string, mapping, "", "the mapping file (YAML), same format as proactive-import");
ABSL_FLAG(std::string, schema, "rules/schema.yaml", "the attribute schema");
ABSL_FLAG(std::string, server, "", "engine host:port (default $PROACTIVE_SERVER or 127.0.0.1:50051)");
ABSL_FLAG(std::string, state, "", "position file (default DATASET.state)");
ABSL_FLAG(std::string, rejects, "", "reject file: record key<TAB>reason (default DATASET.rejects.tsv)");
ABSL_FLAG(std::string, modified_field, "", "field with each record's modification time (incremental polls)");
ABSL_FLAG(std::string, where, "", "extra ODSQL filter");
ABSL_FLAG(int, page_size, 100, "records per page (the API allows at most 100)");
ABSL_FLAG(int64_t, max_offset, 10000, "the portal's limit on offset + limit");
ABSL_FLAG(std::string, points_dataset, "", "reference tables: dataset of points (addresses) to place in the areas");
ABSL_FLAG(std::string, shape_field, "geo_shape", "reference tables: field with each area's shape");
ABSL_FLAG(std::string, point_field, "geo_point_2d", "reference tables: field with each point");
ABSL_FLAG(std::string, api_key_env, "ODS_API_KEY",
          "environment variable holding the portal API key, if any (sent as "
          "Authorization: Apikey)");
ABSL_FLAG(absl::Duration, interval, absl::Minutes(15), "time between polls");
ABSL_FLAG(int, polls, 0, "stop after this many polls (0: run until stopped)");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(60), "HTTP read timeout");
ABSL_FLAG(int, http_attempts, 6, "HTTP attempts per request (429, 5xx, network errors)");
ABSL_FLAG(absl::Duration, initial_backoff, absl::Seconds(1), "first wait after a 5xx (doubles each time)");
ABSL_FLAG(absl::Duration, max_backoff, absl::Seconds(60), "longest wait between HTTP attempts");

namespace proactive {
namespace {

int Run() {
  const std::string dataset = absl::GetFlag(FLAGS_dataset);
  if (dataset.empty() || absl::GetFlag(FLAGS_mapping).empty()) {
    std::fprintf(stderr,
                 "proactive-opendata: --dataset and --mapping are required "
                 "(see --help)\n");
    return 2;
  }
  std::vector<Diagnostic> diagnostics;
  absl::StatusOr<AttributeSchema> schema = AttributeSchema::LoadFile(absl::GetFlag(FLAGS_schema), &diagnostics);
  if (!schema.ok()) {
    std::fprintf(stderr, "proactive-opendata: %s\n%s", std::string(schema.status().message()).c_str(),
                 FormatDiagnostics(diagnostics).c_str());
    return 2;
  }
  absl::StatusOr<Mapping> mapping = LoadMapping(absl::GetFlag(FLAGS_mapping), *schema, &diagnostics);
  if (!mapping.ok()) {
    std::fprintf(stderr, "proactive-opendata: %s\n%s", std::string(mapping.status().message()).c_str(),
                 FormatDiagnostics(diagnostics).c_str());
    return 2;
  }
  SyncOptions options;
  options.server = EngineAddress(absl::GetFlag(FLAGS_server));
  options.state_file = absl::GetFlag(FLAGS_state).empty() ? dataset + ".state" : absl::GetFlag(FLAGS_state);
  options.rejects_file = absl::GetFlag(FLAGS_rejects).empty() ? dataset + ".rejects.tsv" : absl::GetFlag(FLAGS_rejects);
  options.modified_field = absl::GetFlag(FLAGS_modified_field);
  options.where = absl::GetFlag(FLAGS_where);
  options.page_size = std::clamp(absl::GetFlag(FLAGS_page_size), 1, 100);
  options.max_offset = absl::GetFlag(FLAGS_max_offset);
  options.shape_field = absl::GetFlag(FLAGS_shape_field);
  options.point_field = absl::GetFlag(FLAGS_point_field);

  HttpOptions http_options;
  http_options.read_timeout = absl::GetFlag(FLAGS_timeout);
  http_options.max_attempts = std::max(1, absl::GetFlag(FLAGS_http_attempts));
  http_options.initial_backoff = absl::GetFlag(FLAGS_initial_backoff);
  http_options.max_backoff = absl::GetFlag(FLAGS_max_backoff);
  if (const char* key = std::getenv(absl::GetFlag(FLAGS_api_key_env).c_str()); key && *key) {
    http_options.headers["Authorization"] = absl::StrCat("Apikey ", key);
  }
  HttpFetcher http(absl::GetFlag(FLAGS_base_url), http_options);
  OdsClient ods(&http, dataset);
  std::unique_ptr<OdsClient> points;
  if (!absl::GetFlag(FLAGS_points_dataset).empty()) {
    points = std::make_unique<OdsClient>(&http, absl::GetFlag(FLAGS_points_dataset));
  }

  if (absl::Status credentials = CheckEngineCredentials(options.server); !credentials.ok()) {
    LogError("opendata", credentials.message());
    return 2;
  }
  const int polls = absl::GetFlag(FLAGS_polls);
  bool last_ok = false;
  for (int poll = 1; polls == 0 || poll <= polls; ++poll) {
    if (poll > 1) absl::SleepFor(absl::GetFlag(FLAGS_interval));
    absl::StatusOr<PollReport> report = mapping->is_reference()
                                            ? SyncReferenceTable(options, *mapping, *schema, &ods, points.get())
                                            : PollEvents(options, *mapping, *schema, &ods);
    last_ok = report.ok();
    if (IsAccessRefusal(report.status())) {
      LogError("opendata", absl::StrCat("poll ", poll, " of ", dataset, ": ", report.status().message(),
                                        "; stopping: the access file must change first"));
      return 2;
    }
    if (!report.ok()) {
      LogError("opendata", absl::StrCat("poll ", poll, " of ", dataset, " failed: ", report.status().message(),
                                        "; the position is kept, the next poll goes on from it"));
      continue;
    }
    if (mapping->is_reference()) {
      LogInfo("opendata",
              absl::StrCat("poll ", poll, ": reference table ", mapping->reference_table, " from ", dataset, ": ",
                           report->reference_rows, " rows, version ", report->reference_version,
                           report->reference_unchanged ? " (unchanged)" : "",
                           points ? absl::StrCat(", ", report->unmatched_points, " points outside every area") : ""));
    } else {
      LogInfo("opendata", absl::StrCat("poll ", poll, " of ", dataset, ": ", report->records, " records in ",
                                       report->pages, " pages", report->used_export ? " and the exports endpoint" : "",
                                       ", ", report->counts.accepted, " accepted, ", report->counts.duplicates,
                                       " duplicates, ", report->rejected, " rejected; watermark ", report->watermark));
    }
  }
  return last_ok ? 0 : 2;
}

}  // namespace
}  // namespace proactive

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "feeds proactived from an Opendatasoft portal (Explore API v2.1).\n"
      "  proactive-opendata --dataset=ID --mapping=FILE [--modified_field=F] "
      "[--polls=1]\n"
      "Exit code: 0 when the last poll succeeded, 2 otherwise.");
  absl::ParseCommandLine(argc, argv);
  int code = proactive::Run();
  std::fflush(stdout);
  std::fflush(stderr);
  _exit(code);
}
