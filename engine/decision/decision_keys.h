// Identity of decisions: a rule fires at most once per person and period
// (its once_per key), so a decision's id is derived from exactly that:
// replaying the same events, restarting or reloading packs finds the same id.
//
//   DecisionKey key{"heatwave.check-in.registered", "P1", "75-2026-07-01"};
//   std::string id = DecisionIdFor(key);       // "d-7K2M9QXH4T3B0V1R"
//   std::string code = ReferenceCodeFor(id);   // "7K2M9Q", quoted in SMS
//   replies
#ifndef PROACTIVE_ENGINE_DECISION_DECISION_KEYS_H_
#define PROACTIVE_ENGINE_DECISION_DECISION_KEYS_H_

#include <string>
#include <utility>

#include "absl/strings/string_view.h"

namespace proactive {

struct DecisionKey {
  std::string rule_id;
  std::string person_id;
  std::string once_per;
};

// The first `characters` Crockford base-32 digits of `bytes` (5 bits each;
// zero bits past the end).
std::string Crockford32(absl::string_view bytes, size_t characters);

// "d-" and 16 Crockford base-32 characters (80 bits of SHA-256 of the key).
// Anyone can compute it from a rule id, a person id and a period: see
// DecisionIds for the ids a store gives.
std::string DecisionIdFor(const DecisionKey& key);

// How a store derives its decisions' ids. A store made since 2026-12-05
// draws a secret (OpenDecisionIds) and keys them (SHA-256 of the secret
// then the key, as decision_keys.cc says why): whoever
// reads a decision kept after its person was forgotten cannot find who it
// was by trying person ids. A store with decisions made before keeps the
// plain DecisionIdFor: a rule's once_per key must find the same id again.
class DecisionIds {
 public:
  static DecisionIds Unkeyed() { return DecisionIds(""); }
  // REQUIRES: `secret` is not empty.
  static DecisionIds Keyed(std::string secret) { return DecisionIds(std::move(secret)); }

  // "d-" and 16 Crockford base-32 characters.
  std::string For(const DecisionKey& key) const;
  // A citizen's reply's id, from the gateway's id for it: "g-" and 24 hex
  // digits, keyed as decisions are. A gateway without ids of its own names
  // a reply by a digest of its sender's number, time and text: the audit
  // chain, which cites the reply, must not let anyone try numbers against
  // it. An unkeyed store keeps its plain SHA-256 (replies seen before stay
  // recognised).
  std::string ReplyIdFor(absl::string_view gateway_message_id) const;
  bool keyed() const { return !secret_.empty(); }

 private:
  explicit DecisionIds(std::string secret) : secret_(std::move(secret)) {}
  std::string secret_;
};

// The six characters after "d-": short enough to type in an SMS. Not unique
// on its own; replies are matched with the sender's number too.
std::string ReferenceCodeFor(absl::string_view decision_id);

// Upper-cases, maps look-alikes (O->0, I/L->1) as Crockford base 32 does and
// drops everything but letters and digits (spaces, dashes, the punctuation a
// sentence adds: "YT975D."), so that a code typed by a citizen matches.
std::string NormalizeReferenceCode(absl::string_view typed);

// Keys in the "decisions" column family.
std::string DecisionRecordKey(absl::string_view decision_id);
std::string PersonDecisionKey(absl::string_view person_id, absl::string_view decision_id);
std::string PersonDecisionPrefix(absl::string_view person_id);
std::string RecipientDecisionKey(absl::string_view person_id, absl::string_view decision_id);
std::string RecipientDecisionPrefix(absl::string_view person_id);
// Decisions that read another person's data (a household member's income,
// a guardian's phone): "i/" person_id \0 decision_id.
std::string InputPersonDecisionKey(absl::string_view person_id, absl::string_view decision_id);
std::string InputPersonDecisionPrefix(absl::string_view person_id);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_DECISION_DECISION_KEYS_H_
