#include "engine/ingest/event_applier.h"

#include <algorithm>
#include <map>
#include <set>
#include <system_error>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/common/field_error.h"
#include "engine/common/log.h"
#include "engine/common/proto_time.h"
#include "engine/common/status_macros.h"
#include "engine/common/text_formats.h"
#include "engine/ingest/decision_maker.h"
#include "engine/ingest/population_filter.h"
#include "engine/notify/outbox.h"
#include "engine/store/codec.h"
#include "engine/store/records.h"

namespace proactive {
namespace {

constexpr absl::string_view kSweepPrefix = "sweep/";
constexpr absl::string_view kLastTickKey = "tick/last";
// Present once every logged event is in the person_events index.
constexpr absl::string_view kPersonEventsIndexedKey = "index/person_events";

std::string SweepKey(uint64_t id) { return absl::StrFormat("%s%020d", kSweepPrefix, id); }

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

absl::StatusOr<std::unique_ptr<EventApplier>> EventApplier::Create(Store* store, const Swappable<RuleSet>* rules,
                                                                   Clock* clock, EventApplierOptions options) {
  ASSIGN_OR_RETURN(uint64_t last, ReadLastEventSequence(*store));
  RETURN_IF_ERROR(IndexPersonEventsOnce(store));
  ASSIGN_OR_RETURN(std::unique_ptr<AuditLog> audit, AuditLog::Open(store));
  std::unique_ptr<EventApplier> applier(new EventApplier(store, rules, clock, options, last, std::move(audit)));
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
    if (std::shared_ptr<const RuleSet> set = rules_->Get()) {
      if (!absl::LoadTimeZone(set->city().timezone, &zone)) zone = absl::UTCTimeZone();
    }
  }
  return absl::ToCivilDay(now, zone);
}

absl::StatusOr<IngestResult> EventApplier::Apply(ValidatedEvent event, absl::Time received_at) {
  const std::string event_id = event.event_id();  // a copy: the entry is moved into the batch
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
  storage::v1::EventLogEntry& entry = event.entry;  // moved into the batch below
  entry.set_sequence(sequence);
  *entry.mutable_received_at() = ToProtoTimestamp(received_at);
  storage::v1::EventIdEntry id_entry;
  id_entry.set_sequence(sequence);
  id_entry.set_fingerprint(event.entry.fingerprint());
  PutEventIdEntry(&batch, event_id, std::move(id_entry));
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
  PutEventLogEntry(&batch, std::move(entry));
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
  ASSIGN_OR_RETURN(std::optional<storage::v1::PersonState> stored, ReadPersonState(*store_, event.person_id()));
  storage::v1::PersonState state = stored ? *std::move(stored) : storage::v1::PersonState();
  std::shared_ptr<const RuleSet> current_rules = rules_ != nullptr ? rules_->Get() : nullptr;
  const std::string sms_attribute = current_rules != nullptr ? current_rules->city().sms_attribute : "phone";
  const std::string previous_phone = StringAttribute(state, sms_attribute);
  PersonChanges changes = MergePersonEvent(event, sequence, &state);
  const std::string phone = StringAttribute(state, sms_attribute);
  if (phone != previous_phone) {  // the index replies are matched with
    if (!previous_phone.empty()) DeletePhone(batch, previous_phone, event.person_id());
    if (!phone.empty()) PutPhone(batch, phone, event.person_id());
  }
  StorePersonSource source(store_);
  if (changes.household_changed) {
    if (!changes.previous_household.empty()) {
      DeleteHouseholdMember(batch, changes.previous_household, event.person_id());
    }
    PutHouseholdMember(batch, state.household_id(), event.person_id());
    source.OverrideMembership(event.person_id(), changes.previous_household, state.household_id());
  }
  std::vector<std::string> linked;
  for (const LinkMirror& mirror : changes.mirrors) {
    ASSIGN_OR_RETURN(std::optional<storage::v1::PersonState> other, ReadPersonState(*store_, mirror.other_person_id));
    storage::v1::PersonState other_state = other ? *std::move(other) : storage::v1::PersonState();
    if (MergeLinkMirror(mirror, event, sequence, &other_state)) {
      source.Override(other_state);
      PutPersonState(batch, other_state);
    }
    linked.push_back(mirror.other_person_id);
  }
  PutPersonState(batch, state);
  source.Keep(std::move(state));  // the source's copy is the one evaluated: no copy
  ASSIGN_OR_RETURN(const storage::v1::PersonState* applied, source.Find(event.person_id()));

  std::shared_ptr<const RuleSet> rules = rules_ != nullptr ? rules_->Get() : nullptr;
  const bool links_changed = !changes.mirrors.empty();
  if (rules == nullptr || (changes.changed_attributes.empty() && !changes.household_changed && !links_changed)) {
    return absl::OkStatus();
  }
  // Which rules to evaluate for whom: only the rules whose inputs changed,
  // for the person and the persons who read the person (linked, household).
  const absl::CivilDay today = Today(received_at);
  DecisionMaker maker(*rules, store_, audit_.get(),
                      DecisionContext{today, received_at, absl::StrCat("event ", event.event_id())});
  const EvaluationContext evaluation{today, nullptr};
  for (const storage::v1::LinkEntry& link : applied->links()) {
    if (!link.removed()) linked.push_back(link.person_id());
  }
  std::vector<std::string> household;
  for (const std::string& h : {changes.previous_household, applied->household_id()}) {
    if (h.empty()) continue;
    ASSIGN_OR_RETURN(std::vector<std::string> members, source.HouseholdMembers(h));
    for (std::string& m : members) {
      if (m != event.person_id()) household.push_back(std::move(m));
    }
  }
  for (const CompiledRule* rule : rules->EventRules()) {
    if (Intersects(changes.changed_attributes, rule->trigger_attributes) ||
        (changes.household_changed && rule->reads_household) || (links_changed && rule->reads_links)) {
      RETURN_IF_ERROR(maker.Consider(*rule, event.person_id(), &source, evaluation, batch));
    }
    if (rule->reads_links) {
      for (const std::string& other : linked) RETURN_IF_ERROR(maker.Consider(*rule, other, &source, evaluation, batch));
    }
    if (rule->reads_household) {
      for (const std::string& other : household) {
        RETURN_IF_ERROR(maker.Consider(*rule, other, &source, evaluation, batch));
      }
    }
  }
  *decisions = maker.decisions_made();
  if (maker.decisions_made() > 0) RETURN_IF_ERROR(SnapshotRules(*rules, batch));
  return absl::OkStatus();
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

namespace {

bool HasAttributeTerm(const CompiledRule& rule) {
  for (const FilterTerm& term : rule.filter_terms) {
    if (!term.attribute.empty()) return true;
  }
  return false;
}

}  // namespace

// The persons of the projection the sweep in progress has still to
// evaluate, in person id order.
struct EventApplier::SweepPlan {
  uint64_t sweep_id = 0;
  // Held, so that no other rule set can take its address while planned.
  std::shared_ptr<const RuleSet> rules;
  const PopulationProjection* projection = nullptr;
  std::unique_ptr<PopulationFilter> filter;
  std::vector<uint32_t> candidates;  // rows
  size_t next = 0;
  std::set<std::string> late;  // persons written since, who may now fire
  int persons_to_report = 0;   // after the cursor when planned
  int64_t evaluated = 0;       // of those, evaluated (the filter left them)
};

EventApplier::EventApplier(Store* store, const Swappable<RuleSet>* rules, Clock* clock, EventApplierOptions options,
                           uint64_t last_sequence, std::unique_ptr<AuditLog> audit)
    : store_(store),
      rules_(rules),
      clock_(clock),
      options_(options),
      last_sequence_(last_sequence),
      audit_(std::move(audit)),
      commands_(std::make_unique<DecisionCommands>(store, audit_.get(), rules)),
      gateway_(std::make_unique<GatewayCommands>(store, audit_.get(), commands_.get(), rules)),
      eraser_(std::make_unique<PersonEraser>(store, audit_.get(), commands_.get(), rules)) {}

EventApplier::~EventApplier() = default;

PopulationProjection* EventApplier::ProjectionFor(const std::shared_ptr<const RuleSet>& rules) {
  if (!options_.sweep_projection || rules == nullptr) return nullptr;
  if (rules != projection_rules_ || (projection_ != nullptr && projection_->broken())) {
    std::vector<PopulationProjection::Column> columns = SweepColumns(*rules);
    if (projection_ == nullptr || projection_->broken() || projection_->columns() != columns) {
      plan_.reset();
      projection_.reset();  // detaches its observer before the next attaches
      if (!columns.empty()) projection_ = std::make_unique<PopulationProjection>(store_, std::move(columns));
    }
    projection_rules_ = rules;
  }
  return projection_.get();
}

bool EventApplier::ProjectionLoading() {
  std::shared_ptr<const RuleSet> rules = current_rules();
  PopulationProjection* projection = ProjectionFor(rules);
  return projection != nullptr && !projection->loaded();
}

absl::Status EventApplier::LoadProjectionStep() {
  std::shared_ptr<const RuleSet> rules = current_rules();
  PopulationProjection* projection = ProjectionFor(rules);
  if (projection == nullptr) return absl::OkStatus();
  return projection->LoadStep(options_.projection_load_step).status();
}

absl::Status EventApplier::ConsiderSweepRules(const std::vector<const CompiledRule*>& candidates,
                                              const std::string& person, StorePersonSource* source,
                                              const EvaluationContext& evaluation, DecisionMaker* maker,
                                              WriteBatch* batch) {
  if (candidates.empty()) return absl::OkStatus();
  // Rules of one environment (a topic's, or the daily ones) share the
  // person's graph, built with what any of them reads.
  bool shared_env = true;
  GraphNeeds needs{false, false};
  for (const CompiledRule* rule : candidates) {
    shared_env = shared_env && rule->env == candidates.front()->env;
    needs.links = needs.links || rule->reads_links;
    needs.household = needs.household || rule->reads_household;
  }
  if (!shared_env) {
    for (const CompiledRule* rule : candidates) {
      RETURN_IF_ERROR(maker->Consider(*rule, person, source, evaluation, batch));
    }
    return absl::OkStatus();
  }
  absl::StatusOr<std::unique_ptr<PersonGraph>> graph =
      PersonGraph::Build(person, *candidates.front()->env, source, needs);
  if (absl::IsNotFound(graph.status())) return absl::OkStatus();
  RETURN_IF_ERROR(graph.status());
  for (const CompiledRule* rule : candidates) {
    RETURN_IF_ERROR(maker->ConsiderGraph(*rule, **graph, source, evaluation, batch));
  }
  return absl::OkStatus();
}

absl::StatusOr<SweepProgress> EventApplier::FinishSweepChunk(storage::v1::SweepJob job, const RuleSet& rules,
                                                             int decisions, int persons, bool finished,
                                                             const std::string& cursor, WriteBatch* batch,
                                                             const std::string& how) {
  SweepProgress progress;
  progress.sweep_id = job.id();
  progress.persons = persons;
  progress.decisions = decisions;
  progress.finished = finished;
  if (decisions > 0) RETURN_IF_ERROR(SnapshotRules(rules, batch));
  job.set_persons_evaluated(job.persons_evaluated() + persons);
  job.set_decisions_made(job.decisions_made() + decisions);
  if (finished) {
    batch->Delete(Family::kMeta, SweepKey(job.id()));
    // Ids and counts only: no personal data in the log.
    LogInfo("ingest", absl::StrFormat("sweep %d (%s) finished: %d persons, %s%d decisions, %.3f s after it started",
                                      job.id(), job.triggered_by(), job.persons_evaluated(), how, job.decisions_made(),
                                      absl::ToDoubleSeconds(clock_->Now() - FromProtoTimestamp(job.started_at()))));
  } else {
    job.set_cursor(cursor);
    batch->Put(Family::kMeta, SweepKey(job.id()), EncodeRecord(job));
  }
  RETURN_IF_ERROR(store_->Write(batch, /*sync=*/false));
  if (finished) {
    sweeps_.pop_front();
  } else {
    sweeps_.front() = std::move(job);
  }
  return progress;
}

absl::StatusOr<SweepProgress> EventApplier::Sweep(int max_persons) {
  SweepProgress progress;
  if (sweeps_.empty()) return progress;
  storage::v1::SweepJob job = sweeps_.front();
  progress.sweep_id = job.id();
  std::shared_ptr<const RuleSet> rules = rules_ != nullptr ? rules_->Get() : nullptr;
  WriteBatch& batch = ChunkBatch();
  if (rules == nullptr) {
    batch.Delete(Family::kMeta, SweepKey(job.id()));
    RETURN_IF_ERROR(store_->Write(&batch, /*sync=*/false));
    sweeps_.pop_front();
    progress.finished = true;
    return progress;
  }
  const std::vector<const CompiledRule*> candidates = job.kind() == storage::v1::SweepJob::BROADCAST
                                                          ? rules->BroadcastRules(job.broadcast().topic())
                                                          : rules->DailyRules();
  const absl::CivilDay day = DayFromEpochDays(job.day_days());
  // The projection serves when every rule that may fire has a term it can
  // test; otherwise it would rule nobody out.
  if (PopulationProjection* projection = ProjectionFor(rules)) {
    bool every_rule_tested = true;
    for (const CompiledRule* rule : candidates) {
      if (rule->EffectiveOn(day) && !HasAttributeTerm(*rule)) every_rule_tested = false;
    }
    if (every_rule_tested) {
      if (!projection->loaded()) {
        RETURN_IF_ERROR(projection->LoadStep(options_.projection_load_step).status());
        return progress;  // nothing evaluated yet; the next call goes on
      }
      return SweepProjected(std::move(job), rules, candidates, projection, max_persons);
    }
  }
  // The scan reads the states the rules need: the source keeps them rather
  // than reading each again.
  StorePersonSource source(store_);
  std::vector<std::string> persons;
  absl::Status decode_error;
  const std::string start = job.cursor().empty() ? "" : absl::StrCat(job.cursor(), absl::string_view("\0", 1));
  RETURN_IF_ERROR(store_->ScanFrom(Family::kPersons, start, [&](absl::string_view key, absl::string_view value) {
    absl::StatusOr<storage::v1::PersonState> state =
        DecodeRecord<storage::v1::PersonState>(value, "a person state of the sweep");
    if (!state.ok()) {
      decode_error = state.status();
      return false;
    }
    source.Keep(*std::move(state));
    persons.emplace_back(key);
    return static_cast<int>(persons.size()) < max_persons;
  }));
  RETURN_IF_ERROR(decode_error);
  DecisionMaker maker(*rules, store_, audit_.get(), DecisionContext{day, clock_->Now(), job.triggered_by()});
  const EvaluationContext evaluation{day, job.kind() == storage::v1::SweepJob::BROADCAST ? &job.broadcast() : nullptr};
  for (const std::string& person : persons) {
    RETURN_IF_ERROR(ConsiderSweepRules(candidates, person, &source, evaluation, &maker, &batch));
  }
  batch.SortByKey();  // thousands of scattered keys: RocksDB inserts them in order much faster
  const bool finished = static_cast<int>(persons.size()) < max_persons;
  return FinishSweepChunk(std::move(job), *rules, maker.decisions_made(), static_cast<int>(persons.size()), finished,
                          persons.empty() ? std::string() : persons.back(), &batch);
}

WriteBatch& EventApplier::ChunkBatch() {
  // Kept between chunks: a chunk's batch is megabytes, and growing a new
  // one each time costs fresh pages.
  if (chunk_batch_ == nullptr) chunk_batch_ = std::make_unique<WriteBatch>(*store_);
  chunk_batch_->Clear();
  return *chunk_batch_;
}

absl::StatusOr<int> EventApplier::DecideChunk(const std::vector<const CompiledRule*>& candidates,
                                              const std::vector<std::string>& persons, const RuleSet& rules,
                                              const DecisionContext& decided, const EvaluationContext& evaluation,
                                              WriteBatch* batch) {
  const int min_part = std::max(1, options_.sweep_part_persons);
  const size_t parts =
      std::max<size_t>(1, std::min<size_t>(std::max(1, options_.sweep_threads), persons.size() / min_part));
  // Contiguous parts, one per thread, each with its own source, maker and
  // batch; only reads are shared. The writer then merges the parts' sorted
  // operations and chains their audit entries in person order: what one
  // thread writes. Sorted, thousands of scattered keys go into RocksDB's
  // memtables much faster.
  struct Part {
    size_t begin = 0, end = 0;
    std::unique_ptr<StorePersonSource> source;
    std::unique_ptr<DecisionMaker> maker;
    WriteBatch* batch = nullptr;
    std::vector<StagedAuditEntry> audit;
    absl::Status status;
  };
  std::vector<Part> work(parts);
  while (part_batches_.size() < parts) part_batches_.push_back(std::make_unique<WriteBatch>(*store_));
  for (size_t i = 0; i < parts; ++i) {
    Part& part = work[i];
    part.begin = persons.size() * i / parts;
    part.end = persons.size() * (i + 1) / parts;
    part.source = std::make_unique<StorePersonSource>(store_);
    part.maker = std::make_unique<DecisionMaker>(rules, store_, audit_.get(), decided);
    part.maker->ExpectFiring();  // the filter left only persons a rule may fire for
    part.batch = part_batches_[i].get();
    part.batch->Clear();
    part.maker->StageAuditEntries(&part.audit);
  }
  const auto decide = [&](Part* part) {
    const std::vector<std::string> mine(persons.begin() + part->begin, persons.begin() + part->end);
    part->status = part->source->Prefetch(mine);
    for (const std::string& person : mine) {
      if (!part->status.ok()) return;
      part->status =
          ConsiderSweepRules(candidates, person, part->source.get(), evaluation, part->maker.get(), part->batch);
    }
    part->batch->SortByKey();  // here, in parallel: the writer only merges
  };
  std::vector<std::thread> helpers;
  std::vector<Part*> on_writer = {&work[0]};
  for (size_t i = 1; i < parts; ++i) {
    try {
      helpers.emplace_back(decide, &work[i]);
    } catch (const std::system_error&) {  // no thread to be had: the writer decides that part too
      on_writer.push_back(&work[i]);
    }
  }
  for (Part* part : on_writer) decide(part);
  for (std::thread& helper : helpers) helper.join();
  int decisions = 0;
  for (Part& part : work) {
    RETURN_IF_ERROR(part.status);  // nothing chained yet: the chunk is not written
    decisions += part.maker->decisions_made();
  }
  // Each family's keys in order (the audit entries' keys follow one another).
  std::vector<const WriteBatch*> sorted;
  for (const Part& part : work) sorted.push_back(part.batch);
  batch->AppendMerged(sorted);
  for (const Part& part : work) {
    for (const StagedAuditEntry& entry : part.audit) audit_->AppendStaged(batch, entry);
  }
  return decisions;
}

absl::StatusOr<SweepProgress> EventApplier::SweepProjected(storage::v1::SweepJob job,
                                                           const std::shared_ptr<const RuleSet>& shared_rules,
                                                           const std::vector<const CompiledRule*>& candidates,
                                                           PopulationProjection* projection, int max_persons) {
  const RuleSet& rules = *shared_rules;
  const absl::CivilDay day = DayFromEpochDays(job.day_days());
  const EvaluationContext evaluation{day, job.kind() == storage::v1::SweepJob::BROADCAST ? &job.broadcast() : nullptr};
  const std::string& cursor = job.cursor();
  if (plan_ == nullptr || plan_->sweep_id != job.id() || plan_->rules != shared_rules ||
      plan_->projection != projection) {
    auto plan = std::make_unique<SweepPlan>();
    plan->sweep_id = job.id();
    plan->rules = shared_rules;
    plan->projection = projection;
    plan->filter = std::make_unique<PopulationFilter>(*projection, candidates, evaluation);
    plan->candidates = plan->filter->Candidates(cursor, &plan->persons_to_report);
    projection->TrackChanges(true);
    plan_ = std::move(plan);
  }
  SweepPlan& plan = *plan_;
  // Persons written since the plan (events between chunks) may fire now.
  plan.filter->TestNewValues(evaluation);
  for (uint32_t row : projection->TakeChangedRows()) {
    if (projection->live(row) && (cursor.empty() || projection->person_id(row) > cursor) && plan.filter->Passes(row)) {
      plan.late.emplace(projection->person_id(row));
    }
  }
  // The next persons by id, from the plan and from the late ones.
  std::vector<std::string> persons;
  while (static_cast<int>(persons.size()) < max_persons) {
    while (plan.next < plan.candidates.size() && !projection->live(plan.candidates[plan.next])) ++plan.next;
    const bool has_planned = plan.next < plan.candidates.size();
    if (!has_planned && plan.late.empty()) break;
    absl::string_view planned = has_planned ? projection->person_id(plan.candidates[plan.next]) : "";
    if (!plan.late.empty() && (!has_planned || *plan.late.begin() <= planned)) {
      if (has_planned && *plan.late.begin() == planned) ++plan.next;
      persons.push_back(*plan.late.begin());
      plan.late.erase(plan.late.begin());
    } else {
      persons.emplace_back(planned);
      ++plan.next;
    }
  }
  const DecisionContext decided{day, clock_->Now(), job.triggered_by()};
  WriteBatch& batch = ChunkBatch();
  absl::StatusOr<int> decisions = DecideChunk(candidates, persons, rules, decided, evaluation, &batch);
  if (!decisions.ok()) {  // nothing written: plan again from the job's cursor
    plan_.reset();
    projection->TrackChanges(false);
    return decisions.status();
  }
  plan.evaluated += static_cast<int64_t>(persons.size());
  const bool finished = plan.next >= plan.candidates.size() && plan.late.empty();
  const int reported = std::exchange(plan.persons_to_report, 0);
  const std::string next_cursor = persons.empty() ? cursor : persons.back();
  absl::StatusOr<SweepProgress> progress =
      FinishSweepChunk(std::move(job), rules, *decisions, reported, finished, next_cursor, &batch,
                       absl::StrFormat("%d left by the filter and evaluated, ", plan.evaluated));
  if (!progress.ok() || finished) {
    // A failed write leaves the job as it was: plan again from its cursor.
    plan_.reset();
    projection->TrackChanges(false);
  }
  return progress;
}

}  // namespace proactive
