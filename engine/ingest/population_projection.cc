#include "engine/ingest/population_projection.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/common/status_macros.h"
#include "engine/store/codec.h"

namespace proactive {

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
    absl::StatusOr<storage::v1::PersonState> state =
        DecodeRecord<storage::v1::PersonState>(value, absl::StrCat("the state of person ", key));
    if (!state.ok()) {
      decode_error = state.status();
      return false;
    }
    Upsert(key, *state);
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
  absl::StatusOr<storage::v1::PersonState> state =
      DecodeRecord<storage::v1::PersonState>(*encoded, absl::StrCat("the state of person ", person_id));
  if (!state.ok()) {
    broken_ = true;
    return;
  }
  Upsert(person_id, *state);
}

uint32_t PopulationProjection::CodeOf(int column, const storage::v1::Value& value) {
  if (!columns_[column].keep_values) return kUnlisted;
  Dictionary& d = dictionaries_[column];
  std::string key = value.SerializeAsString();
  auto it = d.codes.find(key);
  if (it != d.codes.end()) return it->second;
  if (d.values.size() >= kMaxDictionary) return kUnlisted;
  const uint32_t code = static_cast<uint32_t>(d.values.size());
  d.values.push_back(value);
  d.codes.emplace(std::move(key), code);
  return code;
}

void PopulationProjection::Upsert(absl::string_view person_id, const storage::v1::PersonState& state) {
  uint32_t row;
  auto it = row_of_.find(person_id);
  if (it != row_of_.end()) {
    row = it->second;
  } else {
    row = rows();
    const bool in_order = sorted_rows_ == row && (row == 0 || person_id > ids_.back());
    ids_.emplace_back(person_id);
    row_of_.emplace(ids_.back(), row);
    live_.push_back(1);
    ++live_count_;
    for (std::vector<uint32_t>& column : codes_) column.push_back(kAbsent);
    if (in_order) ++sorted_rows_;
  }
  // As PersonRecord reads a state: the last entry of the name not removed.
  for (size_t c = 0; c < columns_.size(); ++c) {
    const storage::v1::Value* value = nullptr;
    for (const storage::v1::AttributeEntry& entry : state.attributes()) {
      if (!entry.removed() && entry.name() == columns_[c].attribute) value = &entry.value();
    }
    codes_[c][row] = value == nullptr ? kAbsent : CodeOf(static_cast<int>(c), *value);
  }
  if (track_changes_) changed_.push_back(row);
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
