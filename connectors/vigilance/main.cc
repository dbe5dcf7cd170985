// proactive-vigilance: polls Météo-France's heatwave vigilance
// (DPVigilance/v1/cartevigilance/encours) for the configured departments and
// publishes weather.heatwave broadcasts when the level reaches orange or red,
// with an episode id that stays the same while the episode lasts. The API key
// is read from the environment (METEOFRANCE_API_KEY), never from a file of the
// repository. See docs/connectors.md.
//
//   METEOFRANCE_API_KEY=... proactive-vigilance --departments=75,92,93,94
//   --interval=10m
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "connectors/common/checkpoint.h"
#include "connectors/common/event_publisher.h"
#include "connectors/common/http_fetcher.h"
#include "connectors/vigilance/heatwave_episode.h"
#include "engine/common/log.h"
#include "engine/common/status_macros.h"

ABSL_FLAG(std::string, base_url, "https://public-api.meteofrance.fr/public/DPVigilance/v1", "the vigilance API");
ABSL_FLAG(std::string, departments, "75", "comma-separated department codes to watch");
ABSL_FLAG(std::string, periods, "J,J1", "periods of the feed to read (J today, J1 tomorrow)");
ABSL_FLAG(std::string, api_key_env, "METEOFRANCE_API_KEY",
          "environment variable holding the API key (sent in the apikey header)");
ABSL_FLAG(std::string, server, "", "engine host:port (default $PROACTIVE_SERVER or 127.0.0.1:50051)");
ABSL_FLAG(std::string, state, "vigilance.state", "state file: the episode of each department");
ABSL_FLAG(absl::Duration, interval, absl::Minutes(10), "time between polls");
ABSL_FLAG(int, polls, 0, "stop after this many polls (0: run until stopped)");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(30), "HTTP read timeout");
ABSL_FLAG(int, http_attempts, 6, "HTTP attempts per poll (429, 5xx, network errors)");
ABSL_FLAG(absl::Duration, initial_backoff, absl::Seconds(2), "first wait after a 5xx (doubles each time)");
ABSL_FLAG(absl::Duration, max_backoff, absl::Minutes(2), "longest wait between HTTP attempts");

namespace proactive {
namespace {

struct Poller {
  HttpFetcher* http;
  EventPublisher* publisher;
  std::vector<std::string> departments;
  std::vector<std::string> periods;
  std::string state_path;
  absl::TimeZone zone;

  absl::Status PollOnce() {
    ASSIGN_OR_RETURN(HttpResponse response, http->Get("/cartevigilance/encours"));
    if (response.status != 200) {
      return absl::FailedPreconditionError(
          absl::StrCat("HTTP ", response.status, " from the vigilance API",
                       response.status == 401 || response.status == 403 ? " (is the API key right?)" : "", ": ",
                       response.body.substr(0, 200)));
    }
    ASSIGN_OR_RETURN(nlohmann::json state, LoadCheckpoint(state_path));
    for (const std::string& department : departments) {
      absl::StatusOr<std::vector<PeriodLevel>> levels = ParseHeatwaveLevels(response.body, department, periods);
      if (levels.status().code() == absl::StatusCode::kNotFound) {
        LogWarning("vigilance", std::string(levels.status().message()));
        continue;
      }
      RETURN_IF_ERROR(levels.status());
      EpisodeState episode;
      const nlohmann::json& saved = state["departments"][department];
      if (saved.is_object()) {
        episode.episode_id = saved.value("episode_id", "");
        episode.last_color = saved.value("last_color", 0);
      }
      const int before = episode.last_color;
      std::vector<HeatwaveBroadcast> broadcasts = StepEpisode(department, *levels, zone, &episode);
      std::vector<v1::PublishRequest> requests;
      for (const HeatwaveBroadcast& b : broadcasts) requests.push_back(ToPublishRequest(b));
      ASSIGN_OR_RETURN(std::vector<v1::PublishResponse> answers, publisher->Publish(requests));
      for (size_t i = 0; i < answers.size(); ++i) {
        const char* outcome = answers[i].outcome() == v1::PublishResponse::ACCEPTED    ? "accepted"
                              : answers[i].outcome() == v1::PublishResponse::DUPLICATE ? "duplicate"
                                                                                       : "rejected";
        LogInfo("vigilance",
                absl::StrCat("department ", department, ": heatwave ", broadcasts[i].level, ", episode ",
                             broadcasts[i].episode_id, ": ", outcome, " (", answers[i].event_id(), ")",
                             answers[i].has_error() ? absl::StrCat(": ", answers[i].error().message()) : ""));
        if (answers[i].outcome() == v1::PublishResponse::REJECTED) {
          return absl::InvalidArgumentError(
              absl::StrCat("the engine refused the broadcast: ", answers[i].error().message()));
        }
      }
      if (broadcasts.empty() && before != episode.last_color) {
        LogInfo("vigilance", absl::StrCat("department ", department, ": heatwave ", ColorName(episode.last_color)));
      }
      state["departments"][department] = {{"episode_id", episode.episode_id}, {"last_color", episode.last_color}};
      RETURN_IF_ERROR(SaveCheckpoint(state_path, state));
    }
    return absl::OkStatus();
  }
};

int Run() {
  Poller poller;
  poller.departments = absl::StrSplit(absl::GetFlag(FLAGS_departments), ',', absl::SkipEmpty());
  poller.periods = absl::StrSplit(absl::GetFlag(FLAGS_periods), ',', absl::SkipEmpty());
  poller.state_path = absl::GetFlag(FLAGS_state);
  if (!absl::LoadTimeZone("Europe/Paris", &poller.zone)) poller.zone = absl::UTCTimeZone();
  if (poller.departments.empty()) {
    std::fprintf(stderr, "proactive-vigilance: --departments is empty\n");
    return 2;
  }
  HttpOptions http_options;
  http_options.read_timeout = absl::GetFlag(FLAGS_timeout);
  http_options.max_attempts = std::max(1, absl::GetFlag(FLAGS_http_attempts));
  http_options.initial_backoff = absl::GetFlag(FLAGS_initial_backoff);
  http_options.max_backoff = absl::GetFlag(FLAGS_max_backoff);
  const std::string key_env = absl::GetFlag(FLAGS_api_key_env);
  if (const char* key = std::getenv(key_env.c_str()); key != nullptr && *key != '\0') {
    http_options.headers["apikey"] = key;
  } else {
    LogWarning("vigilance", absl::StrCat("$", key_env, " is not set: calling the API without a key"));
  }
  HttpFetcher http(absl::GetFlag(FLAGS_base_url), http_options);
  const std::string server = EngineAddress(absl::GetFlag(FLAGS_server));
  if (absl::Status credentials = CheckEngineCredentials(server); !credentials.ok()) {
    LogError("vigilance", credentials.message());
    return 2;
  }
  EventPublisher publisher(server, PublisherOptions());
  poller.http = &http;
  poller.publisher = &publisher;

  const int polls = absl::GetFlag(FLAGS_polls);
  bool last_ok = false;
  for (int poll = 1; polls == 0 || poll <= polls; ++poll) {
    if (poll > 1) absl::SleepFor(absl::GetFlag(FLAGS_interval));
    absl::Status status = poller.PollOnce();
    last_ok = status.ok();
    if (IsAccessRefusal(status)) {
      LogError("vigilance",
               absl::StrCat("poll ", poll, ": ", status.message(), "; stopping: the access file must change first"));
      return 2;
    }
    if (!status.ok()) {
      LogError("vigilance", absl::StrCat("poll ", poll, " failed: ", status.message(),
                                         "; the state is kept, the next poll tries again"));
    }
  }
  return last_ok ? 0 : 2;
}

}  // namespace
}  // namespace proactive

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "publishes weather.heatwave broadcasts from Météo-France's vigilance "
      "feed.\n"
      "  METEOFRANCE_API_KEY=... proactive-vigilance --departments=75 "
      "[--polls=1]\n"
      "Exit code: 0 when the last poll succeeded, 2 otherwise.");
  absl::ParseCommandLine(argc, argv);
  int code = proactive::Run();
  std::fflush(stdout);
  std::fflush(stderr);
  _exit(code);
}
