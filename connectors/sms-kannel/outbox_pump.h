// The outgoing half of the SMS connector: leases messages from the engine,
// hands each to Kannel, and acknowledges it to the engine only once Kannel
// answered 202, with the send journal in between so that a crash at any
// point neither loses an acknowledgement nor re-sends unknowingly:
//
//   journal "sending"  ->  sendsms  ->  202  ->  journal "sent"  ->  Ack
//                                                                ->  journal
//                                                                "acked"
//
// A message leased again whose journal says "sent" is acknowledged without
// being sent. One that says "sending" (the crash came between the call and
// the journal) is sent again: delivery is at least once, and both copies
// carry the same message id (dlr-url, binfo).
//
//   OutboxPump pump(engine.get(), &kannel, journal.get(), &counters, {});
//   std::thread sender([&] { pump.Run(); });
//   ...
//   pump.Stop();  // from a signal-watching thread
//   sender.join();
#ifndef PROACTIVE_CONNECTORS_SMS_KANNEL_OUTBOX_PUMP_H_
#define PROACTIVE_CONNECTORS_SMS_KANNEL_OUTBOX_PUMP_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "connectors/sms-kannel/gateway_api.h"
#include "connectors/sms-kannel/kannel_sendsms.h"
#include "connectors/sms-kannel/send_journal.h"
#include "connectors/sms-kannel/sms_counters.h"

namespace proactive {

// Test-only: where to kill the process (SIGKILL to itself) on the first
// message, to prove the journal's guarantees.
enum class CrashPoint {
  kNone,
  kAfterKannelAccepted,  // Kannel answered 202, journal not yet "sent"
  kAfterJournalSent,     // journal says "sent", engine not yet acknowledged
};

struct PumpOptions {
  int max_messages = 20;   // per lease
  int lease_seconds = 60;  // how long the engine keeps them for us
  // Wait after a lease that brought nothing (no busy loop).
  absl::Duration idle_wait = absl::Seconds(2);
  // Waits after errors double from initial_backoff up to max_backoff.
  absl::Duration initial_backoff = absl::Milliseconds(500);
  absl::Duration max_backoff = absl::Seconds(30);
  CrashPoint crash = CrashPoint::kNone;
};

class OutboxPump {
 public:
  // Pointers are not owned and must outlive the pump.
  OutboxPump(GatewayApi* engine, KannelSendsms* kannel, SendJournal* journal, SmsCounters* counters,
             PumpOptions options);
  OutboxPump(const OutboxPump&) = delete;
  OutboxPump& operator=(const OutboxPump&) = delete;

  // One round: acknowledges what the journal says was sent, leases, sends.
  // Returns how long to wait before the next round: zero when the lease was
  // full (more may be waiting), idle_wait when nothing came, a growing
  // backoff after an error of Kannel or the engine.
  absl::Duration RunOnce();

  // Rounds until Stop(). Thread-safe with Stop().
  void Run();
  // Makes Run return after the message in hand. Thread-safe.
  void Stop();

 private:
  enum class Step { kDone, kKannelDown, kEngineDown, kJournalBroken };
  Step AcknowledgeSent();
  Step Handle(const v1::OutgoingSms& sms);
  // `attempt`: the send handed over (0: not known, the engine takes its
  // latest lease).
  Step Acknowledge(const std::string& message_id, const std::string& gateway_message_id, uint32_t attempt);
  absl::Duration Backoff();
  bool stopping() const;
  std::string NewLeaseId();

  GatewayApi* const engine_;
  KannelSendsms* const kannel_;
  SendJournal* const journal_;
  SmsCounters* const counters_;
  const PumpOptions options_;
  int consecutive_errors_ = 0;
  // The lease asked and not answered (the engine may have leased and died
  // before answering): asked again under the same id. Empty: ask a new one.
  std::string unanswered_lease_id_;
  absl::Time unanswered_lease_asked_at_;
  absl::BitGen random_;

  mutable absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace proactive

#endif  // PROACTIVE_CONNECTORS_SMS_KANNEL_OUTBOX_PUMP_H_
