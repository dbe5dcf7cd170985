// The incoming half of the SMS connector: an HTTP server that Kannel calls.
//
//   GET /dlr?id=<message id>&status=%d&answer=%A   (the dlr-url of each
//   sendsms)
//       1 delivered, 2 failed (and 16, rejected by the SMS centre, when the
//       dlr-mask asks for it) -> Gateway.ReportDelivery; 4 and 8
//       (intermediate: queued, accepted by the SMS centre) are answered 200
//       and not reported.
//   GET /mo?from=%p&to=%P&text=%a&id=%I&ts=%T&coding=%c   (smsbox get-url)
//       -> Gateway.ReportReply, gateway_message_id "kannel:<%I>" (or a
//       digest of sender, time and text when %I is empty, see sms_text.h).
//   GET /health -> 200 and the counters.
//
// Kannel gets 200 only once the engine answered (its effect is durable, the
// contract says); 503 while the engine is unavailable, so that smsbox retries
// (http-request-retry, http-queue-delay). A request the engine refuses for
// good (unknown message id, malformed) is answered 200 and logged: retrying
// it cannot help. The answer to a reply carries the engine's reply_text
// (UTF-8) as body: smsbox sends it back to the citizen when its
// sms-service allows it (max-messages = 1, omit-empty = true), which is how
// the engine's acknowledgements of STOP and of free text ("transmis à un
// agent") reach them; the engine's answers to OUI/NON come through the
// outbox instead. A duplicate gets an empty body: nothing is sent twice.
//
//   CallbackServer server(engine.get(), &counters, {.port = 18080},
//                         journal.get());
//   RETURN_IF_ERROR(server.Start());
//   ...
//   server.Stop();
#ifndef PROACTIVE_CONNECTORS_SMS_KANNEL_CALLBACK_SERVER_H_
#define PROACTIVE_CONNECTORS_SMS_KANNEL_CALLBACK_SERVER_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "connectors/sms-kannel/gateway_api.h"
#include "connectors/sms-kannel/send_journal.h"
#include "connectors/sms-kannel/sms_counters.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace proactive {

struct CallbackOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port (see port())
  // For national numbers from the SMS centre ("06..." -> "+336...").
  std::string country_code = "33";
};

class CallbackServer {
 public:
  // Pointers are not owned and must outlive the server; `journal` may be
  // null (no acknowledgement from delivery reports).
  CallbackServer(GatewayApi* engine, SmsCounters* counters, CallbackOptions options, SendJournal* journal = nullptr);
  ~CallbackServer();
  CallbackServer(const CallbackServer&) = delete;
  CallbackServer& operator=(const CallbackServer&) = delete;

  // Binds and serves on a thread. UNAVAILABLE when the address is taken.
  absl::Status Start();
  // Stops serving and joins the thread. Idempotent.
  void Stop();
  // The bound port. REQUIRES: Start() succeeded.
  int port() const { return port_; }

 private:
  GatewayApi* const engine_;
  SmsCounters* const counters_;
  const CallbackOptions options_;
  SendJournal* const journal_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

// A citizen's SMS as Kannel reports it (get-url escapes, or a line of the
// access log), and the ReportReply request it becomes: the sender
// normalized to E.164, the id from ReplyGatewayId.
struct KannelReply {
  std::string from;       // %p
  std::string to;         // %P
  std::string text;       // UTF-8
  std::string kannel_id;  // %I, may be empty
  absl::Time received_at;
};
v1::ReportReplyRequest MakeReplyRequest(const KannelReply& reply, absl::string_view country_code);

// The part of a delivery report's %A worth keeping: "stat:UNDELIV err:013"
// from an SMPP receipt, whose "text:" field (the start of the message) is
// personal data and dropped; other answers cut to kMaxDlrAnswerBytes. As
// UTF-8 (an SMS centre's ISO-8859-1 converted), cut between characters.
inline constexpr size_t kMaxDlrAnswerBytes = 80;
std::string SanitizeDlrAnswer(absl::string_view answer);

}  // namespace proactive

#endif  // PROACTIVE_CONNECTORS_SMS_KANNEL_CALLBACK_SERVER_H_
