#include "engine/decision/pseudonymise.h"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/common/log.h"
#include "engine/common/proto_time.h"
#include "engine/decision/decision_keys.h"
#include "engine/rules/packed_trace.h"

namespace proactive {

absl::StatusOr<std::string> NewPseudonym() {
  char bytes[10];
  size_t filled = 0;
  while (filled < sizeof(bytes)) {
    ssize_t n = getrandom(bytes + filled, sizeof(bytes) - filled, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::UnavailableError(absl::StrCat("no randomness for a pseudonym: getrandom failed, errno ", errno));
    }
    filled += static_cast<size_t>(n);
  }
  return absl::StrCat("x-", Crockford32(absl::string_view(bytes, sizeof(bytes)), 16));
}

bool IsPseudonym(absl::string_view person_id) {
  if (person_id.size() != 18 || !absl::StartsWith(person_id, "x-")) return false;
  // Crockford's base 32, as NewPseudonym writes it: a person id that merely
  // starts alike is a person.
  return std::all_of(person_id.begin() + 2, person_id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z' && c != 'I' && c != 'L' && c != 'O' && c != 'U');
  });
}

std::string RewriteLegacyMessageRecipients(absl::string_view text,
                                           absl::FunctionRef<std::string(absl::string_view)> rewrite) {
  std::string out;
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find(' ', at);
    if (end == absl::string_view::npos) end = text.size();
    absl::string_view word = text.substr(at, end - at);
    absl::string_view id = word;
    while (!id.empty() && absl::string_view(",;:.)").find(id.back()) != absl::string_view::npos) id.remove_suffix(1);
    const size_t first = id.find('/');
    const size_t last = id.rfind('/');
    absl::string_view recipient = last == absl::string_view::npos ? "" : id.substr(last + 1);
    if (absl::StartsWith(id, "d-") && first != last && id.find('/', first + 1) == last && !recipient.empty() &&
        !std::all_of(recipient.begin(), recipient.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      absl::StrAppend(&out, id.substr(0, last + 1), rewrite(recipient), word.substr(id.size()));
    } else {
      absl::StrAppend(&out, word);
    }
    if (end < text.size()) out.push_back(' ');
    at = end + 1;
  }
  return out;
}

void PseudonymiseDecision(storage::v1::DecisionRecord* d, absl::string_view person_id, absl::string_view pseudonym,
                          absl::Time now) {
  const bool subject = d->person_id() == person_id;
  if (subject) d->set_person_id(std::string(pseudonym));
  // Where they lived, as for their cases: the statistics count the decision
  // in the district unknown from then on.
  if (subject) d->clear_district();
  for (std::string& recipient : *d->mutable_recipients()) {
    if (recipient == person_id) {
      recipient = std::string(pseudonym);
    } else if (subject) {
      recipient.clear();  // a guardian told of a forgotten child's decision
    }
  }
  for (storage::v1::DecisionInput& input : *d->mutable_inputs()) {
    const bool theirs = input.person_id() == person_id;
    if (theirs) input.set_person_id(std::string(pseudonym));
    if (subject && !theirs) input.clear_person_id();  // who else was in their life
    if (subject || theirs) input.clear_value();
  }
  for (storage::v1::TraceStep& step : *d->mutable_trace()) step.clear_value();
  if (!d->packed_trace().empty()) {
    // The ranges stay (what was evaluated), not the values.
    absl::StatusOr<std::vector<PackedTraceStep>> steps = UnpackTrace(d->packed_trace());
    std::string cleared;
    if (steps.ok()) {
      for (const PackedTraceStep& step : *steps) AppendTraceStep(&cleared, step.begin, step.end, "");
    } else {
      LogWarning("privacy", absl::StrCat("decision ", d->decision_id(), ": its trace is unreadable (",
                                         steps.status().message(), ") and goes with the person's data"));
    }
    d->set_packed_trace(std::move(cleared));
  }
  // Causes naming a message written before 2026-12-05 hold its recipient's
  // id ("message <id> handed to the gateway", "letter <id>, taken to arrive
  // on ..."); newer message ids name nobody. Of a forgotten subject's
  // decision, no recipient's id stays.
  for (storage::v1::StatusChange& change : *d->mutable_history()) {
    change.set_cause(RewriteLegacyMessageRecipients(change.cause(), [&](absl::string_view recipient) {
      return recipient == person_id ? std::string(pseudonym) : subject ? "(a recipient)" : std::string(recipient);
    }));
  }
  if (subject) {
    for (storage::v1::NamedValue& parameter : *d->mutable_parameters()) parameter.clear_value();
    d->clear_once_per();
    for (storage::v1::StatusChange& change : *d->mutable_history()) {
      if (change.actor() != "engine" && !change.reason().empty()) change.set_reason(kErasedText);
    }
  }
  *d->mutable_pseudonymised_at() = ToProtoTimestamp(now);
}

void PseudonymiseCase(storage::v1::RecourseCase* c, absl::string_view pseudonym, absl::Time now) {
  c->set_person_id(std::string(pseudonym));
  c->set_arrondissement(0);  // where they lived; the case is resolved (open cases block erasure)
  if (!c->contest_reason().empty()) c->set_contest_reason(kErasedText);
  for (storage::v1::CaseNote& note : *c->mutable_notes()) note.set_text(kErasedText);
  if (!c->resolution_reason().empty()) c->set_resolution_reason(kErasedText);
  for (storage::v1::NamedValue& amended : *c->mutable_amended_parameters()) amended.clear_value();
  for (storage::v1::NamedValue& replaced : *c->mutable_parameters_before()) replaced.clear_value();
  *c->mutable_pseudonymised_at() = ToProtoTimestamp(now);
}

}  // namespace proactive
