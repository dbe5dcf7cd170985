#include "engine/decision/decision_store.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "engine/common/status_macros.h"
#include "engine/store/codec.h"

namespace proactive {
namespace {

std::string IdAfterPrefix(absl::string_view key, size_t prefix_size) { return std::string(key.substr(prefix_size)); }

absl::StatusOr<std::vector<std::string>> IdsWithPrefix(const Store& store, const std::string& prefix) {
  std::vector<std::string> ids;
  RETURN_IF_ERROR(store.Scan(Family::kDecisions, prefix, [&](absl::string_view key, absl::string_view) {
    ids.push_back(IdAfterPrefix(key, prefix.size()));
    return true;
  }));
  return ids;
}

}  // namespace

absl::StatusOr<std::optional<storage::v1::DecisionRecord>> ReadDecision(const Store& store,
                                                                        absl::string_view decision_id) {
  ASSIGN_OR_RETURN(std::optional<std::string> bytes, store.Get(Family::kDecisions, DecisionRecordKey(decision_id)));
  if (!bytes) return std::optional<storage::v1::DecisionRecord>();
  ASSIGN_OR_RETURN(storage::v1::DecisionRecord record,
                   DecodeRecord<storage::v1::DecisionRecord>(*bytes, absl::StrCat("decision ", decision_id)));
  return std::optional<storage::v1::DecisionRecord>(std::move(record));
}

absl::StatusOr<std::vector<std::string>> ListDecisionIdsOfPerson(const Store& store, absl::string_view person_id) {
  return IdsWithPrefix(store, PersonDecisionPrefix(person_id));
}

absl::StatusOr<std::vector<std::string>> ListDecisionIdsReadingPerson(const Store& store, absl::string_view person_id) {
  return IdsWithPrefix(store, InputPersonDecisionPrefix(person_id));
}

absl::StatusOr<std::vector<std::string>> FindDecisionIdsByReference(const Store& store, absl::string_view code) {
  // A reference code is the start of its decision's id: the records' keys
  // are the index. (Stores written before kept an "r/" index; it is unused.)
  const std::string normalized = NormalizeReferenceCode(code);
  std::vector<std::string> ids;
  if (normalized.size() != ReferenceCodeFor(DecisionIdFor({})).size()) return ids;
  const std::string prefix = DecisionRecordKey(absl::StrCat("d-", normalized));
  const size_t id_start = DecisionRecordKey("").size();
  RETURN_IF_ERROR(store.Scan(Family::kDecisions, prefix, [&](absl::string_view key, absl::string_view) {
    ids.push_back(IdAfterPrefix(key, id_start));
    return true;
  }));
  return ids;
}

absl::Status ScanDecisions(const Store& store, absl::FunctionRef<bool(const storage::v1::DecisionRecord&)> visit) {
  absl::Status decode_error;
  RETURN_IF_ERROR(store.Scan(Family::kDecisions, "d/", [&](absl::string_view key, absl::string_view value) {
    absl::StatusOr<storage::v1::DecisionRecord> record =
        DecodeRecord<storage::v1::DecisionRecord>(value, absl::StrCat("decision ", key.substr(2)));
    if (!record.ok()) {
      decode_error = record.status();
      return false;
    }
    return visit(*record);
  }));
  return decode_error;
}

std::string PutNewDecision(WriteBatch* batch, const storage::v1::DecisionRecord& record) {
  std::string encoded = PutDecision(batch, record);
  batch->Put(Family::kDecisions, PersonDecisionKey(record.person_id(), record.decision_id()), "");
  for (const std::string& recipient : record.recipients()) {
    // The subject's own key finds them (ListDecisionIdsForRecipient).
    if (recipient == record.person_id()) continue;
    batch->Put(Family::kDecisions, RecipientDecisionKey(recipient, record.decision_id()), "");
  }
  for (const storage::v1::DecisionInput& input : record.inputs()) {
    if (!input.person_id().empty() && input.person_id() != record.person_id()) {
      batch->Put(Family::kDecisions, InputPersonDecisionKey(input.person_id(), record.decision_id()), "");
    }
  }
  return encoded;
}

absl::StatusOr<std::vector<std::string>> ListDecisionIdsForRecipient(const Store& store, absl::string_view person_id) {
  ASSIGN_OR_RETURN(std::vector<std::string> ids, IdsWithPrefix(store, RecipientDecisionPrefix(person_id)));
  ASSIGN_OR_RETURN(std::vector<std::string> as_subject, ListDecisionIdsOfPerson(store, person_id));
  // Records written before 2026-12-05 also have the recipient key.
  const std::set<std::string> indexed(ids.begin(), ids.end());
  for (const std::string& id : as_subject) {
    if (indexed.count(id) > 0) continue;
    ASSIGN_OR_RETURN(std::optional<storage::v1::DecisionRecord> d, ReadDecision(store, id));
    if (!d) continue;
    const auto& recipients = d->recipients();
    if (std::find(recipients.begin(), recipients.end(), person_id) != recipients.end()) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::string PutDecision(WriteBatch* batch, const storage::v1::DecisionRecord& record) {
  std::string encoded = EncodeVersionedRecord(record);
  batch->Put(Family::kDecisions, DecisionRecordKey(record.decision_id()), encoded);
  return encoded;
}

}  // namespace proactive
