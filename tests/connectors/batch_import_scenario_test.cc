// proactive-import against the real daemon: bad rows to the reject file with
// line numbers, re-runs answered DUPLICATE, a kill in the middle resumed with
// no loss and no duplicate effect, a reference table loaded from a CSV.
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/client/channel.h"
#include "engine/common/sha256.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "proactive/v1/persons.grpc.pb.h"
#include "proactive/v1/reference.grpc.pb.h"
#include "tests/connectors/connector_process.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace proactive {
namespace {

using ::proactive::testing::CommandResult;
using ::proactive::testing::DaemonProcess;
using ::proactive::testing::IsOk;
using ::proactive::testing::ReadWholeFile;
using ::proactive::testing::RunCommand;
using ::testing::HasSubstr;

constexpr char kCafMapping[] = R"(version: 1
source: caf
dataset: caf-allocataires
input: {format: csv, delimiter: ";"}
person_id: {column: matricule}
household_id: {column: foyer}
occurred_at: {column: date_maj, format: DD/MM/YYYY}
attributes:
  yearly_income: {column: ressources, decimal: ","}
  receives_rsa: {column: rsa}
  arrondissement: {column: arr}
)";

class BatchImportScenarioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<DaemonProcess>(testing::DaemonOptions{dir_.path() + "/data"});
    ASSERT_THAT(daemon_->Start(), IsOk());
    auto channel = ConnectToEngine(daemon_->address());
    persons_ = v1::Persons::NewStub(channel);
    reference_ = v1::ReferenceTables::NewStub(channel);
    Write("caf.yaml", kCafMapping);
  }
  void TearDown() override {
    persons_.reset();
    reference_.reset();
    if (daemon_->running()) {
      EXPECT_THAT(daemon_->Stop(), IsOk());
    }
  }

  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_.path() + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  std::vector<std::string> ImportArgs(const std::string& file, const std::string& mapping) {
    return {testing::ImportPath(),
            "--file=" + dir_.path() + "/" + file,
            "--mapping=" + dir_.path() + "/" + mapping,
            "--schema=" + testing::SourceDir() + "/rules/schema.yaml",
            "--server=" + daemon_->address(),
            "--quiet"};
  }
  CommandResult Import(const std::string& file, const std::string& mapping = "caf.yaml") {
    return RunCommand(ImportArgs(file, mapping));
  }
  grpc::Status GetPerson(const std::string& id, v1::Person* person) {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::GetPersonRequest request;
    request.set_person_id(id);
    return persons_->GetPerson(&context, request, person);
  }
  grpc::Status GetRow(const std::string& table, const std::string& key, v1::GetRowResponse* row) {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::GetRowRequest request;
    request.set_table(table);
    request.set_key(key);
    return reference_->GetRow(&context, request, row);
  }

  testing::TempDir dir_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::unique_ptr<v1::Persons::Stub> persons_;
  std::unique_ptr<v1::ReferenceTables::Stub> reference_;
};

TEST_F(BatchImportScenarioTest, CsvWithBadRowsProducesARejectFileWithLineNumbersAndReasons) {
  Write("caf.csv",
        "matricule;foyer;date_maj;ressources;rsa;arr\n"
        "P1;H1;01/03/2026;16 800,00;oui;11\n"
        "P2;H1;31/02/2026;100;non;11\n"
        "P3;H2;02/03/2026;1 200,5;peut-être;12\n"
        "P4;H3;02/03/2026;10,00;non;25\n"
        "P5;H4;02/03/2026;10,00\n"
        "\"P6\";\"H4\";03/03/2026;\"2 000,00\";NON;3\n");
  CommandResult run = Import("caf.csv");
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr("6 rows read, 2 accepted, 0 duplicates, 4 rejected"));
  EXPECT_EQ(ReadWholeFile(dir_.path() + "/caf.csv.rejects.tsv"),
            "3\tcolumn \"date_maj\" (occurred_at): \"31/02/2026\" is not a "
            "valid date "
            "(2026-02-31 does not exist (day 31))\n"
            "4\tcolumn \"rsa\" (receives_rsa): \"peut-être\" is not a yes/no "
            "value (oui, non, "
            "true, false, 1, 0)\n"
            "5\tcolumn \"arr\" (arrondissement): 25 is above the maximum 20 of "
            "\"arrondissement\"\n"
            "6\t4 fields where the header has 6 (is the delimiter right?)\n");

  v1::Person person;
  ASSERT_TRUE(GetPerson("P1", &person).ok());
  EXPECT_EQ(person.household_id(), "H1");
  ASSERT_EQ(person.attributes_size(), 3);
  EXPECT_EQ(person.attributes(2).name(), "yearly_income");
  EXPECT_EQ(person.attributes(2).value().money_value().cents(), 1680000);
  ASSERT_TRUE(GetPerson("P6", &person).ok());
  EXPECT_FALSE(person.attributes(1).value().bool_value());
  EXPECT_EQ(GetPerson("P2", &person).error_code(), grpc::StatusCode::NOT_FOUND);

  // Run again: the position says everything is done; nothing is sent.
  run = Import("caf.csv");
  EXPECT_THAT(run.output, HasSubstr("0 rows read, 0 accepted, 0 duplicates, 0 rejected"));
  // Without the position, every row goes again and is answered DUPLICATE, and
  // the reject file is written anew (not appended twice).
  std::remove((dir_.path() + "/caf.csv.state").c_str());
  run = Import("caf.csv");
  EXPECT_THAT(run.output, HasSubstr("6 rows read, 0 accepted, 2 duplicates, 4 rejected"));
  EXPECT_THAT(ReadWholeFile(dir_.path() + "/caf.csv.rejects.tsv"), ::testing::StartsWith("3\tcolumn \"date_maj\""));
  ASSERT_TRUE(GetPerson("P1", &person).ok());
  EXPECT_EQ(person.events_applied(), 1u);
}

TEST_F(BatchImportScenarioTest, MissingColumnsAndBadMappingsStopBeforeAnything) {
  Write("short.csv", "matricule;date_maj\nP1;01/03/2026\n");
  CommandResult run = Import("short.csv");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr("the header lacks columns arr, foyer, ressources, rsa"));
  Write("bad.yaml",
        "source: caf\nperson_id: m\noccurred_at: d\nattributes:\n  birth_date: "
        "x\n");
  run = Import("short.csv", "bad.yaml");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr("bad.yaml:5:3: source \"caf\" may not set \"birth_date\""));
}

TEST_F(BatchImportScenarioTest, KilledInTheMiddleResumesWithoutLossOrDuplicateEffect) {
  constexpr int kRows = 3000;
  std::string csv = "matricule;foyer;date_maj;ressources;rsa;arr\n";
  for (int i = 0; i < kRows; ++i) {
    absl::StrAppendFormat(&csv, "P%05d;H%05d;01/03/2026;%d,50;%s;%d\n", i, i / 2, 1000 + i, i % 2 ? "oui" : "non",
                          1 + i % 20);
  }
  Write("big.csv", csv);
  std::vector<std::string> args = ImportArgs("big.csv", "caf.yaml");
  args.push_back("--chunk_size=50");
  args.push_back("--max_rate=2000");  // about 1.5 s: time to kill it in the middle
  const std::string state_path = dir_.path() + "/big.csv.state";
  pid_t pid = testing::StartConnector(args, dir_.path() + "/first-run.log");
  int64_t line_at_kill = 0;
  ASSERT_TRUE(testing::WaitUntil([&] {
    nlohmann::json state = nlohmann::json::parse(ReadWholeFile(state_path), nullptr, false);
    if (state.is_discarded() || !state.is_object()) return false;
    line_at_kill = state.value("line", int64_t{0});
    return line_at_kill >= 500;
  }));
  testing::KillConnector(pid);
  ASSERT_LT(line_at_kill, kRows + 1) << "the import finished before the kill";

  CommandResult run = RunCommand(args);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("(resumed at line"));
  // Only the chunk in flight at the kill can come back as duplicates.
  int64_t rows = 0, accepted = 0, duplicates = 0;
  std::string summary = run.output.substr(run.output.find("  ") + 2);
  ASSERT_EQ(std::sscanf(summary.c_str(), "%ld rows read, %ld accepted, %ld duplicates", &rows, &accepted, &duplicates),
            3)
      << run.output;
  EXPECT_LE(duplicates, 50) << "at most the chunk the killed run had in flight";
  EXPECT_EQ(accepted + duplicates, rows);
  EXPECT_GE(rows, kRows - line_at_kill);

  for (int i = 0; i < kRows; ++i) {
    v1::Person person;
    std::string id = absl::StrFormat("P%05d", i);
    ASSERT_TRUE(GetPerson(id, &person).ok()) << id << " was lost";
    ASSERT_EQ(person.events_applied(), 1u) << id;
    ASSERT_EQ(person.attributes_size(), 3);
    ASSERT_EQ(person.attributes(2).value().money_value().cents(), (1000 + i) * 100 + 50);
  }
}

// The importer speaks as the principal its credentials name (a bearer
// token in PROACTIVE_TOKEN here; a client certificate in production). One
// that does not speak for the mapping's source stops with exit 2 and saves
// no position, rather than reject every row and move past them: run again
// as a principal that speaks for it, every row goes.
TEST_F(BatchImportScenarioTest, APrincipalNotSpeakingForTheSourceStopsAndLosesNoRow) {
  ASSERT_THAT(daemon_->Stop(), IsOk());
  Write("access.yaml",
        absl::StrCat("principals:\n", "  - {name: registry, token_sha256: ", ToHex(Sha256Digest("registry-token")),
                     ", roles: [back-office], sources: [etat-civil]}\n", "  - {name: caf-exchange, token_sha256: ",
                     ToHex(Sha256Digest("caf-token")), ", roles: [back-office], sources: [caf]}\n"));
  testing::DaemonOptions options{dir_.path() + "/guarded"};
  options.extra_flags = {"--access_file=" + dir_.path() + "/access.yaml"};
  daemon_ = std::make_unique<DaemonProcess>(options);
  ASSERT_THAT(daemon_->Start(), IsOk());
  Write("caf.csv",
        "matricule;foyer;date_maj;ressources;rsa;arr\n"
        "P1;H1;01/03/2026;16 800,00;oui;11\n"
        "P2;H2;02/03/2026;1 200,50;non;12\n");
  const auto import_as = [&](const std::string& token) {
    std::vector<std::string> args = ImportArgs("caf.csv", "caf.yaml");
    args.insert(args.begin(), {"/usr/bin/env", "PROACTIVE_TOKEN=" + token});
    return RunCommand(args);
  };

  // Credentials it cannot read stop it before anything is sent.
  std::vector<std::string> unreadable = ImportArgs("caf.csv", "caf.yaml");
  unreadable.insert(unreadable.begin(), {"/usr/bin/env", "PROACTIVE_TLS_CA=" + dir_.path() + "/no-such-ca.pem"});
  CommandResult run = RunCommand(unreadable);
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_THAT(run.output, HasSubstr("PROACTIVE_TLS_CA"));

  run = import_as("registry-token");
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_THAT(run.output, HasSubstr("\"registry\" may not speak for source \"caf\""));
  EXPECT_EQ(ReadWholeFile(dir_.path() + "/caf.csv.rejects.tsv"), "");

  run = import_as("caf-token");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("2 rows read, 2 accepted, 0 duplicates, 0 rejected"));
  grpc::ClientContext context;
  SetDeadline(&context, absl::Seconds(10));
  context.AddMetadata("authorization", "Bearer caf-token");
  v1::GetPersonRequest request;
  request.set_person_id("P2");
  v1::Person person;
  grpc::Status status =
      v1::Persons::NewStub(ConnectToEngine(daemon_->address()))->GetPerson(&context, request, &person);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(person.household_id(), "H2");
}

TEST_F(BatchImportScenarioTest, ReferenceTableFromACsvIsReplacedAsAWhole) {
  Write("sectors.yaml", R"(source: paris-opendata
reference_table: school_sectors_maternelle
input: {format: csv}
columns:
  address_key: {template: "750{arr|pad2}:{voie|slug}:{numero}"}
  sector_id: secteur
  school_name: ecole
  arrondissement: arr
)");
  Write("sectors.csv",
        "arr,voie,numero,secteur,ecole\n"
        "11,Rue Oberkampf,112,M11-04,École maternelle Oberkampf\n"
        "11,Rue de la Roquette,10,M11-01,École maternelle Roquette\n");
  CommandResult run = Import("sectors.csv", "sectors.yaml");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("2 rows, version 1"));
  v1::GetRowResponse row;
  ASSERT_TRUE(GetRow("school_sectors_maternelle", "75011:rue-oberkampf:112", &row).ok());
  ASSERT_EQ(row.row().cells_size(), 3);
  EXPECT_EQ(row.row().cells(1).column(), "school_name");
  EXPECT_EQ(row.row().cells(1).value().string_value(), "École maternelle Oberkampf");
  EXPECT_EQ(row.version(), 1u);

  run = Import("sectors.csv", "sectors.yaml");
  EXPECT_THAT(run.output, HasSubstr("2 rows, version 1 (unchanged)"));

  Write("sectors.csv",
        "arr,voie,numero,secteur,ecole\n11,Rue Oberkampf,112,M11-05,École "
        "Parmentier\n");
  run = Import("sectors.csv", "sectors.yaml");
  EXPECT_THAT(run.output, HasSubstr("1 rows, version 2"));
  EXPECT_EQ(GetRow("school_sectors_maternelle", "75011:rue-de-la-roquette:10", &row).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // A bad row: the table stays as it was.
  Write("sectors.csv", "arr,voie,numero,secteur,ecole\n41,Rue X,1,M,É\n");
  run = Import("sectors.csv", "sectors.yaml");
  EXPECT_EQ(run.exit_code, 1) << run.output;
  ASSERT_TRUE(GetRow("school_sectors_maternelle", "75011:rue-oberkampf:112", &row).ok());
  EXPECT_EQ(row.version(), 2u);
}

}  // namespace
}  // namespace proactive
