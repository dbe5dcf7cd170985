#include "connectors/common/http_fetcher.h"

#include <chrono>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "connectors/common/event_publisher.h"
#include "engine/common/log.h"
#include "httplib.h"

namespace proactive {
namespace {

std::chrono::microseconds ToChrono(absl::Duration d) { return std::chrono::microseconds(absl::ToInt64Microseconds(d)); }

}  // namespace

std::string UrlEncode(absl::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppendFormat(&out, "%%%02X", c);
    }
  }
  return out;
}

std::optional<absl::Duration> ParseRetryAfter(absl::string_view value, absl::Time now) {
  value = absl::StripAsciiWhitespace(value);
  if (value.empty()) return std::nullopt;
  int64_t seconds = 0;
  if (absl::SimpleAtoi(value, &seconds)) {
    if (seconds < 0) return std::nullopt;
    return absl::Seconds(seconds);
  }
  absl::Time when;
  std::string error;
  if (absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", std::string(value), absl::UTCTimeZone(), &when, &error)) {
    return when > now ? when - now : absl::ZeroDuration();
  }
  return std::nullopt;
}

HttpFetcher::HttpFetcher(std::string base_url, HttpOptions options)
    : base_url_(std::move(base_url)), options_(std::move(options)) {
  if (!options_.sleep) options_.sleep = [](absl::Duration d) { absl::SleepFor(d); };
  absl::string_view rest = base_url_;
  std::string scheme;
  if (absl::ConsumePrefix(&rest, "http://")) {
    scheme = "http://";
  } else if (absl::ConsumePrefix(&rest, "https://")) {
    scheme = "https://";
  } else {
    return;  // Get reports the malformed URL
  }
  size_t slash = rest.find('/');
  absl::string_view host = rest.substr(0, slash);
  if (host.empty()) return;
  origin_ = absl::StrCat(scheme, host);
  if (slash != absl::string_view::npos) {
    prefix_ = std::string(rest.substr(slash));
    while (!prefix_.empty() && prefix_.back() == '/') prefix_.pop_back();
  }
  client_ = std::make_unique<httplib::Client>(origin_);
  if (!client_->is_valid()) {
    client_.reset();
    return;
  }
  client_->set_connection_timeout(ToChrono(options_.connect_timeout));
  client_->set_read_timeout(ToChrono(options_.read_timeout));
  client_->set_follow_location(true);
  client_->set_keep_alive(true);
}

HttpFetcher::~HttpFetcher() = default;

absl::StatusOr<HttpResponse> HttpFetcher::Get(const std::string& path_and_query) {
  if (client_ == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("\"", base_url_, "\" is not a URL like https://host[:port][/path]"));
  }
  httplib::Headers headers;
  for (const auto& [name, value] : options_.headers) headers.emplace(name, value);
  headers.emplace("Accept", "application/json");
  const std::string target = prefix_ + path_and_query;
  std::string last_error;
  std::optional<absl::Duration> retry_after;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    if (attempt > 1) {
      absl::Duration wait = retry_after ? std::min(*retry_after, options_.max_retry_after)
                                        : BackoffDelay(attempt, options_.initial_backoff, options_.max_backoff);
      LogWarning("http",
                 absl::StrCat(origin_, target.substr(0, target.find('?')), ": ", last_error, "; retrying in ",
                              absl::FormatDuration(wait), " (attempt ", attempt, " of ", options_.max_attempts, ")"));
      options_.sleep(wait);
    }
    retry_after.reset();
    ++requests_sent_;
    httplib::Result result = client_->Get(target, headers);
    if (!result) {
      last_error = absl::StrCat("request failed: ", httplib::to_string(result.error()));
      continue;
    }
    const int status = result->status;
    if (status == 429) {
      last_error = "429 Too Many Requests";
      if (result->has_header("Retry-After")) {
        retry_after = ParseRetryAfter(result->get_header_value("Retry-After"), absl::Now());
      }
      continue;
    }
    if (status >= 500) {
      last_error = absl::StrCat("server error ", status);
      continue;
    }
    return HttpResponse{status, std::move(result->body)};
  }
  return absl::UnavailableError(absl::StrCat(origin_, target.substr(0, target.find('?')), ": no answer after ",
                                             options_.max_attempts, " attempts (last: ", last_error, ")"));
}

}  // namespace proactive
