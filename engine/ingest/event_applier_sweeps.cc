// Sweeps of the event applier: a broadcast's or a daily tick's rules over
// the population, chunk by chunk, through the population projection and its
// filter when every rule that may fire can be tested there, else over every
// stored person (event_applier.h).
#include <algorithm>
#include <functional>
#include <set>
#include <system_error>
#include <thread>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/common/log.h"
#include "engine/common/proto_time.h"
#include "engine/common/status_macros.h"
#include "engine/common/text_formats.h"
#include "engine/ingest/decision_maker.h"
#include "engine/ingest/event_applier.h"
#include "engine/ingest/population_filter.h"
#include "engine/store/codec.h"
#include "engine/store/records.h"

namespace proactive {

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

// Made and destroyed here, where SweepPlan is complete.
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
  absl::InlinedVector<DecisionMaker::Planned, 4> plan;
  for (const CompiledRule* rule : candidates) plan.push_back({rule, &person});
  return maker->ConsiderAll(plan, source, evaluation, batch);
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
  // Counted already when a projected plan of this sweep counted everyone.
  const int counted = job.persons_counted() ? 0 : static_cast<int>(persons.size());
  return FinishSweepChunk(std::move(job), *rules, maker.decisions_made(), counted, finished,
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
    // A plan made again (new rules, a restart, a failed write) finds the
    // persons after the cursor counted by the first.
    if (job.persons_counted()) plan->persons_to_report = 0;
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
  job.set_persons_counted(true);
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
