// How Store::Open keeps engines and stores of different generations apart
// (kStoreGeneration, column_families.h). Internal to the store module.
#ifndef PROACTIVE_ENGINE_STORE_STORE_GENERATION_H_
#define PROACTIVE_ENGINE_STORE_STORE_GENERATION_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"

namespace proactive {

// Appends to `descriptors` this engine's generation marker (created if
// missing) and those of older generations the store at `path` has: RocksDB
// opens all of a store's column families or none. FAILED_PRECONDITION
// naming the generation when the store is of a newer one; nothing is opened.
// A store RocksDB cannot list (a new one) gets the marker alone.
absl::Status AddStoreGenerationFamilies(const rocksdb::DBOptions& options, const std::string& path,
                                        std::vector<rocksdb::ColumnFamilyDescriptor>* descriptors);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_STORE_STORE_GENERATION_H_
