#include "engine/audit/audit_log.h"

#include <limits>

#include "absl/algorithm/container.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "engine/common/proto_time.h"
#include "engine/common/sha256.h"
#include "engine/common/status_macros.h"
#include "engine/store/codec.h"
#include "engine/store/column_families.h"

namespace proactive {
namespace {

constexpr absl::string_view kHeadKey = "audit/head";
// Entries read between two questions to a scan's `stop`.
constexpr uint64_t kStopCheckInterval = 1024;

std::string EntryKey(uint64_t sequence) { return std::string(DecimalKey(sequence).view()); }

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
  if (!head) return std::unique_ptr<AuditLog>(new AuditLog(0, std::string(32, '\0')));
  ASSIGN_OR_RETURN(storage::v1::AuditHead decoded, DecodeRecord<storage::v1::AuditHead>(*head, "audit head"));
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

void AuditLog::AppendDigest(WriteBatch* batch, absl::Time at, const AuditRecord& record, std::string record_digest) {
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
  storage::v1::AuditHead head;
  head.set_format_version(kStorageFormatVersion);
  head.set_sequence(entry.sequence());
  head.set_hash(entry.hash());
  // Once per batch, however many entries it chains.
  batch->PutLast(Family::kMeta, kHeadKey, EncodeRecord(head));
  sequence_ = entry.sequence();
  hash_ = entry.hash();
}

absl::StatusOr<AuditVerification> VerifyAuditChain(const Store& store, const std::function<bool()>& stop) {
  AuditVerification result;
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
    previous = entry->hash();
    ++expected;
    return true;
  }));
  if (stopped) {
    return absl::CancelledError(
        absl::StrCat("stopped after ", result.entries, " entries of the chain, all intact so far: the caller gave up"));
  }
  if (!result.first_broken) {
    ASSIGN_OR_RETURN(std::optional<std::string> head, store.Get(Family::kMeta, kHeadKey));
    if (head) {
      absl::StatusOr<storage::v1::AuditHead> decoded = DecodeRecord<storage::v1::AuditHead>(*head, "audit head");
      if (!decoded.ok() || decoded->sequence() != expected - 1 || decoded->hash() != previous) {
        broken(expected, absl::StrCat("the chain ends at entry ", expected - 1,
                                      " but its head says otherwise: entries after it were removed"));
      }
    } else if (result.entries > 0) {
      broken(1, "the chain has entries but no head");
    }
  }
  return result;
}

absl::StatusOr<AuditPage> ListAuditEntries(const Store& store, const AuditQuery& query) {
  AuditPage page;
  page.examined_through = query.after_sequence;
  if (query.after_sequence == std::numeric_limits<uint64_t>::max()) return page;
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
        if (of_decisions(*entry) && (query.case_id.empty() || entry->case_id() == query.case_id) &&
            Matches(query.action, entry->action()) && Matches(query.actor, entry->actor())) {
          page.entries.push_back(*std::move(entry));
        }
        return true;
      }));
  RETURN_IF_ERROR(problem);
  return page;
}

}  // namespace proactive
