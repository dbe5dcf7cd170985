#include "engine/decision/explanation.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/common/proto_time.h"
#include "engine/common/text_formats.h"
#include "engine/decision/decision_factory.h"
#include "engine/decision/lifecycle.h"
#include "engine/rules/person_graph.h"
#include "engine/rules/rule_evaluator.h"

namespace proactive {
namespace {

// Whether `d` has the parameter `p`, with its value.
bool HoldsValue(const storage::v1::DecisionRecord& d, const storage::v1::NamedValue& p) {
  for (const storage::v1::NamedValue& held : d.parameters()) {
    if (held.name() == p.name()) return held.value().SerializeAsString() == p.value().SerializeAsString();
  }
  return false;
}

struct Words {
  const char* title;
  const char* reference;
  const char* automation_head;
  const char* fully_automated;
  const char* reviewed;
  const char* review_line;
  const char* data_head;
  const char* no_value;
  const char* value_not_kept;
  const char* from;
  const char* recorded_on;
  const char* parameters_head;
  const char* in_force_since;
  const char* action_parameters;
  const char* operations_head;
  const char* operations_intro;
  const char* legal_head;
  const char* contest_head;
  const char* contest;
  const char* contest_closed;
  const char* contest_not_started;
  const char* contest_cancelled;
  const char* appeal;
  const char* status;
  const char* purpose;
};

constexpr Words kFrench = {
    "Décision",
    "référence",
    "1. Degré et mode de contribution du traitement algorithmique",
    "Cette décision a été prise par un traitement algorithmique, sans "
    "intervention humaine.",
    "Cette décision a été établie par un traitement algorithmique puis "
    "réexaminée par un agent.",
    "Réexamen par %s le %s : %s. Motif : %s (base légale : %s).",
    "2. Données traitées et leurs sources",
    "aucune valeur connue",
    "présente (valeur non conservée)",
    "source",
    "enregistrée le",
    "3. Paramètres du traitement appliqués à votre situation",
    "en vigueur depuis le",
    "Éléments de la décision",
    "4. Opérations effectuées",
    "La règle %s (version %s) a vérifié les conditions suivantes :",
    "Base légale",
    "Contester",
    "Vous pouvez contester cette décision jusqu'au %s : répondez RECOURS %s au "
    "SMS reçu, ou adressez-vous à votre mairie d'arrondissement. Toute "
    "contestation est réexaminée par un agent, jamais par une machine. Vous "
    "pouvez aussi demander les règles du traitement et leur mise en œuvre pour "
    "vous (CRPA art. L311-3-1).",
    "Le délai pour contester auprès de la Ville est passé (%s).",
    "La Ville ne sait pas encore si cette décision vous est parvenue : le délai "
    "pour la contester court à partir du jour où elle vous parvient (si c'est "
    "aujourd'hui, jusqu'au %s). Adressez-vous à votre mairie d'arrondissement avec le code %s. Toute "
    "contestation est réexaminée par un agent, jamais par une machine.",
    "Cette décision a été annulée : il n'y a plus rien à contester.",
    "Recours contentieux : tribunal administratif de Paris, dans les deux mois "
    "suivant la notification de cette décision ou du rejet de votre "
    "contestation (code de justice administrative, art. R421-1).",
    "État",
    "Objet"};

constexpr Words kEnglish = {"Decision",
                            "reference",
                            "1. Degree and mode of contribution of the algorithmic processing",
                            "This decision was taken by an algorithmic processing, with no human "
                            "intervention.",
                            "This decision was established by an algorithmic processing, then reviewed "
                            "by a caseworker.",
                            "Reviewed by %s on %s: %s. Reason: %s (legal basis: %s).",
                            "2. Data processed and their sources",
                            "no known value",
                            "present (value not kept)",
                            "source",
                            "recorded on",
                            "3. Parameters of the processing as applied to your situation",
                            "in force since",
                            "Elements of the decision",
                            "4. Operations performed",
                            "Rule %s (version %s) checked the following conditions:",
                            "Legal basis",
                            "How to contest",
                            "You may contest this decision until %s: reply RECOURS %s to the SMS you "
                            "received, or go to your town hall. Every contest is reviewed by a "
                            "caseworker, never by a machine. You may also ask for the rules of the "
                            "processing and how they applied to you (CRPA art. L311-3-1).",
                            "The time to contest with the City has passed (%s).",
                            "The City does not know yet whether this decision reached you: the time to "
                            "contest it runs from the day it reaches you (if today, until %s). Go to your town "
                            "hall with the code %s. Every contest is reviewed by a caseworker, never "
                            "by a machine.",
                            "This decision was cancelled: there is nothing left to contest.",
                            "Judicial appeal: administrative court of Paris, within two months of the "
                            "notification of this decision or of the rejection of your contest (Code "
                            "de justice administrative, art. R421-1).",
                            "Status",
                            "Purpose"};

std::string Fill(const char* pattern, std::initializer_list<std::string> args) {
  std::string out;
  auto it = args.begin();
  for (const char* p = pattern; *p != '\0'; ++p) {
    if (p[0] == '%' && p[1] == 's' && it != args.end()) {
      out += *it++;
      ++p;
    } else {
      out.push_back(*p);
    }
  }
  return out;
}

std::string ValueOf(const storage::v1::Value& v) { return ValueText(FromStorageValue(v)); }

absl::string_view FrenchStatus(storage::v1::DecisionStatus status) {
  switch (status) {
    case storage::v1::PROPOSED:
      return "proposée, en attente de votre réponse";
    case storage::v1::NOTIFIED:
      return "notifiée, en attente de votre réponse";
    case storage::v1::CONFIRMED:
      return "acceptée";
    case storage::v1::DECLINED:
      return "refusée par vous";
    case storage::v1::LAPSED:
      return "caduque (sans réponse dans le délai)";
    case storage::v1::ISSUED:
      return "émise";
    case storage::v1::REFERRED:
      return "transmise à un travailleur social";
    case storage::v1::IN_REVIEW:
      return "en cours de réexamen par un agent";
    case storage::v1::UPHELD:
      return "maintenue après réexamen";
    case storage::v1::OVERTURNED:
      return "annulée après réexamen";
    case storage::v1::AMENDED:
      return "modifiée après réexamen";
    default:
      return "inconnu";
  }
}

}  // namespace

DecisionExplanation ExplainDecision(const storage::v1::DecisionRecord& d,
                                    const std::vector<storage::v1::RecourseCase>& cases, const AttributeSchema* schema,
                                    absl::string_view purpose, absl::string_view language, absl::Time now,
                                    absl::TimeZone zone) {
  // The city's day: a deadline at 23:59:59 in Paris is still that day.
  const auto Date = [zone](const google::protobuf::Timestamp& ts) {
    return absl::FormatTime("%Y-%m-%d", absl::FromUnixSeconds(ts.seconds()), zone);
  };
  const bool english = language == "en";
  const Words& w = english ? kEnglish : kFrench;
  DecisionExplanation e;
  e.language = english ? "en" : "fr";
  std::string& t = e.text;
  absl::StrAppend(&t, w.title, " ", d.decision_id(), " (", w.reference, " ", d.reference_code(), ") — ", d.title(),
                  "\n");
  if (!purpose.empty()) absl::StrAppend(&t, w.purpose, " : ", purpose, "\n");
  absl::StrAppend(&t, w.status, " : ", english ? DecisionStatusName(d.status()) : FrenchStatus(d.status()), "\n");
  // An offer waiting for its answer (as made, or again after a review) says
  // until when, and how to give it.
  if (IsOfferAwaitingAnswer(d) && d.has_reply_deadline()) {
    absl::StrAppend(
        &t,
        english ? absl::StrCat("Awaiting your answer until ", Date(d.reply_deadline()), ": reply OUI ",
                               d.reference_code(), " to accept or NON ", d.reference_code(), " to decline.")
                : absl::StrCat("Réponse attendue jusqu'au ", Date(d.reply_deadline()), " : répondez OUI ",
                               d.reference_code(), " pour accepter ou NON ", d.reference_code(), " pour refuser."),
        "\n");
  }
  if (d.has_pseudonymised_at()) {
    absl::StrAppend(&t, english ? "Personal data erased on " : "Données personnelles effacées le ",
                    Date(d.pseudonymised_at()),
                    english ? " at the person's request (GDPR art. 17): this "
                              "record keeps only what the law "
                              "requires to keep."
                            : " à la demande de la personne (RGPD art. 17) : "
                              "cette fiche ne garde que ce que la "
                              "loi impose de conserver.",
                    "\n");
  }
  absl::StrAppend(&t, "\n");

  const storage::v1::RecourseCase* reviewed = nullptr;
  for (const auto& c : cases) {
    if (c.status() == storage::v1::CASE_RESOLVED) reviewed = &c;
  }
  absl::StrAppend(&t, w.automation_head, "\n");
  e.automation = reviewed != nullptr ? (english ? "reviewed by a caseworker" : "réexaminée par un agent")
                                     : (english ? "fully automated" : "entièrement automatisée");
  absl::StrAppend(&t, "   ", reviewed != nullptr ? w.reviewed : w.fully_automated, "\n");
  for (const auto& c : cases) {
    if (c.status() != storage::v1::CASE_RESOLVED) continue;
    const char* outcome = c.outcome() == storage::v1::OUTCOME_UPHELD    ? (english ? "upheld" : "maintenue")
                          : c.outcome() == storage::v1::OUTCOME_AMENDED ? (english ? "amended" : "modifiée")
                                                                        : (english ? "overturned" : "annulée");
    absl::StrAppend(&t, "   ",
                    Fill(w.review_line, {c.resolved_by(), Date(c.resolved_at()), outcome, c.resolution_reason(),
                                         c.resolution_legal_basis()}),
                    "\n");
    if (c.decision_id() != d.decision_id()) {
      absl::StrAppend(&t, "     ",
                      english
                          ? absl::StrCat("(review of offer ", c.decision_id(), ", which this decision follows)")
                          : absl::StrCat("(réexamen de l'offre ", c.decision_id(), ", dont découle cette décision)"),
                      "\n");
    }
    for (int i = 0; i < c.amended_parameters_size(); ++i) {
      const storage::v1::NamedValue& after = c.amended_parameters(i);
      // The offer's review names only the values this decision holds: one its
      // own review changed since is told by that review.
      if (c.decision_id() != d.decision_id() && !HoldsValue(d, after)) continue;
      absl::StrAppend(&t, "     ", english ? "amended: " : "modifié : ", after.name(), " : ",
                      i < c.parameters_before_size() ? ValueOf(c.parameters_before(i).value()) : "", " → ",
                      ValueOf(after.value()), "\n");
    }
  }

  absl::StrAppend(&t, "\n", w.data_head, "\n");
  for (const storage::v1::DecisionInput& in : d.inputs()) {
    ExplainedData data;
    data.path = in.path();
    std::vector<std::string> parts = absl::StrSplit(in.path(), '.');
    const std::string& attribute = parts.back();
    if (schema != nullptr) {
      if (const AttributeSpec* spec = schema->FindAttribute(attribute)) {
        data.description = spec->description;
        data.category = spec->category;
      }
    }
    data.present = in.present();
    // Present without a value: the rule only tested its presence, or the
    // value was erased when a person was forgotten.
    data.value_kept = in.present() && in.has_value();
    if (data.value_kept) data.value = ValueOf(in.value());
    data.source = in.source();
    if (in.has_occurred_at()) data.as_of = Date(in.occurred_at());
    if (absl::EndsWith(in.path(), "]")) continue;  // a link, not a datum
    absl::StrAppend(&t, "   - ", in.path(), data.description.empty() ? "" : absl::StrCat(" (", data.description, ")"),
                    " : ",
                    !in.present()    ? w.no_value
                    : in.has_value() ? data.value
                                     : w.value_not_kept,
                    data.source.empty() ? "" : absl::StrCat(" — ", w.from, " ", data.source),
                    data.as_of.empty() ? "" : absl::StrCat(", ", w.recorded_on, " ", data.as_of), "\n");
    e.data_used.push_back(std::move(data));
  }

  absl::StrAppend(&t, "\n", w.parameters_head, "\n");
  for (const storage::v1::AppliedParameter& p : d.parameters_applied()) {
    absl::StrAppend(&t, "   - ", p.name(), " : ", ValueOf(p.value()), ", ", w.in_force_since, " ", p.since(), " (",
                    p.legal_basis(), ")\n");
  }
  if (d.parameters_size() > 0) {
    absl::StrAppend(&t, "   ", w.action_parameters, " :");
    for (const storage::v1::NamedValue& p : d.parameters())
      absl::StrAppend(&t, " ", p.name(), " = ", ValueOf(p.value()), ";");
    absl::StrAppend(&t, "\n");
  }

  absl::StrAppend(&t, "\n", w.operations_head, "\n   ",
                  Fill(w.operations_intro, {d.rule_id(), d.rule_version().substr(0, 12)}), "\n");
  std::set<std::string> seen;
  for (const storage::v1::TraceStep& step : d.trace()) {
    // The conditions, not every sub-expression: boolean results of
    // expressions worth reading.
    if (step.value() != "true" && step.value() != "false") continue;
    const std::string expression(TraceStepExpression(d, step));
    if (expression.size() < 8 || !seen.insert(expression).second) continue;
    if (e.operations.size() >= 12) break;
    e.operations.emplace_back(expression, step.value());
    absl::StrAppend(&t, "   - ", expression, " → ",
                    step.value() == "true" ? (english ? "true" : "vrai") : (english ? "false" : "faux"), "\n");
  }

  absl::StrAppend(&t, "\n", w.legal_head, "\n");
  for (const std::string& basis : d.legal_basis()) absl::StrAppend(&t, "   - ", basis, "\n");

  absl::StrAppend(&t, "\n", w.contest_head, "\n");
  const storage::v1::RecourseCase* contest = nullptr;
  for (const auto& c : cases) {
    if (c.kind() == storage::v1::CONTEST && c.decision_id() == d.decision_id()) contest = &c;
  }
  if (d.status() == storage::v1::OVERTURNED) {
    e.how_to_contest = w.contest_cancelled;
  } else if (!TimeToContestStarted(d)) {
    // Its recorded deadline is provisional: the time runs from notification.
    const absl::Time if_notified_now = ContestDeadline(RecourseWindow(d, zone), now, zone);
    e.how_to_contest = Fill(w.contest_not_started, {Date(ToProtoTimestamp(if_notified_now)), d.reference_code()});
  } else if (TimeToContestEnded(d, now)) {
    e.how_to_contest = Fill(w.contest_closed, {Date(d.recourse_deadline())});
  } else {
    e.how_to_contest = Fill(w.contest, {Date(d.recourse_deadline()), d.reference_code()});
  }
  if (contest != nullptr && contest->status() == storage::v1::CASE_OPEN) {
    e.how_to_contest = english ? "This decision was contested; a caseworker reviews it."
                               : "Cette décision a été contestée ; un agent la réexamine.";
  } else if (contest != nullptr) {
    e.how_to_contest =
        english ? absl::StrCat("Your contest was reviewed on ", Date(contest->resolved_at()), " (see 1).")
                : absl::StrCat("Votre contestation a été examinée le ", Date(contest->resolved_at()), " (voir 1).");
  }
  absl::StrAppend(&t, "   ", e.how_to_contest, "\n");
  e.appeal = w.appeal;
  absl::StrAppend(&t, "   ", e.appeal, "\n");
  return e;
}

}  // namespace proactive
