// proactive-opendata's work, one poll at a time.
//
// Person events: records whose modification field is at or after the saved
// watermark are read in (modification, row key) order, a page of at most 100
// at a time, mapped by the mapping file and published; after each page the
// engine acknowledged, the position (watermark stamp, and how many records
// with exactly that stamp are done) is saved. Pages are asked with
// where=<field> >= date'<watermark>' and offset = that count, so a record
// modified during the poll moves behind the position instead of shifting
// pages. When offset + limit would pass the portal's 10,000 limit (e.g. a
// first load where every record has the same stamp), the rest of the
// selection comes from the exports endpoint in one answer.
//
// Reference tables: the whole dataset is read from the exports endpoint and
// replaces the table in one atomic call. With a points dataset, each point
// (an address with its coordinates) gets the columns of the area (a school
// sector polygon) that contains it; see docs/connectors.md.
//
//   ASSIGN_OR_RETURN(PollReport report, PollEvents(options, mapping, schema,
//   &ods));
#ifndef PROACTIVE_CONNECTORS_OPENDATASOFT_OPENDATA_SYNC_H_
#define PROACTIVE_CONNECTORS_OPENDATASOFT_OPENDATA_SYNC_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "connectors/common/event_publisher.h"
#include "connectors/common/mapping.h"
#include "connectors/opendatasoft/ods_client.h"
#include "engine/schema/attribute_schema.h"

namespace proactive {

struct SyncOptions {
  std::string server;
  std::string state_file;
  std::string rejects_file;
  std::string modified_field;  // "" : no incremental reading, every poll reads all
  std::string where;           // extra ODSQL filter, and-ed
  int page_size = 100;
  int64_t max_offset = 10000;  // the portal's limit on offset + limit
  PublisherOptions publisher;
  // Reference tables with a points dataset: the record field holding the
  // area's shape, the points dataset and its point field.
  std::string shape_field = "geo_shape";
  std::string point_field = "geo_point_2d";
};

struct PollReport {
  int64_t records = 0;
  int64_t pages = 0;
  bool used_export = false;
  PublishCounts counts;
  int64_t rejected = 0;
  std::string watermark;  // after the poll
  // Reference tables.
  int64_t reference_rows = 0;
  uint64_t reference_version = 0;
  bool reference_unchanged = false;
  int64_t unmatched_points = 0;
};

// One incremental poll of `ods`'s dataset. Errors leave the saved position at
// the last acknowledged page: the next poll goes on from there.
absl::StatusOr<PollReport> PollEvents(const SyncOptions& options, const Mapping& mapping, const AttributeSchema& schema,
                                      OdsClient* ods);

// Replaces the mapping's reference table from `areas` (and `points` when not
// null). Refused (nothing changed) when a record is bad.
absl::StatusOr<PollReport> SyncReferenceTable(const SyncOptions& options, const Mapping& mapping,
                                              const AttributeSchema& schema, OdsClient* areas, OdsClient* points);

}  // namespace proactive

#endif  // PROACTIVE_CONNECTORS_OPENDATASOFT_OPENDATA_SYNC_H_
