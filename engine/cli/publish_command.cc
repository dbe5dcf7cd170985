// proactivectl publish: streams an NDJSON file of events to the engine and
// reports what happened to every line.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "engine/cli/command_line.h"
#include "engine/cli/command_support.h"
#include "engine/cli/commands.h"
#include "engine/client/channel.h"
#include "engine/client/event_json.h"
#include "engine/common/diagnostic.h"
#include "proactive/v1/ingestion.grpc.pb.h"

namespace proactive {
namespace {

constexpr char kUsage[] =
    "usage: proactivectl publish --file FILE [--server HOST:PORT] [--schema rules/schema.yaml]\n"
    "                            [--rejects FILE] [--quiet]\n"
    "Publishes one event per line of FILE (NDJSON, see docs/events.md; - reads stdin).\n"
    "Prints accepted, duplicate and rejected counts and every rejected line with its reason.\n"
    "Exit code: 0 all accepted or duplicate, 1 some rejected, 2 usage or connection error.\n";

struct Rejection {
  int64_t line;
  std::string reason;
};

struct Tally {
  int64_t read = 0;
  int64_t sent = 0;
  int64_t accepted = 0;
  int64_t duplicates = 0;
  std::vector<Rejection> rejected;
};

class Progress {
 public:
  explicit Progress(bool enabled) : enabled_(enabled && isatty(STDERR_FILENO)) {}
  void Update(int64_t done, int64_t read, bool force = false) {
    if (!enabled_) return;
    absl::Time now = absl::Now();
    if (!force && now - last_ < absl::Milliseconds(200)) return;
    last_ = now;
    double seconds = absl::ToDoubleSeconds(now - start_);
    std::fprintf(stderr, "\r  %lld answered of %lld read, %.0f events/s   ", static_cast<long long>(done),
                 static_cast<long long>(read), seconds > 0 ? done / seconds : 0.0);
    std::fflush(stderr);
  }
  void Done() {
    if (enabled_) std::fprintf(stderr, "\r%70s\r", "");
  }

 private:
  bool enabled_;
  absl::Time start_ = absl::Now();
  absl::Time last_ = absl::InfinitePast();
};

}  // namespace

int RunPublishCommand(const std::vector<std::string>& args) {
  CommandLine line({"file", "server", "schema", "rejects"}, {"quiet", "help"});
  const absl::Status parsed = line.Parse(args);
  int code = 0;
  if (UsageError("publish", line, parsed, line.Has("file"), kUsage, &code)) return code;
  const std::string path = line.Get("file", "");
  const std::string schema_path = line.Get("schema", "rules/schema.yaml");
  const std::string server = line.Get("server", DefaultServerAddress());

  std::vector<Diagnostic> diagnostics;
  absl::StatusOr<AttributeSchema> schema = AttributeSchema::LoadFile(schema_path, &diagnostics);
  if (!schema.ok()) {
    std::fprintf(stderr, "proactivectl publish: %s\n%s", std::string(schema.status().message()).c_str(),
                 FormatDiagnostics(diagnostics).c_str());
    return kExitUsage;
  }
  std::ifstream file_stream;
  std::istream* input = &std::cin;
  if (path != "-") {
    file_stream.open(path);
    if (!file_stream) {
      std::fprintf(stderr, "proactivectl publish: cannot read %s\n", path.c_str());
      return kExitUsage;
    }
    input = &file_stream;
  }

  EngineConnection connection;
  auto stub = ConnectStub<v1::Ingestion>(line, &connection);
  if (stub == nullptr) return kExitUsage;
  grpc::ClientContext context;
  // A generous deadline: the stream lasts as long as the file.
  connection.PrepareCall(&context, absl::Hours(24));
  context.set_wait_for_ready(false);
  auto stream = stub->PublishStream(&context);

  absl::Mutex mu;
  Tally tally;
  std::vector<int64_t> line_of_index;  // stream_index -> line number
  bool writer_done = false;
  const absl::Time start = absl::Now();

  std::thread writer([&] {
    std::string text;
    int64_t number = 0;
    while (std::getline(*input, text)) {
      ++number;
      absl::string_view trimmed = absl::StripAsciiWhitespace(text);
      if (trimmed.empty() || trimmed[0] == '#') continue;
      absl::StatusOr<v1::PublishRequest> request = ParseEventJson(trimmed, *schema);
      {
        absl::MutexLock lock(&mu);
        ++tally.read;
        if (!request.ok()) {
          tally.rejected.push_back({number, std::string(request.status().message())});
          continue;
        }
        line_of_index.push_back(number);
        ++tally.sent;
      }
      if (!stream->Write(*request)) break;  // the stream broke; the reader reports why
    }
    stream->WritesDone();
    absl::MutexLock lock(&mu);
    writer_done = true;
  });

  Progress progress(!line.Has("quiet"));
  v1::PublishResponse response;
  int64_t answered = 0;
  while (stream->Read(&response)) {
    absl::MutexLock lock(&mu);
    ++answered;
    switch (response.outcome()) {
      case v1::PublishResponse::ACCEPTED:
        ++tally.accepted;
        break;
      case v1::PublishResponse::DUPLICATE:
        ++tally.duplicates;
        break;
      default: {
        uint64_t index = response.stream_index();
        int64_t number = index < line_of_index.size() ? line_of_index[index] : -1;
        tally.rejected.push_back({number, response.error().message()});
      }
    }
    progress.Update(answered, tally.read);
  }
  writer.join();
  grpc::Status status = stream->Finish();
  progress.Done();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);

  std::sort(tally.rejected.begin(), tally.rejected.end(),
            [](const Rejection& a, const Rejection& b) { return a.line < b.line; });
  std::printf("published %s to %s\n", path.c_str(), server.c_str());
  std::printf("  %lld events read, %lld accepted, %lld duplicates, %zu rejected in %.1f s (%.0f events/s)\n",
              static_cast<long long>(tally.read), static_cast<long long>(tally.accepted),
              static_cast<long long>(tally.duplicates), tally.rejected.size(), seconds,
              seconds > 0 ? (tally.accepted + tally.duplicates) / seconds : 0.0);
  if (!tally.rejected.empty()) {
    std::printf("rejected:\n");
    size_t shown = 0;
    for (const Rejection& r : tally.rejected) {
      if (++shown > 50) {
        std::printf("  ... and %zu more%s\n", tally.rejected.size() - 50,
                    line.Has("rejects") ? " (all in the --rejects file)" : " (use --rejects FILE for all)");
        break;
      }
      std::printf("  line %lld: %s\n", static_cast<long long>(r.line), r.reason.c_str());
    }
  }
  if (line.Has("rejects")) {
    std::ofstream rejects(line.Get("rejects", ""));
    for (const Rejection& r : tally.rejected) rejects << r.line << "\t" << r.reason << "\n";
  }
  if (!status.ok()) {
    int64_t unanswered = tally.sent - answered;
    std::fprintf(stderr,
                 "proactivectl publish: the stream to %s failed: %s (%s)\n"
                 "  %lld events were not acknowledged; publishing the file again is safe:\n"
                 "  events already applied are answered as duplicates.\n",
                 server.c_str(), status.error_message().c_str(),
                 status.error_code() == grpc::StatusCode::UNAVAILABLE ? "is proactived running?" : "gRPC error",
                 static_cast<long long>(unanswered));
    return kExitUsage;
  }
  return tally.rejected.empty() ? kExitOk : kExitRefused;
}

}  // namespace proactive
