// proactivectl letters list|posted: the mail room's side of the outbox.
#include <cstdio>
#include <string>
#include <vector>

#include "engine/cli/command_line.h"
#include "engine/cli/command_support.h"
#include "engine/cli/commands.h"
#include "engine/client/channel.h"
#include "engine/client/value_text.h"
#include "proactive/v1/gateway.grpc.pb.h"

namespace proactive {
namespace {

constexpr char kUsage[] =
    "usage: proactivectl letters list [--max N]      letters waiting to be posted, oldest first (N: 1..1000)\n"
    "       proactivectl letters posted MESSAGE_ID   record that one was printed and posted\n"
    "       (all take --server HOST:PORT; the caller is a gateway or a caseworker, by certificate or token)\n"
    "A message becomes a letter when its recipient has no phone, or its SMS failed for good, and its\n"
    "rule allows a letter. The engine holds no postal address: take it from the city's register of\n"
    "the person. Once posted, an offer the letter carried counts as notified.\n";

}  // namespace

int RunLettersCommand(const std::vector<std::string>& args) {
  CommandLine line({"server", "max"}, {"help"});
  absl::Status parsed = line.Parse(args);
  const auto& words = line.positional();
  const bool well_formed = (words.size() == 1 && words[0] == "list") || (words.size() == 2 && words[0] == "posted");
  int code = 0;
  if (UsageError("letters", line, parsed, well_formed, kUsage, &code)) return code;
  absl::StatusOr<int64_t> max = line.GetInt("max", 100);
  if (!max.ok()) {
    std::fprintf(stderr, "proactivectl letters: %s\n", std::string(max.status().message()).c_str());
    return kExitUsage;
  }
  EngineConnection connection;
  auto stub = ConnectStub<v1::Gateway>(line, &connection);
  if (stub == nullptr) return kExitUsage;
  grpc::ClientContext context;
  connection.PrepareCall(&context, absl::Seconds(30));
  if (words[0] == "list") {
    v1::ListLettersRequest request;
    // Out of range: 0, which the engine refuses naming max_letters.
    request.set_max_letters(*max >= 1 && *max <= 1000 ? static_cast<int32_t>(*max) : 0);
    v1::ListLettersResponse response;
    grpc::Status status = stub->ListLetters(&context, request, &response);
    if (!status.ok()) return CallFailed("letters list", status);
    std::printf("%llu letters to post%s\n", static_cast<unsigned long long>(response.total()),
                response.total() > static_cast<uint64_t>(response.letters_size()) ? " (the oldest listed)" : "");
    for (const v1::Letter& l : response.letters()) {
      std::printf("%s  to %s  since %s  (%s, %s)\n  %s\n", l.message_id().c_str(), l.person_id().c_str(),
                  ShownTime(l.since()).c_str(), l.language().c_str(),
                  l.reference_code().empty() ? "no code" : l.reference_code().c_str(), l.text().c_str());
    }
    return kExitOk;
  }
  v1::MarkLetterPostedRequest request;
  request.set_message_id(words[1]);
  v1::MarkLetterPostedResponse response;
  grpc::Status status = stub->MarkLetterPosted(&context, request, &response);
  if (!status.ok()) return CallFailed("letters posted", status);
  std::printf("%s %s\n", words[1].c_str(), response.already_posted() ? "was already marked as posted" : "posted");
  return kExitOk;
}

}  // namespace proactive
