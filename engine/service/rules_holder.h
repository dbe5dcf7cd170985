// The running rule set (and the attribute schema it came with), reloaded as a
// whole from the rules directory. A rule set with any mistake is refused and
// the running one stays: a broken pack never replaces a working one.
//
//   RulesHolder holder("rules");
//   RETURN_IF_ERROR(holder.Reload(&diagnostics));  // at start, on SIGHUP, on ReloadRules
//   std::shared_ptr<const RuleSet> rules = holder.rules().Get();
#ifndef PROACTIVE_ENGINE_SERVICE_RULES_HOLDER_H_
#define PROACTIVE_ENGINE_SERVICE_RULES_HOLDER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/common/diagnostic.h"
#include "engine/common/swappable.h"
#include "engine/rules/rule_set.h"
#include "engine/schema/attribute_schema.h"

namespace proactive {

class RulesHolder {
 public:
  explicit RulesHolder(std::string directory);

  // Compiles the directory; on success swaps the rule set and schema in
  // (readers keep the version they took). On failure appends the diagnostics,
  // returns FAILED_PRECONDITION and keeps the running set. Thread-safe;
  // reloads are serialized.
  absl::Status Reload(std::vector<Diagnostic>* diagnostics);

  // Null until the first successful Reload.
  const Swappable<RuleSet>& rules() const { return rules_; }
  const Swappable<AttributeSchema>& schema() const { return schema_; }
  const std::string& directory() const { return directory_; }

 private:
  const std::string directory_;
  absl::Mutex reload_mu_;
  Swappable<RuleSet> rules_{nullptr};
  Swappable<AttributeSchema> schema_{nullptr};
};

// The city's time zone in the running rule set; UTC before the first load.
absl::TimeZone CityZone(const RulesHolder& holder);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_SERVICE_RULES_HOLDER_H_
