// What store.cc and write_batch.cc share: the store's RocksDB handles and
// the operations of a rocksdb::WriteBatch. Not for other modules (they go
// through store.h).
#ifndef PROACTIVE_ENGINE_STORE_STORE_INTERNAL_H_
#define PROACTIVE_ENGINE_STORE_STORE_INTERNAL_H_

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/btree_map.h"
#include "engine/store/store.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace proactive {

struct Store::Handles {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> families;  // index = Family
  // Empty families naming the store's generations (column_families.h).
  std::vector<rocksdb::ColumnFamilyHandle*> generation_markers;
  bool closed = false;
  int observed_family = -1;
  Store::WriteObserver observer;
  // Deferred writes (Store::DeferWrites): the thread deferring (none when
  // default), and the last value recorded for each key (nullopt: deleted)
  // with the generation that recorded it, by family, in key order. Touched
  // by the deferring thread only.
  struct Recorded {
    std::optional<std::string> value;
    uint64_t generation;
  };
  std::atomic<std::thread::id> deferring_thread{};
  std::vector<absl::btree_map<std::string, Recorded, std::less<>>> deferred{kFamilyCount};
  // The generation recording now (SealDeferred moves to the next), and the
  // last whose sealed write returned OK (WriteSealed, any thread).
  uint64_t recording_generation = 1;
  std::atomic<uint64_t> written_generation{0};
  uint64_t forgotten_generation = 0;  // ForgetWritten's last, deferring thread only
  std::vector<int> family_of_id;      // column family id -> Family, filled at open

  rocksdb::ColumnFamilyHandle* family(Family f) const { return families[static_cast<int>(f)]; }
  void DestroyHandles() {
    for (std::vector<rocksdb::ColumnFamilyHandle*>* list : {&families, &generation_markers}) {
      for (rocksdb::ColumnFamilyHandle* h : *list) {
        if (h != nullptr) db->DestroyColumnFamilyHandle(h);
      }
      list->clear();
    }
  }
};

// One operation of a rocksdb::WriteBatch, its slices pointing into it.
struct WriteBatch::Operation {
  uint32_t family_id;
  rocksdb::Slice key;
  rocksdb::Slice value;
  bool is_delete;
};

// The operations of `batch` in its order, as slices into it.
std::vector<WriteBatch::Operation> OperationsOf(const rocksdb::WriteBatch& batch);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_STORE_STORE_INTERNAL_H_
