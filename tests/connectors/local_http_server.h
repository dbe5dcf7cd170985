// A cpp-httplib server on a free loopback port, run on its own thread, for
// tests of the HTTP connectors. Handlers serve recorded answers written from
// the public documentation of each API.
//
//   LocalHttpServer server;
//   server.Get("/api/x", [](const httplib::Request&, httplib::Response& r) {
//   r.status = 429; }); ASSERT_THAT(server.Start(), IsOk()); HttpFetcher
//   http(server.url(), options);
#ifndef PROACTIVE_TESTS_CONNECTORS_LOCAL_HTTP_SERVER_H_
#define PROACTIVE_TESTS_CONNECTORS_LOCAL_HTTP_SERVER_H_

#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "httplib.h"

namespace proactive::testing {

class LocalHttpServer {
 public:
  LocalHttpServer() = default;
  ~LocalHttpServer() { Stop(); }
  LocalHttpServer(const LocalHttpServer&) = delete;
  LocalHttpServer& operator=(const LocalHttpServer&) = delete;

  // Registers a handler; REQUIRES: before Start.
  void Get(const std::string& pattern, httplib::Server::Handler handler) { server_.Get(pattern, std::move(handler)); }

  absl::Status Start() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) return absl::UnavailableError("cannot bind a loopback port");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) absl::SleepFor(absl::Milliseconds(2));
    return absl::OkStatus();
  }

  void Stop() {
    if (thread_.joinable()) {
      server_.stop();
      thread_.join();
    }
  }

  std::string url() const { return absl::StrCat("http://127.0.0.1:", port_); }
  int port() const { return port_; }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace proactive::testing

#endif  // PROACTIVE_TESTS_CONNECTORS_LOCAL_HTTP_SERVER_H_
