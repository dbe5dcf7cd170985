// A connector's position (what it has already handed to the engine), kept in
// a small JSON file that is replaced atomically: written to a temporary file,
// fsynced, renamed over the old one, and the directory fsynced. After a crash
// the file holds the old position or the new one, never a torn mix.
//
//   ASSIGN_OR_RETURN(nlohmann::json state, LoadCheckpoint("var/caf.state")); //
//   {} when new state["offset"] = 4096;
//   RETURN_IF_ERROR(SaveCheckpoint("var/caf.state", state));
//
// Save a position only once the engine acknowledged everything before it.
#ifndef PROACTIVE_CONNECTORS_COMMON_CHECKPOINT_H_
#define PROACTIVE_CONNECTORS_COMMON_CHECKPOINT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace proactive {

// The saved object, or an empty object when the file does not exist.
// DATA_LOSS when it exists but is not a JSON object (say which file).
absl::StatusOr<nlohmann::json> LoadCheckpoint(const std::string& path);

// Replaces the file with `state` durably. UNAVAILABLE on an I/O error (the
// old file is then left as it was).
absl::Status SaveCheckpoint(const std::string& path, const nlohmann::json& state);

// Writes `data` to `path` with the same atomic, durable replacement.
absl::Status WriteFileAtomically(const std::string& path, const std::string& data);

}  // namespace proactive

#endif  // PROACTIVE_CONNECTORS_COMMON_CHECKPOINT_H_
