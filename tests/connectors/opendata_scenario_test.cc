// proactive-opendata against the real daemon and a local Opendatasoft
// stand-in: 429 with Retry-After, 5xx then success, malformed JSON retried at
// the next poll, the 10,000 offset limit, a kill in the middle of a poll, and
// school sectors loaded as a reference table by point in polygon.
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/client/channel.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proactive/v1/persons.grpc.pb.h"
#include "proactive/v1/reference.grpc.pb.h"
#include "tests/connectors/connector_process.h"
#include "tests/connectors/fake_opendatasoft.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace proactive {
namespace {

using ::proactive::testing::CommandResult;
using ::proactive::testing::DaemonProcess;
using ::proactive::testing::Fault;
using ::proactive::testing::IsOk;
using ::proactive::testing::ReadWholeFile;
using ::proactive::testing::RunCommand;
using ::testing::HasSubstr;
using json = nlohmann::json;

constexpr char kMapping[] = R"(version: 1
source: caf
dataset: caf-open
person_id: {column: id}
occurred_at: {column: date_maj}
row_key: [id]
attributes:
  arrondissement: arr
  yearly_income: ressources
)";

// Records "<prefix>NNNNN", ten per minute of stamp after 2026-07-01T08:00Z.
std::vector<json> Records(const std::string& prefix, int count, int per_stamp = 10) {
  std::vector<json> records;
  for (int i = 0; i < count; ++i) {
    records.push_back(
        {{"id", absl::StrFormat("%s%05d", prefix, i)},
         {"date_maj", absl::StrFormat("2026-07-01T%02d:%02d:00+00:00", 8 + i / per_stamp / 60, i / per_stamp % 60)},
         {"arr", 1 + i % 20},
         {"ressources", 1000 + i + 0.5}});
  }
  return records;
}

class OpendataScenarioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(ods_.Start(), IsOk());
    daemon_ = std::make_unique<DaemonProcess>(testing::DaemonOptions{dir_.path() + "/data"});
    ASSERT_THAT(daemon_->Start(), IsOk());
    auto channel = ConnectToEngine(daemon_->address());
    persons_ = v1::Persons::NewStub(channel);
    reference_ = v1::ReferenceTables::NewStub(channel);
    std::ofstream(dir_.path() + "/caf-open.yaml") << kMapping;
  }
  void TearDown() override {
    persons_.reset();
    reference_.reset();
    if (daemon_->running()) {
      EXPECT_THAT(daemon_->Stop(), IsOk());
    }
  }

  std::vector<std::string> Args(const std::string& dataset, const std::string& mapping,
                                std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {testing::OpendataPath(),
                                     "--base_url=" + ods_.url(),
                                     "--dataset=" + dataset,
                                     "--mapping=" + dir_.path() + "/" + mapping,
                                     "--schema=" + testing::SourceDir() + "/rules/schema.yaml",
                                     "--server=" + daemon_->address(),
                                     "--state=" + dir_.path() + "/" + dataset + ".state",
                                     "--rejects=" + dir_.path() + "/" + dataset + ".rejects.tsv",
                                     "--initial_backoff=10ms",
                                     "--max_backoff=100ms",
                                     "--interval=0s",
                                     "--polls=1"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  grpc::Status GetPerson(const std::string& id, v1::Person* person) {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::GetPersonRequest request;
    request.set_person_id(id);
    return persons_->GetPerson(&context, request, person);
  }
  int64_t Arrondissement(const std::string& id) {
    v1::Person person;
    if (!GetPerson(id, &person).ok()) return -1;
    for (const v1::AttributeState& a : person.attributes()) {
      if (a.name() == "arrondissement") return a.value().int_value();
    }
    return 0;
  }
  void ExpectEachAppliedOnce(const std::string& prefix, int count) {
    for (int i = 0; i < count; ++i) {
      v1::Person person;
      std::string id = absl::StrFormat("%s%05d", prefix, i);
      ASSERT_TRUE(GetPerson(id, &person).ok()) << id << " was lost";
      ASSERT_EQ(person.events_applied(), 1u) << id;
    }
  }

  testing::TempDir dir_;
  testing::FakeOpendatasoft ods_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::unique_ptr<v1::Persons::Stub> persons_;
  std::unique_ptr<v1::ReferenceTables::Stub> reference_;
};

TEST_F(OpendataScenarioTest, FaultsAreRetriedAndTheNextPollGoesOnFromThePosition) {
  ods_.SetDataset("caf-open", Records("A", 250));
  ods_.FailRequest(1, Fault::kTooManyRequests);  // Retry-After: 1
  ods_.FailRequest(3, Fault::kServerError);
  ods_.FailRequest(5, Fault::kMalformedJson);
  CommandResult run = RunCommand(Args("caf-open", "caf-open.yaml", {"--modified_field=date_maj", "--polls=2"}));
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("429 Too Many Requests; retrying in 1s"));
  EXPECT_THAT(run.output, HasSubstr("server error 503; retrying in 10ms"));
  EXPECT_THAT(run.output, HasSubstr("poll 1 of caf-open failed: /api/explore/v2.1/catalog/datasets/"
                                    "caf-open/records: the answer is not valid JSON (byte"));
  EXPECT_THAT(run.output, HasSubstr("poll 2 of caf-open: 50 records in 1 pages, 50 accepted, "
                                    "0 duplicates, 0 rejected; watermark 2026-07-01T08:24:00+00:00"));
  ExpectEachAppliedOnce("A", 250);

  // Three changes since: two modified records and a new one, all stamped later.
  std::vector<json> records = Records("A", 251);
  for (int i : {5, 120, 250}) {
    records[i]["date_maj"] = "2026-07-01T09:30:00+00:00";
    records[i]["arr"] = 12;
  }
  ods_.SetDataset("caf-open", records);
  run = RunCommand(Args("caf-open", "caf-open.yaml", {"--modified_field=date_maj"}));
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("3 records in 1 pages, 3 accepted, 0 duplicates"));
  EXPECT_EQ(Arrondissement("A00005"), 12);
  EXPECT_EQ(Arrondissement("A00250"), 12);
  EXPECT_EQ(Arrondissement("A00006"), 7);
  v1::Person person;
  ASSERT_TRUE(GetPerson("A00120", &person).ok());
  EXPECT_EQ(person.events_applied(), 2u);
}

TEST_F(OpendataScenarioTest, TheTenThousandOffsetLimitSwitchesToTheExportsEndpoint) {
  // A first load: every record has the same stamp, so offsets climb to the
  // limit.
  ods_.SetDataset("caf-open", Records("B", 10050, /*per_stamp=*/100000));
  CommandResult run = RunCommand(Args("caf-open", "caf-open.yaml", {"--modified_field=date_maj"}));
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("10050 records in 100 pages and the exports endpoint, "
                                    "10050 accepted, 0 duplicates, 0 rejected"));
  EXPECT_EQ(ods_.export_requests(), 1);
  for (int i : {0, 9999, 10000, 10049}) {
    v1::Person person;
    ASSERT_TRUE(GetPerson(absl::StrFormat("B%05d", i), &person).ok()) << i;
    EXPECT_EQ(person.events_applied(), 1u);
  }

  // A portal with a lower limit answers 400 InvalidRESTParameterError: the
  // connector switches to the export there too.
  ods_.set_max_offset(300);
  ods_.SetDataset("other", Records("C", 450, /*per_stamp=*/100000));
  run = RunCommand(Args("other", "caf-open.yaml", {"--modified_field=date_maj"}));
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("reading the exports endpoint"));
  EXPECT_THAT(run.output, HasSubstr("450 records in 3 pages and the exports endpoint, 450 accepted"));
  ExpectEachAppliedOnce("C", 450);
}

TEST_F(OpendataScenarioTest, KilledInTheMiddleOfAPollResumesWithoutLossOrDuplicateEffect) {
  ods_.SetDataset("caf-open", Records("D", 800));
  ods_.set_page_delay(absl::Milliseconds(150));
  std::vector<std::string> args = Args("caf-open", "caf-open.yaml", {"--modified_field=date_maj"});
  const std::string state_path = dir_.path() + "/caf-open.state";
  pid_t pid = testing::StartConnector(args, dir_.path() + "/first-run.log");
  ASSERT_TRUE(testing::WaitUntil([&] {
    json state = json::parse(ReadWholeFile(state_path), nullptr, false);
    return state.is_object() && state.value("watermark", "") >= "2026-07-01T08:19:00+00:00";
  }));
  testing::KillConnector(pid);
  json state = json::parse(ReadWholeFile(state_path));
  ASSERT_LT(state.value("watermark", ""), "2026-07-01T09:19:00+00:00") << "finished before the kill";

  ods_.set_page_delay(absl::ZeroDuration());
  CommandResult run = RunCommand(args);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  int64_t records = 0, pages = 0, accepted = 0, duplicates = 0;
  size_t at = run.output.find("poll 1 of caf-open: ");
  ASSERT_NE(at, std::string::npos) << run.output;
  ASSERT_EQ(std::sscanf(run.output.c_str() + at,
                        "poll 1 of caf-open: %ld records in %ld pages, %ld "
                        "accepted, %ld duplicates",
                        &records, &pages, &accepted, &duplicates),
            4)
      << run.output;
  EXPECT_EQ(accepted + duplicates, records);
  EXPECT_LE(duplicates, 100) << "at most the page in flight at the kill";
  EXPECT_LT(records, 800) << "the second run went on from the position";
  ExpectEachAppliedOnce("D", 800);
}

TEST_F(OpendataScenarioTest, SchoolSectorsBecomeAReferenceTableByPointInPolygon) {
  auto square = [](double lon, double lat, double size) {
    return json{{"type", "Feature"},
                {"properties", json::object()},
                {"geometry",
                 {{"type", "Polygon"},
                  {"coordinates",
                   {{{lon, lat}, {lon + size, lat}, {lon + size, lat + size}, {lon, lat + size}, {lon, lat}}}}}}};
  };
  ods_.SetDataset("secteurs-scolaires-maternelles", {{{"id_projet", "M11-04"},
                                                      {"lib_etab_1", "École maternelle Oberkampf"},
                                                      {"geo_shape", square(2.36, 48.86, 0.01)}},
                                                     {{"id_projet", "M11-01"},
                                                      {"lib_etab_1", "École maternelle Roquette"},
                                                      {"geo_shape", square(2.37, 48.85, 0.01)}}});
  auto address = [](int number, const std::string& street, double lon, double lat) {
    return json{{"n_voie", number}, {"l_voie", street}, {"c_ar", 11}, {"geo_point_2d", {{"lon", lon}, {"lat", lat}}}};
  };
  ods_.SetDataset("adresse_paris",
                  {address(112, "Rue Oberkampf", 2.365, 48.865), address(10, "Rue de la Roquette", 2.375, 48.855),
                   address(12, "Rue de la Roquette", 2.376, 48.856), address(1, "Place de la Concorde", 2.32, 48.86)});
  std::ofstream(dir_.path() + "/sectors.yaml") << R"(source: paris-opendata
reference_table: school_sectors_maternelle
columns:
  address_key: {template: "750{c_ar|pad2}:{l_voie|slug}:{n_voie}"}
  sector_id: area.id_projet
  school_name: area.lib_etab_1
  arrondissement: c_ar
)";
  std::vector<std::string> args =
      Args("secteurs-scolaires-maternelles", "sectors.yaml", {"--points_dataset=adresse_paris"});
  CommandResult run = RunCommand(args);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("3 rows, version 1, 1 points outside every area"));

  grpc::ClientContext context;
  SetDeadline(&context, absl::Seconds(10));
  v1::GetRowRequest request;
  request.set_table("school_sectors_maternelle");
  request.set_key("75011:rue-de-la-roquette:12");
  v1::GetRowResponse row;
  ASSERT_TRUE(reference_->GetRow(&context, request, &row).ok());
  ASSERT_EQ(row.row().cells_size(), 3);
  EXPECT_EQ(row.row().cells(1).value().string_value(), "École maternelle Roquette");
  EXPECT_EQ(row.row().cells(2).value().string_value(), "M11-01");

  run = RunCommand(args);
  EXPECT_THAT(run.output, HasSubstr("3 rows, version 1 (unchanged)"));
}

}  // namespace
}  // namespace proactive
