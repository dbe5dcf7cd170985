// Reading the records of an export file one by one, with the line each
// starts on and the byte offset after it (the resume position).
//
//   ASSIGN_OR_RETURN(auto reader, RecordReader::Open(path, InputFormat::kCsv,
//   ';')); RETURN_IF_ERROR(reader->SeekTo(saved_offset, saved_line));   //
//   resuming SourceRecord record; while (reader->Next(&record)) { ...
//   record.line, record.fields or record.error ... }
//
// CSV follows RFC 4180: a delimiter of the caller's choice, double-quoted
// fields that may hold delimiters, doubled quotes and line breaks, CRLF or LF
// line ends, a UTF-8 byte-order mark skipped, and a header line naming the
// columns. NDJSON: one JSON object per line; blank lines and lines starting
// with '#' are skipped. A malformed record is returned with `error` set and
// reading goes on with the next one. Not thread-safe.
#ifndef PROACTIVE_CONNECTORS_BATCH_RECORD_READER_H_
#define PROACTIVE_CONNECTORS_BATCH_RECORD_READER_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "connectors/common/mapping.h"
#include "nlohmann/json.hpp"

namespace proactive {

struct SourceRecord {
  int64_t line = 0;       // 1-based line the record starts on
  nlohmann::json fields;  // column -> cell (CSV cells are strings)
  std::string error;      // set when the record could not be read
};

class RecordReader {
 public:
  // Opens `path`; for CSV reads the header. NOT_FOUND when unreadable,
  // INVALID_ARGUMENT for an empty CSV or a header with duplicate columns.
  static absl::StatusOr<std::unique_ptr<RecordReader>> Open(const std::string& path, InputFormat format,
                                                            char delimiter);
  ~RecordReader();
  RecordReader(const RecordReader&) = delete;
  RecordReader& operator=(const RecordReader&) = delete;

  // Continues from a position saved earlier (offset() and line() after a
  // record). REQUIRES: no record read yet. INVALID_ARGUMENT when the offset
  // lies before the first record or past the end of the file.
  absl::Status SeekTo(int64_t offset, int64_t line);

  // The next record; false at the end of the file.
  bool Next(SourceRecord* record);

  // Byte offset just after the last record returned (or the header).
  int64_t offset() const { return offset_; }
  // Number of the last line consumed.
  int64_t line() const { return line_; }
  int64_t size() const { return size_; }
  // CSV column names (empty for NDJSON).
  const std::vector<std::string>& header() const { return header_; }

 private:
  RecordReader(std::FILE* file, InputFormat format, char delimiter, int64_t size);
  // Reads one CSV record's fields; false at the end of the file.
  bool ReadCsvFields(std::vector<std::string>* fields, std::string* error);
  // Reads one physical line without its end; false at the end of the file.
  bool ReadLine(std::string* text);
  int Peek();
  int Get();

  std::FILE* file_;
  InputFormat format_;
  char delimiter_;
  int64_t size_;
  int64_t offset_ = 0;    // after the last complete record
  int64_t position_ = 0;  // bytes consumed
  int64_t line_ = 0;
  bool started_ = false;
  std::vector<std::string> header_;
  int64_t first_record_offset_ = 0;
};

}  // namespace proactive

#endif  // PROACTIVE_CONNECTORS_BATCH_RECORD_READER_H_
