// HttpFetcher against a local cpp-httplib server on loopback.
#include "connectors/common/http_fetcher.h"

#include <atomic>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/connectors/local_http_server.h"
#include "tests/testing/status_matchers.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;
using ::proactive::testing::LocalHttpServer;
using ::proactive::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class HttpFetcherTest : public ::testing::Test {
 protected:
  HttpOptions Options() {
    HttpOptions options;
    options.max_attempts = 4;
    options.initial_backoff = absl::Seconds(1);
    options.max_backoff = absl::Seconds(3);
    options.sleep = [this](absl::Duration d) { waits_.push_back(d); };
    options.headers["apikey"] = "secret";
    return options;
  }
  LocalHttpServer server_;
  std::vector<absl::Duration> waits_;
};

TEST_F(HttpFetcherTest, HonoursRetryAfterOn429) {
  std::atomic<int> calls{0};
  server_.Get("/api/x", [&](const httplib::Request& request, httplib::Response& response) {
    EXPECT_EQ(request.get_header_value("apikey"), "secret");
    if (calls++ == 0) {
      response.status = 429;
      response.set_header("Retry-After", "7");
      return;
    }
    response.set_content("{\"ok\": true}", "application/json");
  });
  ASSERT_THAT(server_.Start(), IsOk());
  HttpFetcher http(server_.url(), Options());
  absl::StatusOr<HttpResponse> response = http.Get("/api/x?a=1");
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "{\"ok\": true}");
  EXPECT_THAT(waits_, ElementsAre(absl::Seconds(7)));
}

TEST_F(HttpFetcherTest, BacksOffExponentiallyWithACapOn5xx) {
  std::atomic<int> calls{0};
  server_.Get("/api/x",
              [&](const httplib::Request&, httplib::Response& response) { response.status = calls++ < 3 ? 503 : 200; });
  ASSERT_THAT(server_.Start(), IsOk());
  HttpFetcher http(server_.url(), Options());
  ASSERT_THAT(http.Get("/api/x"), IsOk());
  EXPECT_THAT(waits_, ElementsAre(absl::Seconds(1), absl::Seconds(2), absl::Seconds(3)));
  EXPECT_EQ(http.requests_sent(), 4);
}

TEST_F(HttpFetcherTest, GivesUpWithUnavailableAndReturns4xx) {
  server_.Get("/api/down", [&](const httplib::Request&, httplib::Response& response) { response.status = 500; });
  server_.Get("/api/missing", [&](const httplib::Request&, httplib::Response& response) {
    response.status = 404;
    response.set_content("{\"message\": \"unknown dataset\"}", "application/json");
  });
  ASSERT_THAT(server_.Start(), IsOk());
  HttpFetcher http(server_.url(), Options());
  EXPECT_THAT(http.Get("/api/down"), StatusIs(absl::StatusCode::kUnavailable, HasSubstr("server error 500")));
  absl::StatusOr<HttpResponse> missing = http.Get("/api/missing");
  ASSERT_THAT(missing, IsOk());
  EXPECT_EQ(missing->status, 404);
  HttpFetcher bad("ftp://x", Options());
  EXPECT_THAT(bad.Get("/"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(RetryAfterTest, SecondsAndDates) {
  absl::Time now = absl::FromUnixSeconds(1782900000);
  EXPECT_EQ(ParseRetryAfter("120", now), absl::Seconds(120));
  EXPECT_EQ(
      ParseRetryAfter(absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", now + absl::Seconds(30), absl::UTCTimeZone()), now),
      absl::Seconds(30));
  EXPECT_EQ(ParseRetryAfter("soon", now), std::nullopt);
  EXPECT_EQ(UrlEncode("a b'c"), "a%20b%27c");
}

}  // namespace
}  // namespace proactive
