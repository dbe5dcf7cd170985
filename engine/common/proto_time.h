// absl::Time <-> google.protobuf.Timestamp, the one conversion every module
// storing or sending a time uses. Times before 1970 keep nanos in [0, 1e9),
// as the Timestamp contract requires.
#ifndef PROACTIVE_ENGINE_COMMON_PROTO_TIME_H_
#define PROACTIVE_ENGINE_COMMON_PROTO_TIME_H_

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace proactive {

google::protobuf::Timestamp ToProtoTimestamp(absl::Time time);
absl::Time FromProtoTimestamp(const google::protobuf::Timestamp& timestamp);
// The Timestamp contract: from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z,
// nanos in [0, 1e9). A time a caller sends is checked before it is used.
bool IsValidProtoTimestamp(const google::protobuf::Timestamp& timestamp);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_COMMON_PROTO_TIME_H_
