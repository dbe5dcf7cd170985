// Sweeps of the event applier: a broadcast's or a daily tick's rules over
// the population, chunk by chunk, through the population projection and its
// filter when every rule that may fire can be tested there, else over every
// stored person (event_applier.h).
#include <algorithm>
#include <atomic>
#include <functional>
#include <optional>
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
#include "engine/common/thread_name.h"
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

  // The next persons by id, from the candidates and the late ones.
  std::vector<std::string> TakeNext(int max_persons);
};

// The decisions of one projected chunk: its persons in contiguous parts of
// sweep_part_persons that the writer thread and the helper threads take in
// turn, so that no thread waits on a slower one's fixed share. Each part
// has its own source, maker and batch; only reads are shared. AddTo then
// merges the parts' sorted operations and chains their audit entries in
// person order: what one thread would write.
class EventApplier::ChunkDecision {
 public:
  ChunkDecision(EventApplier* applier, std::shared_ptr<const RuleSet> rules,
                const std::vector<const CompiledRule*>& candidates, const storage::v1::SweepJob& job,
                std::vector<std::string> persons)
      : applier_(applier),
        rules_(std::move(rules)),
        candidates_(candidates),
        sweep_id_(job.id()),
        broadcast_(job.broadcast()),
        // Shared by every evaluation of the chunk, on every thread.
        broadcast_record_(job.kind() == storage::v1::SweepJob::BROADCAST
                              ? PrepareBroadcastRecord(candidates, broadcast_)
                              : std::nullopt),
        evaluation_{DayFromEpochDays(job.day_days()),
                    job.kind() == storage::v1::SweepJob::BROADCAST ? &broadcast_ : nullptr,
                    broadcast_record_.has_value() ? &*broadcast_record_ : nullptr},
        decided_{evaluation_.today, applier->clock_->Now(), job.triggered_by(), &applier->decision_ids_},
        persons_(std::move(persons)) {
    const size_t per_part = static_cast<size_t>(std::max(1, applier->options_.sweep_part_persons));
    parts_.resize((persons_.size() + per_part - 1) / per_part);
    for (size_t i = 0; i < parts_.size(); ++i) {
      Part& part = parts_[i];
      part.begin = i * per_part;
      part.end = std::min(persons_.size(), part.begin + per_part);
      // The applier keeps the batches between chunks (they grow to their
      // size once); a chunk holds its own until it is destroyed.
      if (applier->part_batches_.empty()) {
        part.batch = std::make_unique<WriteBatch>(*applier->store_);
      } else {
        part.batch = std::move(applier->part_batches_.back());
        applier->part_batches_.pop_back();
        part.batch->Clear();
      }
    }
  }

  // Stops the helpers at their part's end; gives the batches back.
  ~ChunkDecision() {
    next_part_.store(parts_.size());
    JoinHelpers();
    for (Part& part : parts_) applier_->part_batches_.push_back(std::move(part.batch));
  }

  ChunkDecision(const ChunkDecision&) = delete;
  ChunkDecision& operator=(const ChunkDecision&) = delete;

  // Starts up to `helpers` threads taking parts; fewer when the system has
  // no thread to give (the writer then decides those parts in DecideRest).
  void StartHelpers(int helpers) {
    const size_t wanted = std::min<size_t>(std::max(0, helpers), parts_.size());
    for (size_t i = 0; i < wanted; ++i) {
      try {
        helpers_.emplace_back([this] {
          NameThisThread("sweep-helper");
          TakeParts();
        });
      } catch (const std::system_error&) {
        return;
      }
    }
  }

  // Decides the parts no thread took yet and waits for the helpers; returns
  // the number of decisions, or the first part's error.
  absl::StatusOr<int> DecideRest() {
    TakeParts();
    JoinHelpers();
    int decisions = 0;
    for (const Part& part : parts_) {
      RETURN_IF_ERROR(part.status);
      decisions += part.decisions;
    }
    return decisions;
  }

  // Adds every part's operations and audit entries to `batch`. REQUIRES:
  // DecideRest returned OK.
  void AddTo(WriteBatch* batch) {
    std::vector<const WriteBatch*> sorted;
    for (const Part& part : parts_) sorted.push_back(part.batch.get());
    batch->AppendMerged(sorted);
    std::vector<const StagedAuditEntry*> staged;
    for (const Part& part : parts_) {
      for (const StagedAuditEntry& entry : part.audit) staged.push_back(&entry);
    }
    applier_->audit_->AppendAllStaged(batch, staged);
  }

  uint64_t sweep_id() const { return sweep_id_; }
  const std::vector<std::string>& persons() const { return persons_; }
  // The store's write count at which this chunk's reads are still current.
  uint64_t current_at_writes = 0;

 private:
  struct Part {
    size_t begin = 0, end = 0;
    std::unique_ptr<WriteBatch> batch;
    std::vector<StagedAuditEntry> audit;
    int decisions = 0;
    absl::Status status;
  };

  void TakeParts() {
    for (size_t i = next_part_.fetch_add(1); i < parts_.size(); i = next_part_.fetch_add(1)) Decide(&parts_[i]);
  }

  // On the thread that took the part; the source's states and the maker's
  // keys are freed here too, not on the writer.
  void Decide(Part* part) {
    StorePersonSource source(applier_->store_);
    DecisionMaker maker(*rules_, applier_->store_, applier_->audit_.get(), decided_);
    maker.ExpectFiring();  // the filter left only persons a rule may fire for
    maker.StageAuditEntries(&part->audit);
    const std::vector<std::string> mine(persons_.begin() + part->begin, persons_.begin() + part->end);
    part->status = source.Prefetch(mine);
    if (part->status.ok()) part->status = maker.PrefetchOptOuts(mine);
    for (const std::string& person : mine) {
      if (!part->status.ok()) return;
      part->status = applier_->ConsiderSweepRules(candidates_, person, &source, evaluation_, &maker, part->batch.get());
    }
    part->batch->SortByKey();  // here, in parallel: the writer only merges
    part->decisions = maker.decisions_made();
  }

  void JoinHelpers() {
    for (std::thread& helper : helpers_) helper.join();
    helpers_.clear();
  }

  EventApplier* const applier_;
  const std::shared_ptr<const RuleSet> rules_;
  const std::vector<const CompiledRule*> candidates_;
  const uint64_t sweep_id_;
  const storage::v1::BroadcastEventRecord broadcast_;
  const std::optional<BroadcastRecord> broadcast_record_;
  const EvaluationContext evaluation_;
  const DecisionContext decided_;
  const std::vector<std::string> persons_;
  std::vector<Part> parts_;
  std::atomic<size_t> next_part_{0};
  std::vector<std::thread> helpers_;
};

// Made and destroyed here, where SweepPlan and ChunkDecision are complete.
EventApplier::EventApplier(Store* store, const Swappable<RuleSet>* rules, Clock* clock, EventApplierOptions options,
                           uint64_t last_sequence, std::unique_ptr<AuditLog> audit, DecisionIds decision_ids)
    : store_(store),
      rules_(rules),
      clock_(clock),
      options_(options),
      last_sequence_(last_sequence),
      audit_(std::move(audit)),
      decision_ids_(std::move(decision_ids)),
      commands_(std::make_unique<DecisionCommands>(store, audit_.get(), rules, &decision_ids_)),
      gateway_(std::make_unique<GatewayCommands>(store, audit_.get(), commands_.get(), rules)),
      eraser_(std::make_unique<PersonEraser>(store, audit_.get(), commands_.get(), rules)) {}

EventApplier::~EventApplier() = default;

PopulationProjection* EventApplier::ProjectionFor(const std::shared_ptr<const RuleSet>& rules) {
  if (!options_.sweep_projection || rules == nullptr) return nullptr;
  if (rules != projection_rules_ || (projection_ != nullptr && projection_->broken())) {
    std::vector<PopulationProjection::Column> columns = SweepColumns(*rules);
    if (projection_ == nullptr || projection_->broken() || projection_->columns() != columns) {
      DropPlan();
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

absl::StatusOr<SweepProgress> EventApplier::Sweep(int max_persons, bool run_ahead) {
  SweepProgress progress;
  if (sweeps_.empty()) return progress;
  storage::v1::SweepJob job = sweeps_.front();
  progress.sweep_id = job.id();
  std::shared_ptr<const RuleSet> rules = rules_ != nullptr ? rules_->Get() : nullptr;
  WriteBatch& batch = ChunkBatch();
  if (rules == nullptr) {
    DropPlan();
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
        DropPlan();
        RETURN_IF_ERROR(projection->LoadStep(options_.projection_load_step).status());
        return progress;  // nothing evaluated yet; the next call goes on
      }
      return SweepProjected(std::move(job), rules, candidates, projection, max_persons, run_ahead);
    }
  }
  DropPlan();  // the straightforward path: no plan, nothing decided ahead
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
  DecisionMaker maker(*rules, store_, audit_.get(),
                      DecisionContext{day, clock_->Now(), job.triggered_by(), &decision_ids_});
  const bool broadcast = job.kind() == storage::v1::SweepJob::BROADCAST;
  const std::optional<BroadcastRecord> broadcast_record =
      broadcast ? PrepareBroadcastRecord(candidates, job.broadcast()) : std::nullopt;
  const EvaluationContext evaluation{day, broadcast ? &job.broadcast() : nullptr,
                                     broadcast_record.has_value() ? &*broadcast_record : nullptr};
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

std::vector<std::string> EventApplier::SweepPlan::TakeNext(int max_persons) {
  std::vector<std::string> persons;
  while (static_cast<int>(persons.size()) < max_persons) {
    while (next < candidates.size() && !projection->live(candidates[next])) ++next;
    const bool has_planned = next < candidates.size();
    if (!has_planned && late.empty()) break;
    absl::string_view planned = has_planned ? projection->person_id(candidates[next]) : "";
    if (!late.empty() && (!has_planned || *late.begin() <= planned)) {
      if (has_planned && *late.begin() == planned) ++next;
      persons.push_back(*late.begin());
      late.erase(late.begin());
    } else {
      persons.emplace_back(planned);
      ++next;
    }
  }
  return persons;
}

std::unique_ptr<EventApplier::ChunkDecision> EventApplier::StartChunk(
    const storage::v1::SweepJob& job, const std::vector<const CompiledRule*>& candidates, int max_persons) {
  auto chunk = std::make_unique<ChunkDecision>(this, plan_->rules, candidates, job, plan_->TakeNext(max_persons));
  chunk->StartHelpers(options_.sweep_threads - 1);
  return chunk;
}

std::vector<std::string> EventApplier::SweepAheadPersons() const {
  return ahead_ != nullptr ? ahead_->persons() : std::vector<std::string>();
}

void EventApplier::DropPlan() {
  ahead_.reset();
  if (plan_ == nullptr) return;
  if (projection_ != nullptr) projection_->TrackChanges(false);  // the plan's
  plan_.reset();
}

absl::StatusOr<SweepProgress> EventApplier::SweepProjected(storage::v1::SweepJob job,
                                                           const std::shared_ptr<const RuleSet>& shared_rules,
                                                           const std::vector<const CompiledRule*>& candidates,
                                                           PopulationProjection* projection, int max_persons,
                                                           bool run_ahead) {
  const RuleSet& rules = *shared_rules;
  const absl::CivilDay day = DayFromEpochDays(job.day_days());
  const EvaluationContext evaluation{day, job.kind() == storage::v1::SweepJob::BROADCAST ? &job.broadcast() : nullptr};
  const std::string& cursor = job.cursor();
  const bool plan_current = plan_ != nullptr && plan_->sweep_id == job.id() && plan_->rules == shared_rules &&
                            plan_->projection == projection;
  // A chunk decided ahead read the store as the last chunk's write left it.
  // Anything else written since may change its decisions: its persons go
  // back to a new plan, made from the job's cursor.
  std::unique_ptr<ChunkDecision> chunk = std::move(ahead_);
  if (chunk != nullptr &&
      (!plan_current || chunk->sweep_id() != job.id() || store_->writes() != chunk->current_at_writes)) {
    chunk.reset();
    DropPlan();
    ++sweep_ahead_counts_.decided_again;
  } else if (chunk != nullptr) {
    ++sweep_ahead_counts_.used;
  }
  if (plan_ == nullptr || !plan_current) {  // dropped just above, or another plan
    DropPlan();
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
  if (chunk == nullptr) chunk = StartChunk(job, candidates, max_persons);
  absl::StatusOr<int> decisions = chunk->DecideRest();
  if (!decisions.ok()) {  // nothing written: plan again from the job's cursor
    chunk.reset();
    DropPlan();
    return decisions.status();
  }
  plan.evaluated += static_cast<int64_t>(chunk->persons().size());
  const std::string next_cursor = chunk->persons().empty() ? cursor : chunk->persons().back();
  const bool finished = plan.next >= plan.candidates.size() && plan.late.empty();
  const int reported = std::exchange(plan.persons_to_report, 0);
  job.set_persons_counted(true);
  // The next chunk's persons are not this one's: the helpers decide it
  // while this one is merged and written (the writer thread's work, which
  // they would otherwise wait for).
  if (run_ahead && !finished && options_.sweep_threads > 1) {
    const uint64_t writes_before = store_->writes();  // before its helpers read
    ahead_ = StartChunk(job, candidates, max_persons);
    ahead_->current_at_writes = writes_before + 1;  // this chunk's write
  }
  WriteBatch& batch = ChunkBatch();
  chunk->AddTo(&batch);
  chunk.reset();  // its batches serve the next
  absl::StatusOr<SweepProgress> progress =
      FinishSweepChunk(std::move(job), rules, *decisions, reported, finished, next_cursor, &batch,
                       absl::StrFormat("%d left by the filter and evaluated, ", plan.evaluated));
  // A failed write leaves the job as it was: plan again from its cursor.
  if (!progress.ok() || finished) DropPlan();
  return progress;
}

}  // namespace proactive
