// What stays of a decision once a person it concerns is forgotten (GDPR
// art. 17, ForgetPerson). The decision itself stays: French public records
// law requires keeping administrative decisions (Code du patrimoine,
// art. L211-4 and L212-2), and the audit chain vouches for them. What goes
// is everything that says who the person is or what was known about them.
// docs/privacy.md lists field by field what is kept and why.
//
//   std::string pseudonym = NewPseudonym();  // "x-3F9K0Q2M7T1B8V4R"
//   PseudonymiseDecision(&record, "P1", pseudonym, now);
#ifndef PROACTIVE_ENGINE_DECISION_PSEUDONYMISE_H_
#define PROACTIVE_ENGINE_DECISION_PSEUDONYMISE_H_

#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "proactive/storage/v1/storage.pb.h"

namespace proactive {

// "x-" and 16 Crockford base-32 characters from the kernel's random source
// (getrandom): not derived from the person's id, so nothing kept links it
// back to them. UNAVAILABLE when the kernel has no randomness to give.
absl::StatusOr<std::string> NewPseudonym();

// Replaces `person_id` by `pseudonym` wherever the decision names them and
// removes their data. When they are the subject: every recorded input value,
// every other person's id (another recipient becomes "": its place numbers
// its messages), the action's evaluated parameters, the period key
// and the reasons written by people (citizens, caseworkers) go. When they are
// only a recipient: their inputs' values go. In both cases the trace's values
// go (a step may show any value). Kept: ids, rule and versions, legal basis,
// applied policy parameters, statuses with their dates, actors and causes.
// Sets pseudonymised_at.
void PseudonymiseDecision(storage::v1::DecisionRecord* decision, absl::string_view person_id,
                          absl::string_view pseudonym, absl::Time now);

// The same for a recourse case of the subject's decision: the person's id,
// the contest's words, the notes' texts and the written resolution go; who
// handled it, when, and the outcome with its legal basis stay.
void PseudonymiseCase(storage::v1::RecourseCase* recourse_case, absl::string_view pseudonym, absl::Time now);

// True for an id NewPseudonym made: a person forgotten, whom nothing can
// reach any more.
bool IsPseudonym(absl::string_view person_id);

// A recipient a message may still go to: not forgotten (a pseudonym), nor
// removed from a forgotten subject's decision ("").
inline bool IsReachable(absl::string_view recipient) { return !recipient.empty() && !IsPseudonym(recipient); }

// `text` with the recipient of every message id written before 542e076
// ("d-.../<kind>/<person id>", now "<kind>/<place>") replaced by what
// `rewrite` returns for that person id. Ids stand alone or end a word
// followed by ',', ';', ':', '.' or ')'. Other text is kept as it is.
std::string RewriteLegacyMessageRecipients(absl::string_view text,
                                           absl::FunctionRef<std::string(absl::string_view)> rewrite);

// The text that replaces erased free text.
inline constexpr char kErasedText[] = "[erased: the person was forgotten at their request]";

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_DECISION_PSEUDONYMISE_H_
