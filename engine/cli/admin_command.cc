// proactivectl tick | status | rules reload | rules simulate: running the
// rules on the daemon.
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "engine/cli/command_line.h"
#include "engine/cli/command_support.h"
#include "engine/cli/commands.h"
#include "engine/client/channel.h"
#include "engine/rules/rule_set.h"
#include "proactive/v1/rules_admin.grpc.pb.h"

namespace proactive {
namespace {

bool ReadFiles(const std::string& directory, google::protobuf::RepeatedPtrField<v1::RuleSetFile>* out) {
  absl::StatusOr<std::vector<RuleFile>> files = ReadRuleFiles(directory);
  if (!files.ok()) {
    std::fprintf(stderr, "proactivectl rules simulate: %s\n", std::string(files.status().message()).c_str());
    return false;
  }
  for (const RuleFile& f : *files) {
    v1::RuleSetFile* file = out->Add();
    file->set_path(f.path);
    file->set_content(f.text);
  }
  return true;
}

}  // namespace

int RunTickCommand(const std::vector<std::string>& args) {
  constexpr char kUsage[] =
      "usage: proactivectl tick [--date YYYY-MM-DD [--ahead]] [--server HOST:PORT]\n"
      "Runs the daily schedule (time-driven rules: a child turning three, an ID card\n"
      "about to expire) for the day, over the whole population, and waits for it.\n"
      "The daemon does this by itself every day; running it twice changes nothing.\n"
      "--ahead: allow a date after today (demonstrations, tests); the schedule then\n"
      "waits for that day before running again.\n";
  CommandLine line({"server", "date"}, {"help", "ahead"});
  int code = 0;
  if (UsageError("tick", line, line.Parse(args), true, kUsage, &code)) return code;
  EngineConnection connection;
  auto stub = ConnectStub<v1::RulesAdmin>(line, &connection);
  if (stub == nullptr) return kExitUsage;
  grpc::ClientContext context;
  connection.PrepareCall(&context, absl::Hours(1));
  v1::TickRequest request;
  if (line.Has("date")) request.set_date(line.Get("date", ""));
  if (line.Has("ahead")) request.set_ahead(true);
  v1::TickResponse response;
  grpc::Status status = stub->Tick(&context, request, &response);
  if (!status.ok()) return CallFailed("tick", status);
  if (response.already_ran()) {
    std::printf("the daily schedule already ran for %s: nothing to do\n",
                line.Has("date") ? line.Get("date", "").c_str() : "today");
  } else {
    std::printf("daily schedule %s: %lld persons evaluated, %lld decisions\n", line.Get("date", "today").c_str(),
                static_cast<long long>(response.persons()), static_cast<long long>(response.decisions()));
  }
  return kExitOk;
}

int RunStatusCommand(const std::vector<std::string>& args) {
  constexpr char kUsage[] = "usage: proactivectl status [--server HOST:PORT]\n";
  CommandLine line({"server"}, {"help"});
  int code = 0;
  if (UsageError("status", line, line.Parse(args), true, kUsage, &code)) return code;
  EngineConnection connection;
  auto stub = ConnectStub<v1::RulesAdmin>(line, &connection);
  if (stub == nullptr) return kExitUsage;
  grpc::ClientContext context;
  connection.PrepareCall(&context, absl::Seconds(10));
  v1::EngineStatus status;
  v1::GetStatusRequest request;
  request.set_outbox(true);
  grpc::Status rpc = stub->GetStatus(&context, request, &status);
  if (!rpc.ok()) return CallFailed("status", rpc);
  std::printf("engine today %s, event log at %llu, %llu sweeps pending%s, rule set %s\n", status.today().c_str(),
              static_cast<unsigned long long>(status.last_event_sequence()),
              static_cast<unsigned long long>(status.pending_sweeps()),
              status.projection_loading() ? " (population projection loading)" : "",
              status.rule_set_version().substr(0, 12).c_str());
  if (status.has_ingestion()) {
    const v1::IngestionStatus& ingestion = status.ingestion();
    const uint64_t answered = ingestion.events() + ingestion.commands() + ingestion.ticks();
    const uint64_t groups = ingestion.group_commits();
    std::printf("ingestion since the start: %llu events, %llu commands and %llu daily ticks in %llu group commit%s",
                static_cast<unsigned long long>(ingestion.events()),
                static_cast<unsigned long long>(ingestion.commands()),
                static_cast<unsigned long long>(ingestion.ticks()), static_cast<unsigned long long>(groups),
                groups == 1 ? "" : "s");
    if (groups > 0) std::printf(" (%.1f per group)", static_cast<double>(answered) / static_cast<double>(groups));
    std::printf(", %llu queued\n", static_cast<unsigned long long>(ingestion.queued()));
  }
  if (status.has_outbox()) {
    const v1::OutboxStatus& outbox = status.outbox();
    std::printf(
        "outbox: %llu SMS to send: %llu ready, %llu with the gateway, %llu held until later; %llu letters to post\n",
        static_cast<unsigned long long>(outbox.ready() + outbox.with_gateway() + outbox.later()),
        static_cast<unsigned long long>(outbox.ready()), static_cast<unsigned long long>(outbox.with_gateway()),
        static_cast<unsigned long long>(outbox.later()), static_cast<unsigned long long>(outbox.letters()));
  } else {
    std::printf("outbox: not counted (an older engine, or a read failed: see the daemon's log)\n");
  }
  for (const v1::RuleSummary& r : status.rules()) {
    std::printf("  %-40s %-8s %s\n", r.rule_id().c_str(), r.action().c_str(), r.version().substr(0, 12).c_str());
  }
  return kExitOk;
}

int RunReloadCommand(const std::vector<std::string>& args) {
  constexpr char kUsage[] =
      "usage: proactivectl rules reload [--server HOST:PORT]\n"
      "Reloads the daemon's rules directory. A rule set with mistakes is refused with\n"
      "every diagnostic, and the running one stays.\n";
  CommandLine line({"server"}, {"help"});
  int code = 0;
  if (UsageError("rules reload", line, line.Parse(args), true, kUsage, &code)) return code;
  EngineConnection connection;
  auto stub = ConnectStub<v1::RulesAdmin>(line, &connection);
  if (stub == nullptr) return kExitUsage;
  grpc::ClientContext context;
  connection.PrepareCall(&context, absl::Seconds(60));
  v1::ReloadRulesResponse response;
  grpc::Status status = stub->ReloadRules(&context, v1::ReloadRulesRequest(), &response);
  if (!status.ok()) return CallFailed("rules reload", status);
  std::printf("rule set %s is running: %d rules\n", response.rule_set_version().substr(0, 12).c_str(),
              response.rules_size());
  return kExitOk;
}

int RunSimulateCommand(const std::vector<std::string>& args) {
  constexpr char kUsage[] =
      "usage: proactivectl rules simulate --rules DIR [--against DIR2] [--date YYYY-MM-DD]\n"
      "                                   [--broadcast TOPIC:AREA:field=value,field=value] [--server HOST:PORT]\n"
      "Evaluates the rule set of DIR over the population stored in the daemon, without\n"
      "acting: how many persons each rule selects, by arrondissement, and how many it\n"
      "cannot decide. With --against, who would newly be contacted and who no longer.\n"
      "Broadcast rules need --broadcast, e.g. weather.heatwave:75:level=red,episode_id=sim.\n";
  CommandLine line({"server", "rules", "against", "date", "broadcast"}, {"help"});
  int code = 0;
  if (UsageError("rules simulate", line, line.Parse(args), true, kUsage, &code)) return code;
  if (!line.Has("rules")) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  v1::SimulateRequest request;
  if (!ReadFiles(line.Get("rules", ""), request.mutable_files())) return kExitUsage;
  if (line.Has("against") && !ReadFiles(line.Get("against", ""), request.mutable_against())) return kExitUsage;
  if (line.Has("date")) request.set_date(line.Get("date", ""));
  if (line.Has("broadcast")) {
    std::vector<std::string> parts = absl::StrSplit(line.Get("broadcast", ""), absl::MaxSplits(':', 2));
    if (parts.size() != 3) {
      std::fprintf(stderr, "proactivectl rules simulate: --broadcast is TOPIC:AREA:field=value,...\n");
      return kExitUsage;
    }
    v1::BroadcastSpec* b = request.add_broadcasts();
    b->set_topic(parts[0]);
    b->set_area(parts[1]);
    for (absl::string_view pair : absl::StrSplit(parts[2], ',', absl::SkipEmpty())) {
      std::vector<std::string> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
      v1::FieldText* f = b->add_fields();
      f->set_name(kv[0]);
      f->set_value(kv.size() > 1 ? kv[1] : "");
    }
  }
  EngineConnection connection;
  auto stub = ConnectStub<v1::RulesAdmin>(line, &connection);
  if (stub == nullptr) return kExitUsage;
  grpc::ClientContext context;
  connection.PrepareCall(&context, absl::Hours(1));
  v1::SimulateResponse response;
  grpc::Status status = stub->Simulate(&context, request, &response);
  if (!status.ok()) return CallFailed("rules simulate", status);
  std::printf("simulated rule set %s over %lld persons%s\n", response.rule_set_version().substr(0, 12).c_str(),
              static_cast<long long>(response.persons()),
              response.has_against_version()
                  ? absl::StrCat(", against ", response.against_version().substr(0, 12)).c_str()
                  : "");
  for (const v1::RuleCount& r : response.rules()) {
    std::printf("  %-40s selects %6lld, cannot decide %6lld", r.rule_id().c_str(), static_cast<long long>(r.fires()),
                static_cast<long long>(r.undecided()));
    if (response.has_against_version()) {
      std::printf(", newly %lld, no longer %lld", static_cast<long long>(r.newly_fires()),
                  static_cast<long long>(r.no_longer_fires()));
    }
    std::printf("\n");
    std::map<int32_t, int64_t> by(r.fires_by_arrondissement().begin(), r.fires_by_arrondissement().end());
    if (!by.empty()) {
      std::printf("      by arrondissement:");
      for (const auto& [a, n] : by) std::printf(" %s%d:%lld", a == 0 ? "?" : "", a, static_cast<long long>(n));
      std::printf("\n");
    }
    if (r.newly_fires_sample_size() > 0) {
      std::printf("      newly, e.g.: %s\n", absl::StrJoin(r.newly_fires_sample(), ", ").c_str());
    }
    if (r.no_longer_fires_sample_size() > 0) {
      std::printf("      no longer, e.g.: %s\n", absl::StrJoin(r.no_longer_fires_sample(), ", ").c_str());
    }
  }
  return kExitOk;
}

}  // namespace proactive
