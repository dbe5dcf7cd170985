#include "engine/decision/decision_store.h"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/strings/match.h"
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

// The actor of the status change that creates a decision.
constexpr char kEngineActor[] = "engine";

bool SameTime(const google::protobuf::Timestamp& a, const google::protobuf::Timestamp& b) {
  return a.seconds() == b.seconds() && a.nanos() == b.nanos();
}

bool SameProvenance(const storage::v1::DecisionInput& a, const storage::v1::DecisionInput& b) {
  if (a.source() != b.source() || a.event_id() != b.event_id() || a.has_occurred_at() != b.has_occurred_at()) {
    return false;
  }
  return !a.has_occurred_at() || SameTime(a.occurred_at(), b.occurred_at());
}

// Compacts a record in place for its encoding and puts it back. Cleared
// strings keep their buffers and released timestamps are kept here, so
// neither direction allocates.
class CompactedForEncoding {
 public:
  explicit CompactedForEncoding(storage::v1::DecisionRecord* d) : d_(d), version_(d->format_version()) {
    d_->set_format_version(StorageFormat<storage::v1::DecisionRecord>::kWritten);
    absl::InlinedVector<int, 8> providers;  // inputs that keep their provenance
    for (int i = 0; i < d_->inputs_size(); ++i) {
      storage::v1::DecisionInput* in = d_->mutable_inputs(i);
      if (!in->person_id().empty() && in->person_id() == d_->person_id()) {
        in->clear_person_id();
        in->set_of_subject(true);
      }
      int provider = -1;
      if (!in->source().empty() || !in->event_id().empty()) {
        for (auto it = providers.rbegin(); it != providers.rend(); ++it) {
          if (SameProvenance(d_->inputs(*it), *in)) {
            provider = *it;
            break;
          }
        }
      }
      if (provider < 0) {
        providers.push_back(i);
        continue;
      }
      in->clear_source();
      in->clear_event_id();
      released_times_.push_back({i, in->has_occurred_at() ? in->release_occurred_at() : nullptr});
      in->set_provenance_of_input(static_cast<uint32_t>(provider + 1));
    }
    if (d_->history_size() > 0 && d_->has_created_at()) {
      storage::v1::StatusChange* first = d_->mutable_history(0);
      if (first->actor() == kEngineActor && first->cause() == d_->triggered_by() &&
          first->reason() == CreationReason(first->status()) && first->has_at() &&
          SameTime(first->at(), d_->created_at())) {
        first->clear_actor();
        first->clear_reason();
        first->clear_cause();
        creation_at_ = first->release_at();
        first->set_creation(true);
      }
    }
  }

  ~CompactedForEncoding() {
    d_->set_format_version(version_);
    for (storage::v1::DecisionInput& in : *d_->mutable_inputs()) {
      if (!in.of_subject()) continue;
      in.set_person_id(d_->person_id());
      in.set_of_subject(false);
    }
    for (const auto& [index, time] : released_times_) {
      storage::v1::DecisionInput* in = d_->mutable_inputs(index);
      const storage::v1::DecisionInput& from = d_->inputs(static_cast<int>(in->provenance_of_input()) - 1);
      in->set_source(from.source());
      in->set_event_id(from.event_id());
      if (time != nullptr) in->set_allocated_occurred_at(time);
      in->set_provenance_of_input(0);
    }
    if (creation_at_ != nullptr) {
      storage::v1::StatusChange* first = d_->mutable_history(0);
      first->set_actor(kEngineActor);
      first->set_reason(std::string(CreationReason(first->status())));
      first->set_cause(d_->triggered_by());
      first->set_allocated_at(creation_at_);
      first->set_creation(false);
    }
  }

  CompactedForEncoding(const CompactedForEncoding&) = delete;
  CompactedForEncoding& operator=(const CompactedForEncoding&) = delete;

 private:
  storage::v1::DecisionRecord* const d_;
  const uint32_t version_;
  absl::InlinedVector<std::pair<int, google::protobuf::Timestamp*>, 4> released_times_;
  google::protobuf::Timestamp* creation_at_ = nullptr;
};

absl::Status ExpandStoredForm(storage::v1::DecisionRecord* d, absl::string_view what) {
  for (int i = 0; i < d->inputs_size(); ++i) {
    storage::v1::DecisionInput* in = d->mutable_inputs(i);
    if (in->of_subject()) {
      if (d->person_id().empty()) {
        return absl::DataLossError(
            absl::StrCat(what, ": input ", i + 1, " (", in->path(), ") is the subject's, and the subject is empty"));
      }
      in->set_person_id(d->person_id());
      in->set_of_subject(false);
    }
    const uint32_t provider = in->provenance_of_input();
    if (provider == 0) continue;
    if (provider > static_cast<uint32_t>(i)) {
      return absl::DataLossError(absl::StrCat(what, ": input ", i + 1, " (", in->path(),
                                              ") takes its provenance from input ", provider,
                                              ", which is not an earlier one"));
    }
    const storage::v1::DecisionInput& from = d->inputs(static_cast<int>(provider) - 1);
    in->set_source(from.source());
    in->set_event_id(from.event_id());
    if (from.has_occurred_at()) *in->mutable_occurred_at() = from.occurred_at();
    in->set_provenance_of_input(0);
  }
  for (int i = 0; i < d->history_size(); ++i) {
    storage::v1::StatusChange& change = *d->mutable_history(i);
    if (!change.creation()) continue;
    if (i != 0 || !d->has_created_at()) {
      return absl::DataLossError(absl::StrCat(what, ": status change ", i + 1,
                                              " is the creation, but it is not the first or the record has no "
                                              "creation time"));
    }
    change.set_actor(kEngineActor);
    change.set_reason(std::string(CreationReason(change.status())));
    change.set_cause(d->triggered_by());
    *change.mutable_at() = d->created_at();
    change.set_creation(false);
  }
  return absl::OkStatus();
}

}  // namespace

absl::string_view CreationReason(storage::v1::DecisionStatus status) {
  return status == storage::v1::IN_REVIEW ? "the rule requires a human review before notifying"
                                          : "the rule's conditions were met";
}

std::string EncodeDecision(storage::v1::DecisionRecord* record) {
  CompactedForEncoding compacted(record);
  return EncodeRecord(*record);
}

absl::StatusOr<storage::v1::DecisionRecord> DecodeDecision(absl::string_view bytes, absl::string_view what) {
  ASSIGN_OR_RETURN(storage::v1::DecisionRecord record, DecodeRecord<storage::v1::DecisionRecord>(bytes, what));
  RETURN_IF_ERROR(ExpandStoredForm(&record, what));
  return record;
}

absl::StatusOr<std::optional<storage::v1::DecisionRecord>> ReadDecision(const Store& store,
                                                                        absl::string_view decision_id) {
  ASSIGN_OR_RETURN(std::optional<std::string> bytes, store.Get(Family::kDecisions, DecisionRecordKey(decision_id)));
  if (!bytes) return std::optional<storage::v1::DecisionRecord>();
  ASSIGN_OR_RETURN(storage::v1::DecisionRecord record, DecodeDecision(*bytes, absl::StrCat("decision ", decision_id)));
  return std::optional<storage::v1::DecisionRecord>(std::move(record));
}

absl::StatusOr<std::vector<std::string>> ListDecisionIdsOfPerson(const Store& store, absl::string_view person_id) {
  return IdsWithPrefix(store, PersonDecisionPrefix(person_id));
}

absl::StatusOr<std::vector<std::string>> ListDecisionIdsReadingPerson(const Store& store, absl::string_view person_id) {
  return IdsWithPrefix(store, InputPersonDecisionPrefix(person_id));
}

namespace {

constexpr absl::string_view kDecisionIdSchemeKey = "decision-ids";

constexpr size_t kDecisionIdSecretBytes = 32;

absl::StatusOr<bool> HasDecisions(const Store& store) {
  bool has_decisions = false;
  RETURN_IF_ERROR(store.Scan(Family::kDecisions, "", [&](absl::string_view, absl::string_view) {
    has_decisions = true;
    return false;
  }));
  return has_decisions;
}

// Whether the store's decisions have plain ids: the first one whose key is
// known (neither pseudonymised nor a formal decision) tells.
absl::StatusOr<bool> DecisionIdsArePlain(const Store& store) {
  std::optional<bool> plain;
  RETURN_IF_ERROR(ScanDecisions(store, [&](const storage::v1::DecisionRecord& d) {
    if (d.has_pseudonymised_at() || !d.parent_decision_id().empty()) return true;
    plain = DecisionIdFor({d.rule_id(), d.person_id(), d.once_per()}) == d.decision_id();
    return false;
  }));
  return plain.value_or(true);  // nothing to tell by: none can be decided again
}

absl::Status PutDecisionIdScheme(Store* store, const storage::v1::DecisionIdScheme& scheme) {
  WriteBatch batch(*store);
  batch.Put(Family::kMeta, kDecisionIdSchemeKey, EncodeRecord(scheme));
  return store->Write(&batch, /*sync=*/true);
}

}  // namespace

absl::Status AdoptDecisionIdSecret(Store* store, const std::string& secret) {
  if (secret.size() != kDecisionIdSecretBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("a decision id secret is ", kDecisionIdSecretBytes, " bytes, not ", secret.size()));
  }
  ASSIGN_OR_RETURN(std::optional<std::string> stored, store->Get(Family::kMeta, kDecisionIdSchemeKey));
  ASSIGN_OR_RETURN(const bool has_decisions, HasDecisions(*store));
  if (stored || has_decisions) {
    return absl::FailedPreconditionError("the store gives decision ids already: its secret cannot change");
  }
  storage::v1::DecisionIdScheme scheme;
  scheme.set_format_version(kStorageFormatVersion);
  scheme.set_secret(secret);
  return PutDecisionIdScheme(store, scheme);
}

absl::StatusOr<DecisionIds> OpenDecisionIds(Store* store) {
  ASSIGN_OR_RETURN(std::optional<std::string> stored, store->Get(Family::kMeta, kDecisionIdSchemeKey));
  if (stored) {
    ASSIGN_OR_RETURN(storage::v1::DecisionIdScheme scheme,
                     DecodeRecord<storage::v1::DecisionIdScheme>(*stored, "decision id scheme"));
    return scheme.secret().empty() ? DecisionIds::Unkeyed() : DecisionIds::Keyed(scheme.secret());
  }
  ASSIGN_OR_RETURN(const bool has_decisions, HasDecisions(*store));
  if (has_decisions) {
    ASSIGN_OR_RETURN(const bool plain, DecisionIdsArePlain(*store));
    if (!plain) {
      return absl::DataLossError(
          "the store's decision ids are keyed but its secret (key \"decision-ids\" of the default family) is "
          "gone: restore it from a backup; without it, rules would decide again what they decided");
    }
  }
  storage::v1::DecisionIdScheme scheme;
  scheme.set_format_version(kStorageFormatVersion);
  if (!has_decisions) {
    std::string secret(kDecisionIdSecretBytes, '\0');
    size_t drawn = 0;
    while (drawn < secret.size()) {
      const ssize_t n = getrandom(&secret[drawn], secret.size() - drawn, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        return absl::InternalError(absl::StrCat("drawing the decision id secret: getrandom: ", std::strerror(errno)));
      }
      drawn += static_cast<size_t>(n);
    }
    scheme.set_secret(secret);
  }
  RETURN_IF_ERROR(PutDecisionIdScheme(store, scheme));
  return scheme.secret().empty() ? DecisionIds::Unkeyed() : DecisionIds::Keyed(scheme.secret());
}

absl::StatusOr<std::optional<storage::v1::DecisionRecord>> FindFormalDecision(
    const Store& store, const storage::v1::DecisionRecord& offer) {
  ASSIGN_OR_RETURN(std::vector<std::string> ids, ListDecisionIdsOfPerson(store, offer.person_id()));
  for (const std::string& id : ids) {
    ASSIGN_OR_RETURN(std::optional<storage::v1::DecisionRecord> d, ReadDecision(store, id));
    if (d && d->parent_decision_id() == offer.decision_id()) return d;
  }
  return std::optional<storage::v1::DecisionRecord>();
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
  RETURN_IF_ERROR(store.ScanFrom(Family::kDecisions, "d/", [&](absl::string_view key, absl::string_view value) {
    if (!absl::StartsWith(key, "d/")) return false;
    absl::StatusOr<storage::v1::DecisionRecord> record =
        DecodeDecision(value, absl::StrCat("decision ", key.substr(2)));
    if (!record.ok()) {
      decode_error = record.status();
      return false;
    }
    return visit(*record);
  }));
  return decode_error;
}

std::string PutNewDecision(WriteBatch* batch, storage::v1::DecisionRecord* stored) {
  std::string encoded = PutDecision(batch, stored);
  const storage::v1::DecisionRecord& record = *stored;
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

std::string PutDecision(WriteBatch* batch, storage::v1::DecisionRecord* record) {
  std::string encoded = EncodeDecision(record);
  batch->Put(Family::kDecisions, DecisionRecordKey(record->decision_id()), encoded);
  return encoded;
}

}  // namespace proactive
