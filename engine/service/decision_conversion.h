// The API view (proactive.v1.Decision) of a stored decision record.
#ifndef PROACTIVE_ENGINE_SERVICE_DECISION_CONVERSION_H_
#define PROACTIVE_ENGINE_SERVICE_DECISION_CONVERSION_H_

#include "proactive/storage/v1/storage.pb.h"
#include "proactive/v1/decisions.pb.h"

namespace proactive {

v1::Decision ToApiDecision(const storage::v1::DecisionRecord& record);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_SERVICE_DECISION_CONVERSION_H_
