#include "connectors/opendatasoft/opendata_sync.h"

#include <cstdio>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "connectors/common/cell_conversion.h"
#include "connectors/common/checkpoint.h"
#include "connectors/common/reference_uploader.h"
#include "connectors/common/row_mapper.h"
#include "connectors/opendatasoft/geometry.h"
#include "engine/common/log.h"
#include "engine/common/status_macros.h"

namespace proactive {
namespace {

using json = nlohmann::json;

std::string RecordKey(const Mapping& mapping, const json& record) {
  std::vector<std::string> parts;
  for (const std::string& column : mapping.row_key) {
    auto it = record.find(column);
    parts.push_back(it == record.end() ? "" : CellText(*it));
  }
  return absl::StrJoin(parts, "/");
}

absl::Status AppendRejects(const std::string& path, const std::vector<std::string>& lines) {
  if (lines.empty() || path.empty()) return absl::OkStatus();
  std::ofstream out(path, std::ios::app);
  for (const std::string& line : lines) out << line << "\n";
  out.flush();
  if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

// The poll's position: every record before (watermark, done_at_watermark) in
// (modification, key) order is acknowledged.
struct Position {
  std::string watermark;
  int64_t done_at_watermark = 0;
};

class EventPoll {
 public:
  EventPoll(const SyncOptions& options, const Mapping& mapping, const AttributeSchema& schema, OdsClient* ods)
      : options_(options),
        mapping_(mapping),
        schema_(schema),
        ods_(ods),
        publisher_(options.server, options.publisher),
        dataset_(mapping.dataset.empty() ? ods->dataset() : mapping.dataset) {}

  absl::StatusOr<PollReport> Run() {
    ASSIGN_OR_RETURN(json state, LoadCheckpoint(options_.state_file));
    if (state.value("dataset", "") == ods_->dataset()) {
      position_.watermark = state.value("watermark", "");
      position_.done_at_watermark = state.value("done_at_watermark", int64_t{0});
    }
    for (;;) {
      OdsQuery query = Query();
      query.offset = position_.done_at_watermark;
      if (query.offset + query.limit > options_.max_offset) {
        RETURN_IF_ERROR(FromExport());
        break;
      }
      absl::StatusOr<OdsPage> page = ods_->Records(query);
      if (page.status().code() == absl::StatusCode::kOutOfRange) {
        LogInfo("opendata", absl::StrCat(page.status().message(), "; reading the exports endpoint"));
        RETURN_IF_ERROR(FromExport());
        break;
      }
      RETURN_IF_ERROR(page.status());
      ++report_.pages;
      RETURN_IF_ERROR(Process(page->results));
      if (static_cast<int>(page->results.size()) < query.limit) break;
    }
    if (options_.modified_field.empty()) {
      // No modification field: the next poll reads everything again.
      position_ = Position();
      RETURN_IF_ERROR(Save());
    }
    report_.watermark = position_.watermark;
    return report_;
  }

 private:
  OdsQuery Query() const {
    OdsQuery query;
    std::vector<std::string> where;
    if (!options_.where.empty()) where.push_back(absl::StrCat("(", options_.where, ")"));
    if (!options_.modified_field.empty() && !position_.watermark.empty()) {
      where.push_back(absl::StrCat(options_.modified_field, " >= ", OdsDateLiteral(position_.watermark)));
    }
    query.where = absl::StrJoin(where, " and ");
    std::vector<std::string> order;
    if (!options_.modified_field.empty()) order.push_back(options_.modified_field);
    for (const std::string& k : mapping_.row_key) order.push_back(k);
    query.order_by = absl::StrJoin(order, ",");
    query.limit = options_.page_size;
    return query;
  }

  absl::Status FromExport() {
    report_.used_export = true;
    OdsQuery query = Query();
    ASSIGN_OR_RETURN(std::vector<json> records, ods_->Export(query));
    // The first records at the watermark were done by earlier pages.
    size_t skip = std::min<size_t>(static_cast<size_t>(position_.done_at_watermark), records.size());
    for (size_t from = skip; from < records.size(); from += options_.page_size) {
      size_t to = std::min(records.size(), from + static_cast<size_t>(options_.page_size));
      RETURN_IF_ERROR(Process(std::vector<json>(records.begin() + from, records.begin() + to)));
    }
    return absl::OkStatus();
  }

  // Publishes one page and moves the position past it.
  absl::Status Process(const std::vector<json>& records) {
    if (records.empty()) return absl::OkStatus();
    std::vector<v1::PublishRequest> events;
    std::vector<std::string> keys;
    std::vector<std::string> rejects;
    Position next = position_;
    for (const json& record : records) {
      ++report_.records;
      std::string key = RecordKey(mapping_, record);
      if (!options_.modified_field.empty()) {
        std::string stamp = record.is_object() && record.contains(options_.modified_field)
                                ? CellText(record[options_.modified_field])
                                : "";
        if (stamp.empty()) {
          rejects.push_back(absl::StrCat(key, "\t", options_.modified_field, ": is empty"));
        } else if (stamp == next.watermark) {
          ++next.done_at_watermark;
        } else {
          next.watermark = stamp;
          next.done_at_watermark = 1;
        }
      } else {
        ++next.done_at_watermark;
      }
      absl::StatusOr<v1::PublishRequest> event = MapRecordToEvent(mapping_, record, dataset_, schema_.currency());
      if (!event.ok()) {
        rejects.push_back(absl::StrCat(key, "\t", event.status().message()));
        continue;
      }
      events.push_back(*std::move(event));
      keys.push_back(key);
    }
    ASSIGN_OR_RETURN(std::vector<v1::PublishResponse> answers, publisher_.Publish(events));
    for (size_t i = 0; i < answers.size(); ++i) {
      report_.counts.Add(answers[i]);
      if (answers[i].outcome() == v1::PublishResponse::REJECTED) {
        rejects.push_back(absl::StrCat(keys[i], "\t", DescribeEngineError(mapping_, events[i], answers[i].error())));
      }
    }
    report_.rejected += static_cast<int64_t>(rejects.size());
    RETURN_IF_ERROR(AppendRejects(options_.rejects_file, rejects));
    position_ = next;
    return Save();
  }

  absl::Status Save() {
    json state = {{"dataset", ods_->dataset()},
                  {"watermark", position_.watermark},
                  {"done_at_watermark", position_.done_at_watermark}};
    return SaveCheckpoint(options_.state_file, state);
  }

  const SyncOptions& options_;
  const Mapping& mapping_;
  const AttributeSchema& schema_;
  OdsClient* ods_;
  EventPublisher publisher_;
  std::string dataset_;
  Position position_;
  PollReport report_;
};

}  // namespace

absl::StatusOr<PollReport> PollEvents(const SyncOptions& options, const Mapping& mapping, const AttributeSchema& schema,
                                      OdsClient* ods) {
  EventPoll poll(options, mapping, schema, ods);
  return poll.Run();
}

absl::StatusOr<PollReport> SyncReferenceTable(const SyncOptions& options, const Mapping& mapping,
                                              const AttributeSchema& schema, OdsClient* areas, OdsClient* points) {
  PollReport report;
  OdsQuery query;
  query.where = options.where;
  ASSIGN_OR_RETURN(std::vector<json> area_records, areas->Export(query));
  std::vector<json> records;
  std::vector<std::string> rejects;
  if (points == nullptr) {
    records = std::move(area_records);
  } else {
    // Each point gets the fields of its area, prefixed "area.".
    std::vector<std::pair<Area, const json*>> shapes;
    for (const json& record : area_records) {
      auto shape = record.find(options.shape_field);
      absl::StatusOr<Area> area = shape == record.end() ? absl::InvalidArgumentError("no shape") : ParseArea(*shape);
      if (!area.ok()) {
        rejects.push_back(absl::StrCat(areas->dataset(), "\t", options.shape_field, ": ", area.status().message()));
        continue;
      }
      shapes.emplace_back(*std::move(area), &record);
    }
    ASSIGN_OR_RETURN(std::vector<json> point_records, points->Export(OdsQuery()));
    for (json& point_record : point_records) {
      auto field = point_record.find(options.point_field);
      absl::StatusOr<LonLat> point =
          field == point_record.end() ? absl::InvalidArgumentError("no point") : ParsePoint(*field);
      if (!point.ok()) {
        ++report.unmatched_points;
        continue;
      }
      const json* match = nullptr;
      for (const auto& [area, area_record] : shapes) {
        if (area.Contains(*point)) {
          match = area_record;
          break;
        }
      }
      if (match == nullptr) {
        ++report.unmatched_points;
        continue;
      }
      for (const auto& [name, value] : match->items()) {
        if (name != options.shape_field) point_record[absl::StrCat("area.", name)] = value;
      }
      records.push_back(std::move(point_record));
    }
  }
  std::vector<v1::ReferenceRow> rows;
  for (const json& record : records) {
    ++report.records;
    absl::StatusOr<v1::ReferenceRow> row = MapRecordToReferenceRow(mapping, record, schema.currency());
    if (!row.ok()) {
      rejects.push_back(absl::StrCat(record.dump().substr(0, 60), "\t", row.status().message()));
      continue;
    }
    rows.push_back(*std::move(row));
  }
  report.rejected = static_cast<int64_t>(rejects.size());
  RETURN_IF_ERROR(AppendRejects(options.rejects_file, rejects));
  if (report.rejected > 0) {
    return absl::InvalidArgumentError(absl::StrCat(report.rejected, " records are bad (see ", options.rejects_file,
                                                   "); reference table \"", mapping.reference_table,
                                                   "\" was left as it was"));
  }
  ASSIGN_OR_RETURN(v1::ReplaceTableResponse done, UploadReferenceTable(options.server, mapping.reference_table,
                                                                       mapping.source, rows, options.publisher));
  report.reference_rows = static_cast<int64_t>(done.rows());
  report.reference_version = done.version();
  report.reference_unchanged = done.unchanged();
  return report;
}

}  // namespace proactive
