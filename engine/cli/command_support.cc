#include "engine/cli/command_support.h"

#include <cstdio>

#include "absl/time/time.h"
#include "engine/cli/commands.h"
#include "engine/common/proto_time.h"

namespace proactive {

std::string ShownTime(const google::protobuf::Timestamp& at) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S %Z", FromProtoTimestamp(at), absl::LocalTimeZone());
}

bool UsageError(const char* command, const CommandLine& line, const absl::Status& parsed, bool well_formed,
                const char* usage, int* exit_code) {
  const bool help = line.Has("help");
  if (parsed.ok() && well_formed && !help) return false;
  if (!parsed.ok()) std::fprintf(stderr, "proactivectl %s: %s\n", command, std::string(parsed.message()).c_str());
  const bool help_only = help && parsed.ok();
  std::fputs(usage, help_only ? stdout : stderr);
  *exit_code = help_only ? kExitOk : kExitUsage;
  return true;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> ConnectChannel(const CommandLine& line, EngineConnection* connection) {
  *connection = EngineConnection::FromEnvironment(line.Get("server", DefaultServerAddress()));
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = connection->Connect();
  if (!channel.ok()) std::fprintf(stderr, "proactivectl: %s\n", std::string(channel.status().message()).c_str());
  return channel;
}

int CallFailed(const char* what, const grpc::Status& status) {
  std::fprintf(stderr, "proactivectl %s: %s\n", what, status.error_message().c_str());
  switch (status.error_code()) {
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::PERMISSION_DENIED:
      return kExitRefused;
    default:
      return kExitUsage;
  }
}

}  // namespace proactive
