#include "engine/ingest/population_projection.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/common/status_macros.h"
#include "engine/store/codec.h"

namespace proactive {
namespace {

// Protobuf wire format (https://protobuf.dev/programming-guides/encoding/),
// just enough to find the projected attributes in a stored PersonState
// without decoding the rest. Anything unexpected makes the caller decode the
// record in full, which reports what is wrong.
class WireReader {
 public:
  explicit WireReader(absl::string_view bytes) : p_(bytes.data()), end_(bytes.data() + bytes.size()) {}
  bool done() const { return p_ == end_; }
  bool Varint(uint64_t* out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return false;
      const uint8_t byte = static_cast<uint8_t>(*p_++);
      v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) {
        *out = v;
        return true;
      }
    }
    return false;
  }
  bool Bytes(absl::string_view* out) {
    uint64_t size;
    if (!Varint(&size) || size > static_cast<uint64_t>(end_ - p_)) return false;
    *out = absl::string_view(p_, size);
    p_ += size;
    return true;
  }
  // Skips a field of `wire_type` (groups are not used by this engine).
  bool Skip(int wire_type) {
    uint64_t ignored;
    absl::string_view ignored_bytes;
    switch (wire_type) {
      case 0:
        return Varint(&ignored);
      case 1:
        return Advance(8);
      case 2:
        return Bytes(&ignored_bytes);
      case 5:
        return Advance(4);
      default:
        return false;
    }
  }

 private:
  bool Advance(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) return false;
    p_ += n;
    return true;
  }
  const char* p_;
  const char* end_;
};

constexpr int kWireVarint = 0;
constexpr int kWireBytes = 2;

}  // namespace

bool PopulationProjection::FindProjectedValues(absl::string_view encoded,
                                               std::vector<absl::string_view>* values) const {
  values->assign(columns_.size(), absl::string_view());
  std::vector<absl::string_view>& found = *values;
  WireReader state(encoded);
  uint64_t format_version = 0;
  while (!state.done()) {
    uint64_t tag;
    if (!state.Varint(&tag)) return false;
    const uint64_t field = tag >> 3;
    const int wire_type = static_cast<int>(tag & 7);
    if (field == 1 && wire_type == kWireVarint) {  // format_version
      if (!state.Varint(&format_version)) return false;
    } else if (field == 5 && wire_type == kWireBytes) {  // attributes
      absl::string_view entry_bytes;
      if (!state.Bytes(&entry_bytes)) return false;
      WireReader entry(entry_bytes);
      absl::string_view name;
      absl::string_view value;
      bool has_value = false;
      uint64_t removed = 0;
      while (!entry.done()) {
        uint64_t entry_tag;
        if (!entry.Varint(&entry_tag)) return false;
        const uint64_t entry_field = entry_tag >> 3;
        const int entry_wire = static_cast<int>(entry_tag & 7);
        if (entry_field == 1 && entry_wire == kWireBytes) {
          if (!entry.Bytes(&name)) return false;
        } else if (entry_field == 2 && entry_wire == kWireBytes) {
          if (has_value) return false;  // a repeated message field merges: decode in full
          if (!entry.Bytes(&value)) return false;
          has_value = true;
        } else if (entry_field == 3 && entry_wire == kWireVarint) {
          if (!entry.Varint(&removed)) return false;
        } else if (!entry.Skip(entry_wire)) {
          return false;
        }
      }
      if (removed != 0) continue;
      // As PersonRecord reads a state: the last entry of the name not removed
      // (an entry without a value holds the default, empty Value).
      for (size_t c = 0; c < columns_.size(); ++c) {
        if (columns_[c].attribute == name) found[c] = value.data() != nullptr ? value : absl::string_view("", 0);
      }
    } else if (!state.Skip(wire_type)) {
      return false;
    }
  }
  return format_version == kStorageFormatVersion;
}

PopulationProjection::PopulationProjection(Store* store, std::vector<Column> columns)
    : store_(store), columns_(std::move(columns)), codes_(columns_.size()), dictionaries_(columns_.size()) {
  for (Dictionary& d : dictionaries_) d.values.resize(2);  // kAbsent, kUnlisted
  store_->ObserveWrites(Family::kPersons,
                        [this](absl::string_view key, const absl::string_view* value) { Observe(key, value); });
}

PopulationProjection::~PopulationProjection() { store_->ObserveWrites(Family::kPersons, nullptr); }

int PopulationProjection::FindColumn(absl::string_view attribute) const {
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i].attribute == attribute) return static_cast<int>(i);
  }
  return -1;
}

absl::StatusOr<bool> PopulationProjection::LoadStep(int max_persons) {
  if (loaded_ || broken_) return loaded_;
  const std::string start = started_ ? loaded_until_ + std::string(1, '\0') : std::string();
  started_ = true;
  int read = 0;
  absl::Status decode_error;
  RETURN_IF_ERROR(store_->ScanFrom(Family::kPersons, start, [&](absl::string_view key, absl::string_view value) {
    decode_error = Upsert(key, value);
    if (!decode_error.ok()) return false;
    loaded_until_.assign(key.data(), key.size());
    return ++read < max_persons;
  }));
  if (!decode_error.ok()) {
    broken_ = true;
    return decode_error;
  }
  if (read < max_persons) loaded_ = true;
  return loaded_;
}

void PopulationProjection::Observe(absl::string_view person_id, const absl::string_view* encoded) {
  if (broken_) return;
  // Persons the loading scan has not reached yet: it will read them as
  // written.
  if (!loaded_ && (!started_ || person_id > loaded_until_)) return;
  if (encoded == nullptr) {
    Remove(person_id);
    return;
  }
  if (!Upsert(person_id, *encoded).ok()) broken_ = true;
}

absl::StatusOr<uint32_t> PopulationProjection::CodeOf(int column, absl::string_view value_bytes) {
  if (!columns_[column].keep_values) return kUnlisted;
  Dictionary& d = dictionaries_[column];
  // Keyed by the stored bytes: equal values encode alike (EncodeRecord is
  // deterministic), and two encodings of one value would only cost a code.
  auto it = d.codes.find(value_bytes);
  if (it != d.codes.end()) return it->second;
  if (d.values.size() >= kMaxDictionary) return kUnlisted;
  storage::v1::Value value;
  if (!value.ParseFromArray(value_bytes.data(), static_cast<int>(value_bytes.size()))) {
    return absl::DataLossError(absl::StrCat("a value of attribute ", columns_[column].attribute, " does not parse"));
  }
  const uint32_t code = static_cast<uint32_t>(d.values.size());
  d.values.push_back(std::move(value));
  d.codes.emplace(std::string(value_bytes), code);
  return code;
}

absl::Status PopulationProjection::Upsert(absl::string_view person_id, absl::string_view encoded) {
  // The codes first: a state that does not decode changes nothing.
  row_codes_.assign(columns_.size(), kAbsent);
  if (FindProjectedValues(encoded, &value_bytes_)) {
    for (size_t c = 0; c < columns_.size(); ++c) {
      if (value_bytes_[c].data() == nullptr) continue;
      absl::StatusOr<uint32_t> code = CodeOf(static_cast<int>(c), value_bytes_[c]);
      if (!code.ok())
        return absl::DataLossError(absl::StrCat("the state of person ", person_id, ": ", code.status().message()));
      row_codes_[c] = *code;
    }
  } else {
    // Not what this engine writes: the full decoder says what is wrong, or
    // reads what the fast path does not (as PersonRecord reads a state).
    ASSIGN_OR_RETURN(storage::v1::PersonState state,
                     DecodeRecord<storage::v1::PersonState>(encoded, absl::StrCat("the state of person ", person_id)));
    for (size_t c = 0; c < columns_.size(); ++c) {
      const storage::v1::Value* value = nullptr;
      for (const storage::v1::AttributeEntry& entry : state.attributes()) {
        if (!entry.removed() && entry.name() == columns_[c].attribute) value = &entry.value();
      }
      if (value == nullptr) continue;
      ASSIGN_OR_RETURN(row_codes_[c], CodeOf(static_cast<int>(c), value->SerializeAsString()));
    }
  }
  uint32_t row;
  // Loading reads persons in id order: one after every row is new.
  const bool after_every_row = sorted_rows_ == rows() && (rows() == 0 || person_id > ids_.back());
  auto it = after_every_row ? row_of_.end() : row_of_.find(person_id);
  if (it != row_of_.end()) {
    row = it->second;
  } else {
    row = rows();
    const bool in_order = after_every_row;
    ids_.emplace_back(person_id);
    row_of_.emplace(ids_.back(), row);
    live_.push_back(1);
    ++live_count_;
    for (std::vector<uint32_t>& column : codes_) column.push_back(kAbsent);
    if (in_order) ++sorted_rows_;
  }
  for (size_t c = 0; c < columns_.size(); ++c) codes_[c][row] = row_codes_[c];
  if (track_changes_) changed_.push_back(row);
  return absl::OkStatus();
}

void PopulationProjection::Remove(absl::string_view person_id) {
  auto it = row_of_.find(person_id);
  if (it == row_of_.end()) return;
  const uint32_t row = it->second;
  row_of_.erase(it);
  live_[row] = 0;
  --live_count_;
  for (std::vector<uint32_t>& column : codes_) column[row] = kAbsent;
  // The row stays (rows never move); its id goes with the person. In the
  // sorted rows it becomes its predecessor's, which keeps the order.
  ids_[row] = row > 0 && row < sorted_rows_ ? ids_[row - 1] : std::string();
  if (track_changes_) changed_.push_back(row);
}

void PopulationProjection::TrackChanges(bool on) {
  track_changes_ = on;
  changed_.clear();
}

std::vector<uint32_t> PopulationProjection::TakeChangedRows() { return std::exchange(changed_, {}); }

size_t PopulationProjection::MemoryBytes() const {
  size_t bytes = ids_.size() * (sizeof(std::string) + 1) + row_of_.capacity() * (sizeof(absl::string_view) + 8);
  for (const std::vector<uint32_t>& column : codes_) bytes += column.capacity() * sizeof(uint32_t);
  for (const Dictionary& d : dictionaries_) bytes += d.values.size() * 64;
  return bytes;
}

}  // namespace proactive
