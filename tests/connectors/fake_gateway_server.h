// FakeGateway (fake_gateway.h) served over gRPC on a free loopback port, so
// that the proactive-sms-kannel binary can be tested with the real Kannel
// and a scripted engine (an engine that goes down on demand, messages the
// test chooses).
//
//   FakeGatewayServer engine;
//   ASSERT_THAT(engine.Start(), IsOk());
//   engine.fake().Queue(Sms("m1", "+33639980002", "Bonjour"));
//   ... proactive-sms-kannel --server=engine.address() ...
#ifndef PROACTIVE_TESTS_CONNECTORS_FAKE_GATEWAY_SERVER_H_
#define PROACTIVE_TESTS_CONNECTORS_FAKE_GATEWAY_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "proactive/v1/gateway.grpc.pb.h"
#include "tests/connectors/fake_gateway.h"

namespace proactive::testing {

class FakeGatewayServer final : public v1::Gateway::Service {
 public:
  FakeGatewayServer() = default;
  ~FakeGatewayServer() override { Stop(); }

  absl::Status Start() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
    if (server_ == nullptr || port_ <= 0) return absl::UnavailableError("cannot start the fake gateway server");
    return absl::OkStatus();
  }
  void Stop() {
    if (server_ != nullptr) {
      server_->Shutdown();
      server_.reset();
    }
  }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }
  FakeGateway& fake() { return fake_; }

  grpc::Status LeaseMessages(grpc::ServerContext*, const v1::LeaseMessagesRequest* request,
                             v1::LeaseMessagesResponse* response) override {
    return Reply(fake_.Lease(*request), response);
  }
  grpc::Status AckMessage(grpc::ServerContext*, const v1::AckMessageRequest* request,
                          v1::AckMessageResponse* response) override {
    return Reply(fake_.Ack(*request), response);
  }
  grpc::Status ReportDelivery(grpc::ServerContext*, const v1::ReportDeliveryRequest* request,
                              v1::ReportDeliveryResponse* response) override {
    return Reply(fake_.ReportDelivery(*request), response);
  }
  grpc::Status ReportReply(grpc::ServerContext*, const v1::ReportReplyRequest* request,
                           v1::ReportReplyResponse* response) override {
    return Reply(fake_.ReportReply(*request), response);
  }

 private:
  template <typename T>
  static grpc::Status Reply(absl::StatusOr<T> result, T* response) {
    if (!result.ok()) {
      return grpc::Status(static_cast<grpc::StatusCode>(result.status().code()),
                          std::string(result.status().message()));
    }
    *response = *std::move(result);
    return grpc::Status::OK;
  }

  FakeGateway fake_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace proactive::testing

#endif  // PROACTIVE_TESTS_CONNECTORS_FAKE_GATEWAY_SERVER_H_
