#include "engine/ingest/erasure.h"

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "engine/common/field_error.h"
#include "engine/common/log.h"
#include "engine/common/phone_number.h"
#include "engine/common/proto_time.h"
#include "engine/common/status_macros.h"
#include "engine/decision/decision_factory.h"
#include "engine/decision/decision_store.h"
#include "engine/decision/lifecycle.h"
#include "engine/decision/pseudonymise.h"
#include "engine/ingest/gateway_commands.h"
#include "engine/notify/outbox.h"
#include "engine/recourse/recourse_cases.h"
#include "engine/store/codec.h"
#include "engine/store/records.h"

namespace proactive {
namespace {

constexpr absl::string_view kErasurePrefix = "erasure/";
constexpr absl::string_view kRetentionCursorKey = "retention/next";

// Every id the event names: its subject and the other ends of its links.
std::set<std::string> PersonsNamed(const storage::v1::PersonEventRecord& event) {
  std::set<std::string> named = {event.person_id()};
  for (const auto* links : {&event.links_added(), &event.links_removed()}) {
    for (const storage::v1::LinkChange& link : *links) named.insert(link.person_id());
  }
  return named;
}

// Ids of the cases a decision may have (one of each kind at most).
std::vector<std::string> CaseIdsOf(const storage::v1::DecisionRecord& d) {
  return {ContestCaseId(d.decision_id()), ReviewCaseId(d.decision_id())};
}

}  // namespace

storage::v1::EventLogEntry ErasedEventEntry(const storage::v1::EventLogEntry& entry, absl::string_view reason,
                                            absl::Time now) {
  storage::v1::EventLogEntry erased;
  erased.set_format_version(entry.format_version());
  erased.set_sequence(entry.sequence());
  *erased.mutable_received_at() = entry.received_at();
  erased.set_fingerprint(entry.fingerprint());
  storage::v1::ErasedEventRecord* record = erased.mutable_erased();
  record->set_event_id(entry.person().event_id());
  record->set_source(entry.person().source());
  *record->mutable_occurred_at() = entry.person().occurred_at();
  *record->mutable_erased_at() = ToProtoTimestamp(now);
  record->set_reason(std::string(reason));
  return erased;
}

absl::StatusOr<std::optional<storage::v1::ErasureRecord>> ReadErasure(const Store& store, absl::string_view pseudonym) {
  const std::string key = absl::StrCat(kErasurePrefix, pseudonym);
  ASSIGN_OR_RETURN(std::optional<std::string> bytes, store.Get(Family::kMeta, key));
  if (!bytes) return std::optional<storage::v1::ErasureRecord>();
  ASSIGN_OR_RETURN(storage::v1::ErasureRecord record, DecodeRecord<storage::v1::ErasureRecord>(*bytes, key));
  return std::optional<storage::v1::ErasureRecord>(std::move(record));
}

absl::StatusOr<storage::v1::ErasureRecord> PersonEraser::Forget(const ErasureRequest& request, absl::Time now) {
  const std::string& person_id = request.person_id;
  ASSIGN_OR_RETURN(std::optional<storage::v1::PersonState> stored, ReadPersonState(*store_, person_id));
  if (!stored) {
    return FieldErrorWithCode(
        absl::StatusCode::kNotFound, "person_id",
        absl::StrCat("no person \"", person_id, "\" is held (never named by an event, or already forgotten)"));
  }
  const storage::v1::PersonState& state = *stored;

  // The decisions that name them, and first of all: may they be forgotten now?
  ASSIGN_OR_RETURN(std::vector<std::string> as_subject, ListDecisionIdsOfPerson(*store_, person_id));
  ASSIGN_OR_RETURN(std::vector<std::string> as_recipient, ListDecisionIdsForRecipient(*store_, person_id));
  ASSIGN_OR_RETURN(std::vector<std::string> reading, ListDecisionIdsReadingPerson(*store_, person_id));
  std::vector<storage::v1::DecisionRecord> decisions;
  std::vector<std::pair<storage::v1::RecourseCase, storage::v1::RecourseCase>> cases;  // stored, changed
  std::set<std::string> seen;
  for (const std::vector<std::string>* ids : {&as_subject, &as_recipient, &reading}) {
    for (const std::string& id : *ids) {
      if (!seen.insert(id).second) continue;
      ASSIGN_OR_RETURN(std::optional<storage::v1::DecisionRecord> d, ReadDecision(*store_, id));
      if (!d) return absl::DataLossError(absl::StrCat("decision index names ", id, " but no such decision is stored"));
      if (d->person_id() == person_id) {
        for (const std::string& case_id : CaseIdsOf(*d)) {
          ASSIGN_OR_RETURN(std::optional<storage::v1::RecourseCase> c, ReadCase(*store_, case_id));
          if (!c) continue;
          if (c->status() == storage::v1::CASE_OPEN) {
            return FieldErrorWithCode(absl::StatusCode::kFailedPrecondition, "person_id",
                                      absl::StrCat("recourse case ", case_id, " about decision ", id,
                                                   " is open: a caseworker must resolve it before the person "
                                                   "can be forgotten "
                                                   "(GDPR art. 17(3)(b): the review is a legal obligation)"));
          }
          cases.emplace_back(*c, *c);
        }
      }
      decisions.push_back(*std::move(d));
    }
  }

  ASSIGN_OR_RETURN(std::string pseudonym, NewPseudonym());
  storage::v1::ErasureRecord erasure;
  erasure.set_format_version(kStorageFormatVersion);
  erasure.set_pseudonym(pseudonym);
  *erasure.mutable_at() = ToProtoTimestamp(now);
  erasure.set_requested_by(request.requested_by);
  erasure.set_request_reference(request.request_reference);
  WriteBatch batch(*store_);
  const std::string& actor = request.requested_by;
  const std::string& cause = request.request_reference;

  // Decisions: offers waiting for them are withdrawn, then every decision
  // keeps its skeleton under the pseudonym.
  for (storage::v1::DecisionRecord& d : decisions) {
    if (d.person_id() == person_id && IsOfferAwaitingAnswer(d)) {
      ASSIGN_OR_RETURN(d, commands_->WithdrawOfferInto(&batch, d.decision_id(), actor, cause, now));
      erasure.set_offers_withdrawn(erasure.offers_withdrawn() + 1);
    }
    const std::string status(DecisionStatusName(d.status()));
    batch.Delete(Family::kDecisions, PersonDecisionKey(person_id, d.decision_id()));
    batch.Delete(Family::kDecisions, RecipientDecisionKey(person_id, d.decision_id()));
    batch.Delete(Family::kDecisions, InputPersonDecisionKey(person_id, d.decision_id()));
    if (d.person_id() == person_id) {
      batch.Put(Family::kDecisions, PersonDecisionKey(pseudonym, d.decision_id()), "");
      // Others told of it, or whose data it read, lose their id in it
      // (PseudonymiseDecision), and the keys that found it from them.
      for (const std::string& recipient : d.recipients()) {
        if (recipient != person_id) batch.Delete(Family::kDecisions, RecipientDecisionKey(recipient, d.decision_id()));
      }
      for (const storage::v1::DecisionInput& input : d.inputs()) {
        if (!input.person_id().empty() && input.person_id() != person_id) {
          batch.Delete(Family::kDecisions, InputPersonDecisionKey(input.person_id(), d.decision_id()));
        }
      }
    }
    for (const std::string& recipient : d.recipients()) {
      // A subject told of their own decision is found by its subject key.
      if (recipient == person_id && d.person_id() != person_id) {
        batch.Put(Family::kDecisions, RecipientDecisionKey(pseudonym, d.decision_id()), "");
      }
    }
    PseudonymiseDecision(&d, person_id, pseudonym, now);
    audit_->AppendEncoded(
        &batch, now, AuditRecord{"decision.pseudonymised", d.decision_id(), d.case_id(), actor, status, status, cause},
        PutDecision(&batch, &d));
    erasure.set_decisions_pseudonymised(erasure.decisions_pseudonymised() + 1);
  }
  for (auto& [stored_case, changed] : cases) {
    PseudonymiseCase(&changed, pseudonym, now);
    PutCase(&batch, &stored_case, changed);
    audit_->Append(&batch, now,
                   AuditRecord{"case.pseudonymised", changed.decision_id(), changed.case_id(), actor, "resolved",
                               "resolved", cause},
                   changed);
    erasure.set_cases_pseudonymised(erasure.cases_pseudonymised() + 1);
  }

  // Messages to them, their number, their opt-out, their replies.
  ASSIGN_OR_RETURN(std::vector<std::string> message_ids, MessagesOfPerson(*store_, person_id));
  for (const std::string& id : message_ids) {
    ASSIGN_OR_RETURN(std::optional<storage::v1::OutboxMessage> m, ReadMessage(*store_, id));
    if (!m) continue;
    DeleteMessage(&batch, *m);
    erasure.set_messages_deleted(erasure.messages_deleted() + 1);
  }
  // Messages to others about them (a child's offer to its guardians, the
  // answer to it): those that have not left are never sent, and keep neither
  // their text, which may name what was erased, nor their recipient's id,
  // which would tie the pseudonym to a guardian; those that left go.
  for (const storage::v1::DecisionRecord& d : decisions) {
    if (d.person_id() != pseudonym) continue;  // pseudonymised above: they were its subject
    // Their own messages are deleted above.
    const auto to_others = [&](const storage::v1::OutboxMessage& m) {
      return m.recipient() != person_id && m.recipient() != pseudonym;
    };
    ASSIGN_OR_RETURN(int withheld, WithholdMessages(*store_, &batch, audit_, d.decision_id(), to_others,
                                                    "its subject was forgotten before it left", actor, cause, now,
                                                    /*forget_recipients=*/true));
    erasure.set_messages_suppressed(erasure.messages_suppressed() + withheld);
    ASSIGN_OR_RETURN(std::vector<storage::v1::OutboxMessage> messages, MessagesOfDecision(*store_, d.decision_id()));
    for (const storage::v1::OutboxMessage& m : messages) {
      if (NotLeftYet(m) || !to_others(m) || m.recipient().empty()) continue;
      DeleteMessage(&batch, m);
      erasure.set_messages_deleted(erasure.messages_deleted() + 1);
    }
  }
  // Their number's index key: the one recorded, and, for keys written before
  // it was, under every text attribute of theirs that is a number (the
  // city's sms_attribute may have named another one then).
  std::shared_ptr<const RuleSet> rules = rules_ != nullptr ? rules_->Get() : nullptr;
  const CitySpec& city = rules != nullptr ? rules->city() : DefaultCity();
  if (!state.indexed_phone().empty()) DeletePhone(&batch, state.indexed_phone(), person_id, city);
  for (const storage::v1::AttributeEntry& a : state.attributes()) {
    if (!a.value().has_string_value() || a.value().string_value().empty()) continue;
    // The city's number attribute whatever its shape; others that are numbers.
    if (a.name() == city.sms_attribute || LooksLikePhoneNumber(a.value().string_value())) {
      DeletePhone(&batch, a.value().string_value(), person_id, city);
    }
  }
  DeleteOptOut(&batch, person_id);
  // Decisions they contested by SMS, with the words they sent.
  std::vector<std::pair<std::string, std::string>> contested_by_sms;
  std::set<std::string> about_them;  // their decisions, now under the pseudonym
  for (const storage::v1::DecisionRecord& d : decisions) {
    if (d.person_id() == pseudonym) about_them.insert(d.decision_id());
  }
  RETURN_IF_ERROR(ScanReplies(*store_, [&](const storage::v1::ReplyRecord& reply) {
    if (reply.sender_person_id() != person_id) {
      // Another person's reply about their decision (a guardian's OUI to a
      // child's offer): it would tie the pseudonym to that person. Its
      // sender, decision and words go; what it did stays.
      if (reply.decision_id().empty() || about_them.count(reply.decision_id()) == 0) return true;
      storage::v1::ReplyRecord unlinked = reply;
      unlinked.clear_sender_person_id();
      unlinked.clear_decision_id();
      unlinked.clear_text();
      // "accepted d-…", "to a caseworker: decision d-… is …": what it did.
      unlinked.set_outcome(
          absl::StartsWith(reply.outcome(), "to a caseworker")
              ? "to a caseworker"
              : std::string(absl::StripSuffix(reply.outcome(), absl::StrCat(" ", reply.decision_id()))));
      unlinked.set_erased(true);
      unlinked.set_read(true);
      batch.Put(Family::kOutbox, ReplyKey(reply.reply_id()), EncodeRecord(unlinked));
      batch.Delete(Family::kOutbox, InboxKey(reply.reply_id()));
      erasure.set_replies_erased(erasure.replies_erased() + 1);
      return true;
    }
    if (!reply.decision_id().empty() && absl::StartsWith(reply.outcome(), "contested")) {
      contested_by_sms.emplace_back(reply.decision_id(), reply.text());
    }
    storage::v1::ReplyRecord erased = reply;
    erased.set_sender_person_id(pseudonym);
    erased.clear_text();
    erased.set_erased(true);
    erased.set_read(true);
    batch.Put(Family::kOutbox, ReplyKey(reply.reply_id()), EncodeRecord(erased));
    batch.Delete(Family::kOutbox, InboxKey(reply.reply_id()));
    erasure.set_replies_erased(erasure.replies_erased() + 1);
    return true;
  }));
  // A contest by SMS keeps its text as the case's reason: it is their reply's
  // text, and goes with it (the cases of their own decisions are
  // pseudonymised whole above).
  for (const auto& [decision_id, words] : contested_by_sms) {
    const std::string case_id = ContestCaseId(decision_id);
    if (std::any_of(cases.begin(), cases.end(), [&](const auto& c) { return c.first.case_id() == case_id; })) continue;
    ASSIGN_OR_RETURN(std::optional<storage::v1::RecourseCase> stored_case, ReadCase(*store_, case_id));
    // Only their words: a case another person (or a desk) opened first
    // keeps its reason.
    if (!stored_case || words.empty() || stored_case->contest_reason() != words) continue;
    storage::v1::RecourseCase changed = *stored_case;
    changed.set_contest_reason(kErasedText);
    PutCase(&batch, &*stored_case, changed);
    const std::string status = changed.status() == storage::v1::CASE_OPEN ? "open" : "resolved";
    audit_->Append(&batch, now, AuditRecord{"case.reason_erased", decision_id, case_id, actor, status, status, cause},
                   changed);
  }

  // Their state, household membership, and the links others hold to them.
  batch.Delete(Family::kPersons, person_id);
  if (!state.household_id().empty()) DeleteHouseholdMember(&batch, state.household_id(), person_id);
  std::set<std::string> linked;
  for (const storage::v1::LinkEntry& link : state.links()) linked.insert(link.person_id());
  for (const std::string& other_id : linked) {
    if (other_id == person_id) continue;
    ASSIGN_OR_RETURN(std::optional<storage::v1::PersonState> other, ReadPersonState(*store_, other_id));
    if (!other) continue;
    auto* links = other->mutable_links();
    const int before = links->size();
    links->erase(std::remove_if(links->begin(), links->end(),
                                [&](const storage::v1::LinkEntry& l) { return l.person_id() == person_id; }),
                 links->end());
    if (links->size() == before) continue;
    erasure.set_links_removed(erasure.links_removed() + static_cast<uint64_t>(before - links->size()));
    PutPersonState(&batch, *std::move(other));
  }

  // Their events: payloads erased; others' events that link to them name the
  // pseudonym instead.
  ASSIGN_OR_RETURN(std::vector<uint64_t> sequences, ReadPersonEventSequences(*store_, person_id));
  for (uint64_t sequence : sequences) {
    batch.Delete(Family::kPersonEvents, PersonEventKey(person_id, sequence));
    ASSIGN_OR_RETURN(std::optional<storage::v1::EventLogEntry> entry, ReadEventLogEntry(*store_, sequence));
    if (!entry || !entry->has_person()) continue;  // erased already (retention)
    if (entry->person().person_id() == person_id) {
      PutEventLogEntry(&batch, ErasedEventEntry(*entry, "person forgotten", now));
      erasure.set_events_erased(erasure.events_erased() + 1);
      continue;
    }
    storage::v1::PersonEventRecord* event = entry->mutable_person();
    for (auto* links : {event->mutable_links_added(), event->mutable_links_removed()}) {
      for (storage::v1::LinkChange& link : *links) {
        if (link.person_id() == person_id) link.set_person_id(pseudonym);
      }
    }
    PutEventLogEntry(&batch, *std::move(entry));
  }

  batch.Put(Family::kMeta, absl::StrCat(kErasurePrefix, pseudonym), EncodeRecord(erasure));
  audit_->Append(&batch, now, AuditRecord{"person.forgotten", "", "", actor, "held", "forgotten", cause}, erasure);
  RETURN_IF_ERROR(store_->Write(&batch, /*sync=*/false));
  // Hidden is not erased: the old versions must leave the files as well.
  // The erasure is written either way; RocksDB's own compactions finish it.
  absl::Status compacted = store_->EraseOldVersions(batch.Keys());
  if (!compacted.ok()) {
    LogError("privacy", absl::StrCat("erasure ", pseudonym,
                                     " is written but its old versions are still in the "
                                     "files until RocksDB compacts them: ",
                                     compacted.ToString()));
  }
  return erasure;
}

absl::StatusOr<RetentionProgress> PersonEraser::EraseExpiredEvents(absl::Time now, absl::Duration retention,
                                                                   int max_entries) {
  RetentionProgress progress;
  uint64_t next = 1;
  ASSIGN_OR_RETURN(std::optional<std::string> cursor, store_->Get(Family::kMeta, kRetentionCursorKey));
  if (cursor && !DecodeSequenceKey(*cursor, &next)) {
    return absl::DataLossError("retention cursor: not an 8-byte sequence");
  }
  const absl::Time cutoff = now - retention;
  WriteBatch batch(*store_);
  progress.caught_up = true;  // unless an entry is left for the next call
  RETURN_IF_ERROR(ScanEventLog(*store_, next, [&](const storage::v1::EventLogEntry& entry) {
    if (progress.examined >= max_entries) {
      progress.caught_up = false;
      return false;
    }
    if (FromProtoTimestamp(entry.received_at()) >= cutoff) return false;
    ++progress.examined;
    next = entry.sequence() + 1;
    if (!entry.has_person()) return true;
    for (const std::string& named : PersonsNamed(entry.person())) {
      batch.Delete(Family::kPersonEvents, PersonEventKey(named, entry.sequence()));
    }
    PutEventLogEntry(&batch, ErasedEventEntry(entry, "retention", now));
    ++progress.erased;
    return true;
  }));
  if (progress.examined == 0) return progress;
  batch.Put(Family::kMeta, kRetentionCursorKey, EncodeSequenceKey(next));
  RETURN_IF_ERROR(store_->Write(&batch, /*sync=*/false));
  return progress;
}

}  // namespace proactive
