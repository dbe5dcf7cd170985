#include "engine/client/channel.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace proactive {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

absl::StatusOr<std::string> ReadPem(const std::string& path, const char* what) {
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(absl::StrCat("cannot read ", what, " ", path));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

grpc::ChannelArguments DefaultArguments(int max_send_message_bytes) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(16 << 20);
  args.SetMaxSendMessageSize(max_send_message_bytes);
  // Keepalive during calls only, slower than the daemon's enforcement
  // (GrpcServerOptions::min_client_ping_interval) so that it never strikes.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 60'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 0);
  return args;
}

}  // namespace

EngineConnection EngineConnection::FromEnvironment(std::string address) {
  EngineConnection c;
  c.address = std::move(address);
  c.tls_ca_file = Env("PROACTIVE_TLS_CA");
  c.tls_cert_file = Env("PROACTIVE_TLS_CERT");
  c.tls_key_file = Env("PROACTIVE_TLS_KEY");
  c.token = Env("PROACTIVE_TOKEN");
  c.tls_server_name = Env("PROACTIVE_TLS_SERVER_NAME");
  if (int bytes = std::atoi(Env("PROACTIVE_MAX_MESSAGE_BYTES").c_str()); bytes > 0) {
    c.max_send_message_bytes = bytes;
  }
  return c;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> EngineConnection::Connect() const {
  grpc::ChannelArguments args = DefaultArguments(max_send_message_bytes);
  if (tls_ca_file.empty()) {
    return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
  }
  grpc::SslCredentialsOptions tls;
  absl::StatusOr<std::string> ca = ReadPem(tls_ca_file, "the CA certificate (PROACTIVE_TLS_CA)");
  if (!ca.ok()) return ca.status();
  tls.pem_root_certs = *ca;
  if (!tls_cert_file.empty() || !tls_key_file.empty()) {
    absl::StatusOr<std::string> cert = ReadPem(tls_cert_file, "the client certificate (PROACTIVE_TLS_CERT)");
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadPem(tls_key_file, "the client key (PROACTIVE_TLS_KEY)");
    if (!key.ok()) return key.status();
    tls.pem_cert_chain = *cert;
    tls.pem_private_key = *key;
  }
  if (!tls_server_name.empty()) args.SetSslTargetNameOverride(tls_server_name);
  return grpc::CreateCustomChannel(address, grpc::SslCredentials(tls), args);
}

void EngineConnection::PrepareCall(grpc::ClientContext* context, absl::Duration timeout) const {
  SetDeadline(context, timeout);
  // As metadata rather than call credentials: gRPC drops call credentials on
  // plaintext channels, and development daemons are plaintext.
  if (!token.empty()) context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
}

std::string EngineAddress(absl::string_view flag) {
  if (!flag.empty()) return std::string(flag);
  const char* env = std::getenv("PROACTIVE_SERVER");
  return env != nullptr && *env != '\0' ? env : "127.0.0.1:50051";
}

std::shared_ptr<grpc::Channel> ConnectToEngine(const std::string& address) {
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   DefaultArguments(EngineConnection::FromEnvironment(address).max_send_message_bytes));
}

void SetDeadline(grpc::ClientContext* context, absl::Duration timeout) {
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
}

}  // namespace proactive
