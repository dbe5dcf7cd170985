#include "engine/common/proto_time.h"

namespace proactive {

google::protobuf::Timestamp ToProtoTimestamp(absl::Time time) {
  google::protobuf::Timestamp ts;
  absl::Duration rem;
  int64_t seconds = absl::IDivDuration(time - absl::UnixEpoch(), absl::Seconds(1), &rem);
  int64_t nanos = absl::ToInt64Nanoseconds(rem);
  if (nanos < 0) {
    seconds -= 1;
    nanos += 1000000000;
  }
  ts.set_seconds(seconds);
  ts.set_nanos(static_cast<int32_t>(nanos));
  return ts;
}

absl::Time FromProtoTimestamp(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
}

bool IsValidProtoTimestamp(const google::protobuf::Timestamp& timestamp) {
  return timestamp.nanos() >= 0 && timestamp.nanos() <= 999999999 && timestamp.seconds() >= -62135596800 &&
         timestamp.seconds() <= 253402300799;
}

}  // namespace proactive
