// The life of a decision, as a pure transition function: which status an
// action leads to, or why it cannot happen. No I/O; the commands that change
// stored decisions (engine/ingest/decision_commands.h) call it.
//
//   proposed --notified--> notified --accepted--> confirmed
//       \                     \------declined--> declined
//        \--(deadline)-------------------------> lapsed (or confirmed when the
//        rule says so)
//   issued / referred / confirmed / declined / lapsed --contested--> in review
//   in review --resolved by a caseworker--> upheld | overturned | amended
//
// While a decision is in review, nothing but a caseworker's resolution moves
// it: every other action is refused, except that its message reaching the
// citizen (kNotified, a delivery reported after the contest) is recorded and
// leaves it in review.
//
//   ASSIGN_OR_RETURN(storage::v1::DecisionStatus next,
//                    NextStatus(decision, LifecycleAction::kAccept,
//                    clock->Now()));
#ifndef PROACTIVE_ENGINE_DECISION_LIFECYCLE_H_
#define PROACTIVE_ENGINE_DECISION_LIFECYCLE_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "proactive/storage/v1/storage.pb.h"

namespace proactive {

enum class LifecycleAction {
  kNotified,       // its message left through the outbox
  kAccept,         // the citizen accepted the offer
  kDecline,        // the citizen declined the offer
  kReplyDeadline,  // the offer's reply deadline passed
  kContest,        // the citizen (or the back office for them) contests it
  kResolveUpheld,  // a caseworker resolved the review
  kResolveOverturned,
  kResolveAmended,
  // The offer a formal decision followed (parent_decision_id) was
  // overturned after review: the formal decision falls with it.
  kParentOverturned,
};

absl::string_view LifecycleActionName(LifecycleAction action);

// The status after `action` at `now`. FAILED_PRECONDITION naming the current
// status, the action and, for deadlines, the day in the city's `zone`, when
// it is not allowed. An action that leaves the status as it is (a notify
// decision notified) returns the current status.
absl::StatusOr<storage::v1::DecisionStatus> NextStatus(const storage::v1::DecisionRecord& decision,
                                                       LifecycleAction action, absl::Time now, absl::TimeZone zone);

// True for an offer (action propose) still waiting for the citizen's answer:
// proposed or notified, or upheld or amended by a caseworker who reviewed it
// while it was waiting (reviewed before anyone was told, or contested before
// its deadline and answer) and reopened it (answer_reopened). An offer
// answered, then contested and upheld, is not.
bool IsOfferAwaitingAnswer(const storage::v1::DecisionRecord& decision);

// True for an offer in review that was waiting for its answer when it was
// put in review: upheld or amended, it waits for that answer again.
bool OfferWaitedWhenReviewed(const storage::v1::DecisionRecord& decision);

// True once the time to contest `decision` runs: once it reached someone
// (notified_at); records made before notified_at existed, from their
// creation. Before, its recourse_deadline is provisional.
bool TimeToContestStarted(const storage::v1::DecisionRecord& decision);

// True once the time to contest `decision` has started and run out at `now`.
bool TimeToContestEnded(const storage::v1::DecisionRecord& decision, absl::Time now);

// True for the statuses a caseworker's resolution ends in.
bool IsReviewed(storage::v1::DecisionStatus status);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_DECISION_LIFECYCLE_H_
