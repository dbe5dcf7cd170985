// The mapping file: checked against the schema with positions, and applied
// to records (events with deterministic ids, reference rows).
#include "connectors/common/mapping.h"

#include "connectors/common/row_mapper.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/status_matchers.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;
using ::proactive::testing::StatusIs;
using ::testing::HasSubstr;
using json = nlohmann::json;

AttributeSchema Schema() {
  std::vector<Diagnostic> diagnostics;
  absl::StatusOr<AttributeSchema> schema = AttributeSchema::Parse(R"(
version: 1
currency: EUR
attributes:
  birth_date: {type: date, sources: [etat-civil], category: identity}
  arrondissement: {type: int, min: 1, max: 20, sources: [caf, etat-civil], category: location}
  yearly_income: {type: money, sources: [caf], category: financial}
  receives_rsa: {type: bool, sources: [caf], category: social-benefits}
reference_tables:
  sectors:
    sources: [paris-opendata]
    key: address_key
    columns:
      address_key: {type: string}
      school_name: {type: string}
      arrondissement: {type: int}
)",
                                                                  "schema.yaml", &diagnostics);
  EXPECT_THAT(schema, IsOk()) << FormatDiagnostics(diagnostics);
  return *std::move(schema);
}

constexpr char kCafMapping[] = R"(version: 1
source: caf
dataset: caf-allocataires
input: {format: csv, delimiter: ";"}
person_id: {column: matricule}
household_id: foyer
occurred_at: {column: date_maj, format: DD/MM/YYYY}
attributes:
  yearly_income: {column: ressources, decimal: ","}
  receives_rsa: {column: rsa, empty: remove}
  arrondissement: arr
)";

TEST(MappingTest, ParsesAndMapsARow) {
  AttributeSchema schema = Schema();
  std::vector<Diagnostic> diagnostics;
  absl::StatusOr<Mapping> mapping = ParseMapping(kCafMapping, "caf.yaml", schema, &diagnostics);
  ASSERT_THAT(mapping, IsOk()) << FormatDiagnostics(diagnostics);
  EXPECT_EQ(mapping->delimiter, ';');
  EXPECT_EQ(mapping->row_key, std::vector<std::string>{"matricule"});

  json row = {{"matricule", "P1"},         {"foyer", "H1"}, {"date_maj", "01/03/2026"},
              {"ressources", "16 800,00"}, {"rsa", ""},     {"arr", "11"}};
  absl::StatusOr<v1::PublishRequest> event = MapRecordToEvent(*mapping, row, "caf-allocataires", "EUR");
  ASSERT_THAT(event, IsOk());
  const v1::PersonEvent& person = event->person();
  EXPECT_EQ(person.person_id(), "P1");
  EXPECT_EQ(person.household_id(), "H1");
  EXPECT_EQ(person.source(), "caf");
  EXPECT_EQ(person.occurred_at().seconds(),
            1772319600);  // 2026-03-01 00:00 Paris
  ASSERT_EQ(person.set_size(), 2);
  EXPECT_EQ(person.set(0).value().money_value().cents(), 1680000);
  EXPECT_EQ(person.set(1).value().int_value(), 11);
  ASSERT_EQ(person.removed_size(), 1);
  EXPECT_EQ(person.removed(0), "receives_rsa");
  EXPECT_THAT(person.event_id(), ::testing::StartsWith("caf:caf-allocataires:P1:"));

  // The same row gives the same id; a changed row a new one.
  absl::StatusOr<v1::PublishRequest> again = MapRecordToEvent(*mapping, row, "caf-allocataires", "EUR");
  EXPECT_EQ(again->person().event_id(), person.event_id());
  row["arr"] = "12";
  absl::StatusOr<v1::PublishRequest> changed = MapRecordToEvent(*mapping, row, "caf-allocataires", "EUR");
  EXPECT_NE(changed->person().event_id(), person.event_id());
}

TEST(MappingTest, BadCellsNameTheColumnAndAttribute) {
  AttributeSchema schema = Schema();
  std::vector<Diagnostic> diagnostics;
  absl::StatusOr<Mapping> mapping = ParseMapping(kCafMapping, "caf.yaml", schema, &diagnostics);
  ASSERT_THAT(mapping, IsOk());
  json row = {{"matricule", "P1"}, {"date_maj", "01/03/2026"}, {"ressources", "beaucoup"}};
  EXPECT_THAT(MapRecordToEvent(*mapping, row, "d", "EUR"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("column \"ressources\" (yearly_income): "
                                                                     "\"beaucoup\" is not an amount")));
  json no_id = {{"matricule", " "}, {"date_maj", "01/03/2026"}};
  EXPECT_THAT(MapRecordToEvent(*mapping, no_id, "d", "EUR"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("column \"matricule\" (person_id): is empty")));
  EXPECT_EQ(MissingColumns(*mapping, {"matricule", "date_maj"}),
            (std::vector<std::string>{"arr", "foyer", "ressources", "rsa"}));
}

TEST(MappingTest, SchemaMistakesAreDiagnosticsWithPositions) {
  AttributeSchema schema = Schema();
  std::vector<Diagnostic> diagnostics;
  absl::StatusOr<Mapping> mapping = ParseMapping(R"(source: caf
person_id: id
occurred_at: {column: d, format: DD/MM}
attributes:
  birth_dat: {column: n}
  birth_date: {column: n}
  arrondissement: {column: a, decimal: ","}
  receives_rsa: {value: peut-etre}
)",
                                                 "bad.yaml", schema, &diagnostics);
  EXPECT_THAT(mapping, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("5 mistakes")));
  std::string text = FormatDiagnostics(diagnostics);
  EXPECT_THAT(text, HasSubstr("bad.yaml:3:34: format \"DD/MM\" needs YYYY, MM and DD"));
  EXPECT_THAT(text, HasSubstr("bad.yaml:5:3: unknown attribute \"birth_dat\" "
                              "(did you mean \"birth_date\"?)"));
  EXPECT_THAT(text, HasSubstr("bad.yaml:6:3: source \"caf\" may not set "
                              "\"birth_date\"; it is owned by: etat-civil"));
  EXPECT_THAT(text, HasSubstr("bad.yaml:7:40: \"decimal\" applies to money and double, not int"));
  EXPECT_THAT(text, HasSubstr("bad.yaml:8:25: value: \"peut-etre\" is not a yes/no value"));
}

TEST(MappingTest, ReferenceTableRows) {
  AttributeSchema schema = Schema();
  std::vector<Diagnostic> diagnostics;
  absl::StatusOr<Mapping> mapping = ParseMapping(R"(source: paris-opendata
reference_table: sectors
columns:
  address_key: {template: "750{c_ar|pad2}:{l_voie|slug}:{n_voie}"}
  school_name: {column: area.lib_etab_1}
  arrondissement: c_ar
)",
                                                 "sectors.yaml", schema, &diagnostics);
  ASSERT_THAT(mapping, IsOk()) << FormatDiagnostics(diagnostics);
  EXPECT_TRUE(mapping->is_reference());
  json record = {
      {"c_ar", 11}, {"l_voie", "Rue Oberkampf"}, {"n_voie", 112}, {"area.lib_etab_1", "École maternelle Oberkampf"}};
  absl::StatusOr<v1::ReferenceRow> row = MapRecordToReferenceRow(*mapping, record, "EUR");
  ASSERT_THAT(row, IsOk());
  EXPECT_EQ(row->key(), "75011:rue-oberkampf:112");
  ASSERT_EQ(row->cells_size(), 2);
  EXPECT_EQ(row->cells(0).column(), "school_name");
  EXPECT_EQ(row->cells(1).value().int_value(), 11);

  diagnostics.clear();
  EXPECT_THAT(
      ParseMapping("source: caf\nreference_table: sectors\ncolumns:\n  school: x\n", "r.yaml", schema, &diagnostics),
      StatusIs(absl::StatusCode::kInvalidArgument));
  std::string text = FormatDiagnostics(diagnostics);
  EXPECT_THAT(text, HasSubstr("source \"caf\" may not replace reference table \"sectors\""));
  EXPECT_THAT(text, HasSubstr("r.yaml:4:3: unknown column \"school\""));
  EXPECT_THAT(text, HasSubstr("the key column \"address_key\""));
}

TEST(MappingTest, EventIdsEscapeAndStayShort) {
  EXPECT_EQ(MakeEventId("caf", "d", "A B/C:D", "abc"), "caf:d:A%20B/C%3AD:abc");
  std::string id = MakeEventId("caf", "d", std::string(200, 'x'), "abc");
  EXPECT_LE(id.size(), 128u);
  EXPECT_THAT(id, ::testing::StartsWith("caf:d:sha-"));
}

}  // namespace
}  // namespace proactive

namespace proactive {
namespace {

// The example mappings shipped with the connectors stay valid.
TEST(MappingTest, ExampleMappingsCheckAgainstTheProjectSchema) {
  std::vector<Diagnostic> diagnostics;
  absl::StatusOr<AttributeSchema> schema =
      AttributeSchema::LoadFile(testing::SourceDir() + "/rules/schema.yaml", &diagnostics);
  ASSERT_THAT(schema, testing::IsOk());
  for (const char* path : {"connectors/batch/examples/caf.yaml", "connectors/batch/examples/school-sectors.yaml",
                           "connectors/opendatasoft/examples/school-sectors.yaml"}) {
    EXPECT_THAT(LoadMapping(testing::SourceDir() + "/" + path, *schema, &diagnostics), testing::IsOk())
        << FormatDiagnostics(diagnostics);
  }
}

}  // namespace
}  // namespace proactive
