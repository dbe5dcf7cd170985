#include "engine/ingest/gateway_commands.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "engine/common/log.h"
#include "engine/common/proto_time.h"
#include "engine/common/status_macros.h"
#include "engine/decision/decision_factory.h"
#include "engine/decision/decision_keys.h"
#include "engine/decision/decision_store.h"
#include "engine/notify/outbox.h"
#include "engine/rules/citizen_text.h"
#include "engine/store/records.h"

namespace proactive {
namespace {

const absl::Duration kRetryDelays[] = {absl::Minutes(1), absl::Minutes(5), absl::Minutes(30), absl::Hours(2)};

}  // namespace

absl::StatusOr<std::vector<LeasedMessage>> GatewayCommands::StillLeased(const std::string& gateway,
                                                                        const std::string& lease_id,
                                                                        const CitySpec& city, absl::Time now) const {
  std::vector<LeasedMessage> held;
  ASSIGN_OR_RETURN(std::vector<std::string> ids, MessagesLeasedUnder(*store_, lease_id));
  for (const std::string& id : ids) {
    ASSIGN_OR_RETURN(std::optional<storage::v1::OutboxMessage> m, ReadMessage(*store_, id));
    // Another gateway's id that happens to be the same is not ours; an
    // expired lease is back among the ready messages.
    if (!m || m->leased_by() != gateway || FromProtoTimestamp(m->lease_expires_at()) <= now) continue;
    ASSIGN_OR_RETURN(std::optional<storage::v1::PersonState> person, ReadPersonState(*store_, m->recipient()));
    std::string phone = person ? SmsNumber(*person, city) : "";
    if (phone.empty()) continue;  // erased since: its lease runs out and the next one settles it
    held.push_back({*std::move(m), std::move(phone)});
  }
  return held;
}

absl::StatusOr<std::vector<LeasedMessage>> GatewayCommands::Lease(const std::string& gateway,
                                                                  const std::string& lease_id, int max,
                                                                  absl::Duration lease, absl::Time now) {
  std::shared_ptr<const RuleSet> rules = rules_->Get();
  const CitySpec& city = rules != nullptr ? rules->city() : DefaultCity();
  if (!lease_id.empty()) {
    ASSIGN_OR_RETURN(std::vector<LeasedMessage> held, StillLeased(gateway, lease_id, city, now));
    if (!held.empty()) return held;
  }
  ASSIGN_OR_RETURN(std::vector<std::string> ids, ReadyMessages(*store_, now, static_cast<size_t>(max)));
  std::vector<LeasedMessage> leased;
  WriteBatch batch(*store_);
  // Once an entry is appended to the audit chain, the batch must be written
  // (AuditLog::Append): a read failing after it stops the lease there, and
  // what was decided so far is written; the rest is asked again.
  bool audited = false;
  const auto lease_one = [&](const std::string& id) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<storage::v1::OutboxMessage> found, ReadMessage(*store_, id));
    if (!found) return absl::OkStatus();
    if (!found->replaced_by_case().empty()) {
      // Its send with the old values failed, or its lease ran out: the
      // amended message tells them instead.
      SuppressMessage(&batch, audit_, *found, kReplacedOnReview, "engine",
                      absl::StrCat("case ", found->replaced_by_case()), now);
      audited = true;
      return absl::OkStatus();
    }
    const storage::v1::OutboxMessage before = *found;
    storage::v1::OutboxMessage m = *found;
    // The phone is read now, not copied into the outbox: the latest number,
    // and nothing to erase in the outbox if the person is forgotten.
    ASSIGN_OR_RETURN(std::optional<storage::v1::PersonState> person, ReadPersonState(*store_, m.recipient()));
    const std::string phone = person ? SmsNumber(*person, city) : "";
    if (person && !phone.empty()) {
      // An index entry an older engine wrote as the number was written: the
      // reply to this SMS must find them.
      const std::string written = StringAttribute(*person, city.sms_attribute);
      if (ReindexPhone(&batch, written, written, &*person, city)) PutPersonState(&batch, *person);
    }
    ASSIGN_OR_RETURN(bool opted_out, IsOptedOut(*store_, m.recipient()));
    if (opted_out) {
      m.set_status(storage::v1::MESSAGE_SUPPRESSED);
      PutMessage(&batch, &before, m);
      audit_->Append(&batch, now, AuditRecord{"message.suppressed", m.decision_id(), "", "engine", "", "opted out", id},
                     m);
      audited = true;
      return absl::OkStatus();
    }
    // Its text is rendered now and kept with it: for the gateway, for a
    // letter, and for every later attempt.
    if (absl::Status expanded = ExpandMessage(*store_, decisions_->rule_set_versions(), &m); !expanded.ok()) {
      if (!absl::IsDataLoss(expanded)) return expanded;  // a read failed: nothing leased, asked again
      LogError("gateway", absl::StrCat("message ", id, " cannot leave: ", expanded.ToString()));
      m.set_status(storage::v1::MESSAGE_UNDELIVERABLE);
      m.set_failure(std::string(expanded.message()));
      PutMessage(&batch, &before, m);
      audit_->Append(
          &batch, now,
          AuditRecord{"message.undeliverable", m.decision_id(), "", "engine", "pending", "undeliverable", id}, m);
      audited = true;
      return absl::OkStatus();
    }
    if (phone.empty()) {
      m.set_channel(storage::v1::CHANNEL_LETTER);
      m.set_status(m.letter_fallback() ? storage::v1::MESSAGE_LETTER : storage::v1::MESSAGE_UNDELIVERABLE);
      *m.mutable_ready_at() = ToProtoTimestamp(now);  // a letter since now: its place in the mail room's list
      PutMessage(&batch, &before, m);
      return absl::OkStatus();
    }
    m.set_status(storage::v1::MESSAGE_LEASED);
    m.set_leased_by(gateway);
    m.set_lease_id(lease_id);
    m.set_attempts(m.attempts() + 1);
    *m.mutable_lease_expires_at() = ToProtoTimestamp(now + lease);
    *m.mutable_ready_at() = m.lease_expires_at();  // leased again when the lease expires
    PutMessage(&batch, &before, m);
    leased.push_back({m, phone});
    return absl::OkStatus();
  };
  for (const std::string& id : ids) {
    absl::Status one = lease_one(id);
    if (one.ok()) continue;
    if (!audited) return one;  // nothing leased, asked again
    LogWarning("gateway", absl::StrCat("leasing stopped at message ", id, ": ", one.ToString()));
    break;
  }
  RETURN_IF_ERROR(store_->Write(&batch, false));
  return leased;
}

absl::StatusOr<bool> GatewayCommands::Ack(const std::string& message_id, const std::string& gateway_message_id,
                                          absl::Time now, uint32_t attempt) {
  ASSIGN_OR_RETURN(std::optional<storage::v1::OutboxMessage> found, ReadMessage(*store_, message_id));
  if (!found) return absl::NotFoundError(absl::StrCat("message_id: no message \"", message_id, "\""));
  const uint32_t send = SendOf(*found, attempt);
  if (found->status() == storage::v1::MESSAGE_SENT || found->status() == storage::v1::MESSAGE_DELIVERED) {
    // A later send handed over too (another gateway's retry of a lease that
    // ran out): a failure report of the earlier one must not count.
    if (found->status() == storage::v1::MESSAGE_SENT && send > found->sent_attempt()) {
      storage::v1::OutboxMessage m = *found;
      m.set_sent_attempt(send);
      WriteBatch batch(*store_);
      PutMessage(&batch, &*found, m);
      RETURN_IF_ERROR(store_->Write(&batch, false));
    }
    return true;
  }
  // PENDING after a failure report, waiting for its retry.
  const bool retrying = found->status() == storage::v1::MESSAGE_PENDING && found->attempts() > 0;
  if (found->status() != storage::v1::MESSAGE_LEASED && !retrying) {
    return absl::FailedPreconditionError(absl::StrCat(
        "message_id: message ", message_id, " is not leased for SMS (it is ",
        absl::AsciiStrToLower(absl::StripPrefix(storage::v1::MessageStatus_Name(found->status()), "MESSAGE_")), ")"));
  }
  // A send whose failure was reported before its acknowledgement came (the
  // delivery report overtook it): the retry stands. Else the send is a later
  // one than the failed one, in flight: no retry is needed.
  if (send <= found->last_failed_attempt()) return true;
  const storage::v1::OutboxMessage before = *found;
  storage::v1::OutboxMessage m = *found;
  m.set_status(storage::v1::MESSAGE_SENT);
  m.set_gateway_message_id(gateway_message_id);
  m.set_sent_attempt(send);
  WriteBatch batch(*store_);
  PutMessage(&batch, &before, m);
  // Handed over is not received: the SMS centre may never deliver it, and
  // Kannel may lose it (docs/sms.md). Its time to contest waits for the
  // delivery report.
  RETURN_IF_ERROR(
      DecisionReached(&batch, m, absl::StrCat("message ", message_id, " handed to the gateway"), std::nullopt, now));
  RETURN_IF_ERROR(store_->Write(&batch, false));
  return false;
}

absl::StatusOr<GatewayCommands::LetterList> GatewayCommands::LettersToPost(int max) const {
  ASSIGN_OR_RETURN(std::vector<std::string> ids, proactive::LettersToPost(*store_, static_cast<size_t>(max)));
  LetterList list;
  list.letters.reserve(ids.size());
  for (const std::string& id : ids) {
    ASSIGN_OR_RETURN(std::optional<storage::v1::OutboxMessage> m, ReadMessage(*store_, id));
    if (!m) return absl::DataLossError(absl::StrCat("the letters' index names message ", id, ", which is gone"));
    list.letters.push_back(*std::move(m));
  }
  ASSIGN_OR_RETURN(list.waiting, CountLetters(*store_));
  return list;
}

absl::StatusOr<bool> GatewayCommands::MarkLetterPosted(const std::string& message_id, const std::string& by,
                                                       absl::Time now) {
  ASSIGN_OR_RETURN(std::optional<storage::v1::OutboxMessage> found, ReadMessage(*store_, message_id));
  if (!found) return absl::NotFoundError(absl::StrCat("message_id: no message \"", message_id, "\""));
  if (found->status() == storage::v1::MESSAGE_POSTED) return true;
  if (found->status() != storage::v1::MESSAGE_LETTER) {
    return absl::FailedPreconditionError(
        absl::StrCat("message_id: message ", message_id, " is not a letter waiting to be posted"));
  }
  const storage::v1::OutboxMessage before = *found;
  storage::v1::OutboxMessage m = *found;
  m.set_status(storage::v1::MESSAGE_POSTED);
  m.set_posted_by(by);
  *m.mutable_posted_at() = ToProtoTimestamp(now);
  WriteBatch batch(*store_);
  PutMessage(&batch, &before, m);
  // Its recipient is notified when it arrives (Code de procédure civile,
  // art. 668), taken to be the city's letter_delivery_days later.
  const absl::Time arrives = decisions_->LetterArrives(now);
  RETURN_IF_ERROR(DecisionReached(&batch, m,
                                  absl::StrCat("letter ", message_id, ", taken to arrive on ",
                                               absl::FormatTime("%Y-%m-%d", arrives, decisions_->CityZone())),
                                  arrives, now));
  audit_->Append(&batch, now, AuditRecord{"message.posted", m.decision_id(), "", by, "letter", "posted", message_id},
                 m);
  RETURN_IF_ERROR(store_->Write(&batch, false));
  return false;
}

absl::Status GatewayCommands::DecisionReached(WriteBatch* batch, const storage::v1::OutboxMessage& m,
                                              absl::string_view how, std::optional<absl::Time> reached,
                                              absl::Time now) {
  absl::Status notified;
  // An amended decision told again may be the first to reach them: its
  // first message was withheld, replaced by this one.
  if (m.kind() == kDecisionMessageKind || m.kind() == kAmendedMessageKind) {
    notified = decisions_->MarkNotifiedInto(batch, m.decision_id(), std::string(how), reached, now);
  } else if (m.kind() == kAcceptedMessageKind) {
    // "The decision will be sent to you": the formal decision reaches them.
    notified = decisions_->FormalDecisionNotifiedInto(batch, m.decision_id(), std::string(how), reached, now);
  }
  // An overturned decision is not notified; the message still counts.
  return notified.ok() || absl::IsFailedPrecondition(notified) ? absl::OkStatus() : notified;
}

absl::Status GatewayCommands::ReachedByReply(const std::string& decision_id, const std::string& reply_id,
                                             absl::Time reached, absl::Time now) {
  ASSIGN_OR_RETURN(std::optional<storage::v1::DecisionRecord> d, ReadDecision(*store_, decision_id));
  if (!d || d->has_notified_at()) return absl::OkStatus();
  // Written before the reply's own batch, which reads the decision again.
  WriteBatch batch(*store_);
  absl::Status notified = decisions_->MarkNotifiedInto(
      &batch, decision_id, absl::StrCat("reply ", reply_id, " quoting its code"), reached, now);
  if (absl::IsFailedPrecondition(notified)) return absl::OkStatus();  // overturned: nothing to start
  RETURN_IF_ERROR(notified);
  return store_->Write(&batch, false);
}

uint32_t GatewayCommands::SendOf(const storage::v1::OutboxMessage& m, uint32_t attempt) {
  if (attempt > 0 && attempt <= m.attempts()) return attempt;
  // A store restored from a backup has fewer leases than the gateway saw.
  if (attempt > m.attempts()) {
    LogWarning("gateway", absl::StrCat("message ", m.message_id(), " was leased ", m.attempts(),
                                       " times; the gateway names send ", attempt, ": taken as the latest"));
  }
  return m.attempts();
}

absl::StatusOr<std::string> GatewayCommands::ReportDelivery(const std::string& message_id, bool delivered,
                                                            const std::string& failure, absl::Time now,
                                                            uint32_t attempt) {
  ASSIGN_OR_RETURN(std::optional<storage::v1::OutboxMessage> found, ReadMessage(*store_, message_id));
  if (!found) return absl::NotFoundError(absl::StrCat("message_id: no message \"", message_id, "\""));
  // Only an SMS that left (or may have: leased, sent, waiting for a retry)
  // has a delivery to report. A report repeated by the gateway about one
  // that became a letter, was posted, or was never sent changes nothing.
  if (found->status() == storage::v1::MESSAGE_PENDING && found->attempts() == 0) {
    // Delivered would start its decision's time to contest: a report about
    // a message no gateway ever had is refused.
    return absl::FailedPreconditionError(
        absl::StrCat("message_id: message ", message_id, " was never handed to a gateway"));
  }
  switch (found->status()) {
    case storage::v1::MESSAGE_LEASED:
    case storage::v1::MESSAGE_SENT:
    case storage::v1::MESSAGE_PENDING:
    case storage::v1::MESSAGE_DELIVERED:
      if (found->channel() == storage::v1::CHANNEL_SMS) break;
      [[fallthrough]];
    default:
      return std::string(
          found->status() == storage::v1::MESSAGE_LETTER || found->status() == storage::v1::MESSAGE_POSTED ? "letter"
          : found->status() == storage::v1::MESSAGE_SUPPRESSED ? "suppressed"
                                                               : "undeliverable");
  }
  const uint32_t send = SendOf(*found, attempt);
  const storage::v1::OutboxMessage before = *found;
  storage::v1::OutboxMessage m = *found;
  std::string result;
  // A failure of a send counted already (the same report again), or of one
  // before the send last acknowledged (a late report of an earlier send,
  // arriving while the retry is under way): counted, it would fail the
  // retry and make it leave twice.
  const bool counted_already = !delivered && (send <= m.last_failed_attempt() || send < m.sent_attempt());
  if (counted_already && m.status() != storage::v1::MESSAGE_DELIVERED) {
    return std::string(m.status() == storage::v1::MESSAGE_SENT ? "sent" : "will retry");
  }
  if (delivered) {
    m.set_status(storage::v1::MESSAGE_DELIVERED);
    result = "delivered";
  } else if (m.status() == storage::v1::MESSAGE_DELIVERED) {
    return std::string("delivered");  // a late failure report after a delivery
  } else {
    // PENDING too: an engine before 2026-12-07 made it pending on a late
    // failure of an earlier send while this one was under way; this send's
    // own failure counts as well.
    m.set_failed_sends(m.failed_sends() + 1);
    m.set_last_failed_attempt(std::max(send, m.last_failed_attempt()));
    if (m.status() == storage::v1::MESSAGE_LEASED && send < m.attempts()) {
      // A late failure of an earlier send while a later one is under way:
      // counted, and that send decides what comes next (acknowledged, it
      // left; failed, it is retried, or made a letter). Retried now, it
      // could leave twice.
      m.set_failure(failure);
      WriteBatch batch(*store_);
      PutMessage(&batch, &before, m);
      RETURN_IF_ERROR(store_->Write(&batch, false));
      return std::string("will retry");
    }
    if (!m.replaced_by_case().empty()) {
      // Replaced by an amendment while this send was under way: its old
      // values never reached them; the amended message tells them instead.
      WriteBatch batch(*store_);
      SuppressMessage(&batch, audit_, m, kReplacedOnReview, "engine", absl::StrCat("case ", m.replaced_by_case()), now);
      RETURN_IF_ERROR(store_->Write(&batch, false));
      return std::string("suppressed");
    }
    if (m.failed_sends() < kMaxSmsAttempts) {
      // Only reported failures count: leases that expired while Kannel was
      // down sent nothing, and must not turn the first real failure into a
      // letter.
      m.set_status(storage::v1::MESSAGE_PENDING);
      m.set_failure(failure);
      int index = std::min<int>(static_cast<int>(m.failed_sends()) - 1, 3);
      // A retry of a message that may not leave in quiet hours waits for
      // their end, as its first attempt did.
      std::shared_ptr<const RuleSet> rules = rules_ != nullptr ? rules_->Get() : nullptr;
      const absl::Time retry = now + kRetryDelays[std::max(index, 0)];
      *m.mutable_ready_at() = ToProtoTimestamp(rules != nullptr ? ReadyAt(retry, m.urgent(), rules->city()) : retry);
      result = "will retry";
    } else {
      ASSIGN_OR_RETURN(const bool opted_out, IsOptedOut(*store_, m.recipient()));
      m.set_failure(failure);
      if (opted_out) {
        // STOP since it left: no letter either (a retry is suppressed when
        // leased again).
        m.set_status(storage::v1::MESSAGE_SUPPRESSED);
        result = "suppressed";
      } else {
        m.set_channel(storage::v1::CHANNEL_LETTER);
        m.set_status(m.letter_fallback() ? storage::v1::MESSAGE_LETTER : storage::v1::MESSAGE_UNDELIVERABLE);
        *m.mutable_ready_at() = ToProtoTimestamp(now);
        result = m.letter_fallback() ? "letter" : "undeliverable";
      }
    }
  }
  WriteBatch batch(*store_);
  PutMessage(&batch, &before, m);
  if (delivered && before.status() != storage::v1::MESSAGE_DELIVERED) {
    // The handset received it: the decision reached its recipient now (a
    // report that comes late only gives them more time).
    RETURN_IF_ERROR(DecisionReached(&batch, m, absl::StrCat("message ", message_id, " delivered"), now, now));
  }
  if (result == "letter" || result == "undeliverable") {
    audit_->Append(&batch, now,
                   AuditRecord{"message." + result, m.decision_id(), "", "engine", "sms", result, message_id}, m);
  } else if (result == "suppressed") {
    audit_->Append(&batch, now,
                   AuditRecord{"message.suppressed", m.decision_id(), "", "engine", "sms", "opted out", message_id}, m);
  }
  RETURN_IF_ERROR(store_->Write(&batch, false));
  return result;
}

}  // namespace proactive
