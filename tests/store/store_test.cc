#include "engine/store/store.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/store/column_families.h"
#include "engine/store/records.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/table.h"
#include "rocksdb/table_properties.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;
using ::proactive::testing::IsOkAndHolds;
using ::proactive::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::Optional;

class StoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> Open() {
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open({dir_.path() + "/data"});
    EXPECT_THAT(store, IsOk());
    return store.ok() ? *std::move(store) : nullptr;
  }
  // The keys a Scan of `family` by `prefix` visits, in its order.
  static std::vector<std::string> ScannedKeys(const Store& store, Family family, absl::string_view prefix) {
    std::vector<std::string> keys;
    EXPECT_THAT(store.Scan(family, prefix,
                           [&](absl::string_view key, absl::string_view) {
                             keys.emplace_back(key);
                             return true;
                           }),
                IsOk());
    return keys;
  }
  // The store's directory opened by RocksDB alone, every family it holds
  // with `options`: what an older or a newer engine would find.
  struct RawStore {
    std::unique_ptr<rocksdb::DB> db;
    std::vector<std::string> names;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::ColumnFamilyHandle* family(absl::string_view name) const {
      for (size_t i = 0; i < names.size(); ++i) {
        if (names[i] == name) return handles[i];
      }
      return nullptr;
    }
    ~RawStore() {
      for (rocksdb::ColumnFamilyHandle* h : handles) EXPECT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
    }
  };
  std::unique_ptr<RawStore> OpenRaw(const rocksdb::ColumnFamilyOptions& options = rocksdb::ColumnFamilyOptions()) {
    auto raw = std::make_unique<RawStore>();
    const std::string path = dir_.path() + "/data";
    EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &raw->names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> all;
    for (const std::string& name : raw->names) all.emplace_back(name, options);
    rocksdb::DB* db = nullptr;
    const rocksdb::Status opened = rocksdb::DB::Open(rocksdb::DBOptions(), path, all, &raw->handles, &db);
    EXPECT_TRUE(opened.ok()) << opened.ToString();
    raw->db.reset(db);
    return opened.ok() ? std::move(raw) : nullptr;
  }
  testing::TempDir dir_;
};

TEST_F(StoreTest, WritesAreAtomicAcrossFamiliesAndSurviveReopen) {
  {
    std::unique_ptr<Store> store = Open();
    WriteBatch batch(*store);
    batch.Put(Family::kPersons, "P1", "state");
    batch.Put(Family::kEventIds, "e1", "id");
    batch.Put(Family::kEvents, EncodeSequenceKey(1), "event");
    EXPECT_EQ(batch.Count(), 3);
    ASSERT_THAT(store->Write(&batch, /*sync=*/true), IsOk());
    ASSERT_THAT(store->Close(), IsOk());
  }
  std::unique_ptr<Store> store = Open();
  EXPECT_THAT(store->Get(Family::kPersons, "P1"), IsOkAndHolds(Optional(Eq("state"))));
  EXPECT_THAT(store->Get(Family::kEventIds, "e1"), IsOkAndHolds(Optional(Eq("id"))));
  EXPECT_THAT(store->Get(Family::kPersons, "e1"), IsOkAndHolds(Eq(std::nullopt)));
}

TEST_F(StoreTest, PutLastWritesTheLastValueOnceAfterTheOtherOperations) {
  std::unique_ptr<Store> store = Open();
  WriteBatch batch(*store);
  batch.PutLast(Family::kMeta, "head", "1");
  batch.Put(Family::kMeta, "head", "put");  // a plain Put of the key comes before
  batch.Put(Family::kPersons, "P1", "state");
  batch.PutLast(Family::kMeta, "head", "2");
  batch.PutLast(Family::kPersons, "head", "other family");
  EXPECT_EQ(batch.Count(), 4);
  EXPECT_THAT(batch.Keys(), ElementsAre(std::make_pair(Family::kMeta, std::string("head")),
                                        std::make_pair(Family::kPersons, std::string("P1")),
                                        std::make_pair(Family::kMeta, std::string("head")),
                                        std::make_pair(Family::kPersons, std::string("head"))));
  ASSERT_THAT(store->Write(&batch, /*sync=*/false), IsOk());
  EXPECT_THAT(store->Get(Family::kMeta, "head"), IsOkAndHolds(Optional(Eq("2"))));
  EXPECT_THAT(store->Get(Family::kPersons, "head"), IsOkAndHolds(Optional(Eq("other family"))));
  batch.Clear();
  EXPECT_EQ(batch.Count(), 0);
}

TEST_F(StoreTest, SortByKeyOrdersOperationsAndWritesWhatTheBatchWrote) {
  std::unique_ptr<Store> store = Open();
  WriteBatch seed(*store);
  seed.Put(Family::kPersons, "gone", "x");
  ASSERT_THAT(store->Write(&seed, /*sync=*/false), IsOk());
  WriteBatch batch(*store);
  batch.Put(Family::kPersons, "P2", "first");
  batch.Put(Family::kDecisions, "d/2", "decision");
  batch.Put(Family::kPersons, "P1", "one");
  batch.Delete(Family::kPersons, "gone");
  batch.Put(Family::kPersons, "P2", "second");  // after "first" on the same key: wins
  batch.Delete(Family::kPersons, "P1");         // after the Put: P1 ends deleted
  batch.PutLast(Family::kMeta, "head", "h");
  batch.SortByKey();
  EXPECT_EQ(batch.Count(), 7);
  std::vector<std::pair<Family, std::string>> keys = batch.Keys();
  // Within a family, keys ascend; on one key the order is kept.
  std::vector<std::string> persons;
  for (const auto& [family, key] : keys) {
    if (family == Family::kPersons) persons.push_back(key);
  }
  EXPECT_THAT(persons, ElementsAre("P1", "P1", "P2", "P2", "gone"));
  ASSERT_THAT(store->Write(&batch, /*sync=*/false), IsOk());
  EXPECT_THAT(store->Get(Family::kPersons, "P2"), IsOkAndHolds(Optional(Eq("second"))));
  EXPECT_THAT(store->Get(Family::kPersons, "P1"), IsOkAndHolds(Eq(std::nullopt)));
  EXPECT_THAT(store->Get(Family::kPersons, "gone"), IsOkAndHolds(Eq(std::nullopt)));
  EXPECT_THAT(store->Get(Family::kDecisions, "d/2"), IsOkAndHolds(Optional(Eq("decision"))));
  EXPECT_THAT(store->Get(Family::kMeta, "head"), IsOkAndHolds(Optional(Eq("h"))));
  // Sorting again, after Clear, starts from nothing.
  batch.Clear();
  batch.Put(Family::kPersons, "P9", "nine");
  batch.SortByKey();
  EXPECT_THAT(batch.Keys(), ElementsAre(std::make_pair(Family::kPersons, std::string("P9"))));
}

TEST_F(StoreTest, AChangeAfterSortByKeyComesAfterTheSortedOperations) {
  // SortByKey only records the order; a later Put or Delete, and the write,
  // see the batch in that order with the change after it.
  std::unique_ptr<Store> store = Open();
  WriteBatch batch(*store);
  batch.Put(Family::kPersons, "P3", "three");
  batch.Put(Family::kPersons, "P1", "one");
  batch.SortByKey();
  batch.Put(Family::kPersons, "P2", "two");
  batch.Delete(Family::kPersons, "P3");
  EXPECT_EQ(batch.Count(), 4);
  EXPECT_THAT(batch.Keys(), ElementsAre(std::make_pair(Family::kPersons, std::string("P1")),
                                        std::make_pair(Family::kPersons, std::string("P3")),
                                        std::make_pair(Family::kPersons, std::string("P2")),
                                        std::make_pair(Family::kPersons, std::string("P3"))));
  batch.SortByKey();
  ASSERT_THAT(store->Write(&batch, /*sync=*/false), IsOk());
  EXPECT_THAT(store->Get(Family::kPersons, "P1"), IsOkAndHolds(Optional(Eq("one"))));
  EXPECT_THAT(store->Get(Family::kPersons, "P2"), IsOkAndHolds(Optional(Eq("two"))));
  EXPECT_THAT(store->Get(Family::kPersons, "P3"), IsOkAndHolds(Eq(std::nullopt)));  // deleted after its Put
}

TEST_F(StoreTest, AppendMergedAddsSortedBatchesInKeyOrderEarlierFirstOnOneKey) {
  std::unique_ptr<Store> store = Open();
  WriteBatch first(*store), second(*store), merged(*store);
  first.Put(Family::kPersons, "A", "first");
  first.Put(Family::kPersons, "C", "c");
  first.PutLast(Family::kMeta, "head", "first");
  second.Put(Family::kPersons, "A", "second");
  second.Put(Family::kPersons, "B", "b");
  second.Delete(Family::kPersons, "C");
  second.PutLast(Family::kMeta, "head", "second");
  first.SortByKey();
  second.SortByKey();
  merged.Put(Family::kMeta, "cursor", "x");
  merged.AppendMerged({&first, &second});
  EXPECT_EQ(first.Count(), 3);  // unchanged
  EXPECT_THAT(merged.Keys(), ElementsAre(std::make_pair(Family::kMeta, std::string("cursor")),
                                         std::make_pair(Family::kPersons, std::string("A")),
                                         std::make_pair(Family::kPersons, std::string("A")),
                                         std::make_pair(Family::kPersons, std::string("B")),
                                         std::make_pair(Family::kPersons, std::string("C")),
                                         std::make_pair(Family::kPersons, std::string("C")),
                                         std::make_pair(Family::kMeta, std::string("head"))));
  ASSERT_THAT(store->Write(&merged, /*sync=*/false), IsOk());
  EXPECT_THAT(store->Get(Family::kPersons, "A"), IsOkAndHolds(Optional(Eq("second"))));
  EXPECT_THAT(store->Get(Family::kPersons, "B"), IsOkAndHolds(Optional(Eq("b"))));
  EXPECT_THAT(store->Get(Family::kPersons, "C"), IsOkAndHolds(Eq(std::nullopt)));
  EXPECT_THAT(store->Get(Family::kMeta, "head"), IsOkAndHolds(Optional(Eq("second"))));
}

// A sweep chunk merges eight or more parts: the order is the keys', and a
// key several parts wrote holds the last part's value, as if one thread had
// written the parts one after the other.
TEST_F(StoreTest, AppendMergedOfManyPartsKeepsKeyOrderAndTheLastPartsValue) {
  std::unique_ptr<Store> store = Open();
  std::vector<std::unique_ptr<WriteBatch>> parts;
  std::map<std::string, std::string> expected;  // the last part's value of each key
  for (int p = 0; p < 9; ++p) {
    parts.push_back(std::make_unique<WriteBatch>(*store));
    for (int i = 0; i < 12; ++i) {
      const std::string key = absl::StrCat("K", (p * 7 + i * 13) % 23);
      const std::string value = absl::StrCat("part ", p, " op ", i);
      parts.back()->Put(Family::kPersons, key, value);
      expected[key] = value;
    }
    parts.back()->SortByKey();
  }
  std::vector<const WriteBatch*> sorted;
  for (const auto& part : parts) sorted.push_back(part.get());
  WriteBatch merged(*store);
  merged.AppendMerged(sorted);
  std::vector<std::pair<Family, std::string>> keys = merged.Keys();
  EXPECT_EQ(keys.size(), 9u * 12u);
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
  ASSERT_THAT(store->Write(&merged, /*sync=*/false), IsOk());
  for (const auto& [key, value] : expected) {
    EXPECT_THAT(store->Get(Family::kPersons, key), IsOkAndHolds(Optional(Eq(value)))) << key;
  }
}

TEST_F(StoreTest, UnsyncedWritesAreReadableAndSyncWalMakesThemDurable) {
  std::unique_ptr<Store> store = Open();
  WriteBatch batch(*store);
  batch.Put(Family::kPersons, "P1", "v1");
  ASSERT_THAT(store->Write(&batch, /*sync=*/false), IsOk());
  EXPECT_THAT(store->Get(Family::kPersons, "P1"), IsOkAndHolds(Optional(Eq("v1"))));
  EXPECT_THAT(store->SyncWal(), IsOk());
}

// Unsynced writes wait in RocksDB's log buffer (manual_wal_flush): the
// destructor and Close must still write them out.
TEST_F(StoreTest, UnsyncedWritesSurviveTheDestructorAndClose) {
  {
    std::unique_ptr<Store> store = Open();
    WriteBatch batch(*store);
    batch.Put(Family::kPersons, "P1", "v1");
    ASSERT_THAT(store->Write(&batch, /*sync=*/false), IsOk());
  }  // destroyed without Close
  {
    std::unique_ptr<Store> store = Open();
    EXPECT_THAT(store->Get(Family::kPersons, "P1"), IsOkAndHolds(Optional(Eq("v1"))));
    WriteBatch batch(*store);
    batch.Put(Family::kPersons, "P2", "v2");
    ASSERT_THAT(store->Write(&batch, /*sync=*/false), IsOk());
    ASSERT_THAT(store->Close(), IsOk());
  }
  std::unique_ptr<Store> store = Open();
  EXPECT_THAT(store->Get(Family::kPersons, "P1"), IsOkAndHolds(Optional(Eq("v1"))));
  EXPECT_THAT(store->Get(Family::kPersons, "P2"), IsOkAndHolds(Optional(Eq("v2"))));
}

// What a crash of the process keeps: writes handed to the operating system
// (FlushWal, what --durability=async does before acknowledging), not those
// still in RocksDB's buffer. The child process exits without closing.
TEST_F(StoreTest, FlushWalKeepsUnsyncedWritesThroughACrashOfTheProcess) {
  GTEST_FLAG_SET(death_test_style, "fast");  // a fork here: the same directory
  EXPECT_EXIT(
      {
        std::unique_ptr<Store> store = Open();
        WriteBatch batch(*store);
        batch.Put(Family::kPersons, "flushed", "v1");
        if (!store->Write(&batch, /*sync=*/false).ok() || !store->FlushWal().ok()) std::_Exit(1);
        WriteBatch later(*store);
        later.Put(Family::kPersons, "buffered", "v2");
        if (!store->Write(&later, /*sync=*/false).ok()) std::_Exit(1);
        std::_Exit(0);  // a crash: no destructor, no close
      },
      ::testing::ExitedWithCode(0), "");
  std::unique_ptr<Store> store = Open();
  EXPECT_THAT(store->Get(Family::kPersons, "flushed"), IsOkAndHolds(Optional(Eq("v1"))));
  EXPECT_THAT(store->Get(Family::kPersons, "buffered"), IsOkAndHolds(Eq(std::nullopt)));
}

TEST_F(StoreTest, ScanVisitsAPrefixInOrder) {
  std::unique_ptr<Store> store = Open();
  WriteBatch batch(*store);
  PutHouseholdMember(&batch, "H1", "P2");
  PutHouseholdMember(&batch, "H1", "P1");
  PutHouseholdMember(&batch, "H10", "P9");  // shares the text prefix "H1", not the household
  PutHouseholdMember(&batch, "H2", "P3");
  ASSERT_THAT(store->Write(&batch, true), IsOk());
  EXPECT_THAT(ReadHouseholdMembers(*store, "H1"), IsOkAndHolds(ElementsAre("P1", "P2")));
  WriteBatch removal(*store);
  DeleteHouseholdMember(&removal, "H1", "P1");
  ASSERT_THAT(store->Write(&removal, true), IsOk());
  EXPECT_THAT(ReadHouseholdMembers(*store, "H1"), IsOkAndHolds(ElementsAre("P2")));
}

// Scan bounds RocksDB's iterator at the first key after the prefix: a
// prefix ending in 0xff bytes, or made of them, or empty, still finds every
// key it starts, and nothing else.
TEST_F(StoreTest, ScanFindsEveryKeyOfAPrefixWhateverItsLastBytes) {
  std::unique_ptr<Store> store = Open();
  WriteBatch batch(*store);
  const std::string ff(1, '\xff');
  for (const std::string& key : {std::string("a"), "a" + ff, "a" + ff + "x", "a" + ff + ff, "a" + ff + ff + "y",
                                 std::string("b"), ff, ff + ff, ff + ff + "z"}) {
    batch.Put(Family::kPersons, key, "v");
  }
  ASSERT_THAT(store->Write(&batch, /*sync=*/false), IsOk());
  auto scan = [&](const std::string& prefix) { return ScannedKeys(*store, Family::kPersons, prefix); };
  EXPECT_THAT(scan("a"), ElementsAre("a", "a" + ff, "a" + ff + "x", "a" + ff + ff, "a" + ff + ff + "y"));
  EXPECT_THAT(scan("a" + ff), ElementsAre("a" + ff, "a" + ff + "x", "a" + ff + ff, "a" + ff + ff + "y"));
  EXPECT_THAT(scan("a" + ff + ff), ElementsAre("a" + ff + ff, "a" + ff + ff + "y"));
  EXPECT_THAT(scan(ff), ElementsAre(ff, ff + ff, ff + ff + "z"));
  EXPECT_THAT(scan(ff + ff), ElementsAre(ff + ff, ff + ff + "z"));
  EXPECT_EQ(scan("").size(), 9u);
  EXPECT_THAT(scan("c"), ElementsAre());
}

TEST_F(StoreTest, LastEventSequenceFollowsNumericOrder) {
  std::unique_ptr<Store> store = Open();
  EXPECT_THAT(ReadLastEventSequence(*store), IsOkAndHolds(0u));
  WriteBatch batch(*store);
  for (uint64_t s : {1u, 255u, 256u, 2u}) {
    storage::v1::EventLogEntry entry;
    entry.set_sequence(s);
    PutEventLogEntry(&batch, entry);
  }
  ASSERT_THAT(store->Write(&batch, true), IsOk());
  EXPECT_THAT(ReadLastEventSequence(*store), IsOkAndHolds(256u));
  std::vector<uint64_t> seen;
  ASSERT_THAT(ScanEventLog(*store, 2,
                           [&](const storage::v1::EventLogEntry& e) {
                             seen.push_back(e.sequence());
                             return true;
                           }),
              IsOk());
  EXPECT_THAT(seen, ElementsAre(2u, 255u, 256u));
}

// A household's members are scanned with the households' prefix filters:
// each household finds its own members and only them, wherever its keys
// are: in files an older engine wrote without prefix filters, in files
// written with them, in the memtable, some deleted since.
TEST_F(StoreTest, HouseholdMembersAreFoundInFilesWithAndWithoutPrefixFiltersAndInMemory) {
  const std::string path = dir_.path() + "/data";
  Open().reset();
  {  // an older engine: whole-key filters, no prefix extractor
    rocksdb::BlockBasedTableOptions table;
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    rocksdb::ColumnFamilyOptions older;
    older.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    std::unique_ptr<RawStore> raw = OpenRaw(older);
    ASSERT_NE(raw, nullptr);
    rocksdb::ColumnFamilyHandle* households = raw->family(FamilyName(Family::kHouseholds));
    ASSERT_NE(households, nullptr);
    for (const auto& [household, person] : std::vector<std::pair<std::string, std::string>>{
             {"h-1", "p-1"}, {"h-1", "p-2"}, {"h-10", "p-3"}, {"h-2", "p-4"}}) {
      ASSERT_TRUE(raw->db->Put(rocksdb::WriteOptions(), households, HouseholdMemberKey(household, person), "").ok());
    }
    ASSERT_TRUE(raw->db->Flush(rocksdb::FlushOptions(), households).ok());
  }
  {  // this engine: files with prefix filters (flushed at Close), then the memtable
    std::unique_ptr<Store> store = Open();
    WriteBatch batch(*store);
    PutHouseholdMember(&batch, "h-1", "p-5");
    PutHouseholdMember(&batch, "h-3", "p-6");
    PutHouseholdMember(&batch, "h-10", "p-7");
    DeleteHouseholdMember(&batch, "h-2", "p-4");
    ASSERT_THAT(store->Write(&batch, true), IsOk());
    ASSERT_THAT(store->Close(), IsOk());
  }
  std::unique_ptr<Store> store = Open();
  WriteBatch batch(*store);
  PutHouseholdMember(&batch, "h-1", "p-8");
  PutHouseholdMember(&batch, "h-4", "p-9");
  DeleteHouseholdMember(&batch, "h-10", "p-3");
  ASSERT_THAT(store->Write(&batch, true), IsOk());
  EXPECT_THAT(ReadHouseholdMembers(*store, "h-1"), IsOkAndHolds(ElementsAre("p-1", "p-2", "p-5", "p-8")));
  EXPECT_THAT(ReadHouseholdMembers(*store, "h-10"), IsOkAndHolds(ElementsAre("p-7")));
  EXPECT_THAT(ReadHouseholdMembers(*store, "h-2"), IsOkAndHolds(ElementsAre()));
  EXPECT_THAT(ReadHouseholdMembers(*store, "h-3"), IsOkAndHolds(ElementsAre("p-6")));
  EXPECT_THAT(ReadHouseholdMembers(*store, "h-4"), IsOkAndHolds(ElementsAre("p-9")));
  EXPECT_THAT(ReadHouseholdMembers(*store, "h-5"), IsOkAndHolds(ElementsAre()));
  EXPECT_THAT(ReadHouseholdMembers(*store, "h"), IsOkAndHolds(ElementsAre()));
  // A scan by any other prefix reads the family in key order, across households.
  const auto keys_from = [&](absl::string_view prefix) { return ScannedKeys(*store, Family::kHouseholds, prefix); };
  EXPECT_THAT(keys_from("h-1"), ElementsAre(HouseholdMemberKey("h-1", "p-1"), HouseholdMemberKey("h-1", "p-2"),
                                            HouseholdMemberKey("h-1", "p-5"), HouseholdMemberKey("h-1", "p-8"),
                                            HouseholdMemberKey("h-10", "p-7")));
  const std::vector<std::string> all = keys_from("");
  EXPECT_THAT(all, ElementsAre(HouseholdMemberKey("h-1", "p-1"), HouseholdMemberKey("h-1", "p-2"),
                               HouseholdMemberKey("h-1", "p-5"), HouseholdMemberKey("h-1", "p-8"),
                               HouseholdMemberKey("h-10", "p-7"), HouseholdMemberKey("h-3", "p-6"),
                               HouseholdMemberKey("h-4", "p-9")));
  // Every version, as the proof that an erasure left nothing behind reads
  // them (RocksDB's GetAllKeyVersions, in its default read mode): across
  // households, in files and in memory, deletions included.
  absl::StatusOr<std::vector<Store::KeyVersion>> versions = store->AllVersions(Family::kHouseholds);
  ASSERT_THAT(versions, IsOk());
  std::set<std::string> versioned;
  bool deletion_seen = false;
  for (const Store::KeyVersion& v : *versions) {
    versioned.insert(v.key);
    deletion_seen = deletion_seen || (v.deletion && v.key == HouseholdMemberKey("h-10", "p-3"));
  }
  for (const std::string& key : all) EXPECT_EQ(versioned.count(key), 1u) << key;
  EXPECT_TRUE(deletion_seen);

  // The files this engine wrote hold prefix filters; the older engine's do not.
  ASSERT_THAT(store->Close(), IsOk());
  store.reset();
  std::unique_ptr<RawStore> raw = OpenRaw();
  ASSERT_NE(raw, nullptr);
  rocksdb::TablePropertiesCollection tables;
  ASSERT_TRUE(raw->db->GetPropertiesOfAllTables(raw->family(FamilyName(Family::kHouseholds)), &tables).ok());
  std::multiset<std::string> extractors;
  for (const auto& [file, properties] : tables) extractors.insert(properties->prefix_extractor_name);
  EXPECT_EQ(extractors.count("proactive.HouseholdPrefix"), 2u);  // closed twice
  EXPECT_EQ(extractors.count("nullptr"), 1u);
}

TEST_F(StoreTest, ASecondOpenOfTheSameDirectoryIsRefused) {
  std::unique_ptr<Store> store = Open();
  EXPECT_THAT(Store::Open({dir_.path() + "/data"}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("in use by another process")));
}

// What an engine older than the store's generation does: open the families
// it knows. RocksDB refuses, naming the generation's marker, so the older
// engine cannot decide again under other ids.
TEST_F(StoreTest, AnOlderEngineCannotOpenAStoreOfThisGeneration) {
  const std::string path = dir_.path() + "/data";
  Open().reset();
  Open().reset();  // opened again: the marker is kept, not created twice
  std::vector<std::string> listed;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &listed).ok());
  EXPECT_EQ(std::count(listed.begin(), listed.end(), StoreGenerationFamilyName(kStoreGeneration)), 1);
  EXPECT_EQ(StoreGenerationOf(StoreGenerationFamilyName(kStoreGeneration)), kStoreGeneration);
  EXPECT_EQ(StoreGenerationOf("events"), 0);

  std::vector<rocksdb::ColumnFamilyDescriptor> known;
  for (int i = 0; i < kFamilyCount; ++i)
    known.emplace_back(std::string(FamilyName(static_cast<Family>(i))), rocksdb::ColumnFamilyOptions());
  rocksdb::DBOptions options;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* older = nullptr;
  const rocksdb::Status refused = rocksdb::DB::Open(options, path, known, &handles, &older);
  EXPECT_TRUE(refused.IsInvalidArgument()) << refused.ToString();
  EXPECT_THAT(refused.ToString(),
              HasSubstr(absl::StrCat("Column families not opened: ", StoreGenerationFamilyName(kStoreGeneration))));
  EXPECT_EQ(older, nullptr);
}

// A store a newer engine marked is refused before anything is opened, with
// the generation named; the store is left as it was.
TEST_F(StoreTest, AStoreOfANewerGenerationIsRefusedNamingIt) {
  const std::string path = dir_.path() + "/data";
  {
    std::unique_ptr<Store> store = Open();
    WriteBatch batch(*store);
    batch.Put(Family::kMeta, "k", "v");
    ASSERT_THAT(store->Write(&batch, true), IsOk());
  }
  {  // what the newer engine's Open would have created
    std::unique_ptr<RawStore> raw = OpenRaw();
    ASSERT_NE(raw, nullptr);
    rocksdb::ColumnFamilyHandle* newer = nullptr;
    ASSERT_TRUE(raw->db
                    ->CreateColumnFamily(rocksdb::ColumnFamilyOptions(),
                                         StoreGenerationFamilyName(kStoreGeneration + 1), &newer)
                    .ok());
    raw->handles.push_back(newer);
  }
  EXPECT_THAT(Store::Open({path}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr(absl::StrCat("was written by a newer proactived (store generation ",
                                              kStoreGeneration + 1, "; this one reads up to ", kStoreGeneration))));
  std::vector<std::string> after;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &after).ok());
  EXPECT_EQ(after.size(), static_cast<size_t>(kFamilyCount) + 2);
}

TEST_F(StoreTest, CorruptRecordIsDataLoss) {
  std::unique_ptr<Store> store = Open();
  WriteBatch batch(*store);
  batch.Put(Family::kPersons, "P1", "\xFF\xFF not a record");
  ASSERT_THAT(store->Write(&batch, true), IsOk());
  EXPECT_THAT(ReadPersonState(*store, "P1"), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("person P1")));
}

TEST_F(StoreTest, MultiGetAnswersEachKeyInTheOrderAsked) {
  std::unique_ptr<Store> store = Open();
  WriteBatch batch(*store);
  batch.Put(Family::kPersons, "P1", "one");
  batch.Put(Family::kPersons, "P3", "three");
  batch.Put(Family::kEventIds, "P2", "another family");
  ASSERT_THAT(store->Write(&batch, true), IsOk());
  ASSERT_THAT(store->Close(), IsOk());  // from the table files, then from the memtable too
  store = Open();
  WriteBatch later(*store);
  later.Put(Family::kPersons, "P4", "four");
  later.Delete(Family::kPersons, "P1");
  ASSERT_THAT(store->Write(&later, false), IsOk());
  EXPECT_THAT(
      store->MultiGet(Family::kPersons, {"P1", "P2", "P3", "P4"}),
      IsOkAndHolds(ElementsAre(Eq(std::nullopt), Eq(std::nullopt), Optional(Eq("three")), Optional(Eq("four")))));
  EXPECT_THAT(store->MultiGet(Family::kPersons, {"P4", "P3", "P4"}),
              IsOkAndHolds(ElementsAre(Optional(Eq("four")), Optional(Eq("three")), Optional(Eq("four")))));
  EXPECT_THAT(store->MultiGet(Family::kPersons, {}), IsOkAndHolds(ElementsAre()));
}

// A sweep reads each of its persons once: those reads leave the block cache
// to the reads that come back (an event's person, its household).
TEST_F(StoreTest, ReadsMadeOnceAreNotKeptInTheBlockCache) {
  std::unique_ptr<Store> store = Open();
  WriteBatch batch(*store);
  std::vector<std::string> ids;
  uint64_t noise = 88172645463325252ull;  // values that do not compress away
  for (int i = 0; i < 2000; ++i) {
    ids.push_back(absl::StrCat("P", 10000 + i));
    std::string value;
    for (int j = 0; j < 25; ++j) {
      noise ^= noise << 13, noise ^= noise >> 7, noise ^= noise << 17;
      value.append(reinterpret_cast<const char*>(&noise), sizeof(noise));
    }
    batch.Put(Family::kPersons, ids.back(), value);
  }
  ASSERT_THAT(store->Write(&batch, true), IsOk());
  ASSERT_THAT(store->Close(), IsOk());  // into table files
  store = Open();
  const std::vector<absl::string_view> keys(ids.begin(), ids.end());
  const uint64_t before = store->BlockCacheBytes();
  absl::StatusOr<std::vector<std::optional<std::string>>> once =
      store->MultiGet(Family::kPersons, keys, Store::Caching::kReadOnce);
  ASSERT_THAT(once, IsOk());
  ASSERT_EQ(once->size(), ids.size());
  for (const std::optional<std::string>& value : *once) ASSERT_THAT(value, Optional(::testing::SizeIs(200)));
  EXPECT_EQ(store->BlockCacheBytes(), before);
  EXPECT_THAT(store->MultiGet(Family::kPersons, keys), IsOkAndHolds(Eq(*once)));
  EXPECT_GT(store->BlockCacheBytes(), before + 300 * 1024) << "400 kB of persons read to be kept";
}

TEST_F(StoreTest, DeferredWritesAreSeenByTheDeferringThreadOnlyUntilWritten) {
  std::unique_ptr<Store> store = Open();
  WriteBatch before(*store);
  for (const char* key : {"h/1/a", "h/1/c", "h/1/e", "h/2/a"}) before.Put(Family::kHouseholds, key, "stored");
  ASSERT_THAT(store->Write(&before, /*sync=*/false), IsOk());
  std::vector<std::string> observed;
  store->ObserveWrites(Family::kPersons, [&](absl::string_view key, const absl::string_view* value) {
    observed.push_back(absl::StrCat(key, "=", value != nullptr ? *value : "deleted"));
  });
  const auto scan = [&](absl::string_view prefix) {
    std::vector<std::string> seen;
    EXPECT_THAT(store->Scan(Family::kHouseholds, prefix,
                            [&](absl::string_view key, absl::string_view value) {
                              seen.push_back(absl::StrCat(key, "=", value));
                              return true;
                            }),
                IsOk());
    return seen;
  };
  const auto from_other_thread = [&](auto read) {
    std::thread other([&] { read(); });
    other.join();
  };

  store->DeferWrites();
  EXPECT_TRUE(store->Deferring());
  const uint64_t writes = store->writes();
  WriteBatch first(*store), second(*store);
  first.Put(Family::kHouseholds, "h/1/b", "recorded");
  first.Delete(Family::kHouseholds, "h/1/c");
  first.Put(Family::kPersons, "P1", "one");
  ASSERT_THAT(store->Write(&first, /*sync=*/false), IsOk());
  second.Put(Family::kHouseholds, "h/1/e", "replaced");
  second.Put(Family::kHouseholds, "h/1/f", "recorded");
  second.Put(Family::kPersons, "P1", "two");
  ASSERT_THAT(store->Write(&second, /*sync=*/false), IsOk());
  EXPECT_EQ(store->writes(), writes + 2);
  EXPECT_THAT(observed, ElementsAre("P1=one", "P1=two")) << "observed as they are recorded";

  // This thread reads what it recorded, merged with what is stored.
  EXPECT_THAT(store->Get(Family::kPersons, "P1"), IsOkAndHolds(Optional(Eq("two"))));
  EXPECT_THAT(store->Get(Family::kHouseholds, "h/1/c"), IsOkAndHolds(Eq(std::nullopt)));
  EXPECT_THAT(store->Get(Family::kHouseholds, "h/1/a"), IsOkAndHolds(Optional(Eq("stored"))));
  EXPECT_THAT(
      store->MultiGet(Family::kHouseholds, {"h/1/a", "h/1/b", "h/1/c", "h/1/z"}),
      IsOkAndHolds(ElementsAre(Optional(Eq("stored")), Optional(Eq("recorded")), Eq(std::nullopt), Eq(std::nullopt))));
  EXPECT_THAT(scan("h/1/"), ElementsAre("h/1/a=stored", "h/1/b=recorded", "h/1/e=replaced", "h/1/f=recorded"));
  EXPECT_THAT(scan("h/2/"), ElementsAre("h/2/a=stored"));
  EXPECT_THAT(scan("h/"),
              ElementsAre("h/1/a=stored", "h/1/b=recorded", "h/1/e=replaced", "h/1/f=recorded", "h/2/a=stored"));
  // Nothing that needs the database itself, while deferring.
  EXPECT_THAT(store->Last(Family::kHouseholds), StatusIs(absl::StatusCode::kInternal));
  WriteBatch synced(*store);
  synced.Put(Family::kPersons, "P9", "x");
  EXPECT_THAT(store->Write(&synced, /*sync=*/true), StatusIs(absl::StatusCode::kInternal));
  // A scan stopped on a recorded key that replaces a stored one.
  std::vector<std::string> until_replaced;
  ASSERT_THAT(store->Scan(Family::kHouseholds, "h/1/",
                          [&](absl::string_view key, absl::string_view value) {
                            until_replaced.push_back(absl::StrCat(key, "=", value));
                            return key != "h/1/e";
                          }),
              IsOk());
  EXPECT_THAT(until_replaced, ElementsAre("h/1/a=stored", "h/1/b=recorded", "h/1/e=replaced"));

  // Another thread sees the database only.
  from_other_thread([&] {
    EXPECT_FALSE(store->Deferring());
    EXPECT_THAT(store->Get(Family::kPersons, "P1"), IsOkAndHolds(Eq(std::nullopt)));
    EXPECT_THAT(scan("h/1/"), ElementsAre("h/1/a=stored", "h/1/c=stored", "h/1/e=stored"));
  });

  ASSERT_THAT(store->WriteDeferred(), IsOk());
  EXPECT_FALSE(store->Deferring());
  from_other_thread([&] {
    EXPECT_THAT(store->Get(Family::kPersons, "P1"), IsOkAndHolds(Optional(Eq("two"))));
    EXPECT_THAT(scan("h/1/"), ElementsAre("h/1/a=stored", "h/1/b=recorded", "h/1/e=replaced", "h/1/f=recorded"));
  });
  // The group was written once per key: P1 has the stored version only.
  absl::StatusOr<std::vector<Store::KeyVersion>> versions = store->AllVersions(Family::kPersons);
  ASSERT_THAT(versions, IsOk());
  ASSERT_EQ(versions->size(), 1u);
  EXPECT_EQ((*versions)[0].value, "two");

  // Discarded: nothing recorded is written.
  store->DeferWrites();
  WriteBatch dropped(*store);
  dropped.Put(Family::kPersons, "P2", "dropped");
  ASSERT_THAT(store->Write(&dropped, /*sync=*/false), IsOk());
  store->DiscardDeferred();
  EXPECT_THAT(store->Get(Family::kPersons, "P2"), IsOkAndHolds(Eq(std::nullopt)));
  store->ObserveWrites(Family::kPersons, nullptr);
}

TEST_F(StoreTest, SealedWritesStayReadableUntilWrittenOnAnotherThreadAndForgotten) {
  std::unique_ptr<Store> store = Open();
  WriteBatch before(*store);
  before.Put(Family::kHouseholds, "h/1/a", "stored");
  before.Put(Family::kHouseholds, "h/1/d", "stored");
  ASSERT_THAT(store->Write(&before, /*sync=*/false), IsOk());
  const auto scan = [&] {
    std::vector<std::string> seen;
    EXPECT_THAT(store->Scan(Family::kHouseholds, "h/1/",
                            [&](absl::string_view key, absl::string_view value) {
                              seen.push_back(absl::StrCat(key, "=", value));
                              return true;
                            }),
                IsOk());
    return seen;
  };
  const auto put = [&](const char* key, const char* value) {
    WriteBatch batch(*store);
    if (value != nullptr) {
      batch.Put(Family::kHouseholds, key, value);
    } else {
      batch.Delete(Family::kHouseholds, key);
    }
    ASSERT_THAT(store->Write(&batch, /*sync=*/false), IsOk());
  };

  store->DeferWrites();
  put("h/1/b", "first");
  put("h/1/c", "first");
  put("h/1/d", nullptr);
  Store::SealedWrite first = store->SealDeferred();
  EXPECT_EQ(first.Count(), 3);
  // The next group: it reads the sealed records, and records over one.
  EXPECT_THAT(store->Get(Family::kHouseholds, "h/1/b"), IsOkAndHolds(Optional(Eq("first"))));
  put("h/1/c", "second");
  put("h/1/e", "second");
  EXPECT_THAT(scan(), ElementsAre("h/1/a=stored", "h/1/b=first", "h/1/c=second", "h/1/e=second"));

  // The first group is written on another thread: there, nothing of it
  // before, all of it after, and nothing of the second.
  std::thread writer([&] {
    EXPECT_THAT(scan(), ElementsAre("h/1/a=stored", "h/1/d=stored"));
    EXPECT_THAT(store->WriteSealed(first), IsOk());
    EXPECT_THAT(scan(), ElementsAre("h/1/a=stored", "h/1/b=first", "h/1/c=first"));
  });
  writer.join();
  store->ForgetWritten();
  // Forgotten: the first group's records, now read from the database. Kept:
  // the key the second group recorded again, and the second group's own.
  EXPECT_THAT(scan(), ElementsAre("h/1/a=stored", "h/1/b=first", "h/1/c=second", "h/1/e=second"));
  EXPECT_THAT(store->Get(Family::kHouseholds, "h/1/d"), IsOkAndHolds(Eq(std::nullopt)));

  Store::SealedWrite second = store->SealDeferred();
  EXPECT_EQ(second.Count(), 2) << "only what the second group recorded";
  ASSERT_THAT(store->WriteSealed(second), IsOk());
  store->ForgetWritten();
  store->DiscardDeferred();
  EXPECT_THAT(scan(), ElementsAre("h/1/a=stored", "h/1/b=first", "h/1/c=second", "h/1/e=second"));
  absl::StatusOr<std::vector<Store::KeyVersion>> versions = store->AllVersions(Family::kHouseholds);
  ASSERT_THAT(versions, IsOk());
  int versions_of_c = 0;
  for (const Store::KeyVersion& v : *versions) versions_of_c += v.key == "h/1/c" ? 1 : 0;
  EXPECT_EQ(versions_of_c, 2) << "one write per group";

  // Not written yet, not forgotten; a closed store refuses the write.
  store->DeferWrites();
  put("h/1/f", "unwritten");
  Store::SealedWrite last = store->SealDeferred();
  store->ForgetWritten();
  EXPECT_THAT(store->Get(Family::kHouseholds, "h/1/f"), IsOkAndHolds(Optional(Eq("unwritten"))));
  ASSERT_THAT(store->Close(), IsOk());
  EXPECT_THAT(store->WriteSealed(last), StatusIs(absl::StatusCode::kFailedPrecondition));
  store->DiscardDeferred();
}

TEST_F(StoreTest, ClosedStoreRefusesCalls) {
  std::unique_ptr<Store> store = Open();
  ASSERT_THAT(store->Close(), IsOk());
  EXPECT_THAT(store->Get(Family::kPersons, "P1"), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(store->MultiGet(Family::kPersons, {"P1"}), StatusIs(absl::StatusCode::kFailedPrecondition));
}

// Audit sequences, outbox and recourse times are keyed by DecimalKey: the
// keys of stores written with StrFormat's "%020d", which it must match.
TEST(DecimalKeyTest, WritesWhatStrFormatWrote) {
  for (uint64_t value : {uint64_t{0}, uint64_t{7}, uint64_t{10}, uint64_t{1788264009}, uint64_t{99999999999},
                         std::numeric_limits<uint64_t>::max()}) {
    EXPECT_EQ(DecimalKey(value).view(), absl::StrFormat("%020d", value)) << value;
  }
  for (int64_t value : {int64_t{0}, int64_t{42}, int64_t{-1}, int64_t{-1788264009}, std::numeric_limits<int64_t>::max(),
                        std::numeric_limits<int64_t>::min()}) {
    EXPECT_EQ(DecimalKey(value).view(), absl::StrFormat("%020d", value)) << value;
  }
}

}  // namespace
}  // namespace proactive
