// GatewayCommands, the replies' part: an SMS reply matched to the decision it
// answers (OUI, NON, STOP, RECOURS) and a caseworker marking one read. Split
// from gateway_commands.cc, which keeps the outgoing messages.
#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/common/log.h"
#include "engine/common/proto_time.h"
#include "engine/common/status_macros.h"
#include "engine/decision/decision_keys.h"
#include "engine/decision/decision_store.h"
#include "engine/ingest/gateway_commands.h"
#include "engine/notify/outbox.h"
#include "engine/rules/citizen_text.h"
#include "engine/store/codec.h"
#include "engine/store/records.h"

namespace proactive {
namespace {

enum class Keyword { kAccept, kDecline, kStop, kContest, kOther };

// `word` in upper-case ASCII letters and digits: the accented letters of
// French (two bytes in UTF-8: "Arrêt" is ARRET) as their base letter, every
// other character dropped.
std::string KeywordLetters(absl::string_view word) {
  static constexpr char kLatin1Letters[] =  // U+00C0 to U+00FF, after the C3 byte
      "AAAAAAACEEEEIIII"                    // À Á Â Ã Ä Å Æ Ç È É Ê Ë Ì Í Î Ï
      "DNOOOOO.OUUUUY.S"                    // Ð Ñ Ò Ó Ô Õ Ö × Ø Ù Ú Û Ü Ý Þ ß
      "AAAAAAACEEEEIIII"                    // à á â ã ä å æ ç è é ê ë ì í î ï
      "DNOOOOO.OUUUUY.Y";                   // ð ñ ò ó ô õ ö ÷ ø ù ú û ü ý þ ÿ
  std::string w;
  for (size_t i = 0; i < word.size(); ++i) {
    const auto c = static_cast<unsigned char>(word[i]);
    if (absl::ascii_isalnum(c)) {
      w.push_back(absl::ascii_toupper(c));
    } else if (c == 0xC3 && i + 1 < word.size()) {
      const auto next = static_cast<unsigned char>(word[i + 1]);
      if (next >= 0x80 && next <= 0xBF && kLatin1Letters[next - 0x80] != '.') w.push_back(kLatin1Letters[next - 0x80]);
      ++i;
    }
  }
  return w;
}

Keyword ParseKeyword(absl::string_view word) {
  const std::string w = KeywordLetters(word);
  if (w == "OUI" || w == "YES" || w == "O" || w == "Y") return Keyword::kAccept;
  if (w == "NON" || w == "NO" || w == "N") return Keyword::kDecline;
  if (w == "STOP" || w == "ARRET" || w == "STOPP" || w == "UNSUBSCRIBE") return Keyword::kStop;
  if (w == "RECOURS" || w == "CONTEST" || w == "CONTESTE" || w == "CONTESTER") return Keyword::kContest;
  return Keyword::kOther;
}

}  // namespace

absl::StatusOr<storage::v1::ReplyRecord> GatewayCommands::MarkRead(const std::string& reply_id,
                                                                   const std::string& caseworker, absl::Time now) {
  const std::string key = ReplyKey(reply_id);
  ASSIGN_OR_RETURN(std::optional<std::string> bytes, store_->Get(Family::kOutbox, key));
  if (!bytes) return absl::NotFoundError(absl::StrCat("reply_id: no reply \"", reply_id, "\""));
  ASSIGN_OR_RETURN(storage::v1::ReplyRecord record, DecodeRecord<storage::v1::ReplyRecord>(*bytes, key));
  if (!record.for_caseworker())
    return absl::FailedPreconditionError(absl::StrCat("reply ", reply_id, " was applied, not sent to the inbox"));
  if (record.read()) return record;
  record.set_read(true);
  WriteBatch batch(*store_);
  batch.Put(Family::kOutbox, key, EncodeRecord(record));
  batch.Delete(Family::kOutbox, InboxKey(reply_id));
  audit_->Append(&batch, now,
                 AuditRecord{"reply.read", record.decision_id(), "", caseworker, "unread", "read", reply_id}, record);
  RETURN_IF_ERROR(store_->Write(&batch, false));
  return record;
}

std::string ReplyKey(absl::string_view reply_id) { return absl::StrCat("reply/", reply_id); }
std::string InboxKey(absl::string_view reply_id) { return absl::StrCat("inbox/", reply_id); }

absl::Status ScanReplies(const Store& store, absl::FunctionRef<bool(const storage::v1::ReplyRecord&)> visit) {
  absl::Status error;
  RETURN_IF_ERROR(store.Scan(Family::kOutbox, "reply/", [&](absl::string_view key, absl::string_view value) {
    absl::StatusOr<storage::v1::ReplyRecord> r = DecodeRecord<storage::v1::ReplyRecord>(value, key);
    if (!r.ok()) {
      error = r.status();
      return false;
    }
    return visit(*r);
  }));
  return error;
}

absl::StatusOr<std::vector<storage::v1::ReplyRecord>> ListInbox(const Store& store, bool include_read) {
  std::vector<storage::v1::ReplyRecord> replies;
  RETURN_IF_ERROR(ScanReplies(store, [&](const storage::v1::ReplyRecord& r) {
    if (r.for_caseworker() && (include_read || !r.read())) replies.push_back(r);
    return true;
  }));
  std::sort(replies.begin(), replies.end(),
            [](const auto& a, const auto& b) { return a.received_at().seconds() < b.received_at().seconds(); });
  return replies;
}

absl::StatusOr<GatewayCommands::ReplyTarget> GatewayCommands::FindDecision(const std::vector<std::string>& persons,
                                                                           const std::string& code, bool offers_only,
                                                                           absl::Time sent) const {
  std::vector<storage::v1::DecisionRecord> candidates;
  std::set<std::string> read;  // a decision sent to two persons sharing the number is one candidate
  for (const std::string& person : persons) {
    ASSIGN_OR_RETURN(std::vector<std::string> ids, ListDecisionIdsForRecipient(*store_, person));
    for (const std::string& id : ids) {
      if (!read.insert(id).second) continue;
      ASSIGN_OR_RETURN(std::optional<storage::v1::DecisionRecord> d, ReadDecision(*store_, id));
      if (d) candidates.push_back(*std::move(d));
    }
  }
  if (!code.empty()) {
    const std::string wanted = NormalizeReferenceCode(code);
    ReplyTarget quoted;
    for (const auto& d : candidates) {
      if (d.reference_code() != wanted) continue;
      if (quoted.by_code) return ReplyTarget{"", /*by_code=*/false, /*code_ambiguous=*/true};
      quoted.decision_id = d.decision_id();
      quoted.by_code = true;
    }
    if (!quoted.decision_id.empty()) return quoted;
  }
  // Without a code: the latest decision they were told of, its message to
  // them having left (a decision whose message waits for the morning, or
  // was never sent, cannot be what they answer).
  const storage::v1::DecisionRecord* latest = nullptr;
  bool tied = false;
  for (const auto& d : candidates) {
    if (offers_only && (!IsOfferAwaitingAnswer(d) || !d.parent_decision_id().empty())) continue;
    if (latest != nullptr && d.created_at().seconds() < latest->created_at().seconds()) continue;
    if (FromProtoTimestamp(d.created_at()) > sent) continue;  // made after the reply was sent
    ASSIGN_OR_RETURN(const bool told, ToldToOneOf(d, persons));
    if (!told) continue;
    const bool same_moment = latest != nullptr && d.created_at().seconds() == latest->created_at().seconds();
    // A formal decision stands for the offer it follows.
    if (same_moment && latest->parent_decision_id() == d.decision_id()) continue;
    if (!(same_moment && d.parent_decision_id() == latest->decision_id())) tied = same_moment;
    latest = &d;
  }
  if (tied) return ReplyTarget{"", /*by_code=*/false, /*code_ambiguous=*/false, /*latest_ambiguous=*/true};
  return ReplyTarget{latest == nullptr ? "" : latest->decision_id()};
}

absl::StatusOr<bool> GatewayCommands::ToldToOneOf(const storage::v1::DecisionRecord& d,
                                                  const std::vector<std::string>& persons) const {
  const bool formal = !d.parent_decision_id().empty();
  ASSIGN_OR_RETURN(std::vector<storage::v1::OutboxMessage> messages,
                   MessagesOfDecision(*store_, formal ? d.parent_decision_id() : d.decision_id()));
  for (const storage::v1::OutboxMessage& m : messages) {
    if (formal && m.kind() != kAcceptedMessageKind) continue;
    if (std::find(persons.begin(), persons.end(), m.recipient()) == persons.end()) continue;
    switch (m.status()) {
      case storage::v1::MESSAGE_LEASED:
      case storage::v1::MESSAGE_SENT:
      case storage::v1::MESSAGE_DELIVERED:
      case storage::v1::MESSAGE_POSTED:
        return true;
      default:
        break;
    }
  }
  return false;
}

absl::StatusOr<ReplyResult> GatewayCommands::ReportReply(const std::string& from, const std::string& text,
                                                         const std::string& gateway_message_id, absl::Time received_at,
                                                         absl::Time now) {
  const std::string reply_id = decisions_->ids().ReplyIdFor(gateway_message_id);
  const std::string key = ReplyKey(reply_id);
  ASSIGN_OR_RETURN(std::optional<std::string> seen, store_->Get(Family::kOutbox, key));
  // A keyed store made before replies were keyed (9b0639e to 3373e3c) holds
  // its first replies under the plain id: a gateway repeating one, or a
  // reconciliation, must find it.
  std::string seen_key = key;
  if (!seen && decisions_->ids().keyed()) {
    seen_key = ReplyKey(DecisionIds::Unkeyed().ReplyIdFor(gateway_message_id));
    ASSIGN_OR_RETURN(seen, store_->Get(Family::kOutbox, seen_key));
  }
  if (seen) {
    ASSIGN_OR_RETURN(storage::v1::ReplyRecord record, DecodeRecord<storage::v1::ReplyRecord>(*seen, seen_key));
    return ReplyResult{"duplicate", record.decision_id(), "", record.reply_id()};
  }
  std::shared_ptr<const RuleSet> city_rules = rules_ != nullptr ? rules_->Get() : nullptr;
  ASSIGN_OR_RETURN(std::vector<std::string> persons,
                   PersonsWithPhone(*store_, from, city_rules != nullptr ? city_rules->city() : DefaultCity()));
  std::vector<std::string> words = absl::StrSplit(text, absl::ByAnyChar(" \t\r\n"), absl::SkipEmpty());
  const Keyword keyword = words.empty() ? Keyword::kOther : ParseKeyword(words[0]);
  // The code is the next word with a letter or digit: "OUI : YT975D",
  // "NON YT975D." and "OUI YT975D, merci" quote YT975D.
  std::string code;
  for (size_t i = 1; i < words.size() && code.empty(); ++i) code = NormalizeReferenceCode(words[i]);
  const std::string actor = "citizen:sms";
  WriteBatch batch(*store_);
  ReplyResult result;
  result.reply_id = reply_id;
  storage::v1::ReplyRecord record;
  record.set_format_version(kStorageFormatVersion);
  record.set_reply_id(reply_id);
  *record.mutable_received_at() = ToProtoTimestamp(received_at);
  record.set_sender_person_id(persons.empty() ? "" : persons.front());
  record.set_text(text);
  // The reply is the city's text, in the sender's language when known.
  std::shared_ptr<const RuleSet> rules = rules_ != nullptr ? rules_->Get() : nullptr;
  std::string language = "fr";
  if (rules != nullptr && !persons.empty()) {
    ASSIGN_OR_RETURN(std::optional<storage::v1::PersonState> sender, ReadPersonState(*store_, persons.front()));
    language = CitizenLanguage(rules->city(), sender ? &*sender : nullptr);
  }
  const auto reply = [&](LocalizedText CityMessages::*message) -> std::string {
    if (rules == nullptr) return "";
    const LocalizedText& texts = rules->city().messages.*message;
    auto text = texts.find(language);
    return text != texts.end() ? text->second : "";
  };
  const auto to_caseworker = [&](const std::string& why) {
    result.outcome = "to a caseworker";
    result.reply_text = reply(&CityMessages::forwarded);
    record.set_for_caseworker(true);
    record.set_outcome(absl::StrCat("to a caseworker: ", why));
    batch.Put(Family::kOutbox, InboxKey(reply_id), "");
  };
  if (persons.empty()) {
    to_caseworker("the number is not known");
  } else if (keyword == Keyword::kStop) {
    for (const std::string& person : persons) {
      storage::v1::OptOut opt_out;
      opt_out.set_person_id(person);
      *opt_out.mutable_at() = ToProtoTimestamp(received_at);
      opt_out.set_how("sms STOP");
      PutOptOut(&batch, opt_out);
      audit_->Append(&batch, now, AuditRecord{"person.opted_out", "", "", actor, "", "opted out", reply_id}, opt_out);
      ASSIGN_OR_RETURN(std::vector<std::string> ids, MessagesOfPerson(*store_, person));
      for (const std::string& id : ids) {
        ASSIGN_OR_RETURN(std::optional<storage::v1::OutboxMessage> m, ReadMessage(*store_, id));
        if (!m || !NotLeftYet(*m)) continue;
        storage::v1::OutboxMessage suppressed = *m;
        suppressed.set_status(storage::v1::MESSAGE_SUPPRESSED);
        PutMessage(&batch, &*m, suppressed);
      }
    }
    result.outcome = "opted out";
    result.reply_text = reply(&CityMessages::opted_out);
    record.set_outcome("opted out");
  } else if (keyword == Keyword::kAccept || keyword == Keyword::kDecline || keyword == Keyword::kContest) {
    ASSIGN_OR_RETURN(const ReplyTarget target,
                     FindDecision(persons, code, keyword != Keyword::kContest, std::min(received_at, now)));
    const std::string& decision_id = target.decision_id;
    if (target.code_ambiguous) {
      to_caseworker(absl::StrCat("the code ", code, " is that of more than one decision sent to this number"));
    } else if (target.latest_ambiguous) {
      to_caseworker("without a code, the reply could be about more than one decision made at the same moment");
    } else if (decision_id.empty()) {
      to_caseworker("no decision matches the reply");
    } else {
      // Quoting the code its message carried proves the message reached
      // them, when no delivery report said so (lost, or never asked for).
      if (target.by_code) {
        // From when the engine had the reply: the gateway's clock, if it
        // runs behind, would shorten the citizen's time.
        RETURN_IF_ERROR(ReachedByReply(decision_id, reply_id, now, now));
      }
      absl::Status applied;
      if (keyword == Keyword::kContest) {
        // When it was sent, on the gateway's clock: never after the engine's
        // now (a gateway clock ahead, or an engine replaying under
        // --clock_start, would otherwise refuse it).
        absl::StatusOr<ContestResult> r =
            decisions_->ContestInto(&batch, decision_id, actor, text, now, std::min(received_at, now));
        applied = r.status();
        result.outcome = "contested";
      } else {
        // Judged by when it was sent, as a contest is (an answer sent before
        // the deadline and read after it is in time).
        absl::StatusOr<storage::v1::DecisionRecord> r =
            decisions_->AnswerInto(&batch, decision_id, keyword == Keyword::kAccept, actor,
                                   absl::StrCat("sms ", reply_id), now, std::min(received_at, now));
        applied = r.status();
        result.outcome = keyword == Keyword::kAccept ? "accepted" : "declined";
      }
      result.decision_id = decision_id;
      record.set_decision_id(decision_id);
      if (absl::IsFailedPrecondition(applied)) {
        // Too late, already answered, in review: a person reads it.
        to_caseworker(std::string(applied.message()));
      } else {
        RETURN_IF_ERROR(applied);
        record.set_outcome(absl::StrCat(result.outcome, " ", decision_id));
      }
    }
  } else {
    to_caseworker("not a keyword the engine understands");
  }
  batch.Put(Family::kOutbox, key, EncodeRecord(record));
  RETURN_IF_ERROR(store_->Write(&batch, false));
  return result;
}

}  // namespace proactive
