// A lease whose answer is lost, on the real daemon: the SMS gateway asked
// for messages, the engine leased them durably and was killed before the
// answer arrived. Asked again under the same lease_id after the restart, the
// engine answers the same messages, so that they are not held for nobody
// until their lease runs out. A malformed lease_id is refused, naming it.
#include <cstdio>
#include <set>
#include <string>

#include "absl/strings/str_format.h"
#include "engine/client/channel.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proactive/v1/gateway.grpc.pb.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class GatewayLeaseScenarioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<testing::DaemonProcess>(testing::SampleMorningDaemon(dir_.path() + "/data"));
    ASSERT_THAT(daemon_->Start(), IsOk());
  }

  // The sample population, whose decisions leave SMS to lease.
  void PublishSample() {
    testing::CommandResult published = testing::RunCommand(
        {testing::ProactivectlPath(), "publish", "--file", testing::SourceDir() + "/deploy/demo/paris-sample.ndjson",
         "--schema", testing::SourceDir() + "/rules/schema.yaml", "--quiet", "--server", daemon_->address()});
    ASSERT_EQ(published.exit_code, 0) << published.output;
  }

  grpc::Status Lease(const std::string& lease_id, v1::LeaseMessagesResponse* response) {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::LeaseMessagesRequest request;
    request.set_max_messages(50);
    request.set_lease_seconds(600);
    request.set_lease_id(lease_id);
    return v1::Gateway::NewStub(ConnectToEngine(daemon_->address()))->LeaseMessages(&context, request, response);
  }

  std::set<std::string> LeasedIds(const std::string& lease_id) {
    v1::LeaseMessagesResponse response;
    grpc::Status status = Lease(lease_id, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::set<std::string> ids;
    for (const v1::OutgoingSms& sms : response.messages()) {
      EXPECT_EQ(sms.attempt(), 1u) << sms.message_id();
      ids.insert(sms.message_id());
    }
    return ids;
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::DaemonProcess> daemon_;
};

TEST_F(GatewayLeaseScenarioTest, ALeaseWhoseAnswerWasLostIsAnsweredAgainAfterACrash) {
  ASSERT_NO_FATAL_FAILURE(PublishSample());

  // The answer reaches us here, but the gateway is taken to have lost it.
  const std::set<std::string> first = LeasedIds("kannel-lease-0001");
  ASSERT_FALSE(first.empty());
  daemon_->Kill();
  ASSERT_THAT(daemon_->Start(), IsOk());

  EXPECT_EQ(LeasedIds("kannel-lease-0001"), first);
  // Under any other id nothing is leased: they are still held (600 s).
  EXPECT_THAT(LeasedIds("kannel-lease-0002"), IsEmpty());

  for (const std::string& bad : {std::string("../lease"), std::string(65, 'a')}) {
    v1::LeaseMessagesResponse response;
    grpc::Status status = Lease(bad, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad;
    EXPECT_THAT(status.error_message(), HasSubstr("lease_id: must be")) << bad;
  }
  // The refused calls changed nothing.
  EXPECT_EQ(LeasedIds("kannel-lease-0001"), first);
}

// The operator asks what is still to leave: `proactivectl status` on the
// real daemon counts the SMS ready, with the gateway, and held until later.
TEST_F(GatewayLeaseScenarioTest, TheStatusCountsTheSmsStillToLeave) {
  ASSERT_NO_FATAL_FAILURE(PublishSample());
  const auto outbox_line = [&] {
    testing::CommandResult status =
        testing::RunCommand({testing::ProactivectlPath(), "status", "--server", daemon_->address()});
    EXPECT_EQ(status.exit_code, 0) << status.output;
    const size_t at = status.output.find("outbox: ");
    return at == std::string::npos ? status.output : status.output.substr(at, status.output.find('\n', at) - at);
  };
  const std::string before = outbox_line();
  {
    // The same status says what the write path did since the start.
    testing::CommandResult status =
        testing::RunCommand({testing::ProactivectlPath(), "status", "--server", daemon_->address()});
    const size_t at = status.output.find("ingestion since the start: ");
    ASSERT_NE(at, std::string::npos) << status.output;
    unsigned long long events = 0, commands = 0, ticks = 0, groups = 0;
    ASSERT_EQ(std::sscanf(status.output.c_str() + at,
                          "ingestion since the start: %llu events, %llu commands and %llu daily ticks in %llu group",
                          &events, &commands, &ticks, &groups),
              4)
        << status.output;
    // A fast disk may give each streamed event its own group, and the daily
    // tick at the start has one: how they share is RulesScenarioTest's.
    EXPECT_GT(events, 0u);
    EXPECT_GE(groups, 1u);
  }
  int total = 0, ready = 0;
  ASSERT_EQ(std::sscanf(before.c_str(), "outbox: %d SMS to send: %d ready, 0 with the gateway, 0 held until later",
                        &total, &ready),
            2)
      << before;
  EXPECT_GT(ready, 0);
  EXPECT_EQ(total, ready);

  const std::set<std::string> leased = LeasedIds("kannel-lease-0001");
  ASSERT_FALSE(leased.empty());
  EXPECT_EQ(outbox_line(), absl::StrFormat("outbox: %d SMS to send: 0 ready, %d with the gateway, 0 held until "
                                           "later; %d letters to post",
                                           leased.size(), leased.size(), ready - static_cast<int>(leased.size())))
      << "those without a phone went to letters";
}

// The mail room on the real daemon: a message to a guardian without a phone
// became a letter when the SMS gateway leased; `proactivectl letters list`
// shows it with its text, `letters posted` records it (once), and it leaves
// the list. Bad requests are refused, naming what is wrong.
TEST_F(GatewayLeaseScenarioTest, TheMailRoomListsTheLettersAndRecordsThemPosted) {
  ASSERT_NO_FATAL_FAILURE(PublishSample());
  const auto letters = [&](std::vector<std::string> args) {
    std::vector<std::string> command = {testing::ProactivectlPath(), "letters"};
    command.insert(command.end(), args.begin(), args.end());
    command.insert(command.end(), {"--server", daemon_->address()});
    return testing::RunCommand(command);
  };
  testing::CommandResult none = letters({"list"});
  EXPECT_EQ(none.exit_code, 0) << none.output;
  EXPECT_THAT(none.output, HasSubstr("0 letters to post")) << "nothing has left yet";

  ASSERT_FALSE(LeasedIds("kannel-lease-0001").empty());
  testing::CommandResult listed = letters({"list", "--max", "1"});
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  int waiting = 0;
  ASSERT_EQ(std::sscanf(listed.output.c_str(), "%d letters to post", &waiting), 1) << listed.output;
  ASSERT_GE(waiting, 1);
  // "<message id>  to <person>  since ..." then the text, indented.
  const size_t line = listed.output.find('\n') + 1;
  const std::string message_id = listed.output.substr(line, listed.output.find(' ', line) - line);
  ASSERT_FALSE(message_id.empty()) << listed.output;
  EXPECT_THAT(listed.output, HasSubstr("  to P")) << listed.output;
  EXPECT_THAT(listed.output, HasSubstr("CRPA L311-3-1")) << listed.output;
  EXPECT_EQ(listed.output.find("  to P"), listed.output.rfind("  to P")) << "one letter with --max 1";

  testing::CommandResult bad_max = letters({"list", "--max", "0"});
  EXPECT_EQ(bad_max.exit_code, 1) << bad_max.output;
  EXPECT_THAT(bad_max.output, HasSubstr("max_letters: must be in 1..1000"));
  testing::CommandResult unknown = letters({"posted", "no-such-message"});
  EXPECT_EQ(unknown.exit_code, 1) << unknown.output;
  EXPECT_THAT(unknown.output, HasSubstr("message_id: no message"));

  testing::CommandResult posted = letters({"posted", message_id});
  EXPECT_EQ(posted.exit_code, 0) << posted.output;
  EXPECT_THAT(posted.output, HasSubstr(message_id + " posted"));
  testing::CommandResult again = letters({"posted", message_id});
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_THAT(again.output, HasSubstr("already marked as posted"));
  testing::CommandResult after = letters({"list"});
  EXPECT_EQ(after.exit_code, 0) << after.output;
  EXPECT_THAT(after.output, HasSubstr(absl::StrFormat("%d letters to post", waiting - 1)));
  EXPECT_THAT(after.output, ::testing::Not(HasSubstr(message_id)));
  // The posting is in the audit chain, which still verifies.
  testing::CommandResult audit =
      testing::RunCommand({testing::ProactivectlPath(), "audit", "verify", "--server", daemon_->address()});
  EXPECT_EQ(audit.exit_code, 0) << audit.output;
}

}  // namespace
}  // namespace proactive
