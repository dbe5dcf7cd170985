// The API view (proactive.v1.Decision) of a stored decision record, and the
// decision a caller names.
#ifndef PROACTIVE_ENGINE_SERVICE_DECISION_CONVERSION_H_
#define PROACTIVE_ENGINE_SERVICE_DECISION_CONVERSION_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/store/store.h"
#include "proactive/storage/v1/storage.pb.h"
#include "proactive/v1/decisions.pb.h"

namespace proactive {

v1::Decision ToApiDecision(const storage::v1::DecisionRecord& record);

// The id of the decision `given` names in the request's `field`: its id
// ("d-...") as is, or its reference code, the one the citizen's messages
// quote ("7K2M9Q"), as a citizen on the phone or at the counter gives it.
// NOT_FOUND when no decision has that code; FAILED_PRECONDITION when several
// have it (their ids are not listed: they are other people's decisions).
absl::StatusOr<std::string> DecisionIdNamed(const Store& store, const std::string& given, absl::string_view field);

// The same for callers allowed to see every decision (auditors): every
// decision with that reference code, in id order. A "d-..." id is returned
// as is, whether it exists or not.
absl::StatusOr<std::vector<std::string>> DecisionIdsNamed(const Store& store, const std::string& given,
                                                          absl::string_view field);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_SERVICE_DECISION_CONVERSION_H_
