// proactivectl decisions list PERSON | show DECISION_ID
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/cli/command_line.h"
#include "engine/cli/command_support.h"
#include "engine/cli/commands.h"
#include "engine/client/channel.h"
#include "engine/client/value_text.h"
#include "proactive/v1/decisions.grpc.pb.h"

namespace proactive {
namespace {

constexpr char kUsage[] =
    "usage: proactivectl decisions list PERSON_ID\n"
    "       proactivectl decisions show DECISION_ID\n"
    "       proactivectl decisions explain DECISION_ID [--lang fr|en]\n"
    "       proactivectl decisions contest DECISION_ID [--reason TEXT]\n"
    "       proactivectl decisions answer DECISION_ID --accept|--decline\n"
    "       (all take --server HOST:PORT)\n"
    "list: one line per decision about the person; show: the rule, its legal "
    "basis, the\n"
    "inputs it read with their sources, the parameters applied and the status "
    "history;\n"
    "explain: the explanation the citizen is entitled to (CRPA R311-3-1-2); "
    "contest:\n"
    "sends the decision to a caseworker's review; answer: the citizen's answer "
    "to an offer.\n"
    "DECISION_ID: the decision's id (d-...) or its reference code, the one its\n"
    "messages and letters quote (7K2M9Q), as the citizen gives it.\n";

void PrintLine(const v1::Decision& d) {
  std::printf("%s  %-6s %-34s %-10s %-12s for %s  (%s)\n", d.decision_id().c_str(), d.reference_code().c_str(),
              d.rule_id().c_str(), d.status().c_str(), d.once_per().c_str(),
              d.recipients().empty() ? "(nobody named)" : absl::StrJoin(d.recipients(), ",").c_str(),
              d.triggered_by().c_str());
}

void PrintFull(const v1::Decision& d) {
  std::printf("decision %s (reference %s): %s\n", d.decision_id().c_str(), d.reference_code().c_str(),
              d.title().c_str());
  std::printf("  person        %s; told: %s\n", d.person_id().c_str(),
              d.recipients().empty() ? "(nobody named)" : absl::StrJoin(d.recipients(), ", ").c_str());
  std::printf("  rule          %s version %s (pack %s %s)\n", d.rule_id().c_str(),
              d.rule_version().substr(0, 12).c_str(), d.pack().c_str(), d.pack_version().c_str());
  std::printf("  service       %s, period %s\n", d.service().c_str(),
              d.once_per().empty() && d.has_pseudonymised_at() ? "(erased)" : d.once_per().c_str());
  std::printf("  made          %s on %s, evaluated for %s\n", d.triggered_by().c_str(),
              ShownTime(d.created_at()).c_str(), d.evaluation_date().c_str());
  std::printf("  status        %s\n", d.status().c_str());
  if (d.has_pseudonymised_at()) {
    std::printf(
        "  pseudonymised %s: a person it named was forgotten at their "
        "request\n",
        ShownTime(d.pseudonymised_at()).c_str());
  }
  if (d.has_reply_deadline()) std::printf("  reply before  %s\n", ShownTime(d.reply_deadline()).c_str());
  if (d.has_recourse_deadline()) {
    std::printf("  contest until %s\n", ShownTime(d.recourse_deadline()).c_str());
  } else if (d.has_recourse_window() && d.status() != "overturned") {
    std::printf("  contest within %s of the day it reaches them (not known to have reached anyone yet)\n",
                d.recourse_window().c_str());
  }
  if (d.has_notified_at()) std::printf("  notified      %s\n", ShownTime(d.notified_at()).c_str());
  std::printf("legal basis:\n");
  for (const std::string& basis : d.legal_basis()) std::printf("  - %s\n", basis.c_str());
  if (d.parameters_size() > 0) std::printf("parameters of the action:\n");
  const char* absent = d.has_pseudonymised_at() ? "(erased)" : "(none)";
  for (const v1::Attribute& p : d.parameters()) {
    std::printf("  %-20s %s\n", p.name().c_str(), p.has_value() ? FormatValue(p.value()).c_str() : absent);
  }
  if (d.inputs_size() > 0) std::printf("data used:\n");
  for (const v1::DecisionInput& in : d.inputs()) {
    if (!in.path().empty() && in.path().back() == ']') {  // a linked person
      std::printf("  %-34s %s\n", in.path().c_str(), in.person_id().c_str());
      continue;
    }
    // Present without a value: erased when a person was forgotten, or only
    // tested with has() by the rule.
    const std::string value = in.has_value()                              ? FormatValue(in.value())
                              : !in.present() || d.has_pseudonymised_at() ? absent
                                                                          : "present (value not kept)";
    std::printf("  %-34s %-24s %s%s\n", in.path().c_str(), value.c_str(),
                in.has_source() ? absl::StrCat("from ", in.source()).c_str() : "",
                in.has_occurred_at() ? absl::StrCat(" at ", ShownTime(in.occurred_at())).c_str() : "");
  }
  if (d.parameters_applied_size() > 0) std::printf("parameters applied:\n");
  for (const v1::AppliedParameter& p : d.parameters_applied()) {
    std::printf("  %-34s %s since %s (%s)\n", p.name().c_str(), FormatValue(p.value()).c_str(), p.since().c_str(),
                p.legal_basis().c_str());
  }
  std::printf("history:\n");
  for (const v1::StatusChange& c : d.history()) {
    std::printf("  %s  %-10s by %s%s%s\n", ShownTime(c.at()).c_str(), c.status().c_str(), c.actor().c_str(),
                c.has_reason() ? absl::StrCat(": ", c.reason()).c_str() : "",
                c.has_cause() ? absl::StrCat(" [", c.cause(), "]").c_str() : "");
  }
}

}  // namespace

int RunDecisionsCommand(const std::vector<std::string>& args) {
  CommandLine line({"server", "lang", "reason"}, {"help", "accept", "decline"});
  absl::Status parsed = line.Parse(args);
  const auto& words = line.positional();
  const std::set<std::string> verbs = {"list", "show", "explain", "contest", "answer"};
  const bool well_formed = words.size() == 2 && verbs.count(words[0]) > 0 &&
                           (words[0] != "answer" || line.Has("accept") != line.Has("decline"));
  int code = 0;
  if (UsageError("decisions", line, parsed, well_formed, kUsage, &code)) return code;
  EngineConnection connection;
  auto stub = ConnectStub<v1::Decisions>(line, &connection);
  if (stub == nullptr) return kExitUsage;
  grpc::ClientContext context;
  connection.PrepareCall(&context, absl::Seconds(30));
  grpc::Status status;
  if (words[0] == "list") {
    v1::ListDecisionsRequest request;
    request.set_person_id(words[1]);
    v1::ListDecisionsResponse response;
    status = stub->ListDecisions(&context, request, &response);
    if (status.ok()) {
      if (response.decisions_size() == 0) std::printf("no decision about %s\n", words[1].c_str());
      for (const v1::Decision& d : response.decisions()) PrintLine(d);
    }
  } else if (words[0] == "show") {
    v1::GetDecisionRequest request;
    request.set_decision_id(words[1]);
    v1::Decision decision;
    status = stub->GetDecision(&context, request, &decision);
    if (status.ok()) PrintFull(decision);
  } else if (words[0] == "explain") {
    v1::ExplainRequest request;
    request.set_decision_id(words[1]);
    if (line.Has("lang")) request.set_language(line.Get("lang", "fr"));
    v1::Explanation explanation;
    status = stub->Explain(&context, request, &explanation);
    if (status.ok()) std::fputs(explanation.text().c_str(), stdout);
  } else if (words[0] == "contest") {
    v1::ContestRequest request;
    request.set_decision_id(words[1]);
    if (line.Has("reason")) request.set_reason(line.Get("reason", ""));
    v1::ContestResponse response;
    status = stub->Contest(&context, request, &response);
    if (status.ok()) {
      std::printf("%s: recourse case %s%s\n", words[1].c_str(), response.case_id().c_str(),
                  response.already_contested() ? " (already contested: nothing changed)"
                                               : " opened; a caseworker will review the decision");
    }
  } else {
    v1::AnswerOfferRequest request;
    request.set_decision_id(words[1]);
    request.set_accept(line.Has("accept"));
    v1::Decision decision;
    status = stub->AnswerOffer(&context, request, &decision);
    if (status.ok()) std::printf("%s is now %s\n", decision.decision_id().c_str(), decision.status().c_str());
  }
  if (!status.ok()) return CallFailed("decisions", status);
  return kExitOk;
}

}  // namespace proactive
