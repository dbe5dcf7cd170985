// Decision records in the store: written in the batch of the event (or sweep
// chunk) that caused them, read by id (derived from the firing: DecisionIds),
// by person and by reference code.
//
//   ASSIGN_OR_RETURN(DecisionIds ids, OpenDecisionIds(store));  // once, at start
//   ASSIGN_OR_RETURN(auto held, ReadDecision(*store, ids.For(key)));
//   if (!held) PutNewDecision(&batch, record);
#ifndef PROACTIVE_ENGINE_DECISION_DECISION_STORE_H_
#define PROACTIVE_ENGINE_DECISION_DECISION_STORE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "engine/decision/decision_keys.h"
#include "engine/store/store.h"
#include "proactive/storage/v1/storage.pb.h"

namespace proactive {

// The decision, or nullopt when no decision has that id.
absl::StatusOr<std::optional<storage::v1::DecisionRecord>> ReadDecision(const Store& store,
                                                                        absl::string_view decision_id);

// Ids of the person's decisions (subject), in id order.
absl::StatusOr<std::vector<std::string>> ListDecisionIdsOfPerson(const Store& store, absl::string_view person_id);

// Ids of the decisions told to the person (as a recipient), in id order: the
// recipient index, and their own decisions that name them as a recipient
// (which have no recipient key: a broadcast writes one key less per
// decision).
absl::StatusOr<std::vector<std::string>> ListDecisionIdsForRecipient(const Store& store, absl::string_view person_id);

// Ids of the decisions of others that read the person's data, in id order.
absl::StatusOr<std::vector<std::string>> ListDecisionIdsReadingPerson(const Store& store, absl::string_view person_id);

// How `store` derives decision ids: as it did before, or, for a store with
// no decision yet and no scheme, a new secret (32 bytes from getrandom),
// written (synced) before it is returned. A store with decisions and no
// scheme is one made before schemes existed, whose ids are checked to be
// plain: DATA_LOSS when they are not (its secret was lost: without it, rules
// would decide again what they decided). REQUIRES: no other writer runs.
absl::StatusOr<DecisionIds> OpenDecisionIds(Store* store);

// Makes `store`, new, derive decision ids with `secret` (32 bytes), so that
// two stores give the same decisions the same ids: tests that compare
// engines. (No command exports a store's secret yet: a store rebuilt from
// another's events would need one.) INVALID_ARGUMENT for another length;
// FAILED_PRECONDITION when the store has a scheme or decisions already.
// REQUIRES: before OpenDecisionIds; no other writer runs.
absl::Status AdoptDecisionIdSecret(Store* store, const std::string& secret);

// Ids of the decisions whose reference code is `code` (normalized).
absl::StatusOr<std::vector<std::string>> FindDecisionIdsByReference(const Store& store, absl::string_view code);

// The formal decision an accepted offer made (Helsinki's model), found by its
// parent among the offer's subject's decisions (its id no longer follows
// from an offer whose subject was forgotten); nullopt when there is none.
absl::StatusOr<std::optional<storage::v1::DecisionRecord>> FindFormalDecision(const Store& store,
                                                                              const storage::v1::DecisionRecord& offer);

// Visits every decision in id order until `visit` returns false. A long
// scan (Store::ScanFrom): leaves the block cache to point reads; not on a
// thread deferring writes.
absl::Status ScanDecisions(const Store& store, absl::FunctionRef<bool(const storage::v1::DecisionRecord&)> visit);

// Writes a new decision with its indexes (person, recipients, persons read,
// reference).
// REQUIRES: no decision exists for its key (checked by the caller).
// Returns the record's stored bytes (EncodeDecision: for its audit entry's
// digest); `record` is the same when it returns.
std::string PutNewDecision(WriteBatch* batch, storage::v1::DecisionRecord* record);

// Rewrites an existing decision (status changes); the indexes do not change.
// Returns the record's stored bytes; `record` is the same when it returns.
std::string PutDecision(WriteBatch* batch, storage::v1::DecisionRecord* record);

// The stored form (format version 2) is compact; readers never see it:
// - an input of the subject does not repeat the subject's id (of_subject);
// - an input from the same event as an earlier one does not repeat its
//   source, time and event id (provenance_of_input): a broadcast's three;
// - the status change of the creation does not repeat its time, actor,
//   reason and cause (creation).
// With the packed trace's references to texts it already wrote
// (engine/rules/packed_trace.h), a heatwave decision takes 0.93 kB instead
// of 1.24 kB.
//
// The bytes stored for `record`, with its format version set. The record is
// compacted in place while it is encoded and is the same when this returns;
// a record on the heap with up to 8 inputs is compacted without allocating.
std::string EncodeDecision(storage::v1::DecisionRecord* record);

// Decodes stored bytes of any format version and expands the compact form.
// DATA_LOSS naming `what` when they do not parse or a compact field points
// nowhere.
absl::StatusOr<storage::v1::DecisionRecord> DecodeDecision(absl::string_view bytes, absl::string_view what);

// The reason of the status change that creates a decision in `status`.
absl::string_view CreationReason(storage::v1::DecisionStatus status);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_DECISION_DECISION_STORE_H_
