#include "engine/service/rules_admin_service.h"

#include "absl/strings/str_cat.h"
#include "engine/common/field_error.h"
#include "engine/common/log.h"
#include "engine/common/status_macros.h"
#include "engine/common/text_formats.h"
#include "engine/notify/outbox.h"
#include "engine/rules/rule_evaluator.h"
#include "engine/rules/simulation.h"
#include "engine/rules/typed_text.h"
#include "engine/service/grpc_status.h"
#include "engine/store/records.h"
#include "proactive/v1/rules_admin.grpc.pb.h"

namespace proactive {
namespace {

void Summarize(const RuleSet& rules, google::protobuf::RepeatedPtrField<v1::RuleSummary>* out) {
  for (const auto& rule : rules.rules()) {
    v1::RuleSummary* s = out->Add();
    s->set_rule_id(rule->spec.id);
    s->set_pack(rule->pack->pack);
    s->set_version(rule->version);
    s->set_action(std::string(ActionKindName(rule->spec.action.kind)));
    s->set_title(rule->spec.title);
  }
}

class RulesAdminService final : public v1::RulesAdmin::CallbackService {
 public:
  explicit RulesAdminService(RulesAdminDeps deps) : deps_(deps) {}

  grpc::ServerUnaryReactor* ReloadRules(grpc::CallbackServerContext* context, const v1::ReloadRulesRequest*,
                                        v1::ReloadRulesResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    absl::Status status = deps_.access->Get()->Authorize(*context, kReloadRulesMethod);
    if (status.ok()) {
      std::vector<Diagnostic> diagnostics;
      status = deps_.rules->Reload(&diagnostics);
      if (!status.ok()) {
        status = absl::FailedPreconditionError(absl::StrCat(status.message(), "\n", FormatDiagnostics(diagnostics)));
      } else {
        std::shared_ptr<const RuleSet> rules = deps_.rules->rules().Get();
        response->set_rule_set_version(rules->version());
        Summarize(*rules, response->mutable_rules());
      }
    }
    reactor->Finish(ToGrpcStatus(status));
    return reactor;
  }

  grpc::ServerUnaryReactor* Tick(grpc::CallbackServerContext* context, const v1::TickRequest* request,
                                 v1::TickResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    absl::Status status = deps_.access->Get()->Authorize(*context, kTickMethod);
    const absl::CivilDay today = absl::ToCivilDay(deps_.clock->Now(), CityZone(*deps_.rules));
    absl::CivilDay day = today;
    if (status.ok() && request->has_date()) {
      absl::StatusOr<absl::CivilDay> parsed = ParseIsoDate(request->date());
      if (!parsed.ok()) {
        status = FieldError("date", parsed.status().message());
      } else if (*parsed > today && !request->ahead()) {
        status = FieldError("date", absl::StrCat(request->date(), " is after today (", absl::FormatCivilTime(today),
                                                 " in the city's time zone): the schedule would wait for that day "
                                                 "before running again; set ahead to run it anyway"));
      } else {
        day = *parsed;
      }
    }
    if (!status.ok()) {
      reactor->Finish(ToGrpcStatus(status));
      return reactor;
    }
    deps_.writer->SubmitTick(day, [reactor, response](absl::StatusOr<TickOutcome> outcome) {
      if (!outcome.ok()) {
        reactor->Finish(ToGrpcStatus(outcome.status()));
        return;
      }
      response->set_already_ran(outcome->already_ran);
      response->set_persons(outcome->persons);
      response->set_decisions(outcome->decisions);
      reactor->Finish(grpc::Status::OK);
    });
    return reactor;
  }

  grpc::ServerUnaryReactor* GetStatus(grpc::CallbackServerContext* context, const v1::GetStatusRequest* request,
                                      v1::EngineStatus* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    absl::Status status = deps_.access->Get()->Authorize(*context, kGetStatusMethod);
    if (status.ok()) {
      if (std::shared_ptr<const RuleSet> rules = deps_.rules->rules().Get()) {
        response->set_rule_set_version(rules->version());
        Summarize(*rules, response->mutable_rules());
      }
      absl::StatusOr<uint64_t> last = ReadLastEventSequence(*deps_.store);
      status = last.status();
      if (last.ok()) response->set_last_event_sequence(*last);
      const EventWriterStats stats = deps_.writer->stats();
      response->set_pending_sweeps(stats.pending_sweeps);
      response->set_projection_loading(stats.projection_loading);
      v1::IngestionStatus* ingestion = response->mutable_ingestion();
      ingestion->set_events(stats.events);
      ingestion->set_commands(stats.commands);
      ingestion->set_group_commits(stats.groups);
      ingestion->set_queued(stats.queued);
      ingestion->set_ticks(stats.ticks);
      response->set_today(FormatIsoDate(absl::ToCivilDay(deps_.clock->Now(), CityZone(*deps_.rules))));
    }
    if (status.ok() && request->outbox()) {
      // The rest of the status is worth having without the counts.
      absl::StatusOr<OutboxBacklog> backlog = CountOutboxBacklog(*deps_.store, deps_.clock->Now());
      if (!backlog.ok()) LogWarning("status", absl::StrCat("the outbox was not counted: ", backlog.status().message()));
      if (backlog.ok()) {
        v1::OutboxStatus* outbox = response->mutable_outbox();
        outbox->set_ready(backlog->ready);
        outbox->set_with_gateway(backlog->with_gateway);
        outbox->set_later(backlog->later);
        outbox->set_letters(backlog->letters);
      }
    }
    reactor->Finish(ToGrpcStatus(status));
    return reactor;
  }

  grpc::ServerUnaryReactor* Simulate(grpc::CallbackServerContext* context, const v1::SimulateRequest* request,
                                     v1::SimulateResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    absl::Status status = deps_.access->Get()->Authorize(*context, kSimulateMethod);
    if (status.ok()) status = RunSimulation(*request, response);
    reactor->Finish(ToGrpcStatus(status));
    return reactor;
  }

 private:
  static absl::StatusOr<std::shared_ptr<const RuleSet>> Compile(
      const google::protobuf::RepeatedPtrField<v1::RuleSetFile>& files, absl::string_view field) {
    std::vector<RuleFile> rule_files;
    for (const v1::RuleSetFile& f : files) rule_files.push_back({f.path(), f.content()});
    std::vector<Diagnostic> diagnostics;
    absl::StatusOr<std::shared_ptr<const RuleSet>> rules = CompileRuleSet(rule_files, &diagnostics);
    if (!rules.ok()) {
      return FieldError(field, absl::StrCat(rules.status().message(), "\n", FormatDiagnostics(diagnostics)));
    }
    return rules;
  }

  absl::Status RunSimulation(const v1::SimulateRequest& request, v1::SimulateResponse* response) {
    ASSIGN_OR_RETURN(std::shared_ptr<const RuleSet> candidate, Compile(request.files(), "files"));
    absl::CivilDay day = absl::ToCivilDay(deps_.clock->Now(), CityZone(*deps_.rules));
    if (request.has_date()) {
      absl::StatusOr<absl::CivilDay> parsed = ParseIsoDate(request.date());
      if (!parsed.ok()) return FieldError("date", parsed.status().message());
      day = *parsed;
    }
    std::vector<storage::v1::BroadcastEventRecord> broadcasts;
    for (int i = 0; i < request.broadcasts_size(); ++i) {
      const v1::BroadcastSpec& spec = request.broadcasts(i);
      const TopicSpec* topic = candidate->schema().FindTopic(spec.topic());
      if (topic == nullptr) return FieldError(absl::StrCat("broadcasts[", i, "].topic"), "unknown topic");
      storage::v1::BroadcastEventRecord b;
      b.set_event_id(absl::StrCat("simulated-", i));
      b.set_topic(spec.topic());
      b.set_area(spec.area());
      b.set_source("simulation");
      for (const v1::FieldText& f : spec.fields()) {
        const FieldSpec* field = topic->FindField(f.name());
        if (field == nullptr)
          return FieldError(absl::StrCat("broadcasts[", i, "].fields"), absl::StrCat("no field ", f.name()));
        absl::StatusOr<eval::Value> value = TypedValueFromText(field->type, f.value());
        if (!value.ok())
          return FieldError(absl::StrCat("broadcasts[", i, "].fields.", f.name()), value.status().message());
        storage::v1::NamedValue* named = b.add_fields();
        named->set_name(f.name());
        *named->mutable_value() = ToStorageValue(*value);
      }
      broadcasts.push_back(std::move(b));
    }
    ASSIGN_OR_RETURN(SimulationResult result, SimulateRuleSet(*candidate, *deps_.store, day, broadcasts));
    std::map<std::string, RuleDifference> diff;
    if (request.against_size() > 0) {
      ASSIGN_OR_RETURN(std::shared_ptr<const RuleSet> reference, Compile(request.against(), "against"));
      ASSIGN_OR_RETURN(SimulationResult reference_result, SimulateRuleSet(*reference, *deps_.store, day, broadcasts));
      diff = Compare(result, reference_result);
      response->set_against_version(reference->version());
    }
    response->set_persons(result.persons);
    response->set_rule_set_version(candidate->version());
    for (const auto& [id, counts] : result.rules) {
      v1::RuleCount* out = response->add_rules();
      out->set_rule_id(id);
      out->set_fires(counts.fires);
      out->set_undecided(counts.undecided);
      for (const auto& [arrondissement, n] : counts.fires_by_arrondissement) {
        (*out->mutable_fires_by_arrondissement())[arrondissement] = n;
      }
      auto d = diff.find(id);
      if (d != diff.end()) {
        out->set_newly_fires(d->second.newly_fires.size());
        out->set_no_longer_fires(d->second.no_longer_fires.size());
        for (size_t i = 0; i < d->second.newly_fires.size() && i < 10; ++i)
          out->add_newly_fires_sample(d->second.newly_fires[i]);
        for (size_t i = 0; i < d->second.no_longer_fires.size() && i < 10; ++i) {
          out->add_no_longer_fires_sample(d->second.no_longer_fires[i]);
        }
      }
    }
    return absl::OkStatus();
  }

  RulesAdminDeps deps_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewRulesAdminService(RulesAdminDeps deps) {
  return std::make_unique<RulesAdminService>(deps);
}

}  // namespace proactive
