#include "connectors/sms-kannel/outbox_pump.h"

#include <signal.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "connectors/common/event_publisher.h"
#include "engine/common/log.h"

namespace proactive {
namespace {

constexpr absl::string_view kLog = "sms-out";

void CrashNow(absl::string_view where) {
  LogWarning(kLog, absl::StrCat("test crash ", where));
  raise(SIGKILL);
}

}  // namespace

OutboxPump::OutboxPump(GatewayApi* engine, KannelSendsms* kannel, SendJournal* journal, SmsCounters* counters,
                       PumpOptions options)
    : engine_(engine), kannel_(kannel), journal_(journal), counters_(counters), options_(options) {}

std::string OutboxPump::NewLeaseId() {
  return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(random_), absl::Uniform<uint64_t>(random_));
}

bool OutboxPump::stopping() const {
  absl::MutexLock lock(&mu_);
  return stop_;
}

void OutboxPump::Stop() {
  absl::MutexLock lock(&mu_);
  stop_ = true;
}

void OutboxPump::Run() {
  while (!stopping()) {
    absl::Duration wait = RunOnce();
    absl::MutexLock lock(&mu_);
    if (wait > absl::ZeroDuration()) mu_.AwaitWithTimeout(absl::Condition(&stop_), wait);
  }
}

absl::Duration OutboxPump::Backoff() {
  ++consecutive_errors_;
  return std::max(options_.initial_backoff,
                  BackoffDelay(consecutive_errors_ + 1, options_.initial_backoff, options_.max_backoff));
}

OutboxPump::Step OutboxPump::Acknowledge(const std::string& message_id, const std::string& gateway_message_id,
                                         uint32_t attempt) {
  v1::AckMessageRequest ack;
  ack.set_message_id(message_id);
  if (!gateway_message_id.empty()) ack.set_gateway_message_id(gateway_message_id);
  if (attempt > 0) ack.set_attempt(attempt);
  absl::StatusOr<v1::AckMessageResponse> answer = engine_->Ack(ack);
  if (!answer.ok()) {
    if (IsTransientEngineError(answer.status())) {
      ++counters_->engine_errors;
      LogWarning(kLog, absl::StrCat("message ", message_id,
                                    " is with Kannel, acknowledgement waits: ", answer.status().message()));
      return Step::kEngineDown;
    }
    // The engine will never take this acknowledgement: stop asking.
    LogError(kLog, absl::StrCat("message ", message_id,
                                ": the engine refused its acknowledgement: ", answer.status().ToString()));
  } else if (!answer->already_acknowledged()) {
    ++counters_->acked;  // else a delivery report came first (callbacks)
  }
  if (!journal_->MarkAcked(message_id).ok()) return Step::kJournalBroken;
  return Step::kDone;
}

OutboxPump::Step OutboxPump::AcknowledgeSent() {
  for (const auto& [id, gateway_id] : journal_->SentNotAcked()) {
    LogInfo(kLog, absl::StrCat("message ", id,
                               " is with Kannel already: acknowledged "
                               "without sending it again"));
    Step step = Acknowledge(id, gateway_id, journal_->AttemptOf(id));
    if (step != Step::kDone) return step;
  }
  return Step::kDone;
}

OutboxPump::Step OutboxPump::Handle(const v1::OutgoingSms& sms) {
  const std::string& id = sms.message_id();
  switch (journal_->StateOf(id)) {
    case SendJournal::State::kSent:
      LogInfo(kLog, absl::StrCat("message ", id,
                                 " is with Kannel already: acknowledged "
                                 "without sending it again"));
      // Handed over under an earlier lease: that send's attempt.
      return Acknowledge(id, journal_->GatewayIdOf(id), journal_->AttemptOf(id));
    case SendJournal::State::kSending:
      ++counters_->resent;
      LogWarning(kLog, absl::StrCat("message ", id,
                                    " may have reached Kannel before a crash; "
                                    "sending it again with the same id"));
      break;
    case SendJournal::State::kUnknown:
      break;
  }
  absl::Status journaled = journal_->MarkSending(id, sms.attempt());
  if (!journaled.ok()) {
    LogError(kLog, absl::StrCat("journal: ", journaled.message()));
    return Step::kJournalBroken;
  }
  SendResult result = kannel_->Send(sms);
  switch (result.outcome) {
    case SendOutcome::kAccepted: {
      ++counters_->sent;
      if (options_.crash == CrashPoint::kAfterKannelAccepted) CrashNow("after Kannel accepted, before the journal");
      absl::Status sent = journal_->MarkSent(id, result.gateway_message_id);
      if (!sent.ok()) {
        LogError(kLog, absl::StrCat("journal: ", sent.message()));
        return Step::kJournalBroken;
      }
      if (options_.crash == CrashPoint::kAfterJournalSent) CrashNow("after the journal, before the acknowledgement");
      LogInfo(kLog, absl::StrCat("message ", id, " (attempt ", sms.attempt(), ", ", result.parts, " part",
                                 result.parts > 1 ? "s" : "", ", coding ", result.coding, ") handed to Kannel"));
      // This lease's attempt, not the journal's: a delivery report that
      // overtook this acknowledgement may have forgotten the entry already.
      return Acknowledge(id, result.gateway_message_id, sms.attempt());
    }
    case SendOutcome::kUnavailable:
      ++counters_->kannel_errors;
      LogWarning(kLog, absl::StrCat("Kannel did not take message ", id, ": ",
                                    result.http_status > 0 ? absl::StrCat("HTTP ", result.http_status, " ") : "",
                                    result.detail));
      if (!journal_->MarkUnsent(id).ok()) return Step::kJournalBroken;
      return Step::kKannelDown;
    case SendOutcome::kAmbiguous:
      ++counters_->kannel_errors;
      LogWarning(kLog, absl::StrCat("no answer from Kannel for message ", id, " (", result.detail,
                                    "); it will be sent again"));
      return Step::kKannelDown;
    case SendOutcome::kRefused: {
      ++counters_->refused;
      LogWarning(kLog, absl::StrCat(
                           "message ", id, " not sent: ",
                           result.http_status > 0 ? absl::StrCat("Kannel answered HTTP ", result.http_status, " ") : "",
                           result.detail));
      if (!journal_->MarkUnsent(id).ok()) return Step::kJournalBroken;
      v1::ReportDeliveryRequest report;
      report.set_message_id(id);
      report.set_delivered(false);
      report.set_attempt(sms.attempt());
      report.set_failure(result.http_status > 0
                             ? absl::StrCat("refused by Kannel: HTTP ", result.http_status, " ", result.detail)
                             : absl::StrCat("not sent: ", result.detail));
      absl::StatusOr<v1::ReportDeliveryResponse> answer = engine_->ReportDelivery(report);
      if (!answer.ok()) {
        ++counters_->engine_errors;
        LogWarning(kLog, absl::StrCat("message ", id, ": the refusal could not be reported (",
                                      answer.status().message(), "); the lease will bring it back"));
        if (IsTransientEngineError(answer.status())) return Step::kEngineDown;
      }
      return Step::kDone;
    }
  }
  return Step::kDone;
}

absl::Duration OutboxPump::RunOnce() {
  Step step = AcknowledgeSent();
  if (step != Step::kDone) return Backoff();
  // Leave a margin: a message whose lease ran out may be leased to another
  // gateway, so it is left for the next lease rather than sent late.
  const absl::Duration lease = absl::Seconds(options_.lease_seconds);
  const absl::Duration margin = std::min(absl::Seconds(10), lease / 4);
  // An unanswered lease asked too long ago holds nothing we could still send:
  // a new one, rather than receive messages too late to send them.
  if (unanswered_lease_id_.empty() || absl::Now() > unanswered_lease_asked_at_ + lease - margin) {
    unanswered_lease_id_ = NewLeaseId();
    unanswered_lease_asked_at_ = absl::Now();
  }
  // A lease answered now may be the one first asked then.
  const absl::Time leased_at = unanswered_lease_asked_at_;
  v1::LeaseMessagesRequest request;
  request.set_max_messages(options_.max_messages);
  request.set_lease_seconds(options_.lease_seconds);
  request.set_lease_id(unanswered_lease_id_);
  absl::StatusOr<v1::LeaseMessagesResponse> leased = engine_->Lease(request);
  // Only a call that may have reached the engine unanswered is asked again.
  if (leased.ok() || !IsTransientEngineError(leased.status())) unanswered_lease_id_.clear();
  if (!leased.ok()) {
    ++counters_->engine_errors;
    absl::Duration wait = Backoff();
    LogWarning(kLog, absl::StrCat("cannot lease messages: ", leased.status().message(), "; again in ",
                                  absl::FormatDuration(wait)));
    return wait;
  }
  counters_->leased += leased->messages_size();
  const absl::Time send_until = leased_at + lease - margin;
  for (const v1::OutgoingSms& sms : leased->messages()) {
    if (stopping() || absl::Now() > send_until) break;
    step = Handle(sms);
    if (step == Step::kJournalBroken) {
      absl::Duration wait = Backoff();
      LogError(kLog, absl::StrCat("the send journal ", journal_->path(),
                                  " cannot be written; nothing is sent until "
                                  "it can (again in ",
                                  absl::FormatDuration(wait), ")"));
      return wait;
    }
    if (step != Step::kDone) {
      absl::Duration wait = Backoff();
      LogWarning(kLog, absl::StrCat(step == Step::kKannelDown ? "Kannel" : "the engine",
                                    " is unavailable; the rest of the lease "
                                    "comes back later (again in ",
                                    absl::FormatDuration(wait), ")"));
      return wait;
    }
  }
  consecutive_errors_ = 0;
  if (leased->messages_size() >= options_.max_messages) return absl::ZeroDuration();
  return options_.idle_wait;
}

}  // namespace proactive
