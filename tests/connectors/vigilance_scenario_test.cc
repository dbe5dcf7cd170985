// proactive-vigilance against the real daemon and a local stand-in of
// Météo-France's DPVigilance API: the episode id survives restarts, repeated
// polls are answered DUPLICATE, 429/5xx are retried, malformed JSON is
// reported and retried at the next poll, the API key comes from the
// environment.
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "connectors/vigilance/heatwave_episode.h"
#include "engine/client/channel.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proactive/v1/ingestion.grpc.pb.h"
#include "tests/connectors/connector_process.h"
#include "tests/connectors/local_http_server.h"
#include "tests/connectors/vigilance_feed.h"
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
using ::proactive::testing::VigilanceFeed;
using ::testing::HasSubstr;

// Serves the answers queued by the test, one per request; the last one again
// when the queue is empty.
class FakeVigilanceApi {
 public:
  struct Answer {
    int status = 200;
    std::string body;
  };
  FakeVigilanceApi() {
    server_.Get("/public/DPVigilance/v1/cartevigilance/encours",
                [this](const httplib::Request& request, httplib::Response& response) {
                  absl::MutexLock lock(&mu_);
                  if (request.get_header_value("apikey") != "test-key") {
                    response.status = 401;
                    response.set_content(R"({"code": "900901", "message": "Invalid Credentials"})", "application/json");
                    return;
                  }
                  Answer answer = last_;
                  if (!queue_.empty()) {
                    answer = queue_.front();
                    queue_.erase(queue_.begin());
                    if (answer.status == 200) last_ = answer;
                  }
                  response.status = answer.status;
                  if (answer.status == 429) response.set_header("Retry-After", "1");
                  response.set_content(answer.body, "application/json");
                });
  }
  absl::Status Start() { return server_.Start(); }
  std::string url() const { return server_.url() + "/public/DPVigilance/v1"; }
  void Queue(int status, std::string body = "") {
    absl::MutexLock lock(&mu_);
    queue_.push_back({status, std::move(body)});
  }

 private:
  testing::LocalHttpServer server_;
  absl::Mutex mu_;
  std::vector<Answer> queue_ ABSL_GUARDED_BY(mu_);
  Answer last_ ABSL_GUARDED_BY(mu_);
};

class VigilanceScenarioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("METEOFRANCE_API_KEY", "test-key", 1);
    ASSERT_THAT(api_.Start(), IsOk());
    daemon_ = std::make_unique<DaemonProcess>(testing::DaemonOptions{dir_.path() + "/data"});
    ASSERT_THAT(daemon_->Start(), IsOk());
    ingestion_ = v1::Ingestion::NewStub(ConnectToEngine(daemon_->address()));
  }
  void TearDown() override {
    ingestion_.reset();
    if (daemon_->running()) {
      EXPECT_THAT(daemon_->Stop(), IsOk());
    }
  }
  // One run of the connector: one poll, then it exits (a restart each time).
  CommandResult Poll() {
    return RunCommand({testing::VigilancePath(), "--base_url=" + api_.url(), "--departments=75,13",
                       "--server=" + daemon_->address(), "--state=" + dir_.path() + "/vigilance.state",
                       "--initial_backoff=10ms", "--polls=1"});
  }
  // Publishing the broadcast the connector should have published: DUPLICATE
  // proves the engine holds exactly this event (same id, same content).
  v1::PublishResponse::Outcome Republish(const std::string& level, const std::string& episode, int begin_day) {
    HeatwaveBroadcast b;
    b.department = "75";
    b.level = level;
    b.episode_id = episode;
    b.occurred_at = absl::FromCivil(absl::CivilSecond(2026, 7, begin_day - 1, 22, 0, 0), absl::UTCTimeZone());
    b.event_id = absl::StrCat("meteo-france:heatwave:75:", episode, ":", level, ":",
                              absl::FormatTime("%Y%m%dT%H%M%SZ", b.occurred_at, absl::UTCTimeZone()));
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::PublishResponse response;
    grpc::Status status = ingestion_->Publish(&context, ToPublishRequest(b), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.outcome();
  }

  testing::TempDir dir_;
  FakeVigilanceApi api_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::unique_ptr<v1::Ingestion::Stub> ingestion_;
};

TEST_F(VigilanceScenarioTest, EpisodeLifecycleAcrossRestartsWithRetriesAndBadAnswers) {
  // Day 1: yellow today, orange tomorrow -> an episode starting on July 2nd.
  api_.Queue(429);
  api_.Queue(200, VigilanceFeed(1, {{"75", 2, 3}, {"13", 1, 1}}));
  CommandResult run = Poll();
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("429 Too Many Requests; retrying in 1s"));
  EXPECT_THAT(run.output, HasSubstr("department 75: heatwave orange, episode 75-2026-07-02: accepted"));
  EXPECT_THAT(ReadWholeFile(dir_.path() + "/vigilance.state"), HasSubstr("\"episode_id\": \"75-2026-07-02\""));

  // The same bulletin polled again: the engine answers DUPLICATE.
  run = Poll();
  EXPECT_THAT(run.output, HasSubstr("heatwave orange, episode 75-2026-07-02: duplicate"));

  // A malformed answer: reported with context, nothing changes.
  api_.Queue(200, "{\"product\": {\"periods\": [");
  run = Poll();
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr("poll 1 failed: the vigilance feed is not valid JSON (byte"));
  EXPECT_THAT(run.output, HasSubstr("the next poll tries again"));

  // Day 2, after a 503: red today, same episode.
  api_.Queue(503);
  api_.Queue(200, VigilanceFeed(2, {{"75", 4, 3}, {"13", 1, 1}}));
  run = Poll();
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("server error 503"));
  EXPECT_THAT(run.output, HasSubstr("department 75: heatwave red, episode 75-2026-07-02: accepted"));

  // Day 3: back to yellow -> the episode ends with one last broadcast.
  api_.Queue(200, VigilanceFeed(3, {{"75", 2, 1}, {"13", 1, 1}}));
  run = Poll();
  EXPECT_THAT(run.output, HasSubstr("department 75: heatwave yellow, episode 75-2026-07-02: accepted"));
  run = Poll();
  EXPECT_THAT(run.output, ::testing::Not(HasSubstr("department 75: heatwave")));
  EXPECT_THAT(ReadWholeFile(dir_.path() + "/vigilance.state"), HasSubstr("\"episode_id\": \"\""));

  // What the engine holds, exactly.
  EXPECT_EQ(Republish("orange", "75-2026-07-02", 2), v1::PublishResponse::DUPLICATE);
  EXPECT_EQ(Republish("red", "75-2026-07-02", 2), v1::PublishResponse::DUPLICATE);
  EXPECT_EQ(Republish("yellow", "75-2026-07-02", 3), v1::PublishResponse::DUPLICATE);
  EXPECT_THAT(run.output, ::testing::Not(HasSubstr("department 13: heatwave")));
}

TEST_F(VigilanceScenarioTest, AWrongKeyIsReportedAndNeverLogged) {
  setenv("METEOFRANCE_API_KEY", "wrong-key", 1);
  CommandResult run = Poll();
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr("HTTP 401 from the vigilance API (is the API key right?)"));
  EXPECT_THAT(run.output, ::testing::Not(HasSubstr("wrong-key")));
}

}  // namespace
}  // namespace proactive
