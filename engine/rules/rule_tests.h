// Rule tests as data: *.tests.yaml beside each pack (docs/rules.md). Each case
// gives a person (with guardians, children, household), maybe a broadcast, a
// day, and what the rule must do.
//
//   RuleTestReport report = RunRuleTests(*rule_set, files);
//   std::cout << report.text;  // ends with "N passed, M failed"
#ifndef PROACTIVE_ENGINE_RULES_RULE_TESTS_H_
#define PROACTIVE_ENGINE_RULES_RULE_TESTS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "engine/common/diagnostic.h"
#include "engine/rules/person_graph.h"
#include "engine/rules/rule_set.h"

namespace proactive {

struct RuleTestCase {
  std::string file;
  int line = 0;
  std::string name;
  std::string rule_id;
  absl::CivilDay today;
  std::string subject_id;
  MapPersonSource persons;
  std::optional<storage::v1::BroadcastEventRecord> broadcast;
  bool expect_fires = false;
  std::optional<std::string> expect_once_per;
  std::optional<std::vector<std::string>> expect_recipients;
  std::vector<std::pair<std::string, std::string>> expect_parameters;  // name, text form
};

// Parses a tests file, checking it against the rule set (rules exist,
// attributes are declared and typed). Appends diagnostics and returns nullopt
// on mistakes.
std::optional<std::vector<RuleTestCase>> ParseRuleTests(absl::string_view text, absl::string_view file_name,
                                                        const RuleSet& rules, std::vector<Diagnostic>* diagnostics);

// "" when the case passes, else what went wrong.
std::string RunRuleTest(const RuleSet& rules, RuleTestCase& test);

struct RuleTestReport {
  int passed = 0;
  int failed = 0;
  std::string text;  // one line per case, failures explained, then "N passed, M failed"
};

// Runs every *.tests.yaml of `files`. A file with mistakes counts as a
// failure. Also fails each rule that has no case where it fires or none
// where it does not: every rule is tested both ways.
RuleTestReport RunRuleTests(const RuleSet& rules, const std::vector<RuleFile>& files);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_RULES_RULE_TESTS_H_
