// What the fuzzers of engine inputs (events, rule packs) share: the project's
// own rule files, a fixed clock, and a check that crashes loudly so that
// libFuzzer keeps the input that broke a property.
//
//   static const AttributeSchema& schema = fuzz::ProjectSchema();
//   FUZZ_CHECK(validated.ok() == again.ok()) << "round trip changed the
//   verdict";
//
// Everything here is read once and kept for the life of the process (the
// fuzzers call LLVMFuzzerTestOneInput millions of times).
#ifndef PROACTIVE_TESTS_FUZZ_INPUT_FUZZ_SUPPORT_H_
#define PROACTIVE_TESTS_FUZZ_INPUT_FUZZ_SUPPORT_H_

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "engine/common/diagnostic.h"
#include "engine/schema/attribute_schema.h"

namespace proactive::fuzz {

// The source tree, for rules/schema.yaml and rules/city.yaml.
inline std::string SourceDir() { return PROACTIVE_SOURCE_DIR; }

// The whole file, or aborts: a fuzzer without its inputs is useless.
inline const std::string& ReadSourceFile(const std::string& relative_path) {
  // Leaked on purpose: lives as long as the process.
  static auto* cache = new std::vector<std::pair<std::string, std::string>>();
  for (const auto& [path, text] : *cache) {
    if (path == relative_path) return text;
  }
  std::ifstream in(SourceDir() + "/" + relative_path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s/%s\n", SourceDir().c_str(), relative_path.c_str());
    std::abort();
  }
  std::stringstream s;
  s << in.rdbuf();
  cache->emplace_back(relative_path, s.str());
  return cache->back().second;
}

// rules/schema.yaml, parsed once.
inline const AttributeSchema& ProjectSchema() {
  static const AttributeSchema* schema = [] {
    std::vector<Diagnostic> diagnostics;
    absl::StatusOr<AttributeSchema> parsed =
        AttributeSchema::Parse(ReadSourceFile("rules/schema.yaml"), "schema.yaml", &diagnostics);
    if (!parsed.ok()) {
      std::fprintf(stderr, "rules/schema.yaml: %s\n", FormatDiagnostics(diagnostics).c_str());
      std::abort();
    }
    return new AttributeSchema(*std::move(parsed));
  }();
  return *schema;
}

// The engine's clock during fuzzing: fixed, so that a crash replays.
inline absl::Time FuzzNow() { return absl::FromUnixSeconds(1782892800); }  // 2026-07-01T08:00:00Z

// Streams a message to stderr, then aborts when the check fails.
class CheckFailure {
 public:
  CheckFailure(const char* condition, const char* file, int line) {
    message_ << file << ":" << line << ": FUZZ_CHECK(" << condition << ") failed: ";
  }
  ~CheckFailure() {
    std::fprintf(stderr, "%s\n", message_.str().c_str());
    std::abort();
  }
  template <typename T>
  CheckFailure& operator<<(const T& value) {
    message_ << value;
    return *this;
  }

 private:
  std::ostringstream message_;
};

}  // namespace proactive::fuzz

#define FUZZ_CHECK(condition) \
  if (condition) {            \
  } else                      \
    ::proactive::fuzz::CheckFailure(#condition, __FILE__, __LINE__)

#endif  // PROACTIVE_TESTS_FUZZ_INPUT_FUZZ_SUPPORT_H_
