// Runs the real Kannel 1.4.5 (Debian's bearerbox and smsbox, and fakesmsc
// from kannel-extras as the SMS centre's other end) on loopback for a test,
// with a configuration written into the test's directory from
// /work/shared/kannel/loopback.conf's verified settings, on free ports.
//
//   KannelLoopback kannel(dir.path() + "/kannel", {.mo_url = connector_url});
//   ASSERT_THAT(kannel.Start(), IsOk());
//   ... sendsms on kannel.sendsms_url(), user "svc", password "svcpw" ...
//   kannel.InjectReply("+33639980002", "OUI K7X2");   // a citizen answers
//   std::vector<FakeSmscMessage> got = kannel.Received();  // what phones got
//   kannel.Stop();  // fakesmsc, smsbox, then bearerbox
//
// bearerbox writes its access log (access.log, the format docs/sms.md
// recommends) and logs into the directory.
#ifndef PROACTIVE_TESTS_CONNECTORS_KANNEL_LOOPBACK_H_
#define PROACTIVE_TESTS_CONNECTORS_KANNEL_LOOPBACK_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace proactive::testing {

struct KannelLoopbackOptions {
  // Base URL of the connector's endpoints ("http://127.0.0.1:PORT"): smsbox
  // posts replies to <mo_url>/mo.
  std::string mo_url;
  // The city's number replies are sent to.
  std::string short_number = "38000";
};

// One SMS as a phone received it, long messages reassembled.
struct FakeSmscMessage {
  std::string from;
  std::string to;
  std::string text;  // UTF-8
  int parts = 1;
};

class KannelLoopback {
 public:
  KannelLoopback(std::string dir, KannelLoopbackOptions options);
  // Stops whatever still runs (SIGKILL if it must).
  ~KannelLoopback();
  KannelLoopback(const KannelLoopback&) = delete;
  KannelLoopback& operator=(const KannelLoopback&) = delete;

  // Writes kannel.conf and starts bearerbox, fakesmsc and smsbox, waiting
  // until fakesmsc is connected and sendsms answers. The status carries the
  // end of the logs when something does not come up.
  absl::Status Start();
  // SIGTERM in the order Kannel's README asks (fakesmsc, smsbox,
  // bearerbox), waiting for each. Idempotent.
  void Stop();
  // SIGKILL to smsbox only (a crash during its retry window). smsbox is not
  // restarted by this harness; StartSmsbox() brings it back.
  void KillSmsbox();
  absl::Status StartSmsbox();
  // Starts smsbox again if it died on its own, as Debian's run_kannel_box
  // does in production: Kannel 1.4.5's smsbox can PANIC in conn_unregister
  // when the connector it posts to dies. What bearerbox had not yet handed
  // to it reaches the new smsbox; what smsbox held (a delivery report it was
  // calling back) is lost with it. True when it restarted smsbox.
  absl::StatusOr<bool> RestartSmsboxIfItDied();
  int smsbox_restarts() const { return smsbox_restarts_; }

  // A citizen's SMS, through fakesmsc's stdin ("FROM TO text BODY"). Waits
  // (up to 30 s) until bearerbox logged it as received; false otherwise.
  bool InjectReply(const std::string& from, const std::string& text);

  // Every message fakesmsc received so far, in order.
  std::vector<FakeSmscMessage> Received() const;
  // Those sent to `to`.
  std::vector<FakeSmscMessage> ReceivedBy(const std::string& to) const;

  std::string sendsms_url() const;  // http://127.0.0.1:PORT/cgi-bin/sendsms
  const std::string& dir() const { return dir_; }
  std::string access_log() const { return dir_ + "/access.log"; }
  // The end of bearerbox's, smsbox's and fakesmsc's logs, for failures.
  std::string LogTails() const;

 private:
  absl::Status StartOnce();  // on new free ports
  absl::Status StartFakesmsc();
  int CountInAccessLog(const std::string& needle) const;

  std::string dir_;
  KannelLoopbackOptions options_;
  int admin_port_ = 0;
  int smsbox_port_ = 0;
  int sendsms_port_ = 0;
  int smsc_port_ = 0;
  pid_t bearerbox_ = -1;
  pid_t smsbox_ = -1;
  int smsbox_restarts_ = 0;
  pid_t fakesmsc_ = -1;
  int fakesmsc_stdin_ = -1;
};

// Parses fakesmsc's "Got message N: <FROM TO text BODY>" lines (and the
// "udh UDH data DATA" / "data DATA" forms, percent-encoded, UCS-2 when it
// holds NUL bytes), reassembling concatenated parts.
std::vector<FakeSmscMessage> ParseFakesmscOutput(const std::string& output);

// A TCP port free on 127.0.0.1 right now, not handed out before by this
// process (so that two picks in a row never give one port twice).
int FreeLoopbackPort();

}  // namespace proactive::testing

#endif  // PROACTIVE_TESTS_CONNECTORS_KANNEL_LOOPBACK_H_
