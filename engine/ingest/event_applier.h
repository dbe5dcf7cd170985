// Applies validated events to the store, one WriteBatch per event: the log
// entry, the event-id index, the new person state, the mirrored links of the
// other persons, the household index, and the decisions of every rule the
// event makes fire, all or nothing. A broadcast, or a daily tick, starts a
// sweep over the population that Sweep() advances chunk by chunk, each chunk
// in one batch with its cursor.
//
//   ASSIGN_OR_RETURN(auto applier, EventApplier::Create(store, &rules, clock));
//   ASSIGN_OR_RETURN(IngestResult result, applier->Apply(event, clock->Now()));
//   RETURN_IF_ERROR(store->SyncWal());  // before acknowledging
//
// Writes are not synced here; the caller syncs once for a group of events
// (group commit) and only then acknowledges them. The caller may defer the
// writes of a group (Store::DeferWrites): Apply reads through what the group
// recorded. Not thread-safe: one writer applies events, in log order.
#ifndef PROACTIVE_ENGINE_INGEST_EVENT_APPLIER_H_
#define PROACTIVE_ENGINE_INGEST_EVENT_APPLIER_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <set>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/audit/audit_log.h"
#include "engine/common/clock.h"
#include "engine/common/swappable.h"
#include "engine/ingest/decision_commands.h"
#include "engine/ingest/decision_maker.h"
#include "engine/ingest/erasure.h"
#include "engine/ingest/event_validator.h"
#include "engine/ingest/gateway_commands.h"
#include "engine/ingest/person_merge.h"
#include "engine/ingest/population_projection.h"
#include "engine/rules/rule_set.h"
#include "engine/rules/sweep_filter.h"
#include "engine/store/store.h"

namespace proactive {

struct IngestResult {
  bool duplicate = false;  // the same event was applied before; nothing changed
  uint64_t sequence = 0;   // the event's position in the log (the original's if duplicate)
  int decisions = 0;       // decisions made in the event's batch
  uint64_t sweep_id = 0;   // a broadcast's sweep, 0 when none
};

struct TickResult {
  bool already_ran = false;  // the schedule already ran for this day or a later one
  uint64_t sweep_id = 0;
};

struct SweepProgress {
  uint64_t sweep_id = 0;
  int persons = 0;
  int decisions = 0;
  bool finished = false;
};

struct EventApplierOptions {
  // Sweeps first rule out, in the in-memory projection of the population,
  // the persons a rule's filter terms exclude (sweep_filter.h), and evaluate
  // only the others. false: every person is evaluated, read from the store
  // (the straightforward path; the decisions are the same).
  bool sweep_projection = true;
  // Persons read from the store per step while the projection loads.
  int projection_load_step = 100000;
  // Threads deciding a projected sweep's chunk (the writer's and helpers).
  // The chunk is cut into contiguous parts of sweep_part_persons persons
  // that the threads take in turn. The decisions, their order in the audit
  // chain and the batch are the same whatever the numbers.
  int sweep_threads = 2;
  int sweep_part_persons = 250;
  // An event evaluates an event rule again for the person's linked persons
  // and household mates only when what the rule reads of them changed
  // (RelatedReads). true: on any change of the person (the straightforward
  // path; the decisions are the same).
  bool evaluate_related_on_any_change = false;
  // An event rule whose necessary conditions on its subject alone (its
  // filter terms, as a sweep's filter tests them) fail for the subject is
  // not evaluated: it cannot fire, and its graph (the guardians, the
  // household) is not read. false: every planned rule is evaluated (the
  // straightforward path; the decisions are the same).
  bool skip_rules_failing_on_subject = true;
};

class EventApplier {
 public:
  // Reads the last log sequence and the pending sweeps. `rules` may be null:
  // then events make no decisions. REQUIRES: everything outlives the applier.
  static absl::StatusOr<std::unique_ptr<EventApplier>> Create(Store* store, const Swappable<RuleSet>* rules,
                                                              Clock* clock, EventApplierOptions options = {});
  ~EventApplier();

  EventApplier(const EventApplier&) = delete;
  EventApplier& operator=(const EventApplier&) = delete;

  // Applies `event` received at `received_at`. Returns a duplicate result when
  // the same event (same id, same fingerprint) is already logged;
  // ALREADY_EXISTS naming the event when its id was used for another payload.
  // Any other error is a storage failure: nothing of the event was written.
  absl::StatusOr<IngestResult> Apply(ValidatedEvent event, absl::Time received_at);

  // Starts the daily schedule for `day` unless it already ran for that day
  // or a later one.
  absl::StatusOr<TickResult> Tick(absl::CivilDay day);

  bool HasPendingSweep() const { return !sweeps_.empty(); }
  // Evaluates up to `max_persons` more persons of the oldest pending sweep
  // and writes their decisions with the sweep's new cursor in one batch.
  //
  // With `run_ahead`, a projected sweep's helper threads start deciding the
  // next chunk while this one is written, on the store as it is: the next
  // call writes that chunk. The caller then writes nothing else before the
  // next call (SweepRunningAhead). If something else was written meanwhile,
  // the chunk decided ahead is dropped and decided again: the decisions are
  // those made without running ahead.
  absl::StatusOr<SweepProgress> Sweep(int max_persons, bool run_ahead = false);
  // A chunk is being decided ahead: the next Sweep call writes it.
  bool SweepRunningAhead() const { return ahead_ != nullptr; }
  // Drops the chunk decided ahead (its persons are decided again by the
  // next Sweep), once its helper threads stopped reading the store. A
  // caller of Sweep with `run_ahead` calls it (or destroys the applier)
  // before the store closes.
  void StopRunningAhead() { DropPlan(); }
  struct SweepAheadCounts {
    int64_t used = 0;           // chunks decided ahead, then written by the next call
    int64_t decided_again = 0;  // dropped: something else was written first
  };
  // Read on the writer's thread, or once it stopped.
  const SweepAheadCounts& sweep_ahead_counts() const { return sweep_ahead_counts_; }
  // The persons of the chunk decided ahead, in id order; empty when none.
  std::vector<std::string> SweepAheadPersons() const;
  size_t pending_sweeps() const { return sweeps_.size(); }
  // True while the projection sweeps use is not loaded yet (after a start,
  // or when new rules read other attributes); LoadProjectionStep advances
  // it. A sweep that needs it loads it first.
  bool ProjectionLoading();
  absl::Status LoadProjectionStep();
  // The projection of the rules in force; null when sweeps do without.
  const PopulationProjection* projection() const { return projection_.get(); }

  uint64_t last_sequence() const { return last_sequence_; }
  // The rules in force, or null when none are loaded.
  std::shared_ptr<const RuleSet> current_rules() const { return rules_ != nullptr ? rules_->Get() : nullptr; }

  // The evaluation date: today in the city's time zone.
  absl::CivilDay Today(absl::Time now) const;

  // Commands on decisions and cases (writer thread only).
  DecisionCommands& commands() { return *commands_; }
  GatewayCommands& gateway() { return *gateway_; }
  PersonEraser& eraser() { return *eraser_; }
  AuditLog& audit() { return *audit_; }

 private:
  struct SweepPlan;
  // The key of sweep job `id` in the default family.
  static std::string SweepKey(uint64_t id);
  EventApplier(Store* store, const Swappable<RuleSet>* rules, Clock* clock, EventApplierOptions options,
               uint64_t last_sequence, std::unique_ptr<AuditLog> audit, DecisionIds decision_ids);
  // Writes the files of `rules` once, so its decisions can be replayed.
  absl::Status SnapshotRules(const RuleSet& rules, WriteBatch* batch);

  absl::Status ApplyPerson(const storage::v1::PersonEventRecord& event, uint64_t sequence, absl::Time received_at,
                           WriteBatch* batch, int* decisions);
  void StartSweep(storage::v1::SweepJob job, WriteBatch* batch);
  // The projection for `rules`, made anew when the attributes their sweep
  // rules test change; null when projection is off or nothing is tested.
  PopulationProjection* ProjectionFor(const std::shared_ptr<const RuleSet>& rules);
  absl::StatusOr<SweepProgress> SweepProjected(storage::v1::SweepJob job, const std::shared_ptr<const RuleSet>& rules,
                                               const std::vector<const CompiledRule*>& candidates,
                                               PopulationProjection* projection, int max_persons, bool run_ahead);
  // Evaluates `candidates` for `person` into `batch`, one graph for all
  // when they share an environment.
  absl::Status ConsiderSweepRules(const std::vector<const CompiledRule*>& candidates, const std::string& person,
                                  StorePersonSource* source, const EvaluationContext& evaluation, DecisionMaker* maker,
                                  WriteBatch* batch);
  // The decisions of one projected chunk, made on several threads.
  class ChunkDecision;
  // Starts deciding the next chunk of the plan (its persons taken from it)
  // on the helper threads.
  std::unique_ptr<ChunkDecision> StartChunk(const storage::v1::SweepJob& job,
                                            const std::vector<const CompiledRule*>& candidates, int max_persons);
  // Forgets the projected sweep's plan and the chunk decided ahead.
  void DropPlan();
  // The batch of a sweep chunk, empty (one kept for all chunks).
  WriteBatch& ChunkBatch();
  // Writes a chunk's batch with the job's new cursor (or its end, logged
  // with `how` the persons were evaluated).
  absl::StatusOr<SweepProgress> FinishSweepChunk(storage::v1::SweepJob job, const RuleSet& rules, int decisions,
                                                 int persons, bool finished, const std::string& cursor,
                                                 WriteBatch* batch, const std::string& how = "");

  Store* store_;
  const Swappable<RuleSet>* rules_;
  Clock* clock_;
  EventApplierOptions options_;
  uint64_t last_sequence_;
  uint64_t next_sweep_id_ = 1;
  std::deque<storage::v1::SweepJob> sweeps_;  // pending, oldest first
  std::unique_ptr<AuditLog> audit_;
  const DecisionIds decision_ids_;  // before commands_, which keeps a pointer to it
  std::unique_ptr<DecisionCommands> commands_;
  std::unique_ptr<GatewayCommands> gateway_;
  std::unique_ptr<PersonEraser> eraser_;
  std::set<std::string> snapshots_;  // rule set versions already snapshotted
  std::unique_ptr<PopulationProjection> projection_;
  // The rules projection_ was made for (held: a new set cannot reuse the address).
  std::shared_ptr<const RuleSet> projection_rules_;
  std::unique_ptr<SweepPlan> plan_;  // of the projected sweep in progress
  // The filter-term testers of the event rules (skip_rules_failing_on_subject),
  // made once per rule set and day (events have no broadcast): building one
  // costs ten times its test.
  FilterTermTester& TesterFor(const std::shared_ptr<const RuleSet>& rules, const CompiledRule& rule,
                              const EvaluationContext& evaluation);
  std::shared_ptr<const RuleSet> tester_rules_;  // held: testers point into it
  absl::CivilDay tester_day_;
  absl::flat_hash_map<const CompiledRule*, std::unique_ptr<FilterTermTester>> testers_;
  std::unique_ptr<WriteBatch> chunk_batch_;
  std::unique_ptr<WriteBatch> event_batch_;  // Apply's
  // The first arena block of each event's person source: most events'
  // states fit, and nothing of them is allocated or freed one by one.
  std::vector<char> person_source_block_ = std::vector<char>(32 << 10);
  std::vector<std::unique_ptr<WriteBatch>> part_batches_;  // the parts' of a ChunkDecision
  SweepAheadCounts sweep_ahead_counts_;
  // Decided ahead, written by the next Sweep. Last: destroyed (its helper
  // threads joined) before everything it uses.
  std::unique_ptr<ChunkDecision> ahead_;
};

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_INGEST_EVENT_APPLIER_H_
