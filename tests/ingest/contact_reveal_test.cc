// A person's contact data is shown whole only for a decision or case about
// them, and each reveal is in the audit chain, naming the decision, the case
// and whose contact it was by their place in the decision, never an id.
#include "absl/strings/match.h"
#include "engine/decision/decision_store.h"
#include "engine/schema/attribute_schema.h"
#include "engine/service/persons_service.h"
#include "engine/store/store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/ingest/engine_fixture.h"
#include "tests/testing/status_matchers.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;
using ::proactive::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::SizeIs;

class ContactRevealTest : public ::testing::Test {
 protected:
  ContactRevealTest() : engine_(absl::FromCivil(absl::CivilSecond(2026, 6, 29, 8, 0, 0), absl::UTCTimeZone())) {}

  void SetUp() override { ASSERT_NO_FATAL_FAILURE(engine_.PublishSample()); }

  absl::Status Reveal(const std::string& person, const std::string& purpose) {
    return engine_.writer().ExecuteAndWait([&](EventApplier& a) {
      return a.commands().RecordContactRevealed(person, purpose, "caseworker:alice", engine_.clock().Now());
    });
  }
  std::vector<storage::v1::AuditEntry> Reveals() {
    std::vector<storage::v1::AuditEntry> found;
    EXPECT_THAT(engine_.store().Scan(Family::kAudit, "",
                                     [&](absl::string_view, absl::string_view value) {
                                       storage::v1::AuditEntry entry;
                                       EXPECT_TRUE(entry.ParseFromArray(value.data(), static_cast<int>(value.size())));
                                       if (entry.action() == "person.contact_revealed") found.push_back(entry);
                                       return true;
                                     }),
                IsOk());
    return found;
  }

  testing::EngineFixture engine_;
};

TEST_F(ContactRevealTest, OnlyForADecisionOrCaseAboutThePersonAndAlwaysAudited) {
  const std::string offer = (*ListDecisionIdsOfPerson(engine_.store(), "P0001")).front();
  const storage::v1::DecisionRecord d = **ReadDecision(engine_.store(), offer);
  ASSERT_THAT(d.recipients(), SizeIs(2));  // the child's two guardians

  ASSERT_THAT(Reveal(d.recipients(1), offer), IsOk());
  std::vector<storage::v1::AuditEntry> reveals = Reveals();
  ASSERT_THAT(reveals, SizeIs(1));
  EXPECT_EQ(reveals[0].decision_id(), offer);
  EXPECT_EQ(reveals[0].actor(), "caseworker:alice");
  EXPECT_EQ(reveals[0].cause(), "recipient 2");
  EXPECT_TRUE(reveals[0].case_id().empty());

  // By the case of its contest.
  ASSERT_THAT(engine_.writer().ExecuteAndWait([&](EventApplier& a) {
    return a.commands().Contest(offer, "citizen", "", engine_.clock().Now()).status();
  }),
              IsOk());
  const std::string case_id = (**ReadDecision(engine_.store(), offer)).case_id();
  ASSERT_FALSE(case_id.empty());
  ASSERT_THAT(Reveal(d.recipients(0), case_id), IsOk());
  reveals = Reveals();
  ASSERT_THAT(reveals, SizeIs(2));
  EXPECT_EQ(reveals[1].case_id(), case_id);
  EXPECT_EQ(reveals[1].decision_id(), offer);
  EXPECT_EQ(reveals[1].cause(), "recipient 1");
  for (const storage::v1::AuditEntry& e : reveals) {
    EXPECT_FALSE(absl::StrContains(e.SerializeAsString(), "P000")) << e.DebugString();
  }

  // Refused, and nothing written: a decision about someone else, or none.
  EXPECT_THAT(Reveal("P0010", offer),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("does not concern person \"P0010\"")));
  EXPECT_THAT(Reveal("P0002", "d-NOSUCHDECISION"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no decision or recourse case \"d-NOSUCHDECISION\"")));
  EXPECT_THAT(Reveals(), SizeIs(2));
  // The refusal did not stop the writer.
  ASSERT_THAT(Reveal(d.person_id(), offer), IsOk());
  EXPECT_EQ(Reveals().back().cause(), "subject");
}

TEST(ContactMaskTest, ContactAndAttributesTheSchemaDoesNotKnowAreMasked) {
  storage::v1::PersonState state;
  state.set_person_id("P1");
  for (const auto& [name, value] : {std::pair{"old_mobile", "+33611223344"}, std::pair{"lang", "fr"}}) {
    storage::v1::AttributeEntry* a = state.add_attributes();
    a->set_name(name);
    a->mutable_value()->set_string_value(value);
  }
  const v1::Person masked = ToApiPerson(state, nullptr);
  EXPECT_EQ(masked.attributes(0).value().string_value(), "+336••••••44");
  EXPECT_TRUE(masked.attributes(0).masked());
  EXPECT_EQ(masked.attributes(1).value().string_value(), "fr");  // too short to say anything
  EXPECT_FALSE(masked.attributes(1).masked());
  EXPECT_EQ(ToApiPerson(state, nullptr, ContactShown::kWhole).attributes(0).value().string_value(), "+33611223344");
}

TEST(ContactMaskTest, AShortContactIsMaskedWhole) {
  std::vector<Diagnostic> diagnostics;
  absl::StatusOr<AttributeSchema> schema =
      AttributeSchema::LoadFile(testing::SourceDir() + "/rules/schema.yaml", &diagnostics);
  ASSERT_THAT(schema, IsOk());
  storage::v1::PersonState state;
  state.set_person_id("P1");
  storage::v1::AttributeEntry* phone = state.add_attributes();
  phone->set_name("phone");
  phone->mutable_value()->set_string_value("3615");
  storage::v1::AttributeEntry* language = state.add_attributes();
  language->set_name("preferred_language");
  language->mutable_value()->set_string_value("fr");
  const v1::Person masked = ToApiPerson(state, &*schema);
  EXPECT_EQ(masked.attributes(0).value().string_value(), "••••••");
  EXPECT_TRUE(masked.attributes(0).masked());
  EXPECT_EQ(masked.attributes(0).category(), "contact");
  // A contact of a few allowed values is no number to hide.
  EXPECT_EQ(masked.attributes(1).value().string_value(), "fr");
  EXPECT_FALSE(masked.attributes(1).masked());
}

}  // namespace
}  // namespace proactive
