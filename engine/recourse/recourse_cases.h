// Recourse cases: the human side of a contested decision (or of a decision a
// rule sends to review before notifying). A case is open until a caseworker
// resolves it with a written reason and its legal basis; a caseworker works
// on it under a claim that expires if abandoned (a lease), so no case stays
// stuck with someone who left.
//
//   storage::v1::RecourseCase c = NewContestCase(decision, "citizen", reason, now);
//   RETURN_IF_ERROR(Claim(&c, "caseworker:alice", now, absl::Minutes(30)));
//   RETURN_IF_ERROR(Resolve(&c, "caseworker:alice", storage::v1::OUTCOME_UPHELD, reason, basis, now));
//   PutCase(&batch, previous_due, c);
//
// The functions that change a case are pure; PutCase/ReadCase/ListCases
// keep them in the store with the queue index (open cases by due date).
#ifndef PROACTIVE_ENGINE_RECOURSE_RECOURSE_CASES_H_
#define PROACTIVE_ENGINE_RECOURSE_RECOURSE_CASES_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/common/time_limit.h"
#include "engine/store/store.h"
#include "proactive/storage/v1/storage.pb.h"

namespace proactive {

// The most a caller's free text may hold, in bytes of UTF-8 (checked where
// it enters: CheckTextField): a citizen's reason to contest, a caseworker's
// reason and legal basis for a resolution (quoted in the SMS that tells the
// outcome) and a caseworker's note.
inline constexpr size_t kMaxReasonBytes = 4000;
inline constexpr size_t kMaxNoteBytes = 16000;

// "c-" + the decision id's code for a contest; "+review" for a review
// before notifying. One case of each kind per decision at most.
std::string ContestCaseId(absl::string_view decision_id);
std::string ReviewCaseId(absl::string_view decision_id);

// Silence on a contest for this long rejects it (CRPA, art. L231-4): the
// acknowledgement tells the citizen that day (art. R112-5).
inline constexpr TimeLimit kSilenceRejectsAfter = TimeLimit{2, TimeLimit::Unit::kMonths};

// The time a caseworker has to review `decision` once contested, counted
// from the day of the contest (61 days in records made before it was stored
// with its unit).
TimeLimit ReviewWithin(const storage::v1::DecisionRecord& decision);

// A new open case for `decision`, opened at `now` (for a contest, when the
// citizen made it: an SMS's sending time) and due at the end of ReviewWithin
// counted from that day in `zone`. It is routed to
// the arrondissement the decision read, or else to the one in `subject`'s
// current state (the decision's person, null when not held): a rule that
// reads none still leaves its cases in the right caseworkers' list.
storage::v1::RecourseCase NewCase(const storage::v1::DecisionRecord& decision, storage::v1::CaseKind kind,
                                  absl::string_view opened_by, absl::string_view reason, absl::Time now,
                                  absl::TimeZone zone, const storage::v1::PersonState* subject);

// Claims the case for `caseworker` until now + lease. FAILED_PRECONDITION when
// it is resolved or claimed by someone else whose claim has not expired.
// Reclaiming one's own case extends the lease. Sets `*expired_claim` to the
// previous claimant when their claim had expired (for the audit log).
absl::Status Claim(storage::v1::RecourseCase* c, absl::string_view caseworker, absl::Time now, absl::Duration lease,
                   std::string* expired_claim);

// Adds a note. FAILED_PRECONDITION unless `caseworker` holds a live claim;
// INVALID_ARGUMENT for an empty note.
absl::Status AddNote(storage::v1::RecourseCase* c, absl::string_view caseworker, absl::string_view text,
                     absl::Time now);

// Resolves the case. The reason (at least 20 characters: a sentence a citizen
// can read) and the legal basis are mandatory. FAILED_PRECONDITION unless
// `caseworker` holds a live claim on an open case.
absl::Status Resolve(storage::v1::RecourseCase* c, absl::string_view caseworker, storage::v1::ReviewOutcome outcome,
                     absl::string_view reason, absl::string_view legal_basis, absl::Time now);

// True when someone holds an unexpired claim.
bool IsClaimed(const storage::v1::RecourseCase& c, absl::Time now);

absl::string_view CaseOutcomeName(storage::v1::ReviewOutcome outcome);

// ---- storage ----------------------------------------------------------------

// The case, or nullopt.
absl::StatusOr<std::optional<storage::v1::RecourseCase>> ReadCase(const Store& store, absl::string_view case_id);

// Writes the case and keeps the queue index: `previous` is the stored
// version (nullptr for a new case).
void PutCase(WriteBatch* batch, const storage::v1::RecourseCase* previous, const storage::v1::RecourseCase& c);

struct CaseFilter {
  bool open_only = true;
  std::string service;     // "" = any
  int arrondissement = 0;  // 0 = any
  std::optional<absl::Time> due_before;
  size_t limit = 200;
};

// Cases matching `filter`, ordered by due date (earliest first).
absl::StatusOr<std::vector<storage::v1::RecourseCase>> ListCases(const Store& store, const CaseFilter& filter);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_RECOURSE_RECOURSE_CASES_H_
