#include "engine/store/store_generation.h"

#include "absl/strings/str_cat.h"
#include "engine/store/column_families.h"

namespace proactive {

absl::Status AddStoreGenerationFamilies(const rocksdb::DBOptions& options, const std::string& path,
                                        std::vector<rocksdb::ColumnFamilyDescriptor>* descriptors) {
  // The marker is empty and never written: default options, no filter.
  descriptors->emplace_back(StoreGenerationFamilyName(kStoreGeneration), rocksdb::ColumnFamilyOptions());
  std::vector<std::string> existing;
  if (!rocksdb::DB::ListColumnFamilies(options, path, &existing).ok()) return absl::OkStatus();
  for (const std::string& name : existing) {
    const int generation = StoreGenerationOf(name);
    if (generation > kStoreGeneration) {
      return absl::FailedPreconditionError(
          absl::StrCat("data directory ", path, " was written by a newer proactived (store generation ", generation,
                       "; this one reads up to ", kStoreGeneration, "): run that version or a later one"));
    }
    if (generation > 0 && generation < kStoreGeneration) {
      descriptors->emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
  }
  return absl::OkStatus();
}

}  // namespace proactive
