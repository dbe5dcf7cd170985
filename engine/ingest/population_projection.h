// What sweeps read of every person, held in memory column by column: for
// each attribute a sweep rule's filter terms read (sweep_filter.h), one code
// per person and a dictionary of the distinct stored values. A sweep tests
// a rule's terms once per distinct value, then every person with a table
// lookup per term, instead of decoding two million person states.
//
//   PopulationProjection projection(store, {{"birth_date", true}, {"phone", false}});
//   while (!projection.loaded()) RETURN_IF_ERROR(projection.LoadStep(100000).status());
//   const std::vector<uint32_t>& births = projection.codes(0);  // one per row
//
// It follows the persons column family: loaded in steps from it, then kept
// equal to it by observing every write of a person (Store::ObserveWrites),
// including writes between loading steps. It holds no names or phone numbers
// unless a sweep rule reads them; a column only tested with has() keeps
// presence alone. Not thread-safe: the writer thread, which makes every
// write of a person, owns it.
#ifndef PROACTIVE_ENGINE_INGEST_POPULATION_PROJECTION_H_
#define PROACTIVE_ENGINE_INGEST_POPULATION_PROJECTION_H_

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/store/store.h"
#include "proactive/storage/v1/storage.pb.h"

namespace proactive {

class PopulationProjection {
 public:
  struct Column {
    std::string attribute;
    bool keep_values = true;  // false: presence only
    bool operator==(const Column& o) const { return attribute == o.attribute && keep_values == o.keep_values; }
    bool operator<(const Column& o) const {
      return attribute != o.attribute ? attribute < o.attribute : keep_values < o.keep_values;
    }
  };
  static constexpr uint32_t kAbsent = 0;
  // Present, value not kept: a presence-only column, or a dictionary full.
  static constexpr uint32_t kUnlisted = 1;
  // Distinct values kept per column; further ones are kUnlisted.
  static constexpr size_t kMaxDictionary = 1 << 16;

  // Observes `store`'s writes of persons from now on. REQUIRES: `store`
  // outlives the projection; no other observer on the store.
  PopulationProjection(Store* store, std::vector<Column> columns);
  ~PopulationProjection();
  PopulationProjection(const PopulationProjection&) = delete;
  PopulationProjection& operator=(const PopulationProjection&) = delete;

  // Reads up to `max_persons` more persons from the store. True once every
  // person is loaded.
  absl::StatusOr<bool> LoadStep(int max_persons);
  bool loaded() const { return loaded_; }
  // A stored person state that did not decode: the projection no longer
  // follows the store and must not be used.
  bool broken() const { return broken_; }

  const std::vector<Column>& columns() const { return columns_; }
  // The column of `attribute`, -1 when not projected.
  int FindColumn(absl::string_view attribute) const;
  // One code per row: kAbsent, kUnlisted, or an index into dictionary().
  const std::vector<uint32_t>& codes(int column) const { return codes_[column]; }
  // Entries 0 and 1 (kAbsent, kUnlisted) are empty values.
  const std::vector<storage::v1::Value>& dictionary(int column) const { return dictionaries_[column].values; }

  uint32_t rows() const { return static_cast<uint32_t>(ids_.size()); }
  bool live(uint32_t row) const { return live_[row] != 0; }
  absl::string_view person_id(uint32_t row) const { return ids_[row]; }
  // Rows [0, sorted_rows()) are in person id order (the store's key order);
  // persons added later follow, in the order they came.
  uint32_t sorted_rows() const { return sorted_rows_; }
  uint32_t live_rows() const { return live_count_; }

  // While on, rows written (changed, added or removed) are recorded for
  // TakeChangedRows: a sweep in progress re-tests them.
  void TrackChanges(bool on);
  std::vector<uint32_t> TakeChangedRows();
  // Approximate bytes held.
  size_t MemoryBytes() const;

 private:
  struct Dictionary {
    std::vector<storage::v1::Value> values;
    absl::flat_hash_map<std::string, uint32_t> codes;  // by serialized value
  };
  void Observe(absl::string_view person_id, const absl::string_view* encoded);
  // Projects a stored PersonState. DATA_LOSS naming the person when it does
  // not decode; then nothing changed.
  absl::Status Upsert(absl::string_view person_id, absl::string_view encoded);
  void Remove(absl::string_view person_id);
  // Finds in `encoded` the stored bytes of each column's value, without
  // decoding the rest (null data: absent). False when the bytes hold
  // something this fast path does not read; the full decoder then serves.
  bool FindProjectedValues(absl::string_view encoded, std::vector<absl::string_view>* values) const;
  absl::StatusOr<uint32_t> CodeOf(int column, absl::string_view value_bytes);

  Store* store_;
  std::vector<Column> columns_;
  std::vector<std::vector<uint32_t>> codes_;
  std::vector<Dictionary> dictionaries_;
  std::deque<std::string> ids_;  // stable addresses: row_of_ keys view them
  absl::flat_hash_map<absl::string_view, uint32_t> row_of_;
  std::vector<uint8_t> live_;
  uint32_t live_count_ = 0;
  uint32_t sorted_rows_ = 0;
  std::vector<absl::string_view> value_bytes_;  // scratch of Upsert
  std::vector<uint32_t> row_codes_;             // scratch of Upsert
  bool track_changes_ = false;
  std::vector<uint32_t> changed_;
  std::string loaded_until_;  // last key loaded; loaded_ once the scan ended
  bool started_ = false;
  bool loaded_ = false;
  bool broken_ = false;
};

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_INGEST_POPULATION_PROJECTION_H_
