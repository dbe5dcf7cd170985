#include "engine/audit/audit_log.h"

#include "absl/strings/str_format.h"
#include "engine/store/codec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;
using ::testing::HasSubstr;

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = Store::Open({dir_.path() + "/data"});
    ASSERT_THAT(store, IsOk());
    store_ = *std::move(store);
  }
  // Appends `n` entries in separate batches, reopening the log each time
  // (the head survives).
  void AppendEntries(int n) {
    for (int i = 0; i < n; ++i) {
      auto audit = AuditLog::Open(store_.get());
      ASSERT_THAT(audit, IsOk());
      WriteBatch batch(*store_);
      storage::v1::DecisionRecord changed;
      changed.set_decision_id(absl::StrCat("d-", i));
      (*audit)->Append(&batch, absl::FromUnixSeconds(1782892800 + i),
                       AuditRecord{"decision.status", changed.decision_id(), "", "engine", "proposed", "notified", ""},
                       changed);
      ASSERT_THAT(store_->Write(&batch, true), IsOk());
    }
  }
  AuditVerification Verify() {
    auto v = VerifyAuditChain(*store_);
    EXPECT_THAT(v, IsOk());
    return *v;
  }
  std::string Key(uint64_t sequence) { return absl::StrFormat("%020d", sequence); }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

// A sweep's helper threads stage entries; the writer chains them. The chain
// is the one Append makes, and a batch of many entries moves the head once.
TEST_F(AuditLogTest, StagedEntriesChainAsAppendedOnesAndTheHeadIsWrittenOnce) {
  testing::TempDir other_dir;
  auto other_store = Store::Open({other_dir.path() + "/data"});
  ASSERT_THAT(other_store, IsOk());
  auto direct = AuditLog::Open(store_.get());
  auto staged = AuditLog::Open(other_store->get());
  ASSERT_THAT(direct, IsOk());
  ASSERT_THAT(staged, IsOk());
  WriteBatch direct_batch(*store_);
  WriteBatch staged_batch(**other_store);
  std::vector<StagedAuditEntry> entries;
  for (int i = 0; i < 5; ++i) {
    storage::v1::DecisionRecord changed;
    changed.set_decision_id(absl::StrCat("d-", i));
    const AuditRecord record{"decision.created", changed.decision_id(), "", "engine", "", "issued", "broadcast b"};
    const absl::Time at = absl::FromUnixSeconds(1782892800 + i);
    (*direct)->AppendEncoded(&direct_batch, at, record, EncodeRecord(changed));
    entries.push_back(AuditLog::Stage(at, record, EncodeRecord(changed)));
  }
  for (const StagedAuditEntry& entry : entries) (*staged)->AppendStaged(&staged_batch, entry);
  EXPECT_EQ(direct_batch.Count(), 6);  // five entries, one head
  EXPECT_EQ(staged_batch.Count(), 6);
  EXPECT_EQ(direct_batch.Keys(), staged_batch.Keys());
  ASSERT_THAT(store_->Write(&direct_batch, true), IsOk());
  ASSERT_THAT((*other_store)->Write(&staged_batch, true), IsOk());
  for (uint64_t sequence = 1; sequence <= 5; ++sequence) {
    EXPECT_EQ(*store_->Get(Family::kAudit, Key(sequence)), *(*other_store)->Get(Family::kAudit, Key(sequence)));
  }
  EXPECT_EQ(*store_->Get(Family::kMeta, "audit/head"), *(*other_store)->Get(Family::kMeta, "audit/head"));
  EXPECT_EQ((*direct)->sequence(), 5u);
  EXPECT_EQ((*staged)->sequence(), 5u);
  AuditVerification v = Verify();
  EXPECT_EQ(v.entries, 5u);
  EXPECT_FALSE(v.first_broken.has_value()) << v.problem;
  absl::StatusOr<AuditVerification> staged_verified = VerifyAuditChain(**other_store);
  ASSERT_THAT(staged_verified, IsOk());
  EXPECT_EQ(staged_verified->entries, 5u);
  EXPECT_FALSE(staged_verified->first_broken.has_value()) << staged_verified->problem;
}

TEST_F(AuditLogTest, AnIntactChainVerifies) {
  AppendEntries(20);
  AuditVerification v = Verify();
  EXPECT_EQ(v.entries, 20u);
  EXPECT_FALSE(v.first_broken.has_value()) << v.problem;
}

// An entry's bytes are its deterministic encoding, the hash included: the
// writer appends the hash field to the encoding it hashed.
TEST_F(AuditLogTest, AnEntryIsStoredAsTheEncodingOfTheEntryWithItsHash) {
  const google::protobuf::Descriptor* entry_type = storage::v1::AuditEntry::descriptor();
  for (int i = 0; i < entry_type->field_count(); ++i) {
    EXPECT_LE(entry_type->field(i)->number(), storage::v1::AuditEntry::kHashFieldNumber)
        << entry_type->field(i)->name() << " would be encoded after the hash";
  }
  AppendEntries(3);
  for (uint64_t sequence = 1; sequence <= 3; ++sequence) {
    absl::StatusOr<std::optional<std::string>> bytes = store_->Get(Family::kAudit, Key(sequence));
    ASSERT_THAT(bytes, IsOk());
    ASSERT_TRUE(bytes->has_value());
    absl::StatusOr<storage::v1::AuditEntry> entry = DecodeRecord<storage::v1::AuditEntry>(**bytes, "entry");
    ASSERT_THAT(entry, IsOk());
    EXPECT_EQ(entry->hash().size(), 32u);
    EXPECT_EQ(entry->hash(), AuditEntryHash(*entry));
    EXPECT_EQ(EncodeRecord(*entry), **bytes);
  }
}

TEST_F(AuditLogTest, FlippingOneByteOfAnEntryBreaksTheChainAtThatEntry) {
  AppendEntries(20);
  absl::StatusOr<std::optional<std::string>> bytes = store_->Get(Family::kAudit, Key(13));
  ASSERT_THAT(bytes, IsOk());
  // Flip one byte inside the actor text ("engine" -> "enGine"): still a
  // well-formed entry, but not the one that was hashed.
  std::string tampered = **bytes;
  size_t at = tampered.find("engine");
  ASSERT_NE(at, std::string::npos);
  tampered[at + 2] ^= 0x20;
  WriteBatch batch(*store_);
  batch.Put(Family::kAudit, Key(13), tampered);
  ASSERT_THAT(store_->Write(&batch, true), IsOk());
  AuditVerification v = Verify();
  ASSERT_TRUE(v.first_broken.has_value());
  EXPECT_EQ(*v.first_broken, 13u);
  EXPECT_THAT(v.problem, HasSubstr("entry 13 was altered"));
}

TEST_F(AuditLogTest, RemovingOrReplacingAnEntryIsDetected) {
  AppendEntries(10);
  WriteBatch removal(*store_);
  removal.Delete(Family::kAudit, Key(4));
  ASSERT_THAT(store_->Write(&removal, true), IsOk());
  AuditVerification v = Verify();
  ASSERT_TRUE(v.first_broken.has_value());
  EXPECT_EQ(*v.first_broken, 4u);
  EXPECT_THAT(v.problem, HasSubstr("entry 4 is missing"));
}

TEST_F(AuditLogTest, ARecomputedEntryDoesNotFollowItsPredecessor) {
  AppendEntries(10);
  // A forger rewrites entry 6 and recomputes its own hash: entry 7 still
  // points to the old one.
  auto bytes = store_->Get(Family::kAudit, Key(6));
  auto entry = DecodeRecord<storage::v1::AuditEntry>(**bytes, "entry 6");
  ASSERT_THAT(entry, IsOk());
  entry->set_to_status("confirmed");
  entry->set_hash(AuditEntryHash(*entry));
  WriteBatch batch(*store_);
  batch.Put(Family::kAudit, Key(6), EncodeRecord(*entry));
  ASSERT_THAT(store_->Write(&batch, true), IsOk());
  AuditVerification v = Verify();
  ASSERT_TRUE(v.first_broken.has_value());
  EXPECT_EQ(*v.first_broken, 7u);
  EXPECT_THAT(v.problem, HasSubstr("entry 7 does not follow entry 6"));
}

TEST_F(AuditLogTest, CuttingTheTailIsDetectedByTheHead) {
  AppendEntries(10);
  WriteBatch batch(*store_);
  batch.Delete(Family::kAudit, Key(10));
  ASSERT_THAT(store_->Write(&batch, true), IsOk());
  AuditVerification v = Verify();
  ASSERT_TRUE(v.first_broken.has_value());
  EXPECT_THAT(v.problem, HasSubstr("entries after it were removed"));
}

}  // namespace
}  // namespace proactive
