// proactivectl person show ID: what the engine holds about one person.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/cli/command_line.h"
#include "engine/cli/commands.h"
#include "engine/client/channel.h"
#include "engine/client/value_text.h"
#include "engine/common/text_formats.h"
#include "proactive/v1/persons.grpc.pb.h"

namespace proactive {
namespace {

constexpr char kUsage[] =
    "usage: proactivectl person show PERSON_ID [--server HOST:PORT]\n"
    "Shows the person's current attributes (value, source system, when it\n"
    "happened, which event) and family links.\n";

}  // namespace

int RunPersonCommand(const std::vector<std::string>& args) {
  CommandLine line({"server"}, {"help"});
  absl::Status parsed = line.Parse(args);
  if (!parsed.ok() || line.Has("help") || line.positional().size() != 2 ||
      line.positional()[0] != "show") {
    if (!parsed.ok()) std::fprintf(stderr, "proactivectl person: %s\n", std::string(parsed.message()).c_str());
    std::fputs(kUsage, line.Has("help") ? stdout : stderr);
    return line.Has("help") ? kExitOk : kExitUsage;
  }
  const std::string server = line.Get("server", DefaultServerAddress());
  EngineConnection connection = EngineConnection::FromEnvironment(server);
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = connection.Connect();
  if (!channel.ok()) {
    std::fprintf(stderr, "proactivectl: %s\n", std::string(channel.status().message()).c_str());
    return kExitUsage;
  }
  auto stub = v1::Persons::NewStub(*channel);
  grpc::ClientContext context;
  connection.PrepareCall(&context, absl::Seconds(10));
  v1::GetPersonRequest request;
  request.set_person_id(line.positional()[1]);
  v1::Person person;
  grpc::Status status = stub->GetPerson(&context, request, &person);
  if (!status.ok()) {
    std::fprintf(stderr, "proactivectl person show: %s\n", status.error_message().c_str());
    return status.error_code() == grpc::StatusCode::NOT_FOUND ? kExitRefused : kExitUsage;
  }
  std::printf("person %s", person.person_id().c_str());
  if (person.has_household_id()) std::printf(", household %s", person.household_id().c_str());
  std::printf(", %llu events\n", static_cast<unsigned long long>(person.events_applied()));
  if (person.attributes_size() > 0) std::printf("attributes:\n");
  for (const v1::AttributeState& a : person.attributes()) {
    std::printf("  %-22s %-24s from %-12s at %s (event %s)\n", a.name().c_str(),
                FormatValue(a.value()).c_str(), a.source().c_str(),
                FormatRfc3339(FromProtoTimestamp(a.occurred_at())).c_str(), a.event_id().c_str());
  }
  if (person.links_size() > 0) std::printf("links:\n");
  for (const v1::Link& link : person.links()) {
    std::printf("  %-8s %s\n", link.relation() == v1::RELATION_GUARDIAN ? "guardian" : "child",
                link.person_id().c_str());
  }
  return kExitOk;
}

}  // namespace proactive
