// What the SMS gateway does to the engine: lease messages to send,
// acknowledge them, report deliveries, hand over citizens' replies. Each is a
// command of the writer thread, answered after fsync.
//
// Replies: OUI/YES and NON/NO answer an offer, STOP opts the sender out,
// RECOURS/CONTEST contests; the decision is the one whose reference code the
// reply quotes (among those sent to the sender's number), else the sender's
// latest pending offer (or, to contest, the latest decision they were told).
// Anything else, or a reply that cannot apply, goes to a caseworker's inbox.
// The same gateway_message_id again changes nothing and gets the same answer.
#ifndef PROACTIVE_ENGINE_INGEST_GATEWAY_COMMANDS_H_
#define PROACTIVE_ENGINE_INGEST_GATEWAY_COMMANDS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/ingest/decision_commands.h"
#include "proactive/storage/v1/storage.pb.h"

namespace proactive {

struct LeasedMessage {
  storage::v1::OutboxMessage message;
  std::string phone;
};

struct ReplyResult {
  std::string outcome;  // "accepted", "declined", "contested", "opted out", "to
                        // a caseworker", "duplicate"
  std::string decision_id;
  std::string reply_text;
  // The engine's id for the reply (keyed: it names no sender), as the inbox
  // and the audit log show it: what a gateway logs.
  std::string reply_id;
};

class GatewayCommands {
 public:
  // REQUIRES: everything outlives the commands.
  GatewayCommands(Store* store, AuditLog* audit, DecisionCommands* decisions, const Swappable<RuleSet>* rules)
      : store_(store), audit_(audit), decisions_(decisions), rules_(rules) {}

  // Leases up to `max` ready messages to `gateway` until now + `lease`. With
  // a `lease_id` under which `gateway` still holds messages (its previous
  // call's answer was lost), answers those again and leases nothing new.
  absl::StatusOr<std::vector<LeasedMessage>> Lease(const std::string& gateway, const std::string& lease_id, int max,
                                                   absl::Duration lease, absl::Time now);
  // The gateway took the message: its decision is notified, but its time to
  // contest waits for the delivery report. True when it was acknowledged
  // before.
  // `attempt` (0: the latest lease) is the send handed over: one whose
  // failure was counted already changes nothing (true). One beyond the
  // message's leases (a store restored from a backup) is taken as unknown.
  absl::StatusOr<bool> Ack(const std::string& message_id, const std::string& gateway_message_id, absl::Time now,
                           uint32_t attempt = 0);
  // "delivered", "will retry" or "letter"/"undeliverable". The first
  // delivery of a decision's SMS starts its time to contest (Ack does not).
  // A message that is no SMS in flight (a letter, posted, suppressed) is
  // left as it is and its state answered: gateways repeat reports.
  // `attempt` (0: the latest lease) is the send reported on: a failure of a send
  // whose failure was counted already, or of one before the send last
  // acknowledged, changes nothing ("will retry", or the message's state).
  // One beyond the message's leases is taken as unknown.
  absl::StatusOr<std::string> ReportDelivery(const std::string& message_id, bool delivered, const std::string& failure,
                                             absl::Time now, uint32_t attempt = 0);
  // The letters waiting to be posted, oldest first, at most `max`, with
  // their text (rendered when they were leased as SMS), and how many wait.
  struct LetterList {
    std::vector<storage::v1::OutboxMessage> letters;
    uint64_t waiting = 0;
  };
  absl::StatusOr<LetterList> LettersToPost(int max) const;
  // Records that the letter `message_id` was posted, as `by` said (an actor:
  // "gateway:<name>", "caseworker:<name>"), in the audit log; an offer it
  // carried becomes notified. True when it was marked before. NOT_FOUND or
  // FAILED_PRECONDITION (not a letter waiting) naming message_id.
  absl::StatusOr<bool> MarkLetterPosted(const std::string& message_id, const std::string& by, absl::Time now);
  // Marks an inbox reply read by `caseworker` (recorded in the audit log).
  absl::StatusOr<storage::v1::ReplyRecord> MarkRead(const std::string& reply_id, const std::string& caseworker,
                                                    absl::Time now);

  absl::StatusOr<ReplyResult> ReportReply(const std::string& from, const std::string& text,
                                          const std::string& gateway_message_id, absl::Time received_at,
                                          absl::Time now);

 private:
  // The send a gateway names: `attempt`, or the latest lease when it names
  // none or one beyond the leases the store knows (logged).
  static uint32_t SendOf(const storage::v1::OutboxMessage& m, uint32_t attempt);
  // The messages `gateway` still holds under `lease_id`, empty if none.
  absl::StatusOr<std::vector<LeasedMessage>> StillLeased(const std::string& gateway, const std::string& lease_id,
                                                         const CitySpec& city, absl::Time now) const;
  // The decision a reply is about, among those sent to `persons` (the
  // sender's number's): the one whose reference code it quotes, else the
  // latest (offers still waiting for an answer only, with `offers_only`).
  struct ReplyTarget {
    std::string decision_id;  // empty: none
    bool by_code = false;     // it is the decision whose code the reply quotes
    // The code quoted is that of two decisions or more sent to the number
    // (a six-character code is not unique): none is chosen, a person reads it.
    bool code_ambiguous = false;
    // Without a code, the latest candidates are two decisions made at the
    // same moment (twins' offers): none is chosen, a person reads it.
    bool latest_ambiguous = false;
  };
  // Without a code, only decisions made before `sent` and told to one of
  // `persons` (ToldToOneOf) are candidates; for an answer, offers waiting for
  // it, the latest one even when its deadline passed (refused then, a person
  // reads it: an older offer would be a guess).
  absl::StatusOr<ReplyTarget> FindDecision(const std::vector<std::string>& persons, const std::string& code,
                                           bool offers_only, absl::Time sent) const;
  // A message of the decision reached one of `persons`, as far as the engine
  // knows: with a gateway, sent, delivered, or a letter posted (one waiting
  // for the mail room, failed, or never sent does not count). A formal
  // decision is told by its offer's acceptance message.
  absl::StatusOr<bool> ToldToOneOf(const storage::v1::DecisionRecord& d, const std::vector<std::string>& persons) const;
  // A decision's message left for its recipient, or (with `reached`)
  // reached them (`how`: "message <id> delivered", "letter <id>, taken to
  // arrive on ..."), into `batch`: the decision is notified, as
  // DecisionCommands::MarkNotifiedInto says; the acknowledgement of an
  // accepted offer notifies the formal decision. An overturned one is not
  // changed.
  absl::Status DecisionReached(WriteBatch* batch, const storage::v1::OutboxMessage& m, absl::string_view how,
                               std::optional<absl::Time> reached, absl::Time now);

  // A reply quoting `decision_id`'s code, taken by the engine at
  // `reached`, proves its message reached them: when nothing proved it
  // before, the decision is marked reached then (its own write, before the
  // reply's).
  absl::Status ReachedByReply(const std::string& decision_id, const std::string& reply_id, absl::Time reached,
                              absl::Time now);

  Store* store_;
  AuditLog* audit_;
  DecisionCommands* decisions_;
  const Swappable<RuleSet>* rules_;
};

// Visits every stored reply in id order until `visit` returns false.
absl::Status ScanReplies(const Store& store, absl::FunctionRef<bool(const storage::v1::ReplyRecord&)> visit);
// The key of a stored reply and of its inbox entry.
std::string ReplyKey(absl::string_view reply_id);
std::string InboxKey(absl::string_view reply_id);

// Replies waiting for (or, with `include_read`, seen by) a caseworker, oldest
// first.
absl::StatusOr<std::vector<storage::v1::ReplyRecord>> ListInbox(const Store& store, bool include_read);

// An SMS is sent at most this many times: retried 1, 5, 30 minutes and 2
// hours after each reported delivery failure; then a letter. Leases that
// expire unsent (Kannel down) do not count.
inline constexpr int kMaxSmsAttempts = 5;

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_INGEST_GATEWAY_COMMANDS_H_
