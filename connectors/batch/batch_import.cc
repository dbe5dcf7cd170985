#include "connectors/batch/batch_import.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "connectors/batch/record_reader.h"
#include "connectors/common/checkpoint.h"
#include "connectors/common/progress_bar.h"
#include "connectors/common/reference_uploader.h"
#include "connectors/common/row_mapper.h"
#include "engine/common/log.h"
#include "engine/common/sha256.h"
#include "engine/common/status_macros.h"

namespace proactive {
namespace {

struct Reject {
  int64_t line;
  std::string reason;
};

// Identifies the file: a digest of its first 64 KiB. A new export with the
// same first rows keeps its position (exports that grow by appending).
std::string FileIdentity(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string head(64 * 1024, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  return ToHex(Sha256Digest(head)).substr(0, 16);
}

std::string BaseName(const std::string& path) {
  std::string name = path.substr(path.rfind('/') + 1);
  size_t dot = name.find('.');
  return dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
}

class RejectFile {
 public:
  // Opens the file and cuts it to `length` (what the saved position covers).
  absl::Status Open(const std::string& path, int64_t length) {
    path_ = path;
    std::FILE* f = std::fopen(path.c_str(), "ab");
    if (f == nullptr) return absl::UnavailableError(absl::StrCat("cannot write ", path));
    std::fclose(f);
    if (truncate(path.c_str(), length) != 0) {
      return absl::UnavailableError(absl::StrCat("cannot truncate ", path));
    }
    file_ = std::fopen(path.c_str(), "ab");
    if (file_ == nullptr) return absl::UnavailableError(absl::StrCat("cannot write ", path));
    length_ = length;
    return absl::OkStatus();
  }
  ~RejectFile() {
    if (file_ != nullptr) std::fclose(file_);
  }
  absl::Status Append(std::vector<Reject> rejects) {
    std::sort(rejects.begin(), rejects.end(), [](const Reject& a, const Reject& b) { return a.line < b.line; });
    for (const Reject& r : rejects) {
      std::string reason = r.reason;
      std::replace(reason.begin(), reason.end(), '\n', ' ');
      std::replace(reason.begin(), reason.end(), '\t', ' ');
      std::string text = absl::StrCat(r.line, "\t", reason, "\n");
      if (std::fwrite(text.data(), 1, text.size(), file_) != text.size()) {
        return absl::UnavailableError(absl::StrCat("cannot write ", path_));
      }
      length_ += static_cast<int64_t>(text.size());
    }
    if (std::fflush(file_) != 0 || fsync(fileno(file_)) != 0) {
      return absl::UnavailableError(absl::StrCat("cannot sync ", path_));
    }
    return absl::OkStatus();
  }
  int64_t length() const { return length_; }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  int64_t length_ = 0;
};

absl::Status OpenReader(const ImportOptions& options, const Mapping& mapping, std::unique_ptr<RecordReader>* reader) {
  ASSIGN_OR_RETURN(*reader, RecordReader::Open(options.file, mapping.format, mapping.delimiter));
  if (mapping.format == InputFormat::kCsv) {
    std::vector<std::string> missing = MissingColumns(mapping, (*reader)->header());
    if (!missing.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          options.file, ": the header lacks column", missing.size() > 1 ? "s " : " ", absl::StrJoin(missing, ", "),
          " used by ", mapping.file, "; the header has: ", absl::StrJoin((*reader)->header(), ", ")));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ImportReport> ImportReference(const ImportOptions& options, const Mapping& mapping,
                                             const AttributeSchema& schema, const std::string& rejects_path) {
  std::unique_ptr<RecordReader> reader;
  RETURN_IF_ERROR(OpenReader(options, mapping, &reader));
  RejectFile rejects;
  RETURN_IF_ERROR(rejects.Open(rejects_path, 0));
  ImportReport report;
  std::vector<v1::ReferenceRow> rows;
  std::vector<Reject> bad;
  SourceRecord record;
  while (reader->Next(&record)) {
    ++report.rows;
    if (!record.error.empty()) {
      bad.push_back({record.line, record.error});
      continue;
    }
    absl::StatusOr<v1::ReferenceRow> row = MapRecordToReferenceRow(mapping, record.fields, schema.currency());
    if (!row.ok()) {
      bad.push_back({record.line, std::string(row.status().message())});
      continue;
    }
    rows.push_back(*std::move(row));
  }
  report.rejected = static_cast<int64_t>(bad.size());
  RETURN_IF_ERROR(rejects.Append(std::move(bad)));
  if (report.rejected > 0) {
    return absl::InvalidArgumentError(absl::StrCat(report.rejected, " rows are bad (see ", rejects_path,
                                                   "); reference table \"", mapping.reference_table,
                                                   "\" was left as it was: it is only replaced as a whole"));
  }
  absl::StatusOr<v1::ReplaceTableResponse> done =
      UploadReferenceTable(options.server, mapping.reference_table, mapping.source, rows, options.publisher);
  if (!done.ok()) return done.status();
  report.reference_rows = static_cast<int64_t>(done->rows());
  report.reference_version = done->version();
  report.reference_unchanged = done->unchanged();
  return report;
}

}  // namespace

absl::StatusOr<ImportReport> RunImport(const ImportOptions& options, const Mapping& mapping,
                                       const AttributeSchema& schema) {
  const std::string state_path = options.state_file.empty() ? options.file + ".state" : options.state_file;
  const std::string rejects_path = options.rejects_file.empty() ? options.file + ".rejects.tsv" : options.rejects_file;
  if (mapping.is_reference()) return ImportReference(options, mapping, schema, rejects_path);

  const std::string dataset = mapping.dataset.empty() ? BaseName(options.file) : mapping.dataset;
  std::unique_ptr<RecordReader> reader;
  RETURN_IF_ERROR(OpenReader(options, mapping, &reader));
  const std::string identity = FileIdentity(options.file);

  ImportReport report;
  ASSIGN_OR_RETURN(nlohmann::json state, LoadCheckpoint(state_path));
  int64_t reject_length = 0;
  if (state.value("file_identity", "") == identity && state.value("dataset", "") == dataset) {
    int64_t offset = state.value("offset", int64_t{0});
    int64_t line = state.value("line", int64_t{0});
    reject_length = state.value("rejects_bytes", int64_t{0});
    if (offset > 0) {
      RETURN_IF_ERROR(reader->SeekTo(offset, line));
      report.resumed_at_line = line + 1;
      report.already_complete = offset == reader->size();
    }
  } else if (state.contains("file_identity")) {
    LogInfo("import", absl::StrCat(state_path, " is the position in another file; starting ", options.file,
                                   " from the beginning"));
  }
  RejectFile rejects;
  RETURN_IF_ERROR(rejects.Open(rejects_path, reject_length));

  EventPublisher publisher(options.server, options.publisher);
  ProgressBar progress(options.file, reader->size(), options.progress);
  std::vector<v1::PublishRequest> chunk;
  std::vector<int64_t> chunk_lines;
  std::vector<Reject> chunk_rejects;
  auto flush = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(std::vector<v1::PublishResponse> answers, publisher.Publish(chunk));
    for (size_t i = 0; i < answers.size(); ++i) {
      report.counts.Add(answers[i]);
      if (answers[i].outcome() == v1::PublishResponse::REJECTED) {
        chunk_rejects.push_back({chunk_lines[i], DescribeEngineError(mapping, chunk[i], answers[i].error())});
      }
    }
    report.rejected += static_cast<int64_t>(chunk_rejects.size());
    RETURN_IF_ERROR(rejects.Append(std::move(chunk_rejects)));
    nlohmann::json saved = {{"file", options.file},   {"file_identity", identity},
                            {"dataset", dataset},     {"offset", reader->offset()},
                            {"line", reader->line()}, {"rejects_bytes", rejects.length()}};
    RETURN_IF_ERROR(SaveCheckpoint(state_path, saved));
    chunk.clear();
    chunk_lines.clear();
    chunk_rejects.clear();
    progress.Update(reader->offset(), report.rows);
    return absl::OkStatus();
  };

  SourceRecord record;
  while (reader->Next(&record)) {
    ++report.rows;
    if (!record.error.empty()) {
      chunk_rejects.push_back({record.line, record.error});
    } else {
      absl::StatusOr<v1::PublishRequest> event = MapRecordToEvent(mapping, record.fields, dataset, schema.currency());
      if (!event.ok()) {
        chunk_rejects.push_back({record.line, std::string(event.status().message())});
      } else {
        chunk.push_back(*std::move(event));
        chunk_lines.push_back(record.line);
      }
    }
    if (static_cast<int>(chunk.size() + chunk_rejects.size()) >= options.chunk_size) {
      RETURN_IF_ERROR(flush());
    }
  }
  // The last chunk, and the final position even when it holds nothing new.
  RETURN_IF_ERROR(flush());
  progress.Finish();
  return report;
}

}  // namespace proactive
