// Who may call what. Every caller is a principal identified by its client
// certificate (mutual TLS) or by a bearer token, and holds roles; every RPC
// lists the roles allowed to call it (MethodRoles). An RPC missing from that
// table is refused to everyone.
//
//   ASSIGN_OR_RETURN(AccessPolicy policy,
//   AccessPolicy::LoadFile("deploy/config/access.yaml", &diagnostics));
//   // in a handler:
//   absl::Status allowed = policy.Authorize(*context, kPublishMethod);
//
// Identity is read from the connection's certificate properties and the
// call's metadata, never written to the AuthContext (gRPC 1.51 aborts when
// AuthContext is mutated under concurrent calls, grpc/grpc#36322).
#ifndef PROACTIVE_ENGINE_SERVICE_ACCESS_CONTROL_H_
#define PROACTIVE_ENGINE_SERVICE_ACCESS_CONTROL_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/common/diagnostic.h"
#include "grpcpp/server_context.h"

namespace proactive {

// kFeed: a system that only publishes (a weather feed, open data): the
// ingestion calls and ReplaceTable, for its sources; it reads nothing.
enum class Role { kBackOffice, kFeed, kGateway, kCaseworker, kRulesAdmin, kAuditor };

// "back-office", "feed", "gateway", "caseworker", "rules-admin", "auditor".
absl::string_view RoleName(Role role);
std::optional<Role> ParseRole(absl::string_view name);
const std::vector<Role>& AllRoles();

// Full method names, as gRPC spells them ("/package.Service/Method").
inline constexpr char kPublishMethod[] = "/proactive.v1.Ingestion/Publish";
inline constexpr char kPublishStreamMethod[] = "/proactive.v1.Ingestion/PublishStream";
inline constexpr char kPublishBatchMethod[] = "/proactive.v1.Ingestion/PublishBatch";
inline constexpr char kGetPersonMethod[] = "/proactive.v1.Persons/GetPerson";
inline constexpr char kForgetPersonMethod[] = "/proactive.v1.Persons/ForgetPerson";
inline constexpr char kListDecisionsMethod[] = "/proactive.v1.Decisions/ListDecisions";
inline constexpr char kGetDecisionMethod[] = "/proactive.v1.Decisions/GetDecision";
inline constexpr char kContestMethod[] = "/proactive.v1.Decisions/Contest";
inline constexpr char kAnswerOfferMethod[] = "/proactive.v1.Decisions/AnswerOffer";
inline constexpr char kExplainMethod[] = "/proactive.v1.Decisions/Explain";
inline constexpr char kListCasesMethod[] = "/proactive.v1.Recourse/ListCases";
inline constexpr char kGetCaseMethod[] = "/proactive.v1.Recourse/GetCase";
inline constexpr char kClaimCaseMethod[] = "/proactive.v1.Recourse/ClaimCase";
inline constexpr char kAddNoteMethod[] = "/proactive.v1.Recourse/AddNote";
inline constexpr char kResolveCaseMethod[] = "/proactive.v1.Recourse/ResolveCase";
inline constexpr char kListInboxMethod[] = "/proactive.v1.Recourse/ListInbox";
inline constexpr char kMarkReadMethod[] = "/proactive.v1.Recourse/MarkRead";
inline constexpr char kLeaseMessagesMethod[] = "/proactive.v1.Gateway/LeaseMessages";
inline constexpr char kAckMessageMethod[] = "/proactive.v1.Gateway/AckMessage";
inline constexpr char kReportDeliveryMethod[] = "/proactive.v1.Gateway/ReportDelivery";
inline constexpr char kReportReplyMethod[] = "/proactive.v1.Gateway/ReportReply";
inline constexpr char kListLettersMethod[] = "/proactive.v1.Gateway/ListLetters";
inline constexpr char kMarkLetterPostedMethod[] = "/proactive.v1.Gateway/MarkLetterPosted";
inline constexpr char kVerifyAuditMethod[] = "/proactive.v1.Audit/VerifyAudit";
inline constexpr char kListAuditEntriesMethod[] = "/proactive.v1.Audit/ListEntries";
inline constexpr char kGetRegisterMethod[] = "/proactive.v1.Audit/GetRegister";
inline constexpr char kGetStatisticsMethod[] = "/proactive.v1.Audit/GetStatistics";
inline constexpr char kReloadRulesMethod[] = "/proactive.v1.RulesAdmin/ReloadRules";
inline constexpr char kTickMethod[] = "/proactive.v1.RulesAdmin/Tick";
inline constexpr char kGetStatusMethod[] = "/proactive.v1.RulesAdmin/GetStatus";
inline constexpr char kSimulateMethod[] = "/proactive.v1.RulesAdmin/Simulate";
inline constexpr char kReplaceTableMethod[] = "/proactive.v1.ReferenceTables/ReplaceTable";
inline constexpr char kGetRowMethod[] = "/proactive.v1.ReferenceTables/GetRow";
inline constexpr char kGetTableMethod[] = "/proactive.v1.ReferenceTables/GetTable";

// Every RPC of the API and the roles allowed to call it.
const std::map<std::string, std::set<Role>>& MethodRoles();

struct Principal {
  std::string name;
  std::set<Role> roles;
  // The event sources a back-office or feed principal speaks for: it may publish
  // events naming them and replace the reference tables they own. Any source
  // when `any_source` ("*" in the access file; development).
  std::set<std::string> sources;
  bool any_source = false;
  // A back office that receives erasure requests (`erasure: true`): only it
  // may call ForgetPerson, which cannot be undone.
  bool may_erase = false;
  // A back office that takes citizens' requests (`citizen_desk: true`: a
  // town-hall desk, the citizens' portal): only it may answer an offer or
  // contest a decision for them; a data feed may not.
  bool citizen_desk = false;

  // OK when this principal speaks for `source`; otherwise PERMISSION_DENIED
  // naming `field`: "source: "caf-exchange" may not speak for source
  // "etat-civil"; its sources are: caf".
  absl::Status AuthorizeSource(absl::string_view source, absl::string_view field) const;
  // OK for a caseworker (`as_caseworker`: contests taken by post or at a
  // desk) or a citizen desk; otherwise PERMISSION_DENIED naming `what`
  // ("answer offers") and the access file's setting.
  absl::Status AuthorizeForCitizens(absl::string_view what, bool as_caseworker) const;
  // Decisions (ListDecisions, GetDecision, Explain) say what the engine
  // concluded of a person's situation: read by those who answer citizens, a
  // caseworker or a citizen desk (and a principal of every source, for
  // development); PERMISSION_DENIED for anyone else.
  absl::Status AuthorizeDecisionReads() const {
    return any_source ? absl::OkStatus() : AuthorizeForCitizens("read decisions", true);
  }
  // What a principal reads of a person (GetPerson): every attribute for a
  // caseworker, a citizen desk (it shows citizens their file) or a principal
  // of every source; for another back office, only the attributes one of its
  // sources may state (`sources` of the attribute in rules/schema.yaml).
  bool ReadsEveryAttribute() const;
  bool SpeaksFor(absl::string_view source) const;
  bool SpeaksForAnyOf(const std::vector<std::string>& attribute_sources) const;
};

class AccessPolicy {
 public:
  // Parses an access file (see deploy/config/access.yaml). On mistakes,
  // appends diagnostics and returns INVALID_ARGUMENT.
  static absl::StatusOr<AccessPolicy> Parse(absl::string_view yaml, absl::string_view file_name,
                                            std::vector<Diagnostic>* diagnostics);
  static absl::StatusOr<AccessPolicy> LoadFile(const std::string& path, std::vector<Diagnostic>* diagnostics);

  // Local development only (--insecure without an access file): every caller
  // is the principal "development" with every role.
  static AccessPolicy AllowEveryoneForDevelopment();

  // The caller of this call: by bearer token ("authorization: Bearer ...")
  // when one is sent, else by the client certificate's common name or DNS
  // subject alternative names. nullopt when unknown. Thread-safe.
  std::optional<Principal> Identify(const grpc::ServerContextBase& context) const;

  // "<role>:<principal>" ("caseworker:agent-12") for the actor fields of
  // decision histories and the audit log; "<role>:unknown" when unknown.
  std::string Actor(const grpc::ServerContextBase& context, absl::string_view role) const;

  // OK when the caller may call `method`; UNAUTHENTICATED when the caller is
  // unknown; PERMISSION_DENIED naming the principal, its roles and the roles
  // the method needs otherwise. Thread-safe.
  absl::Status Authorize(const grpc::ServerContextBase& context, absl::string_view method) const;
  // Same as Authorize, returning the caller when it may call `method`: for
  // calls that check more of the principal (its sources). Thread-safe.
  absl::StatusOr<Principal> AuthorizeCaller(const grpc::ServerContextBase& context, absl::string_view method) const;
  // OK when the caller holds `role`, for a part of a call that needs more
  // than its method's roles: `what` names that part ("reveal_contact_for").
  // UNAUTHENTICATED when the caller is unknown; PERMISSION_DENIED "<what>:
  // "<principal>" (roles: ...) may not ...; it needs the <role> role"
  // otherwise. Thread-safe.
  absl::Status AuthorizeRole(const grpc::ServerContextBase& context, Role role, absl::string_view what) const;

  size_t principal_count() const { return principals_.size(); }

 private:
  struct Entry {
    Principal principal;
    std::vector<std::string> certificate_names;  // CN or DNS SAN
    std::string token_sha256;                    // lower-case hex; "" when none
  };

  std::vector<Entry> principals_;
  bool development_ = false;
};

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_SERVICE_ACCESS_CONTROL_H_
