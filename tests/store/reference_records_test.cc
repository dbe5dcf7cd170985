#include "engine/store/reference_records.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;

storage::v1::ReferenceRowRecord Row(const std::string& key, const std::string& school) {
  storage::v1::ReferenceRowRecord row;
  row.set_key(key);
  storage::v1::NamedValue* column = row.add_columns();
  column->set_name("school_name");
  column->mutable_value()->set_string_value(school);
  return row;
}

storage::v1::ReferenceTableRecord Table(uint64_t version, const std::string& fingerprint) {
  storage::v1::ReferenceTableRecord record;
  record.set_table("sectors");
  record.set_version(version);
  record.set_fingerprint(fingerprint);
  record.set_source("paris-opendata");
  return record;
}

TEST(ReferenceRecordsTest, ReplaceIsWholeAndSurvivesReopen) {
  testing::TempDir dir;
  {
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open({dir.path() + "/data"});
    ASSERT_THAT(store, IsOk());
    std::vector<storage::v1::ReferenceRowRecord> rows = {Row("a", "A"), Row("b", "B")};
    ASSERT_THAT(ReplaceReferenceTable(store->get(), Table(1, ReferenceRowsFingerprint(rows)), rows), IsOk());
    // A prefix-sharing table is not touched by replacements of "sectors".
    storage::v1::ReferenceTableRecord other = Table(1, "");
    other.set_table("sectors2");
    ASSERT_THAT(ReplaceReferenceTable(store->get(), other, {Row("z", "Z")}), IsOk());
    std::vector<storage::v1::ReferenceRowRecord> next = {Row("b", "B2"), Row("c", "C")};
    ASSERT_THAT(ReplaceReferenceTable(store->get(), Table(2, ReferenceRowsFingerprint(next)), next), IsOk());
    ASSERT_THAT((*store)->Close(), IsOk());
  }
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open({dir.path() + "/data"});
  ASSERT_THAT(store, IsOk());
  absl::StatusOr<std::optional<storage::v1::ReferenceTableRecord>> table = ReadReferenceTable(**store, "sectors");
  ASSERT_THAT(table, IsOk());
  ASSERT_TRUE(table->has_value());
  EXPECT_EQ((*table)->version(), 2u);
  EXPECT_EQ((*table)->row_count(), 2u);
  absl::StatusOr<std::optional<storage::v1::ReferenceRowRecord>> row = ReadReferenceRow(**store, "sectors", "a");
  ASSERT_THAT(row, IsOk());
  EXPECT_FALSE(row->has_value()) << "rows of the old version are gone";
  row = ReadReferenceRow(**store, "sectors", "b");
  ASSERT_THAT(row, IsOk());
  ASSERT_TRUE(row->has_value());
  EXPECT_EQ((*row)->columns(0).value().string_value(), "B2");
  EXPECT_EQ((*row)->version(), 2u);
  std::vector<std::string> keys;
  ASSERT_THAT(ScanReferenceRows(**store, "sectors",
                                [&](const storage::v1::ReferenceRowRecord& r) {
                                  keys.push_back(r.key());
                                  return true;
                                }),
              IsOk());
  EXPECT_THAT(keys, ::testing::ElementsAre("b", "c"));
  row = ReadReferenceRow(**store, "sectors2", "z");
  ASSERT_THAT(row, IsOk());
  EXPECT_TRUE(row->has_value());
  EXPECT_FALSE(ReadReferenceTable(**store, "never")->has_value());
}

TEST(ReferenceRecordsTest, FingerprintDependsOnContentOnly) {
  std::vector<storage::v1::ReferenceRowRecord> a = {Row("a", "A")};
  std::vector<storage::v1::ReferenceRowRecord> b = {Row("a", "A")};
  b[0].set_version(7);
  EXPECT_EQ(ReferenceRowsFingerprint(a), ReferenceRowsFingerprint(b));
  b[0].mutable_columns(0)->mutable_value()->set_string_value("A2");
  EXPECT_NE(ReferenceRowsFingerprint(a), ReferenceRowsFingerprint(b));
}

}  // namespace
}  // namespace proactive
