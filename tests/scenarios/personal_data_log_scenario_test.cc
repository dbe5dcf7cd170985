// No personal data in the daemon's log. The demo scenario runs on the real
// daemon at --log_level=debug (the Paris sample through proactivectl, bad
// events, a heatwave broadcast, a daily tick, a refused reload, a conflicting
// replay, a restart), together with malformed events that carry phone numbers,
// address keys and birth dates in the wrong fields; then the whole log is
// searched for every one of those values.
#include <signal.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/client/channel.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "proactive/v1/ingestion.grpc.pb.h"
#include "proactive/v1/rules_admin.grpc.pb.h"
#include "tests/ingest/test_events.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace proactive {
namespace {

using ::proactive::testing::At;
using ::proactive::testing::DaemonProcess;
using ::proactive::testing::IsOk;
using ::proactive::testing::StringValue;

// Phone numbers, address keys and birth dates of an NDJSON file.
std::set<std::string> PersonalValues(const std::string& path) {
  std::set<std::string> values;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    nlohmann::json event = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!event.is_object() || !event.contains("set") || !event["set"].is_object()) continue;
    for (const char* key : {"phone", "address_key", "birth_date"}) {
      if (event["set"].contains(key) && event["set"][key].is_string())
        values.insert(event["set"][key].get<std::string>());
    }
  }
  return values;
}

// A malformed event of source `source` whose `attribute` gets `value`
// (typed as a string), plus identifiers made of personal data.
v1::PublishRequest Misplaced(int n, const std::string& source, const std::string& attribute, const std::string& value) {
  v1::PublishRequest request;
  v1::PersonEvent* e = request.mutable_person();
  e->set_event_id(absl::StrCat("leak-", n));
  e->set_person_id(absl::StrCat("LEAK", n));
  e->set_source(source);
  *e->mutable_occurred_at() = At(2026, 6, 1);
  v1::Attribute* a = e->add_set();
  a->set_name(attribute);
  *a->mutable_value() = StringValue(value);
  return request;
}

TEST(PersonalDataLogScenarioTest, NoPhoneNumberAddressOrBirthDateReachesTheLog) {
  testing::TempDir dir;
  const std::string sample = testing::SourceDir() + "/deploy/demo/paris-sample.ndjson";
  const std::string bad = testing::SourceDir() + "/deploy/demo/bad-events.ndjson";
  std::set<std::string> secrets = PersonalValues(sample);
  for (const std::string& v : PersonalValues(bad)) secrets.insert(v);
  ASSERT_GT(secrets.size(), 10u);
  // Values sent in the wrong places below.
  const std::vector<std::string> misplaced = {"+33799887766", "0799887766", "75020:rue-des-pyrenees:301", "1961-11-23",
                                              "+33 7 99 88 77 66"};
  for (const std::string& v : misplaced) secrets.insert(v);

  testing::DaemonOptions options{dir.path() + "/data"};
  options.extra_flags = {"--log_level=debug", "--clock_start=2026-06-29T08:00:00Z"};
  DaemonProcess daemon(options);
  ASSERT_THAT(daemon.Start(), IsOk());

  // The demo: the sample (twice: duplicates), the bad events, via the CLI.
  for (const std::string& file : {sample, sample, bad}) {
    testing::CommandResult published =
        testing::RunCommand({testing::ProactivectlPath(), "publish", "--file", file, "--server", daemon.address(),
                             "--schema", testing::SourceDir() + "/rules/schema.yaml", "--quiet"});
    EXPECT_NE(published.exit_code, 2) << published.output;
  }
  {
    auto channel = ConnectToEngine(daemon.address());
    auto ingestion = v1::Ingestion::NewStub(channel);
    auto admin = v1::RulesAdmin::NewStub(channel);
    int n = 0;
    std::vector<v1::PublishRequest> events = {
        Misplaced(++n, "paris-compte", "preferred_language",
                  misplaced[0]),  // not allowed
        Misplaced(++n, "paris-compte", "phone",
                  misplaced[4] + " poste 12"),         // too long
        Misplaced(++n, "caf", "phone", misplaced[1]),  // wrong owner
        Misplaced(++n, "etat-civil", "arrondissement",
                  misplaced[2]),                                                           // wrong type
        Misplaced(++n, "etat-civil", "address_key", misplaced[2] + std::string(60, 'x')),  // too long
        Misplaced(++n, "etat-civil", "birth_date",
                  misplaced[3]),  // a string, not a date
        Misplaced(++n, "paris-compte", misplaced[0],
                  misplaced[2]),  // unknown attribute
        Misplaced(++n, "paris-compte", "phone",
                  misplaced[0] + "\xff"),  // invalid UTF-8
    };
    // Personal data where identifiers go.
    events.push_back(Misplaced(++n, "paris-compte", "phone", misplaced[0]));
    events.back().mutable_person()->set_event_id(misplaced[4]);
    events.push_back(Misplaced(++n, "paris-compte", "phone", misplaced[0]));
    events.back().mutable_person()->set_household_id(misplaced[2] + " " + misplaced[3]);
    events.push_back(Misplaced(++n, misplaced[2], "phone", misplaced[0]));
    v1::PublishRequest link = Misplaced(++n, "paris-compte", "phone", misplaced[1]);
    v1::Link* l = link.mutable_person()->add_links_added();
    l->set_relation(v1::RELATION_GUARDIAN);
    l->set_person_id(misplaced[4]);
    events.push_back(link);
    for (const v1::PublishRequest& event : events) {
      grpc::ClientContext context;
      SetDeadline(&context, absl::Seconds(10));
      v1::PublishResponse response;
      grpc::Status status = ingestion->Publish(&context, event, &response);
      EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << event.DebugString();
    }
    // A conflicting replay of an event of the sample, carrying a new phone.
    {
      v1::PublishRequest conflict = Misplaced(0, "paris-compte", "phone", misplaced[0]);
      conflict.mutable_person()->set_event_id("civ-2023-0001");
      grpc::ClientContext context;
      SetDeadline(&context, absl::Seconds(10));
      v1::PublishResponse response;
      EXPECT_EQ(ingestion->Publish(&context, conflict, &response).error_code(), grpc::StatusCode::ALREADY_EXISTS);
    }
    // A red heatwave and a daily tick: decisions about persons of the sample.
    v1::PublishRequest heatwave;
    v1::BroadcastEvent* b = heatwave.mutable_broadcast();
    b->set_event_id("mf-leak-1");
    b->set_topic("weather.heatwave");
    b->set_area("75");
    b->set_source("meteo-france");
    *b->mutable_occurred_at() = At(2026, 6, 29, 6);
    for (auto [name, value] : {std::pair<const char*, const char*>{"level", "red"}, {"episode_id", "leak-1"}}) {
      v1::Attribute* f = b->add_fields();
      f->set_name(name);
      *f->mutable_value() = StringValue(value);
    }
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(30));
    v1::PublishResponse response;
    EXPECT_TRUE(ingestion->Publish(&context, heatwave, &response).ok());
    grpc::ClientContext tick_context;
    SetDeadline(&tick_context, absl::Seconds(60));
    v1::TickRequest tick;
    tick.set_date("2026-06-30");
    tick.set_ahead(true);  // the day after the daemon's clock
    v1::TickResponse ticked;
    EXPECT_TRUE(admin->Tick(&tick_context, tick, &ticked).ok());
  }
  // A reload (SIGHUP) and a restart.
  daemon.Signal(SIGHUP);
  ASSERT_THAT(daemon.Stop(), IsOk());
  ASSERT_THAT(daemon.Start(), IsOk());
  ASSERT_THAT(daemon.Stop(), IsOk());

  const std::string log = daemon.ReadLog();
  ASSERT_THAT(log, ::testing::HasSubstr("stopped cleanly"));
  for (const std::string& secret : secrets) {
    EXPECT_EQ(log.find(secret), std::string::npos) << "the log holds \"" << secret << "\":\n" << log;
  }
}

}  // namespace
}  // namespace proactive
