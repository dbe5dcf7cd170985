// What every proactivectl command does the same way: answering a usage
// mistake or --help, connecting to the engine, and turning a refused call
// into a message and an exit code (see commands.h for the codes).
//
//   CommandLine line({"server"}, {"help"});
//   int code = 0;
//   if (UsageError("audit", line, line.Parse(args), words_ok, kUsage, &code)) return code;
//   EngineConnection connection;
//   auto stub = ConnectStub<v1::Audit>(line, &connection);
//   if (stub == nullptr) return kExitUsage;
//   ...
//   if (!status.ok()) return CallFailed("audit verify", status);
#ifndef PROACTIVE_ENGINE_CLI_COMMAND_SUPPORT_H_
#define PROACTIVE_ENGINE_CLI_COMMAND_SUPPORT_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/cli/command_line.h"
#include "engine/client/channel.h"
#include "google/protobuf/timestamp.pb.h"
#include "grpcpp/support/status.h"

namespace proactive {

// True when the command must stop here: --help (usage on stdout, exit 0), an
// option the parser refused, or `well_formed` false (usage on stderr, exit 2).
// The exit code goes to `exit_code`.
bool UsageError(const char* command, const CommandLine& line, const absl::Status& parsed, bool well_formed,
                const char* usage, int* exit_code);

// The channel to the engine named by --server (else $PROACTIVE_SERVER, else
// the default), with the credentials of the environment; prints why on
// failure. `connection` is kept by the caller to prepare each call.
absl::StatusOr<std::shared_ptr<grpc::Channel>> ConnectChannel(const CommandLine& line, EngineConnection* connection);

// A stub of `Service` on ConnectChannel's channel, or nullptr once the reason
// is printed.
template <typename Service>
std::unique_ptr<typename Service::Stub> ConnectStub(const CommandLine& line, EngineConnection* connection) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = ConnectChannel(line, connection);
  if (!channel.ok()) return nullptr;
  return Service::NewStub(*channel);
}

// An instant as the person at the terminal reads it: "2026-08-31 23:59:59
// CEST", in the local time zone ($TZ, else the machine's), named.
std::string ShownTime(const google::protobuf::Timestamp& at);

// Prints "proactivectl <what>: <message>" and returns kExitRefused when the
// engine refused the request itself (not found, invalid, not allowed now,
// not allowed for this caller), kExitUsage otherwise (connection, deadline).
int CallFailed(const char* what, const grpc::Status& status);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_CLI_COMMAND_SUPPORT_H_
