// Starting and stopping the daemon's gRPC server.
//
//   ASSIGN_OR_RETURN(auto server, GrpcServer::Start(options, {ingestion.get()}));
//   LogInfo("server", absl::StrCat("listening on port ", server->port()));
//   server->Shutdown(absl::Seconds(10));
#ifndef PROACTIVE_ENGINE_SERVICE_GRPC_SERVER_H_
#define PROACTIVE_ENGINE_SERVICE_GRPC_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/impl/service_type.h"
#include "grpcpp/server.h"

namespace proactive {

struct GrpcServerOptions {
  // "host:port"; port 0 picks a free port (read it back with port()).
  std::string listen_address = "127.0.0.1:50051";
  // Largest request accepted by the transport; larger ones get
  // RESOURCE_EXHAUSTED before reaching the services.
  int max_receive_message_bytes = 4 << 20;
  // Mutual TLS: PEM contents of the server's certificate chain and key, and
  // of the CA that signs client certificates. Clients must present a
  // certificate signed by that CA. When all are empty the server is
  // plaintext, which only --insecure allows.
  std::string tls_cert_chain;
  std::string tls_private_key;
  std::string tls_client_ca;
  // Only the health service, plaintext, for probes (e.g. Kubernetes);
  // "" for none. It says SERVING while the main server serves.
  std::string health_listen_address;

  // Keepalive enforcement. A client that pings more often than
  // `min_client_ping_interval` while no data flows, or pings with no call in
  // flight, earns a strike; after `max_ping_strikes` strikes the connection
  // is closed with GOAWAY (ENHANCE_YOUR_CALM, "too_many_pings") and its calls
  // fail with UNAVAILABLE. Our clients (EngineConnection) ping every 60 s
  // during calls only.
  absl::Duration min_client_ping_interval = absl::Seconds(30);
  int max_ping_strikes = 2;
  // The server pings an idle connection this often and drops it when the
  // ping is not answered within `keepalive_timeout` (dead peers, broken NAT).
  absl::Duration keepalive_time = absl::Minutes(5);
  absl::Duration keepalive_timeout = absl::Seconds(20);
  // A connection with no call for this long is closed (GOAWAY); clients
  // reconnect transparently on their next call.
  absl::Duration max_connection_idle = absl::Minutes(15);
  // A connection older than this is asked to go away (GOAWAY) so that
  // clients reconnect and re-handshake (certificate rotation, load
  // spreading); calls in flight get `max_connection_age_grace` to finish.
  absl::Duration max_connection_age = absl::Hours(1);
  absl::Duration max_connection_age_grace = absl::Minutes(10);
  // Concurrent calls on one connection; more wait on the client side.
  int max_concurrent_streams_per_connection = 1000;
  // HTTP/2 flow-control window of each call: what a client may send that the
  // engine has not asked for yet. This is what holds back a client sending
  // faster than the engine reads (e.g. a stream whose window of pending
  // answers is full). 0 = gRPC's default, which grows the window with the
  // measured bandwidth (megabytes per stream on a fast link).
  int stream_receive_window_bytes = 256 << 10;
  // Memory gRPC may use for connections and buffers (its resource quota):
  // under pressure it shrinks the HTTP/2 flow-control windows, so clients
  // sending faster than the engine reads are held back at their end instead
  // of in the daemon's memory. 0 = unlimited.
  int64_t max_transport_memory_bytes = 256 << 20;
};

class GrpcServer {
 public:
  // Builds and starts the server with health checking and reflection.
  // SO_REUSEPORT is off: a second daemon on the same port fails to start
  // instead of silently sharing it. UNAVAILABLE when the address cannot be
  // bound. REQUIRES: services outlive the server.
  static absl::StatusOr<std::unique_ptr<GrpcServer>> Start(const GrpcServerOptions& options,
                                                           const std::vector<grpc::Service*>& services);

  // Stops accepting calls, lets calls in flight finish for up to `grace`, then
  // cancels the rest. Returns when every call is done. Idempotent.
  void Shutdown(absl::Duration grace);

  int port() const { return port_; }
  int health_port() const { return health_port_; }
  // "host:port" actually bound.
  const std::string& address() const { return address_; }

 private:
  GrpcServer(std::unique_ptr<grpc::Server> server, int port, std::string address)
      : server_(std::move(server)), port_(port), address_(std::move(address)) {}

  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<grpc::Server> health_server_;
  int port_;
  int health_port_ = 0;
  std::string address_;
  bool shut_down_ = false;
};

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_SERVICE_GRPC_SERVER_H_
