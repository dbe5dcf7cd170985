// Runs a conformance file and prints the failing cases by section and the
// "N passed, M failed" line. Exits non-zero when fewer cases pass than the
// floor (a number in --floor_file), so the figure can only go up.
//
//   conformance_runner --cases cel-core.jsonl --floor_file floor.txt
//       [--details]

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "engine/eval/conformance_cases.h"

int main(int argc, char** argv) {
  std::string cases_path, floor_path;
  bool details = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--cases" && i + 1 < argc) {
      cases_path = argv[++i];
    } else if (arg == "--floor_file" && i + 1 < argc) {
      floor_path = argv[++i];
    } else if (arg == "--details") {
      details = true;
    } else {
      std::fprintf(stderr, "usage: %s --cases FILE.jsonl [--floor_file FILE] [--details]\n", argv[0]);
      return 2;
    }
  }
  absl::StatusOr<std::vector<proactive::eval::ConformanceCase>> cases =
      proactive::eval::LoadConformanceCases(cases_path);
  if (!cases.ok()) {
    std::fprintf(stderr, "%s\n", std::string(cases.status().message()).c_str());
    return 2;
  }
  const proactive::eval::ConformanceReport report = proactive::eval::RunConformanceCases(*cases);
  std::printf("%s%s\n", report.FormatFailures(details).c_str(), report.Summary().c_str());
  if (floor_path.empty()) return report.failed == 0 ? 0 : 1;
  std::ifstream in(floor_path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  int floor = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &floor)) {
    std::fprintf(stderr, "cannot read a number from %s\n", floor_path.c_str());
    return 2;
  }
  if (report.passed < floor) {
    std::printf("FAIL: %d cases pass, fewer than the floor of %d (%s)\n", report.passed, floor, floor_path.c_str());
    return 1;
  }
  if (report.passed > floor) {
    std::printf("%d cases pass, above the floor of %d: raise it in %s\n", report.passed, floor, floor_path.c_str());
  }
  return 0;
}
