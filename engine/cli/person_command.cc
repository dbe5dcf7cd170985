// proactivectl person show ID | forget ID --reference REF
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/cli/command_line.h"
#include "engine/cli/command_support.h"
#include "engine/cli/commands.h"
#include "engine/client/channel.h"
#include "engine/client/value_text.h"
#include "proactive/v1/persons.grpc.pb.h"

namespace proactive {
namespace {

constexpr char kUsage[] =
    "usage: proactivectl person show PERSON_ID [--reveal-for DECISION_OR_CASE] [--server HOST:PORT]\n"
    "       proactivectl person forget PERSON_ID --reference REQUEST_REF [--server HOST:PORT]\n"
    "show: the person's current attributes (value, source system, when it happened,\n"
    "which event) and family links. Contact data (the schema's category contact:\n"
    "a phone number) comes masked, +336••••••02; --reveal-for names the decision\n"
    "(d-...) or recourse case (c-...) you contact them about, which must concern\n"
    "them: the engine then shows it whole and records who saw it, and for what,\n"
    "in the audit log. Only a caseworker (role caseworker) may reveal.\n"
    "forget: erases the person at their request (GDPR art. 17): state, contact data,\n"
    "messages and event payloads go; the decisions the law keeps stay under a\n"
    "pseudonym, without their data (docs/privacy.md). REQUEST_REF is the city's\n"
    "reference of the request (letters, digits, . _ : / -).\n";

// `text` followed by spaces up to `width` characters (UTF-8 aware: printf's
// %-24s counts bytes, and "é" or "•" are more than one).
std::string PadRight(const std::string& text, size_t width) {
  size_t characters = 0;
  for (char c : text) characters += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return characters >= width ? text : text + std::string(width - characters, ' ');
}

int Show(v1::Persons::Stub* stub, grpc::ClientContext* context, const std::string& person_id,
         const std::string& reveal_for) {
  v1::GetPersonRequest request;
  request.set_person_id(person_id);
  if (!reveal_for.empty()) request.set_reveal_contact_for(reveal_for);
  v1::Person person;
  grpc::Status status = stub->GetPerson(context, request, &person);
  if (!status.ok()) return CallFailed("person show", status);
  std::printf("person %s", person.person_id().c_str());
  if (person.has_household_id()) std::printf(", household %s", person.household_id().c_str());
  std::printf(", %llu events\n", static_cast<unsigned long long>(person.events_applied()));
  if (person.attributes_size() > 0) std::printf("attributes:\n");
  bool masked = false;
  for (const v1::AttributeState& a : person.attributes()) {
    masked = masked || a.masked();
    const std::string value = FormatValue(a.value());
    std::printf("  %-22s %s from %-12s at %s (event %s)\n", a.name().c_str(), PadRight(value, 24).c_str(),
                a.source().c_str(), ShownTime(a.occurred_at()).c_str(), a.event_id().c_str());
  }
  if (masked)
    std::printf("  (contact data masked; --reveal-for DECISION_OR_CASE shows it, and the audit log records it)\n");
  if (!reveal_for.empty())
    std::printf("  (contact data shown for %s: recorded in the audit log)\n", reveal_for.c_str());
  if (person.links_size() > 0) std::printf("links:\n");
  for (const v1::Link& link : person.links()) {
    std::printf("  %-8s %s\n", link.relation() == v1::RELATION_GUARDIAN ? "guardian" : "child",
                link.person_id().c_str());
  }
  return kExitOk;
}

int Forget(v1::Persons::Stub* stub, grpc::ClientContext* context, const std::string& person_id,
           const std::string& reference) {
  v1::ForgetPersonRequest request;
  request.set_person_id(person_id);
  request.set_request_reference(reference);
  v1::ForgetPersonResponse r;
  grpc::Status status = stub->ForgetPerson(context, request, &r);
  if (!status.ok()) return CallFailed("person forget", status);
  std::printf("forgotten (request %s); the decisions kept now name %s\n", reference.c_str(), r.pseudonym().c_str());
  std::printf("  event payloads erased     %llu\n", static_cast<unsigned long long>(r.events_erased()));
  std::printf("  decisions pseudonymised   %llu (offers withdrawn: %llu)\n",
              static_cast<unsigned long long>(r.decisions_pseudonymised()),
              static_cast<unsigned long long>(r.offers_withdrawn()));
  std::printf("  recourse cases            %llu\n", static_cast<unsigned long long>(r.cases_pseudonymised()));
  std::printf("  messages deleted          %llu\n", static_cast<unsigned long long>(r.messages_deleted()));
  std::printf("  messages to others held   %llu\n", static_cast<unsigned long long>(r.messages_suppressed()));
  std::printf("  replies erased            %llu\n", static_cast<unsigned long long>(r.replies_erased()));
  std::printf("  links on others removed   %llu\n", static_cast<unsigned long long>(r.links_removed()));
  return kExitOk;
}

}  // namespace

int RunPersonCommand(const std::vector<std::string>& args) {
  CommandLine line({"server", "reference", "reveal-for"}, {"help"});
  absl::Status parsed = line.Parse(args);
  const auto& words = line.positional();
  const bool show = words.size() == 2 && words[0] == "show";
  const bool forget = words.size() == 2 && words[0] == "forget" && line.Has("reference");
  int code = 0;
  if (UsageError("person", line, parsed, show || forget, kUsage, &code)) return code;
  EngineConnection connection;
  auto stub = ConnectStub<v1::Persons>(line, &connection);
  if (stub == nullptr) return kExitUsage;
  grpc::ClientContext context;
  connection.PrepareCall(&context, absl::Seconds(30));
  return show ? Show(stub.get(), &context, words[1], line.Get("reveal-for", ""))
              : Forget(stub.get(), &context, words[1], line.Get("reference", ""));
}

}  // namespace proactive
