#include "engine/service/access_control.h"

#include "engine/common/field_error.h"
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
  EXPECT_EQ(policy->principal_count(), 10u);
}

// The "<line>: <message>" of each mistake, when the file has `count` of them.
std::vector<std::string> Mistakes(const char* yaml, int count) {
  std::vector<Diagnostic> diagnostics;
  EXPECT_THAT(AccessPolicy::Parse(yaml, "access.yaml", &diagnostics),
              StatusIs(absl::StatusCode::kInvalidArgument, absl::StrCat("access.yaml has ", count, " mistakes")));
  std::vector<std::string> messages;
  for (const Diagnostic& d : diagnostics) messages.push_back(absl::StrCat(d.line, ": ", d.message));
  return messages;
}

TEST(AccessPolicyTest, RefusesPlainTokensUnknownRolesAndUnidentifiablePrincipals) {
  const char* yaml =
      "principals:\n"
      "  - {name: a, token_sha256: my-secret-token, roles: [back-office], sources: [caf]}\n"
      "  - {name: b, certificate_names: [b.example], roles: [admin]}\n"
      "  - {name: c, roles: [auditor]}\n";
  EXPECT_THAT(
      Mistakes(yaml, 3),
      ElementsAre("2: token_sha256 is the lower-case hex SHA-256 of the token (64 characters), never the token itself",
                  "3: unknown role \"admin\"; roles are back-office, feed, gateway, caseworker, rules-admin, auditor",
                  "4: principal \"c\" needs certificate_names or token_sha256 to be recognised"));
}

TEST(AccessPolicyTest, ABackOfficeListsTheSourcesItSpeaksFor) {
  const char* yaml =
      "principals:\n"
      "  - {name: registry, certificate_names: [r.example], roles: [back-office]}\n"
      "  - {name: desk, certificate_names: [d.example], roles: [caseworker], sources: [caf]}\n"
      "  - {name: caf, certificate_names: [c.example], roles: [back-office], sources: [caf, caf]}\n"
      "  - {name: empty, certificate_names: [e.example], roles: [back-office], sources: []}\n"
      "  - {name: dev, certificate_names: [v.example], roles: [back-office], sources: [\"*\"]}\n"
      "  - {name: all, certificate_names: [a.example], roles: [back-office], sources: [\"*\", caf]}\n"
      "  - {name: bad, certificate_names: [b.example], roles: [back-office], sources: [Caf]}\n"
      "  - {name: typo, certificate_names: [t.example], roles: [back-offce], sources: [caf]}\n"
      "  - {name: twin, certificate_names: [c.example], roles: [back-office], sources: [caf]}\n"
      "  - {name: again, certificate_names: [g.example, g.example], roles: [auditor]}\n"
      "  - {name: scalar, certificate_names: [s.example], roles: {a: b}, sources: [caf]}\n"
      "  - {name: eraser, certificate_names: [x.example], roles: [auditor], erasure: true}\n"
      "  - {name: clerk, certificate_names: [k.example], roles: [caseworker], citizen_desk: true}\n"
      "  - {name: vague, certificate_names: [y.example], roles: [back-office], sources: [caf], citizen_desk: yes}\n"
      "  - {name: weather, certificate_names: [w.example], roles: [feed]}\n"
      "  - {name: portal, certificate_names: [p.example], roles: [feed], sources: [paris-compte], citizen_desk: "
      "true}\n";
  EXPECT_THAT(
      Mistakes(yaml, 15),
      ElementsAre(
          "2: principal \"registry\" has the back-office role but no \"sources\": list the "
          "event sources it publishes as (rules/schema.yaml), or \"*\" for any "
          "(development only)",
          "3: principal \"desk\" has \"sources\" but neither the back-office nor the feed role, which "
          "use them",
          "4: source \"caf\" is listed twice", "5: \"sources\" is empty; list at least one source, or \"*\"",
          "7: \"*\" grants every source: list it alone, or list the sources without it",
          "8: sources: \"Caf\" must be lower-case letters, digits, '-', '.' or '_'",
          "9: unknown role \"back-offce\"; roles are back-office, feed, gateway, caseworker, rules-admin, auditor",
          "10: certificate name \"c.example\" is also that of \"caf\"; a caller is one principal",
          "11: certificate name \"g.example\" is listed twice", "12: roles must be a list of text values",
          "13: principal \"eraser\" has \"erasure\" but not the back-office role, which ForgetPerson needs",
          "14: principal \"clerk\" has \"citizen_desk\" but not the back-office role, which answering offers "
          "needs",
          "15: citizen_desk must be true or false",
          "16: principal \"weather\" has the feed role but no \"sources\": list the event sources it "
          "publishes as (rules/schema.yaml), or \"*\" for any (development only)",
          "17: principal \"portal\" has \"citizen_desk\" but not the back-office role, which answering "
          "offers needs"));
}

TEST(AccessPolicyTest, APrincipalSpeaksOnlyForItsSources) {
  Principal caf{"caf-exchange", {Role::kBackOffice}, {"caf", "paris-compte"}};
  EXPECT_THAT(caf.AuthorizeSource("caf", "source"), IsOk());
  absl::Status refused = caf.AuthorizeSource("etat-civil", "source");
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kPermissionDenied,
                                "source: \"caf-exchange\" may not speak for source \"etat-civil\"; its sources are: "
                                "caf, paris-compte (\"sources\" in the access file)"));
  EXPECT_EQ(ErrorField(refused), "source");
  Principal development{"dev", {Role::kBackOffice}};
  development.any_source = true;
  EXPECT_THAT(development.AuthorizeSource("etat-civil", "source"), IsOk());
}

// Answering an offer or contesting a decision for a citizen is for a desk
// that takes their requests, not for every back office (a weather feed);
// caseworkers enter contests received by post.
TEST(AccessPolicyTest, OnlyACitizenDeskActsForCitizens) {
  Principal weather_desk{"meteo-vigilance", {Role::kBackOffice}, {"meteo-france"}};
  EXPECT_THAT(weather_desk.AuthorizeForCitizens("answer offers", false),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "\"meteo-vigilance\" may not answer offers: only a back office with \"citizen_desk: true\" in "
                       "the access file may (a town-hall desk, the citizens' portal)"));
  EXPECT_THAT(weather_desk.AuthorizeForCitizens("contest decisions", true),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "\"meteo-vigilance\" may not contest decisions: only a back office with \"citizen_desk: "
                       "true\" in the access file may (a town-hall desk, the citizens' portal), or a caseworker"));
  Principal caseworker{"agent-amina", {Role::kCaseworker}};
  EXPECT_THAT(caseworker.AuthorizeForCitizens("contest decisions", true), IsOk());
  EXPECT_FALSE(caseworker.AuthorizeForCitizens("answer offers", false).ok());
  Principal portal{"citizen-portal", {Role::kBackOffice}, {"paris-compte"}};
  portal.citizen_desk = true;
  EXPECT_THAT(portal.AuthorizeForCitizens("answer offers", false), IsOk());
}

// What a principal reads: every attribute and decision for a caseworker, a
// citizen desk or a principal of every source; another back office, only
// the attributes its sources may state, and no decision.
TEST(AccessPolicyTest, ReadsFollowTheSourcesUnlessACitizenDeskOrEverySource) {
  Principal caf{"caf-exchange", {Role::kBackOffice}, {"caf"}};
  EXPECT_FALSE(caf.ReadsEveryAttribute());
  EXPECT_TRUE(caf.SpeaksForAnyOf({"etat-civil", "caf"}));
  EXPECT_FALSE(caf.SpeaksForAnyOf({"etat-civil", "casvp"}));
  EXPECT_FALSE(caf.SpeaksForAnyOf({}));
  EXPECT_THAT(caf.AuthorizeDecisionReads(), StatusIs(absl::StatusCode::kPermissionDenied));
  Principal portal{"citizen-portal", {Role::kBackOffice}, {"paris-compte"}};
  portal.citizen_desk = true;
  EXPECT_TRUE(portal.ReadsEveryAttribute());
  EXPECT_THAT(portal.AuthorizeDecisionReads(), IsOk());
  Principal development{"dev", {Role::kBackOffice}};
  development.any_source = true;
  EXPECT_TRUE(development.ReadsEveryAttribute());
  EXPECT_THAT(development.AuthorizeDecisionReads(), IsOk());
  Principal caseworker{"agent-amina", {Role::kCaseworker}};
  EXPECT_TRUE(caseworker.ReadsEveryAttribute());
  EXPECT_THAT(caseworker.AuthorizeDecisionReads(), IsOk());
}

TEST(AccessPolicyTest, RoleNamesRoundTrip) {
  for (Role role : AllRoles()) EXPECT_EQ(ParseRole(RoleName(role)), role);
  EXPECT_EQ(ParseRole("root"), std::nullopt);
}

}  // namespace
}  // namespace proactive
