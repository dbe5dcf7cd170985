// The engine's durable state: one RocksDB database with a column family per
// kind of record (column_families.h). Only this module includes rocksdb/.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<Store> store, Store::Open({.path = dir}));
//   WriteBatch batch(*store);
//   batch.Put(Family::kPersons, "P1", EncodeRecord(state));
//   RETURN_IF_ERROR(store->Write(&batch, /*sync=*/true));
//
// Everything one event changes goes into one WriteBatch: either all of it is
// durable or none is. A Store is thread-safe; reads see every completed write.
#ifndef PROACTIVE_ENGINE_STORE_STORE_H_
#define PROACTIVE_ENGINE_STORE_STORE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/store/column_families.h"

namespace rocksdb {
class DB;
class Env;
class WriteBatch;
}  // namespace rocksdb

namespace proactive {

struct StoreOptions {
  std::string path;  // the data directory; created when missing
  size_t block_cache_bytes = 64 << 20;
  // The environment RocksDB runs in; null for the default. Tests inject a
  // file system that drops unsynced bytes to simulate a power cut. Not owned.
  rocksdb::Env* env = nullptr;
};

class Store;

// The changes of one atomic write to one store. Not thread-safe.
class WriteBatch {
 public:
  // REQUIRES: `store` outlives the batch.
  explicit WriteBatch(const Store& store);
  ~WriteBatch();
  WriteBatch(const WriteBatch&) = delete;
  WriteBatch& operator=(const WriteBatch&) = delete;

  void Put(Family family, absl::string_view key, absl::string_view value);
  void Delete(Family family, absl::string_view key);
  // Puts `value` at `key` when the batch is written, replacing the value of
  // an earlier PutLast of the same key in this batch: for a record that many
  // changes of one batch move (the audit chain's head), written once.
  void PutLast(Family family, absl::string_view key, std::string value);
  // Number of Put/Delete operations (a PutLast counts once).
  int Count() const;
  // The family and key of every operation, in order (duplicates kept).
  std::vector<std::pair<Family, std::string>> Keys() const;
  // Orders the operations by family and key, keeping the order of those on
  // one key: the batch writes the same. RocksDB inserts keys in order into
  // its memtables much faster (each insert starts where the last one ended),
  // which matters for large batches of scattered keys (a sweep chunk's).
  // Only the order is recorded here; the batch is rewritten in it when next
  // changed or written, and AppendMerged reads it without rewriting.
  void SortByKey();
  // Adds the operations of `sorted` after this batch's, merged in family and
  // key order; on one key, the earlier batch's operations first. REQUIRES:
  // each of `sorted` is of the same store, sorted by SortByKey since its
  // last change, and not this batch.
  void AppendMerged(const std::vector<const WriteBatch*>& sorted);
  // Approximate size in bytes.
  size_t ByteSize() const;
  void Clear();

  // One operation of the batch, as slices into it (store.cc's own use).
  struct Operation;

 private:
  friend class Store;
  struct Last {
    Family family;
    std::string key;
    std::string value;
  };
  // Moves the PutLast values into batch_ (before it is written).
  void PutLastValues();
  // Rewrites batch_ in the order SortByKey recorded, if any.
  void ApplyKeyOrder();

  const Store& store_;
  std::unique_ptr<rocksdb::WriteBatch> batch_;
  std::unique_ptr<rocksdb::WriteBatch> spare_;  // ApplyKeyOrder's, kept for its capacity
  // batch_'s operations in the order SortByKey gave them; empty when
  // batch_ is in the order to write.
  std::vector<Operation> key_order_;
  std::vector<Last> last_;
  int observed_operations_ = 0;  // on the family the store's observer watches
};

class Store {
 public:
  // Opens (or creates) the database at options.path with every column family.
  // FAILED_PRECONDITION when another process holds the directory; DATA_LOSS on
  // corruption; UNAVAILABLE on other I/O errors.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const StoreOptions& options);

  // Syncs the write-ahead log and closes (without flushing the memtables):
  // every write that returned OK stays durable.
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // The value at `key`, or nullopt when absent.
  absl::StatusOr<std::optional<std::string>> Get(Family family, absl::string_view key) const;

  // The values at `keys` (nullopt when absent), in the order of `keys`: one
  // call for many point reads, which RocksDB batches per file and block.
  // Faster when `keys` are sorted. With kReadOnce, the blocks read are not
  // kept in the block cache: a sweep reads each of its persons once, and
  // caching 100,000 scattered persons would only evict what events reuse.
  enum class Caching { kKeep, kReadOnce };
  absl::StatusOr<std::vector<std::optional<std::string>>> MultiGet(Family family,
                                                                   const std::vector<absl::string_view>& keys,
                                                                   Caching caching = Caching::kKeep) const;

  // Applies the batch atomically: reads see it at once. With `sync`, returns
  // only once the write is on stable storage (fsync of the write-ahead log),
  // along with every earlier write. Without, the write waits in RocksDB's log
  // buffer for the next SyncWal, FlushWal or synced write, or the close: a
  // crash of the process before that loses it. The batch is left unchanged.
  absl::Status Write(WriteBatch* batch, bool sync);

  // Deferred writes, for a group of events applied on one thread and written
  // at once: after DeferWrites, Write called on this thread records its
  // batch instead of writing it, and this thread's Get, MultiGet and Scan see
  // what it recorded (other threads see the database). WriteDeferred then
  // writes the last value recorded for each key as one batch in key order:
  // RocksDB inserts sorted keys into its memtables much faster, and a key the
  // group wrote many times (a person's state, the audit chain's head) is
  // written once. A crash before WriteDeferred returns loses all of the
  // group, which the caller acknowledges only after it (and a sync). While
  // deferring, this thread's ScanFrom, Last, EraseOldVersions and synced
  // Writes fail with INTERNAL; the observer is called at Write, as without
  // deferring.
  void DeferWrites();
  // Writes what was recorded since DeferWrites and stops deferring (also when
  // the write fails). REQUIRES: no sealed write is waiting (SealDeferred).
  absl::Status WriteDeferred();
  // Forgets what was recorded and stops deferring.
  void DiscardDeferred();
  // True on the thread that called DeferWrites, until it stops.
  bool Deferring() const;

  // Writing behind: while deferring, SealDeferred turns what was recorded
  // since the last seal into a SealedWrite, which WriteSealed writes on any
  // thread, while the deferring thread goes on recording the next group.
  // The sealed records stay readable by the deferring thread (merged with
  // the database as above, the newer recorded value first) until it calls
  // ForgetWritten after their write returned; before that, a reader on
  // another thread sees them only once written. Sealed writes must be
  // written in the order they were sealed.
  class SealedWrite {
   public:
    SealedWrite();
    ~SealedWrite();
    SealedWrite(SealedWrite&&) noexcept;
    SealedWrite& operator=(SealedWrite&&) noexcept;
    int Count() const;  // operations (keys) it writes

   private:
    friend class Store;
    std::unique_ptr<rocksdb::WriteBatch> batch_;
    uint64_t generation_ = 0;
  };
  // On the deferring thread.
  SealedWrite SealDeferred();
  // Writes `write` (unsynced, as Write without `sync`); thread-safe.
  absl::Status WriteSealed(SealedWrite& write);
  // On the deferring thread: drops the records whose sealed write returned
  // OK, unless recorded again since; the database answers for them now.
  void ForgetWritten();

  // Called after each successful Write, on the writing thread, with every Put
  // (`value` set) and Delete (`value` null) of the watched family in the
  // batch, in order. What the engine keeps in memory of the persons follows
  // every write of them this way. One observer per store; set or clear it
  // (null) while no write runs.
  using WriteObserver = std::function<void(absl::string_view key, const absl::string_view* value)>;
  void ObserveWrites(Family family, WriteObserver observer);

  // How many Writes have been attempted so far: a reader that must know
  // whether anything changed since it read compares two counts.
  uint64_t writes() const { return writes_.load(std::memory_order_acquire); }
  // How many SyncWal and FlushWal calls so far (what a group commit costs).
  uint64_t log_flushes() const { return log_flushes_.load(std::memory_order_acquire); }

  // Makes every write returned so far durable (fsync of the write-ahead log).
  absl::Status SyncWal();
  // Hands every write returned so far to the operating system, without
  // fsync: they then survive a crash of the process, not a power cut.
  absl::Status FlushWal();

  // Calls `visit(key, value)` for every key starting with `prefix`, in key
  // order, until it returns false.
  absl::Status Scan(Family family, absl::string_view prefix,
                    absl::FunctionRef<bool(absl::string_view, absl::string_view)> visit) const;

  // Calls `visit(key, value)` for every key >= `start`, in key order, until it
  // returns false. Made for long scans: reads ahead, and leaves the block
  // cache to point reads.
  absl::Status ScanFrom(Family family, absl::string_view start,
                        absl::FunctionRef<bool(absl::string_view, absl::string_view)> visit) const;

  // Removes from disk the older versions and deletion markers of `keys`,
  // so that erased data is gone from the files too, not only hidden: flushes
  // every memtable (the write-ahead log files holding the old values are
  // then deleted) and compacts each key's range down to the last level.
  // Blocks while it runs; costs a few file rewrites per key.
  absl::Status EraseOldVersions(const std::vector<std::pair<Family, std::string>>& keys);

  // Every version of every key still in the memtables and table files,
  // deleted ones included (for tests that check data is really gone).
  struct KeyVersion {
    std::string key;
    std::string value;
    bool deletion = false;
  };
  absl::StatusOr<std::vector<KeyVersion>> AllVersions(Family family) const;

  // Bytes the block cache holds (one cache for every family).
  uint64_t BlockCacheBytes() const;

  // The last key and value of a family, or nullopt when it is empty.
  absl::StatusOr<std::optional<std::pair<std::string, std::string>>> Last(Family family) const;

  // Flushes memtables to SST files (faster next start) and closes the
  // database. Further calls fail with FAILED_PRECONDITION.
  absl::Status Close();

  const std::string& path() const { return path_; }

 private:
  friend class WriteBatch;
  struct Handles;
  Store(std::string path, std::unique_ptr<Handles> handles);

  std::string path_;
  // FAILED_PRECONDITION naming `what` while this thread defers writes.
  absl::Status NotWhileDeferring(absl::string_view what) const;

  std::unique_ptr<Handles> handles_;
  std::atomic<uint64_t> writes_{0};
  std::atomic<uint64_t> log_flushes_{0};
};

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_STORE_STORE_H_
