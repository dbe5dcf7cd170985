#include "engine/notify/outbox.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/common/clock.h"
#include "engine/common/log.h"
#include "engine/common/phone_number.h"
#include "engine/common/proto_time.h"
#include "engine/common/sms_length.h"
#include "engine/common/status_macros.h"
#include "engine/common/text_formats.h"
#include "engine/decision/decision_factory.h"
#include "engine/decision/decision_store.h"
#include "engine/decision/pseudonymise.h"
#include "engine/rules/rule_evaluator.h"
#include "engine/store/codec.h"
#include "engine/store/column_families.h"

namespace proactive {
namespace {

std::string MessageKey(absl::string_view message_id) { return absl::StrCat("m/", message_id); }

std::string ReadyKey(const storage::v1::OutboxMessage& m) {
  return absl::StrCat("r/", DecimalKey(m.ready_at().seconds()).view(), "/", m.message_id());
}

bool InReadyIndex(const storage::v1::OutboxMessage& m) {
  return m.channel() == storage::v1::CHANNEL_SMS &&
         (m.status() == storage::v1::MESSAGE_PENDING || m.status() == storage::v1::MESSAGE_LEASED);
}

// "l/" lease_id "/" message_id while the message is leased under a
// gateway's lease id: a retried lease finds what the lost answer held.
std::string LeaseKey(absl::string_view lease_id, absl::string_view message_id) {
  return absl::StrCat("l/", lease_id, "/", message_id);
}

bool InLeaseIndex(const storage::v1::OutboxMessage& m) {
  return m.status() == storage::v1::MESSAGE_LEASED && !m.lease_id().empty();
}

// "t/" 20-digit seconds "/" message_id while a letter waits to be posted,
// at the time it became one (ready_at): the mail room's list, oldest first.
constexpr char kLetterPrefix[] = "t/";
std::string LetterKey(const storage::v1::OutboxMessage& m) {
  return absl::StrCat("t/", DecimalKey(m.ready_at().seconds()).view(), "/", m.message_id());
}

bool InLetterIndex(const storage::v1::OutboxMessage& m) { return m.status() == storage::v1::MESSAGE_LETTER; }

absl::TimeZone ZoneOf(const CitySpec& city) { return ZoneOrUtc(city.timezone); }

std::string OptOutKey(absl::string_view person_id) { return absl::StrCat("optout/", person_id); }

// `texts` (by language) rendered with `values` and the reference code, then
// the city's notice for `kind`.
std::string RenderText(const storage::v1::DecisionRecord& decision, const std::map<std::string, std::string>& texts,
                       std::map<std::string, std::string> values, const std::string& language, const CitySpec& city,
                       absl::string_view kind) {
  values["reference"] = decision.reference_code();
  return RenderCitizenText(texts, values, language, city, kind);
}

// What a rule's message template may name: the decision's parameters and
// its reply deadline.
std::map<std::string, std::string> DecisionValues(const storage::v1::DecisionRecord& decision, const CitySpec& city) {
  std::map<std::string, std::string> values;
  for (const storage::v1::NamedValue& p : decision.parameters()) {
    values[p.name()] = ValueText(FromStorageValue(p.value()));
  }
  if (decision.has_reply_deadline()) {
    values["deadline"] = CitizenDate(FromProtoTimestamp(decision.reply_deadline()), ZoneOf(city));
  }
  return values;
}

// The message for one recipient, with channel, language and opt-out applied.
// Without `texts` (a rule's message), the text is left to ExpandMessage.
absl::StatusOr<storage::v1::OutboxMessage> Compose(const storage::v1::DecisionRecord& decision,
                                                   const std::string& recipient, const std::string& kind,
                                                   const std::map<std::string, std::string>* texts,
                                                   std::map<std::string, std::string> values, bool urgent,
                                                   bool letter_fallback, const CitySpec& city, PersonSource* persons,
                                                   const OptOutReader& opt_outs, absl::Time now) {
  storage::v1::OutboxMessage m;
  m.set_message_id(MessageIdFor(decision, kind, recipient));
  m.set_decision_id(decision.decision_id());
  m.set_recipient(recipient);
  m.set_to_subject(recipient == decision.person_id());
  m.set_kind(kind);
  m.set_reference_code(decision.reference_code());
  m.set_urgent(urgent);
  m.set_letter_fallback(letter_fallback);
  *m.mutable_created_at() = ToProtoTimestamp(now);
  ASSIGN_OR_RETURN(const storage::v1::PersonState* state, persons->Find(recipient));
  const std::string language = CitizenLanguage(city, state);
  m.set_language(language);
  if (texts != nullptr) {
    m.set_text(RenderText(decision, *texts, std::move(values), language, city, kind));
  } else {
    m.set_text_by_rule_set(true);
  }
  // SMS first: whether the person has a phone is decided when the message
  // leaves (a number may arrive after the decision); without one then, the
  // lease turns it into a letter.
  m.set_channel(storage::v1::CHANNEL_SMS);
  ASSIGN_OR_RETURN(bool opted_out, opt_outs.IsOptedOut(recipient));
  m.set_status(opted_out ? storage::v1::MESSAGE_SUPPRESSED : storage::v1::MESSAGE_PENDING);
  *m.mutable_ready_at() = ToProtoTimestamp(ReadyAt(now, urgent, city));
  return m;
}

}  // namespace

absl::Time ReadyAt(absl::Time now, bool urgent, const CitySpec& city) {
  if (urgent || city.quiet_from_hour == city.quiet_until_hour) return now;
  const absl::TimeZone zone = ZoneOf(city);
  const absl::CivilSecond local = absl::ToCivilSecond(now, zone);
  const int hour = local.hour();
  const bool wraps = city.quiet_from_hour > city.quiet_until_hour;  // 21 -> 8
  const bool quiet = wraps ? (hour >= city.quiet_from_hour || hour < city.quiet_until_hour)
                           : (hour >= city.quiet_from_hour && hour < city.quiet_until_hour);
  if (!quiet) return now;
  absl::CivilDay day = absl::CivilDay(local);
  if (wraps && hour >= city.quiet_from_hour) day += 1;
  return absl::FromCivil(absl::CivilSecond(day.year(), day.month(), day.day(), city.quiet_until_hour, 0, 0), zone);
}

absl::StatusOr<std::vector<storage::v1::OutboxMessage>> ComposeMessages(const storage::v1::DecisionRecord& decision,
                                                                        const CompiledRule& rule, const CitySpec& city,
                                                                        PersonSource* persons,
                                                                        const OptOutReader& opt_outs, absl::Time now) {
  std::vector<storage::v1::OutboxMessage> messages;
  for (const std::string& recipient : decision.recipients()) {
    if (!IsReachable(recipient)) continue;
    ASSIGN_OR_RETURN(storage::v1::OutboxMessage m,
                     Compose(decision, recipient, kDecisionMessageKind, /*texts=*/nullptr, {}, rule.spec.action.urgent,
                             rule.spec.action.letter, city, persons, opt_outs, now));
    messages.push_back(std::move(m));
  }
  return messages;
}

absl::StatusOr<std::vector<storage::v1::OutboxMessage>> ComposeAmendedMessages(
    const storage::v1::DecisionRecord& decision, const CompiledRule& rule, const CitySpec& city, PersonSource* persons,
    const OptOutReader& opt_outs, absl::Time now) {
  std::vector<storage::v1::OutboxMessage> messages;
  for (const std::string& recipient : decision.recipients()) {
    if (!IsReachable(recipient)) continue;
    // Not urgent, as the review's outcome it follows: it never leaves first.
    ASSIGN_OR_RETURN(
        storage::v1::OutboxMessage m,
        Compose(decision, recipient, kAmendedMessageKind, &rule.spec.action.message, DecisionValues(decision, city),
                /*urgent=*/false, decision.letter_fallback(), city, persons, opt_outs, now));
    messages.push_back(std::move(m));
  }
  return messages;
}

absl::Status ExpandMessage(const Store& store, const RuleSetVersions& versions, storage::v1::OutboxMessage* m) {
  if (!m->text_by_rule_set()) return absl::OkStatus();
  const std::string what = absl::StrCat("the text of message ", m->message_id());
  ASSIGN_OR_RETURN(std::optional<storage::v1::DecisionRecord> decision, ReadDecision(store, m->decision_id()));
  if (!decision) return absl::DataLossError(absl::StrCat(what, ": its decision ", m->decision_id(), " is gone"));
  // The running rule when it is the version that decided (the city's
  // notice of today), else the decision's rule set.
  absl::StatusOr<RuleSetVersions::DecidingRule> made_by = versions.RuleOf(*decision);
  if (!made_by.ok()) {
    if (!absl::IsDataLoss(made_by.status())) return made_by.status();  // a read failed: try again
    return absl::DataLossError(absl::StrCat(what, ": ", made_by.status().message()));
  }
  RenderRuleMessage(*decision, *made_by->rule, made_by->rules->city(), m);
  return absl::OkStatus();
}

void RenderRuleMessage(const storage::v1::DecisionRecord& decision, const CompiledRule& rule, const CitySpec& city,
                       storage::v1::OutboxMessage* m) {
  m->set_text(
      RenderText(decision, rule.spec.action.message, DecisionValues(decision, city), m->language(), city, m->kind()));
  m->clear_text_by_rule_set();
}

absl::StatusOr<storage::v1::OutboxMessage> ComposeEngineMessage(const storage::v1::DecisionRecord& decision,
                                                                const std::string& recipient, const std::string& kind,
                                                                const LocalizedText& texts,
                                                                std::map<std::string, std::string> values,
                                                                const CitySpec& city, PersonSource* persons,
                                                                const Store& store, absl::Time now) {
  values["title"] = decision.title();
  return Compose(decision, recipient, kind, &texts, std::move(values), /*urgent=*/false, decision.letter_fallback(),
                 city, persons, OptOutReader(&store), now);
}

absl::Status CheckSmsLength(absl::string_view text, const CitySpec& city, absl::string_view what) {
  const std::string why = SmsTooLong(text, city.sms_max_parts);
  if (why.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(what, " makes the message to the citizen ", why));
}

std::string MessageIdFor(const storage::v1::DecisionRecord& decision, absl::string_view kind,
                         absl::string_view recipient) {
  const auto& recipients = decision.recipients();
  const auto it = std::find(recipients.begin(), recipients.end(), recipient);
  // REQUIRES (outbox.h); were it broken, the id would still name nobody.
  const int place = static_cast<int>(it - recipients.begin()) + 1;
  return absl::StrCat(decision.decision_id(), "/", kind, "/", place);
}

absl::StatusOr<std::optional<storage::v1::OutboxMessage>> ReadMessage(const Store& store, absl::string_view id) {
  ASSIGN_OR_RETURN(std::optional<std::string> bytes, store.Get(Family::kOutbox, MessageKey(id)));
  if (!bytes) return std::optional<storage::v1::OutboxMessage>();
  ASSIGN_OR_RETURN(storage::v1::OutboxMessage m,
                   DecodeRecord<storage::v1::OutboxMessage>(*bytes, absl::StrCat("message ", id)));
  return std::optional<storage::v1::OutboxMessage>(std::move(m));
}

void PutMessage(WriteBatch* batch, const storage::v1::OutboxMessage* previous, const storage::v1::OutboxMessage& m) {
  if (previous != nullptr && InReadyIndex(*previous)) batch->Delete(Family::kOutbox, ReadyKey(*previous));
  if (previous != nullptr && InLeaseIndex(*previous)) {
    batch->Delete(Family::kOutbox, LeaseKey(previous->lease_id(), previous->message_id()));
  }
  if (previous != nullptr && InLetterIndex(*previous)) batch->Delete(Family::kOutbox, LetterKey(*previous));
  batch->Put(Family::kOutbox, MessageKey(m.message_id()), EncodeVersionedRecord(m));
  if (InReadyIndex(m)) batch->Put(Family::kOutbox, ReadyKey(m), "");
  if (InLeaseIndex(m)) batch->Put(Family::kOutbox, LeaseKey(m.lease_id(), m.message_id()), "");
  if (InLetterIndex(m)) batch->Put(Family::kOutbox, LetterKey(m), "");
  // Every message of a person, found by their id (an erasure deletes them).
  if (previous == nullptr) batch->Put(Family::kOutbox, absl::StrCat("p/", m.recipient(), "/", m.message_id()), "");
}

bool NotLeftYet(const storage::v1::OutboxMessage& m) {
  return m.status() == storage::v1::MESSAGE_PENDING || m.status() == storage::v1::MESSAGE_LEASED ||
         m.status() == storage::v1::MESSAGE_LETTER;
}

absl::StatusOr<std::vector<storage::v1::OutboxMessage>> MessagesOfDecision(const Store& store,
                                                                           absl::string_view decision_id) {
  std::vector<storage::v1::OutboxMessage> messages;
  absl::Status undecodable;
  RETURN_IF_ERROR(store.Scan(
      Family::kOutbox, MessageKey(absl::StrCat(decision_id, "/")), [&](absl::string_view key, absl::string_view value) {
        absl::StatusOr<storage::v1::OutboxMessage> m = DecodeRecord<storage::v1::OutboxMessage>(value, key);
        if (!m.ok()) {
          undecodable = m.status();
          return false;
        }
        messages.push_back(*std::move(m));
        return true;
      }));
  RETURN_IF_ERROR(undecodable);
  return messages;
}

absl::StatusOr<int> WithholdMessages(const Store& store, WriteBatch* batch, AuditLog* audit,
                                     absl::string_view decision_id,
                                     absl::FunctionRef<bool(const storage::v1::OutboxMessage&)> which,
                                     absl::string_view why, const std::string& actor, const std::string& cause,
                                     absl::Time now, bool forget_recipients) {
  ASSIGN_OR_RETURN(std::vector<storage::v1::OutboxMessage> messages, MessagesOfDecision(store, decision_id));
  return WithholdMessagesOf(messages, batch, audit, which, why, actor, cause, now, forget_recipients);
}

int WithholdMessagesOf(const std::vector<storage::v1::OutboxMessage>& messages, WriteBatch* batch, AuditLog* audit,
                       absl::FunctionRef<bool(const storage::v1::OutboxMessage&)> which, absl::string_view why,
                       const std::string& actor, const std::string& cause, absl::Time now, bool forget_recipients) {
  int withheld = 0;
  for (const storage::v1::OutboxMessage& m : messages) {
    if (!NotLeftYet(m) || !which(m)) continue;
    SuppressMessage(batch, audit, m, why, actor, cause, now, forget_recipients);
    ++withheld;
  }
  return withheld;
}

void SuppressMessage(WriteBatch* batch, AuditLog* audit, const storage::v1::OutboxMessage& m, absl::string_view why,
                     const std::string& actor, const std::string& cause, absl::Time now, bool forget_recipient) {
  storage::v1::OutboxMessage suppressed = m;
  suppressed.set_status(storage::v1::MESSAGE_SUPPRESSED);
  suppressed.set_failure(std::string(why));
  suppressed.clear_text();
  suppressed.clear_text_by_rule_set();
  if (forget_recipient) {
    suppressed.clear_recipient();
    batch->Delete(Family::kOutbox, absl::StrCat("p/", m.recipient(), "/", m.message_id()));
  }
  PutMessage(batch, &m, suppressed);
  audit->Append(
      batch, now,
      AuditRecord{"message.suppressed", m.decision_id(), "", actor, NotLeftStatusName(m), "suppressed", cause},
      suppressed);
}

const char* NotLeftStatusName(const storage::v1::OutboxMessage& m) {
  switch (m.status()) {
    case storage::v1::MESSAGE_LEASED:
      return "leased";
    case storage::v1::MESSAGE_LETTER:
      return "letter";
    case storage::v1::MESSAGE_SENT:  // its send failed since (SuppressMessage)
      return "sent";
    default:
      return "pending";
  }
}

void DeleteMessage(WriteBatch* batch, const storage::v1::OutboxMessage& m) {
  if (InReadyIndex(m)) batch->Delete(Family::kOutbox, ReadyKey(m));
  if (InLeaseIndex(m)) batch->Delete(Family::kOutbox, LeaseKey(m.lease_id(), m.message_id()));
  if (InLetterIndex(m)) batch->Delete(Family::kOutbox, LetterKey(m));
  batch->Delete(Family::kOutbox, MessageKey(m.message_id()));
  // Messages to the subject written before 2026-12-05 have no person key:
  // deleting a key that is not there is harmless.
  batch->Delete(Family::kOutbox, absl::StrCat("p/", m.recipient(), "/", m.message_id()));
}

absl::StatusOr<std::vector<std::string>> ReadyMessages(const Store& store, absl::Time now, size_t max) {
  std::vector<std::string> ids;
  const std::string limit = absl::StrCat("r/", DecimalKey(absl::ToUnixSeconds(now)).view());
  RETURN_IF_ERROR(store.Scan(Family::kOutbox, "r/", [&](absl::string_view key, absl::string_view) {
    if (key.substr(0, limit.size()) > limit) return false;
    ids.emplace_back(key.substr(limit.size() + 1));
    return ids.size() < max;
  }));
  return ids;
}

absl::StatusOr<OutboxBacklog> CountOutboxBacklog(const Store& store, absl::Time now) {
  // Every SMS pending or leased has one ready key, at the time it may be
  // leased (again): until now, it may leave; after, it is held or leased.
  OutboxBacklog backlog;
  std::vector<std::string> not_yet;
  const std::string limit = absl::StrCat("r/", DecimalKey(absl::ToUnixSeconds(now)).view());
  RETURN_IF_ERROR(store.Scan(Family::kOutbox, "r/", [&](absl::string_view key, absl::string_view) {
    if (key.substr(0, limit.size()) <= limit) {
      ++backlog.ready;
    } else {
      not_yet.push_back(MessageKey(key.substr(limit.size() + 1)));
    }
    return true;
  }));
  constexpr size_t kPerRead = 1000;
  for (size_t from = 0; from < not_yet.size(); from += kPerRead) {
    const size_t to = std::min(not_yet.size(), from + kPerRead);
    const std::vector<absl::string_view> keys(not_yet.begin() + from, not_yet.begin() + to);
    ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> values, store.MultiGet(Family::kOutbox, keys));
    for (size_t i = 0; i < values.size(); ++i) {
      if (!values[i]) continue;  // removed since the scan
      ASSIGN_OR_RETURN(storage::v1::OutboxMessage m, DecodeRecord<storage::v1::OutboxMessage>(*values[i], keys[i]));
      // Changed since the scan (acknowledged, a letter): no longer to send.
      if (m.status() == storage::v1::MESSAGE_LEASED) ++backlog.with_gateway;
      if (m.status() == storage::v1::MESSAGE_PENDING) ++backlog.later;
    }
  }
  ASSIGN_OR_RETURN(backlog.letters, CountLetters(store));
  return backlog;
}

absl::StatusOr<uint64_t> CountLetters(const Store& store) {
  uint64_t letters = 0;
  RETURN_IF_ERROR(store.Scan(Family::kOutbox, kLetterPrefix, [&](absl::string_view, absl::string_view) {
    ++letters;
    return true;
  }));
  return letters;
}

absl::StatusOr<std::vector<std::string>> LettersToPost(const Store& store, size_t max) {
  std::vector<std::string> ids;
  if (max == 0) return ids;
  RETURN_IF_ERROR(store.Scan(Family::kOutbox, kLetterPrefix, [&](absl::string_view key, absl::string_view) {
    // "t/" + 20 digits + "/"
    ids.emplace_back(key.substr(std::strlen(kLetterPrefix) + 21));
    return ids.size() < max;
  }));
  return ids;
}

absl::StatusOr<std::vector<std::string>> MessagesLeasedUnder(const Store& store, absl::string_view lease_id) {
  std::vector<std::string> ids;
  const std::string prefix = LeaseKey(lease_id, "");
  RETURN_IF_ERROR(store.Scan(Family::kOutbox, prefix, [&](absl::string_view key, absl::string_view) {
    ids.emplace_back(key.substr(prefix.size()));
    return true;
  }));
  return ids;
}

absl::StatusOr<std::vector<std::string>> MessagesOfPerson(const Store& store, absl::string_view person_id) {
  std::vector<std::string> ids;
  const std::string prefix = absl::StrCat("p/", person_id, "/");
  RETURN_IF_ERROR(store.Scan(Family::kOutbox, prefix, [&](absl::string_view key, absl::string_view) {
    ids.emplace_back(key.substr(prefix.size()));
    return true;
  }));
  // Messages written before 2026-12-05 to the subject of their decision
  // have no "p/" key: among the person's own decisions' messages, those
  // whose recipient they are (an id alone no longer says whose it is).
  ASSIGN_OR_RETURN(std::vector<std::string> own, ListDecisionIdsOfPerson(store, person_id));
  absl::Status undecodable;
  for (const std::string& decision_id : own) {
    const std::string messages = absl::StrCat("m/", decision_id, "/");
    RETURN_IF_ERROR(store.Scan(Family::kOutbox, messages, [&](absl::string_view key, absl::string_view value) {
      absl::StatusOr<storage::v1::OutboxMessage> m = DecodeRecord<storage::v1::OutboxMessage>(value, key);
      if (!m.ok()) {
        undecodable = m.status();
        return false;
      }
      if (m->recipient() == person_id) ids.emplace_back(key.substr(2));
      return true;
    }));
    RETURN_IF_ERROR(undecodable);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());  // older messages to the subject have both
  return ids;
}

absl::StatusOr<bool> IsOptedOut(const Store& store, absl::string_view person_id) {
  ASSIGN_OR_RETURN(std::optional<std::string> bytes, store.Get(Family::kOutbox, OptOutKey(person_id)));
  return bytes.has_value();
}

absl::Status OptOutReader::Prefetch(const std::vector<std::string>& person_ids) {
  std::vector<std::string> ids = person_ids;
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::vector<std::string> keys;
  keys.reserve(ids.size());
  for (const std::string& id : ids) keys.push_back(OptOutKey(id));
  std::vector<absl::string_view> views(keys.begin(), keys.end());  // sorted as the ids are
  ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> found, store_->MultiGet(Family::kOutbox, views));
  read_ = std::move(ids);
  read_opted_out_.assign(found.size(), false);
  for (size_t i = 0; i < found.size(); ++i) read_opted_out_[i] = found[i].has_value();
  return absl::OkStatus();
}

absl::StatusOr<bool> OptOutReader::IsOptedOut(const std::string& person_id) const {
  auto it = std::lower_bound(read_.begin(), read_.end(), person_id);
  if (it != read_.end() && *it == person_id) return static_cast<bool>(read_opted_out_[it - read_.begin()]);
  return proactive::IsOptedOut(*store_, person_id);
}

void PutOptOut(WriteBatch* batch, const storage::v1::OptOut& opt_out) {
  batch->Put(Family::kOutbox, OptOutKey(opt_out.person_id()), EncodeVersionedRecord(opt_out));
}

void DeleteOptOut(WriteBatch* batch, absl::string_view person_id) {
  batch->Delete(Family::kOutbox, OptOutKey(person_id));
}

const CitySpec& DefaultCity() {
  static const CitySpec* city = new CitySpec();
  return *city;
}

std::string PutPhone(WriteBatch* batch, absl::string_view number, absl::string_view person_id, const CitySpec& city) {
  std::string e164 = NormalizePhoneNumber(number, city.phone_country_code);
  batch->Put(Family::kOutbox, absl::StrCat("phone/", e164, "/", person_id), "");
  return e164;
}

bool ReindexPhone(WriteBatch* batch, absl::string_view number, absl::string_view previous,
                  storage::v1::PersonState* person, const CitySpec& city) {
  const std::string& indexed = person->indexed_phone();
  if (number == indexed && number == previous) return false;  // E.164 as written, unchanged
  if (number.empty() && indexed.empty() && previous.empty()) return false;
  const std::string e164 = number.empty() ? "" : NormalizePhoneNumber(number, city.phone_country_code);
  if (!indexed.empty() && e164 == indexed) return false;  // written nationally, indexed already
  if (!indexed.empty()) {
    // In either form: a key recorded before a country code was set was
    // rewritten in E.164 since (IndexPhonesInE164Once).
    DeletePhone(batch, indexed, person->person_id(), city);
  } else if (!previous.empty()) {
    DeletePhone(batch, previous, person->person_id(), city);
  }
  if (e164.empty()) {
    person->clear_indexed_phone();
  } else {
    person->set_indexed_phone(PutPhone(batch, e164, person->person_id(), city));
  }
  return true;
}

absl::StatusOr<uint64_t> IndexPhonesInE164Once(Store* store, const CitySpec& city) {
  constexpr absl::string_view kMarker = "phone-index/e164";
  // Without a country code, a national number has no E.164 form to give.
  if (city.phone_country_code.empty()) return 0;
  ASSIGN_OR_RETURN(std::optional<std::string> done, store->Get(Family::kMeta, kMarker));
  if (done && *done == city.phone_country_code) return 0;
  constexpr absl::string_view kPrefix = "phone/";
  uint64_t rewritten = 0;
  WriteBatch batch(*store);
  int pending = 0;
  absl::Status written;
  // A long scan, once: read ahead, and leave the block cache to point reads.
  RETURN_IF_ERROR(store->ScanFrom(Family::kOutbox, kPrefix, [&](absl::string_view key, absl::string_view) {
    if (!absl::StartsWith(key, kPrefix)) return false;
    const absl::string_view rest = key.substr(kPrefix.size());
    const size_t slash = rest.find('/');
    // A number or a person id with a '/' of its own is left to the person's
    // next event or SMS (ReindexPhone): where the number ends is not known.
    if (slash == absl::string_view::npos || rest.find('/', slash + 1) != absl::string_view::npos) return true;
    const absl::string_view number = rest.substr(0, slash);
    const std::string e164 = NormalizePhoneNumber(number, city.phone_country_code);
    if (e164 == number) return true;
    batch.Delete(Family::kOutbox, key);
    batch.Put(Family::kOutbox, absl::StrCat(kPrefix, e164, rest.substr(slash)), "");
    ++rewritten;
    if (++pending == 10000) {
      written = store->Write(&batch, /*sync=*/false);
      batch.Clear();
      pending = 0;
    }
    return written.ok();
  }));
  RETURN_IF_ERROR(written);
  batch.Put(Family::kMeta, kMarker, city.phone_country_code);
  RETURN_IF_ERROR(store->Write(&batch, /*sync=*/true));
  if (rewritten > 0) {
    LogInfo("outbox", absl::StrCat(rewritten, " phone index entries written before 2026-12-07 rewritten in E.164"));
  }
  return rewritten;
}

void DeletePhone(WriteBatch* batch, absl::string_view number, absl::string_view person_id, const CitySpec& city) {
  const std::string e164 = NormalizePhoneNumber(number, city.phone_country_code);
  batch->Delete(Family::kOutbox, absl::StrCat("phone/", e164, "/", person_id));
  if (e164 != number) batch->Delete(Family::kOutbox, absl::StrCat("phone/", number, "/", person_id));
}

absl::StatusOr<std::vector<std::string>> PersonsWithPhone(const Store& store, absl::string_view number,
                                                          const CitySpec& city) {
  const std::string e164 = NormalizePhoneNumber(number, city.phone_country_code);
  std::vector<std::string> forms = {e164};
  if (number != e164) forms.emplace_back(number);
  const std::string international = absl::StrCat("+", city.phone_country_code);
  if (!city.phone_country_code.empty() && absl::StartsWith(e164, international)) {
    forms.push_back(absl::StrCat("0", absl::string_view(e164).substr(international.size())));
  }
  std::vector<std::string> ids;
  for (const std::string& form : forms) {
    const std::string prefix = absl::StrCat("phone/", form, "/");
    RETURN_IF_ERROR(store.Scan(Family::kOutbox, prefix, [&](absl::string_view key, absl::string_view) {
      std::string id(key.substr(prefix.size()));
      if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(std::move(id));
      return true;
    }));
  }
  return ids;
}

std::string SmsNumber(const storage::v1::PersonState& person, const CitySpec& city) {
  const std::string written = StringAttribute(person, city.sms_attribute);
  return written.empty() ? written : NormalizePhoneNumber(written, city.phone_country_code);
}

std::string StringAttribute(const storage::v1::PersonState& state, const std::string& name) {
  for (const storage::v1::AttributeEntry& a : state.attributes()) {
    if (a.name() == name && !a.removed() && a.value().has_string_value()) return a.value().string_value();
  }
  return "";
}

std::string CitizenLanguage(const CitySpec& city, const storage::v1::PersonState* person) {
  return person != nullptr && StringAttribute(*person, city.language_attribute) == "en" ? "en" : "fr";
}

}  // namespace proactive
