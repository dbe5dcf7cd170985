// Writes seeds for event_proto_fuzzer: every event of the given NDJSON files
// that parses, as a binary v1::PublishRequest, one file per event.
//
//   build/tests/event_proto_seed_writer tests/fuzz/corpus/event_proto_fuzzer
//       deploy/demo/paris-sample.ndjson deploy/demo/bad-events.ndjson
// (one command line)
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/client/event_json.h"
#include "engine/common/diagnostic.h"
#include "engine/schema/attribute_schema.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s OUT_DIR FILE.ndjson...\n", argv[0]);
    return 2;
  }
  std::vector<proactive::Diagnostic> diagnostics;
  absl::StatusOr<proactive::AttributeSchema> schema =
      proactive::AttributeSchema::LoadFile(std::string(PROACTIVE_SOURCE_DIR) + "/rules/schema.yaml", &diagnostics);
  if (!schema.ok()) {
    std::fprintf(stderr, "%s\n", proactive::FormatDiagnostics(diagnostics).c_str());
    return 1;
  }
  int written = 0;
  for (int i = 2; i < argc; ++i) {
    std::ifstream in(argv[i]);
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
      absl::string_view text = absl::StripAsciiWhitespace(line);
      if (text.empty() || absl::StartsWith(text, "#")) continue;
      absl::StatusOr<proactive::v1::PublishRequest> request = proactive::ParseEventJson(text, *schema);
      if (!request.ok()) continue;
      std::string name = std::string(argv[i]);
      name = name.substr(name.rfind('/') + 1);
      std::ofstream out(absl::StrCat(argv[1], "/", name, "-", number, ".pb"), std::ios::binary);
      out << request->SerializeAsString();
      ++written;
    }
  }
  std::printf("%d seeds written to %s\n", written, argv[1]);
  return 0;
}
