// Erasure of personal data: a person forgotten at their request (GDPR
// art. 17, Persons.ForgetPerson) and raw events past their retention period.
//
//   PersonEraser eraser(store, audit, commands, rules);
//   ASSIGN_OR_RETURN(storage::v1::ErasureRecord done,
//                    eraser.Forget({"P1", "back-office:etat-civil",
//                    "RGPD-2026-0042"}, now));
//
// Forgetting writes one batch: the person's state, household membership,
// links on other persons, phone index, opt-out, messages and replies go;
// their events keep only their id, source and date; the decisions about
// them or sent to them are kept under a fresh pseudonym without their data
// (pseudonymise.h), each with an audit entry; an ErasureRecord and a
// "person.forgotten" audit entry say it happened. Then the old versions of
// every key it changed are compacted out of RocksDB's files, so the data is
// gone from the disk, not only hidden. The audit log itself holds
// no personal data and is not changed. docs/privacy.md says what is kept
// and why.
//
// Both run on the writer thread (EventWriter::Execute / the writer's idle
// loop): nothing else changes the person meanwhile.
#ifndef PROACTIVE_ENGINE_INGEST_ERASURE_H_
#define PROACTIVE_ENGINE_INGEST_ERASURE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/audit/audit_log.h"
#include "engine/common/swappable.h"
#include "engine/ingest/decision_commands.h"
#include "engine/rules/rule_set.h"
#include "engine/store/store.h"
#include "proactive/storage/v1/storage.pb.h"

namespace proactive {

struct ErasureRequest {
  std::string person_id;
  std::string requested_by;       // "back-office:<principal>"
  std::string request_reference;  // the city's reference of the request, no
                                  // personal data
};

struct RetentionProgress {
  int examined = 0;        // log entries looked at
  int erased = 0;          // person events whose payload was erased
  bool caught_up = false;  // every event older than the period is erased
};

class PersonEraser {
 public:
  // `rules` may be null (then the phone attribute is "phone").
  // REQUIRES: everything outlives the eraser.
  PersonEraser(Store* store, AuditLog* audit, DecisionCommands* commands, const Swappable<RuleSet>* rules)
      : store_(store), audit_(audit), commands_(commands), rules_(rules) {}

  // Forgets the person. NOT_FOUND naming person_id when no state is held
  // (never named by an event, or already forgotten). FAILED_PRECONDITION
  // naming the case when a recourse case about one of their decisions is
  // open: a caseworker must resolve it first (GDPR art. 17(3)(b)). Offers
  // still waiting for their answer are withdrawn. Nothing is written on error.
  absl::StatusOr<storage::v1::ErasureRecord> Forget(const ErasureRequest& request, absl::Time now);

  // Erases the payload of person events received more than `retention`
  // before `now`, in log order from where the last call stopped, at most
  // `max_entries` log entries per call. Writes its own batch (unsynced).
  absl::StatusOr<RetentionProgress> EraseExpiredEvents(absl::Time now, absl::Duration retention, int max_entries);

 private:
  Store* store_;
  AuditLog* audit_;
  DecisionCommands* commands_;
  const Swappable<RuleSet>* rules_;
};

// What stays of a logged person event once its payload is erased.
storage::v1::EventLogEntry ErasedEventEntry(const storage::v1::EventLogEntry& entry, absl::string_view reason,
                                            absl::Time now);

// The stored record of an erasure, or nullopt.
absl::StatusOr<std::optional<storage::v1::ErasureRecord>> ReadErasure(const Store& store, absl::string_view pseudonym);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_INGEST_ERASURE_H_
