// Everything that changes a decision or a recourse case after it was made:
// a contest, the citizen's answer to an offer, its notification, a
// caseworker's claim, note and resolution, a reply deadline. Each command
// writes one batch: the changed records and their audit entries.
//
// Commands run on the writer thread (EventWriter::Execute), one at a time,
// in the order they arrive; the caller acknowledges only after the group's
// fsync. Refusals are FAILED_PRECONDITION (an illegal transition, naming
// both states), INVALID_ARGUMENT (a missing reason), NOT_FOUND.
#ifndef PROACTIVE_ENGINE_INGEST_DECISION_COMMANDS_H_
#define PROACTIVE_ENGINE_INGEST_DECISION_COMMANDS_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/audit/audit_log.h"
#include "engine/common/swappable.h"
#include "engine/decision/decision_keys.h"
#include "engine/decision/lifecycle.h"
#include "engine/decision/stored_decision.h"
#include "engine/rules/rule_set.h"
#include "engine/store/store.h"
#include "proactive/storage/v1/storage.pb.h"
#include "proactive/v1/events.pb.h"

namespace proactive {

struct ContestResult {
  std::string case_id;
  bool already_contested = false;  // the existing case is returned; nothing changed
};

class DecisionCommands {
 public:
  // REQUIRES: everything outlives the commands.
  // REQUIRES: `ids` (the store's, OpenDecisionIds) outlives the commands.
  DecisionCommands(Store* store, AuditLog* audit, const Swappable<RuleSet>* rules, const DecisionIds* ids)
      : store_(store), audit_(audit), rules_(rules), ids_(ids), rule_set_versions_(store, rules) {}

  // Rule sets by the versions that made decisions (running or compiled from
  // their snapshots): what a stored decision or message is expanded with.
  const RuleSetVersions& rule_set_versions() const { return rule_set_versions_; }

  // Contests a decision: it goes to review, exactly one recourse case is
  // opened (contesting again returns the same case) and the citizen is told
  // it is recorded and by when it will be reviewed. FAILED_PRECONDITION when
  // its case was resolved already: a reviewed decision is contested before
  // the administrative court. `actor`: "citizen", "back-office:<principal>".
  absl::StatusOr<ContestResult> Contest(const std::string& decision_id, const std::string& actor,
                                        const std::string& reason, absl::Time now);

  // The citizen's answer to an offer. On acceptance, a separate formal
  // decision (action grant, issued) is made, pointing to the offer.
  absl::StatusOr<storage::v1::DecisionRecord> Answer(const std::string& decision_id, bool accept,
                                                     const std::string& actor, const std::string& cause,
                                                     absl::Time now);

  // The same, writing into `batch` (which the caller writes): for a reply
  // whose effect and record must be atomic.
  // `received_at`: when the citizen sent it (an SMS sent before the end of
  // the last day and processed after is in time); `now` by default.
  absl::StatusOr<ContestResult> ContestInto(WriteBatch* batch, const std::string& decision_id, const std::string& actor,
                                            const std::string& reason, absl::Time now,
                                            std::optional<absl::Time> received_at = std::nullopt);
  absl::StatusOr<storage::v1::DecisionRecord> AnswerInto(WriteBatch* batch, const std::string& decision_id, bool accept,
                                                         const std::string& actor, const std::string& cause,
                                                         absl::Time now,
                                                         std::optional<absl::Time> received_at = std::nullopt);

  // Withdraws an offer still waiting for its answer because its subject was
  // forgotten (ForgetPerson): declined by `actor` with the legal basis, its
  // reply deadline removed, nobody told. FAILED_PRECONDITION when it is not
  // an offer waiting for an answer.
  absl::StatusOr<storage::v1::DecisionRecord> WithdrawOfferInto(WriteBatch* batch, const std::string& decision_id,
                                                                const std::string& actor, const std::string& cause,
                                                                absl::Time now);

  // Records in the audit log that `actor` was shown `person_id`'s contact
  // data to reach them about `decision_or_case` (a decision id or a recourse
  // case id). NOT_FOUND when there is no such decision or case;
  // PERMISSION_DENIED when `person_id` is neither its subject nor a
  // recipient. The entry names the decision, the case and whose contact it
  // was by their place in the decision ("subject", "recipient 2"): never an
  // id nor the value.
  absl::Status RecordContactRevealed(const std::string& person_id, const std::string& decision_or_case,
                                     const std::string& actor, absl::Time now);

  // Its message left for a recipient, into `batch` with the message's
  // change: the decision is notified (an offer now waits for its answer).
  // With `reached` (an SMS the operator reported delivered, a letter at the
  // day LetterArrives), it is proven to have reached them: notified_at =
  // `reached` the first time, and the time to contest runs from that day if
  // it ends later. Without (an SMS handed to the gateway, which may never
  // arrive), the time to contest does not start. Refuses
  // (FAILED_PRECONDITION) before touching the batch when it was overturned.
  absl::Status MarkNotifiedInto(WriteBatch* batch, const std::string& decision_id, const std::string& cause,
                                std::optional<absl::Time> reached, absl::Time now);
  // The same for the formal decision that followed offer `offer_id`, when
  // the acknowledgement of its acceptance left or reached them; nothing when
  // there is none.
  absl::Status FormalDecisionNotifiedInto(WriteBatch* batch, const std::string& offer_id, const std::string& cause,
                                          std::optional<absl::Time> reached, absl::Time now);
  // When a letter posted at `posted` is taken to reach its recipient: the
  // city's letter_delivery_days working days later (midnight, city time).
  absl::Time LetterArrives(absl::Time posted) const;
  // The store's ids (decisions, replies).
  const DecisionIds& ids() const { return *ids_; }
  // The city's words for an offer accepted without reply: accepted_by_default,
  // else (a rule set that no longer has a rule needing them, offers made
  // before still waiting) those after OUI.
  LocalizedText CityMessages::*AcceptedByDefaultText() const;
  // The city's time zone (UTC without rules), where deadlines end.
  absl::TimeZone CityZone() const;

  absl::StatusOr<storage::v1::RecourseCase> Claim(const std::string& case_id, const std::string& caseworker,
                                                  absl::Duration lease, absl::Time now);
  absl::StatusOr<storage::v1::RecourseCase> AddNote(const std::string& case_id, const std::string& caseworker,
                                                    const std::string& text, absl::Time now);
  // The id of the formal decision an accepted offer makes (Helsinki's model).
  std::string FormalDecisionId(const storage::v1::DecisionRecord& offer) const;
  // Resolves the case and moves the decision to upheld, overturned or amended;
  // an offer overturned takes its formal decision with it. Amended, the
  // decision (and an accepted offer's formal decision) takes
  // `amended_parameters` (AmendParameters: INVALID_ARGUMENT naming the one
  // refused, nothing changed), and its recipients are sent its message again
  // with them after the review's outcome (kAmendedMessageKind); an offer
  // already answered, or a formal decision, is not: the review's reason says
  // what changed. INVALID_ARGUMENT naming amended_parameters when given with
  // another outcome.
  absl::StatusOr<storage::v1::RecourseCase> Resolve(const std::string& case_id, const std::string& caseworker,
                                                    storage::v1::ReviewOutcome outcome, const std::string& reason,
                                                    const std::string& legal_basis, absl::Time now,
                                                    const std::vector<v1::Attribute>& amended_parameters = {});

  // Applies the reply deadlines passed by kReplyDeadlineGrace at `now` (at
  // most `max`): offers not answered lapse (or are accepted when the rule
  // says so). Offers in review are left alone. Returns how many deadlines
  // were processed.
  absl::StatusOr<int> ProcessDueDeadlines(absl::Time now, int max);
  // True when a deadline is due at `now`, grace included (a cheap check).
  absl::StatusOr<bool> DeadlineDue(absl::Time now) const;

 private:
  absl::StatusOr<storage::v1::DecisionRecord> Load(const std::string& decision_id) const;
  absl::StatusOr<storage::v1::RecourseCase> LoadCase(const std::string& case_id) const;
  // Moves `d` to `to` with a history entry and an audit entry in `batch`.
  void Transition(WriteBatch* batch, storage::v1::DecisionRecord* d, storage::v1::DecisionStatus to,
                  const std::string& actor, const std::string& reason, const std::string& legal_basis,
                  const std::string& cause, absl::Time now);

  // `d` with its rule's texts (ExpandDecision); should they be lost, named
  // by its rule id: logged, and no command is refused for it.
  storage::v1::DecisionRecord WithRuleTexts(const storage::v1::DecisionRecord& d) const;
  // The engine messages of `kind` to each recipient of `d` not told yet:
  // the running city's `message` rendered with `values`. With
  // `too_long_what`, INVALID_ARGUMENT naming it when one would need more SMS
  // parts than the city's gateway sends.
  absl::StatusOr<std::vector<storage::v1::OutboxMessage>> ComposeTold(
      const storage::v1::DecisionRecord& d, const std::string& kind, LocalizedText CityMessages::*message,
      const std::map<std::string, std::string>& values, absl::Time now, absl::string_view too_long_what = "");
  // The messages of the rule that made `d` (after a review before
  // notifying): from its rule set's snapshot, else the running rule at the
  // same version; FAILED_PRECONDITION when neither has it.
  absl::StatusOr<std::vector<storage::v1::OutboxMessage>> ComposeDecisionMessages(const storage::v1::DecisionRecord& d,
                                                                                  absl::Time now);
  // The rule (and rule set) that made `d`, to tell it; FAILED_PRECONDITION
  // "<what is missing>: <refused>" when no rule set at hand has it.
  absl::StatusOr<RuleSetVersions::DecidingRule> RuleToTell(const storage::v1::DecisionRecord& d,
                                                           absl::string_view refused) const;
  // The rule's message of `d` again, its parameters amended by a review:
  // rendered now, INVALID_ARGUMENT naming amended_parameters when one would
  // need more SMS parts than the city's gateway sends.
  absl::StatusOr<std::vector<storage::v1::OutboxMessage>> ComposeAmendedMessages(const storage::v1::DecisionRecord& d,
                                                                                 absl::Time now);
  // Whether the message of the rule that made `d` names one of `names` (in
  // one of its languages, or in every one). FAILED_PRECONDITION when that
  // rule's texts are lost (RuleToTell); a read's error as it is.
  absl::StatusOr<bool> OwnMessageNames(const storage::v1::DecisionRecord& d, const std::set<std::string>& names,
                                       bool in_every_language) const;
  // INVALID_ARGUMENT naming amended_parameters when `messages` (of `d`,
  // their text written when they leave) would, rendered now, need more SMS
  // parts than the city's gateway sends.
  absl::Status CheckAmendedLength(const storage::v1::DecisionRecord& d,
                                  const std::vector<storage::v1::OutboxMessage>& messages) const;
  // Gives an accepted offer's formal decision the values `amending_case`
  // amended on the offer, each where it still has the offer's former one
  // (its own review may have changed it); nothing when overturned.
  void AmendFormalDecision(WriteBatch* batch, storage::v1::DecisionRecord formal,
                           const storage::v1::RecourseCase& amending_case, const std::string& caseworker,
                           absl::Time now);
  // INVALID_ARGUMENT naming `what` when the longest of `messages` that will
  // leave as an SMS needs more parts than the city's gateway sends.
  absl::Status CheckLongestSms(const std::vector<storage::v1::OutboxMessage>& messages, const CitySpec& city,
                               absl::string_view what) const;
  // What overturning `d` changes besides it, read before anything is
  // appended to the audit chain (AuditLog::Append): its messages, and the
  // formal decision its acceptance made (nullopt when never accepted) with
  // its messages.
  struct OverturnedReads {
    std::vector<storage::v1::OutboxMessage> messages;
    std::optional<storage::v1::DecisionRecord> formal;
    std::vector<storage::v1::OutboxMessage> formal_messages;
  };
  absl::StatusOr<OverturnedReads> ReadOverturned(const storage::v1::DecisionRecord& d) const;
  // Withholds what an overturned decision's `messages` that have not left
  // would tell (its offer, the answers' acknowledgements): never sent.
  void WithholdOverturned(WriteBatch* batch, const std::vector<storage::v1::OutboxMessage>& messages,
                          const std::string& case_id, const std::string& caseworker, absl::Time now);
  // The formal decision that follows an accepted offer.
  void PutFormalDecision(WriteBatch* batch, const storage::v1::DecisionRecord& offer, absl::Time now);
  // The formal decision an accepted offer made (`reads`), overturned with
  // the offer (unless in review on its own); nothing when never accepted.
  void OverturnFormalDecision(WriteBatch* batch, const storage::v1::DecisionRecord& offer, OverturnedReads reads,
                              const std::string& case_id, const std::string& caseworker, absl::Time now);

  Store* store_;
  AuditLog* audit_;
  const Swappable<RuleSet>* rules_;
  const DecisionIds* ids_;
  RuleSetVersions rule_set_versions_;  // the texts of the rules that made decisions
};

// Deadline keys (column family "deadlines"), written with the offer.
std::string ReplyDeadlineKey(const storage::v1::DecisionRecord& offer);

// A reply deadline applies this long after it passed: an SMS answer sent
// before it is judged by its sending time, but reaches the engine later when
// Kannel or the connector queued it (a restart, a retry). Until then the
// offer still takes that answer; an answer sent after the deadline is
// refused all the same.
inline constexpr absl::Duration kReplyDeadlineGrace = absl::Minutes(15);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_INGEST_DECISION_COMMANDS_H_
