// Hands one message to Kannel's smsbox over its HTTP sendsms interface
// (GET /cgi-bin/sendsms, Kannel 1.4 user guide, "Sending SMS via HTTP"):
//
//   username, password   a sendsms-user of smsbox
//   from, to, smsc       the city's sender, the citizen's number, the route
//   text, charset=UTF-8  the message; coding=0 (GSM 03.38) when every
//                        character fits, else coding=2 (UCS-2)
//   dlr-mask, dlr-url    delivery reports: 1 delivered, 2 failed (mask 3);
//                        the dlr-url is <callback>/dlr?id=<message id>&
//                        status=%d&answer=%A, Kannel filling %d and %A
//   binfo                the message id again, so that Kannel's access log
//                        shows which outbox message every "Sent SMS" was
//
//   KannelSendsms kannel(options);
//   SendResult result = kannel.Send(sms);
//   if (result.outcome == SendOutcome::kAccepted) ... acknowledge
//
// Kannel answers 202 "0: Accepted for delivery" once the message is queued
// in bearerbox. The password travels in the query string: never log URLs.
// Not thread-safe: one call at a time.
#ifndef PROACTIVE_CONNECTORS_SMS_KANNEL_KANNEL_SENDSMS_H_
#define PROACTIVE_CONNECTORS_SMS_KANNEL_KANNEL_SENDSMS_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "engine/common/sms_length.h"
#include "proactive/v1/gateway.pb.h"

namespace httplib {
class Client;
}  // namespace httplib

namespace proactive {

enum class CodingPolicy {
  kAuto,  // GSM 03.38 when every character fits, else UCS-2
  kUcs2,  // always UCS-2
};

struct KannelOptions {
  // smsbox's sendsms endpoint, e.g. "http://127.0.0.1:13013/cgi-bin/sendsms".
  std::string sendsms_url;
  std::string username;
  std::string password;  // from the environment, never from a file of the repo
  std::string from;      // the city's sender number or short code
  std::string smsc;      // smsc-id to route through; "" lets Kannel route
  int dlr_mask = 3;      // 1 delivered + 2 failed; 19 adds SMSC rejections
  // Where Kannel calls back with delivery reports, e.g.
  // "http://127.0.0.1:18080/dlr".
  std::string dlr_url;
  CodingPolicy coding = CodingPolicy::kAuto;
  // Kannel's max-messages for the sendsms-user: a longer message would be
  // cut (its reference code and legal notice last), so it is refused here.
  int max_parts = kDefaultSmsMaxParts;
  absl::Duration connect_timeout = absl::Seconds(5);
  absl::Duration read_timeout = absl::Seconds(30);
};

enum class SendOutcome {
  kAccepted,     // 2xx: Kannel has it
  kUnavailable,  // Kannel certainly did not take it (down, 5xx, 403): retry
  kAmbiguous,    // the request went out and no answer came back: it may
                 // have been queued
  kRefused,      // 4xx other than 403, or too long: never sent as it is
};

struct SendResult {
  SendOutcome outcome = SendOutcome::kUnavailable;
  int http_status = 0;
  // Kannel's answer body, or the transport error (no personal data).
  std::string detail;
  // An id in Kannel's answer ("0: Accepted for delivery: <id>"), else "".
  std::string gateway_message_id;
  int coding = 0;
  int parts = 1;
};

class KannelSendsms {
 public:
  explicit KannelSendsms(KannelOptions options);
  ~KannelSendsms();
  KannelSendsms(const KannelSendsms&) = delete;
  KannelSendsms& operator=(const KannelSendsms&) = delete;

  SendResult Send(const v1::OutgoingSms& sms);

  // The path and query of the sendsms call for `sms` (tests). Empty when the
  // message id cannot go into a dlr-url.
  std::string RequestTarget(const v1::OutgoingSms& sms, int coding) const;

 private:
  KannelOptions options_;
  std::string origin_;  // scheme://host:port
  std::string path_;    // /cgi-bin/sendsms
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace proactive

#endif  // PROACTIVE_CONNECTORS_SMS_KANNEL_KANNEL_SENDSMS_H_
