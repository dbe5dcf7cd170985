#include "engine/decision/lifecycle.h"

#include "absl/strings/str_cat.h"
#include "engine/common/proto_time.h"
#include "engine/decision/decision_factory.h"

namespace proactive {
namespace {

using storage::v1::DecisionStatus;

absl::Status Refuse(const storage::v1::DecisionRecord& d, LifecycleAction action, DecisionStatus to,
                    absl::string_view why) {
  return absl::FailedPreconditionError(
      absl::StrCat("decision ", d.decision_id(), " is ", DecisionStatusName(d.status()), "; it cannot be ",
                   LifecycleActionName(action),
                   to != storage::v1::DECISION_STATUS_UNSPECIFIED
                       ? absl::StrCat(" (", DecisionStatusName(d.status()), " -> ", DecisionStatusName(to), ")")
                       : "",
                   why.empty() ? "" : ": ", why));
}

bool IsOffer(const storage::v1::DecisionRecord& d) { return d.action_kind() == storage::v1::ACTION_PROPOSE; }

// Whether an offer waits for its answer, from its history: made (proposed,
// notified, or in review from its creation) it waits; answered, lapsed or
// cancelled it does not; upheld or amended, it waits when it did as it went
// into review.
struct AnswerWait {
  bool waiting = true;
  bool when_reviewed = true;  // as it went into review last
};

AnswerWait WalkAnswerWait(const storage::v1::DecisionRecord& d) {
  AnswerWait wait;
  for (const storage::v1::StatusChange& entry : d.history()) {
    switch (entry.status()) {
      case storage::v1::PROPOSED:
      case storage::v1::NOTIFIED:
        wait.waiting = true;
        break;
      case storage::v1::IN_REVIEW:
        wait.when_reviewed = wait.waiting;  // repeated while in review: the same
        break;
      case storage::v1::UPHELD:
      case storage::v1::AMENDED:
        wait.waiting = wait.when_reviewed;
        break;
      default:
        wait.waiting = false;
    }
  }
  return wait;
}

bool AwaitingAnswer(const storage::v1::DecisionRecord& d) {
  const DecisionStatus s = d.status();
  if (s == storage::v1::PROPOSED || s == storage::v1::NOTIFIED) return true;
  if (s != storage::v1::UPHELD && s != storage::v1::AMENDED) return false;
  if (d.history_size() == 0 || !WalkAnswerWait(d).waiting) return false;
  if (d.answer_reopened()) return true;
  // Reviewed before anyone was told, before answer_reopened existed: in
  // review at its creation only (its Resolve gave it a fresh deadline).
  if (d.history(0).status() != storage::v1::IN_REVIEW) return false;
  for (int i = 1; i < d.history_size(); ++i) {
    if (d.history(i).status() == storage::v1::IN_REVIEW) return false;
  }
  return true;
}

}  // namespace

bool TimeToContestStarted(const storage::v1::DecisionRecord& decision) {
  return decision.has_notified_at() || !decision.has_recourse_window();
}

bool TimeToContestEnded(const storage::v1::DecisionRecord& decision, absl::Time now) {
  return TimeToContestStarted(decision) && decision.has_recourse_deadline() &&
         now > FromProtoTimestamp(decision.recourse_deadline());
}

bool IsOfferAwaitingAnswer(const storage::v1::DecisionRecord& d) { return IsOffer(d) && AwaitingAnswer(d); }

bool OfferWaitedWhenReviewed(const storage::v1::DecisionRecord& d) {
  return IsOffer(d) && d.status() == storage::v1::IN_REVIEW && d.history_size() > 0 && WalkAnswerWait(d).when_reviewed;
}

absl::string_view LifecycleActionName(LifecycleAction action) {
  switch (action) {
    case LifecycleAction::kNotified:
      return "notified";
    case LifecycleAction::kAccept:
      return "accepted";
    case LifecycleAction::kDecline:
      return "declined";
    case LifecycleAction::kReplyDeadline:
      return "lapsed at its deadline";
    case LifecycleAction::kContest:
      return "contested";
    case LifecycleAction::kResolveUpheld:
      return "upheld";
    case LifecycleAction::kResolveOverturned:
      return "overturned";
    case LifecycleAction::kResolveAmended:
      return "amended";
    case LifecycleAction::kParentOverturned:
      return "overturned with the offer it followed";
  }
  return "?";
}

bool IsReviewed(DecisionStatus status) {
  return status == storage::v1::UPHELD || status == storage::v1::OVERTURNED || status == storage::v1::AMENDED;
}

absl::StatusOr<DecisionStatus> NextStatus(const storage::v1::DecisionRecord& d, LifecycleAction action, absl::Time now,
                                          absl::TimeZone zone) {
  const DecisionStatus s = d.status();
  const bool in_review = s == storage::v1::IN_REVIEW;
  switch (action) {
    case LifecycleAction::kResolveUpheld:
    case LifecycleAction::kResolveOverturned:
    case LifecycleAction::kResolveAmended: {
      DecisionStatus to = action == LifecycleAction::kResolveUpheld    ? storage::v1::UPHELD
                          : action == LifecycleAction::kResolveAmended ? storage::v1::AMENDED
                                                                       : storage::v1::OVERTURNED;
      if (!in_review) return Refuse(d, action, to, "only a decision in review is resolved");
      return to;
    }
    default:
      break;
  }
  // Contested after its message left and before it arrived: that it
  // reached them is recorded, and it stays in review.
  if (in_review && action == LifecycleAction::kNotified) return s;
  if (in_review) {
    return Refuse(d, action, storage::v1::DECISION_STATUS_UNSPECIFIED,
                  "a decision in review changes only by a caseworker's resolution");
  }
  if (action == LifecycleAction::kParentOverturned) {
    if (d.parent_decision_id().empty()) return Refuse(d, action, storage::v1::OVERTURNED, "it follows no offer");
    if (s == storage::v1::OVERTURNED) return Refuse(d, action, s, "it was cancelled already");
    return storage::v1::OVERTURNED;
  }
  switch (action) {
    case LifecycleAction::kNotified:
      if (s == storage::v1::PROPOSED) return storage::v1::NOTIFIED;
      if (s == storage::v1::OVERTURNED) return Refuse(d, action, s, "it was cancelled");
      return s;  // telling someone about an issued decision does not change it
    case LifecycleAction::kAccept:
    case LifecycleAction::kDecline: {
      DecisionStatus to = action == LifecycleAction::kAccept ? storage::v1::CONFIRMED : storage::v1::DECLINED;
      if (!IsOffer(d)) return Refuse(d, action, to, "it is not an offer");
      if (!AwaitingAnswer(d)) return Refuse(d, action, to, "it is no longer waiting for an answer");
      if (d.has_reply_deadline() && now > FromProtoTimestamp(d.reply_deadline())) {
        return Refuse(d, action, to,
                      absl::StrCat("the answer was due by ",
                                   absl::FormatTime("%Y-%m-%d %H:%M", FromProtoTimestamp(d.reply_deadline()), zone),
                                   " (", zone.name(), ")"));
      }
      return to;
    }
    case LifecycleAction::kReplyDeadline: {
      DecisionStatus to = d.accept_without_reply() ? storage::v1::CONFIRMED : storage::v1::LAPSED;
      if (!IsOfferAwaitingAnswer(d)) return Refuse(d, action, to, "it is not waiting for an answer");
      if (d.has_reply_deadline() && now < FromProtoTimestamp(d.reply_deadline())) {
        return Refuse(d, action, to, "its deadline has not passed");
      }
      return to;
    }
    case LifecycleAction::kContest:
      if (s == storage::v1::OVERTURNED)
        return Refuse(d, action, storage::v1::IN_REVIEW, "it was cancelled after review");
      if (TimeToContestEnded(d, now)) {
        return Refuse(d, action, storage::v1::IN_REVIEW,
                      absl::StrCat("the time to contest ended with ",
                                   absl::FormatTime("%Y-%m-%d", FromProtoTimestamp(d.recourse_deadline()), zone), " (",
                                   zone.name(), "); the administrative court remains open"));
      }
      return storage::v1::IN_REVIEW;
    default:
      break;
  }
  return absl::InternalError("unknown lifecycle action");
}

}  // namespace proactive
