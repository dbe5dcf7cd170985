// The ReferenceTables service on the real daemon: a table is replaced as a
// whole or not at all, with precise errors, and survives a restart; rules
// read it through the person (person.school_sector).
#include "absl/strings/str_cat.h"
#include "engine/client/channel.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proactive/v1/gateway.grpc.pb.h"
#include "proactive/v1/reference.grpc.pb.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace proactive {
namespace {

using ::proactive::testing::DaemonProcess;
using ::proactive::testing::IsOk;
using ::testing::HasSubstr;

constexpr char kTable[] = "school_sectors_maternelle";

v1::ReferenceRow Row(const std::string& key, const std::string& school, int64_t arrondissement) {
  v1::ReferenceRow row;
  row.set_key(key);
  v1::ReferenceCell* name = row.add_cells();
  name->set_column("school_name");
  name->mutable_value()->set_string_value(school);
  v1::ReferenceCell* arr = row.add_cells();
  arr->set_column("arrondissement");
  arr->mutable_value()->set_int_value(arrondissement);
  return row;
}

class ReferenceScenarioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<DaemonProcess>(testing::DaemonOptions{dir_.path() + "/data"});
    ASSERT_THAT(daemon_->Start(), IsOk());
    stub_ = v1::ReferenceTables::NewStub(ConnectToEngine(daemon_->address()));
  }
  void TearDown() override {
    stub_.reset();
    if (daemon_->running()) {
      EXPECT_THAT(daemon_->Stop(), IsOk());
    }
  }
  grpc::Status Replace(const std::string& source, const std::vector<v1::ReferenceRow>& rows,
                       v1::ReplaceTableResponse* response, bool cancel = false) {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    auto writer = stub_->ReplaceTable(&context, response);
    v1::ReplaceTableRequest first;
    first.set_table(kTable);
    first.set_source(source);
    writer->Write(first);
    for (const v1::ReferenceRow& row : rows) {
      v1::ReplaceTableRequest message;
      *message.add_rows() = row;
      writer->Write(message);
    }
    if (cancel) {
      context.TryCancel();
    } else {
      writer->WritesDone();
    }
    return writer->Finish();
  }
  grpc::Status Info(v1::ReferenceTableInfo* info) {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::GetTableRequest request;
    request.set_table(kTable);
    return stub_->GetTable(&context, request, info);
  }

  testing::TempDir dir_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::unique_ptr<v1::ReferenceTables::Stub> stub_;
};

TEST_F(ReferenceScenarioTest, RefusalsNameTheFieldAndChangeNothing) {
  v1::ReplaceTableResponse response;
  grpc::Status status = Replace("caf", {Row("k1", "A", 11)}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "source: source \"caf\" may not replace reference table "
            "\"school_sectors_maternelle\"");

  v1::ReferenceRow bad = Row("k2", "B", 11);
  bad.mutable_cells(1)->mutable_value()->set_string_value("onze");
  status = Replace("paris-opendata", {Row("k1", "A", 11), bad}, &response);
  EXPECT_EQ(status.error_message(), "rows[1].cells[1].value: \"arrondissement\" expects int, got string");

  status = Replace("paris-opendata", {Row("k1", "A", 11), Row("k1", "B", 12)}, &response);
  EXPECT_EQ(status.error_message(), "rows[1].key: key \"k1\" already used by rows[0]");

  v1::ReferenceRow unknown = Row("k3", "C", 11);
  unknown.mutable_cells(0)->set_column("school");
  status = Replace("paris-opendata", {unknown}, &response);
  EXPECT_EQ(status.error_message(),
            "rows[0].cells[0].column: unknown column \"school\" of reference table "
            "\"school_sectors_maternelle\"");

  status = Replace("paris-opendata", {Row("k1", "A", 11)}, &response,
                   /*cancel=*/true);
  EXPECT_FALSE(status.ok());
  v1::ReferenceTableInfo info;
  EXPECT_EQ(Info(&info).error_code(), grpc::StatusCode::NOT_FOUND);

  // A table beyond the daemon's limit names the first row too many.
  stub_.reset();
  ASSERT_THAT(daemon_->Stop(), IsOk());
  testing::DaemonOptions limited{dir_.path() + "/data"};
  limited.extra_flags = {"--max_reference_rows=2"};
  daemon_ = std::make_unique<DaemonProcess>(limited);
  ASSERT_THAT(daemon_->Start(), IsOk());
  stub_ = v1::ReferenceTables::NewStub(ConnectToEngine(daemon_->address()));
  status = Replace("paris-opendata", {Row("k1", "A", 11), Row("k2", "B", 12), Row("k3", "C", 13)}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "rows[2]: reference table \"school_sectors_maternelle\" may have at most 2 rows "
            "(--max_reference_rows); nothing changed");
  EXPECT_EQ(Info(&info).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(Replace("paris-opendata", {Row("k1", "A", 11), Row("k2", "B", 12)}, &response).ok());
}

TEST_F(ReferenceScenarioTest, VersionsAndRestart) {
  v1::ReplaceTableResponse response;
  ASSERT_TRUE(Replace("paris-opendata", {Row("k2", "B", 12), Row("k1", "A", 11)}, &response).ok());
  EXPECT_EQ(response.version(), 1u);
  EXPECT_EQ(response.rows(), 2u);
  EXPECT_FALSE(response.unchanged());
  ASSERT_TRUE(Replace("paris-opendata", {Row("k1", "A", 11), Row("k2", "B", 12)}, &response).ok());
  EXPECT_TRUE(response.unchanged()) << "same rows in another order";
  EXPECT_EQ(response.version(), 1u);

  stub_.reset();
  ASSERT_THAT(daemon_->Stop(), IsOk());
  // Both replacements were run as commands of the event writer, the store's
  // one writer.
  EXPECT_THAT(daemon_->ReadLog(), HasSubstr("after 0 events, 2 commands"));
  ASSERT_THAT(daemon_->Start(), IsOk());
  stub_ = v1::ReferenceTables::NewStub(ConnectToEngine(daemon_->address()));
  v1::ReferenceTableInfo info;
  ASSERT_TRUE(Info(&info).ok());
  EXPECT_EQ(info.version(), 1u);
  EXPECT_EQ(info.rows(), 2u);
  EXPECT_EQ(info.source(), "paris-opendata");

  grpc::ClientContext context;
  SetDeadline(&context, absl::Seconds(10));
  v1::GetRowRequest request;
  request.set_table(kTable);
  request.set_key("k2");
  v1::GetRowResponse row;
  ASSERT_TRUE(stub_->GetRow(&context, request, &row).ok());
  EXPECT_EQ(row.row().cells(0).column(), "arrondissement");
  EXPECT_EQ(row.row().cells(0).value().int_value(), 12);
}

// The maternelle offer names the sector school of the child's address, read
// from the table the City published, and the decision keeps where it came
// from (the table and its version).
TEST_F(ReferenceScenarioTest, TheOfferNamesTheSectorSchoolOfTheChildsAddress) {
  ASSERT_THAT(daemon_->Stop(), IsOk());
  daemon_ = std::make_unique<DaemonProcess>(testing::SampleMorningDaemon(dir_.path() + "/morning"));
  ASSERT_THAT(daemon_->Start(), IsOk());
  stub_ = v1::ReferenceTables::NewStub(ConnectToEngine(daemon_->address()));
  v1::ReplaceTableResponse replaced;
  grpc::Status status = Replace("paris-opendata",
                                {Row("75011:rue-de-la-roquette:10", "École maternelle Roquette", 11),
                                 Row("75011:rue-oberkampf:112", "École maternelle Oberkampf", 11)},
                                &replaced);
  ASSERT_TRUE(status.ok()) << status.error_message();
  testing::CommandResult published = testing::RunCommand(
      {testing::ProactivectlPath(), "publish", "--file", testing::SourceDir() + "/deploy/demo/paris-sample.ndjson",
       "--schema", testing::SourceDir() + "/rules/schema.yaml", "--quiet", "--server", daemon_->address()});
  ASSERT_EQ(published.exit_code, 0) << published.output;

  grpc::ClientContext context;
  SetDeadline(&context, absl::Seconds(10));
  v1::LeaseMessagesRequest request;
  request.set_max_messages(100);
  v1::LeaseMessagesResponse leased;
  status = v1::Gateway::NewStub(ConnectToEngine(daemon_->address()))->LeaseMessages(&context, request, &leased);
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::string offer_text;
  for (const v1::OutgoingSms& sms : leased.messages()) {
    if (sms.to() == "+33639980002" && sms.text().find("maternelle") != std::string::npos) offer_text = sms.text();
  }
  EXPECT_THAT(offer_text, HasSubstr("secteur (11e) pour la rentrée 2026 : École maternelle Oberkampf. Répondez"));

  testing::CommandResult listed =
      testing::RunCommand({testing::ProactivectlPath(), "decisions", "list", "P0001", "--server", daemon_->address()});
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  const size_t at = listed.output.find("d-");
  ASSERT_NE(at, std::string::npos) << listed.output;
  const std::string offer = listed.output.substr(at, listed.output.find(' ', at) - at);
  testing::CommandResult shown =
      testing::RunCommand({testing::ProactivectlPath(), "decisions", "show", offer, "--server", daemon_->address()});
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_THAT(shown.output, HasSubstr("person.school_sector.school_name"));
  EXPECT_THAT(shown.output, HasSubstr("École maternelle Oberkampf"));
  EXPECT_THAT(shown.output, HasSubstr("from table school_sectors_maternelle, version 1"));
}

}  // namespace
}  // namespace proactive
