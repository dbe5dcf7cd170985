// WriteBatch (store.h): the operations of one atomic write, sorted and
// merged for RocksDB's memtables.
#include "rocksdb/write_batch.h"

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/store/store.h"
#include "engine/store/store_internal.h"

namespace proactive {

std::vector<WriteBatch::Operation> OperationsOf(const rocksdb::WriteBatch& batch) {
  struct Collector : rocksdb::WriteBatch::Handler {
    std::vector<WriteBatch::Operation> operations;
    rocksdb::Status PutCF(uint32_t id, const rocksdb::Slice& key, const rocksdb::Slice& value) override {
      operations.push_back({id, key, value, false});
      return rocksdb::Status::OK();
    }
    rocksdb::Status DeleteCF(uint32_t id, const rocksdb::Slice& key) override {
      operations.push_back({id, key, rocksdb::Slice(), true});
      return rocksdb::Status::OK();
    }
  } collector;
  collector.operations.reserve(batch.Count());
  (void)batch.Iterate(&collector);  // only Put and Delete are ever added
  return std::move(collector.operations);
}

void WriteBatch::Put(Family family, absl::string_view key, absl::string_view value) {
  ApplyKeyOrder();
  if (static_cast<int>(family) == store_.handles_->observed_family) ++observed_operations_;
  // rocksdb::WriteBatch only fails on size overflow (> 4 GiB), which one
  // event cannot reach.
  (void)batch_->Put(store_.handles_->family(family), rocksdb::Slice(key.data(), key.size()),
                    rocksdb::Slice(value.data(), value.size()));
}

void WriteBatch::Delete(Family family, absl::string_view key) {
  ApplyKeyOrder();
  if (static_cast<int>(family) == store_.handles_->observed_family) ++observed_operations_;
  (void)batch_->Delete(store_.handles_->family(family), rocksdb::Slice(key.data(), key.size()));
}

void WriteBatch::PutLast(Family family, absl::string_view key, std::string value) {
  for (Last& last : last_) {
    if (last.family == family && last.key == key) {
      last.value = std::move(value);
      return;
    }
  }
  last_.push_back(Last{family, std::string(key), std::move(value)});
}

void WriteBatch::PutLastValues() {
  for (const Last& last : last_) Put(last.family, last.key, last.value);
  last_.clear();
}

int WriteBatch::Count() const { return batch_->Count() + static_cast<int>(last_.size()); }

WriteBatch::WriteBatch(const Store& store) : store_(store), batch_(std::make_unique<rocksdb::WriteBatch>()) {}
WriteBatch::~WriteBatch() = default;

namespace {

using Operation = WriteBatch::Operation;

bool OperationKeyLess(const Operation& a, const Operation& b) {
  if (a.family_id != b.family_id) return a.family_id < b.family_id;
  return a.key.compare(b.key) < 0;
}

// Adds `operations` to `to`, in order.
void AddOperations(const std::vector<Operation>& operations, const std::vector<rocksdb::ColumnFamilyHandle*>& families,
                   rocksdb::WriteBatch* to) {
  std::vector<rocksdb::ColumnFamilyHandle*> by_id;
  for (rocksdb::ColumnFamilyHandle* handle : families) {
    if (by_id.size() <= handle->GetID()) by_id.resize(handle->GetID() + 1, nullptr);
    by_id[handle->GetID()] = handle;
  }
  for (const Operation& op : operations) {
    if (op.is_delete) {
      (void)to->Delete(by_id[op.family_id], op.key);
    } else {
      (void)to->Put(by_id[op.family_id], op.key, op.value);
    }
  }
}

}  // namespace

std::vector<std::pair<Family, std::string>> WriteBatch::Keys() const {
  // Column family ids of this database, mapped back to families.
  std::map<uint32_t, Family> families;
  for (int i = 0; i < kFamilyCount; ++i) {
    families[store_.handles_->families[i]->GetID()] = static_cast<Family>(i);
  }
  std::vector<std::pair<Family, std::string>> keys;
  for (const Operation& op : key_order_.empty() ? OperationsOf(*batch_) : key_order_) {
    auto it = families.find(op.family_id);
    if (it != families.end()) keys.emplace_back(it->second, op.key.ToString());
  }
  for (const Last& last : last_) keys.emplace_back(last.family, last.key);
  return keys;
}

void WriteBatch::SortByKey() {
  if (key_order_.empty()) key_order_ = OperationsOf(*batch_);  // slices into batch_
  std::stable_sort(key_order_.begin(), key_order_.end(), OperationKeyLess);
}

void WriteBatch::ApplyKeyOrder() {
  if (key_order_.empty()) return;
  // Into the spare batch, kept with its capacity for the next sort.
  if (spare_ == nullptr) spare_ = std::make_unique<rocksdb::WriteBatch>();
  spare_->Clear();
  AddOperations(key_order_, store_.handles_->families, spare_.get());
  std::swap(batch_, spare_);
  key_order_.clear();
}

void WriteBatch::AppendMerged(const std::vector<const WriteBatch*>& sorted) {
  ApplyKeyOrder();
  // Each part's operations in key order: as SortByKey left them, without
  // rewriting the part first.
  std::vector<std::vector<Operation>> copies;
  std::vector<const std::vector<Operation>*> parts;
  copies.reserve(sorted.size());
  size_t total = 0;
  for (const WriteBatch* part : sorted) {
    if (part->key_order_.empty()) {
      parts.push_back(&copies.emplace_back(OperationsOf(*part->batch_)));
    } else {
      parts.push_back(&part->key_order_);
    }
    total += parts.back()->size();
    observed_operations_ += part->observed_operations_;
  }
  std::vector<Operation> merged;
  merged.reserve(total);
  std::vector<size_t> next(parts.size(), 0);
  for (;;) {
    // The least next operation; on equal keys the earlier part's first.
    int least = -1;
    for (size_t i = 0; i < parts.size(); ++i) {
      if (next[i] == parts[i]->size()) continue;
      if (least < 0 || OperationKeyLess((*parts[i])[next[i]], (*parts[least])[next[least]])) {
        least = static_cast<int>(i);
      }
    }
    if (least < 0) break;
    merged.push_back((*parts[least])[next[least]++]);
  }
  AddOperations(merged, store_.handles_->families, batch_.get());
  for (const WriteBatch* part : sorted) {
    for (const Last& last : part->last_) PutLast(last.family, last.key, last.value);
  }
}

size_t WriteBatch::ByteSize() const {
  size_t size = batch_->GetDataSize();
  for (const Last& last : last_) size += last.key.size() + last.value.size();
  return size;
}

void WriteBatch::Clear() {
  key_order_.clear();
  batch_->Clear();
  last_.clear();
  observed_operations_ = 0;
}

}  // namespace proactive
