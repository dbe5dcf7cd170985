#include "engine/recourse/recourse_cases.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "engine/common/proto_time.h"
#include "engine/common/status_macros.h"
#include "engine/common/text_formats.h"
#include "engine/common/utf8.h"
#include "engine/store/codec.h"
#include "engine/store/column_families.h"
#include "engine/store/records.h"

namespace proactive {
namespace {

std::string CaseKey(absl::string_view id) { return absl::StrCat("c/", id); }
std::string QueueKey(const storage::v1::RecourseCase& c) {
  return absl::StrCat("q/", DecimalKey(c.due_at().seconds()).view(), "/", c.case_id());
}

// The arrondissement the decision read, else the subject's now; 0 when
// neither is known: the case then shows in lists not filtered by it.
int ArrondissementOf(const storage::v1::DecisionRecord& d, const storage::v1::PersonState* subject) {
  for (const auto& input : d.inputs()) {
    if (input.path() == "person.arrondissement" && input.value().has_int_value()) {
      return static_cast<int>(input.value().int_value());
    }
  }
  if (subject == nullptr) return 0;
  for (const storage::v1::AttributeEntry& a : subject->attributes()) {
    if (a.name() == "arrondissement" && !a.removed() && a.value().has_int_value()) {
      return static_cast<int>(a.value().int_value());
    }
  }
  return 0;
}

absl::Status RequireClaim(const storage::v1::RecourseCase& c, absl::string_view caseworker, absl::Time now,
                          absl::string_view what) {
  if (c.status() == storage::v1::CASE_RESOLVED) {
    return absl::FailedPreconditionError(absl::StrCat("case ", c.case_id(), " is already resolved"));
  }
  if (c.claimed_by() != caseworker || !IsClaimed(c, now)) {
    return absl::FailedPreconditionError(
        absl::StrCat("to ", what, " case ", c.case_id(), ", claim it first",
                     IsClaimed(c, now) ? absl::StrCat(" (", c.claimed_by(), " holds it until ",
                                                      FormatRfc3339(FromProtoTimestamp(c.claim_expires_at())), ")")
                                       : ""));
  }
  return absl::OkStatus();
}

}  // namespace

std::string ContestCaseId(absl::string_view decision_id) {
  return absl::StrCat("c-", decision_id.substr(decision_id.find('-') + 1));
}

std::string ReviewCaseId(absl::string_view decision_id) { return absl::StrCat(ContestCaseId(decision_id), "+review"); }

absl::string_view CaseOutcomeName(storage::v1::ReviewOutcome outcome) {
  switch (outcome) {
    case storage::v1::OUTCOME_UPHELD:
      return "upheld";
    case storage::v1::OUTCOME_OVERTURNED:
      return "overturned";
    case storage::v1::OUTCOME_AMENDED:
      return "amended";
    default:
      return "none";
  }
}

TimeLimit ReviewWithin(const storage::v1::DecisionRecord& decision) {
  if (decision.has_review_within()) return TimeLimitFromRecord(decision.review_within());
  return TimeLimit::Days(decision.review_sla_days() > 0 ? decision.review_sla_days() : 61);
}

storage::v1::RecourseCase NewCase(const storage::v1::DecisionRecord& decision, storage::v1::CaseKind kind,
                                  absl::string_view opened_by, absl::string_view reason, absl::Time now,
                                  absl::TimeZone zone, const storage::v1::PersonState* subject) {
  storage::v1::RecourseCase c;
  c.set_case_id(kind == storage::v1::REVIEW_BEFORE_NOTIFY ? ReviewCaseId(decision.decision_id())
                                                          : ContestCaseId(decision.decision_id()));
  c.set_decision_id(decision.decision_id());
  c.set_person_id(decision.person_id());
  c.set_service(decision.service());
  c.set_rule_id(decision.rule_id());
  c.set_arrondissement(ArrondissementOf(decision, subject));
  c.set_kind(kind);
  c.set_status(storage::v1::CASE_OPEN);
  *c.mutable_opened_at() = ToProtoTimestamp(now);
  *c.mutable_due_at() = ToProtoTimestamp(DeadlineAfter(ReviewWithin(decision), now, zone));
  c.set_opened_by(std::string(opened_by));
  c.set_contest_reason(std::string(reason));
  return c;
}

bool IsClaimed(const storage::v1::RecourseCase& c, absl::Time now) {
  return !c.claimed_by().empty() && FromProtoTimestamp(c.claim_expires_at()) > now;
}

absl::Status Claim(storage::v1::RecourseCase* c, absl::string_view caseworker, absl::Time now, absl::Duration lease,
                   std::string* expired_claim) {
  if (c->status() == storage::v1::CASE_RESOLVED) {
    return absl::FailedPreconditionError(absl::StrCat("case ", c->case_id(), " is already resolved"));
  }
  if (IsClaimed(*c, now) && c->claimed_by() != caseworker) {
    return absl::FailedPreconditionError(absl::StrCat("case ", c->case_id(), " is claimed by ", c->claimed_by(),
                                                      " until ",
                                                      FormatRfc3339(FromProtoTimestamp(c->claim_expires_at()))));
  }
  if (!c->claimed_by().empty() && !IsClaimed(*c, now) && expired_claim != nullptr) *expired_claim = c->claimed_by();
  if (c->claimed_by() != caseworker || !IsClaimed(*c, now)) c->set_claims(c->claims() + 1);
  c->set_claimed_by(std::string(caseworker));
  *c->mutable_claim_expires_at() = ToProtoTimestamp(now + lease);
  return absl::OkStatus();
}

absl::Status AddNote(storage::v1::RecourseCase* c, absl::string_view caseworker, absl::string_view text,
                     absl::Time now) {
  if (absl::StripAsciiWhitespace(text).empty()) return absl::InvalidArgumentError("text: a note cannot be empty");
  RETURN_IF_ERROR(RequireClaim(*c, caseworker, now, "add a note to"));
  storage::v1::CaseNote* note = c->add_notes();
  note->set_caseworker(std::string(caseworker));
  *note->mutable_at() = ToProtoTimestamp(now);
  note->set_text(std::string(text));
  return absl::OkStatus();
}

absl::Status Resolve(storage::v1::RecourseCase* c, absl::string_view caseworker, storage::v1::ReviewOutcome outcome,
                     absl::string_view reason, absl::string_view legal_basis, absl::Time now) {
  if (outcome == storage::v1::REVIEW_OUTCOME_UNSPECIFIED) {
    return absl::InvalidArgumentError("outcome: upheld, overturned or amended");
  }
  if (Utf8CharacterCount(absl::StripAsciiWhitespace(reason)) < 20) {
    return absl::InvalidArgumentError(
        "reason: a written reason of at least 20 characters is mandatory (it is sent to the citizen)");
  }
  if (absl::StripAsciiWhitespace(legal_basis).empty()) {
    return absl::InvalidArgumentError("legal_basis: the legal basis of the resolution is mandatory");
  }
  RETURN_IF_ERROR(RequireClaim(*c, caseworker, now, "resolve"));
  c->set_status(storage::v1::CASE_RESOLVED);
  c->set_outcome(outcome);
  c->set_resolution_reason(std::string(reason));
  c->set_resolution_legal_basis(std::string(legal_basis));
  c->set_resolved_by(std::string(caseworker));
  *c->mutable_resolved_at() = ToProtoTimestamp(now);
  c->clear_claimed_by();
  c->clear_claim_expires_at();
  return absl::OkStatus();
}

absl::StatusOr<std::optional<storage::v1::RecourseCase>> ReadCase(const Store& store, absl::string_view case_id) {
  ASSIGN_OR_RETURN(std::optional<std::string> bytes, store.Get(Family::kRecourse, CaseKey(case_id)));
  if (!bytes) return std::optional<storage::v1::RecourseCase>();
  ASSIGN_OR_RETURN(storage::v1::RecourseCase c,
                   DecodeRecord<storage::v1::RecourseCase>(*bytes, absl::StrCat("case ", case_id)));
  return std::optional<storage::v1::RecourseCase>(std::move(c));
}

void PutCase(WriteBatch* batch, const storage::v1::RecourseCase* previous, const storage::v1::RecourseCase& c) {
  if (previous != nullptr && previous->status() == storage::v1::CASE_OPEN) {
    batch->Delete(Family::kRecourse, QueueKey(*previous));
  }
  batch->Put(Family::kRecourse, CaseKey(c.case_id()), EncodeVersionedRecord(c));
  if (c.status() == storage::v1::CASE_OPEN) batch->Put(Family::kRecourse, QueueKey(c), "");
}

absl::StatusOr<std::vector<storage::v1::RecourseCase>> ListCases(const Store& store, const CaseFilter& filter) {
  std::vector<storage::v1::RecourseCase> cases;
  absl::Status error;
  const auto matches = [&](const storage::v1::RecourseCase& c) {
    if (!filter.service.empty() && c.service() != filter.service) return false;
    if (filter.arrondissement != 0 && c.arrondissement() != filter.arrondissement) return false;
    if (filter.due_before && FromProtoTimestamp(c.due_at()) >= *filter.due_before) return false;
    return true;
  };
  if (filter.open_only) {
    std::vector<std::string> ids;
    RETURN_IF_ERROR(store.Scan(Family::kRecourse, "q/", [&](absl::string_view key, absl::string_view) {
      ids.emplace_back(key.substr(key.rfind('/') + 1));
      return true;
    }));
    for (const std::string& id : ids) {
      ASSIGN_OR_RETURN(std::optional<storage::v1::RecourseCase> c, ReadCase(store, id));
      if (c && matches(*c)) cases.push_back(*std::move(c));
      if (cases.size() >= filter.limit) break;
    }
    return cases;
  }
  RETURN_IF_ERROR(store.Scan(Family::kRecourse, "c/", [&](absl::string_view key, absl::string_view value) {
    absl::StatusOr<storage::v1::RecourseCase> c = DecodeRecord<storage::v1::RecourseCase>(value, key);
    if (!c.ok()) {
      error = c.status();
      return false;
    }
    if (matches(*c)) cases.push_back(*std::move(c));
    return true;
  }));
  RETURN_IF_ERROR(error);
  std::sort(cases.begin(), cases.end(), [](const auto& a, const auto& b) {
    return std::make_pair(a.due_at().seconds(), a.case_id()) < std::make_pair(b.due_at().seconds(), b.case_id());
  });
  if (cases.size() > filter.limit) cases.resize(filter.limit);
  return cases;
}

}  // namespace proactive
