// The audit log: every state change of every decision and every recourse
// action, appended to a SHA-256 hash chain in the same batch as the change.
// Changing, removing or inserting an entry breaks the chain at that entry.
//
//   ASSIGN_OR_RETURN(auto audit, AuditLog::Open(store));
//   audit->Append(&batch, clock->Now(), {.action = "decision.contested", .decision_id = id, ...}, record);
//   ASSIGN_OR_RETURN(AuditVerification v, VerifyAuditChain(*store));
//
// Entries carry ids, statuses, actors and a digest of the changed record,
// never personal data. Append is for the single writer thread.
//
// Each entry is also indexed by the decision it names, and by its cause when
// that is a decision (a formal decision names the offer it came from), in
// the same batch: a decision's history is read without walking the chain
// (ListAuditEntries). VerifyAuditChain checks the index against the chain.
#ifndef PROACTIVE_ENGINE_AUDIT_AUDIT_LOG_H_
#define PROACTIVE_ENGINE_AUDIT_AUDIT_LOG_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/store/store.h"
#include "google/protobuf/message_lite.h"
#include "proactive/storage/v1/storage.pb.h"

namespace proactive {

struct AuditRecord {
  std::string action;  // "decision.created", "decision.status", "case.claimed", ...
  std::string decision_id;
  std::string case_id;
  std::string actor;  // "engine", "citizen", "caseworker:<name>"
  std::string from_status;
  std::string to_status;
  std::string cause;
};

// An entry made away from the chain (on a sweep's helper thread):
// everything but its place in the chain, which AuditLog::AppendStaged gives.
struct StagedAuditEntry {
  absl::Time at;
  AuditRecord record;
  std::string record_digest;  // SHA-256 of the changed record as stored
};

class AuditLog {
 public:
  // Reads the chain's head. A store whose entries were written before the
  // index by decision existed has them indexed now, once (logged). REQUIRES:
  // `store` outlives the log; nothing else writes to it meanwhile.
  static absl::StatusOr<std::unique_ptr<AuditLog>> Open(Store* store);

  // Adds an entry to `batch` (and moves the head there too). `changed` is
  // the record after the change; its digest is chained. If the batch is not
  // written the writer must stop (storage failure): the head in memory is
  // then ahead of the store until restart. So a command refuses (bad input,
  // a precondition) before it appends, never after.
  void Append(WriteBatch* batch, absl::Time at, const AuditRecord& record,
              const google::protobuf::MessageLite& changed);
  // The same with the changed record already encoded (EncodeRecord), as it
  // is stored: its bytes are not made twice.
  void AppendEncoded(WriteBatch* batch, absl::Time at, const AuditRecord& record, absl::string_view changed_encoded);
  // An entry for AppendStaged, made on any thread (it reads no chain).
  static StagedAuditEntry Stage(absl::Time at, AuditRecord record, absl::string_view changed_encoded);
  // Appends a staged entry: the same entry AppendEncoded would have made.
  void AppendStaged(WriteBatch* batch, const StagedAuditEntry& staged);
  // Appends staged entries in their order, as AppendStaged one by one does;
  // their index keys are put after them in key order (a sweep chunk's
  // hundreds of decisions: RocksDB inserts keys in order faster).
  void AppendAllStaged(WriteBatch* batch, const std::vector<const StagedAuditEntry*>& staged);

  uint64_t sequence() const { return sequence_; }

 private:
  AuditLog(uint64_t sequence, std::string hash) : sequence_(sequence), hash_(std::move(hash)) {}
  // With `index_keys`, the entry's index keys are added there, not put.
  void AppendDigest(WriteBatch* batch, absl::Time at, const AuditRecord& record, std::string record_digest,
                    std::vector<std::string>* index_keys = nullptr);
  uint64_t sequence_;
  std::string hash_;  // of the last entry; 32 zero bytes before the first
};

struct AuditVerification {
  uint64_t entries = 0;
  // The first entry that does not verify, and why; nullopt when all do. 0
  // when the index by decision holds a key naming no entry of the chain.
  std::optional<uint64_t> first_broken;
  std::string problem;
};

// Walks the whole chain from the first entry, then the index by decision:
// an entry missing from the index, or an index key naming an entry that does
// not name its decision, breaks it too (a lookup by decision would show a
// wrong history). Corruption is reported in the
// result (not as an error): an auditor needs to know where the chain breaks.
// `stop`, when given, is asked every 1,024 entries: CANCELLED, naming how far
// it got, once it says true (its caller gave up).
absl::StatusOr<AuditVerification> VerifyAuditChain(const Store& store, const std::function<bool()>& stop = {});

// The SHA-256 of an entry (its `hash` field ignored) chained to `previous`.
std::string AuditEntryHash(const storage::v1::AuditEntry& entry);

// Which entries an auditor asks for. Empty filters match every entry; all
// given filters must match. `action` and `actor` match exactly, or as a
// prefix when they end with '.' or ':' ("person." matches every
// "person.*" action, "caseworker:" every caseworker); ids match exactly.
struct AuditQuery {
  uint64_t after_sequence = 0;  // entries after this one; 0: from the first
  size_t limit = 100;           // at most this many entries
  // At most this many entries are read in one call, matching or not, so that
  // a filter that matches little does not walk a long chain in one go: the
  // page then says where to go on (AuditPage::examined_through).
  size_t max_examined = 100000;
  // Entries of any of these decisions (their cases' included), and those
  // whose cause is one of them (the creation of a formal decision from an
  // accepted offer names the offer).
  std::vector<std::string> decision_ids;
  std::string case_id;
  std::string action;
  std::string actor;
};

struct AuditPage {
  std::vector<storage::v1::AuditEntry> entries;  // in chain order
  // The last entry read (== after_sequence when none was): a next call with
  // after_sequence = examined_through goes on from there.
  uint64_t examined_through = 0;
  bool more = false;  // entries after examined_through exist
};

// The entries matching `query`, in chain order. They are returned as stored:
// whether the chain holds is VerifyAuditChain's question. An entry that
// cannot be read, or whose sequence is not its key's, is DATA_LOSS naming its
// key (a next call can go on after it). With `decision_ids`, only the entries
// the index lists under them are read (max_examined counts those), not the
// chain; an index key naming an entry that is not there, or that does not
// name the decision, is DATA_LOSS. REQUIRES: limit and max_examined > 0.
absl::StatusOr<AuditPage> ListAuditEntries(const Store& store, const AuditQuery& query);

// Whether ListAuditEntries answers `query` through the index by decision (a
// point read per entry of the decisions named) rather than by walking the
// chain (up to max_examined entries, about 1.5 µs each): every id given is a
// decision's and the store's entries are indexed.
absl::StatusOr<bool> ListsThroughIndex(const Store& store, const AuditQuery& query);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_AUDIT_AUDIT_LOG_H_
