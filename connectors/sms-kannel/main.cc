// proactive-sms-kannel: the SMS gateway between proactived and Kannel.
// Outgoing, it leases messages from the engine (Gateway.LeaseMessages),
// hands each to Kannel's sendsms and acknowledges it once Kannel took it.
// Incoming, it serves Kannel's delivery reports (/dlr) and citizens'
// replies (/mo), answering 200 only once the engine has them. `reconcile`
// re-reports the replies of Kannel's access log. See docs/sms.md.
//
//   KANNEL_SENDSMS_PASSWORD=... proactive-sms-kannel --from=38000
//       --sendsms_url=http://127.0.0.1:13013/cgi-bin/sendsms
//       --listen=127.0.0.1:18080
//   proactive-sms-kannel reconcile --access-log /var/log/kannel/access.log
//   --since 48h
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "connectors/common/checkpoint.h"
#include "connectors/sms-kannel/access_log.h"
#include "connectors/sms-kannel/callback_server.h"
#include "connectors/sms-kannel/gateway_api.h"
#include "connectors/sms-kannel/kannel_sendsms.h"
#include "connectors/sms-kannel/outbox_pump.h"
#include "connectors/sms-kannel/send_journal.h"
#include "engine/common/log.h"
#include "engine/common/sms_length.h"

ABSL_FLAG(std::string, server, "",
          "engine host:port (default $PROACTIVE_SERVER or 127.0.0.1:50051); "
          "TLS and token from PROACTIVE_TLS_CA, PROACTIVE_TLS_CERT, "
          "PROACTIVE_TLS_KEY, PROACTIVE_TOKEN");
ABSL_FLAG(std::string, sendsms_url, "http://127.0.0.1:13013/cgi-bin/sendsms", "Kannel smsbox's sendsms URL");
ABSL_FLAG(std::string, kannel_user, "proactive", "username of Kannel's sendsms-user group");
ABSL_FLAG(std::string, kannel_password_env, "KANNEL_SENDSMS_PASSWORD",
          "environment variable holding that user's password");
ABSL_FLAG(std::string, from, "", "the city's sender number or short code");
ABSL_FLAG(std::string, smsc, "", "smsc-id to send through ('' : Kannel routes)");
ABSL_FLAG(int, dlr_mask, 3,
          "delivery reports asked for: 1 delivered + 2 failed; 19 adds "
          "rejections by the SMS centre. A decision's time to contest starts when its SMS is delivered");
ABSL_FLAG(int, max_parts, proactive::kDefaultSmsMaxParts,
          "Kannel's max-messages: longer messages are refused, not cut (city.yaml sms_max_parts must agree)");
ABSL_FLAG(std::string, coding, "auto", "auto: GSM 03.38 when every character fits, else UCS-2; ucs2: always");
ABSL_FLAG(std::string, listen, "127.0.0.1:18080", "address of the /dlr and /mo endpoints Kannel calls");
ABSL_FLAG(std::string, callback_url, "", "how Kannel reaches those endpoints (default http://<listen>)");
ABSL_FLAG(std::string, country_code, "33", "country code for national numbers from the SMS centre (06... -> +336...)");
ABSL_FLAG(std::string, journal, "sms-kannel.journal", "the send journal: ids of messages handed to Kannel");
ABSL_FLAG(int, batch, 20, "messages per lease");
ABSL_FLAG(int, lease_seconds, 60, "how long a leased message is ours");
ABSL_FLAG(absl::Duration, idle_wait, absl::Seconds(2), "wait after a lease that brought nothing");
ABSL_FLAG(absl::Duration, max_backoff, absl::Seconds(30), "longest wait after errors of Kannel or the engine");
ABSL_FLAG(absl::Duration, report_interval, absl::Minutes(1), "how often the counters are logged");
ABSL_FLAG(std::string, ready_file, "", "written with the callback address once serving");
ABSL_FLAG(std::string, test_crash_at, "", "tests only: after_kannel_accepted or after_journal_sent");
ABSL_FLAG(std::string, access_log, "", "reconcile: Kannel's access log");
ABSL_FLAG(std::string, since, "",
          "reconcile: replies received since this time (RFC 3339) or this "
          "long ago (48h); default everything");
ABSL_FLAG(std::string, log_timezone, "localtime",
          "reconcile: zone of the log's leading dates, for lines without [ts:]");

namespace proactive {
namespace {

std::string EngineAddressFromFlags() { return EngineAddress(absl::GetFlag(FLAGS_server)); }

int Fail(absl::string_view message) {
  std::fprintf(stderr, "proactive-sms-kannel: %s\n", std::string(message).c_str());
  return 2;
}

int Reconcile() {
  const std::string path = absl::GetFlag(FLAGS_access_log);
  if (path.empty()) return Fail("reconcile needs --access-log=FILE");
  std::ifstream log(path);
  if (!log) return Fail(absl::StrCat("cannot read ", path));
  ReconcileOptions options;
  options.country_code = absl::GetFlag(FLAGS_country_code);
  const std::string zone = absl::GetFlag(FLAGS_log_timezone);
  if (!absl::LoadTimeZone(zone, &options.zone)) return Fail(absl::StrCat("unknown --log_timezone ", zone));
  const std::string since = absl::GetFlag(FLAGS_since);
  if (!since.empty()) {
    absl::Duration ago;
    std::string error;
    if (absl::ParseDuration(since, &ago)) {
      options.since = absl::Now() - ago;
    } else if (!absl::ParseTime(absl::RFC3339_full, since, &options.since, &error)) {
      return Fail(absl::StrCat("--since=", since,
                               " is neither a time (2026-06-29T08:00:00Z) "
                               "nor a duration (48h)"));
    }
  }
  absl::StatusOr<std::unique_ptr<GatewayApi>> engine =
      ConnectGateway(EngineConnection::FromEnvironment(EngineAddressFromFlags()));
  if (!engine.ok()) return Fail(engine.status().message());
  absl::StatusOr<ReconcileReport> report = ReconcileAccessLog(log, engine->get(), options);
  if (!report.ok()) return Fail(report.status().message());
  std::printf("reconciled %s with %s\n  %s\n", path.c_str(), EngineAddressFromFlags().c_str(),
              report->Summary().c_str());
  if (report->without_id > 0) {
    std::printf(
        "  lines without [ID:%%I] cannot be matched to what the engine has: "
        "set bearerbox's access-log-format as docs/sms.md says\n");
  }
  return report->unreadable > 0 || report->without_id > 0 ? 1 : 0;
}

// Blocks SIGTERM and SIGINT in every thread; a watcher thread waits for
// them. Call before starting threads.
sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

int Serve() {
  const sigset_t stop_signals = BlockStopSignals();
  const std::string password_env = absl::GetFlag(FLAGS_kannel_password_env);
  const char* password = std::getenv(password_env.c_str());
  if (password == nullptr || *password == '\0') {
    return Fail(absl::StrCat("set $", password_env, " to the password of Kannel's sendsms-user"));
  }
  const std::string coding = absl::GetFlag(FLAGS_coding);
  if (coding != "auto" && coding != "ucs2") return Fail("--coding is auto or ucs2");
  const std::string crash = absl::GetFlag(FLAGS_test_crash_at);
  PumpOptions pump_options;
  if (crash == "after_kannel_accepted") {
    pump_options.crash = CrashPoint::kAfterKannelAccepted;
  } else if (crash == "after_journal_sent") {
    pump_options.crash = CrashPoint::kAfterJournalSent;
  } else if (!crash.empty()) {
    return Fail("--test_crash_at is after_kannel_accepted or after_journal_sent");
  }
  const std::string listen = absl::GetFlag(FLAGS_listen);
  CallbackOptions callback_options;
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &callback_options.port)) {
    return Fail("--listen is HOST:PORT");
  }
  callback_options.host = listen.substr(0, colon);
  callback_options.country_code = absl::GetFlag(FLAGS_country_code);

  absl::StatusOr<std::unique_ptr<SendJournal>> journal = SendJournal::Open(absl::GetFlag(FLAGS_journal));
  if (!journal.ok()) return Fail(journal.status().message());
  absl::StatusOr<std::unique_ptr<GatewayApi>> engine =
      ConnectGateway(EngineConnection::FromEnvironment(EngineAddressFromFlags()));
  if (!engine.ok()) return Fail(engine.status().message());

  SmsCounters counters;
  CallbackServer callbacks(engine->get(), &counters, callback_options, journal->get());
  if (absl::Status started = callbacks.Start(); !started.ok()) return Fail(started.message());
  const std::string address = absl::StrCat(callback_options.host, ":", callbacks.port());
  std::string callback_url = absl::GetFlag(FLAGS_callback_url);
  if (callback_url.empty()) callback_url = absl::StrCat("http://", address);
  while (!callback_url.empty() && callback_url.back() == '/') callback_url.pop_back();

  KannelOptions kannel_options;
  kannel_options.sendsms_url = absl::GetFlag(FLAGS_sendsms_url);
  kannel_options.username = absl::GetFlag(FLAGS_kannel_user);
  kannel_options.password = password;
  kannel_options.from = absl::GetFlag(FLAGS_from);
  kannel_options.smsc = absl::GetFlag(FLAGS_smsc);
  kannel_options.dlr_mask = absl::GetFlag(FLAGS_dlr_mask);
  kannel_options.dlr_url = absl::StrCat(callback_url, "/dlr");
  kannel_options.max_parts = std::max(1, absl::GetFlag(FLAGS_max_parts));
  kannel_options.coding = coding == "ucs2" ? CodingPolicy::kUcs2 : CodingPolicy::kAuto;
  KannelSendsms kannel(kannel_options);

  pump_options.max_messages = std::max(1, absl::GetFlag(FLAGS_batch));
  pump_options.lease_seconds = std::max(5, absl::GetFlag(FLAGS_lease_seconds));
  pump_options.idle_wait = absl::GetFlag(FLAGS_idle_wait);
  pump_options.max_backoff = absl::GetFlag(FLAGS_max_backoff);
  OutboxPump pump(engine->get(), &kannel, journal->get(), &counters, pump_options);

  const std::vector<std::string> ambiguous = (*journal)->Ambiguous();
  LogInfo("sms", absl::StrCat("serving /dlr and /mo on ", address, " for Kannel at ", kannel_options.sendsms_url,
                              "; engine ", EngineAddressFromFlags(), "; journal ", (*journal)->path(), " (",
                              (*journal)->SentNotAcked().size(), " to acknowledge, ", ambiguous.size(),
                              " to send again after a crash)"));
  if ((kannel_options.dlr_mask & 1) == 0) {
    LogWarning("sms", absl::StrCat("--dlr_mask=", kannel_options.dlr_mask,
                                   " asks for no delivery reports: no SMS will start a decision's time to contest, "
                                   "only letters and replies quoting a code will (docs/decisions.md)"));
  }
  if (const std::string ready = absl::GetFlag(FLAGS_ready_file); !ready.empty()) {
    if (absl::Status written = WriteFileAtomically(ready, address + "\n"); !written.ok()) {
      return Fail(written.message());
    }
  }

  absl::Notification stopped;
  std::thread watcher([&] {
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    LogInfo("sms", absl::StrCat("signal ", signal_number, ": stopping"));
    pump.Stop();
    stopped.Notify();
  });
  std::thread reporter([&] {
    const absl::Duration every = absl::GetFlag(FLAGS_report_interval);
    std::string last;
    while (!stopped.WaitForNotificationWithTimeout(every)) {
      std::string now = counters.Summary();
      if (now != last) LogInfo("sms", now);
      last = now;
    }
  });
  pump.Run();
  stopped.WaitForNotification();
  watcher.join();
  reporter.join();
  callbacks.Stop();
  LogInfo("sms", absl::StrCat("stopped: ", counters.Summary()));
  return 0;
}

// Lets flags be written with dashes (--access-log) as well as underscores.
void UnderscoreFlagNames(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    char* arg = argv[i];
    if (arg[0] != '-' || arg[1] != '-') continue;
    for (char* c = arg + 2; *c != '\0' && *c != '='; ++c) {
      if (*c == '-') *c = '_';
    }
  }
}

}  // namespace
}  // namespace proactive

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "the SMS gateway between proactived and Kannel (docs/sms.md).\n"
      "  KANNEL_SENDSMS_PASSWORD=... proactive-sms-kannel --from=38000 "
      "[--listen=127.0.0.1:18080]\n"
      "  proactive-sms-kannel reconcile --access-log=FILE [--since=48h]\n"
      "Exit code: 0 ok; reconcile 1 when lines were skipped; 2 errors.");
  bool reconcile = false;
  std::vector<char*> args(argv, argv + argc);
  if (argc > 1 && std::string(argv[1]) == "reconcile") {
    reconcile = true;
    args.erase(args.begin() + 1);
  }
  proactive::UnderscoreFlagNames(static_cast<int>(args.size()), args.data());
  absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  int code = reconcile ? proactive::Reconcile() : proactive::Serve();
  std::fflush(stdout);
  std::fflush(stderr);
  _exit(code);
}
