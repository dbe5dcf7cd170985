// Which persons of the population projection a sweep's rules may fire for:
// each rule's filter terms (sweep_filter.h) tested once per distinct value
// of their attribute, then each person by table lookups on its codes.
//
//   PopulationFilter filter(projection, rules->BroadcastRules("weather.heatwave"), evaluation);
//   int persons = 0;
//   std::vector<uint32_t> rows = filter.Candidates(/*cursor=*/"", &persons);
//   // only these persons go through EvaluateRule; no one else can get a decision
//
// A person passes when, for some rule in effect, no term of it is false for
// them. Passing decides nothing: it only means the rule must be evaluated.
#ifndef PROACTIVE_ENGINE_INGEST_POPULATION_FILTER_H_
#define PROACTIVE_ENGINE_INGEST_POPULATION_FILTER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "engine/ingest/population_projection.h"
#include "engine/rules/rule_evaluator.h"
#include "engine/rules/rule_set.h"

namespace proactive {

// The columns a projection needs for the sweep rules (broadcast and daily)
// of `rules`: every attribute their filter terms test, with its values
// when a term reads more than its presence.
std::vector<PopulationProjection::Column> SweepColumns(const RuleSet& rules);

class PopulationFilter {
 public:
  // REQUIRES: `projection` and `rules` outlive the filter; `evaluation` is
  // read now only (its broadcast may go away).
  PopulationFilter(const PopulationProjection& projection, const std::vector<const CompiledRule*>& rules,
                   const EvaluationContext& evaluation);

  // False when no rule can fire for the person of `row`.
  bool Passes(uint32_t row) const {
    for (const std::vector<Test>& tests : rule_tests_) {
      bool possible = true;
      for (const Test& test : tests) {
        if (test.rules_out[(*test.codes)[row]] != 0) {
          possible = false;
          break;
        }
      }
      if (possible) return true;
    }
    return false;
  }
  // Tests the values the dictionaries gained since (persons written during
  // the sweep); call before Passes on rows written since. `evaluation`: the
  // one given to the constructor.
  void TestNewValues(const EvaluationContext& evaluation);

  // Every live row whose person id comes after `cursor` ("" for all), that
  // passes, in person id order. `*persons`: the live rows after `cursor`.
  std::vector<uint32_t> Candidates(const std::string& cursor, int* persons) const;
  // The same over rows [begin, end), in row order (threads split the rows).
  void CollectRange(uint32_t begin, uint32_t end, const std::string& cursor, std::vector<uint32_t>* rows,
                    int* persons) const;

 private:
  struct Test {
    const CompiledRule* rule;
    const FilterTerm* term;
    int column;
    const std::vector<uint32_t>* codes;
    std::vector<uint8_t> rules_out;  // by code: 1 when the term is false
  };
  const PopulationProjection& projection_;
  std::vector<std::vector<Test>> rule_tests_;  // per rule that may fire
};

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_INGEST_POPULATION_FILTER_H_
