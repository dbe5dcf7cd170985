#include "engine/audit/audit_log.h"

#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
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
  // Appends `n` entries to one batch through `audit`, then writes it: entry
  // i names decision_of(i), with `cause`.
  void AppendInOneBatch(AuditLog& audit, int n, absl::FunctionRef<std::string(int)> decision_of,
                        const std::string& cause = "", bool sync = false) {
    WriteBatch batch(*store_);
    for (int i = 0; i < n; ++i) {
      storage::v1::DecisionRecord changed;
      changed.set_decision_id(decision_of(i));
      audit.Append(&batch, absl::FromUnixSeconds(1782892800 + i),
                   AuditRecord{"decision.status", changed.decision_id(), "", "engine", "proposed", "notified", cause},
                   changed);
    }
    ASSERT_THAT(store_->Write(&batch, sync), IsOk());
  }
  AuditVerification Verify() {
    auto v = VerifyAuditChain(*store_);
    EXPECT_THAT(v, IsOk());
    return *v;
  }
  std::string Key(uint64_t sequence) { return absl::StrFormat("%020d", sequence); }
  // What a store written before the index by decision existed holds.
  void ForgetTheIndex() {
    WriteBatch older(*store_);
    ASSERT_THAT(store_->Scan(Family::kAuditByDecision, "",
                             [&](absl::string_view key, absl::string_view) {
                               older.Delete(Family::kAuditByDecision, key);
                               return true;
                             }),
                IsOk());
    older.Delete(Family::kMeta, "audit/indexed-by-decision");
    ASSERT_THAT(store_->Write(&older, true), IsOk());
  }

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
  EXPECT_EQ(direct_batch.Count(), 11);  // five entries, each indexed by its decision, one head
  EXPECT_EQ(staged_batch.Count(), 11);
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

  // All at once, as a sweep chunk adds them: the same writes as one by one,
  // the index's keys after the entries, in key order.
  std::swap(entries[0], entries[4]);  // decision ids out of key order: d-4 first
  testing::TempDir all_dir, each_dir;
  auto all_store = Store::Open({all_dir.path() + "/data"});
  auto each_store = Store::Open({each_dir.path() + "/data"});
  ASSERT_THAT(all_store, IsOk());
  ASSERT_THAT(each_store, IsOk());
  auto all = AuditLog::Open(all_store->get());
  auto each = AuditLog::Open(each_store->get());
  ASSERT_THAT(all, IsOk());
  ASSERT_THAT(each, IsOk());
  WriteBatch all_batch(**all_store);
  WriteBatch each_batch(**each_store);
  std::vector<const StagedAuditEntry*> pointers;
  for (const StagedAuditEntry& entry : entries) {
    pointers.push_back(&entry);
    (*each)->AppendStaged(&each_batch, entry);
  }
  (*all)->AppendAllStaged(&all_batch, pointers);
  std::vector<std::string> index_order;
  for (const auto& [family, key] : all_batch.Keys()) {
    if (family == Family::kAuditByDecision) index_order.push_back(key);
  }
  EXPECT_EQ(index_order.size(), 5u);
  EXPECT_TRUE(std::is_sorted(index_order.begin(), index_order.end()));
  std::vector<std::pair<Family, std::string>> all_keys = all_batch.Keys();
  std::vector<std::pair<Family, std::string>> each_keys = each_batch.Keys();
  std::sort(all_keys.begin(), all_keys.end());
  std::sort(each_keys.begin(), each_keys.end());
  EXPECT_EQ(all_keys, each_keys);
  ASSERT_THAT((*all_store)->Write(&all_batch, true), IsOk());
  ASSERT_THAT((*each_store)->Write(&each_batch, true), IsOk());
  for (const auto& [family, key] : each_keys) {
    EXPECT_EQ(*(*all_store)->Get(family, key), *(*each_store)->Get(family, key)) << FamilyName(family) << " " << key;
  }
  EXPECT_EQ(*(*all_store)->Get(Family::kMeta, "audit/head"), *(*each_store)->Get(Family::kMeta, "audit/head"));
  absl::StatusOr<AuditVerification> all_verified = VerifyAuditChain(**all_store);
  ASSERT_THAT(all_verified, IsOk());
  EXPECT_EQ(all_verified->entries, 5u);
  EXPECT_FALSE(all_verified->first_broken.has_value()) << all_verified->problem;
  absl::StatusOr<AuditPage> d4 = ListAuditEntries(**all_store, {.decision_ids = {"d-4"}});
  ASSERT_THAT(d4, IsOk());
  ASSERT_EQ(d4->entries.size(), 1u);
  EXPECT_EQ(d4->entries[0].sequence(), 1u);  // staged first
}

TEST_F(AuditLogTest, AnIntactChainVerifies) {
  AppendEntries(20);
  AuditVerification v = Verify();
  EXPECT_EQ(v.entries, 20u);
  EXPECT_FALSE(v.first_broken.has_value()) << v.problem;
}

// A caller that gave up stops the verification within 1,024 entries.
TEST_F(AuditLogTest, VerificationStopsWhenItsCallerGivesUp) {
  auto audit = AuditLog::Open(store_.get());
  ASSERT_THAT(audit, IsOk());
  AppendInOneBatch(**audit, 3000, [](int) { return std::string("d-1"); });
  int asked = 0;
  EXPECT_THAT(VerifyAuditChain(*store_, [&asked] { return ++asked == 3; }),
              testing::StatusIs(absl::StatusCode::kCancelled,
                                "stopped after 2048 entries of the chain, all intact so far: the caller gave up"));
  EXPECT_EQ(asked, 3);
  absl::StatusOr<AuditVerification> all = VerifyAuditChain(*store_, [] { return false; });
  ASSERT_THAT(all, IsOk());
  EXPECT_EQ(all->entries, 3000u);
  EXPECT_FALSE(all->first_broken.has_value()) << all->problem;
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

// An auditor's questions: a decision's history with its cases, an action by
// prefix, an actor; pages that go on where the last one stopped.
class AuditListingTest : public AuditLogTest {
 protected:
  // Entries 1..13: three decisions made, d-1 contested (a case, claimed,
  // its contact revealed, resolved by alice), d-2's message sent, bob's note,
  // a citizen's opt-out, and d-4 made from the offer d-1 (its cause).
  void SetUp() override {
    AuditLogTest::SetUp();
    auto audit = AuditLog::Open(store_.get());
    ASSERT_THAT(audit, IsOk());
    const std::vector<AuditRecord> records = {
        {"decision.created", "d-1", "", "engine", "", "proposed", "event e-1"},
        {"decision.created", "d-2", "", "engine", "", "proposed", "event e-2"},
        {"decision.created", "d-3", "", "engine", "", "proposed", "event e-3"},
        {"decision.status", "d-1", "", "engine", "proposed", "notified", "m-1"},
        {"decision.status", "d-1", "c-1", "citizen", "notified", "contested", "sms r-1"},
        {"case.opened", "d-1", "c-1", "citizen", "", "open", "contest"},
        {"case.claimed", "d-1", "c-1", "caseworker:alice", "", "", ""},
        {"person.contact_revealed", "d-1", "c-1", "caseworker:alice", "masked", "shown", "recipient 1"},
        {"message.sent", "d-2", "", "engine", "sms", "sent", "m-2"},
        {"case.note", "d-2", "c-2", "caseworker:bob", "", "", ""},
        {"case.resolved", "d-1", "c-1", "caseworker:alice", "open", "resolved", "overturned"},
        {"person.opted_out", "", "", "citizen", "", "opted out", "r-9"},
        {"decision.created", "d-4", "", "engine", "", "issued", "d-1"},
    };
    WriteBatch batch(*store_);
    int i = 0;
    for (const AuditRecord& record : records) {
      storage::v1::DecisionRecord changed;
      changed.set_decision_id(record.decision_id);
      (*audit)->Append(&batch, absl::FromUnixSeconds(1782892800 + ++i), record, changed);
    }
    ASSERT_THAT(store_->Write(&batch, true), IsOk());
  }
  std::vector<uint64_t> Sequences(const AuditQuery& query, AuditPage* page_out = nullptr) {
    absl::StatusOr<AuditPage> page = ListAuditEntries(*store_, query);
    EXPECT_THAT(page, IsOk());
    std::vector<uint64_t> sequences;
    if (!page.ok()) return sequences;
    for (const storage::v1::AuditEntry& e : page->entries) sequences.push_back(e.sequence());
    if (page_out != nullptr) *page_out = *page;
    return sequences;
  }
};

TEST_F(AuditListingTest, ADecisionsHistoryIncludesItsCases) {
  AuditPage page;
  EXPECT_THAT(Sequences({.decision_ids = {"d-1"}}, &page), ::testing::ElementsAre(1, 4, 5, 6, 7, 8, 11, 13));
  EXPECT_FALSE(page.more);
  EXPECT_EQ(page.examined_through, 13u);
  EXPECT_THAT(Sequences({.case_id = "c-1"}), ::testing::ElementsAre(5, 6, 7, 8, 11));
  EXPECT_THAT(Sequences({.decision_ids = {"d-9"}}), ::testing::IsEmpty());
  // Ids match exactly (a reference code shared by two decisions names both).
  EXPECT_THAT(Sequences({.decision_ids = {"d-"}}), ::testing::IsEmpty());
  EXPECT_THAT(Sequences({.case_id = "c-"}), ::testing::IsEmpty());
  EXPECT_THAT(Sequences({.decision_ids = {"d-2", "d-3"}}), ::testing::ElementsAre(2, 3, 9, 10));
}

TEST_F(AuditListingTest, ActionsAndActorsMatchExactlyOrByPrefix) {
  EXPECT_THAT(Sequences({.action = "person.contact_revealed"}), ::testing::ElementsAre(8));
  EXPECT_THAT(Sequences({.action = "person."}), ::testing::ElementsAre(8, 12));
  EXPECT_THAT(Sequences({.action = "case."}), ::testing::ElementsAre(6, 7, 10, 11));
  // Without its dot, "case" is a whole action name, which none has.
  EXPECT_THAT(Sequences({.action = "case"}), ::testing::IsEmpty());
  EXPECT_THAT(Sequences({.actor = "caseworker:"}), ::testing::ElementsAre(7, 8, 10, 11));
  EXPECT_THAT(Sequences({.actor = "caseworker:alice"}), ::testing::ElementsAre(7, 8, 11));
  EXPECT_THAT(Sequences({.action = "person.", .actor = "caseworker:alice"}), ::testing::ElementsAre(8));
  // Every filter must match.
  EXPECT_THAT(Sequences({.decision_ids = {"d-2"}, .actor = "caseworker:alice"}), ::testing::IsEmpty());
}

TEST_F(AuditListingTest, PagesGoOnWhereTheLastStopped) {
  AuditPage page;
  EXPECT_THAT(Sequences({.limit = 5}, &page), ::testing::ElementsAre(1, 2, 3, 4, 5));
  EXPECT_TRUE(page.more);
  EXPECT_EQ(page.examined_through, 5u);
  EXPECT_THAT(Sequences({.after_sequence = 5, .limit = 5}, &page), ::testing::ElementsAre(6, 7, 8, 9, 10));
  EXPECT_TRUE(page.more);
  EXPECT_THAT(Sequences({.after_sequence = 10, .limit = 5}, &page), ::testing::ElementsAre(11, 12, 13));
  EXPECT_FALSE(page.more);
  EXPECT_EQ(page.examined_through, 13u);
  // The last page ends exactly at the chain's end: nothing more.
  EXPECT_THAT(Sequences({.after_sequence = 9, .limit = 4}, &page), ::testing::ElementsAre(10, 11, 12, 13));
  EXPECT_FALSE(page.more);
  EXPECT_THAT(Sequences({.after_sequence = 13}, &page), ::testing::IsEmpty());
  EXPECT_FALSE(page.more);
  EXPECT_EQ(page.examined_through, 13u);
  EXPECT_THAT(Sequences({.after_sequence = std::numeric_limits<uint64_t>::max()}), ::testing::IsEmpty());
}

// A filter that matches little reads a bounded part of the chain per call,
// and says where to go on: nothing is skipped.
TEST_F(AuditListingTest, OneCallReadsABoundedPartOfTheChain) {
  AuditQuery query{.max_examined = 4, .action = "decision.created"};
  std::vector<uint64_t> found;
  int calls = 0;
  while (true) {
    AuditPage page;
    std::vector<uint64_t> some = Sequences(query, &page);
    ++calls;
    EXPECT_LE(page.examined_through - query.after_sequence, 4u);
    found.insert(found.end(), some.begin(), some.end());
    if (!page.more) break;
    query.after_sequence = page.examined_through;
  }
  EXPECT_THAT(found, ::testing::ElementsAre(1, 2, 3, 13));
  EXPECT_EQ(calls, 4);  // 1-4, 5-8, 9-12, 13
}

// A decision's history is read from the index: a call reads that decision's
// entries only, however long the chain between them, and pages through
// them as through the chain.
TEST_F(AuditListingTest, ADecisionsHistoryIsReadFromTheIndexNotTheChain) {
  AuditPage page;
  // Entries 1 to 13 hold d-1's eight: a walk of four entries would find two.
  EXPECT_THAT(Sequences({.max_examined = 8, .decision_ids = {"d-1"}}, &page),
              ::testing::ElementsAre(1, 4, 5, 6, 7, 8, 11, 13));
  EXPECT_FALSE(page.more);
  AuditQuery query{.max_examined = 3, .decision_ids = {"d-1"}};
  std::vector<std::vector<uint64_t>> pages;
  while (true) {
    pages.push_back(Sequences(query, &page));
    if (!page.more) break;
    query.after_sequence = page.examined_through;
  }
  EXPECT_THAT(pages, ::testing::ElementsAre(::testing::ElementsAre(1, 4, 5), ::testing::ElementsAre(6, 7, 8),
                                            ::testing::ElementsAre(11, 13)));
  // The page's limit, and the other filters, apply to what the index lists.
  EXPECT_THAT(Sequences({.limit = 2, .decision_ids = {"d-1"}}, &page), ::testing::ElementsAre(1, 4));
  EXPECT_TRUE(page.more);
  EXPECT_EQ(page.examined_through, 4u);
  EXPECT_THAT(Sequences({.decision_ids = {"d-1"}, .actor = "caseworker:"}), ::testing::ElementsAre(7, 8, 11));
  // d-4 is listed under d-1, the offer it was made from, and under its own id:
  // asked for both, it comes once.
  EXPECT_THAT(Sequences({.after_sequence = 11, .decision_ids = {"d-1", "d-4"}}), ::testing::ElementsAre(13));
}

// Whichever way an entry is found, by the index or by walking the chain (a
// store not indexed yet, an id the index does not hold), the answer is the
// same.
TEST_F(AuditListingTest, TheIndexFindsWhatAWalkOfTheChainFinds) {
  const std::vector<AuditQuery> queries = {
      {.decision_ids = {"d-1"}},
      {.decision_ids = {"d-2", "d-3"}},
      {.decision_ids = {"d-4"}},
      {.decision_ids = {"d-9"}},
      {.after_sequence = 5, .limit = 3, .decision_ids = {"d-1"}},
      {.decision_ids = {"d-1"}, .case_id = "c-1"},
      {.decision_ids = {"d-2"}, .action = "message."},
      {.limit = 2, .decision_ids = {"d-1", "d-1"}},
  };
  struct Found {
    std::vector<uint64_t> sequences;
    bool more;
  };
  const auto find = [&](const AuditQuery& query) {
    AuditPage page;
    std::vector<uint64_t> sequences = Sequences(query, &page);
    return Found{sequences, page.more};
  };
  std::vector<Found> indexed;
  for (const AuditQuery& query : queries) indexed.push_back(find(query));
  EXPECT_THAT(indexed[0].sequences, ::testing::ElementsAre(1, 4, 5, 6, 7, 8, 11, 13));
  // A cause that is no decision's id is not in the index: found by the walk,
  // with the decisions asked for alongside it.
  EXPECT_THAT(Sequences({.decision_ids = {"event e-2"}}), ::testing::ElementsAre(2));
  EXPECT_THAT(Sequences({.decision_ids = {"d-3", "event e-2"}}), ::testing::ElementsAre(2, 3));
  WriteBatch unmark(*store_);
  unmark.Delete(Family::kMeta, "audit/indexed-by-decision");
  ASSERT_THAT(store_->Write(&unmark, true), IsOk());
  for (size_t i = 0; i < queries.size(); ++i) {
    const Found walked = find(queries[i]);
    EXPECT_EQ(walked.sequences, indexed[i].sequences) << "query " << i;
    EXPECT_EQ(walked.more, indexed[i].more) << "query " << i;
  }
}

// What the audit service serves on gRPC's threads (a lookup through the
// index) and what it walks on a thread of its own: a query that would walk
// the chain is never said to go through the index.
TEST_F(AuditListingTest, OnlyQueriesNamingDecisionsOfAnIndexedStoreGoThroughTheIndex) {
  const auto through_index = [&](const AuditQuery& query) {
    absl::StatusOr<bool> through = ListsThroughIndex(*store_, query);
    EXPECT_THAT(through, IsOk());
    return through.ok() && *through;
  };
  EXPECT_TRUE(through_index({.decision_ids = {"d-1"}}));
  EXPECT_TRUE(through_index({.decision_ids = {"d-1", "d-4"}, .action = "case.", .actor = "caseworker:"}));
  EXPECT_TRUE(through_index({.decision_ids = {"d-9"}}));  // none listed: an empty page, read at once
  EXPECT_FALSE(through_index({}));
  EXPECT_FALSE(through_index({.action = "person.contact_revealed"}));
  EXPECT_FALSE(through_index({.actor = "caseworker:alice"}));
  EXPECT_FALSE(through_index({.case_id = "c-1"}));
  // A cause that is no decision's id is not indexed: the whole query walks.
  EXPECT_FALSE(through_index({.decision_ids = {"d-3", "event e-2"}}));
  ForgetTheIndex();  // a store not indexed yet
  EXPECT_FALSE(through_index({.decision_ids = {"d-1"}}));
}

// A store whose entries were written before the index existed has them
// indexed when the log is opened, once; then lookups use the index.
TEST_F(AuditListingTest, OlderEntriesAreIndexedWhenTheLogOpens) {
  ForgetTheIndex();
  EXPECT_THAT(Sequences({.max_examined = 4, .decision_ids = {"d-1"}}), ::testing::ElementsAre(1, 4));  // a walk
  ASSERT_THAT(AuditLog::Open(store_.get()), IsOk());
  EXPECT_THAT(Sequences({.max_examined = 4, .decision_ids = {"d-1"}}), ::testing::ElementsAre(1, 4, 5, 6));
  AuditVerification v = Verify();
  EXPECT_FALSE(v.first_broken.has_value()) << v.problem;
  EXPECT_EQ(v.entries, 13u);
  // Once marked, opening the log again indexes nothing: a key lost since
  // stays lost, and verification names it.
  WriteBatch lose(*store_);
  lose.Delete(Family::kAuditByDecision, std::string("d-1") + '\0' + Key(5));
  ASSERT_THAT(store_->Write(&lose, true), IsOk());
  ASSERT_THAT(AuditLog::Open(store_.get()), IsOk());
  EXPECT_EQ(Verify().first_broken, 5u);
}

// The older entries of a long chain are indexed in several batches.
TEST_F(AuditLogTest, AChainLongerThanABatchIsIndexedWhole) {
  auto audit = AuditLog::Open(store_.get());
  ASSERT_THAT(audit, IsOk());
  AppendInOneBatch(**audit, 25001, [](int i) { return absl::StrCat("d-", i % 7); });
  ForgetTheIndex();
  ASSERT_THAT(AuditLog::Open(store_.get()), IsOk());
  AuditVerification v = Verify();
  EXPECT_FALSE(v.first_broken.has_value()) << v.problem;
  EXPECT_EQ(v.entries, 25001u);
  // Entry i + 1 names d-(i % 7): after 24990, d-0 has 24991 and 24998.
  absl::StatusOr<AuditPage> last = ListAuditEntries(*store_, {.after_sequence = 24990, .decision_ids = {"d-0"}});
  ASSERT_THAT(last, IsOk());
  ASSERT_EQ(last->entries.size(), 2u);
  EXPECT_EQ(last->entries[0].sequence(), 24991u);
  EXPECT_EQ(last->entries[1].sequence(), 24998u);
}

// The engine appends while an auditor verifies: what is appended after the
// walk began is left for the next verification, not taken for tampering.
// (The caller's `stop` is asked before the first entry: it appends there.)
TEST_F(AuditLogTest, EntriesAppendedDuringAVerificationAreLeftForTheNext) {
  AppendEntries(5);
  auto audit = AuditLog::Open(store_.get());
  ASSERT_THAT(audit, IsOk());
  bool appended = false;
  absl::StatusOr<AuditVerification> during = VerifyAuditChain(*store_, [&] {
    if (!appended) {
      appended = true;
      AppendInOneBatch(
          **audit, 3, [](int) { return std::string("d-new"); }, "d-1", /*sync=*/true);
    }
    return false;
  });
  ASSERT_THAT(during, IsOk());
  EXPECT_TRUE(appended);
  EXPECT_FALSE(during->first_broken.has_value()) << during->problem;
  EXPECT_EQ(during->entries, 5u);
  AuditVerification after = Verify();
  EXPECT_FALSE(after.first_broken.has_value()) << after.problem;
  EXPECT_EQ(after.entries, 8u);
}

// An entry put after the head without moving it is found, as one removed.
TEST_F(AuditLogTest, AnEntryAddedAfterTheHeadIsDetected) {
  AppendEntries(4);
  auto bytes = store_->Get(Family::kAudit, Key(4));
  ASSERT_THAT(bytes, IsOk());
  WriteBatch batch(*store_);
  batch.Put(Family::kAudit, Key(5), **bytes);
  ASSERT_THAT(store_->Write(&batch, true), IsOk());
  AuditVerification v = Verify();
  EXPECT_EQ(v.first_broken, 5u);
  EXPECT_THAT(v.problem,
              HasSubstr("entry 5 is after the chain's head (entry 4): entries were added without moving it"));
}

// The index is checked against the chain: a key removed hides an entry from
// its decision's history, a key added shows another decision's entry in it.
TEST_F(AuditListingTest, AnIndexThatDiffersFromTheChainIsDetected) {
  const std::string nul(1, '\0');
  WriteBatch removal(*store_);
  removal.Delete(Family::kAuditByDecision, "d-1" + nul + Key(7));
  ASSERT_THAT(store_->Write(&removal, true), IsOk());
  AuditVerification v = Verify();
  EXPECT_EQ(v.first_broken, 7u);
  EXPECT_THAT(v.problem, HasSubstr("entry 7 is missing from the index by decision under d-1"));

  WriteBatch repair_and_add(*store_);
  repair_and_add.Put(Family::kAuditByDecision, "d-1" + nul + Key(7), "");
  repair_and_add.Put(Family::kAuditByDecision, "d-1" + nul + Key(9), "");  // d-2's message
  ASSERT_THAT(store_->Write(&repair_and_add, true), IsOk());
  v = Verify();
  EXPECT_EQ(v.first_broken, 9u);
  EXPECT_THAT(v.problem, HasSubstr("lists entry 9 under d-1, which that entry does not name"));
  absl::StatusOr<AuditPage> page = ListAuditEntries(*store_, {.decision_ids = {"d-1"}});
  EXPECT_EQ(page.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(page.status().message(), HasSubstr("lists entry 9 under d-1, which that entry does not name"));

  // A key past the chain's end: no entry to show, and verification says so.
  WriteBatch beyond(*store_);
  beyond.Delete(Family::kAuditByDecision, "d-1" + nul + Key(9));
  beyond.Put(Family::kAuditByDecision, "d-3" + nul + Key(99), "");
  ASSERT_THAT(store_->Write(&beyond, true), IsOk());
  v = Verify();
  EXPECT_EQ(v.first_broken, 0u);
  EXPECT_THAT(v.problem, HasSubstr("lists entry 99 under d-3, which the chain does not have"));
  page = ListAuditEntries(*store_, {.decision_ids = {"d-3"}});
  EXPECT_EQ(page.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(page.status().message(), HasSubstr("lists entry 99 under d-3 but the chain has no such entry"));
  EXPECT_THAT(page.status().message(), HasSubstr("listed from after_sequence 99"));

  // A key that names no entry: verification names it; a listing leaves it out.
  WriteBatch stray(*store_);
  stray.Delete(Family::kAuditByDecision, "d-3" + nul + Key(99));
  stray.Put(Family::kAuditByDecision, "d-1" + nul + "7", "");
  ASSERT_THAT(store_->Write(&stray, true), IsOk());
  v = Verify();
  EXPECT_EQ(v.first_broken, 0u);
  EXPECT_THAT(v.problem, HasSubstr("holds a key that names no entry: \"d-1\\07\""));
  EXPECT_THAT(Sequences({.decision_ids = {"d-1"}}), ::testing::ElementsAre(1, 4, 5, 6, 7, 8, 11, 13));
}

// Pages follow the keys, not what a damaged entry says of itself: listing
// stops at it, names it, and goes on after it.
TEST_F(AuditListingTest, ADamagedEntryIsNamedAndListingGoesOnAfterIt) {
  auto bytes = store_->Get(Family::kAudit, Key(5));
  auto entry = DecodeRecord<storage::v1::AuditEntry>(**bytes, "entry 5");
  ASSERT_THAT(entry, IsOk());
  entry->set_sequence(2);  // would send the next page back to entry 3
  WriteBatch batch(*store_);
  batch.Put(Family::kAudit, Key(5), EncodeRecord(*entry));
  batch.Put(Family::kAudit, Key(9), "not an entry");
  ASSERT_THAT(store_->Write(&batch, true), IsOk());
  absl::StatusOr<AuditPage> page = ListAuditEntries(*store_, {});
  EXPECT_EQ(page.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(page.status().message(), HasSubstr("audit entry 5 says it is entry 2"));
  EXPECT_THAT(page.status().message(), HasSubstr("listed from after_sequence 5"));
  page = ListAuditEntries(*store_, {.after_sequence = 5});
  EXPECT_EQ(page.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(page.status().message(), HasSubstr("audit entry 9"));
  EXPECT_THAT(Sequences({.after_sequence = 5, .limit = 3}), ::testing::ElementsAre(6, 7, 8));
  EXPECT_THAT(Sequences({.after_sequence = 9}), ::testing::ElementsAre(10, 11, 12, 13));
}

TEST_F(AuditListingTest, EntriesAreReturnedAsStored) {
  absl::StatusOr<AuditPage> page = ListAuditEntries(*store_, {.action = "person.contact_revealed"});
  ASSERT_THAT(page, IsOk());
  ASSERT_EQ(page->entries.size(), 1u);
  const storage::v1::AuditEntry& e = page->entries[0];
  EXPECT_EQ(e.decision_id(), "d-1");
  EXPECT_EQ(e.case_id(), "c-1");
  EXPECT_EQ(e.actor(), "caseworker:alice");
  EXPECT_EQ(e.cause(), "recipient 1");
  EXPECT_EQ(e.hash(), AuditEntryHash(e));
  EXPECT_EQ(*store_->Get(Family::kAudit, Key(8)), EncodeRecord(e));
}

}  // namespace
}  // namespace proactive
