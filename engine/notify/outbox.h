// The outbox: every message a decision needs, written in the same batch as
// the decision, one per recipient, with an idempotency key (decision id,
// kind, recipient), its channel (SMS, or a letter when the person has no
// phone when it leaves and the rule allows it), its language, its rendered text
// (the rule's template, the city's algorithm notice, the reference code:
// for a decision's message, rendered when it leaves) and
// when it may leave (quiet hours for non-urgent messages). A person who opted
// out (STOP) is never messaged: their message is recorded as suppressed.
//
//   ASSIGN_OR_RETURN(auto messages, ComposeMessages(decision, *rule, rules.city(), &persons,
//                                                   OptOutReader(&store), now));
//   for (auto& m : messages) PutNewMessage(&batch, m);
#ifndef PROACTIVE_ENGINE_NOTIFY_OUTBOX_H_
#define PROACTIVE_ENGINE_NOTIFY_OUTBOX_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/audit/audit_log.h"
#include "engine/decision/stored_decision.h"
#include "engine/rules/citizen_text.h"  // the message kinds, RenderTemplate
#include "engine/rules/person_graph.h"
#include "engine/rules/rule_set.h"
#include "engine/store/store.h"
#include "proactive/storage/v1/storage.pb.h"

namespace proactive {

// The moment a message may leave: now when urgent, else the end of the quiet
// hours (local time) when now falls in them.
absl::Time ReadyAt(absl::Time now, bool urgent, const CitySpec& city);

// Whether persons opted out (STOP), read ahead for many with one batched
// read (a sweep's chunk) rather than one read each; persons not read ahead
// are read from the store when asked. Not thread-safe.
class OptOutReader {
 public:
  explicit OptOutReader(const Store* store) : store_(store) {}
  absl::Status Prefetch(const std::vector<std::string>& person_ids);
  absl::StatusOr<bool> IsOptedOut(const std::string& person_id) const;

 private:
  const Store* store_;
  std::vector<std::string> read_;     // sorted: the persons read ahead
  std::vector<bool> read_opted_out_;  // theirs, in the same order
};

// The messages of a new decision, one per recipient, in the recipient's
// language (French by default). Their text, the rule's template with the
// algorithm notice, is rendered when they leave (ExpandMessage).
// Opted-out recipients get a suppressed message (recorded, never sent).
absl::StatusOr<std::vector<storage::v1::OutboxMessage>> ComposeMessages(const storage::v1::DecisionRecord& decision,
                                                                        const CompiledRule& rule, const CitySpec& city,
                                                                        PersonSource* persons,
                                                                        const OptOutReader& opt_outs, absl::Time now);

// The decision's own message to each recipient again, once a review
// amended its parameters: kind kAmendedMessageKind, its text rendered now
// from `decision` as amended (with no notice: the review's outcome, which it
// follows, carries it), never urgent so that it leaves after that outcome.
absl::StatusOr<std::vector<storage::v1::OutboxMessage>> ComposeAmendedMessages(
    const storage::v1::DecisionRecord& decision, const CompiledRule& rule, const CitySpec& city, PersonSource* persons,
    const OptOutReader& opt_outs, absl::Time now);

// Renders the text of a message whose text waits for it (text_by_rule_set)
// from its decision and the rule at the version that made it (the running
// one, with today's city notice; else the decision's rule set, compiled from
// its snapshot), and clears the flag; leaves other messages as they are.
// DATA_LOSS naming what is missing when the decision, or that rule, can no
// longer be found; other errors are reads that failed (try again).
absl::Status ExpandMessage(const Store& store, const RuleSetVersions& versions, storage::v1::OutboxMessage* m);
// The same rendering from `decision` and `rule` at hand (a decision not
// stored yet, whose message's length is to be checked).
void RenderRuleMessage(const storage::v1::DecisionRecord& decision, const CompiledRule& rule, const CitySpec& city,
                       storage::v1::OutboxMessage* m);

// A message of the engine's own (answer received, contest recorded, review
// outcome) with `texts` (by language, from the city's `messages`) rendered
// with `values` plus {title} and {reference}; same rules of channel,
// language, notice and opt-out as a rule's message.
absl::StatusOr<storage::v1::OutboxMessage> ComposeEngineMessage(const storage::v1::DecisionRecord& decision,
                                                                const std::string& recipient, const std::string& kind,
                                                                const LocalizedText& texts,
                                                                std::map<std::string, std::string> values,
                                                                const CitySpec& city, PersonSource* persons,
                                                                const Store& store, absl::Time now);

// The SMS parts `text` needs against the city's limit: INVALID_ARGUMENT
// naming `what` and the characters to cut when it needs more than
// city.sms_max_parts.
absl::Status CheckSmsLength(absl::string_view text, const CitySpec& city, absl::string_view what);

// ---- storage ----------------------------------------------------------------

// decision_id "/" kind "/" the recipient's place among the decision's
// recipients (1 for the first). A message id travels to the SMS gateway and
// into the audit chain, which outlives an erasure: it names nobody.
// (Ids written before 2026-12-05 end with the recipient's person id.)
// REQUIRES: `recipient` is one of `decision.recipients()`.
std::string MessageIdFor(const storage::v1::DecisionRecord& decision, absl::string_view kind,
                         absl::string_view recipient);

absl::StatusOr<std::optional<storage::v1::OutboxMessage>> ReadMessage(const Store& store, absl::string_view id);
// Writes a message and its indexes; `previous` is the stored version (null
// for a new one): the ready index follows status and ready_at, the lease
// index status and lease_id, the letters' index status.
void PutMessage(WriteBatch* batch, const storage::v1::OutboxMessage* previous, const storage::v1::OutboxMessage& m);
inline void PutNewMessage(WriteBatch* batch, const storage::v1::OutboxMessage& m) { PutMessage(batch, nullptr, m); }

// Not left yet: pending, leased to a gateway, or a letter waiting to be
// posted. What an opt-out or an erasure still stops; its status name for
// the audit log ("pending", "leased", "letter").
bool NotLeftYet(const storage::v1::OutboxMessage& m);
const char* NotLeftStatusName(const storage::v1::OutboxMessage& m);

// Every message of the decision (any kind, any recipient), in id order.
absl::StatusOr<std::vector<storage::v1::OutboxMessage>> MessagesOfDecision(const Store& store,
                                                                           absl::string_view decision_id);

// Withholds the messages of `decision_id` that have not left (NotLeftYet)
// and that `which` selects: suppressed with `why` as their failure, their
// text cleared, each change audited as `actor` for `cause`. Returns how
// many. A leased one may still reach its phone: the gateway had it. With
// `forget_recipients` (their subject forgotten), they keep no recipient id
// either, and no person key finds them.
absl::StatusOr<int> WithholdMessages(const Store& store, WriteBatch* batch, AuditLog* audit,
                                     absl::string_view decision_id,
                                     absl::FunctionRef<bool(const storage::v1::OutboxMessage&)> which,
                                     absl::string_view why, const std::string& actor, const std::string& cause,
                                     absl::Time now, bool forget_recipients = false);
// The same over messages read beforehand (MessagesOfDecision): for a caller
// that must read everything before it appends to the audit chain.
int WithholdMessagesOf(const std::vector<storage::v1::OutboxMessage>& messages, WriteBatch* batch, AuditLog* audit,
                       absl::FunctionRef<bool(const storage::v1::OutboxMessage&)> which, absl::string_view why,
                       const std::string& actor, const std::string& cause, absl::Time now,
                       bool forget_recipients = false);
// The failure of a first message an amendment replaced (replaced_by_case).
inline constexpr char kReplacedOnReview[] = "replaced by the decision as amended on review";
// One message that has not left, suppressed: `why` as its failure, its text
// cleared, the change audited ("message.suppressed", from its status).
void SuppressMessage(WriteBatch* batch, AuditLog* audit, const storage::v1::OutboxMessage& m, absl::string_view why,
                     const std::string& actor, const std::string& cause, absl::Time now, bool forget_recipient = false);

// Removes a message and its indexes (its person forgotten).
void DeleteMessage(WriteBatch* batch, const storage::v1::OutboxMessage& m);

// Ids of messages ready to lease by `now` (pending, or leased and expired),
// at most `max`, oldest first.
absl::StatusOr<std::vector<std::string>> ReadyMessages(const Store& store, absl::Time now, size_t max);
// The SMS still to leave, counted from the outbox's indexes (a scan of one
// key per message: for people asking, not for polling).
struct OutboxBacklog {
  uint64_t ready = 0;         // may leave now (pending, or their lease ran out); some may
                              // turn into letters (no phone) when they are leased
  uint64_t with_gateway = 0;  // leased by a gateway, not acknowledged yet
  uint64_t later = 0;         // pending but held until later (quiet hours)
  uint64_t letters = 0;       // letters waiting to be printed and posted
};
absl::StatusOr<OutboxBacklog> CountOutboxBacklog(const Store& store, absl::Time now);

// Ids of the letters waiting to be posted (status MESSAGE_LETTER), oldest
// first (by when they became letters), at most `max`.
absl::StatusOr<std::vector<std::string>> LettersToPost(const Store& store, size_t max);
// How many letters wait to be posted.
absl::StatusOr<uint64_t> CountLetters(const Store& store);

// Ids of the messages still leased under a gateway's `lease_id` (leased
// again since, under another id or none, they are not).
absl::StatusOr<std::vector<std::string>> MessagesLeasedUnder(const Store& store, absl::string_view lease_id);
// Ids of the messages to a person (by their "p/" key, or, sent to the
// subject of their decision, through the person's decisions), in id order.
absl::StatusOr<std::vector<std::string>> MessagesOfPerson(const Store& store, absl::string_view person_id);

// Opt-outs.
absl::StatusOr<bool> IsOptedOut(const Store& store, absl::string_view person_id);
void PutOptOut(WriteBatch* batch, const storage::v1::OptOut& opt_out);
void DeleteOptOut(WriteBatch* batch, absl::string_view person_id);

// The phone index (number -> persons), kept by the event applier. Numbers
// are indexed in E.164 (NormalizePhoneNumber with the city's
// phone_country_code), the form the SMS connector gives a reply's sender
// in; a store written before 2026-12-07 may hold one as written.
// Returns the form written (E.164), for PersonState.indexed_phone.
std::string PutPhone(WriteBatch* batch, absl::string_view number, absl::string_view person_id, const CitySpec& city);
// The city's settings before any rule set is loaded (no country code).
const CitySpec& DefaultCity();
// Keeps `person`'s phone index entry on the E.164 form of `number` (their
// sms_attribute now; "" for none), `previous` being the number before this
// change: deletes the entry it recorded (indexed_phone) or, for one written
// before that was recorded, the entry under `previous` in either form; writes
// the new one and records it. True when it changed `person` (to be stored).
// Cheap when nothing changes: no normalising when the number is recorded as
// written.
bool ReindexPhone(WriteBatch* batch, absl::string_view number, absl::string_view previous,
                  storage::v1::PersonState* person, const CitySpec& city);
// Rewrites in E.164 the phone index entries an engine wrote before
// 2026-12-07 in the form the back office gave ("06 39 98 00 02"), once per
// store and country code (meta "phone-index/e164" records the code they
// were rewritten with), in batches; a crash half-way does it again. Before,
// such an entry was rewritten only at its person's next event or SMS, and a
// reply from that number meanwhile went to a caseworker. Nothing without a
// country code. Returns how many.
absl::StatusOr<uint64_t> IndexPhonesInE164Once(Store* store, const CitySpec& city);
// Deletes the entry in either form.
void DeletePhone(WriteBatch* batch, absl::string_view number, absl::string_view person_id, const CitySpec& city);
// The persons with `number`: under its E.164 form, the form given, and the
// national form ("0639980002" for "+33639980002") older entries may have.
absl::StatusOr<std::vector<std::string>> PersonsWithPhone(const Store& store, absl::string_view number,
                                                          const CitySpec& city = CitySpec());

// The number to send `person` an SMS at: the city's sms_attribute in E.164
// (a back office may have written it "06 39 98 00 02", which Kannel would
// read as five receivers); "" when they have none.
std::string SmsNumber(const storage::v1::PersonState& person, const CitySpec& city);

// A person's current value of a string attribute, or "".
std::string StringAttribute(const storage::v1::PersonState& state, const std::string& name);

// The language of the texts `person` is sent: "en" when their
// city.language_attribute says so, else "fr" (also without a person).
std::string CitizenLanguage(const CitySpec& city, const storage::v1::PersonState* person);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_NOTIFY_OUTBOX_H_
