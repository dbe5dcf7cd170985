// The connector's memory of what it handed to Kannel, so that a restart
// neither sends a message twice without knowing it nor forgets to
// acknowledge one. An append-only text file, fsynced after every record,
// holding message ids only (never a phone number or a text):
//
//   proactive-sms-kannel journal v1
//   sending d-4f2a/decision/1 2          before the sendsms call, with the
//                                        engine's attempt (the lease's
//                                        OutgoingSms.attempt; absent in
//                                        records written before 2026-12-07)
//   sent d-4f2a/decision/1 -             Kannel answered 202 (then the id
//                                        Kannel gave, or "-")
//   acked d-4f2a/decision/1              the engine acknowledged: forgotten
//   unsent d-4f2a/decision/1             certainly not handed over: forgotten
//
// After a crash a message is in one of three states: unknown (never handed
// over, or acknowledged), kSent (handed over, acknowledge it without sending
// again) or kSending (the crash came between the sendsms call and Kannel's
// answer: Kannel may or may not have it; the connector sends it again, at
// least once, with the same message id in the dlr-url and Kannel's billing
// info so that duplicates can be recognised).
//
//   ASSIGN_OR_RETURN(std::unique_ptr<SendJournal> journal,
//                    SendJournal::Open("var/sms-kannel.journal"));
//   RETURN_IF_ERROR(journal->MarkSending(id));   // durable before the call
//   ... sendsms answered 202 ...
//   RETURN_IF_ERROR(journal->MarkSent(id, ""));  // durable before the ack
//
// Thread-safe. One process per journal file.
#ifndef PROACTIVE_CONNECTORS_SMS_KANNEL_SEND_JOURNAL_H_
#define PROACTIVE_CONNECTORS_SMS_KANNEL_SEND_JOURNAL_H_

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace proactive {

class SendJournal {
 public:
  enum class State { kUnknown, kSending, kSent };

  // Opens (creating) the journal at `path`, reads it, and rewrites it with
  // only the open entries. A last line cut short by a crash is ignored (its
  // fsync never returned, so nothing was done after it); any other unreadable
  // line is DATA_LOSS naming the line. UNAVAILABLE on an I/O error.
  // The file is rewritten when it holds `compact_slack` more records than
  // needed.
  static absl::StatusOr<std::unique_ptr<SendJournal>> Open(const std::string& path, int64_t compact_slack = 2000);
  ~SendJournal();
  SendJournal(const SendJournal&) = delete;
  SendJournal& operator=(const SendJournal&) = delete;

  State StateOf(absl::string_view message_id) const;
  // The gateway id recorded by MarkSent ("" when Kannel gave none).
  // REQUIRES: StateOf(message_id) == kSent.
  std::string GatewayIdOf(absl::string_view message_id) const;
  // The engine's attempt recorded by MarkSending: the send the message's
  // acknowledgement and delivery reports are about; 0 when unknown.
  uint32_t AttemptOf(absl::string_view message_id) const;
  // Both at once, under one lock: a send journaled between two separate
  // reads would pair one send's state with another's attempt.
  struct OpenSend {
    State state = State::kUnknown;
    uint32_t attempt = 0;
  };
  OpenSend Lookup(absl::string_view message_id) const;

  // Each appends one record and fsyncs before returning. UNAVAILABLE on an
  // I/O error: the caller must then not go on (not call Kannel after a failed
  // MarkSending, not acknowledge after a failed MarkSent).
  absl::Status MarkSending(absl::string_view message_id, uint32_t attempt = 0);
  // Changes nothing for a message no longer open (its delivery report came
  // first and acknowledged it): it is not opened again.
  absl::Status MarkSent(absl::string_view message_id, absl::string_view gateway_message_id);
  absl::Status MarkAcked(absl::string_view message_id);
  absl::Status MarkUnsent(absl::string_view message_id);

  // Messages handed over and not yet acknowledged, with their gateway ids.
  std::vector<std::pair<std::string, std::string>> SentNotAcked() const;
  // Messages whose hand-over may or may not have happened.
  std::vector<std::string> Ambiguous() const;

  const std::string& path() const { return path_; }

 private:
  struct Entry {
    State state = State::kUnknown;
    std::string gateway_id;
    uint32_t attempt = 0;
  };
  using EntryMap = std::map<std::string, Entry, std::less<>>;
  SendJournal(std::string path, int64_t compact_slack, EntryMap open);

  absl::Status Append(absl::string_view verb, absl::string_view message_id, absl::string_view extra)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status CompactLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string path_;
  const int64_t compact_slack_;
  mutable absl::Mutex mu_;
  int fd_ ABSL_GUARDED_BY(mu_) = -1;
  EntryMap open_ ABSL_GUARDED_BY(mu_);
  int64_t records_ ABSL_GUARDED_BY(mu_) = 0;  // lines in the file
};

}  // namespace proactive

#endif  // PROACTIVE_CONNECTORS_SMS_KANNEL_SEND_JOURNAL_H_
