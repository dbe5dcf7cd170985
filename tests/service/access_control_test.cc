#include "engine/service/access_control.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/status_matchers.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;
using ::proactive::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(AccessPolicyTest, TheExampleAccessFileParses) {
  std::vector<Diagnostic> diagnostics;
  absl::StatusOr<AccessPolicy> policy =
      AccessPolicy::LoadFile(testing::SourceDir() + "/deploy/config/access.yaml", &diagnostics);
  ASSERT_THAT(policy, IsOk()) << FormatDiagnostics(diagnostics);
  EXPECT_EQ(policy->principal_count(), 7u);
}

TEST(AccessPolicyTest, RefusesPlainTokensUnknownRolesAndUnidentifiablePrincipals) {
  const char* yaml =
      "principals:\n"
      "  - {name: a, token_sha256: my-secret-token, roles: [back-office]}\n"
      "  - {name: b, certificate_names: [b.example], roles: [admin]}\n"
      "  - {name: c, roles: [auditor]}\n";
  std::vector<Diagnostic> diagnostics;
  EXPECT_THAT(AccessPolicy::Parse(yaml, "access.yaml", &diagnostics),
              StatusIs(absl::StatusCode::kInvalidArgument, "access.yaml has 3 mistakes"));
  std::vector<std::string> messages;
  for (const Diagnostic& d : diagnostics) messages.push_back(absl::StrCat(d.line, ": ", d.message));
  EXPECT_THAT(
      messages,
      ElementsAre("2: token_sha256 is the lower-case hex SHA-256 of the token (64 characters), never the token itself",
                  "3: unknown role \"admin\"; roles are back-office, gateway, caseworker, rules-admin, auditor",
                  "4: principal \"c\" needs certificate_names or token_sha256 to be recognised"));
}

TEST(AccessPolicyTest, RoleNamesRoundTrip) {
  for (Role role : AllRoles()) EXPECT_EQ(ParseRole(RoleName(role)), role);
  EXPECT_EQ(ParseRole("root"), std::nullopt);
}

}  // namespace
}  // namespace proactive
