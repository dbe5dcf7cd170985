#include "engine/service/rules_holder.h"

#include "absl/strings/str_cat.h"
#include "engine/common/clock.h"
#include "engine/common/log.h"

namespace proactive {

RulesHolder::RulesHolder(std::string directory) : directory_(std::move(directory)) {}

absl::Status RulesHolder::Reload(std::vector<Diagnostic>* diagnostics) {
  absl::MutexLock lock(&reload_mu_);
  absl::StatusOr<std::shared_ptr<const RuleSet>> loaded = LoadRuleSetFromDirectory(directory_, diagnostics);
  if (!loaded.ok()) {
    std::string kept = rules_.Get() != nullptr
                           ? absl::StrCat("; the running rule set ", rules_.Get()->version().substr(0, 12), " stays")
                           : "";
    // In the daemon's log too, whoever asked (rules reload, SIGHUP): the
    // operator reading it sees what was refused and why.
    LogWarning("rules", absl::StrCat("rule set in ", directory_, " refused", kept, ": ", loaded.status().message(),
                                     "\n", FormatDiagnostics(*diagnostics)));
    return absl::FailedPreconditionError(absl::StrCat(loaded.status().message(), kept));
  }
  schema_.Set((*loaded)->shared_schema());
  rules_.Set(*loaded);
  LogInfo("rules", absl::StrCat("rule set ", (*loaded)->version().substr(0, 12), " loaded: ", (*loaded)->packs().size(),
                                " packs, ", (*loaded)->rules().size(), " rules"));
  return absl::OkStatus();
}

absl::TimeZone CityZone(const RulesHolder& holder) {
  if (auto rules = holder.rules().Get()) return ZoneOrUtc(rules->city().timezone);
  return absl::UTCTimeZone();
}

}  // namespace proactive
