#include "engine/rules/simulation.h"

#include <algorithm>

#include "engine/common/status_macros.h"
#include "engine/rules/person_graph.h"
#include "engine/rules/rule_evaluator.h"
#include "engine/store/records.h"

namespace proactive {
namespace {

int ArrondissementOf(const storage::v1::PersonState& state) {
  for (const storage::v1::AttributeEntry& a : state.attributes()) {
    if (a.name() == "arrondissement" && !a.removed() && a.value().has_int_value()) {
      return static_cast<int>(a.value().int_value());
    }
  }
  return 0;
}

}  // namespace

absl::StatusOr<SimulationResult> SimulateRuleSet(const RuleSet& rules, const Store& store, absl::CivilDay today,
                                                 const std::vector<storage::v1::BroadcastEventRecord>& broadcasts) {
  SimulationResult result;
  result.rule_set_version = rules.version();
  for (const auto& rule : rules.rules()) result.rules[rule->spec.id];
  std::vector<std::string> ids;
  RETURN_IF_ERROR(ScanPersonStates(store, [&](const storage::v1::PersonState& state) {
    ids.push_back(state.person_id());
    return true;
  }));
  std::unique_ptr<StorePersonSource> source_holder;
  for (const std::string& id : ids) {
    // A fresh source now and then: it caches what it reads.
    if (result.persons % 1024 == 0) source_holder = std::make_unique<StorePersonSource>(&store);
    StorePersonSource& source = *source_holder;
    ++result.persons;
    for (const auto& rule : rules.rules()) {
      std::vector<EvaluationContext> contexts;
      if (rule->spec.trigger.broadcast.empty()) {
        contexts.push_back({today, nullptr});
      } else {
        for (const auto& b : broadcasts) {
          if (b.topic() == rule->spec.trigger.broadcast) contexts.push_back({today, &b});
        }
      }
      if (contexts.empty()) continue;
      absl::StatusOr<std::unique_ptr<PersonGraph>> graph = PersonGraph::Build(id, *rule->env, &source);
      if (absl::IsNotFound(graph.status())) continue;
      RETURN_IF_ERROR(graph.status());
      RuleSimulation& counts = result.rules[rule->spec.id];
      bool fired = false, undecided = false;
      for (const EvaluationContext& context : contexts) {
        RuleOutcome outcome = EvaluateRule(*rule, **graph, context, false);
        fired = fired || outcome.fires();
        undecided = undecided || outcome.kind == RuleOutcome::kUndecided;
      }
      if (fired) {
        ++counts.fires;
        ++counts.fires_by_arrondissement[ArrondissementOf((*graph)->subject().state())];
        counts.firing.insert(id);
      } else if (undecided) {
        ++counts.undecided;
      }
    }
  }
  return result;
}

std::map<std::string, RuleDifference> Compare(const SimulationResult& candidate, const SimulationResult& reference) {
  std::map<std::string, RuleDifference> diff;
  static const RuleSimulation kNone;
  std::set<std::string> ids;
  for (const auto& [id, r] : candidate.rules) ids.insert(id);
  for (const auto& [id, r] : reference.rules) ids.insert(id);
  for (const std::string& id : ids) {
    auto c = candidate.rules.find(id), r = reference.rules.find(id);
    const RuleSimulation& a = c == candidate.rules.end() ? kNone : c->second;
    const RuleSimulation& b = r == reference.rules.end() ? kNone : r->second;
    RuleDifference& d = diff[id];
    std::set_difference(a.firing.begin(), a.firing.end(), b.firing.begin(), b.firing.end(),
                        std::back_inserter(d.newly_fires));
    std::set_difference(b.firing.begin(), b.firing.end(), a.firing.begin(), a.firing.end(),
                        std::back_inserter(d.no_longer_fires));
  }
  return diff;
}

}  // namespace proactive
