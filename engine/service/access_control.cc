#include "engine/service/access_control.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "engine/common/field_error.h"
#include "engine/common/sha256.h"
#include "engine/schema/yaml_file.h"
#include "grpc/grpc_security_constants.h"

namespace proactive {
namespace {

constexpr struct {
  Role role;
  absl::string_view name;
} kRoleNames[] = {{Role::kBackOffice, "back-office"}, {Role::kFeed, "feed"},
                  {Role::kGateway, "gateway"},        {Role::kCaseworker, "caseworker"},
                  {Role::kRulesAdmin, "rules-admin"}, {Role::kAuditor, "auditor"}};

std::string RolesText(const std::set<Role>& roles) {
  std::vector<std::string> names;
  for (Role r : roles) names.emplace_back(RoleName(r));
  return names.empty() ? "none" : absl::StrJoin(names, ", ");
}

bool IsHexSha256(absl::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c)) || absl::ascii_isupper(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

// A principal that publishes (back-office or feed) must list the sources it
// speaks for, so that no system can publish another's facts; "*" grants
// every source.
void ParseSources(YamlFile& file, const YAML::Node& node, bool roles_known, Principal* principal) {
  const bool back_office = principal->roles.count(Role::kBackOffice) > 0;
  const bool publishes = back_office || principal->roles.count(Role::kFeed) > 0;
  if (!node["sources"]) {
    if (publishes) {
      file.Error(node,
                 absl::StrCat("principal \"", principal->name, "\" has the ", back_office ? "back-office" : "feed",
                              " role but no \"sources\": list the event sources it "
                              "publishes as (rules/schema.yaml), or \"*\" for any (development only)"));
    }
    return;
  }
  if (!publishes) {
    // With a mistyped role, that mistake is the one to report.
    if (roles_known) {
      file.Error(node["sources"],
                 absl::StrCat("principal \"", principal->name,
                              "\" has \"sources\" but neither the back-office nor the feed role, which use them"));
    }
    return;
  }
  std::optional<std::vector<std::string>> sources = file.StringList(node["sources"], "sources");
  if (!sources) return;  // not a list: reported
  if (sources->empty()) file.Error(node["sources"], "\"sources\" is empty; list at least one source, or \"*\"");
  for (const std::string& source : *sources) {
    if (source == "*") {
      if (sources->size() > 1) {
        file.Error(node["sources"], "\"*\" grants every source: list it alone, or list the sources without it");
        return;
      }
      principal->any_source = true;
    } else if (absl::Status valid = CheckSystemName(source, "sources"); !valid.ok()) {
      file.Error(node["sources"], valid.message());
    } else if (!principal->sources.insert(source).second) {
      file.Error(node["sources"], absl::StrCat("source \"", source, "\" is listed twice"));
    }
  }
}

}  // namespace

absl::Status Principal::AuthorizeSource(absl::string_view source, absl::string_view field) const {
  if (SpeaksFor(source)) return absl::OkStatus();
  return FieldErrorWithCode(
      absl::StatusCode::kPermissionDenied, field,
      absl::StrCat("\"", name, "\" may not speak for source \"", source, "\"; its sources are: ",
                   sources.empty() ? "none" : absl::StrJoin(sources, ", "), " (\"sources\" in the access file)"));
}

absl::Status Principal::AuthorizeForCitizens(absl::string_view what, bool as_caseworker) const {
  if (citizen_desk || (as_caseworker && roles.count(Role::kCaseworker) > 0)) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat("\"", name, "\" may not ", what,
                   ": only a back office with \"citizen_desk: true\" in the access file may (a town-hall desk, the "
                   "citizens' portal)",
                   as_caseworker ? ", or a caseworker" : ""));
}

bool Principal::ReadsEveryAttribute() const { return any_source || citizen_desk || roles.count(Role::kCaseworker) > 0; }

bool Principal::SpeaksFor(absl::string_view source) const {
  return any_source || sources.count(std::string(source)) > 0;
}

bool Principal::SpeaksForAnyOf(const std::vector<std::string>& attribute_sources) const {
  return std::any_of(attribute_sources.begin(), attribute_sources.end(),
                     [this](const std::string& source) { return SpeaksFor(source); });
}

absl::string_view RoleName(Role role) {
  for (const auto& r : kRoleNames) {
    if (r.role == role) return r.name;
  }
  return "?";
}

std::optional<Role> ParseRole(absl::string_view name) {
  for (const auto& r : kRoleNames) {
    if (r.name == name) return r.role;
  }
  return std::nullopt;
}

const std::vector<Role>& AllRoles() {
  static const std::vector<Role>* roles = new std::vector<Role>{Role::kBackOffice, Role::kFeed,       Role::kGateway,
                                                                Role::kCaseworker, Role::kRulesAdmin, Role::kAuditor};
  return *roles;
}

const std::map<std::string, std::set<Role>>& MethodRoles() {
  static const auto* table = new std::map<std::string, std::set<Role>>{
      // A feed (weather warnings, open data) publishes and does nothing else.
      {kPublishMethod, {Role::kBackOffice, Role::kFeed}},
      {kPublishStreamMethod, {Role::kBackOffice, Role::kFeed}},
      {kPublishBatchMethod, {Role::kBackOffice, Role::kFeed}},
      // Its reveal_contact_for needs a caseworker too; a back office reads
      // only its sources' attributes unless a citizen desk (persons_service.cc).
      {kGetPersonMethod, {Role::kBackOffice, Role::kCaseworker}},
      // The system of record that received the erasure request.
      {kForgetPersonMethod, {Role::kBackOffice}},
      // A back office needs citizen_desk for these five (decisions_service.cc).
      {kListDecisionsMethod, {Role::kBackOffice, Role::kCaseworker}},
      {kGetDecisionMethod, {Role::kBackOffice, Role::kCaseworker}},
      {kContestMethod, {Role::kBackOffice, Role::kCaseworker}},
      {kAnswerOfferMethod, {Role::kBackOffice}},
      {kExplainMethod, {Role::kBackOffice, Role::kCaseworker}},
      {kListCasesMethod, {Role::kCaseworker}},
      {kGetCaseMethod, {Role::kCaseworker}},
      {kClaimCaseMethod, {Role::kCaseworker}},
      {kAddNoteMethod, {Role::kCaseworker}},
      {kResolveCaseMethod, {Role::kCaseworker}},
      {kListInboxMethod, {Role::kCaseworker}},
      {kMarkReadMethod, {Role::kCaseworker}},
      {kLeaseMessagesMethod, {Role::kGateway}},
      {kAckMessageMethod, {Role::kGateway}},
      {kReportDeliveryMethod, {Role::kGateway}},
      {kReportReplyMethod, {Role::kGateway}},
      // The mail room: a print gateway, or a caseworker posting by hand.
      {kListLettersMethod, {Role::kGateway, Role::kCaseworker}},
      {kMarkLetterPostedMethod, {Role::kGateway, Role::kCaseworker}},
      {kVerifyAuditMethod, {Role::kAuditor}},
      {kListAuditEntriesMethod, {Role::kAuditor}},
      {kGetStatisticsMethod, {Role::kAuditor}},
      {kGetRegisterMethod, {Role::kAuditor, Role::kRulesAdmin, Role::kBackOffice, Role::kCaseworker}},
      {kReloadRulesMethod, {Role::kRulesAdmin}},
      {kTickMethod, {Role::kRulesAdmin}},
      {kGetStatusMethod, {Role::kRulesAdmin, Role::kAuditor}},
      {kSimulateMethod, {Role::kRulesAdmin}},
      {kReplaceTableMethod, {Role::kBackOffice, Role::kFeed}},
      {kGetRowMethod, {Role::kBackOffice, Role::kCaseworker, Role::kRulesAdmin}},
      {kGetTableMethod, {Role::kBackOffice, Role::kCaseworker, Role::kRulesAdmin}},
  };
  return *table;
}

absl::StatusOr<AccessPolicy> AccessPolicy::Parse(absl::string_view yaml, absl::string_view file_name,
                                                 std::vector<Diagnostic>* diagnostics) {
  YamlFile file{std::string(yaml), std::string(file_name)};
  AccessPolicy policy;
  if (file.Parse()) {
    const YAML::Node& root = file.root();
    if (!root.IsMap() || !root["principals"] || !root["principals"].IsSequence()) {
      file.ErrorAt(1, 1,
                   "an access file is a map with \"principals\": a list of "
                   "{name, roles, certificate or token_sha256}");
    } else {
      file.CheckKeys(root, "the access file", {"principals"});
      std::set<std::string> names;
      std::map<std::string, std::string> certificate_owners, token_owners;  // to the principal's name
      for (const YAML::Node& node : root["principals"]) {
        if (!node.IsMap()) {
          file.Error(node,
                     "each principal is {name, roles, certificate_names or "
                     "token_sha256}");
          continue;
        }
        file.CheckKeys(node, "a principal",
                       {"name", "roles", "sources", "erasure", "citizen_desk", "certificate_names", "token_sha256"});
        Entry entry;
        if (!node["name"]) {
          file.Error(node, "a principal needs a \"name\"");
          continue;
        }
        entry.principal.name = file.String(node["name"], "name").value_or("");
        if (!names.insert(entry.principal.name).second) {
          file.Error(node["name"], absl::StrCat("principal \"", entry.principal.name, "\" is listed twice"));
        }
        if (!node["roles"]) file.Error(node, absl::StrCat("principal \"", entry.principal.name, "\" has no roles"));
        bool roles_known = true;
        if (node["roles"]) {
          std::optional<std::vector<std::string>> roles = file.StringList(node["roles"], "roles");
          if (!roles) roles_known = false;  // not a list: reported
          for (const std::string& name : roles.value_or(std::vector<std::string>{})) {
            std::optional<Role> role = ParseRole(name);
            if (!role) {
              roles_known = false;
              file.Error(node["roles"], absl::StrCat("unknown role \"", name,
                                                     "\"; roles are back-office, feed, gateway, "
                                                     "caseworker, rules-admin, auditor"));
            } else {
              entry.principal.roles.insert(*role);
            }
          }
        }
        ParseSources(file, node, roles_known, &entry.principal);
        if (const YAML::Node erasure = node["erasure"]) {
          entry.principal.may_erase = file.Bool(erasure, "erasure").value_or(false);
          if (entry.principal.may_erase && roles_known && entry.principal.roles.count(Role::kBackOffice) == 0) {
            file.Error(erasure, absl::StrCat("principal \"", entry.principal.name,
                                             "\" has \"erasure\" but not the back-office role, which ForgetPerson "
                                             "needs"));
          }
        }
        if (const YAML::Node desk = node["citizen_desk"]) {
          entry.principal.citizen_desk = file.Bool(desk, "citizen_desk").value_or(false);
          if (entry.principal.citizen_desk && roles_known && entry.principal.roles.count(Role::kBackOffice) == 0) {
            file.Error(desk, absl::StrCat("principal \"", entry.principal.name,
                                          "\" has \"citizen_desk\" but not the back-office role, which answering "
                                          "offers needs"));
          }
        }
        // A certificate name or token of two principals would identify the
        // first only, with its roles and sources.
        if (node["certificate_names"]) {
          entry.certificate_names =
              file.StringList(node["certificate_names"], "certificate_names").value_or(std::vector<std::string>{});
          for (const std::string& name : entry.certificate_names) {
            auto [it, added] = certificate_owners.emplace(name, entry.principal.name);
            if (added) continue;
            file.Error(node["certificate_names"],
                       it->second == entry.principal.name
                           ? absl::StrCat("certificate name \"", name, "\" is listed twice")
                           : absl::StrCat("certificate name \"", name, "\" is also that of \"", it->second,
                                          "\"; a caller is one principal"));
          }
        }
        if (node["token_sha256"]) {
          entry.token_sha256 = file.String(node["token_sha256"], "token_sha256").value_or("");
          if (!IsHexSha256(entry.token_sha256)) {
            file.Error(node["token_sha256"],
                       "token_sha256 is the lower-case hex SHA-256 of the "
                       "token (64 characters), never the token itself");
          } else if (auto [it, added] = token_owners.emplace(entry.token_sha256, entry.principal.name); !added) {
            file.Error(node["token_sha256"],
                       absl::StrCat("this token is also that of \"", it->second, "\"; a caller is one principal"));
          }
        }
        if (entry.certificate_names.empty() && entry.token_sha256.empty()) {
          file.Error(node, absl::StrCat("principal \"", entry.principal.name,
                                        "\" needs certificate_names or "
                                        "token_sha256 to be recognised"));
        }
        policy.principals_.push_back(std::move(entry));
      }
    }
  }
  if (file.has_errors()) {
    size_t n = file.diagnostics().size();
    for (Diagnostic& d : file.TakeDiagnostics()) diagnostics->push_back(std::move(d));
    return absl::InvalidArgumentError(absl::StrCat(file_name, " has ", n, n == 1 ? " mistake" : " mistakes"));
  }
  return policy;
}

absl::StatusOr<AccessPolicy> AccessPolicy::LoadFile(const std::string& path, std::vector<Diagnostic>* diagnostics) {
  absl::StatusOr<std::string> text = ReadTextFile(path);
  if (!text.ok()) return text.status();
  return Parse(*text, path, diagnostics);
}

AccessPolicy AccessPolicy::AllowEveryoneForDevelopment() {
  AccessPolicy policy;
  policy.development_ = true;
  return policy;
}

std::string AccessPolicy::Actor(const grpc::ServerContextBase& context, absl::string_view role) const {
  std::optional<Principal> caller = Identify(context);
  return absl::StrCat(role, ":", caller ? caller->name : "unknown");
}

std::optional<Principal> AccessPolicy::Identify(const grpc::ServerContextBase& context) const {
  if (development_) {
    Principal everyone{"development", std::set<Role>(AllRoles().begin(), AllRoles().end())};
    everyone.any_source = true;
    everyone.may_erase = true;
    everyone.citizen_desk = true;
    return everyone;
  }
  const auto& metadata = context.client_metadata();
  auto authorization = metadata.find("authorization");
  if (authorization != metadata.end()) {
    absl::string_view value(authorization->second.data(), authorization->second.size());
    if (!absl::ConsumePrefix(&value, "Bearer ")) return std::nullopt;
    std::string hash = ToHex(Sha256Digest(value));
    for (const Entry& entry : principals_) {
      if (!entry.token_sha256.empty() && entry.token_sha256 == hash) return entry.principal;
    }
    return std::nullopt;  // a wrong token never falls back to the certificate
  }
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr || !auth->IsPeerAuthenticated()) return std::nullopt;
  std::vector<std::string> names;
  for (const char* property : {GRPC_X509_CN_PROPERTY_NAME, GRPC_X509_SAN_PROPERTY_NAME}) {
    for (const grpc::string_ref& value : auth->FindPropertyValues(property)) {
      names.emplace_back(value.data(), value.size());
    }
  }
  for (const Entry& entry : principals_) {
    for (const std::string& name : entry.certificate_names) {
      if (std::find(names.begin(), names.end(), name) != names.end()) return entry.principal;
    }
  }
  return std::nullopt;
}

namespace {

absl::Status UnknownCaller() {
  return absl::UnauthenticatedError(
      "no known identity: present a client certificate or a bearer token "
      "listed in the access file");
}

}  // namespace

absl::Status AccessPolicy::AuthorizeRole(const grpc::ServerContextBase& context, Role role,
                                         absl::string_view what) const {
  std::optional<Principal> caller = Identify(context);
  if (!caller) return UnknownCaller();
  if (caller->roles.count(role) > 0) return absl::OkStatus();
  return FieldErrorWithCode(absl::StatusCode::kPermissionDenied, what,
                            absl::StrCat("\"", caller->name, "\" (roles: ", RolesText(caller->roles),
                                         ") may not use it; it needs the ", RoleName(role), " role"));
}

absl::Status AccessPolicy::Authorize(const grpc::ServerContextBase& context, absl::string_view method) const {
  return AuthorizeCaller(context, method).status();
}

absl::StatusOr<Principal> AccessPolicy::AuthorizeCaller(const grpc::ServerContextBase& context,
                                                        absl::string_view method) const {
  std::optional<Principal> caller = Identify(context);
  if (!caller) return UnknownCaller();
  auto it = MethodRoles().find(std::string(method));
  if (it == MethodRoles().end()) {
    return absl::PermissionDeniedError(absl::StrCat(method, " is not open to any role"));
  }
  for (Role role : it->second) {
    if (caller->roles.count(role) > 0) return *std::move(caller);
  }
  return absl::PermissionDeniedError(absl::StrCat("\"", caller->name, "\" (roles: ", RolesText(caller->roles),
                                                  ") may not call ", method,
                                                  "; it needs one of: ", RolesText(it->second)));
}

}  // namespace proactive
