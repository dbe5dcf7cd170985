// A stand-in for an Opendatasoft portal on loopback, answering the Explore
// API v2.1 endpoints the way its public documentation describes them:
//   /api/explore/v2.1/catalog/datasets/{id}/records  -> {"total_count",
//   "results"}
//     (limit <= 100; offset + limit <= 10,000 else 400
//     InvalidRESTParameterError)
//   /api/explore/v2.1/catalog/datasets/{id}/exports/json -> [records]
// The where clause understood is the connector's: "<field> >= date'<stamp>'"
// (records are kept sorted by that field and the id). Faults can be scripted
// per request number: 429 with Retry-After, 5xx, malformed JSON, delays.
#ifndef PROACTIVE_TESTS_CONNECTORS_FAKE_OPENDATASOFT_H_
#define PROACTIVE_TESTS_CONNECTORS_FAKE_OPENDATASOFT_H_

#include <algorithm>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "tests/connectors/local_http_server.h"

namespace proactive::testing {

enum class Fault { kNone, kTooManyRequests, kServerError, kMalformedJson };

class FakeOpendatasoft {
 public:
  FakeOpendatasoft() {
    server_.Get(R"(/api/explore/v2.1/catalog/datasets/([^/]+)/records)",
                [this](const httplib::Request& request, httplib::Response& response) {
                  Serve(request, response, /*exports=*/false);
                });
    server_.Get(R"(/api/explore/v2.1/catalog/datasets/([^/]+)/exports/json)",
                [this](const httplib::Request& request, httplib::Response& response) {
                  Serve(request, response, /*exports=*/true);
                });
  }

  absl::Status Start() { return server_.Start(); }
  std::string url() const { return server_.url(); }

  // Replaces a dataset's records. REQUIRES: each has `stamp_field` and
  // `id_field`.
  void SetDataset(const std::string& id, std::vector<nlohmann::json> records,
                  const std::string& stamp_field = "date_maj", const std::string& id_field = "id") {
    std::sort(records.begin(), records.end(), [&](const nlohmann::json& a, const nlohmann::json& b) {
      return std::make_pair(a.value(stamp_field, ""), a.value(id_field, "")) <
             std::make_pair(b.value(stamp_field, ""), b.value(id_field, ""));
    });
    absl::MutexLock lock(&mu_);
    datasets_[id] = std::move(records);
  }
  // The fault for the `n`th request (1-based, counting every request).
  void FailRequest(int n, Fault fault) {
    absl::MutexLock lock(&mu_);
    faults_[n] = fault;
  }
  void set_page_delay(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    delay_ = d;
  }
  void set_max_offset(int64_t m) {
    absl::MutexLock lock(&mu_);
    max_offset_ = m;
  }
  int requests() {
    absl::MutexLock lock(&mu_);
    return requests_;
  }
  int export_requests() {
    absl::MutexLock lock(&mu_);
    return exports_;
  }

 private:
  void Serve(const httplib::Request& request, httplib::Response& response, bool exports) {
    std::vector<nlohmann::json> selected;
    Fault fault = Fault::kNone;
    absl::Duration delay;
    int64_t max_offset;
    {
      absl::MutexLock lock(&mu_);
      ++requests_;
      if (exports) ++exports_;
      if (auto it = faults_.find(requests_); it != faults_.end()) fault = it->second;
      delay = delay_;
      max_offset = max_offset_;
      auto dataset = datasets_.find(request.matches[1]);
      if (dataset == datasets_.end()) {
        response.status = 404;
        response.set_content(R"({"error_code": "DatasetNotFound", "message": "Unknown dataset"})", "application/json");
        return;
      }
      std::string field, stamp;
      std::smatch match;
      std::string where = request.get_param_value("where");
      if (std::regex_search(where, match, std::regex(R"((\w+) >= date'([^']*)')"))) {
        field = match[1];
        stamp = match[2];
      }
      for (const nlohmann::json& r : dataset->second) {
        if (field.empty() || r.value(field, "") >= stamp) selected.push_back(r);
      }
    }
    absl::SleepFor(delay);
    switch (fault) {
      case Fault::kTooManyRequests:
        response.status = 429;
        response.set_header("Retry-After", "1");
        response.set_content(R"({"error_code": "TooManyRequests", "message": "Too many requests"})",
                             "application/json");
        return;
      case Fault::kServerError:
        response.status = 503;
        response.set_content("<html>Service Unavailable</html>", "text/html");
        return;
      case Fault::kMalformedJson:
        response.set_content(R"({"total_count": 5, "results": [{"id": "A0001", "date_maj": )", "application/json");
        return;
      case Fault::kNone:
        break;
    }
    if (exports) {
      response.set_content(nlohmann::json(selected).dump(), "application/json");
      return;
    }
    int64_t limit = 10, offset = 0;
    if (request.has_param("limit")) (void)absl::SimpleAtoi(request.get_param_value("limit"), &limit);
    if (request.has_param("offset")) (void)absl::SimpleAtoi(request.get_param_value("offset"), &offset);
    if (limit > 100) {
      response.status = 400;
      response.set_content(
          R"({"error_code": "InvalidRESTParameterError", "message": "Invalid value for limit API parameter: 200 was found but -1 <= limit <= 100 is expected."})",
          "application/json");
      return;
    }
    if (offset + limit > max_offset) {
      response.status = 400;
      response.set_content(
          nlohmann::json({{"error_code", "InvalidRESTParameterError"},
                          {"message", absl::StrCat("Invalid value for sum of offset + limit API parameter: ",
                                                   offset + limit, " was found but <= ", max_offset, " is expected.")}})
              .dump(),
          "application/json");
      return;
    }
    nlohmann::json page = {{"total_count", selected.size()}, {"results", nlohmann::json::array()}};
    for (int64_t i = offset; i < offset + limit && i < static_cast<int64_t>(selected.size()); ++i) {
      page["results"].push_back(selected[i]);
    }
    response.set_content(page.dump(), "application/json");
  }

  LocalHttpServer server_;
  absl::Mutex mu_;
  std::map<std::string, std::vector<nlohmann::json>> datasets_ ABSL_GUARDED_BY(mu_);
  std::map<int, Fault> faults_ ABSL_GUARDED_BY(mu_);
  absl::Duration delay_ ABSL_GUARDED_BY(mu_);
  int64_t max_offset_ ABSL_GUARDED_BY(mu_) = 10000;
  int requests_ ABSL_GUARDED_BY(mu_) = 0;
  int exports_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace proactive::testing

#endif  // PROACTIVE_TESTS_CONNECTORS_FAKE_OPENDATASOFT_H_
