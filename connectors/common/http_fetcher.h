// HTTP GET for connectors that poll web APIs (cpp-httplib), with the
// robustness a poller needs: timeouts, 429 honouring Retry-After, exponential
// backoff with a cap for 5xx and connection errors.
//
//   HttpFetcher http("https://opendata.paris.fr", HttpOptions());
//   ASSIGN_OR_RETURN(HttpResponse page,
//                    http.Get("/api/explore/v2.1/catalog/datasets/x/records?limit=100"));
//   if (page.status != 200) ...  // a 4xx the caller interprets
//
// No exceptions escape. Not thread-safe: one request at a time.
#ifndef PROACTIVE_CONNECTORS_COMMON_HTTP_FETCHER_H_
#define PROACTIVE_CONNECTORS_COMMON_HTTP_FETCHER_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace httplib {
class Client;
}  // namespace httplib

namespace proactive {

struct HttpOptions {
  absl::Duration connect_timeout = absl::Seconds(10);
  absl::Duration read_timeout = absl::Seconds(60);
  // Attempts per request (429, 5xx, connection errors) before UNAVAILABLE.
  int max_attempts = 6;
  absl::Duration initial_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Seconds(60);
  // A Retry-After longer than this is cut to it.
  absl::Duration max_retry_after = absl::Minutes(10);
  // Sent with every request, e.g. {"apikey", key}. Never logged.
  std::map<std::string, std::string> headers;
  // How to wait; tests may replace it to record the waits.
  std::function<void(absl::Duration)> sleep;
};

struct HttpResponse {
  int status = 0;
  std::string body;
};

class HttpFetcher {
 public:
  // `base_url`: "http[s]://host[:port][/path prefix]". Requests are made to
  // the prefix + the path given to Get.
  HttpFetcher(std::string base_url, HttpOptions options);
  ~HttpFetcher();
  HttpFetcher(const HttpFetcher&) = delete;
  HttpFetcher& operator=(const HttpFetcher&) = delete;

  // GETs `path_and_query`. Retries 429, 5xx and transport errors; returns the
  // first other answer (2xx, or a 4xx for the caller to read). UNAVAILABLE
  // when every attempt failed; INVALID_ARGUMENT for a malformed base URL.
  absl::StatusOr<HttpResponse> Get(const std::string& path_and_query);

  // Number of HTTP requests sent so far (retries included).
  int requests_sent() const { return requests_sent_; }

 private:
  std::string base_url_;
  std::string origin_;  // scheme://host:port
  std::string prefix_;  // path prefix, no trailing '/'
  HttpOptions options_;
  std::unique_ptr<httplib::Client> client_;
  int requests_sent_ = 0;
};

// Percent-encodes a query parameter value (RFC 3986 unreserved kept).
std::string UrlEncode(absl::string_view text);

// Seconds of a Retry-After header (delta-seconds, or an HTTP date relative to
// `now`); nullopt when absent or unreadable.
std::optional<absl::Duration> ParseRetryAfter(absl::string_view value, absl::Time now);

}  // namespace proactive

#endif  // PROACTIVE_CONNECTORS_COMMON_HTTP_FETCHER_H_
