// Client connections to proactived, shared by proactivectl and connectors.
//
//   EngineConnection connection = EngineConnection::FromEnvironment("127.0.0.1:50051");
//   ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, connection.Connect());
//   auto stub = v1::Ingestion::NewStub(channel);
//   grpc::ClientContext context;
//   connection.PrepareCall(&context, absl::Seconds(10));  // deadline + token
//
// The environment gives the credentials: PROACTIVE_TLS_CA (the CA that
// signed the server's certificate), PROACTIVE_TLS_CERT and PROACTIVE_TLS_KEY
// (this client's certificate and key, for mutual TLS), PROACTIVE_TOKEN (a
// bearer token), PROACTIVE_MAX_MESSAGE_BYTES (largest request sent, when the
// daemon's --max_message_bytes was raised). Without PROACTIVE_TLS_CA the
// connection is plaintext, which only a daemon started with --insecure
// accepts.
//
// Every channel made here refuses to send a request larger than
// max_send_message_bytes (RESOURCE_EXHAUSTED locally, nothing sent: the
// daemon would refuse it anyway) and sends keepalive pings every 60 s while a
// call is in flight, well above what the daemon tolerates
// (--min_client_ping_interval, 30 s).
#ifndef PROACTIVE_ENGINE_CLIENT_CHANNEL_H_
#define PROACTIVE_ENGINE_CLIENT_CHANNEL_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"

namespace proactive {

// The daemon's default --max_message_bytes.
inline constexpr int kDefaultMaxMessageBytes = 4 << 20;

struct EngineConnection {
  std::string address;        // "host:port"
  std::string tls_ca_file;    // "" = plaintext
  std::string tls_cert_file;  // client certificate (mutual TLS)
  std::string tls_key_file;
  std::string token;  // bearer token; "" = none
  // Name the server's certificate must carry; "" = the host of `address`.
  std::string tls_server_name;
  // Largest request this client sends; the daemon's --max_message_bytes.
  int max_send_message_bytes = kDefaultMaxMessageBytes;

  static EngineConnection FromEnvironment(std::string address);

  // A channel with these credentials. INVALID_ARGUMENT naming the file when
  // one cannot be read.
  absl::StatusOr<std::shared_ptr<grpc::Channel>> Connect() const;

  // Sets a deadline `timeout` from now (gRPC has no default deadline) and the
  // bearer token when there is one.
  void PrepareCall(grpc::ClientContext* context, absl::Duration timeout) const;
};

// The engine's address for a client: `flag` when set, else
// $PROACTIVE_SERVER, else 127.0.0.1:50051.
std::string EngineAddress(absl::string_view flag = "");

// A plaintext channel to `address` (tests and --insecure daemons), with the
// same send limit (PROACTIVE_MAX_MESSAGE_BYTES) and keepalive.
std::shared_ptr<grpc::Channel> ConnectToEngine(const std::string& address);

// Sets a deadline `timeout` from now on `context`.
void SetDeadline(grpc::ClientContext* context, absl::Duration timeout);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_CLIENT_CHANNEL_H_
