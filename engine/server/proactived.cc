// proactived: the proactive engine daemon.
//
//   proactived --data_dir=var/data --rules_dir=rules --listen=127.0.0.1:50051
//
// Starts on its embedded RocksDB, serves gRPC (mutual TLS; --insecure for
// local development) until SIGTERM or SIGINT, then stops accepting calls,
// drains what is in flight, syncs and closes the store. SIGHUP reloads the
// rule packs (with the attribute schema) and the access file; a broken one is
// refused and the running one kept.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "engine/common/clock.h"
#include "engine/common/diagnostic.h"
#include "engine/common/log.h"
#include "engine/common/offset_clock.h"
#include "engine/common/status_macros.h"
#include "engine/common/swappable.h"
#include "engine/common/text_formats.h"
#include "engine/ingest/event_applier.h"
#include "engine/ingest/event_writer.h"
#include "engine/schema/attribute_schema.h"
#include "engine/schema/yaml_file.h"
#include "engine/service/access_control.h"
#include "engine/service/audit_service.h"
#include "engine/service/decisions_service.h"
#include "engine/service/gateway_service.h"
#include "engine/service/grpc_server.h"
#include "engine/service/ingestion_service.h"
#include "engine/service/persons_service.h"
#include "engine/service/recourse_service.h"
#include "engine/service/reference_service.h"
#include "engine/service/rules_admin_service.h"
#include "engine/service/rules_holder.h"
#include "engine/store/store.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "host:port to serve gRPC on; port 0 picks a free port (see --ready_file)");
ABSL_FLAG(std::string, data_dir, "var/data", "directory of the embedded RocksDB database");
ABSL_FLAG(std::string, rules_dir, "rules", "directory with schema.yaml and the rule packs");
ABSL_FLAG(std::string, durability, "sync",
          "sync: acknowledge events only once fsynced (production); "
          "async: acknowledge once written, a power cut may lose recent events "
          "(development)");
ABSL_FLAG(std::string, ready_file, "", "when set, the bound host:port is written to this file once serving");
ABSL_FLAG(int, max_message_bytes, 4 << 20, "largest gRPC request accepted");
ABSL_FLAG(int, max_event_bytes, 64 << 10, "largest single event accepted");
ABSL_FLAG(int64_t, max_ingest_bytes_in_flight, 64 << 20,
          "events read from clients and not yet applied, over all calls (each counts its size, at "
          "least 4 KiB); when reached, streams stop reading until the writer catches up");
ABSL_FLAG(absl::Duration, min_client_ping_interval, absl::Seconds(30),
          "keepalive enforcement: a client pinging more often than this while no data flows (or "
          "with no call in flight) earns a strike, and is disconnected (GOAWAY) after --max_ping_strikes");
ABSL_FLAG(int, max_ping_strikes, 2, "keepalive pings too early tolerated before GOAWAY");
ABSL_FLAG(absl::Duration, max_connection_idle, absl::Minutes(15),
          "close a connection that has had no call for this long (clients reconnect on demand)");
ABSL_FLAG(absl::Duration, max_connection_age, absl::Hours(1),
          "ask connections older than this to reconnect (GOAWAY); calls in flight may finish");
ABSL_FLAG(absl::Duration, max_connection_age_grace, absl::Minutes(10),
          "how long calls in flight may go on on a connection past --max_connection_age");
ABSL_FLAG(int, max_concurrent_streams, 1000, "concurrent calls per connection");
ABSL_FLAG(int, stream_receive_window_bytes, 256 << 10,
          "HTTP/2 window of each call: how much a client may send ahead of what the engine reads "
          "(0 = grow with the measured bandwidth, gRPC's default)");
ABSL_FLAG(int64_t, max_transport_memory_bytes, 256 << 20,
          "memory gRPC may use for connections and their buffers; under pressure it shrinks "
          "flow-control windows so that fast clients wait (0 = unlimited)");
ABSL_FLAG(int64_t, max_reference_rows, 2'000'000, "largest reference table accepted (rows)");
ABSL_FLAG(int, sweep_threads, 2,
          "threads deciding a sweep's chunk (broadcasts, daily ticks): the event writer's and helpers");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warning or error");
ABSL_FLAG(bool, insecure, false,
          "local development only: plaintext gRPC, and without --access_file "
          "every caller has every role");
ABSL_FLAG(std::string, tls_cert, "", "PEM file: the server's certificate chain (mutual TLS)");
ABSL_FLAG(std::string, tls_key, "", "PEM file: the server's private key");
ABSL_FLAG(std::string, tls_client_ca, "", "PEM file: the CA that signs client certificates");
ABSL_FLAG(std::string, access_file, "",
          "YAML file of principals (certificate names or token hashes) and "
          "their roles; "
          "required unless --insecure (see deploy/config/access.yaml)");
ABSL_FLAG(std::string, clock_start, "",
          "demos and tests only: the engine's clock starts at this RFC 3339 "
          "time and runs from there");
ABSL_FLAG(bool, daily_schedule, true,
          "run time-driven rules once a day (at start, then at each new day in "
          "the city's time zone)");
ABSL_FLAG(std::string, health_listen, "",
          "host:port of a plaintext listener serving only the gRPC health "
          "service, for probes");

namespace proactive {
namespace {

absl::StatusOr<std::shared_ptr<const AccessPolicy>> LoadAccessPolicy() {
  const std::string path = absl::GetFlag(FLAGS_access_file);
  if (path.empty()) {
    if (!absl::GetFlag(FLAGS_insecure)) {
      return absl::InvalidArgumentError(
          "--access_file is required (who may call what); "
          "--insecure alone is for local development");
    }
    LogWarning("proactived", "--insecure without --access_file: every caller has every role");
    return std::make_shared<const AccessPolicy>(AccessPolicy::AllowEveryoneForDevelopment());
  }
  std::vector<Diagnostic> diagnostics;
  absl::StatusOr<AccessPolicy> policy = AccessPolicy::LoadFile(path, &diagnostics);
  if (!policy.ok()) {
    return absl::Status(policy.status().code(),
                        absl::StrCat(policy.status().message(), "\n", FormatDiagnostics(diagnostics)));
  }
  return std::make_shared<const AccessPolicy>(*std::move(policy));
}

absl::Status ReadTlsOptions(GrpcServerOptions* options) {
  const std::string cert = absl::GetFlag(FLAGS_tls_cert), key = absl::GetFlag(FLAGS_tls_key),
                    ca = absl::GetFlag(FLAGS_tls_client_ca);
  if (cert.empty() && key.empty() && ca.empty()) {
    if (absl::GetFlag(FLAGS_insecure)) return absl::OkStatus();
    return absl::InvalidArgumentError(
        "mutual TLS is required: pass --tls_cert, --tls_key and "
        "--tls_client_ca "
        "(deploy/certs/make-dev-certs.sh makes development ones), or "
        "--insecure for local development");
  }
  if (cert.empty() || key.empty() || ca.empty()) {
    return absl::InvalidArgumentError("--tls_cert, --tls_key and --tls_client_ca go together");
  }
  ASSIGN_OR_RETURN(options->tls_cert_chain, ReadTextFile(cert));
  ASSIGN_OR_RETURN(options->tls_private_key, ReadTextFile(key));
  ASSIGN_OR_RETURN(options->tls_client_ca, ReadTextFile(ca));
  return absl::OkStatus();
}

// Runs the daily schedule once per day of the city: at start, then whenever
// the city's date changes. Ticks are idempotent, so a restart on the same day
// changes nothing.
class DailyScheduler {
 public:
  DailyScheduler(EventWriter* writer, const RulesHolder* rules, Clock* clock)
      : writer_(writer), rules_(rules), clock_(clock), thread_([this] { Run(); }) {}
  ~DailyScheduler() {
    stop_.Notify();
    thread_.join();
  }

 private:
  void Run() {
    absl::CivilDay last(1, 1, 1);
    do {
      absl::TimeZone zone = absl::UTCTimeZone();
      if (auto rules = rules_->rules().Get()) zone = ZoneOrUtc(rules->city().timezone);
      absl::CivilDay today = absl::ToCivilDay(clock_->Now(), zone);
      if (today > last) {
        last = today;
        writer_->SubmitTick(today, [today](absl::StatusOr<TickOutcome> outcome) {
          if (!outcome.ok()) {
            LogWarning("schedule",
                       absl::StrCat("daily evaluation of ", FormatIsoDate(today), ": ", outcome.status().message()));
          } else if (!outcome->already_ran) {
            LogInfo("schedule", absl::StrCat("daily evaluation of ", FormatIsoDate(today), ": ", outcome->persons,
                                             " persons, ", outcome->decisions, " decisions"));
          }
        });
      }
    } while (!stop_.WaitForNotificationWithTimeout(absl::Seconds(30)));
  }

  EventWriter* writer_;
  const RulesHolder* rules_;
  Clock* clock_;
  absl::Notification stop_;
  std::thread thread_;
};

absl::Status WriteReadyFile(const std::string& path, const std::string& address) {
  std::string temp = absl::StrCat(path, ".tmp");
  {
    std::ofstream out(temp, std::ios::trunc);
    out << address << "\n";
    if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", temp));
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat("cannot rename ", temp, " to ", path));
  }
  return absl::OkStatus();
}

absl::Status Run() {
  const std::string durability = absl::GetFlag(FLAGS_durability);
  if (durability != "sync" && durability != "async") {
    return absl::InvalidArgumentError(absl::StrCat("--durability must be sync or async, not \"", durability, "\""));
  }
  // Block the signals we handle before any thread starts, so that only the
  // sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  GrpcServerOptions server_options;
  server_options.listen_address = absl::GetFlag(FLAGS_listen);
  server_options.max_receive_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  server_options.health_listen_address = absl::GetFlag(FLAGS_health_listen);
  server_options.min_client_ping_interval = absl::GetFlag(FLAGS_min_client_ping_interval);
  server_options.max_ping_strikes = absl::GetFlag(FLAGS_max_ping_strikes);
  server_options.max_connection_idle = absl::GetFlag(FLAGS_max_connection_idle);
  server_options.max_connection_age = absl::GetFlag(FLAGS_max_connection_age);
  server_options.max_connection_age_grace = absl::GetFlag(FLAGS_max_connection_age_grace);
  server_options.max_concurrent_streams_per_connection = absl::GetFlag(FLAGS_max_concurrent_streams);
  server_options.max_transport_memory_bytes = absl::GetFlag(FLAGS_max_transport_memory_bytes);
  server_options.stream_receive_window_bytes = absl::GetFlag(FLAGS_stream_receive_window_bytes);
  RETURN_IF_ERROR(ReadTlsOptions(&server_options));
  ASSIGN_OR_RETURN(std::shared_ptr<const AccessPolicy> initial_access, LoadAccessPolicy());
  Swappable<AccessPolicy> access(initial_access);

  Clock* clock = SystemClock();
  std::unique_ptr<OffsetClock> offset_clock;
  if (const std::string start = absl::GetFlag(FLAGS_clock_start); !start.empty()) {
    absl::StatusOr<absl::Time> time = ParseRfc3339(start);
    if (!time.ok()) return absl::InvalidArgumentError(absl::StrCat("--clock_start: ", time.status().message()));
    offset_clock = std::make_unique<OffsetClock>(*time);
    clock = offset_clock.get();
    LogWarning("proactived",
               absl::StrCat("--clock_start: the engine's clock starts at ", start, " (demos and tests only)"));
  }

  RulesHolder rules(absl::GetFlag(FLAGS_rules_dir));
  {
    std::vector<Diagnostic> diagnostics;
    absl::Status loaded = rules.Reload(&diagnostics);
    if (!loaded.ok()) {
      return absl::Status(loaded.code(), absl::StrCat(loaded.message(), "\n", FormatDiagnostics(diagnostics)));
    }
  }

  StoreOptions store_options;
  store_options.path = absl::GetFlag(FLAGS_data_dir);
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store, Store::Open(store_options));
  EventApplierOptions applier_options;
  applier_options.sweep_threads = std::max(1, absl::GetFlag(FLAGS_sweep_threads));
  ASSIGN_OR_RETURN(std::unique_ptr<EventApplier> applier,
                   EventApplier::Create(store.get(), &rules.rules(), clock, applier_options));
  LogInfo("proactived",
          absl::StrCat("opened ", store_options.path, " (event log at sequence ", applier->last_sequence(), ")"));

  EventWriterOptions writer_options;
  writer_options.sync = durability == "sync";
  auto writer = std::make_unique<EventWriter>(applier.get(), store.get(), clock, writer_options);

  IngestionServiceDeps ingestion_deps{&access, &rules.schema(), writer.get(), clock, IngestLimits()};
  ingestion_deps.limits.max_event_bytes = absl::GetFlag(FLAGS_max_event_bytes);
  ingestion_deps.max_bytes_in_flight = std::max<int64_t>(absl::GetFlag(FLAGS_max_ingest_bytes_in_flight), 1);
  std::unique_ptr<grpc::Service> ingestion = NewIngestionService(ingestion_deps);
  std::unique_ptr<grpc::Service> persons =
      NewPersonsService(PersonsServiceDeps{&access, store.get(), writer.get(), clock, &rules.schema()});
  std::unique_ptr<grpc::Service> decisions =
      NewDecisionsService(DecisionsServiceDeps{&access, store.get(), writer.get(), &rules, clock});
  std::unique_ptr<grpc::Service> recourse =
      NewRecourseService(RecourseServiceDeps{&access, store.get(), writer.get(), clock, &rules});
  std::unique_ptr<grpc::Service> audit = NewAuditService(&access, store.get(), &rules);
  std::unique_ptr<grpc::Service> gateway = NewGatewayService(&access, writer.get(), clock);
  std::unique_ptr<grpc::Service> rules_admin =
      NewRulesAdminService(RulesAdminDeps{&access, &rules, writer.get(), store.get(), clock});
  ReferenceServiceDeps reference_deps{&access, &rules.schema(), store.get(), writer.get(), clock};
  reference_deps.max_rows = static_cast<size_t>(absl::GetFlag(FLAGS_max_reference_rows));
  std::unique_ptr<grpc::Service> reference = NewReferenceService(reference_deps);

  ASSIGN_OR_RETURN(
      std::unique_ptr<GrpcServer> server,
      GrpcServer::Start(server_options, {ingestion.get(), persons.get(), decisions.get(), rules_admin.get(),
                                         reference.get(), recourse.get(), audit.get(), gateway.get()}));
  LogInfo("proactived", absl::StrCat("serving on ", server->address(), " (",
                                     server_options.tls_cert_chain.empty() ? "plaintext, --insecure" : "mutual TLS",
                                     ", durability ", durability, ")"));
  if (server->health_port() != 0) {
    LogInfo("proactived", absl::StrCat("health checks on port ", server->health_port()));
  }
  if (const std::string ready = absl::GetFlag(FLAGS_ready_file); !ready.empty()) {
    RETURN_IF_ERROR(WriteReadyFile(ready, server->address()));
  }

  std::unique_ptr<DailyScheduler> scheduler;
  if (absl::GetFlag(FLAGS_daily_schedule)) scheduler = std::make_unique<DailyScheduler>(writer.get(), &rules, clock);

  for (;;) {
    int signal_number = 0;
    sigwait(&signals, &signal_number);
    if (signal_number == SIGHUP) {
      LogInfo("proactived", "SIGHUP: reloading the rules and the access policy");
      std::vector<Diagnostic> diagnostics;
      rules.Reload(&diagnostics).IgnoreError();  // a refusal is logged with its diagnostics
      absl::StatusOr<std::shared_ptr<const AccessPolicy>> reloaded_access = LoadAccessPolicy();
      if (reloaded_access.ok()) {
        access.Set(*std::move(reloaded_access));
        LogInfo("proactived", "SIGHUP: access policy reloaded");
      } else {
        LogError("proactived", absl::StrCat("SIGHUP: access file refused, keeping the current one: ",
                                            reloaded_access.status().message()));
      }
      continue;
    }
    LogInfo("proactived", absl::StrCat("signal ", signal_number, ": shutting down"));
    break;
  }
  scheduler.reset();
  server->Shutdown(absl::Seconds(10));  // stop accepting, drain calls in flight
  writer->Stop();                       // apply and sync what is queued
  EventWriterStats stats = writer->stats();
  writer.reset();
  RETURN_IF_ERROR(store->Close());
  LogInfo("proactived",
          absl::StrCat("stopped cleanly after ", stats.events, " events, ", stats.commands, " commands and ",
                       stats.ticks, " daily evaluations in ", stats.groups, " group commits"));
  return absl::OkStatus();
}

}  // namespace
}  // namespace proactive

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "proactive engine daemon.\n  proactived --data_dir=DIR --rules_dir=rules "
      "[--listen=HOST:PORT]");
  absl::ParseCommandLine(argc, argv);
  // Debian builds abseil without NDEBUG, so every absl::Mutex (gRPC's
  // included) records its lock order for deadlock detection: about 7 % of the
  // daemon's CPU per unary call. The tests, which link the same code into
  // their own binaries, keep it on and catch lock-order inversions there.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  const std::string level = absl::GetFlag(FLAGS_log_level);
  proactive::SetLogLevel(level == "debug"     ? proactive::LogLevel::kDebug
                         : level == "warning" ? proactive::LogLevel::kWarning
                         : level == "error"   ? proactive::LogLevel::kError
                                              : proactive::LogLevel::kInfo);
  absl::Status status = proactive::Run();
  if (!status.ok()) proactive::LogError("proactived", status.ToString());
  // Everything is durable and the store is closed. Skip gRPC's global
  // teardown, which waits about two seconds for its timer threads.
  std::fflush(stdout);
  std::fflush(stderr);
  _exit(status.ok() ? 0 : 1);
}
