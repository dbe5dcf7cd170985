// The explanation a citizen is entitled to (CRPA art. L311-3-1 and
// R311-3-1-2): the degree and mode of contribution of the algorithmic
// processing, the data used and their sources, the parameters and how they
// applied to the person, the operations performed; plus the legal basis, how
// to contest and the appeal delays. Plain language in French or English, and
// the same content as data.
//
//   DecisionExplanation e = ExplainDecision(decision, cases, &schema, rule, "fr", clock->Now());
//   std::cout << e.text;
#ifndef PROACTIVE_ENGINE_DECISION_EXPLANATION_H_
#define PROACTIVE_ENGINE_DECISION_EXPLANATION_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "engine/rules/rule_set.h"
#include "engine/schema/attribute_schema.h"
#include "proactive/storage/v1/storage.pb.h"

namespace proactive {

struct ExplainedData {
  std::string path;
  std::string description;
  std::string value;  // "" when absent or not kept
  bool present = false;
  bool value_kept = false;  // false when present: only its presence was tested, or it was erased
  std::string source;
  std::string as_of;
  std::string category;
};

struct DecisionExplanation {
  std::string language;  // "fr" or "en"
  std::string text;
  std::string automation;
  std::vector<ExplainedData> data_used;
  std::vector<std::pair<std::string, std::string>> operations;  // expression, value
  std::string how_to_contest;
  std::string appeal;
};

// `cases`: the decision's recourse cases (review before notify, contest), in
// any order, and for a formal decision its offer's amending case (shown as a
// review of that offer). `schema` may be null and `purpose` (the rule's) empty; the
// explanation then says less about descriptions and purpose. `now` decides
// whether the time to contest is still open; dates are days of `zone`, the
// city's. `language` other than "en" gives French.
DecisionExplanation ExplainDecision(const storage::v1::DecisionRecord& decision,
                                    const std::vector<storage::v1::RecourseCase>& cases, const AttributeSchema* schema,
                                    absl::string_view purpose, absl::string_view language, absl::Time now,
                                    absl::TimeZone zone);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_DECISION_EXPLANATION_H_
