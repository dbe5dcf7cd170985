#include "engine/schema/attribute_schema.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/status_matchers.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;
using ::proactive::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(AttributeSchemaTest, LoadsTheProjectSchema) {
  std::vector<Diagnostic> diagnostics;
  absl::StatusOr<AttributeSchema> schema =
      AttributeSchema::LoadFile(testing::SourceDir() + "/rules/schema.yaml", &diagnostics);
  ASSERT_THAT(schema, IsOk()) << FormatDiagnostics(diagnostics);
  EXPECT_THAT(diagnostics, IsEmpty());
  const AttributeSpec* birth = schema->FindAttribute("birth_date");
  ASSERT_NE(birth, nullptr);
  EXPECT_EQ(birth->type.kind, ValueKind::kDate);
  EXPECT_TRUE(birth->IsOwnedBy("etat-civil"));
  EXPECT_FALSE(birth->IsOwnedBy("caf"));
  EXPECT_EQ(birth->category, "identity");
  const AttributeSpec* arrondissement = schema->FindAttribute("arrondissement");
  ASSERT_NE(arrondissement, nullptr);
  EXPECT_EQ(arrondissement->min, 1);
  EXPECT_EQ(arrondissement->max, 20);
  const TopicSpec* heatwave = schema->FindTopic("weather.heatwave");
  ASSERT_NE(heatwave, nullptr);
  ASSERT_NE(heatwave->FindField("level"), nullptr);
  EXPECT_THAT(heatwave->FindField("level")->allowed, ElementsAre("green", "yellow", "orange", "red"));
  EXPECT_EQ(schema->currency(), "EUR");
  EXPECT_EQ(schema->SuggestAttribute("brith_date"), "birth_date");
  EXPECT_EQ(schema->SuggestAttribute("xyz"), "");
}

TEST(AttributeSchemaTest, ReportsEveryMistakeWithItsPosition) {
  const char* yaml =
      "version: 1\n"
      "attributes:\n"
      "  birth_date:\n"
      "    type: dat\n"
      "    sources: [etat-civil]\n"
      "    category: identity\n"
      "  phone:\n"
      "    type: string\n"
      "    sources: [paris-compte]\n"
      "    category: contacts\n"
      "    colour: blue\n"
      "  Bad_Name:\n"
      "    type: int\n"
      "    category: identity\n";
  std::vector<Diagnostic> diagnostics;
  EXPECT_THAT(AttributeSchema::Parse(yaml, "schema.yaml", &diagnostics),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("5 mistakes")));
  ASSERT_EQ(diagnostics.size(), 5u) << FormatDiagnostics(diagnostics);
  EXPECT_EQ(FormatDiagnostic(diagnostics[0]),
            "schema.yaml:4:11: unknown type \"dat\"; expected bool, int, double, string, date, "
            "money, timestamp, duration or list<T>\n"
            "        type: dat\n"
            "              ^\n");
  EXPECT_THAT(diagnostics[1], Field(&Diagnostic::line, 11));
  EXPECT_THAT(diagnostics[1].message, HasSubstr("unknown key \"colour\""));
  EXPECT_THAT(diagnostics[2], Field(&Diagnostic::line, 10));
  EXPECT_THAT(diagnostics[2].message, HasSubstr("unknown category \"contacts\""));
  EXPECT_THAT(diagnostics[3].message, HasSubstr("\"Bad_Name\" must be lower_snake_case"));
  EXPECT_THAT(diagnostics[4].message, HasSubstr("has no \"sources\""));
}

TEST(AttributeSchemaTest, ReferenceTablesOfTheProjectSchema) {
  std::vector<Diagnostic> diagnostics;
  absl::StatusOr<AttributeSchema> schema =
      AttributeSchema::LoadFile(testing::SourceDir() + "/rules/schema.yaml", &diagnostics);
  ASSERT_THAT(schema, IsOk()) << FormatDiagnostics(diagnostics);
  const ReferenceTableSpec* sectors = schema->FindReferenceTable("school_sectors_maternelle");
  ASSERT_NE(sectors, nullptr);
  EXPECT_EQ(sectors->key, "address_key");
  EXPECT_TRUE(sectors->IsOwnedBy("paris-opendata"));
  ASSERT_NE(sectors->FindColumn("arrondissement"), nullptr);
  EXPECT_EQ(sectors->FindColumn("arrondissement")->type.kind, ValueKind::kInt);
  EXPECT_EQ(sectors->FindColumn("arrondissement")->max, 20);
  EXPECT_EQ(schema->FindReferenceTable("nope"), nullptr);
}

TEST(AttributeSchemaTest, ReferenceTableMistakes) {
  const char* yaml =
      "version: 1\n"
      "attributes: {}\n"
      "reference_tables:\n"
      "  sectors:\n"
      "    sources: [paris-opendata]\n"
      "    key: address\n"
      "    columns:\n"
      "      school: {type: string}\n"
      "  by_number:\n"
      "    sources: [x]\n"
      "    key: n\n"
      "    columns:\n"
      "      n: {type: int}\n"
      "      n2: {type: dat}\n"
      "  empty:\n"
      "    sources: [x]\n"
      "    rows: 3\n";
  std::vector<Diagnostic> diagnostics;
  EXPECT_THAT(AttributeSchema::Parse(yaml, "schema.yaml", &diagnostics), StatusIs(absl::StatusCode::kInvalidArgument));
  std::string text = FormatDiagnostics(diagnostics);
  EXPECT_THAT(text, HasSubstr("schema.yaml:6:10: key \"address\" is not a column of reference table \"sectors\""));
  EXPECT_THAT(text, HasSubstr("schema.yaml:11:10: key column \"n\" must be a string, not int"));
  EXPECT_THAT(text, HasSubstr("schema.yaml:14:18: unknown type \"dat\""));
  EXPECT_THAT(text, HasSubstr("schema.yaml:17:5: unknown key \"rows\" in reference table \"empty\""));
  EXPECT_THAT(text, HasSubstr("reference table \"empty\" needs \"columns\""));
}

// person_field joins a table to the person by the attribute named like its
// key: a mistake names the line.
TEST(AttributeSchemaTest, PersonFieldMistakes) {
  const char* yaml =
      "version: 1\n"
      "attributes:\n"
      "  address_key: {type: string, sources: [x], category: location}\n"
      "  postcode: {type: int, sources: [x], category: location}\n"
      "reference_tables:\n"
      "  sectors:\n"
      "    sources: [x]\n"
      "    key: address_key\n"
      "    columns: {address_key: {type: string}, school: {type: string}}\n"
      "    person_field: address_key\n"
      "  by_postcode:\n"
      "    sources: [x]\n"
      "    key: postcode\n"
      "    columns: {postcode: {type: string}}\n"
      "    person_field: Zone\n"
      "  by_street:\n"
      "    sources: [x]\n"
      "    key: street\n"
      "    columns: {street: {type: string}}\n"
      "    person_field: street_row\n";
  std::vector<Diagnostic> diagnostics;
  EXPECT_THAT(AttributeSchema::Parse(yaml, "schema.yaml", &diagnostics), StatusIs(absl::StatusCode::kInvalidArgument));
  std::string text = FormatDiagnostics(diagnostics);
  EXPECT_THAT(text, HasSubstr("schema.yaml:10:19: person_field \"address_key\" is already a field of person"));
  EXPECT_THAT(text, HasSubstr("schema.yaml:15:19: person_field must be lower_snake_case"));
  EXPECT_THAT(text, HasSubstr("schema.yaml:15:19: person_field needs a string attribute named like the key column "
                              "\"postcode\""));
  EXPECT_THAT(text, HasSubstr("schema.yaml:20:19: person_field needs a string attribute named like the key column "
                              "\"street\""));

  const char* good =
      "version: 1\n"
      "attributes:\n"
      "  address_key: {type: string, sources: [x], category: location}\n"
      "reference_tables:\n"
      "  sectors:\n"
      "    sources: [x]\n"
      "    key: address_key\n"
      "    columns: {address_key: {type: string}, school: {type: string}}\n"
      "    person_field: sector\n";
  diagnostics.clear();
  absl::StatusOr<AttributeSchema> schema = AttributeSchema::Parse(good, "schema.yaml", &diagnostics);
  ASSERT_THAT(schema, IsOk()) << FormatDiagnostics(diagnostics);
  EXPECT_EQ(schema->FindReferenceTable("sectors")->person_field, "sector");
}

TEST(AttributeSchemaTest, ReportsYamlSyntaxErrors) {
  std::vector<Diagnostic> diagnostics;
  EXPECT_THAT(AttributeSchema::Parse("version: 1\nattributes: [\n", "s.yaml", &diagnostics),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_THAT(diagnostics[0].message, HasSubstr("YAML syntax error"));
  EXPECT_GT(diagnostics[0].line, 0);
}

// A file saved as UTF-16 (its byte-order mark first) or Latin-1 is refused
// at its first bad byte, with its line and column.
TEST(AttributeSchemaTest, ReportsAFileThatIsNotUtf8AtItsFirstBadByte) {
  std::vector<Diagnostic> diagnostics;
  EXPECT_THAT(AttributeSchema::Parse(std::string("\xff\xfev\0e\0r\0", 8), "utf16.yaml", &diagnostics),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_EQ(diagnostics[0].line, 1);
  EXPECT_EQ(diagnostics[0].column, 1);
  EXPECT_EQ(diagnostics[0].message, "the file is not UTF-8 text (invalid byte at offset 0)");
  diagnostics.clear();
  EXPECT_FALSE(AttributeSchema::Parse("version: 1\nattributes:\n  caf\xe9: x\n", "latin1.yaml", &diagnostics).ok());
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_EQ(diagnostics[0].line, 3);
  EXPECT_EQ(diagnostics[0].column, 6);
}

TEST(TypeSpecTest, ParsesListTypes) {
  std::optional<TypeSpec> list = ParseTypeSpec("list<string>");
  ASSERT_TRUE(list.has_value());
  EXPECT_EQ(list->kind, ValueKind::kList);
  EXPECT_EQ(list->element, ValueKind::kString);
  EXPECT_EQ(list->Name(), "list<string>");
  EXPECT_FALSE(ParseTypeSpec("list<list<int>>").has_value());
  EXPECT_FALSE(ParseTypeSpec("integer").has_value());
}

}  // namespace
}  // namespace proactive
