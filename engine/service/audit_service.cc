#include "engine/service/audit_service.h"

#include <functional>
#include <set>
#include <string>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "engine/audit/audit_log.h"
#include "engine/common/clock.h"
#include "engine/common/field_error.h"
#include "engine/common/sha256.h"
#include "engine/common/status_macros.h"
#include "engine/common/text_formats.h"
#include "engine/common/utf8.h"
#include "engine/decision/decision_keys.h"
#include "engine/decision/decision_store.h"
#include "engine/decision/impact_statistics.h"
#include "engine/decision/pseudonymise.h"
#include "engine/ingest/value_conversion.h"
#include "engine/service/decision_conversion.h"
#include "engine/service/grpc_status.h"
#include "engine/service/long_reads.h"
#include "proactive/v1/audit.grpc.pb.h"

namespace proactive {
namespace {

void AddAttributeData(const AttributeSchema& schema, const std::string& path, const std::string& attribute,
                      bool presence_only, v1::RegisteredRule* r) {
  v1::RegisteredData* data = r->add_data();
  data->set_path(path);
  if (presence_only) data->set_presence_only(true);
  const AttributeSpec* spec = schema.FindAttribute(attribute);
  if (spec == nullptr) return;
  data->set_description(OneLineText(spec->description));
  data->set_category(spec->category);
  for (const std::string& source : spec->sources) data->add_sources(source);
}

// What the rule reads, as its decisions record it (CompiledRule::input_reads),
// with what the schema says of each: the data a reader of the register can
// ask the City about.
void AddRegisteredData(const AttributeSchema& schema, const CompiledRule& rule, v1::RegisteredRule* r) {
  std::set<std::string> listed;
  for (const InputRead& read : rule.input_reads) {
    if (!listed.insert(read.path).second) continue;
    switch (read.kind) {
      case InputRead::kAttribute:
      case InputRead::kLinkAttribute:
      case InputRead::kMemberAttribute:
        AddAttributeData(schema, read.path, read.name, read.presence_only, r);
        break;
      case InputRead::kMembers:
      case InputRead::kLinkList: {
        v1::RegisteredData* data = r->add_data();
        data->set_path(read.path);
        data->set_description(read.kind == InputRead::kMembers ? "Who the members of the person's household are."
                                                               : (read.guardians ? "Who the person's guardians are."
                                                                                 : "Who the person's children are."));
        break;
      }
      case InputRead::kBroadcastField: {
        v1::RegisteredData* data = r->add_data();
        data->set_path(read.path);
        const TopicSpec* topic = schema.FindTopic(rule.spec.trigger.broadcast);
        if (topic == nullptr) break;
        // The alert's own fields (area) are not among the topic's.
        const FieldSpec* field = topic->FindField(read.name);
        data->set_description(field != nullptr ? OneLineText(field->description)
                                               : absl::StrCat("The ", read.name, " of the ", topic->name, " alert."));
        for (const std::string& source : topic->sources) data->add_sources(source);
        break;
      }
      case InputRead::kTableRow:
      case InputRead::kTableColumn:
      case InputRead::kLinkTable:
      case InputRead::kMemberTable: {
        const ReferenceTableSpec* table =
            read.joined != nullptr ? schema.FindReferenceTable(read.joined->table) : nullptr;
        v1::RegisteredData* data = r->add_data();
        data->set_path(read.path);
        if (table == nullptr) break;
        const FieldSpec* column = read.name.empty() ? nullptr : table->FindColumn(read.name);
        data->set_description(OneLineText(absl::StrCat(
            column != nullptr && !column->description.empty() ? column->description : table->description,
            " (reference table ", table->name, ", the row of the person's ", read.joined->key_attribute, ")")));
        for (const std::string& source : table->sources) data->add_sources(source);
        break;
      }
    }
  }
}

constexpr uint32_t kDefaultAuditPage = 100;
constexpr uint32_t kMaxAuditPage = 1000;
constexpr size_t kMaxAuditFilterBytes = 128;

// A filter of free text (an actor's name may hold spaces): bounded, UTF-8,
// no control characters.
absl::Status CheckFilterText(absl::string_view text, absl::string_view field) {
  if (text.size() > kMaxAuditFilterBytes) {
    return FieldError(field, absl::StrCat(text.size(), " bytes exceed the limit of ", kMaxAuditFilterBytes));
  }
  size_t bad = 0;
  if (!IsValidUtf8(text, &bad)) return FieldError(field, absl::StrCat("invalid UTF-8 at byte ", bad));
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7F) return FieldError(field, absl::StrCat("has a control character at byte ", i));
  }
  return absl::OkStatus();
}

absl::StatusOr<AuditQuery> QueryOf(const Store& store, const v1::ListAuditEntriesRequest& request) {
  AuditQuery query;
  query.after_sequence = request.after_sequence();
  query.limit = request.has_limit() ? request.limit() : kDefaultAuditPage;
  if (query.limit == 0 || query.limit > kMaxAuditPage) {
    return FieldError("limit", absl::StrCat(request.limit(), " is not between 1 and ", kMaxAuditPage));
  }
  if (request.has_decision()) {
    // All of them when a code is shared: an auditor may read every entry.
    ASSIGN_OR_RETURN(std::vector<std::string> named, DecisionIdsNamed(store, request.decision(), "decision"));
    for (const std::string& id : named) {
      query.decision_ids.push_back(id);
      // An accepted offer's story goes on in its formal decision.
      ASSIGN_OR_RETURN(std::optional<storage::v1::DecisionRecord> offer, ReadDecision(store, id));
      if (!offer || offer->action_kind() != storage::v1::ACTION_PROPOSE) continue;
      ASSIGN_OR_RETURN(std::optional<storage::v1::DecisionRecord> formal, FindFormalDecision(store, *offer));
      if (formal) query.decision_ids.push_back(formal->decision_id());
    }
  }
  if (request.has_case_id()) {
    RETURN_IF_ERROR(CheckIdentifier(request.case_id(), "case_id"));
    query.case_id = request.case_id();
  }
  RETURN_IF_ERROR(CheckFilterText(request.action(), "action"));
  RETURN_IF_ERROR(CheckFilterText(request.actor(), "actor"));
  query.action = request.action();
  query.actor = request.actor();
  return query;
}

// Message ids were "<decision>/<kind>/<recipient's person id>" before
// 542e076 and are "<decision>/<kind>/<recipient's place>" since. The chain
// keeps the old ones (rewriting it would break it); the API does not show
// the person id in them.
std::string ShownCause(const std::string& cause) {
  return RewriteLegacyMessageRecipients(cause, [](absl::string_view) { return std::string("(a recipient)"); });
}

v1::AuditEntry ToApiAuditEntry(const storage::v1::AuditEntry& stored) {
  v1::AuditEntry entry;
  entry.set_sequence(stored.sequence());
  *entry.mutable_at() = stored.at();
  entry.set_action(stored.action());
  if (!stored.decision_id().empty()) {
    entry.set_decision_id(stored.decision_id());
    entry.set_reference_code(ReferenceCodeFor(stored.decision_id()));
  }
  if (!stored.case_id().empty()) entry.set_case_id(stored.case_id());
  entry.set_actor(stored.actor());
  if (!stored.from_status().empty()) entry.set_from_status(stored.from_status());
  if (!stored.to_status().empty()) entry.set_to_status(stored.to_status());
  if (!stored.cause().empty()) entry.set_cause(ShownCause(stored.cause()));
  entry.set_record_digest(ToHex(stored.record_digest()));
  entry.set_hash(ToHex(stored.hash()));
  return entry;
}

class AuditService final : public v1::Audit::CallbackService {
 public:
  AuditService(const Swappable<AccessPolicy>* access, const Store* store, const RulesHolder* rules)
      : access_(access), store_(store), rules_(rules) {}

  grpc::ServerUnaryReactor* VerifyAudit(grpc::CallbackServerContext* context, const v1::VerifyAuditRequest*,
                                        v1::VerifyAuditResponse* response) override {
    // It reads the whole chain.
    return LongRead(context, kVerifyAuditMethod, [this, context, response] {
      absl::StatusOr<AuditVerification> v = VerifyAuditChain(*store_, [context] { return context->IsCancelled(); });
      if (v.ok()) {
        response->set_entries(v->entries);
        response->set_intact(!v->first_broken.has_value());
        if (v->first_broken) {
          response->set_first_broken_entry(*v->first_broken);
          response->set_problem(v->problem);
        }
      }
      return v.status();
    });
  }

  grpc::ServerUnaryReactor* ListEntries(grpc::CallbackServerContext* context,
                                        const v1::ListAuditEntriesRequest* request,
                                        v1::ListAuditEntriesResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    absl::Status status = access_->Get()->Authorize(*context, kListAuditEntriesMethod);
    absl::StatusOr<AuditQuery> query = status.ok() ? QueryOf(*store_, *request) : status;
    absl::StatusOr<bool> through_index = query.ok() ? ListsThroughIndex(*store_, *query) : query.status();
    if (through_index.ok() && !*through_index) {
      // A walk of up to 100,000 entries of the chain: off gRPC's threads,
      // and not queued behind a verification of the whole chain.
      RunOff(&chain_walks_, context, reactor,
             [this, query = *std::move(query), response] { return List(query, response); });
      return reactor;
    }
    status = through_index.ok() ? List(*query, response) : through_index.status();
    reactor->Finish(ToGrpcStatus(status));
    return reactor;
  }

  grpc::ServerUnaryReactor* GetStatistics(grpc::CallbackServerContext* context, const v1::GetStatisticsRequest* request,
                                          v1::Statistics* response) override {
    // It reads every decision.
    return LongRead(context, kGetStatisticsMethod, [this, context, request, response] {
      return Statistics(
          *request, [context] { return context->IsCancelled(); }, response);
    });
  }

  grpc::ServerUnaryReactor* GetRegister(grpc::CallbackServerContext* context, const v1::GetRegisterRequest*,
                                        v1::Register* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    absl::Status status = access_->Get()->Authorize(*context, kGetRegisterMethod);
    if (status.ok()) {
      std::shared_ptr<const RuleSet> rules = rules_->rules().Get();
      response->set_city(rules->city().city);
      response->set_rule_set_version(rules->version());
      for (const auto& rule : rules->rules()) {
        v1::RegisteredRule* r = response->add_rules();
        r->set_rule_id(rule->spec.id);
        r->set_title(rule->spec.title);
        r->set_purpose(rule->spec.purpose);
        for (const std::string& basis : rule->spec.legal_basis) r->add_legal_basis(basis);
        r->set_action(std::string(ActionKindName(rule->spec.action.kind)));
        r->set_service(rule->spec.action.service);
        r->set_pack(rule->pack->pack);
        r->set_pack_version(rule->pack->version);
        r->set_owner(rule->pack->owner);
        r->set_version(rule->version);
        std::vector<std::string> triggers;
        if (!rule->spec.trigger.events.empty()) {
          triggers.push_back(absl::StrCat("changes of ", absl::StrJoin(rule->spec.trigger.events, ", ")));
        }
        if (!rule->spec.trigger.broadcast.empty())
          triggers.push_back(absl::StrCat("broadcast ", rule->spec.trigger.broadcast));
        if (rule->spec.trigger.daily) triggers.push_back("daily");
        r->set_trigger(absl::StrJoin(triggers, "; "));
        r->set_condition(rule->spec.when.text);
        for (const CompiledParameter* parameter : rule->pack_parameters_read) {
          v1::RegisteredParameter* p = r->add_parameters();
          p->set_name(parameter->spec.name);
          p->set_description(OneLineText(parameter->spec.description));
          p->set_legal_basis(OneLineText(parameter->spec.legal_basis));
          for (const DatedValue& dated : parameter->spec.values) {
            v1::DatedParameterValue* v = p->add_values();
            v->set_since(FormatIsoDate(dated.since));
            v->set_value(dated.text);
          }
        }
        if (rule->spec.effective_from) r->set_effective_from(FormatIsoDate(*rule->spec.effective_from));
        if (rule->spec.effective_until) r->set_effective_until(FormatIsoDate(*rule->spec.effective_until));
        AddRegisteredData(rules->schema(), *rule, r);
      }
    }
    reactor->Finish(ToGrpcStatus(status));
    return reactor;
  }

 private:
  // A caller allowed `method` gets the status of `read`, run on the
  // long-reads thread, off gRPC's; a read queued for a call its client gave
  // up on (deadline, retry) is not run, and a read running stops at its next
  // question to IsCancelled (the scans ask every 1,024 records).
  grpc::ServerUnaryReactor* LongRead(grpc::CallbackServerContext* context, const char* method,
                                     std::function<absl::Status()> read) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    const absl::Status allowed = access_->Get()->Authorize(*context, method);
    if (!allowed.ok()) {
      reactor->Finish(ToGrpcStatus(allowed));
      return reactor;
    }
    RunOff(&long_reads_, context, reactor, std::move(read));
    return reactor;
  }

  // Finishes `reactor` with the status of `read`, run on `queue`'s thread;
  // not run when the call was cancelled meanwhile.
  static void RunOff(LongReads* queue, grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor,
                     std::function<absl::Status()> read) {
    queue->Run([context, reactor, read = std::move(read)] {
      if (context->IsCancelled()) {
        reactor->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the call was cancelled before its read started"));
        return;
      }
      reactor->Finish(ToGrpcStatus(read()));
    });
  }

  absl::Status Statistics(const v1::GetStatisticsRequest& request, std::function<bool()> stop,
                          v1::Statistics* response) const {
    std::shared_ptr<const RuleSet> rules = rules_->rules().Get();
    const absl::TimeZone zone = ZoneOrUtc(rules->city().timezone);
    ImpactQuery query;
    query.stop = std::move(stop);
    // A day: its midnight in the city; the last day is included.
    const auto day = [](const std::string& text, absl::string_view field) -> absl::StatusOr<absl::CivilDay> {
      absl::StatusOr<absl::CivilDay> parsed = ParseIsoDate(text);
      if (!parsed.ok()) return FieldError(field, parsed.status().message());
      return parsed;
    };
    if (request.has_made_from()) {
      ASSIGN_OR_RETURN(absl::CivilDay from, day(request.made_from(), "made_from"));
      query.made_from = absl::FromCivil(from, zone);
      response->set_made_from(request.made_from());
    }
    if (request.has_made_until()) {
      ASSIGN_OR_RETURN(absl::CivilDay until, day(request.made_until(), "made_until"));
      query.made_until = absl::FromCivil(until + 1, zone);
      response->set_made_until(request.made_until());
      if (query.made_until <= query.made_from) {
        return FieldError("made_until",
                          absl::StrCat(request.made_until(), " is before made_from ", request.made_from()));
      }
    }
    ASSIGN_OR_RETURN(ImpactStatistics stats, ComputeImpact(*store_, query));
    response->set_time_zone(zone.name());
    response->set_district_attribute(rules->city().district_attribute);
    response->set_decisions_read(stats.decisions_read);
    const auto fill = [](const ImpactCounts& counts, v1::OutcomeCounts* out) {
      out->set_made(counts.made);
      out->set_reached(counts.reached);
      out->set_contested(counts.contested);
      for (const auto& [status, n] : counts.by_status) (*out->mutable_by_status())[status] = n;
    };
    for (const RuleImpact& rule : stats.rules) {
      v1::RuleOutcomes* r = response->add_rules();
      r->set_rule_id(rule.rule_id);
      if (rule.formal) r->set_formal_decisions(true);
      if (const CompiledRule* in_use = rules->FindRule(rule.rule_id)) r->set_title(in_use->spec.title);
      fill(rule.all, r->mutable_counts());
      for (const auto& [district, counts] : rule.by_district) {  // in DistrictOrder
        v1::DistrictOutcomes* d = r->add_districts();
        d->set_district(district);
        fill(counts, d->mutable_counts());
      }
    }
    return absl::OkStatus();
  }

  absl::Status List(const AuditQuery& query, v1::ListAuditEntriesResponse* response) const {
    ASSIGN_OR_RETURN(AuditPage page, ListAuditEntries(*store_, query));
    for (const storage::v1::AuditEntry& entry : page.entries) *response->add_entries() = ToApiAuditEntry(entry);
    if (page.more) response->set_next_after_sequence(page.examined_through);
    return absl::OkStatus();
  }

  const Swappable<AccessPolicy>* access_;
  const Store* store_;
  const RulesHolder* rules_;
  // Last: destroyed first, while what their reads use is still there.
  LongReads long_reads_{"long-reads"};
  LongReads chain_walks_{"audit-walks"};
};

}  // namespace

std::unique_ptr<grpc::Service> NewAuditService(const Swappable<AccessPolicy>* access, const Store* store,
                                               const RulesHolder* rules) {
  return std::make_unique<AuditService>(access, store, rules);
}

}  // namespace proactive
