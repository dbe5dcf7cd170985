// proactivectl audit verify | list [filters] | register [--markdown] | stats [--from --until --public]
#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "engine/cli/command_line.h"
#include "engine/cli/command_support.h"
#include "engine/cli/commands.h"
#include "engine/client/channel.h"
#include "engine/common/text_formats.h"
#include "proactive/v1/audit.grpc.pb.h"

namespace proactive {
namespace {

std::string InEffect(const v1::RegisteredRule& r) {
  if (!r.has_effective_from() && !r.has_effective_until()) return "always";
  std::string text;
  if (r.has_effective_from()) absl::StrAppend(&text, "from ", r.effective_from());
  if (r.has_effective_until()) absl::StrAppend(&text, text.empty() ? "" : " ", "until ", r.effective_until());
  return text;
}

std::string ValuesText(const v1::RegisteredParameter& p) {
  std::vector<std::string> values;
  for (const v1::DatedParameterValue& v : p.values()) values.push_back(absl::StrCat(v.value(), " since ", v.since()));
  return absl::StrJoin(values, "; ");
}

// "Date of birth, from the civil registry. Category: identity. Sources: etat-civil."
std::string DataText(const v1::RegisteredData& d) {
  std::string text = d.description();
  if (d.presence_only()) absl::StrAppend(&text, text.empty() ? "" : " ", "Only whether it is known is used.");
  if (d.has_category()) absl::StrAppend(&text, " Category: ", d.category(), ".");
  if (d.sources_size() > 0) absl::StrAppend(&text, " Sources: ", absl::StrJoin(d.sources(), ", "), ".");
  return std::string(absl::StripLeadingAsciiWhitespace(text));
}

void PrintRegisterText(const v1::Register& reg) {
  std::printf("Register of the algorithms of %s (rule set %s)\n\n", reg.city().c_str(),
              reg.rule_set_version().substr(0, 12).c_str());
  for (const v1::RegisteredRule& r : reg.rules()) {
    std::printf("%s — %s\n  pack %s %s, owner %s, version %s, in effect %s\n  action: %s (%s); looked at on: %s\n",
                r.rule_id().c_str(), r.title().c_str(), r.pack().c_str(), r.pack_version().c_str(), r.owner().c_str(),
                r.version().substr(0, 12).c_str(), InEffect(r).c_str(), r.action().c_str(), r.service().c_str(),
                r.trigger().c_str());
    std::printf("  purpose: %s\n  legal basis: %s\n  condition: %s\n", OneLineText(r.purpose()).c_str(),
                absl::StrJoin(r.legal_basis(), "; ").c_str(), OneLineText(r.condition()).c_str());
    for (const v1::RegisteredParameter& p : r.parameters()) {
      std::printf("  parameter %s: %s (%s)\n", p.name().c_str(), ValuesText(p).c_str(), p.description().c_str());
    }
    for (const v1::RegisteredData& d : r.data()) {
      std::printf("  reads %s: %s\n", d.path().c_str(), DataText(d).c_str());
    }
    std::printf("\n");
  }
}

// Free text of a pack (titles, purposes) as Markdown shows it, not as markup.
std::string MarkdownText(const std::string& text) {
  std::string out;
  for (char c : OneLineText(text)) {
    if (absl::string_view("\\`*_[]<>#|").find(c) != absl::string_view::npos) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// Ends with a full stop, for text that is given either way.
std::string Sentence(std::string text) {
  if (!text.empty() && absl::string_view(".!?").find(text.back()) == absl::string_view::npos) text.push_back('.');
  return text;
}

// A code span that holds any text: fenced by more backticks than it contains.
std::string MarkdownCode(const std::string& text) {
  const std::string line = OneLineText(text);
  size_t longest = 0, run = 0;
  for (char c : line) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  const std::string fence(longest + 1, '`');
  const char* pad = longest > 0 ? " " : "";
  return absl::StrCat(fence, pad, line, pad, fence);
}

// A page for the city's site: what the CRPA (art. L312-1-3) asks an
// administration to publish of the algorithms behind individual decisions,
// with the parameters that let a reader apply a condition by hand.
void PrintRegisterMarkdown(const v1::Register& reg) {
  std::printf("# Register of the algorithms of %s\n\n", MarkdownText(reg.city()).c_str());
  std::printf(
      "Each rule below is applied by the engine on its own. When it decides about a person, that person is "
      "told which rule decided, on which data, and how to contest the decision before a caseworker. "
      "Rule set `%s`.\n\n"
      "How to read a condition: `person` is what the City's services recorded about the person (each "
      "fact with its source and date), `household.members` the persons of their household, `today` the "
      "day of the evaluation, `school_year` the year of the next September school start, `broadcast` the "
      "alert that triggers the rule (its area and level). A rule decides only when its whole condition "
      "holds; the parameters it names are listed with the values they had and have.\n",
      reg.rule_set_version().c_str());
  for (const v1::RegisteredRule& r : reg.rules()) {
    std::printf("\n## %s\n\n", MarkdownText(r.title()).c_str());
    std::printf("- **Rule:** %s, version %s\n", MarkdownCode(r.rule_id()).c_str(), MarkdownCode(r.version()).c_str());
    std::printf("- **Purpose:** %s\n", MarkdownText(r.purpose()).c_str());
    std::vector<std::string> bases;
    for (const std::string& basis : r.legal_basis()) bases.push_back(MarkdownText(basis));
    std::printf("- **Legal basis:** %s\n", absl::StrJoin(bases, "; ").c_str());
    std::printf("- **Looked at on:** %s\n", MarkdownText(r.trigger()).c_str());
    std::printf("- **Condition:** %s\n", MarkdownCode(r.condition()).c_str());
    std::printf("- **Action:** %s, service %s\n", MarkdownText(r.action()).c_str(), MarkdownCode(r.service()).c_str());
    std::printf("- **In effect:** %s\n", InEffect(r).c_str());
    std::printf("- **Pack:** %s %s, owner: %s\n", MarkdownCode(r.pack()).c_str(),
                MarkdownText(r.pack_version()).c_str(), MarkdownText(r.owner()).c_str());
    if (r.data_size() > 0) std::printf("\nData it reads:\n\n");
    for (const v1::RegisteredData& d : r.data()) {
      std::printf("- %s: %s\n", MarkdownCode(d.path()).c_str(), MarkdownText(DataText(d)).c_str());
    }
    if (r.parameters_size() == 0) continue;
    std::printf("\nParameters:\n\n");
    for (const v1::RegisteredParameter& p : r.parameters()) {
      std::printf("- %s: %s Values: %s.", MarkdownCode(p.name()).c_str(),
                  MarkdownText(Sentence(p.description())).c_str(), MarkdownText(ValuesText(p)).c_str());
      if (!p.legal_basis().empty()) std::printf(" Legal basis: %s", MarkdownText(Sentence(p.legal_basis())).c_str());
      std::printf("\n");
    }
  }
}

// "   42  2026-09-01 16:00:03 CEST  case.resolved  d-... (7K2M9Q)  case c-...  by caseworker:alice  open -> resolved
// cause
// ..."
void PrintEntry(const v1::AuditEntry& e) {
  std::string line = absl::StrFormat("%6d  %s  %-24s", e.sequence(), ShownTime(e.at()), e.action());
  if (e.has_decision_id()) absl::StrAppend(&line, "  ", e.decision_id(), " (", e.reference_code(), ")");
  if (e.has_case_id()) absl::StrAppend(&line, "  case ", e.case_id());
  absl::StrAppend(&line, "  by ", e.actor());
  if (e.has_from_status() || e.has_to_status()) {
    absl::StrAppend(&line, "  ", e.has_from_status() ? e.from_status() : "-", " -> ",
                    e.has_to_status() ? e.to_status() : "-");
  }
  if (e.has_cause()) absl::StrAppend(&line, "  cause ", e.cause());
  std::printf("%s\n", line.c_str());
}

// Pages through the chain until `limit` entries are printed or it ends.
int ListEntries(const CommandLine& line, v1::Audit::Stub* stub, EngineConnection* connection) {
  absl::StatusOr<int64_t> limit = line.GetInt("limit", 100);
  absl::StatusOr<int64_t> after = line.GetInt("after", 0);
  for (const auto* value : {&limit, &after}) {
    if (!value->ok()) {
      std::fprintf(stderr, "proactivectl audit list: %s\n", std::string(value->status().message()).c_str());
      return kExitUsage;
    }
  }
  if (*limit < 1 || *after < 0) {
    std::fprintf(stderr, "proactivectl audit list: --limit must be at least 1 and --after at least 0\n");
    return kExitUsage;
  }
  v1::ListAuditEntriesRequest request;
  if (line.Has("decision")) request.set_decision(line.Get("decision", ""));
  if (line.Has("case")) request.set_case_id(line.Get("case", ""));
  if (line.Has("action")) request.set_action(line.Get("action", ""));
  if (line.Has("actor")) request.set_actor(line.Get("actor", ""));
  request.set_after_sequence(static_cast<uint64_t>(*after));
  int64_t shown = 0;
  while (true) {
    request.set_limit(static_cast<uint32_t>(std::min<int64_t>(*limit - shown, 1000)));
    grpc::ClientContext context;
    connection->PrepareCall(&context, absl::Minutes(1));
    v1::ListAuditEntriesResponse response;
    grpc::Status status = stub->ListEntries(&context, request, &response);
    if (!status.ok()) return CallFailed("audit list", status);
    for (const v1::AuditEntry& e : response.entries()) PrintEntry(e);
    shown += response.entries_size();
    if (!response.has_next_after_sequence()) break;
    if (response.next_after_sequence() <= request.after_sequence()) {
      std::fprintf(stderr, "proactivectl audit list: the engine did not move past entry %llu\n",
                   static_cast<unsigned long long>(request.after_sequence()));
      return kExitUsage;
    }
    if (shown == *limit) {
      std::printf("(--limit %lld reached; the next ones: --after %llu)\n", static_cast<long long>(*limit),
                  static_cast<unsigned long long>(response.next_after_sequence()));
      return kExitOk;
    }
    request.set_after_sequence(response.next_after_sequence());
  }
  if (shown == 0) std::printf("no entry matches\n");
  return kExitOk;
}

// Counts of fewer than kSmallestPublicCount decisions are shown as "<5"
// with --public: a first guard against finding a person in a small cell.
constexpr int64_t kSmallestPublicCount = 5;

std::string ShownCount(int64_t n, bool public_figures) {
  if (public_figures && n > 0 && n < kSmallestPublicCount) return absl::StrCat("<", kSmallestPublicCount);
  return absl::StrCat(n);
}

// "made 3, reached 2, contested 1; now: confirmed 1, in review 1"
std::string CountsText(const v1::OutcomeCounts& c, bool public_figures) {
  std::string text =
      absl::StrCat("made ", ShownCount(c.made(), public_figures), ", reached ", ShownCount(c.reached(), public_figures),
                   ", contested ", ShownCount(c.contested(), public_figures));
  std::map<std::string, int64_t> statuses(c.by_status().begin(), c.by_status().end());
  std::vector<std::string> now;
  for (const auto& [status, n] : statuses) now.push_back(absl::StrCat(status, " ", ShownCount(n, public_figures)));
  if (!now.empty()) absl::StrAppend(&text, "; now: ", absl::StrJoin(now, ", "));
  return text;
}

int PrintStatistics(const CommandLine& line, v1::Audit::Stub* stub, EngineConnection* connection) {
  v1::GetStatisticsRequest request;
  if (line.Has("from")) request.set_made_from(line.Get("from", ""));
  if (line.Has("until")) request.set_made_until(line.Get("until", ""));
  grpc::ClientContext context;
  connection->PrepareCall(&context, absl::Minutes(10));
  v1::Statistics stats;
  grpc::Status status = stub->GetStatistics(&context, request, &stats);
  if (!status.ok()) return CallFailed("audit stats", status);
  const bool public_figures = line.Has("public");
  const std::string district = stats.district_attribute().empty() ? "district" : stats.district_attribute();
  const std::string from = stats.has_made_from() ? absl::StrCat("from ", stats.made_from()) : "from the first day";
  const std::string until = stats.has_made_until() ? absl::StrCat("to ", stats.made_until()) : "to today";
  std::printf("Decisions made %s %s (%s), by rule and %s, and where they stand now\n", from.c_str(), until.c_str(),
              stats.time_zone().c_str(), district.c_str());
  if (public_figures) {
    std::printf("(counts from 1 to %lld shown as \"<%lld\")\n", static_cast<long long>(kSmallestPublicCount - 1),
                static_cast<long long>(kSmallestPublicCount));
  }
  if (stats.rules_size() == 0) std::printf("\nno decision was made then\n");
  for (const v1::RuleOutcomes& r : stats.rules()) {
    const std::string title = r.has_title() ? absl::StrCat(" — ", r.title()) : " (no longer in use)";
    std::printf("\n%s%s%s\n  %s\n", r.rule_id().c_str(), title.c_str(),
                r.formal_decisions() ? ": the formal decisions that followed acceptances" : "",
                CountsText(r.counts(), public_figures).c_str());
    for (const v1::DistrictOutcomes& d : r.districts()) {
      std::printf("  %s %s: %s\n", district.c_str(), d.district().empty() ? "unknown" : d.district().c_str(),
                  CountsText(d.counts(), public_figures).c_str());
    }
  }
  return kExitOk;
}

}  // namespace

int RunAuditCommand(const std::vector<std::string>& args) {
  constexpr char kUsage[] =
      "usage: proactivectl audit verify [--server HOST:PORT]    walk the hash chain of the audit log\n"
      "       proactivectl audit list [--decision ID_OR_CODE] [--case CASE_ID] [--action A] [--actor A]\n"
      "                               [--after SEQUENCE] [--limit N] [--server HOST:PORT]\n"
      "                                   the entries of the chain, oldest first (auditors)\n"
      "       proactivectl audit register [--markdown] [--server HOST:PORT]\n"
      "                                   the register of algorithms in use; --markdown: a page to publish\n"
      "       proactivectl audit stats [--from YYYY-MM-DD] [--until YYYY-MM-DD] [--public] [--server HOST:PORT]\n"
      "                                   how the decisions made then ended, by rule and district (auditors);\n"
      "                                   --public: small counts masked, for publishing\n"
      "verify exits 1 and names the first broken entry when the chain does not verify.\n"
      "list: --decision gives a decision's whole history, its cases' included; --action and --actor\n"
      "match exactly, or as a prefix when they end with '.' or ':' (--action person. --actor caseworker:);\n"
      "--limit (default 100) entries are shown, from the one after --after.\n";
  const std::vector<std::string> filters = {"decision", "case", "action", "actor", "after", "limit"};
  std::vector<std::string> valued = {"server", "from", "until"};
  valued.insert(valued.end(), filters.begin(), filters.end());
  CommandLine line(valued, {"help", "markdown", "public"});
  absl::Status parsed = line.Parse(args);
  const auto& words = line.positional();
  const bool filtered = std::any_of(filters.begin(), filters.end(), [&](const std::string& f) { return line.Has(f); });
  const bool period = line.Has("from") || line.Has("until") || line.Has("public");
  const bool well_formed = words.size() == 1 && (words[0] == "stats" || !period) &&
                           (words[0] == "list" || (words[0] == "register" && !filtered) ||
                            ((words[0] == "verify" || words[0] == "stats") && !line.Has("markdown") && !filtered)) &&
                           (words[0] != "list" || !line.Has("markdown"));
  int code = 0;
  if (UsageError("audit", line, parsed, well_formed, kUsage, &code)) return code;
  EngineConnection connection;
  auto stub = ConnectStub<v1::Audit>(line, &connection);
  if (stub == nullptr) return kExitUsage;
  if (words[0] == "list") return ListEntries(line, stub.get(), &connection);
  if (words[0] == "stats") return PrintStatistics(line, stub.get(), &connection);
  grpc::ClientContext context;
  connection.PrepareCall(&context, absl::Minutes(10));
  if (words[0] == "verify") {
    v1::VerifyAuditResponse response;
    grpc::Status status = stub->VerifyAudit(&context, v1::VerifyAuditRequest(), &response);
    if (!status.ok()) return CallFailed("audit verify", status);
    if (response.intact()) {
      std::printf("audit chain intact: %llu entries verified\n", static_cast<unsigned long long>(response.entries()));
      return kExitOk;
    }
    if (response.first_broken_entry() == 0) {  // the index by decision holds a key of no entry
      std::printf("audit chain BROKEN: %s\n", response.problem().c_str());
    } else {
      std::printf("audit chain BROKEN at entry %llu: %s\n",
                  static_cast<unsigned long long>(response.first_broken_entry()), response.problem().c_str());
    }
    return kExitRefused;
  }
  v1::Register reg;
  grpc::Status status = stub->GetRegister(&context, v1::GetRegisterRequest(), &reg);
  if (!status.ok()) return CallFailed("audit register", status);
  if (line.Has("markdown")) {
    PrintRegisterMarkdown(reg);
  } else {
    PrintRegisterText(reg);
  }
  return kExitOk;
}

}  // namespace proactive
