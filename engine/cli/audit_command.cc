// proactivectl audit verify | register
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "engine/cli/command_line.h"
#include "engine/cli/command_support.h"
#include "engine/cli/commands.h"
#include "engine/client/channel.h"
#include "proactive/v1/audit.grpc.pb.h"

namespace proactive {

int RunAuditCommand(const std::vector<std::string>& args) {
  constexpr char kUsage[] =
      "usage: proactivectl audit verify [--server HOST:PORT]    walk the hash chain of the audit log\n"
      "       proactivectl audit register [--server HOST:PORT]  the register of algorithms in use\n"
      "verify exits 1 and names the first broken entry when the chain does not verify.\n";
  CommandLine line({"server"}, {"help"});
  absl::Status parsed = line.Parse(args);
  const auto& words = line.positional();
  const bool well_formed = words.size() == 1 && (words[0] == "verify" || words[0] == "register");
  int code = 0;
  if (UsageError("audit", line, parsed, well_formed, kUsage, &code)) return code;
  EngineConnection connection;
  auto stub = ConnectStub<v1::Audit>(line, &connection);
  if (stub == nullptr) return kExitUsage;
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
    std::printf("audit chain BROKEN at entry %llu: %s\n",
                static_cast<unsigned long long>(response.first_broken_entry()), response.problem().c_str());
    return kExitRefused;
  }
  v1::Register reg;
  grpc::Status status = stub->GetRegister(&context, v1::GetRegisterRequest(), &reg);
  if (!status.ok()) return CallFailed("audit register", status);
  std::printf("Register of the algorithms of %s (rule set %s)\n\n", reg.city().c_str(),
              reg.rule_set_version().substr(0, 12).c_str());
  for (const v1::RegisteredRule& r : reg.rules()) {
    std::printf("%s — %s\n  pack %s %s, owner %s, version %s\n  action: %s (%s); looked at on: %s\n  purpose: %s\n",
                r.rule_id().c_str(), r.title().c_str(), r.pack().c_str(), r.pack_version().c_str(), r.owner().c_str(),
                r.version().substr(0, 12).c_str(), r.action().c_str(), r.service().c_str(), r.trigger().c_str(),
                r.purpose().c_str());
    std::printf("  legal basis: %s\n\n", absl::StrJoin(r.legal_basis(), "; ").c_str());
  }
  return kExitOk;
}

}  // namespace proactive
