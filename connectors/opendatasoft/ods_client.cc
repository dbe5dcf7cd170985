#include "connectors/opendatasoft/ods_client.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "engine/common/status_macros.h"

namespace proactive {
namespace {

using json = nlohmann::json;

std::string Excerpt(const std::string& body, size_t at) {
  size_t from = at > 40 ? at - 40 : 0;
  std::string text = body.substr(from, 80);
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

std::string QueryString(const OdsQuery& query, bool paged) {
  std::string out;
  auto add = [&](absl::string_view name, const std::string& value) {
    if (value.empty()) return;
    absl::StrAppend(&out, out.empty() ? "?" : "&", name, "=", UrlEncode(value));
  };
  add("where", query.where);
  add("order_by", query.order_by);
  if (paged) {
    add("limit", std::to_string(query.limit));
    add("offset", std::to_string(query.offset));
  }
  return out;
}

}  // namespace

std::string OdsDateLiteral(const std::string& stamp) {
  return absl::StrCat("date'", absl::StrReplaceAll(stamp, {{"'", ""}}), "'");
}

OdsClient::OdsClient(HttpFetcher* http, std::string dataset) : http_(http), dataset_(std::move(dataset)) {}

absl::StatusOr<json> OdsClient::GetJson(const std::string& endpoint, const std::string& query) {
  const std::string path = absl::StrCat("/api/explore/v2.1/catalog/datasets/", UrlEncode(dataset_), "/", endpoint);
  ASSIGN_OR_RETURN(HttpResponse response, http_->Get(path + query));
  if (response.status < 200 || response.status >= 300) {
    json error = json::parse(response.body, nullptr, false);
    std::string message = error.is_object() ? error.value("message", "") : "";
    std::string code = error.is_object() ? error.value("error_code", "") : "";
    if (message.empty()) message = response.body.substr(0, 200);
    if (response.status == 400 && absl::StrContains(message, "offset")) {
      return absl::OutOfRangeError(absl::StrCat(path, ": ", message));
    }
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": HTTP ", response.status, " ", code, code.empty() ? "" : ": ", message));
  }
  try {
    return json::parse(response.body);
  } catch (const json::parse_error& e) {
    return absl::DataLossError(absl::StrCat(path, ": the answer is not valid JSON (byte ", e.byte, " of ",
                                            response.body.size(), ", near \"", Excerpt(response.body, e.byte), "\")"));
  }
}

absl::StatusOr<OdsPage> OdsClient::Records(const OdsQuery& query) {
  ASSIGN_OR_RETURN(json body, GetJson("records", QueryString(query, true)));
  if (!body.is_object() || !body.contains("results") || !body["results"].is_array()) {
    return absl::DataLossError(absl::StrCat("dataset ", dataset_, ": the answer has no \"results\" list"));
  }
  OdsPage page;
  if (body.contains("total_count") && body["total_count"].is_number_integer()) {
    page.total_count = body["total_count"].get<int64_t>();
  }
  for (json& record : body["results"]) page.results.push_back(std::move(record));
  return page;
}

absl::StatusOr<std::vector<json>> OdsClient::Export(const OdsQuery& query) {
  ASSIGN_OR_RETURN(json body, GetJson("exports/json", QueryString(query, false)));
  if (!body.is_array()) {
    return absl::DataLossError(absl::StrCat("dataset ", dataset_, ": the export is not a JSON list of records"));
  }
  std::vector<json> records;
  records.reserve(body.size());
  for (json& record : body) records.push_back(std::move(record));
  return records;
}

}  // namespace proactive
