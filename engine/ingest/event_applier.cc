#include "engine/ingest/event_applier.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/common/clock.h"
#include "engine/common/field_error.h"
#include "engine/common/log.h"
#include "engine/common/proto_time.h"
#include "engine/common/status_macros.h"
#include "engine/common/text_formats.h"
#include "engine/decision/decision_store.h"
#include "engine/decision/stored_decision.h"
#include "engine/ingest/decision_maker.h"
#include "engine/ingest/person_merge.h"
#include "engine/ingest/population_filter.h"
#include "engine/notify/outbox.h"
#include "engine/rules/sweep_filter.h"
#include "engine/store/codec.h"
#include "engine/store/column_families.h"
#include "engine/store/records.h"

namespace proactive {
namespace {

// True when a filter term of the tester's rule (a necessary condition
// reading at most one attribute of the subject) is false for `subject`: the
// rule cannot fire for them (sweep_filter.h).
bool FailsOnSubject(FilterTermTester& tester, const storage::v1::PersonState& subject) {
  for (const FilterTerm& term : tester.rule().filter_terms) {
    const storage::v1::AttributeEntry* entry =
        term.attribute.empty() ? nullptr : FindCurrentAttribute(subject, term.attribute);
    const storage::v1::Value* value = entry != nullptr ? &entry->value() : nullptr;  // as PersonRecord reads it
    if (tester.FalseFor(term, value)) return true;
  }
  return false;
}

constexpr absl::string_view kSweepPrefix = "sweep/";
constexpr absl::string_view kLastTickKey = "tick/last";
// Present once every logged event is in the person_events index.
constexpr absl::string_view kPersonEventsIndexedKey = "index/person_events";

bool Intersects(const std::vector<std::string>& changed, const std::set<std::string>& watched) {
  for (const std::string& name : changed) {
    if (watched.count(name) > 0) return true;
  }
  return false;
}

// Data directories written before the person_events index existed get it
// built once, from the log.
absl::Status IndexPersonEventsOnce(Store* store) {
  ASSIGN_OR_RETURN(std::optional<std::string> indexed, store->Get(Family::kMeta, kPersonEventsIndexedKey));
  if (indexed) return absl::OkStatus();
  WriteBatch batch(*store);
  absl::Status write_error;
  RETURN_IF_ERROR(ScanEventLog(*store, 1, [&](const storage::v1::EventLogEntry& entry) {
    if (entry.has_person()) PutPersonEventIndex(&batch, entry.person(), entry.sequence());
    if (batch.Count() >= 10000) {
      write_error = store->Write(&batch, /*sync=*/false);
      batch.Clear();
    }
    return write_error.ok();
  }));
  RETURN_IF_ERROR(write_error);
  batch.Put(Family::kMeta, kPersonEventsIndexedKey, "1");
  return store->Write(&batch, /*sync=*/true);
}

}  // namespace

std::string EventApplier::SweepKey(uint64_t id) { return absl::StrCat(kSweepPrefix, DecimalKey(id).view()); }

absl::StatusOr<std::unique_ptr<EventApplier>> EventApplier::Create(Store* store, const Swappable<RuleSet>* rules,
                                                                   Clock* clock, EventApplierOptions options) {
  ASSIGN_OR_RETURN(uint64_t last, ReadLastEventSequence(*store));
  RETURN_IF_ERROR(IndexPersonEventsOnce(store));
  {
    std::shared_ptr<const RuleSet> set = rules != nullptr ? rules->Get() : nullptr;
    if (set != nullptr) RETURN_IF_ERROR(IndexPhonesInE164Once(store, set->city()).status());
  }
  ASSIGN_OR_RETURN(std::unique_ptr<AuditLog> audit, AuditLog::Open(store));
  ASSIGN_OR_RETURN(DecisionIds decision_ids, OpenDecisionIds(store));
  std::unique_ptr<EventApplier> applier(
      new EventApplier(store, rules, clock, options, last, std::move(audit), std::move(decision_ids)));
  absl::Status decode_error;
  RETURN_IF_ERROR(store->Scan(Family::kMeta, kSweepPrefix, [&](absl::string_view key, absl::string_view value) {
    absl::StatusOr<storage::v1::SweepJob> job = DecodeRecord<storage::v1::SweepJob>(value, key);
    if (!job.ok()) {
      decode_error = job.status();
      return false;
    }
    applier->next_sweep_id_ = std::max(applier->next_sweep_id_, job->id() + 1);
    applier->sweeps_.push_back(*std::move(job));
    return true;
  }));
  RETURN_IF_ERROR(decode_error);
  return applier;
}

absl::CivilDay EventApplier::Today(absl::Time now) const {
  absl::TimeZone zone = absl::UTCTimeZone();
  if (rules_ != nullptr) {
    if (std::shared_ptr<const RuleSet> set = rules_->Get()) zone = ZoneOrUtc(set->city().timezone);
  }
  return absl::ToCivilDay(now, zone);
}

absl::StatusOr<IngestResult> EventApplier::Apply(ValidatedEvent event, absl::Time received_at) {
  const std::string& event_id = event.event_id();
  ASSIGN_OR_RETURN(std::optional<storage::v1::EventIdEntry> seen, ReadEventIdEntry(*store_, event_id));
  if (seen) {
    if (seen->fingerprint() == event.entry.fingerprint()) {
      IngestResult result;
      result.duplicate = true;
      result.sequence = seen->sequence();
      return result;
    }
    return FieldErrorWithCode(absl::StatusCode::kAlreadyExists, "event_id",
                              absl::StrCat("\"", event_id, "\" was already used for a different event (log sequence ",
                                           seen->sequence(), "); a corrected fact needs a new event_id"));
  }
  const uint64_t sequence = last_sequence_ + 1;
  IngestResult result;
  result.sequence = sequence;
  if (event_batch_ == nullptr) event_batch_ = std::make_unique<WriteBatch>(*store_);
  WriteBatch& batch = *event_batch_;  // kept between events: no allocation each
  batch.Clear();
  storage::v1::EventLogEntry& entry = event.entry;
  entry.set_sequence(sequence);
  *entry.mutable_received_at() = ToProtoTimestamp(received_at);
  storage::v1::EventIdEntry id_entry;
  id_entry.set_sequence(sequence);
  id_entry.set_fingerprint(event.entry.fingerprint());
  PutEventIdEntry(&batch, event_id, id_entry);
  if (entry.has_person()) {
    PutPersonEventIndex(&batch, entry.person(), sequence);
    RETURN_IF_ERROR(ApplyPerson(entry.person(), sequence, received_at, &batch, &result.decisions));
  } else if (entry.has_broadcast() && rules_ != nullptr && rules_->Get() != nullptr &&
             !rules_->Get()->BroadcastRules(entry.broadcast().topic()).empty()) {
    storage::v1::SweepJob job;
    job.set_kind(storage::v1::SweepJob::BROADCAST);
    *job.mutable_broadcast() = entry.broadcast();
    job.set_day_days(DaysSinceEpoch(Today(received_at)));
    job.set_triggered_by(absl::StrCat("broadcast ", event_id));
    *job.mutable_started_at() = ToProtoTimestamp(received_at);
    result.sweep_id = next_sweep_id_;
    StartSweep(std::move(job), &batch);
  }
  PutEventLogEntry(&batch, entry);
  absl::Status written = store_->Write(&batch, /*sync=*/false);
  if (!written.ok()) {
    if (result.sweep_id != 0) sweeps_.pop_back();  // its batch is not written
    return written;
  }
  last_sequence_ = sequence;
  return result;
}

void EventApplier::StartSweep(storage::v1::SweepJob job, WriteBatch* batch) {
  job.set_id(next_sweep_id_++);
  job.set_format_version(kStorageFormatVersion);
  batch->Put(Family::kMeta, SweepKey(job.id()), EncodeRecord(job));
  sweeps_.push_back(std::move(job));  // kept only if the batch is written: see callers
}

absl::Status EventApplier::ApplyPerson(const storage::v1::PersonEventRecord& event, uint64_t sequence,
                                       absl::Time received_at, WriteBatch* batch, int* decisions) {
  StorePersonSource source(store_, absl::MakeSpan(person_source_block_));
  // Changed in place, on the source's arena: the state evaluated is the one
  // written.
  ASSIGN_OR_RETURN(storage::v1::PersonState * applied, source.FindToUpdate(event.person_id()));
  storage::v1::PersonState& state = *applied;
  std::shared_ptr<const RuleSet> current_rules = rules_ != nullptr ? rules_->Get() : nullptr;
  const std::string sms_attribute = current_rules != nullptr ? current_rules->city().sms_attribute : "phone";
  const std::string previous_phone = StringAttribute(state, sms_attribute);
  PersonChanges changes = MergePersonEvent(event, sequence, &state);
  const std::string phone = StringAttribute(state, sms_attribute);
  // The index replies are matched with (also rewritten when an older engine
  // wrote it as the number was written, or the city's settings changed).
  (void)ReindexPhone(batch, phone, previous_phone, &state,
                     current_rules != nullptr ? current_rules->city() : DefaultCity());
  if (changes.household_changed) {
    if (!changes.previous_household.empty()) {
      DeleteHouseholdMember(batch, changes.previous_household, event.person_id());
    }
    PutHouseholdMember(batch, state.household_id(), event.person_id());
    source.OverrideMembership(event.person_id(), changes.previous_household, state.household_id());
  }
  std::vector<std::string> linked;
  for (const LinkMirror& mirror : changes.mirrors) {
    // Through the source: a person two mirrors of this event change (linked
    // as guardian and unlinked as child) keeps both.
    ASSIGN_OR_RETURN(const storage::v1::PersonState* known, source.Find(mirror.other_person_id));
    if (known != nullptr) {
      ASSIGN_OR_RETURN(storage::v1::PersonState * other_state, source.FindToUpdate(mirror.other_person_id));
      if (MergeLinkMirror(mirror, event, sequence, other_state)) PutPersonState(batch, *other_state);
    } else {
      // Unknown: created only when the mirror changes something.
      storage::v1::PersonState other_state;
      if (MergeLinkMirror(mirror, event, sequence, &other_state)) {
        PutPersonState(batch, other_state);
        source.Keep(std::move(other_state));  // in front of the store, not copied
      }
    }
    linked.push_back(mirror.other_person_id);
  }
  PutPersonState(batch, state);

  std::shared_ptr<const RuleSet> rules = rules_ != nullptr ? rules_->Get() : nullptr;
  const bool links_changed = !changes.mirrors.empty();
  if (rules == nullptr || (changes.changed_attributes.empty() && !changes.household_changed && !links_changed)) {
    return absl::OkStatus();
  }
  // Which rules to evaluate for whom: only the rules whose inputs changed,
  // for the person and the persons who read the person (linked, household):
  // a rule that counts a household's members is evaluated again for the
  // others when someone joins or leaves, not when a member's income changes.
  const absl::CivilDay today = Today(received_at);
  DecisionMaker maker(*rules, store_, audit_.get(),
                      DecisionContext{today, received_at, absl::StrCat("event ", event.event_id()), &decision_ids_});
  const EvaluationContext evaluation{today, nullptr};
  for (const storage::v1::LinkEntry& link : applied->links()) {
    if (!link.removed()) linked.push_back(link.person_id());
  }
  std::vector<std::string> household;  // read when a rule needs the others
  bool household_read = false;
  const auto read_household = [&]() -> absl::Status {
    household_read = true;
    for (const std::string& h : {changes.previous_household, applied->household_id()}) {
      if (h.empty()) continue;
      ASSIGN_OR_RETURN(std::vector<std::string> members, source.HouseholdMembers(h));
      for (std::string& m : members) {
        if (m != event.person_id()) household.push_back(std::move(m));
      }
    }
    return absl::OkStatus();
  };
  // First the plan: which rule for whom, in the order the decisions are
  // made; then one graph per person, with what any of its rules reads.
  std::vector<DecisionMaker::Planned> plan;
  for (const CompiledRule* rule : rules->EventRules()) {
    const bool household_affected =
        rule->reads_household &&
        (changes.household_changed || rule->household_reads.AffectedBy(changes.changed_attributes));
    // The person is a member of their own household: what the rule reads of
    // the members, it reads of them too.
    if (Intersects(changes.changed_attributes, rule->trigger_attributes) || household_affected ||
        (links_changed && rule->reads_links)) {
      plan.push_back({rule, &event.person_id()});
    }
    const bool any = options_.evaluate_related_on_any_change;
    if (rule->reads_links && (any || links_changed || rule->link_reads.AffectedBy(changes.changed_attributes))) {
      for (const std::string& other : linked) plan.push_back({rule, &other});
    }
    if (rule->reads_household && (any || household_affected)) {
      if (!household_read) RETURN_IF_ERROR(read_household());
      for (const std::string& other : household) plan.push_back({rule, &other});
    }
  }
  if (options_.skip_rules_failing_on_subject) {
    // The maternelle rule for an adult's new birth date: building its graph
    // decoded the guardians' or children's states for nothing (5.8 % of an
    // event load's instructions, docs/performance-log.md).
    std::vector<DecisionMaker::Planned> possible;
    possible.reserve(plan.size());
    for (const DecisionMaker::Planned& planned : plan) {
      if (planned.rule->filter_terms.empty()) {
        possible.push_back(planned);
        continue;
      }
      ASSIGN_OR_RETURN(const storage::v1::PersonState* subject, source.Find(*planned.person_id));
      if (subject == nullptr || !FailsOnSubject(TesterFor(rules, *planned.rule, evaluation), *subject)) {
        possible.push_back(planned);
      }
    }
    plan = std::move(possible);
  }
  RETURN_IF_ERROR(maker.ConsiderAll(plan, &source, evaluation, batch));
  *decisions = maker.decisions_made();
  if (maker.decisions_made() > 0) RETURN_IF_ERROR(SnapshotRules(*rules, batch));
  return absl::OkStatus();
}

FilterTermTester& EventApplier::TesterFor(const std::shared_ptr<const RuleSet>& rules, const CompiledRule& rule,
                                          const EvaluationContext& evaluation) {
  if (tester_rules_ != rules || tester_day_ != evaluation.today) {
    testers_.clear();  // before the rules they point into may go
    tester_rules_ = rules;
    tester_day_ = evaluation.today;
  }
  std::unique_ptr<FilterTermTester>& tester = testers_[&rule];
  if (tester == nullptr) tester = std::make_unique<FilterTermTester>(rule, evaluation);
  return *tester;
}

absl::Status EventApplier::SnapshotRules(const RuleSet& rules, WriteBatch* batch) {
  if (snapshots_.count(rules.version()) > 0) return absl::OkStatus();
  const std::string key = absl::StrCat("ruleset/", rules.version());
  ASSIGN_OR_RETURN(std::optional<std::string> existing, store_->Get(Family::kMeta, key));
  if (!existing) {
    storage::v1::RuleSetSnapshot snapshot;
    snapshot.set_format_version(kStorageFormatVersion);
    snapshot.set_version(rules.version());
    for (const auto& [path, text] : rules.files()) {
      storage::v1::NamedValue* file = snapshot.add_files();
      file->set_name(path);
      file->mutable_value()->set_string_value(text);
    }
    batch->Put(Family::kMeta, key, EncodeRecord(snapshot));
  }
  // Each rule's texts too, which decisions read without compiling the set.
  RETURN_IF_ERROR(StoreRuleTexts(*store_, rules, batch));
  snapshots_.insert(rules.version());
  return absl::OkStatus();
}

absl::StatusOr<TickResult> EventApplier::Tick(absl::CivilDay day) {
  TickResult result;
  ASSIGN_OR_RETURN(std::optional<std::string> last_bytes, store_->Get(Family::kMeta, kLastTickKey));
  if (last_bytes) {
    ASSIGN_OR_RETURN(storage::v1::LastTick last, DecodeRecord<storage::v1::LastTick>(*last_bytes, "last tick"));
    if (DayFromEpochDays(last.day_days()) >= day) {
      result.already_ran = true;
      return result;
    }
  }
  WriteBatch batch(*store_);
  storage::v1::LastTick last;
  last.set_format_version(kStorageFormatVersion);
  last.set_day_days(DaysSinceEpoch(day));
  batch.Put(Family::kMeta, kLastTickKey, EncodeRecord(last));
  std::shared_ptr<const RuleSet> rules = rules_ != nullptr ? rules_->Get() : nullptr;
  const size_t before = sweeps_.size();
  if (rules != nullptr && !rules->DailyRules().empty()) {
    storage::v1::SweepJob job;
    job.set_kind(storage::v1::SweepJob::DAILY);
    job.set_day_days(DaysSinceEpoch(day));
    job.set_triggered_by(absl::StrCat("daily ", FormatIsoDate(day)));
    *job.mutable_started_at() = ToProtoTimestamp(clock_->Now());
    result.sweep_id = next_sweep_id_;
    StartSweep(std::move(job), &batch);
  }
  absl::Status written = store_->Write(&batch, /*sync=*/false);
  if (!written.ok()) {
    sweeps_.resize(before);
    return written;
  }
  return result;
}

}  // namespace proactive
