// The two read endpoints of the Opendatasoft Explore API v2.1 that a poller
// needs (https://help.opendatasoft.com/apis/ods-explore-v2/):
//
//   GET
//   /api/explore/v2.1/catalog/datasets/{id}/records?where=&order_by=&limit=&offset=
//       -> {"total_count": N, "results": [record, ...]}
//       at most 100 records per page, and offset + limit may not exceed 10,000;
//   GET /api/explore/v2.1/catalog/datasets/{id}/exports/json?where=&order_by=
//       -> [record, ...], the whole selection, no such limit.
//
//   OdsClient ods(&http, "secteurs-scolaires-maternelles");
//   ASSIGN_OR_RETURN(OdsPage page, ods.Records({.where = "...", .limit =
//   100}));
//
// Errors: OUT_OF_RANGE when the portal refuses the offset (use Export
// instead), DATA_LOSS for a body that is not the documented JSON (the message
// gives the URL path, the byte and an excerpt), FAILED_PRECONDITION for other
// 4xx answers (unknown dataset, bad where clause) with the portal's message,
// UNAVAILABLE after the HTTP retries.
#ifndef PROACTIVE_CONNECTORS_OPENDATASOFT_ODS_CLIENT_H_
#define PROACTIVE_CONNECTORS_OPENDATASOFT_ODS_CLIENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "connectors/common/http_fetcher.h"
#include "nlohmann/json.hpp"

namespace proactive {

struct OdsQuery {
  std::string where;     // ODSQL, e.g. "date_maj >= date'2026-07-01T00:00:00+00:00'"
  std::string order_by;  // e.g. "date_maj,id"
  int limit = 100;
  int64_t offset = 0;
};

struct OdsPage {
  int64_t total_count = 0;
  std::vector<nlohmann::json> results;
};

class OdsClient {
 public:
  // REQUIRES: `http` outlives the client.
  OdsClient(HttpFetcher* http, std::string dataset);

  absl::StatusOr<OdsPage> Records(const OdsQuery& query);
  // The whole selection (limit and offset ignored).
  absl::StatusOr<std::vector<nlohmann::json>> Export(const OdsQuery& query);

  const std::string& dataset() const { return dataset_; }

 private:
  absl::StatusOr<nlohmann::json> GetJson(const std::string& endpoint, const std::string& query);

  HttpFetcher* http_;
  std::string dataset_;
};

// The ODSQL literal for a stamp read from a record: date'...'.
std::string OdsDateLiteral(const std::string& stamp);

}  // namespace proactive

#endif  // PROACTIVE_CONNECTORS_OPENDATASOFT_ODS_CLIENT_H_
