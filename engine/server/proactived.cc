// proactived: the proactive engine daemon.
//
//   proactived --data_dir=var/data --rules_dir=rules --listen=127.0.0.1:50051
//
// Starts on its embedded RocksDB, serves gRPC until SIGTERM or SIGINT, then
// stops accepting calls, drains what is in flight, syncs and closes the
// store. SIGHUP reloads the attribute schema (a broken one is refused and the
// current one kept).
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "engine/common/clock.h"
#include "engine/common/diagnostic.h"
#include "engine/common/log.h"
#include "engine/common/status_macros.h"
#include "engine/common/swappable.h"
#include "engine/ingest/event_applier.h"
#include "engine/ingest/event_writer.h"
#include "engine/schema/attribute_schema.h"
#include "engine/service/grpc_server.h"
#include "engine/service/ingestion_service.h"
#include "engine/service/persons_service.h"
#include "engine/service/reference_service.h"
#include "engine/store/store.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "host:port to serve gRPC on; port 0 picks a free port (see --ready_file)");
ABSL_FLAG(std::string, data_dir, "var/data", "directory of the embedded RocksDB database");
ABSL_FLAG(std::string, rules_dir, "rules", "directory with schema.yaml and the rule packs");
ABSL_FLAG(std::string, durability, "sync",
          "sync: acknowledge events only once fsynced (production); "
          "async: acknowledge once written, a power cut may lose recent events (development)");
ABSL_FLAG(std::string, ready_file, "",
          "when set, the bound host:port is written to this file once serving");
ABSL_FLAG(int, max_message_bytes, 4 << 20, "largest gRPC request accepted");
ABSL_FLAG(int, max_event_bytes, 64 << 10, "largest single event accepted");
ABSL_FLAG(int64_t, max_reference_rows, 2'000'000, "largest reference table accepted (rows)");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warning or error");

namespace proactive {
namespace {

absl::StatusOr<std::shared_ptr<const AttributeSchema>> LoadSchema(const std::string& rules_dir) {
  std::vector<Diagnostic> diagnostics;
  std::string path = absl::StrCat(rules_dir, "/schema.yaml");
  absl::StatusOr<AttributeSchema> schema = AttributeSchema::LoadFile(path, &diagnostics);
  if (!schema.ok()) {
    return absl::Status(schema.status().code(),
                        absl::StrCat(schema.status().message(), "\n", FormatDiagnostics(diagnostics)));
  }
  return std::make_shared<const AttributeSchema>(*std::move(schema));
}

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
    return absl::InvalidArgumentError(
        absl::StrCat("--durability must be sync or async, not \"", durability, "\""));
  }
  // Block the signals we handle before any thread starts, so that only the
  // sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const std::string rules_dir = absl::GetFlag(FLAGS_rules_dir);
  ASSIGN_OR_RETURN(std::shared_ptr<const AttributeSchema> initial_schema, LoadSchema(rules_dir));
  Swappable<AttributeSchema> schema(initial_schema);

  StoreOptions store_options;
  store_options.path = absl::GetFlag(FLAGS_data_dir);
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store, Store::Open(store_options));
  ASSIGN_OR_RETURN(std::unique_ptr<EventApplier> applier, EventApplier::Create(store.get()));
  LogInfo("proactived", absl::StrCat("opened ", store_options.path, " (event log at sequence ",
                                     applier->last_sequence(), ")"));

  EventWriterOptions writer_options;
  writer_options.sync = durability == "sync";
  auto writer = std::make_unique<EventWriter>(applier.get(), store.get(), SystemClock(), writer_options);

  IngestionServiceDeps ingestion_deps{&schema, writer.get(), SystemClock(), IngestLimits()};
  ingestion_deps.limits.max_event_bytes = absl::GetFlag(FLAGS_max_event_bytes);
  std::unique_ptr<grpc::Service> ingestion = NewIngestionService(ingestion_deps);
  std::unique_ptr<grpc::Service> persons = NewPersonsService(store.get());
  ReferenceServiceDeps reference_deps{&schema, store.get(), SystemClock()};
  reference_deps.max_rows = static_cast<size_t>(absl::GetFlag(FLAGS_max_reference_rows));
  std::unique_ptr<grpc::Service> reference = NewReferenceService(reference_deps);

  GrpcServerOptions server_options;
  server_options.listen_address = absl::GetFlag(FLAGS_listen);
  server_options.max_receive_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  ASSIGN_OR_RETURN(std::unique_ptr<GrpcServer> server,
                   GrpcServer::Start(server_options,
                                     {ingestion.get(), persons.get(), reference.get()}));
  LogInfo("proactived", absl::StrCat("serving on ", server->address(), " (durability ",
                                     durability, ")"));
  if (const std::string ready = absl::GetFlag(FLAGS_ready_file); !ready.empty()) {
    RETURN_IF_ERROR(WriteReadyFile(ready, server->address()));
  }

  for (;;) {
    int signal_number = 0;
    sigwait(&signals, &signal_number);
    if (signal_number == SIGHUP) {
      absl::StatusOr<std::shared_ptr<const AttributeSchema>> reloaded = LoadSchema(rules_dir);
      if (reloaded.ok()) {
        schema.Set(*std::move(reloaded));
        LogInfo("proactived", "SIGHUP: schema reloaded");
      } else {
        LogError("proactived", absl::StrCat("SIGHUP: schema refused, keeping the current one: ",
                                            reloaded.status().message()));
      }
      continue;
    }
    LogInfo("proactived", absl::StrCat("signal ", signal_number, ": shutting down"));
    break;
  }
  server->Shutdown(absl::Seconds(10));  // stop accepting, drain calls in flight
  writer->Stop();                       // apply and sync what is queued
  EventWriterStats stats = writer->stats();
  writer.reset();
  RETURN_IF_ERROR(store->Close());
  LogInfo("proactived", absl::StrCat("stopped cleanly after ", stats.events, " events in ",
                                     stats.groups, " group commits"));
  return absl::OkStatus();
}

}  // namespace
}  // namespace proactive

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "proactive engine daemon.\n  proactived --data_dir=DIR --rules_dir=rules [--listen=HOST:PORT]");
  absl::ParseCommandLine(argc, argv);
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
