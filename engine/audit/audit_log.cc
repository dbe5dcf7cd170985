#include "engine/audit/audit_log.h"

#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "engine/common/log.h"
#include "engine/common/proto_time.h"
#include "engine/common/sha256.h"
#include "engine/common/status_macros.h"
#include "engine/store/codec.h"
#include "engine/store/column_families.h"

namespace proactive {
namespace {

constexpr absl::string_view kHeadKey = "audit/head";
// Present once every entry of the chain is in the index by decision.
constexpr absl::string_view kIndexedByDecisionKey = "audit/indexed-by-decision";
// Entries read between two questions to a scan's `stop`.
constexpr uint64_t kStopCheckInterval = 1024;
// Entries indexed per batch when a store's older entries are indexed, and
// between two lines of progress in the log.
constexpr int kIndexChunk = 10000;
constexpr int kIndexProgress = 1000000;

std::string EntryKey(uint64_t sequence) { return std::string(DecimalKey(sequence).view()); }

// What the index by decision holds: ids of decisions ("d-" then letters and
// digits, as DecisionIdFor makes them). Causes that are not (event, message
// and reply ids) are left out of it; a query naming such an id walks the
// chain instead, so both ways find the same entries.
bool IsIndexedId(absl::string_view id) {
  if (!absl::StartsWith(id, "d-") || id.size() > 64) return false;
  return absl::c_all_of(id.substr(2), [](char c) { return absl::ascii_isalnum(c); });
}

// The ids an entry is indexed under: its decision's, and its cause's when
// that is another decision. Returns how many of `ids` it set (0 to 2).
int IndexedIdsOf(absl::string_view decision_id, absl::string_view cause, absl::string_view ids[2]) {
  int n = 0;
  if (IsIndexedId(decision_id)) ids[n++] = decision_id;
  if (cause != decision_id && IsIndexedId(cause)) ids[n++] = cause;
  return n;
}

// audit_by_decision key: decision id '\0' the entry's 20-digit sequence.
std::string IndexKey(absl::string_view decision_id, uint64_t sequence) {
  return absl::StrCat(decision_id, absl::string_view("\0", 1), DecimalKey(sequence).view());
}

std::string IndexPrefix(absl::string_view decision_id) { return absl::StrCat(decision_id, absl::string_view("\0", 1)); }

// Splits an index key; false when it is no index key.
bool ParseIndexKey(absl::string_view key, absl::string_view* decision_id, uint64_t* sequence) {
  const size_t nul = key.find('\0');
  if (nul == absl::string_view::npos) return false;
  const absl::string_view digits = key.substr(nul + 1);
  *decision_id = key.substr(0, nul);
  return IsIndexedId(*decision_id) && absl::SimpleAtoi(digits, sequence) && EntryKey(*sequence) == digits;
}

// An index key as a message shows it: its NUL as \0, other bytes escaped.
std::string ShownIndexKey(absl::string_view key) {
  return absl::StrJoin(absl::StrSplit(key, '\0'), "\\0",
                       [](std::string* out, absl::string_view part) { out->append(absl::CHexEscape(part)); });
}

// Puts the entry's index keys in `batch`, or adds them to `keys` when given
// (for the caller to put in key order).
void PutIndexKeys(WriteBatch* batch, const storage::v1::AuditEntry& entry, std::vector<std::string>* keys = nullptr) {
  absl::string_view ids[2];
  const int n = IndexedIdsOf(entry.decision_id(), entry.cause(), ids);
  for (int i = 0; i < n; ++i) {
    std::string key = IndexKey(ids[i], entry.sequence());
    if (keys != nullptr) {
      keys->push_back(std::move(key));
    } else {
      batch->Put(Family::kAuditByDecision, key, "");
    }
  }
}

absl::StatusOr<bool> IndexedByDecision(const Store& store) {
  ASSIGN_OR_RETURN(std::optional<std::string> marker, store.Get(Family::kMeta, kIndexedByDecisionKey));
  return marker.has_value();
}

// Indexes every entry of the chain by decision, in batches, then marks the
// store as indexed. Run once per store, before anything appends: a crash
// half-way indexes again from the start (the keys are the same). `entries`
// (the head's sequence) is for the log: a long chain takes a while.
absl::Status IndexChainByDecision(Store* store, uint64_t entries) {
  const absl::Time started = absl::Now();
  if (entries > 0) {
    LogInfo("audit", absl::StrCat("indexing the ", entries, " entries of the chain by decision, once: they were ",
                                  "written before the index existed"));
  }
  uint64_t read = 0;
  WriteBatch batch(*store);
  std::vector<std::string> keys;
  // In key order, as AppendAllStaged puts them: RocksDB inserts keys in order faster.
  const auto put_sorted = [&] {
    std::sort(keys.begin(), keys.end());
    for (const std::string& key : keys) batch.Put(Family::kAuditByDecision, key, "");
    keys.clear();
  };
  absl::Status written;
  RETURN_IF_ERROR(store->ScanFrom(Family::kAudit, "", [&](absl::string_view key, absl::string_view value) {
    // An entry that cannot be read is left out: VerifyAuditChain names it.
    absl::StatusOr<storage::v1::AuditEntry> entry =
        DecodeRecord<storage::v1::AuditEntry>(value, absl::StrCat("audit entry ", key));
    if (entry.ok() && EntryKey(entry->sequence()) == key) PutIndexKeys(&batch, *entry, &keys);
    if (++read % kIndexChunk == 0) {
      put_sorted();
      written = store->Write(&batch, /*sync=*/false);
      batch.Clear();
      if (read % kIndexProgress == 0) {
        LogInfo("audit", absl::StrCat("indexed ", read, " entries of ",
                                      entries > 0 ? absl::StrCat(entries) : std::string("a chain without a head")));
      }
    }
    return written.ok();
  }));
  RETURN_IF_ERROR(written);
  put_sorted();
  batch.Put(Family::kMeta, kIndexedByDecisionKey, "");
  RETURN_IF_ERROR(store->Write(&batch, /*sync=*/true));
  if (read > 0) {
    LogInfo("audit", absl::StrCat("indexed the ", read, " entries of the chain by decision in ",
                                  absl::ToInt64Milliseconds(absl::Now() - started), " ms"));
  }
  return absl::OkStatus();
}

// `filter` as AuditQuery says: empty, exact, or a prefix ending in '.' or ':'.
bool Matches(absl::string_view filter, absl::string_view value) {
  if (filter.empty()) return true;
  const char last = filter.back();
  return last == '.' || last == ':' ? absl::StartsWith(value, filter) : value == filter;
}

}  // namespace

std::string AuditEntryHash(const storage::v1::AuditEntry& entry) {
  storage::v1::AuditEntry unhashed = entry;
  unhashed.clear_hash();
  Sha256 hasher;
  hasher.Update(entry.previous_hash());
  hasher.Update(EncodeRecord(unhashed));
  return hasher.Finish();
}

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(Store* store) {
  ASSIGN_OR_RETURN(std::optional<std::string> head, store->Get(Family::kMeta, kHeadKey));
  storage::v1::AuditHead decoded;
  if (head) {
    ASSIGN_OR_RETURN(decoded, DecodeRecord<storage::v1::AuditHead>(*head, "audit head"));
  }
  ASSIGN_OR_RETURN(bool indexed, IndexedByDecision(*store));
  if (!indexed) RETURN_IF_ERROR(IndexChainByDecision(store, decoded.sequence()));
  if (!head) return std::unique_ptr<AuditLog>(new AuditLog(0, std::string(32, '\0')));
  return std::unique_ptr<AuditLog>(new AuditLog(decoded.sequence(), decoded.hash()));
}

void AuditLog::Append(WriteBatch* batch, absl::Time at, const AuditRecord& record,
                      const google::protobuf::MessageLite& changed) {
  AppendEncoded(batch, at, record, EncodeRecord(changed));
}

void AuditLog::AppendEncoded(WriteBatch* batch, absl::Time at, const AuditRecord& record,
                             absl::string_view changed_encoded) {
  AppendDigest(batch, at, record, Sha256Digest(changed_encoded));
}

StagedAuditEntry AuditLog::Stage(absl::Time at, AuditRecord record, absl::string_view changed_encoded) {
  return StagedAuditEntry{at, std::move(record), Sha256Digest(changed_encoded)};
}

void AuditLog::AppendStaged(WriteBatch* batch, const StagedAuditEntry& staged) {
  AppendDigest(batch, staged.at, staged.record, staged.record_digest);
}

void AuditLog::AppendAllStaged(WriteBatch* batch, const std::vector<const StagedAuditEntry*>& staged) {
  std::vector<std::string> index_keys;
  index_keys.reserve(staged.size());
  for (const StagedAuditEntry* entry : staged) {
    AppendDigest(batch, entry->at, entry->record, entry->record_digest, &index_keys);
  }
  // Decision ids in random order would each be inserted into the memtable
  // from the top of its skip list: in order, each starts where the last
  // ended (a broadcast's instructions, performance-log.md).
  std::sort(index_keys.begin(), index_keys.end());
  for (const std::string& key : index_keys) batch->Put(Family::kAuditByDecision, key, "");
}

void AuditLog::AppendDigest(WriteBatch* batch, absl::Time at, const AuditRecord& record, std::string record_digest,
                            std::vector<std::string>* index_keys) {
  storage::v1::AuditEntry entry;
  entry.set_format_version(kStorageFormatVersion);
  entry.set_sequence(sequence_ + 1);
  entry.set_previous_hash(hash_);
  *entry.mutable_at() = ToProtoTimestamp(at);
  entry.set_action(record.action);
  entry.set_decision_id(record.decision_id);
  entry.set_case_id(record.case_id);
  entry.set_actor(record.actor);
  entry.set_from_status(record.from_status);
  entry.set_to_status(record.to_status);
  entry.set_cause(record.cause);
  entry.set_record_digest(std::move(record_digest));
  // AuditEntryHash without its copy: the hash field is not set yet.
  std::string encoded = EncodeRecord(entry);
  Sha256 hasher;
  hasher.Update(entry.previous_hash());
  hasher.Update(encoded);
  entry.set_hash(hasher.Finish());
  // The entry's encoding with its hash, without encoding it again: the hash
  // (field 13, bytes) has the highest number, so deterministic encoding
  // writes it last (AuditLogTest checks the bytes).
  static_assert(storage::v1::AuditEntry::kHashFieldNumber == 13, "the hash is field 13");
  encoded.push_back(static_cast<char>((storage::v1::AuditEntry::kHashFieldNumber << 3) | 2));  // length-delimited
  encoded.push_back(static_cast<char>(entry.hash().size()));  // SHA-256: 32, one varint byte
  encoded.append(entry.hash());
  batch->Put(Family::kAudit, EntryKey(entry.sequence()), encoded);
  PutIndexKeys(batch, entry, index_keys);
  storage::v1::AuditHead head;
  head.set_format_version(kStorageFormatVersion);
  head.set_sequence(entry.sequence());
  head.set_hash(entry.hash());
  // Once per batch, however many entries it chains.
  batch->PutLast(Family::kMeta, kHeadKey, EncodeRecord(head));
  sequence_ = entry.sequence();
  hash_ = entry.hash();
}

namespace {

// The head as it was before a verification walked the chain: the walk
// checks the entries up to it, and ignores those appended meanwhile.
struct HeadBefore {
  bool present = false;
  std::optional<storage::v1::AuditHead> decoded;  // nullopt when unreadable
};

absl::StatusOr<HeadBefore> ReadHead(const Store& store) {
  HeadBefore head;
  ASSIGN_OR_RETURN(std::optional<std::string> bytes, store.Get(Family::kMeta, kHeadKey));
  head.present = bytes.has_value();
  if (!bytes) return head;
  absl::StatusOr<storage::v1::AuditHead> decoded = DecodeRecord<storage::v1::AuditHead>(*bytes, "audit head");
  if (decoded.ok()) head.decoded = *std::move(decoded);
  return head;
}

// The second half of VerifyAuditChain, once entries 1 to `through` hold:
// every index key up to `through` names an entry that names its decision,
// and none names an entry the chain does not have. The walk found each
// entry's own keys (`expected` of them), so equal counts say there is no
// other; only when they differ is each key's entry read, to name the first
// that has no business there. Keys after `through` are of entries appended
// since the walk began, unless they are beyond the head read after them.
absl::Status VerifyIndexKeys(const Store& store, uint64_t expected, uint64_t through, const std::function<bool()>& stop,
                             AuditVerification* result, bool* stopped) {
  const auto asked_to_stop = [&](uint64_t read) {
    if (read % kStopCheckInterval == 0 && stop && stop()) *stopped = true;
    return *stopped;
  };
  const auto names_no_entry = [&](absl::string_view key) {
    result->first_broken = 0;
    result->problem =
        absl::StrCat("the index by decision holds a key that names no entry: \"", ShownIndexKey(key), "\"");
  };
  uint64_t read = 0;
  uint64_t keys = 0;
  std::string beyond;  // the last key after `through`
  uint64_t beyond_sequence = 0;
  RETURN_IF_ERROR(store.Scan(Family::kAuditByDecision, "", [&](absl::string_view key, absl::string_view) {
    if (asked_to_stop(++read)) return false;
    absl::string_view decision_id;
    uint64_t sequence = 0;
    if (!ParseIndexKey(key, &decision_id, &sequence) || sequence == 0) {
      names_no_entry(key);
      return false;
    }
    if (sequence <= through) {
      ++keys;
    } else if (sequence > beyond_sequence) {
      beyond_sequence = sequence;
      beyond = std::string(key);
    }
    return true;
  }));
  if (*stopped || result->first_broken) return absl::OkStatus();
  if (beyond_sequence > 0) {
    ASSIGN_OR_RETURN(HeadBefore head_now, ReadHead(store));
    if (!head_now.decoded || head_now.decoded->sequence() < beyond_sequence) {
      absl::string_view decision_id;
      ParseIndexKey(beyond, &decision_id, &beyond_sequence);
      result->first_broken = 0;
      result->problem = absl::StrCat("the index by decision lists entry ", beyond_sequence, " under ", decision_id,
                                     ", which the chain does not have");
      return absl::OkStatus();
    }
  }
  if (keys == expected) return absl::OkStatus();
  absl::Status status;
  read = 0;
  RETURN_IF_ERROR(store.Scan(Family::kAuditByDecision, "", [&](absl::string_view key, absl::string_view) {
    if (asked_to_stop(++read)) return false;
    absl::string_view decision_id;
    uint64_t sequence = 0;
    ParseIndexKey(key, &decision_id, &sequence);  // every key parsed in the scan before
    if (sequence > through) return true;
    absl::StatusOr<std::optional<std::string>> bytes = store.Get(Family::kAudit, EntryKey(sequence));
    if (!bytes.ok()) {
      status = bytes.status();
      return false;
    }
    absl::StatusOr<storage::v1::AuditEntry> entry =
        *bytes ? DecodeRecord<storage::v1::AuditEntry>(**bytes, "audit entry")
               : absl::StatusOr<storage::v1::AuditEntry>(absl::NotFoundError("no such entry"));
    absl::string_view ids[2];
    const int n = entry.ok() ? IndexedIdsOf(entry->decision_id(), entry->cause(), ids) : 0;
    if (std::find(ids, ids + n, decision_id) == ids + n) {
      result->first_broken = sequence;
      result->problem = absl::StrCat("the index by decision lists entry ", sequence, " under ", decision_id,
                                     ", which that entry does not name: listing that decision's entries would show it");
      return false;
    }
    return true;
  }));
  RETURN_IF_ERROR(status);
  if (!*stopped && !result->first_broken) {  // cannot be: keys are unique, each named its entry
    result->first_broken = 0;
    result->problem = absl::StrCat("the index by decision holds ", keys, " keys where the chain asks for ", expected);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<AuditVerification> VerifyAuditChain(const Store& store, const std::function<bool()>& stop) {
  AuditVerification result;
  ASSIGN_OR_RETURN(const bool indexed, IndexedByDecision(store));
  // Read before the walk: entries appended while it runs (the engine goes
  // on) are after the head, and not verified this time.
  ASSIGN_OR_RETURN(const HeadBefore head, ReadHead(store));
  const uint64_t through = head.decoded ? head.decoded->sequence() : std::numeric_limits<uint64_t>::max();
  uint64_t index_keys = 0;
  absl::Status index_status;
  bool stopped = false;
  std::string previous(32, '\0');
  uint64_t expected = 1;
  const auto broken = [&](uint64_t sequence, std::string problem) {
    if (!result.first_broken) {
      result.first_broken = sequence;
      result.problem = std::move(problem);
    }
  };
  RETURN_IF_ERROR(store.Scan(Family::kAudit, "", [&](absl::string_view key, absl::string_view value) {
    if (expected > through) return false;
    if (stop && result.entries % kStopCheckInterval == 0 && stop()) {
      stopped = true;
      return false;
    }
    ++result.entries;
    absl::StatusOr<storage::v1::AuditEntry> entry =
        DecodeRecord<storage::v1::AuditEntry>(value, absl::StrCat("audit entry ", key));
    if (!entry.ok()) {
      broken(expected, std::string(entry.status().message()));
      return false;
    }
    if (entry->sequence() != expected || EntryKey(entry->sequence()) != key) {
      broken(expected,
             absl::StrCat("entry ", expected, " is missing (found ", entry->sequence(), " at key ", key, ")"));
      return false;
    }
    if (entry->previous_hash() != previous) {
      broken(expected, absl::StrCat("entry ", expected, " does not follow entry ", expected - 1,
                                    ": its previous hash differs (an entry was changed, removed or inserted)"));
      return false;
    }
    if (AuditEntryHash(*entry) != entry->hash()) {
      broken(expected, absl::StrCat("entry ", expected, " was altered: its content does not match its hash"));
      return false;
    }
    if (indexed) {
      absl::string_view ids[2];
      const int n = IndexedIdsOf(entry->decision_id(), entry->cause(), ids);
      for (int i = 0; i < n; ++i) {
        absl::StatusOr<std::optional<std::string>> key =
            store.Get(Family::kAuditByDecision, IndexKey(ids[i], expected));
        if (!key.ok()) {
          index_status = key.status();
          return false;
        }
        if (!key->has_value()) {
          broken(expected, absl::StrCat("entry ", expected, " is missing from the index by decision under ", ids[i],
                                        ": listing that decision's entries would not show it"));
          return false;
        }
      }
      index_keys += n;
    }
    previous = entry->hash();
    ++expected;
    return true;
  }));
  RETURN_IF_ERROR(index_status);
  const auto cancelled = [&] {
    return absl::CancelledError(
        absl::StrCat("stopped after ", result.entries, " entries of the chain, all intact so far: the caller gave up"));
  };
  if (stopped) return cancelled();
  if (!result.first_broken) {
    if (head.present) {
      if (!head.decoded || head.decoded->sequence() != expected - 1 || head.decoded->hash() != previous) {
        broken(expected, absl::StrCat("the chain ends at entry ", expected - 1,
                                      " but its head says otherwise: entries after it were removed"));
      }
    } else if (result.entries > 0) {
      // Unless the first entries were appended while the walk ran.
      ASSIGN_OR_RETURN(const HeadBefore head_now, ReadHead(store));
      if (!head_now.present) broken(1, "the chain has entries but no head");
    }
  }
  if (head.decoded && !result.first_broken) {
    // Entries after the head walked are new, unless they are after the head
    // now too: then they were added without moving it. The last key is read
    // first, so that the head read after it covers every entry appended.
    ASSIGN_OR_RETURN(auto last, store.Last(Family::kAudit));
    ASSIGN_OR_RETURN(const HeadBefore head_now, ReadHead(store));
    uint64_t last_sequence = 0;
    if (last && (!absl::SimpleAtoi(last->first, &last_sequence) || EntryKey(last_sequence) != last->first)) {
      broken(expected,
             absl::StrCat("the audit family holds a key that is no entry's: \"", absl::CHexEscape(last->first), "\""));
    } else if (last_sequence > through && (!head_now.decoded || last_sequence > head_now.decoded->sequence())) {
      broken(expected, absl::StrCat("entry ", last_sequence, " is after the chain's head (entry ",
                                    head_now.decoded ? head_now.decoded->sequence() : 0,
                                    "): entries were added without moving it"));
    }
  }
  if (indexed && !result.first_broken) {
    RETURN_IF_ERROR(VerifyIndexKeys(store, index_keys, expected - 1, stop, &result, &stopped));
    if (stopped) return cancelled();
  }
  return result;
}

namespace {

// Whether an entry passes the filters of `query` other than its decisions.
bool MatchesAllButDecisions(const AuditQuery& query, const storage::v1::AuditEntry& entry) {
  return (query.case_id.empty() || entry.case_id() == query.case_id) && Matches(query.action, entry.action()) &&
         Matches(query.actor, entry.actor());
}

// ListAuditEntries for decisions, through the index: the sequences listed
// under each id after `after_sequence`, merged, then those entries read.
absl::StatusOr<AuditPage> ListDecisionEntries(const Store& store, const AuditQuery& query) {
  AuditPage page;
  page.examined_through = query.after_sequence;
  std::vector<std::pair<uint64_t, absl::string_view>> listed;  // sequence, the id it is listed under
  for (const std::string& id : query.decision_ids) {
    size_t of_id = 0;
    // A decision has tens of entries: those up to after_sequence are skipped.
    RETURN_IF_ERROR(
        store.Scan(Family::kAuditByDecision, IndexPrefix(id), [&](absl::string_view key, absl::string_view) {
          absl::string_view named;
          uint64_t sequence = 0;
          // A key that names no entry hides none: left out (`audit verify` names it).
          if (!ParseIndexKey(key, &named, &sequence) || sequence <= query.after_sequence) return true;
          listed.emplace_back(sequence, id);
          // One more than can be read: says whether more follow.
          return ++of_id <= query.max_examined;
        }));
  }
  // Each id's first max_examined sequences hold the first max_examined of
  // them all. An entry listed under two of the ids is read once.
  absl::c_sort(listed);
  listed.erase(
      std::unique(listed.begin(), listed.end(), [](const auto& a, const auto& b) { return a.first == b.first; }),
      listed.end());
  size_t examined = 0;
  for (const auto& [sequence, id] : listed) {
    if (examined == query.max_examined || page.entries.size() == query.limit) {
      page.more = true;
      break;
    }
    ++examined;
    ASSIGN_OR_RETURN(std::optional<std::string> bytes, store.Get(Family::kAudit, EntryKey(sequence)));
    if (!bytes) {
      return absl::DataLossError(absl::StrCat("the audit index lists entry ", sequence, " under ", id,
                                              " but the chain has no such entry; `audit verify` tells more; the ",
                                              "entries after it are listed from after_sequence ", sequence));
    }
    absl::StatusOr<storage::v1::AuditEntry> entry =
        DecodeRecord<storage::v1::AuditEntry>(*bytes, absl::StrCat("audit entry ", sequence));
    if (entry.ok() && entry->sequence() != sequence) {
      entry = absl::DataLossError(absl::StrCat("audit entry ", sequence, " says it is entry ", entry->sequence()));
    }
    if (entry.ok() && entry->decision_id() != id && entry->cause() != id) {
      entry = absl::DataLossError(
          absl::StrCat("the audit index lists entry ", sequence, " under ", id, ", which that entry does not name"));
    }
    if (!entry.ok()) {
      return absl::DataLossError(absl::StrCat(entry.status().message(), "; `audit verify` tells where the ",
                                              "chain breaks; the entries after it are listed from ", "after_sequence ",
                                              sequence));
    }
    page.examined_through = sequence;
    if (MatchesAllButDecisions(query, *entry)) page.entries.push_back(*std::move(entry));
  }
  return page;
}

}  // namespace

absl::StatusOr<bool> ListsThroughIndex(const Store& store, const AuditQuery& query) {
  if (query.decision_ids.empty() || !absl::c_all_of(query.decision_ids, IsIndexedId)) return false;
  return IndexedByDecision(store);
}

absl::StatusOr<AuditPage> ListAuditEntries(const Store& store, const AuditQuery& query) {
  AuditPage page;
  page.examined_through = query.after_sequence;
  if (query.after_sequence == std::numeric_limits<uint64_t>::max()) return page;
  ASSIGN_OR_RETURN(const bool through_index, ListsThroughIndex(store, query));
  if (through_index) return ListDecisionEntries(store, query);
  const auto of_decisions = [&](const storage::v1::AuditEntry& entry) {
    if (query.decision_ids.empty()) return true;
    return absl::c_linear_search(query.decision_ids, entry.decision_id()) ||
           absl::c_linear_search(query.decision_ids, entry.cause());
  };
  size_t examined = 0;
  absl::Status problem;
  RETURN_IF_ERROR(store.ScanFrom(
      Family::kAudit, EntryKey(query.after_sequence + 1), [&](absl::string_view key, absl::string_view value) {
        if (examined == query.max_examined || page.entries.size() == query.limit) {
          page.more = true;
          return false;
        }
        ++examined;
        // Pages follow the keys: a damaged entry's own sequence is not trusted.
        uint64_t sequence = 0;
        if (!absl::SimpleAtoi(key, &sequence) || EntryKey(sequence) != key) {
          problem = absl::DataLossError(absl::StrCat("the audit family holds a key that is no entry's: \"", key,
                                                     "\"; `audit verify` tells where the chain breaks"));
          return false;
        }
        absl::StatusOr<storage::v1::AuditEntry> entry =
            DecodeRecord<storage::v1::AuditEntry>(value, absl::StrCat("audit entry ", sequence));
        if (entry.ok() && entry->sequence() != sequence) {
          entry = absl::DataLossError(absl::StrCat("audit entry ", sequence, " says it is entry ", entry->sequence()));
        }
        if (!entry.ok()) {
          problem = absl::DataLossError(absl::StrCat(entry.status().message(), "; `audit verify` tells where the ",
                                                     "chain breaks; the entries after it are listed from ",
                                                     "after_sequence ", sequence));
          return false;
        }
        page.examined_through = sequence;
        if (of_decisions(*entry) && MatchesAllButDecisions(query, *entry)) {
          page.entries.push_back(*std::move(entry));
        }
        return true;
      }));
  RETURN_IF_ERROR(problem);
  return page;
}

}  // namespace proactive
