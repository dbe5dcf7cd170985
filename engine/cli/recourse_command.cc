// proactivectl recourse list|show|claim|note|resolve: a caseworker's queue.
#include <cstdio>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/cli/command_line.h"
#include "engine/cli/command_support.h"
#include "engine/cli/commands.h"
#include "engine/client/channel.h"
#include "engine/client/value_text.h"
#include "nlohmann/json.hpp"
#include "proactive/v1/recourse.grpc.pb.h"

namespace proactive {
namespace {

constexpr char kUsage[] =
    "usage: proactivectl recourse list [--all] [--service S] [--arrondissement N] [--due_before YYYY-MM-DD]\n"
    "       proactivectl recourse show CASE_ID\n"
    "       proactivectl recourse inbox [--all]            citizens' SMS the engine could not apply\n"
    "       proactivectl recourse read REPLY_ID           mark one as read\n"
    "       proactivectl recourse claim CASE_ID [--lease_seconds N]\n"
    "       proactivectl recourse note CASE_ID --text TEXT\n"
    "       proactivectl recourse resolve CASE_ID --outcome upheld|overturned|amended\n"
    "                                     --reason TEXT --legal_basis TEXT\n"
    "                                     [--amend '{\"school\": \"École maternelle Parmentier\"}']\n"
    "       (all take --server HOST:PORT; the caseworker is the caller's certificate or token)\n"
    "Cases are listed by due date. Claim a case before adding notes or resolving it; an\n"
    "abandoned claim expires after its lease. A resolution needs a written reason, sent to\n"
    "the citizen, and its legal basis. Amended, --amend gives new values of the decision's\n"
    "parameters (a JSON object; dates, amounts as text); the citizen gets its message again.\n";

// `text`, a JSON object of parameter names and values, into the request:
// strings as text (the engine reads dates and amounts from it), numbers and
// booleans as such.
absl::Status AmendedParametersFromJson(const std::string& text, v1::ResolveCaseRequest* request) {
  // In the order given: an error names amended_parameters[i] as typed. A
  // name given twice is refused here, as the engine would: JSON keeps only
  // the last.
  std::set<std::string> names;
  std::string twice;
  const auto note_names = [&](int depth, nlohmann::ordered_json::parse_event_t event, nlohmann::ordered_json& parsed) {
    if (event == nlohmann::ordered_json::parse_event_t::key && depth == 1 && parsed.is_string() &&
        !names.insert(parsed.get<std::string>()).second && twice.empty()) {
      twice = parsed.get<std::string>();
    }
    return true;
  };
  const nlohmann::ordered_json object = nlohmann::ordered_json::parse(text, note_names, /*allow_exceptions=*/false);
  if (object.is_discarded() || !object.is_object() || object.empty()) {
    return absl::InvalidArgumentError(
        "expected a JSON object of the parameters to change, e.g. '{\"school\": \"École maternelle Parmentier\"}'");
  }
  if (!twice.empty()) return absl::InvalidArgumentError(absl::StrCat("\"", twice, "\" is given twice"));
  for (const auto& [name, value] : object.items()) {
    v1::Attribute* p = request->add_amended_parameters();
    p->set_name(name);
    if (value.is_string()) {
      p->mutable_value()->set_string_value(value.get<std::string>());
    } else if (value.is_boolean()) {
      p->mutable_value()->set_bool_value(value.get<bool>());
    } else if (value.is_number_unsigned() &&
               value.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return absl::InvalidArgumentError(absl::StrCat("\"", name, "\": ", value.dump(),
                                                     " is larger than the largest integer the engine keeps (",
                                                     std::numeric_limits<int64_t>::max(), ")"));
    } else if (value.is_number_integer()) {
      p->mutable_value()->set_int_value(value.get<int64_t>());
    } else if (value.is_number()) {
      p->mutable_value()->set_double_value(value.get<double>());
    } else {
      return absl::InvalidArgumentError(absl::StrCat("\"", name, "\": give a string, a number or true/false"));
    }
  }
  return absl::OkStatus();
}

void PrintCase(const v1::RecourseCase& c, bool full) {
  std::printf("%-24s %-8s due %s%s  %-30s %-22s decision %s%s\n", c.case_id().c_str(), c.status().c_str(),
              ShownTime(c.due_at()).c_str(), c.overdue() ? " OVERDUE" : "", c.service().c_str(), c.kind().c_str(),
              c.decision_id().c_str(), c.has_claimed_by() ? absl::StrCat("  claimed by ", c.claimed_by()).c_str() : "");
  if (!full) return;
  std::printf("  opened %s by %s%s\n", ShownTime(c.opened_at()).c_str(), c.opened_by().c_str(),
              c.has_contest_reason() ? absl::StrCat(": \"", c.contest_reason(), "\"").c_str() : "");
  if (c.has_claimed_by())
    std::printf("  claimed by %s until %s\n", c.claimed_by().c_str(), ShownTime(c.claim_expires_at()).c_str());
  for (const v1::CaseNote& n : c.notes()) {
    std::printf("  note by %s at %s: %s\n", n.caseworker().c_str(), ShownTime(n.at()).c_str(), n.text().c_str());
  }
  if (c.has_outcome()) {
    std::printf("  resolved %s by %s at %s: %s (legal basis: %s)\n", c.outcome().c_str(), c.resolved_by().c_str(),
                ShownTime(c.resolved_at()).c_str(), c.resolution_reason().c_str(), c.resolution_legal_basis().c_str());
  }
  for (const v1::AmendedParameter& p : c.amended_parameters()) {
    std::printf("  amended %s: %s -> %s\n", p.name().c_str(), FormatValue(p.before()).c_str(),
                FormatValue(p.after()).c_str());
  }
}

}  // namespace

int RunRecourseCommand(const std::vector<std::string>& args) {
  CommandLine line({"server", "service", "arrondissement", "due_before", "lease_seconds", "text", "outcome", "reason",
                    "legal_basis", "amend"},
                   {"help", "all"});
  absl::Status parsed = line.Parse(args);
  const auto& words = line.positional();
  const bool list = !words.empty() && (words[0] == "list" || words[0] == "inbox");
  int code = 0;
  if (UsageError("recourse", line, parsed, !words.empty() && (list || words.size() == 2), kUsage, &code)) return code;
  EngineConnection connection;
  auto stub = ConnectStub<v1::Recourse>(line, &connection);
  if (stub == nullptr) return kExitUsage;
  grpc::ClientContext context;
  connection.PrepareCall(&context, absl::Seconds(30));
  grpc::Status status;
  v1::RecourseCase c;
  if (words[0] == "inbox") {
    v1::ListInboxRequest request;
    request.set_include_read(line.Has("all"));
    v1::ListInboxResponse response;
    status = stub->ListInbox(&context, request, &response);
    if (status.ok()) {
      if (response.replies_size() == 0) std::printf("inbox empty\n");
      for (const v1::InboxReply& r : response.replies()) {
        std::printf("%s  %s  from %s%s: \"%s\" (%s)\n", r.reply_id().c_str(), ShownTime(r.received_at()).c_str(),
                    r.has_sender_person_id() ? r.sender_person_id().c_str() : "an unknown number",
                    r.read() ? ", read" : "", r.text().c_str(), r.why().c_str());
      }
    }
  } else if (words[0] == "read") {
    v1::MarkReadRequest request;
    request.set_reply_id(words[1]);
    v1::InboxReply reply;
    status = stub->MarkRead(&context, request, &reply);
    if (status.ok()) std::printf("%s marked as read\n", reply.reply_id().c_str());
    if (status.ok()) return kExitOk;
  } else if (list) {
    v1::ListCasesRequest request;
    request.set_include_resolved(line.Has("all"));
    if (line.Has("service")) request.set_service(line.Get("service", ""));
    absl::StatusOr<int64_t> arrondissement = line.GetInt("arrondissement", 0);
    if (arrondissement.ok() && *arrondissement != 0) request.set_arrondissement(static_cast<int32_t>(*arrondissement));
    if (line.Has("due_before")) request.set_due_before(line.Get("due_before", ""));
    v1::ListCasesResponse response;
    status = stub->ListCases(&context, request, &response);
    if (status.ok()) {
      if (response.cases_size() == 0) std::printf("no case\n");
      for (const v1::RecourseCase& each : response.cases()) PrintCase(each, false);
    }
  } else if (words[0] == "show") {
    v1::GetCaseRequest request;
    request.set_case_id(words[1]);
    status = stub->GetCase(&context, request, &c);
  } else if (words[0] == "claim") {
    v1::ClaimCaseRequest request;
    request.set_case_id(words[1]);
    absl::StatusOr<int64_t> lease = line.GetInt("lease_seconds", 1800);
    request.set_lease_seconds(lease.ok() ? static_cast<int32_t>(*lease) : 0);
    status = stub->ClaimCase(&context, request, &c);
  } else if (words[0] == "note") {
    v1::AddNoteRequest request;
    request.set_case_id(words[1]);
    request.set_text(line.Get("text", ""));
    status = stub->AddNote(&context, request, &c);
  } else if (words[0] == "resolve") {
    v1::ResolveCaseRequest request;
    request.set_case_id(words[1]);
    request.set_outcome(line.Get("outcome", ""));
    request.set_reason(line.Get("reason", ""));
    request.set_legal_basis(line.Get("legal_basis", ""));
    if (line.Has("amend")) {
      absl::Status amend = AmendedParametersFromJson(line.Get("amend", ""), &request);
      if (!amend.ok()) {
        std::fprintf(stderr, "recourse: --amend: %s\n", std::string(amend.message()).c_str());
        return kExitUsage;
      }
    }
    status = stub->ResolveCase(&context, request, &c);
  } else {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  if (!status.ok()) return CallFailed("recourse", status);
  if (!list) PrintCase(c, true);
  return kExitOk;
}

}  // namespace proactive
