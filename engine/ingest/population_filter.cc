#include "engine/ingest/population_filter.h"

#include <algorithm>
#include <map>

#include "engine/rules/sweep_filter.h"

namespace proactive {

std::vector<PopulationProjection::Column> SweepColumns(const RuleSet& rules) {
  std::map<std::string, bool> keep_values;
  for (const std::unique_ptr<CompiledRule>& rule : rules.rules()) {
    if (rule->spec.trigger.broadcast.empty() && !rule->spec.trigger.daily) continue;
    for (const FilterTerm& term : rule->filter_terms) {
      if (!term.attribute.empty()) keep_values[term.attribute] |= !term.presence_only;
    }
  }
  std::vector<PopulationProjection::Column> columns;
  for (const auto& [attribute, keep] : keep_values) columns.push_back({attribute, keep});
  return columns;
}

PopulationFilter::PopulationFilter(const PopulationProjection& projection,
                                   const std::vector<const CompiledRule*>& rules, const EvaluationContext& evaluation)
    : projection_(projection) {
  const storage::v1::Value present;  // stands for any value of a presence-only term
  for (const CompiledRule* rule : rules) {
    if (!rule->EffectiveOn(evaluation.today)) continue;
    std::vector<Test> tests;
    bool ruled_out = false;
    for (const FilterTerm& term : rule->filter_terms) {
      if (term.attribute.empty()) {  // the same for everyone
        ruled_out = ruled_out || TermFalseFor(*rule, term, evaluation, {nullptr})[0] != 0;
        continue;
      }
      const int column = projection.FindColumn(term.attribute);
      if (column < 0) continue;
      const std::vector<storage::v1::Value>& dictionary = projection.dictionary(column);
      std::vector<const storage::v1::Value*> values(dictionary.size());
      values[PopulationProjection::kUnlisted] = &present;
      for (size_t code = 2; code < dictionary.size(); ++code) values[code] = &dictionary[code];
      Test test{rule, &term, column, &projection.codes(column), TermFalseFor(*rule, term, evaluation, values)};
      if (!term.presence_only) test.rules_out[PopulationProjection::kUnlisted] = 0;  // value unknown
      tests.push_back(std::move(test));
    }
    if (!ruled_out) rule_tests_.push_back(std::move(tests));
  }
}

void PopulationFilter::TestNewValues(const EvaluationContext& evaluation) {
  for (std::vector<Test>& tests : rule_tests_) {
    for (Test& test : tests) {
      const std::vector<storage::v1::Value>& dictionary = projection_.dictionary(test.column);
      if (dictionary.size() == test.rules_out.size()) continue;
      std::vector<const storage::v1::Value*> values;
      for (size_t code = test.rules_out.size(); code < dictionary.size(); ++code) values.push_back(&dictionary[code]);
      std::vector<uint8_t> more = TermFalseFor(*test.rule, *test.term, evaluation, values);
      test.rules_out.insert(test.rules_out.end(), more.begin(), more.end());
    }
  }
}

void PopulationFilter::CollectRange(uint32_t begin, uint32_t end, const std::string& cursor,
                                    std::vector<uint32_t>* rows, int* persons) const {
  const uint32_t sorted = std::min(end, projection_.sorted_rows());
  uint32_t row = begin;
  // The sorted rows after the cursor from a binary search, the others one
  // by one.
  if (!cursor.empty() && row < sorted) {
    uint32_t low = row, high = sorted;
    while (low < high) {
      const uint32_t middle = low + (high - low) / 2;
      if (projection_.person_id(middle) > cursor) {
        high = middle;
      } else {
        low = middle + 1;
      }
    }
    row = low;
  }
  for (; row < sorted; ++row) {
    if (!projection_.live(row)) continue;
    ++*persons;
    if (Passes(row)) rows->push_back(row);
  }
  for (row = std::max(row, begin); row < end; ++row) {
    if (!projection_.live(row) || (!cursor.empty() && projection_.person_id(row) <= cursor)) continue;
    ++*persons;
    if (Passes(row)) rows->push_back(row);
  }
}

std::vector<uint32_t> PopulationFilter::Candidates(const std::string& cursor, int* persons) const {
  std::vector<uint32_t> rows;
  const uint32_t sorted = projection_.sorted_rows();
  CollectRange(0, sorted, cursor, &rows, persons);
  const size_t sorted_candidates = rows.size();
  CollectRange(sorted, projection_.rows(), cursor, &rows, persons);
  const auto by_id = [&](uint32_t a, uint32_t b) { return projection_.person_id(a) < projection_.person_id(b); };
  std::sort(rows.begin() + sorted_candidates, rows.end(), by_id);
  std::inplace_merge(rows.begin(), rows.begin() + sorted_candidates, rows.end(), by_id);
  return rows;
}

}  // namespace proactive
