#include "engine/store/store.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/common/log.h"
#include "engine/common/status_macros.h"
#include "engine/store/store_generation.h"
#include "engine/store/store_internal.h"
#include "rocksdb/cache.h"
#include "rocksdb/convenience.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/debug.h"
#include "rocksdb/write_batch.h"

namespace proactive {
namespace {

absl::Status FromRocks(const rocksdb::Status& s, absl::string_view context) {
  if (s.ok()) return absl::OkStatus();
  std::string message = absl::StrCat(context, ": ", s.ToString());
  if (s.IsCorruption()) return absl::DataLossError(message);
  if (s.IsNotFound()) return absl::NotFoundError(message);
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(message);
  if (s.IsNoSpace()) return absl::ResourceExhaustedError(message);
  if (s.IsBusy() || s.IsTryAgain()) return absl::AbortedError(message);
  return absl::UnavailableError(message);
}

// A household's member keys ("household id" \0 "person id") share the
// household's prefix, up to and including the \0: with it, a scan of one
// household's members skips the files whose prefix filter says they hold none
// of its keys, rather than reading a block of each level (a new household's
// are in no file).
class HouseholdPrefixTransform final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "proactive.HouseholdPrefix"; }
  // RocksDB may ask for the prefix of any key an iterator passes, in the
  // domain or not: a key without \0 (none is written) is its own prefix.
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    const void* end = memchr(key.data(), '\0', key.size());
    if (end == nullptr) return key;
    return rocksdb::Slice(key.data(), static_cast<const char*>(end) - key.data() + 1);
  }
  bool InDomain(const rocksdb::Slice& key) const override { return memchr(key.data(), '\0', key.size()) != nullptr; }
};

// What HouseholdPrefixTransform gives for each of the prefix's keys.
bool IsWholeHouseholdPrefix(absl::string_view prefix) {
  return !prefix.empty() && prefix.find('\0') == prefix.size() - 1;
}

}  // namespace

// Store::Handles: store_internal.h. WriteBatch: write_batch.cc.

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  if (options.path.empty()) return absl::InvalidArgumentError("the data directory is empty");
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.IncreaseParallelism(2);
  // Recover a consistent prefix of the log after a crash (the default, stated).
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  // Unsynced writes stay in RocksDB's log buffer (written out when it
  // fills) until SyncWal, FlushWal or Close: one write(2) per group commit
  // rather than one per event. The writer acknowledges only after SyncWal
  // (or FlushWal, without fsync), so a crash loses nothing acknowledged.
  db_options.manual_wal_flush = true;
  if (options.env != nullptr) db_options.env = options.env;

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  // Most point reads of a sweep or an event miss (no decision yet for this
  // period, no opt-out, a new event id): a Bloom filter per file answers
  // them without reading a data block. 10 bits per key: about 1 % false
  // positives, for about 1.25 bytes per key in memory.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  rocksdb::ColumnFamilyOptions family_options;
  // LZ4 rather than RocksDB's default, Snappy: as small on disk for these
  // records, and cheaper to decompress. With the persons' 1 KB blocks
  // (below), a broadcast's instructions fell by 2.2 % and loading the
  // population projection took 4.0 to 4.9 s instead of 5.0 to 6.0 at 2.1 M
  // persons (docs/performance-log.md). Files written before keep Snappy until
  // compacted (within a week, below); both are read alike.
  const std::vector<rocksdb::CompressionType> compressions = rocksdb::GetSupportedCompressions();
  if (std::find(compressions.begin(), compressions.end(), rocksdb::kLZ4Compression) != compressions.end()) {
    family_options.compression = rocksdb::kLZ4Compression;
  } else {
    LogWarning("store", "this RocksDB build has no LZ4: new files are compressed with Snappy");
  }
  family_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // The same for the keys still in memory: a point read that misses skips
  // the memtable's skip list (2 % of the memtable's size).
  family_options.memtable_whole_key_filtering = true;
  family_options.memtable_prefix_bloom_size_ratio = 0.02;
  // Keys inserted in order (WriteBatch sorts them) start from where the last
  // of their kind ("d/", "p/": the first byte) ended, not from the skip
  // list's top: its share of a broadcast's CPU went from 12.9 to 10.6 %.
  family_options.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(1));
  // Every file is rewritten at least weekly, so deleted or overwritten data
  // (an old phone number in a superseded index key) leaves the disk within
  // weeks even where nothing else compacts it (docs/privacy.md).
  family_options.periodic_compaction_seconds = 7 * 24 * 3600;

  // Persons are read one by one, scattered (an event's person, a sweep's
  // persons left by the filter): each read decompresses and checksums a
  // whole block for one state of about 500 bytes. Blocks of 1 KB rather than
  // 4 cut a broadcast's instructions by 3 to 4 %, for 7 % more on disk and
  // about 10 bytes of index per person held in memory outside the block
  // cache (20 MiB at 2.1 M persons).
  // (A change of these on-disk options bumps POPULATION_FORMAT in
  // bench/bench_lib.sh, so that benchmarks measure the new layout.)
  rocksdb::BlockBasedTableOptions persons_table = table;
  persons_table.block_size = 1024;
  rocksdb::ColumnFamilyOptions persons_options = family_options;
  persons_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(persons_table));
  // Households are only scanned by prefix (ReadHouseholdMembers): their
  // filters hold the prefixes, not the whole keys. Files written before
  // (without prefixes) are read as before until compacted.
  rocksdb::BlockBasedTableOptions households_table = table;
  households_table.whole_key_filtering = false;
  rocksdb::ColumnFamilyOptions households_options = family_options;
  households_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(households_table));
  households_options.prefix_extractor = std::make_shared<HouseholdPrefixTransform>();
  households_options.memtable_whole_key_filtering = false;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (int i = 0; i < kFamilyCount; ++i) {
    const Family family = static_cast<Family>(i);
    descriptors.emplace_back(std::string(FamilyName(family)), family == Family::kPersons      ? persons_options
                                                              : family == Family::kHouseholds ? households_options
                                                                                              : family_options);
  }
  RETURN_IF_ERROR(AddStoreGenerationFamilies(db_options, options.path, &descriptors));
  auto handles = std::make_unique<Handles>();
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, options.path, descriptors, &handles->families, &raw);
  if (!s.ok()) {
    if (s.IsIOError() && absl::StrContains(s.ToString(), "lock")) {
      return absl::FailedPreconditionError(
          absl::StrCat("data directory ", options.path, " is in use by another process (", s.ToString(), ")"));
    }
    return FromRocks(s, absl::StrCat("opening ", options.path));
  }
  handles->db.reset(raw);
  handles->generation_markers.assign(handles->families.begin() + kFamilyCount, handles->families.end());
  handles->families.resize(kFamilyCount);
  for (int f = 0; f < kFamilyCount; ++f) {
    const uint32_t id = handles->families[f]->GetID();
    if (handles->family_of_id.size() <= id) handles->family_of_id.resize(id + 1, 0);
    handles->family_of_id[id] = f;
  }
  return std::unique_ptr<Store>(new Store(options.path, std::move(handles)));
}

Store::Store(std::string path, std::unique_ptr<Handles> handles)
    : path_(std::move(path)), handles_(std::move(handles)) {}

Store::~Store() {
  if (!handles_->closed) {
    (void)handles_->db->FlushWAL(/*sync=*/true);
    handles_->DestroyHandles();
    (void)handles_->db->Close();
  }
}

absl::StatusOr<std::optional<std::string>> Store::Get(Family family, absl::string_view key) const {
  if (handles_->closed) return absl::FailedPreconditionError("the store is closed");
  if (Deferring()) {
    const auto& recorded = handles_->deferred[static_cast<int>(family)];
    auto it = recorded.find(std::string_view(key.data(), key.size()));
    if (it != recorded.end()) return it->second.value;
  }
  std::string value;
  rocksdb::Status s = handles_->db->Get(rocksdb::ReadOptions(), handles_->family(family),
                                        rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, absl::StrCat("reading ", FamilyName(family)));
  return std::optional<std::string>(std::move(value));
}

absl::StatusOr<std::vector<std::optional<std::string>>> Store::MultiGet(Family family,
                                                                        const std::vector<absl::string_view>& keys,
                                                                        Caching caching) const {
  if (handles_->closed) return absl::FailedPreconditionError("the store is closed");
  std::vector<std::optional<std::string>> out(keys.size());
  // The keys recorded by deferred writes are answered from them; the others
  // (`asked`, their positions in `keys`) from the database.
  std::vector<size_t> asked;
  asked.reserve(keys.size());
  if (Deferring()) {
    const auto& recorded = handles_->deferred[static_cast<int>(family)];
    for (size_t i = 0; i < keys.size(); ++i) {
      auto it = recorded.find(std::string_view(keys[i].data(), keys[i].size()));
      if (it != recorded.end()) {
        out[i] = it->second.value;
      } else {
        asked.push_back(i);
      }
    }
  } else {
    for (size_t i = 0; i < keys.size(); ++i) asked.push_back(i);
  }
  if (asked.empty()) return out;
  std::vector<rocksdb::Slice> slices;
  slices.reserve(asked.size());
  for (size_t i : asked) slices.emplace_back(keys[i].data(), keys[i].size());
  std::vector<rocksdb::PinnableSlice> values(asked.size());
  std::vector<rocksdb::Status> statuses(asked.size());
  const bool sorted = std::is_sorted(slices.begin(), slices.end(),
                                     [](const rocksdb::Slice& a, const rocksdb::Slice& b) { return a.compare(b) < 0; });
  rocksdb::ReadOptions read;
  read.fill_cache = caching == Caching::kKeep;
  handles_->db->MultiGet(read, handles_->family(family), slices.size(), slices.data(), values.data(), statuses.data(),
                         sorted);
  for (size_t j = 0; j < asked.size(); ++j) {
    if (statuses[j].IsNotFound()) continue;
    if (!statuses[j].ok()) return FromRocks(statuses[j], absl::StrCat("reading ", FamilyName(family)));
    out[asked[j]].emplace(values[j].data(), values[j].size());
  }
  return out;
}

uint64_t Store::BlockCacheBytes() const {
  uint64_t bytes = 0;
  if (handles_->closed) return 0;
  handles_->db->GetIntProperty(handles_->families[0], rocksdb::DB::Properties::kBlockCacheUsage, &bytes);
  return bytes;
}

absl::Status Store::Write(WriteBatch* batch, bool sync) {
  if (handles_->closed) return absl::FailedPreconditionError("the store is closed");
  const bool deferring = Deferring();
  if (deferring && sync) return NotWhileDeferring("a synced write");
  batch->ApplyKeyOrder();
  batch->PutLastValues();
  writes_.fetch_add(1, std::memory_order_acq_rel);
  if (!deferring) {
    rocksdb::WriteOptions write_options;
    write_options.sync = sync;
    absl::Status written = FromRocks(handles_->db->Write(write_options, batch->batch_.get()), "writing a batch");
    if (!written.ok() || batch->observed_operations_ == 0 || !handles_->observer) return written;
  }
  const bool observe = batch->observed_operations_ > 0 && handles_->observer;
  const uint32_t observed_id = observe ? handles_->families[handles_->observed_family]->GetID() : 0;
  for (const WriteBatch::Operation& op : OperationsOf(*batch->batch_)) {
    if (deferring) {
      auto& recorded = handles_->deferred[handles_->family_of_id[op.family_id]];
      Handles::Recorded& entry = recorded[std::string_view(op.key.data(), op.key.size())];
      entry.generation = handles_->recording_generation;
      if (op.is_delete) {
        entry.value.reset();
      } else {
        entry.value.emplace(op.value.data(), op.value.size());
      }
    }
    if (!observe || op.family_id != observed_id) continue;
    const absl::string_view key(op.key.data(), op.key.size());
    const absl::string_view value(op.value.data(), op.value.size());
    handles_->observer(key, op.is_delete ? nullptr : &value);
  }
  return absl::OkStatus();
}

void Store::DeferWrites() { handles_->deferring_thread.store(std::this_thread::get_id(), std::memory_order_release); }

bool Store::Deferring() const {
  return handles_->deferring_thread.load(std::memory_order_acquire) == std::this_thread::get_id();
}

absl::Status Store::NotWhileDeferring(absl::string_view what) const {
  // INTERNAL, a caller's mistake: never taken for the refusal of one event.
  return absl::InternalError(absl::StrCat(what, " is not allowed while writes are deferred"));
}

void Store::DiscardDeferred() {
  for (auto& recorded : handles_->deferred) recorded.clear();
  handles_->deferring_thread.store(std::thread::id(), std::memory_order_release);
}

absl::Status Store::WriteDeferred() {
  SealedWrite write = SealDeferred();
  DiscardDeferred();
  return WriteSealed(write);
}

Store::SealedWrite::SealedWrite() = default;
Store::SealedWrite::~SealedWrite() = default;
Store::SealedWrite::SealedWrite(SealedWrite&&) noexcept = default;
Store::SealedWrite& Store::SealedWrite::operator=(SealedWrite&&) noexcept = default;
int Store::SealedWrite::Count() const { return batch_ != nullptr ? batch_->Count() : 0; }

Store::SealedWrite Store::SealDeferred() {
  SealedWrite write;
  write.batch_ = std::make_unique<rocksdb::WriteBatch>();
  write.generation_ = handles_->recording_generation++;
  if (handles_->closed) return write;  // WriteSealed refuses it
  // Only the keys recorded in this generation: the older ones were sealed
  // with their value then, and not recorded again since.
  for (int f = 0; f < kFamilyCount; ++f) {
    rocksdb::ColumnFamilyHandle* family = handles_->families[f];
    for (const auto& [key, recorded] : handles_->deferred[f]) {
      if (recorded.generation != write.generation_) continue;
      if (recorded.value) {
        (void)write.batch_->Put(family, key, *recorded.value);
      } else {
        (void)write.batch_->Delete(family, key);
      }
    }
  }
  return write;
}

absl::Status Store::WriteSealed(SealedWrite& write) {
  if (handles_->closed) return absl::FailedPreconditionError("the store is closed");
  if (write.Count() > 0) {
    writes_.fetch_add(1, std::memory_order_acq_rel);
    absl::Status written =
        FromRocks(handles_->db->Write(rocksdb::WriteOptions(), write.batch_.get()), "writing a group of events");
    if (!written.ok()) return written;
  }
  handles_->written_generation.store(write.generation_, std::memory_order_release);
  return absl::OkStatus();
}

void Store::ForgetWritten() {
  const uint64_t written = handles_->written_generation.load(std::memory_order_acquire);
  if (written == handles_->forgotten_generation) return;
  handles_->forgotten_generation = written;
  for (auto& recorded : handles_->deferred) {
    for (auto it = recorded.begin(); it != recorded.end();) {
      it = it->second.generation <= written ? recorded.erase(it) : std::next(it);
    }
  }
}

void Store::ObserveWrites(Family family, WriteObserver observer) {
  handles_->observed_family = observer ? static_cast<int>(family) : -1;
  handles_->observer = std::move(observer);
}

absl::Status Store::SyncWal() {
  if (handles_->closed) return absl::FailedPreconditionError("the store is closed");
  log_flushes_.fetch_add(1, std::memory_order_acq_rel);
  return FromRocks(handles_->db->FlushWAL(/*sync=*/true), "syncing the write-ahead log");
}

absl::Status Store::FlushWal() {
  if (handles_->closed) return absl::FailedPreconditionError("the store is closed");
  log_flushes_.fetch_add(1, std::memory_order_acq_rel);
  return FromRocks(handles_->db->FlushWAL(/*sync=*/false), "writing the write-ahead log");
}

absl::Status Store::Scan(Family family, absl::string_view prefix,
                         absl::FunctionRef<bool(absl::string_view, absl::string_view)> visit) const {
  if (handles_->closed) return absl::FailedPreconditionError("the store is closed");
  // The first key after every key with the prefix bounds the scan: RocksDB
  // then stops at the prefix's end instead of reading the next block.
  std::string after(prefix);
  while (!after.empty() && static_cast<unsigned char>(after.back()) == 0xff) after.pop_back();
  if (!after.empty()) after.back() = static_cast<char>(static_cast<unsigned char>(after.back()) + 1);
  rocksdb::Slice upper_bound(after);
  rocksdb::ReadOptions options;
  if (!after.empty()) options.iterate_upper_bound = &upper_bound;
  // Prefix filters (households only) apply when the scan's prefix is one of
  // theirs; any other scan reads the keys in order.
  if (family == Family::kHouseholds && IsWholeHouseholdPrefix(prefix)) {
    options.prefix_same_as_start = true;
  } else {
    options.total_order_seek = true;
  }
  std::unique_ptr<rocksdb::Iterator> it(handles_->db->NewIterator(options, handles_->family(family)));
  it->Seek(rocksdb::Slice(prefix.data(), prefix.size()));
  // The keys recorded by deferred writes, merged in key order; on a key
  // both have, the recorded value (or deletion) wins.
  const auto* recorded = Deferring() ? &handles_->deferred[static_cast<int>(family)] : nullptr;
  auto next_recorded = recorded != nullptr ? recorded->lower_bound(std::string_view(prefix.data(), prefix.size()))
                                           : decltype(recorded->begin())();
  for (;;) {
    const bool stored = it->Valid() && absl::StartsWith(absl::string_view(it->key().data(), it->key().size()), prefix);
    const absl::string_view stored_key = stored ? absl::string_view(it->key().data(), it->key().size()) : "";
    const bool from_recorded =
        recorded != nullptr && next_recorded != recorded->end() && absl::StartsWith(next_recorded->first, prefix);
    if (!stored && !from_recorded) break;
    if (from_recorded && (!stored || absl::string_view(next_recorded->first) <= stored_key)) {
      if (stored && absl::string_view(next_recorded->first) == stored_key) it->Next();
      const auto& [key, recorded_value] = *next_recorded++;
      if (recorded_value.value && !visit(key, *recorded_value.value)) break;
      continue;
    }
    rocksdb::Slice value = it->value();
    if (!visit(stored_key, absl::string_view(value.data(), value.size()))) break;
    it->Next();
  }
  return FromRocks(it->status(), absl::StrCat("scanning ", FamilyName(family)));
}

absl::Status Store::ScanFrom(Family family, absl::string_view start,
                             absl::FunctionRef<bool(absl::string_view, absl::string_view)> visit) const {
  if (handles_->closed) return absl::FailedPreconditionError("the store is closed");
  if (Deferring()) return NotWhileDeferring("a long scan");
  // A long scan (a whole family): its blocks would only push out of the
  // block cache what point reads keep there, and reading ahead saves calls.
  rocksdb::ReadOptions long_scan;
  long_scan.total_order_seek = true;
  long_scan.fill_cache = false;
  long_scan.readahead_size = 2 << 20;
  std::unique_ptr<rocksdb::Iterator> it(handles_->db->NewIterator(long_scan, handles_->family(family)));
  for (it->Seek(rocksdb::Slice(start.data(), start.size())); it->Valid(); it->Next()) {
    rocksdb::Slice key = it->key();
    rocksdb::Slice value = it->value();
    if (!visit(absl::string_view(key.data(), key.size()), absl::string_view(value.data(), value.size()))) {
      break;
    }
  }
  return FromRocks(it->status(), absl::StrCat("scanning ", FamilyName(family)));
}

absl::Status Store::EraseOldVersions(const std::vector<std::pair<Family, std::string>>& keys) {
  if (handles_->closed) return absl::FailedPreconditionError("the store is closed");
  if (Deferring()) return NotWhileDeferring("erasing old versions");
  rocksdb::FlushOptions flush;
  flush.wait = true;
  rocksdb::Status s = handles_->db->Flush(flush, handles_->families);
  if (!s.ok()) return FromRocks(s, "flushing before erasing old versions");
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (const auto& [family, key] : keys) {
    rocksdb::Slice slice(key);
    s = handles_->db->CompactRange(compact, handles_->family(family), &slice, &slice);
    if (!s.ok()) return FromRocks(s, absl::StrCat("compacting ", FamilyName(family)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Store::KeyVersion>> Store::AllVersions(Family family) const {
  if (handles_->closed) return absl::FailedPreconditionError("the store is closed");
  std::vector<rocksdb::KeyVersion> versions;
  rocksdb::Status s = rocksdb::GetAllKeyVersions(handles_->db.get(), handles_->family(family), rocksdb::Slice(),
                                                 rocksdb::Slice(), std::numeric_limits<size_t>::max(), &versions);
  if (!s.ok()) return FromRocks(s, absl::StrCat("listing versions of ", FamilyName(family)));
  std::vector<KeyVersion> out;
  out.reserve(versions.size());
  for (rocksdb::KeyVersion& v : versions) {
    out.push_back(KeyVersion{std::move(v.user_key), std::move(v.value), v.GetTypeName() != "TypeValue"});
  }
  return out;
}

absl::StatusOr<std::optional<std::pair<std::string, std::string>>> Store::Last(Family family) const {
  if (handles_->closed) return absl::FailedPreconditionError("the store is closed");
  if (Deferring()) return NotWhileDeferring("reading the last key");
  rocksdb::ReadOptions in_order;
  in_order.total_order_seek = true;
  std::unique_ptr<rocksdb::Iterator> it(handles_->db->NewIterator(in_order, handles_->family(family)));
  it->SeekToLast();
  if (!it->Valid()) {
    if (!it->status().ok()) return FromRocks(it->status(), "reading the last key");
    return std::optional<std::pair<std::string, std::string>>();
  }
  return std::optional<std::pair<std::string, std::string>>(
      std::make_pair(it->key().ToString(), it->value().ToString()));
}

absl::Status Store::Close() {
  if (handles_->closed) return absl::FailedPreconditionError("the store is closed");
  rocksdb::Status flushed = handles_->db->FlushWAL(/*sync=*/true);
  rocksdb::FlushOptions flush;
  if (flushed.ok()) flushed = handles_->db->Flush(flush, handles_->families);
  handles_->DestroyHandles();
  rocksdb::Status closed = handles_->db->Close();
  handles_->closed = true;
  if (!flushed.ok()) return FromRocks(flushed, "flushing on close");
  return FromRocks(closed, "closing");
}

}  // namespace proactive
