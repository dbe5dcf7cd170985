#include "connectors/batch/record_reader.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "engine/common/utf8.h"

namespace proactive {

absl::StatusOr<std::unique_ptr<RecordReader>> RecordReader::Open(const std::string& path, InputFormat format,
                                                                 char delimiter) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::fseek(file, 0, SEEK_END);
  int64_t size = std::ftell(file);
  std::fseek(file, 0, SEEK_SET);
  std::unique_ptr<RecordReader> reader(new RecordReader(file, format, delimiter, size));
  // A UTF-8 byte-order mark, as spreadsheet exports write.
  if (reader->Peek() == 0xEF) {
    unsigned char bom[3];
    if (std::fread(bom, 1, 3, file) == 3 && bom[1] == 0xBB && bom[2] == 0xBF) {
      reader->position_ = 3;
    } else {
      std::fseek(file, 0, SEEK_SET);
    }
  }
  if (format == InputFormat::kCsv) {
    std::string error;
    if (!reader->ReadCsvFields(&reader->header_, &error)) {
      return absl::InvalidArgumentError(absl::StrCat(path, " is empty: a CSV export needs a header line"));
    }
    if (!error.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": header: ", error));
    std::set<std::string> seen;
    for (std::string& name : reader->header_) {
      name = std::string(absl::StripAsciiWhitespace(name));
      if (!seen.insert(name).second) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": header: column \"", name, "\" appears twice"));
      }
    }
  }
  reader->offset_ = reader->position_;
  reader->first_record_offset_ = reader->position_;
  return reader;
}

RecordReader::RecordReader(std::FILE* file, InputFormat format, char delimiter, int64_t size)
    : file_(file), format_(format), delimiter_(delimiter), size_(size) {}

RecordReader::~RecordReader() { std::fclose(file_); }

absl::Status RecordReader::SeekTo(int64_t offset, int64_t line) {
  if (offset < first_record_offset_ || offset > size_) {
    return absl::InvalidArgumentError(
        absl::StrCat("position ", offset, " is not in the file (", first_record_offset_, "..", size_, ")"));
  }
  if (std::fseek(file_, offset, SEEK_SET) != 0) {
    return absl::UnavailableError("cannot seek in the file");
  }
  position_ = offset_ = offset;
  line_ = line;
  return absl::OkStatus();
}

int RecordReader::Peek() {
  int c = std::fgetc(file_);
  if (c != EOF) std::ungetc(c, file_);
  return c;
}

int RecordReader::Get() {
  int c = std::fgetc(file_);
  if (c != EOF) ++position_;
  return c;
}

bool RecordReader::ReadLine(std::string* text) {
  text->clear();
  int c = Get();
  if (c == EOF) return false;
  ++line_;
  while (c != EOF && c != '\n') {
    text->push_back(static_cast<char>(c));
    c = Get();
  }
  if (!text->empty() && text->back() == '\r') text->pop_back();
  return true;
}

bool RecordReader::ReadCsvFields(std::vector<std::string>* fields, std::string* error) {
  fields->clear();
  error->clear();
  int c = Get();
  if (c == EOF) return false;
  ++line_;
  std::string field;
  bool quoted = false;      // inside quotes
  bool was_quoted = false;  // the field started with a quote
  for (;;) {
    if (c == EOF) {
      if (quoted && error->empty()) *error = "a quoted field is not closed before the end of the file";
      fields->push_back(std::move(field));
      return true;
    }
    if (quoted) {
      if (c == '"') {
        if (Peek() == '"') {
          Get();
          field.push_back('"');
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line_;
        field.push_back(static_cast<char>(c));
      }
    } else if (c == '"' && field.empty() && !was_quoted) {
      quoted = was_quoted = true;
    } else if (c == delimiter_) {
      fields->push_back(std::move(field));
      field.clear();
      was_quoted = false;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && Peek() == '\n') Get();
      fields->push_back(std::move(field));
      return true;
    } else {
      if ((c == '"' || was_quoted) && error->empty()) {
        *error = absl::StrCat("field ", fields->size() + 1, " has text after its closing quote or a stray quote");
      }
      field.push_back(static_cast<char>(c));
    }
    c = Get();
  }
}

bool RecordReader::Next(SourceRecord* record) {
  record->error.clear();
  record->fields = nlohmann::json::object();
  if (format_ == InputFormat::kNdjson) {
    std::string text;
    for (;;) {
      if (!ReadLine(&text)) return false;
      absl::string_view trimmed = absl::StripAsciiWhitespace(text);
      if (trimmed.empty() || trimmed[0] == '#') {
        offset_ = position_;
        continue;
      }
      record->line = line_;
      offset_ = position_;
      size_t bad = 0;
      if (!IsValidUtf8(trimmed, &bad)) {
        record->error = absl::StrCat("invalid UTF-8 at byte ", bad);
        return true;
      }
      nlohmann::json parsed = nlohmann::json::parse(trimmed, nullptr, /*allow_exceptions=*/false);
      if (parsed.is_discarded()) {
        record->error = "not a JSON object (malformed JSON)";
      } else if (!parsed.is_object()) {
        record->error = "not a JSON object";
      } else {
        record->fields = std::move(parsed);
      }
      return true;
    }
  }
  std::vector<std::string> fields;
  for (;;) {
    int64_t start_line = line_ + 1;
    if (!ReadCsvFields(&fields, &record->error)) return false;
    offset_ = position_;
    if (fields.size() == 1 && absl::StripAsciiWhitespace(fields[0]).empty() && record->error.empty()) {
      continue;  // blank line
    }
    record->line = start_line;
    if (record->error.empty() && fields.size() != header_.size()) {
      record->error =
          absl::StrCat(fields.size(), " fields where the header has ", header_.size(), " (is the delimiter right?)");
    }
    for (size_t i = 0; i < fields.size() && i < header_.size(); ++i) {
      size_t bad = 0;
      if (!IsValidUtf8(fields[i], &bad)) {
        if (record->error.empty()) {
          record->error = absl::StrCat("column \"", header_[i], "\": invalid UTF-8 at byte ", bad,
                                       " (is the file in Latin-1? convert it with iconv -f latin1 "
                                       "-t utf-8)");
        }
        continue;
      }
      record->fields[header_[i]] = std::move(fields[i]);
    }
    return true;
  }
}

}  // namespace proactive
