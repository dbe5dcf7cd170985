// Rule packs on the real daemon: a small population, a birth, a heatwave
// warning and a daily tick make exactly the expected decisions, once each;
// replaying events, ticks or a new warning of the same episode adds none,
// across a restart; a broken pack is refused while the running rules stay.
#include <filesystem>
#include <fstream>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "engine/client/channel.h"
#include "engine/client/event_json.h"
#include "engine/schema/yaml_file.h"
#include "engine/synth/synthetic_population.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proactive/v1/audit.grpc.pb.h"
#include "proactive/v1/decisions.grpc.pb.h"
#include "proactive/v1/ingestion.grpc.pb.h"
#include "proactive/v1/rules_admin.grpc.pb.h"
#include "tests/ingest/test_events.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

class RulesScenarioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rules_dir_ = dir_.path() + "/rules";
    std::filesystem::copy(testing::SourceDir() + "/rules", rules_dir_, std::filesystem::copy_options::recursive);
    testing::DaemonOptions options{dir_.path() + "/data", rules_dir_};
    // The city's clock is pinned to 29 June 2026; time-driven rules run only
    // when the test ticks.
    options.extra_flags = {"--clock_start=2026-06-29T08:00:00Z", "--daily_schedule=false"};
    daemon_ = std::make_unique<testing::DaemonProcess>(options);
    ASSERT_THAT(daemon_->Start(), IsOk());
    Connect();
    std::vector<Diagnostic> diagnostics;
    schema_ = *AttributeSchema::LoadFile(rules_dir_ + "/schema.yaml", &diagnostics);
  }

  void Connect() {
    auto channel = ConnectToEngine(daemon_->address());
    ingestion_ = v1::Ingestion::NewStub(channel);
    decisions_ = v1::Decisions::NewStub(channel);
    admin_ = v1::RulesAdmin::NewStub(channel);
  }

  // Publishes NDJSON lines; returns (accepted, duplicates).
  std::pair<int, int> Publish(const std::vector<std::string>& lines) {
    int accepted = 0, duplicates = 0;
    for (const std::string& line : lines) {
      absl::StatusOr<v1::PublishRequest> request = ParseEventJson(line, schema_);
      EXPECT_THAT(request, IsOk()) << line;
      grpc::ClientContext context;
      SetDeadline(&context, absl::Seconds(10));
      v1::PublishResponse response;
      grpc::Status status = ingestion_->Publish(&context, *request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message() << "\n" << line;
      accepted += response.outcome() == v1::PublishResponse::ACCEPTED;
      duplicates += response.outcome() == v1::PublishResponse::DUPLICATE;
    }
    return {accepted, duplicates};
  }

  std::vector<std::string> SampleLines() {
    std::ifstream in(testing::SourceDir() + "/deploy/demo/paris-sample.ndjson");
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line[0] != '#') lines.push_back(line);
    }
    return lines;
  }

  // rule id -> number of decisions about `person`.
  std::map<std::string, int> DecisionsOf(const std::string& person) {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::ListDecisionsRequest request;
    request.set_person_id(person);
    v1::ListDecisionsResponse response;
    EXPECT_TRUE(decisions_->ListDecisions(&context, request, &response).ok());
    std::map<std::string, int> counts;
    for (const v1::Decision& d : response.decisions()) ++counts[d.rule_id()];
    last_listed_ = response;
    return counts;
  }

  v1::TickResponse Tick(const std::string& date) {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(60));
    v1::TickRequest request;
    request.set_date(date);
    request.set_ahead(true);  // the scenario moves time forward
    v1::TickResponse response;
    grpc::Status status = admin_->Tick(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  void WaitForSweeps() {
    for (int i = 0; i < 500; ++i) {
      grpc::ClientContext context;
      SetDeadline(&context, absl::Seconds(10));
      v1::EngineStatus status;
      ASSERT_TRUE(admin_->GetStatus(&context, v1::GetStatusRequest(), &status).ok());
      if (status.pending_sweeps() == 0) return;
      absl::SleepFor(absl::Milliseconds(20));
    }
    FAIL() << "sweeps did not finish";
  }

  std::string Heatwave(const std::string& event_id, const std::string& level, const std::string& episode) {
    return absl::StrCat(
        R"({"event_id":")", event_id,
        R"(","topic":"weather.heatwave","area":"75","source":"meteo-france","occurred_at":"2026-06-29T06:00:00Z","fields":{"level":")",
        level, R"(","episode_id":")", episode, R"("}})");
  }

  testing::TempDir dir_;
  std::string rules_dir_;
  AttributeSchema schema_;
  std::unique_ptr<testing::DaemonProcess> daemon_;
  std::unique_ptr<v1::Ingestion::Stub> ingestion_;
  std::unique_ptr<v1::Decisions::Stub> decisions_;
  std::unique_ptr<v1::RulesAdmin::Stub> admin_;
  v1::ListDecisionsResponse last_listed_;
};

TEST_F(RulesScenarioTest, EventsBroadcastAndTickMakeEachDecisionOnce) {
  const std::vector<std::string> population = SampleLines();
  EXPECT_EQ(Publish(population), std::make_pair(static_cast<int>(population.size()), 0));
  // Event-driven: the child turning three gets an offer for her guardians;
  // the low-income household is referred.
  EXPECT_THAT(DecisionsOf("P0001"), ElementsAre(Pair("maternelle.first-enrolment-offer", 1)));
  ASSERT_EQ(last_listed_.decisions_size(), 1);
  const v1::Decision& offer = last_listed_.decisions(0);
  EXPECT_THAT(offer.recipients(), UnorderedElementsAre("P0002", "P0003"));
  EXPECT_EQ(offer.status(), "proposed");
  EXPECT_EQ(offer.once_per(), "2026");
  EXPECT_EQ(offer.triggered_by(), "event civ-2023-0001");
  EXPECT_THAT(DecisionsOf("P0020"), ElementsAre(Pair("non-take-up.rsa-outreach", 1)));
  EXPECT_EQ(last_listed_.decisions(0).status(), "referred");

  // A birth: a child of the household of four, turning three this year.
  const std::string birth =
      R"({"event_id":"civ-2023-0024","person_id":"P0024","household_id":"H020","source":"etat-civil","occurred_at":"2026-06-28T10:00:00Z","set":{"birth_date":"2023-09-30","arrondissement":19},"links_added":[{"relation":"guardian","person_id":"P0020"},{"relation":"guardian","person_id":"P0021"}]})";
  EXPECT_EQ(Publish({birth}), std::make_pair(1, 0));
  EXPECT_THAT(DecisionsOf("P0024"), ElementsAre(Pair("maternelle.first-enrolment-offer", 1)));
  EXPECT_THAT(DecisionsOf("P0020"), ElementsAre(Pair("non-take-up.rsa-outreach", 1)));  // once a year

  // A red heatwave warning for Paris sweeps the population.
  EXPECT_EQ(Publish({Heatwave("mf-2026-06-29-75", "red", "75-2026-06-29")}), std::make_pair(1, 0));
  WaitForSweeps();
  EXPECT_THAT(DecisionsOf("P0010"), ElementsAre(Pair("heatwave.check-in.isolated-elderly", 1)));
  {
    // The rule reads her birth date and only tests that she has a phone: the
    // decision keeps the date, and of the phone only that it was there.
    ASSERT_EQ(last_listed_.decisions_size(), 1);
    std::map<std::string, v1::DecisionInput> inputs;
    for (const v1::DecisionInput& in : last_listed_.decisions(0).inputs()) inputs[in.path()] = in;
    ASSERT_EQ(inputs.count("person.phone"), 1u);
    EXPECT_TRUE(inputs["person.phone"].present());
    EXPECT_FALSE(inputs["person.phone"].has_value());
    EXPECT_EQ(inputs["person.phone"].source(), "casvp");
    EXPECT_EQ(inputs["person.phone"].event_id(), "casvp-0010");
    EXPECT_TRUE(inputs["person.birth_date"].present());
    EXPECT_TRUE(inputs["person.birth_date"].has_value());
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::ExplainRequest explain;
    explain.set_decision_id(last_listed_.decisions(0).decision_id());
    explain.set_language("en");
    v1::Explanation explanation;
    ASSERT_TRUE(decisions_->Explain(&context, explain, &explanation).ok());
    EXPECT_THAT(explanation.text(), HasSubstr(": present (value not kept) — source casvp"));
    EXPECT_THAT(explanation.text(), HasSubstr(": 1942-06-30 — source etat-civil"));
    EXPECT_THAT(explanation.text(), Not(HasSubstr("+33639980010")));
    for (const v1::ExplainedInput& in : explanation.data_used()) {
      if (in.path() != "person.phone") continue;
      EXPECT_TRUE(in.present());
      EXPECT_FALSE(in.has_value());
    }
    // The rule's title, legal basis and condition (the operations' text) come
    // from the stored rule set, not from each decision.
    const v1::Decision& listed = last_listed_.decisions(0);
    EXPECT_EQ(listed.title(), "Appel canicule aux personnes de 65 ans et plus vivant seules");
    ASSERT_FALSE(listed.legal_basis().empty());
    EXPECT_THAT(explanation.text(), HasSubstr(listed.legal_basis(0)));
    EXPECT_THAT(explanation.text(), HasSubstr("Joindre, pendant une vigilance canicule, les personnes âgées"));
    EXPECT_EQ(explanation.legal_basis_size(), listed.legal_basis_size());
    ASSERT_GT(explanation.operations_size(), 0);
    for (const v1::TraceStep& step : explanation.operations()) EXPECT_FALSE(step.expression().empty());
  }
  EXPECT_THAT(DecisionsOf("P0011"), ElementsAre(Pair("heatwave.check-in.registered", 1)));
  EXPECT_EQ(last_listed_.decisions(0).triggered_by(), "broadcast mf-2026-06-29-75");

  // A day after today is refused unless asked for: a mistyped year would
  // hold the schedule until then. Nothing runs.
  {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(60));
    v1::TickRequest request;
    request.set_date("2062-11-21");
    v1::TickResponse refused;
    grpc::Status status = admin_->Tick(&context, request, &refused);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("date: 2062-11-21 is after today (2026-06-29"));
  }

  // The daily schedule, months later: the identity card expiring on
  // 2027-01-19 is 59 days away on 2026-11-21.
  v1::TickResponse tick = Tick("2026-11-21");
  EXPECT_FALSE(tick.already_ran());
  EXPECT_EQ(tick.persons(), 11);
  EXPECT_THAT(DecisionsOf("P0030"), ElementsAre(Pair("identity-card.renewal-reminder", 1)));
  EXPECT_EQ(last_listed_.decisions(0).once_per(), "2027-01-19");

  // Replaying everything adds nothing.
  std::vector<std::string> all = population;
  all.push_back(birth);
  all.push_back(Heatwave("mf-2026-06-29-75", "red", "75-2026-06-29"));
  EXPECT_EQ(Publish(all), std::make_pair(0, static_cast<int>(all.size())));
  EXPECT_TRUE(Tick("2026-11-21").already_ran());
  // A second warning of the same episode (new event id) reaches nobody twice.
  EXPECT_EQ(Publish({Heatwave("mf-2026-06-30-75", "red", "75-2026-06-29")}), std::make_pair(1, 0));
  WaitForSweeps();

  // And across a restart.
  ingestion_.reset();
  decisions_.reset();
  admin_.reset();
  ASSERT_THAT(daemon_->Stop(), IsOk());
  ASSERT_THAT(daemon_->Start(), IsOk());
  Connect();
  EXPECT_TRUE(Tick("2026-11-21").already_ran());
  for (const auto& [person, rule] : std::vector<std::pair<std::string, std::string>>{
           {"P0001", "maternelle.first-enrolment-offer"},
           {"P0024", "maternelle.first-enrolment-offer"},
           {"P0020", "non-take-up.rsa-outreach"},
           {"P0002", "non-take-up.rsa-outreach"},  // 3 persons, 16800 EUR < 24000 EUR
           {"P0010", "heatwave.check-in.isolated-elderly"},
           {"P0011", "heatwave.check-in.registered"},
           {"P0030", "identity-card.renewal-reminder"}}) {
    EXPECT_THAT(DecisionsOf(person), ElementsAre(Pair(rule, 1))) << person;
  }
  for (const char* nobody : {"P0003", "P0021", "P0022", "P0023"}) {
    std::map<std::string, int> decisions = DecisionsOf(nobody);
    EXPECT_TRUE(decisions.empty()) << nobody << " has " << decisions.begin()->first;
  }
}

// The operator sees what the write path did: the events applied since the
// start, and how many group commits (fsyncs) they took.
TEST_F(RulesScenarioTest, TheStatusCountsEventsAndTheGroupCommitsTheyShared) {
  const auto status = [&] {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::EngineStatus status;
    EXPECT_TRUE(admin_->GetStatus(&context, v1::GetStatusRequest(), &status).ok());
    return status.ingestion();
  };
  const v1::IngestionStatus before = status();

  // One event per call, each waiting for its answer: a group commit each.
  const std::vector<std::string> lines = SampleLines();
  ASSERT_GE(lines.size(), 10u);
  const std::vector<std::string> one_by_one(lines.begin(), lines.begin() + 3);
  EXPECT_EQ(Publish(one_by_one), std::make_pair(3, 0));
  const v1::IngestionStatus after_unary = status();
  EXPECT_EQ(after_unary.events() - before.events(), 3u);
  EXPECT_EQ(after_unary.group_commits() - before.group_commits(), 3u);

  // The rest in one batch: its events share group commits.
  v1::PublishBatchRequest batch;
  for (size_t i = 3; i < lines.size(); ++i) {
    absl::StatusOr<v1::PublishRequest> request = ParseEventJson(lines[i], schema_);
    ASSERT_THAT(request, IsOk()) << lines[i];
    *batch.add_events() = *std::move(request);
  }
  grpc::ClientContext context;
  SetDeadline(&context, absl::Seconds(10));
  v1::PublishBatchResponse answered;
  ASSERT_TRUE(ingestion_->PublishBatch(&context, batch, &answered).ok());
  const v1::IngestionStatus after_batch = status();
  EXPECT_EQ(after_batch.events() - after_unary.events(), static_cast<uint64_t>(batch.events_size()));
  EXPECT_GE(after_batch.group_commits() - after_unary.group_commits(), 1u);
  EXPECT_LT(after_batch.group_commits() - after_unary.group_commits(), static_cast<uint64_t>(batch.events_size()));
  EXPECT_EQ(after_batch.queued(), 0u);
}

// The register of algorithms (CRPA art. L312-1-3) as the public reads it:
// every running rule with its condition and the parameters it reads, with
// their dated values; a new value appears once the rules are reloaded; the
// CLI renders it as a page to publish.
TEST_F(RulesScenarioTest, TheRegisterPublishesEachRuleWithItsConditionAndParameters) {
  auto audit = v1::Audit::NewStub(ConnectToEngine(daemon_->address()));
  const auto read_register = [&] {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::Register reg;
    grpc::Status status = audit->GetRegister(&context, v1::GetRegisterRequest(), &reg);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return reg;
  };
  const auto rule_in = [](const v1::Register& reg, const std::string& id) {
    for (const v1::RegisteredRule& r : reg.rules()) {
      if (r.rule_id() == id) return r;
    }
    ADD_FAILURE() << id << " is not in the register";
    return v1::RegisteredRule();
  };
  const auto values_of = [](const v1::RegisteredParameter& p) {
    std::vector<std::pair<std::string, std::string>> values;
    for (const v1::DatedParameterValue& v : p.values()) values.emplace_back(v.since(), v.value());
    return values;
  };
  v1::Register before = read_register();
  EXPECT_EQ(before.city(), "Paris");
  EXPECT_EQ(before.rules_size(), 5);
  const v1::RegisteredRule outreach = rule_in(before, "non-take-up.rsa-outreach");
  EXPECT_THAT(outreach.condition(), HasSubstr("person.yearly_income < outreach_ceiling_base"));
  EXPECT_EQ(outreach.trigger(), "changes of yearly_income, receives_rsa");
  ASSERT_EQ(outreach.parameters_size(), 2);
  EXPECT_EQ(outreach.parameters(0).name(), "outreach_ceiling_base");
  EXPECT_THAT(outreach.parameters(0).legal_basis(), HasSubstr("Conseil de Paris"));
  EXPECT_THAT(values_of(outreach.parameters(0)),
              ElementsAre(Pair("2025-01-01", "12000.00 EUR"), Pair("2026-04-01", "12300.00 EUR")));
  EXPECT_EQ(outreach.parameters(1).name(), "outreach_ceiling_per_extra_member");
  EXPECT_FALSE(outreach.has_effective_from());
  EXPECT_EQ(rule_in(before, "maternelle.first-enrolment-offer").effective_from(), "2026-01-01");
  EXPECT_EQ(rule_in(before, "heatwave.check-in.registered").parameters_size(), 0) << "it reads no parameter";
  // The data each rule reads, with its sources and category from the schema.
  const auto data_of = [](const v1::RegisteredRule& r) {
    std::vector<std::string> data;
    for (const v1::RegisteredData& d : r.data()) {
      data.push_back(absl::StrCat(d.path(), " [", d.category(), "] ", absl::StrJoin(d.sources(), ","),
                                  d.presence_only() ? " presence" : ""));
    }
    return data;
  };
  EXPECT_THAT(
      data_of(rule_in(before, "heatwave.check-in.isolated-elderly")),
      ElementsAre("broadcast.area [] meteo-france", "broadcast.episode_id [] meteo-france",
                  "broadcast.level [] meteo-france", "person.birth_date [identity] etat-civil",
                  "person.lives_alone [social-benefits] casvp", "person.phone [contact] paris-compte,casvp presence",
                  "person.registered_vulnerable [health-related] casvp"));
  EXPECT_THAT(data_of(outreach), ElementsAre("household.members [] ", "person.receives_rsa [social-benefits] caf",
                                             "person.yearly_income [financial] caf"));
  EXPECT_THAT(outreach.data(2).description(), HasSubstr("as known to the CAF"));

  // The city raises the ceiling from October: the register follows the reload.
  const std::string pack = rules_dir_ + "/paris/non-take-up.yaml";
  const std::string original = *ReadTextFile(pack);
  const std::string raised =
      absl::StrReplaceAll(original, {{"      - {since: 2026-04-01, value: \"12300.00 EUR\"}\n",
                                      "      - {since: 2026-04-01, value: \"12300.00 EUR\"}\n"
                                      "      - {since: 2026-10-01, value: \"12600.00 EUR\"}\n"}});
  ASSERT_NE(raised, original);
  std::ofstream(pack, std::ios::trunc) << raised;
  {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::ReloadRulesResponse reloaded;
    ASSERT_TRUE(admin_->ReloadRules(&context, v1::ReloadRulesRequest(), &reloaded).ok());
  }
  v1::Register after = read_register();
  EXPECT_NE(after.rule_set_version(), before.rule_set_version());
  const v1::RegisteredRule raised_rule = rule_in(after, "non-take-up.rsa-outreach");
  EXPECT_NE(raised_rule.version(), outreach.version()) << "a rule's version covers the parameters it reads";
  EXPECT_THAT(values_of(raised_rule.parameters(0)),
              ElementsAre(Pair("2025-01-01", "12000.00 EUR"), Pair("2026-04-01", "12300.00 EUR"),
                          Pair("2026-10-01", "12600.00 EUR")));
  EXPECT_EQ(rule_in(after, "heatwave.check-in.registered").version(),
            rule_in(before, "heatwave.check-in.registered").version());

  // The page to publish: a section per rule, the condition as code, the
  // parameters with their values; underscores in text are not markup.
  testing::CommandResult page = testing::RunCommand(
      {testing::ProactivectlPath(), "audit", "register", "--markdown", "--server", daemon_->address()});
  ASSERT_EQ(page.exit_code, 0) << page.output;
  EXPECT_THAT(page.output, HasSubstr("# Register of the algorithms of Paris\n"));
  EXPECT_THAT(page.output, HasSubstr("\n## Orientation vers un travailleur social pour un RSA non demandé\n"));
  EXPECT_THAT(page.output, HasSubstr("- **Rule:** `non-take-up.rsa-outreach`, version `" + raised_rule.version()));
  EXPECT_THAT(page.output, HasSubstr("- **Condition:** `has(person.yearly_income) && has(person.receives_rsa)"));
  EXPECT_THAT(page.output, HasSubstr("- **Looked at on:** changes of yearly\\_income, receives\\_rsa\n"));
  EXPECT_THAT(page.output, HasSubstr("- `outreach_ceiling_base`: Yearly resources under which a one-person household "
                                     "is contacted. Values: 12000.00 EUR since 2025-01-01; 12300.00 EUR since "
                                     "2026-04-01; 12600.00 EUR since 2026-10-01."));
  EXPECT_THAT(page.output, HasSubstr("- **In effect:** from 2026-01-01\n"));
  EXPECT_THAT(page.output, HasSubstr("- `person.registered_vulnerable`: Registered in the REFLEX register"));
  EXPECT_THAT(page.output, HasSubstr("Category: health-related. Sources: casvp.\n"));
  int sections = 0;
  for (size_t at = page.output.find("\n## "); at != std::string::npos; at = page.output.find("\n## ", at + 1)) {
    ++sections;
  }
  EXPECT_EQ(sections, 5);
  // The text form names the parameters too; --markdown belongs to register only.
  testing::CommandResult text =
      testing::RunCommand({testing::ProactivectlPath(), "audit", "register", "--server", daemon_->address()});
  ASSERT_EQ(text.exit_code, 0) << text.output;
  EXPECT_THAT(text.output, HasSubstr("  parameter outreach_ceiling_base: 12000.00 EUR since 2025-01-01; 12300.00 EUR "
                                     "since 2026-04-01; 12600.00 EUR since 2026-10-01 (Yearly resources"));
  testing::CommandResult misuse = testing::RunCommand(
      {testing::ProactivectlPath(), "audit", "verify", "--markdown", "--server", daemon_->address()});
  EXPECT_EQ(misuse.exit_code, 2) << misuse.output;
}

TEST_F(RulesScenarioTest, ABrokenPackIsRefusedAndTheRunningRulesStay) {
  grpc::ClientContext before_context;
  SetDeadline(&before_context, absl::Seconds(10));
  v1::EngineStatus before;
  ASSERT_TRUE(admin_->GetStatus(&before_context, v1::GetStatusRequest(), &before).ok());

  const std::string heatwave = rules_dir_ + "/paris/heatwave.yaml";
  std::string original = *ReadTextFile(heatwave);
  const std::vector<std::pair<std::string, std::string>> breakages = {
      {"age(person.birth_date, today) >= 65", "age(person.birth_date, today) >= \"65\""},  // type error
      {"has(person.lives_alone) && person.lives_alone", "person.lives_alon"},              // unknown attribute
      {"    once_per: broadcast.episode_id\n", "    once_per: [broadcast\n"},              // YAML error
  };
  const std::vector<std::string> expected = {
      "heatwave.yaml:45:37: when: no matching overload for '>=' applied to (int, string)",
      "heatwave.yaml:46:14: when: person has no field 'lives_alon' (did you mean 'lives_alone'?)", "YAML syntax error"};
  for (size_t i = 0; i < breakages.size(); ++i) {
    std::ofstream(heatwave, std::ios::trunc) << absl::StrReplaceAll(original, {breakages[i]});
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::ReloadRulesResponse response;
    grpc::Status status = admin_->ReloadRules(&context, v1::ReloadRulesRequest(), &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << i;
    EXPECT_THAT(status.error_message(), HasSubstr(expected[i]));
    EXPECT_THAT(status.error_message(),
                HasSubstr(absl::StrCat("the running rule set ", before.rule_set_version().substr(0, 12), " stays")));
  }
  // Each refusal is in the daemon's log too, with its first diagnostic.
  EXPECT_THAT(daemon_->ReadLog(), HasSubstr("heatwave.yaml:46:14: when: person has no field 'lives_alon'"));
  const auto refusals = [&] {
    const std::string log = daemon_->ReadLog();
    size_t n = 0;
    for (size_t at = log.find("/rules refused; the running rule set"); at != std::string::npos;
         at = log.find("/rules refused; the running rule set", at + 1)) {
      ++n;
    }
    return n;
  };
  EXPECT_EQ(refusals(), breakages.size());
  // SIGHUP with the broken pack: refused too, logged, still serving.
  daemon_->Signal(SIGHUP);
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_THAT(daemon_->ReadLog(), HasSubstr("SIGHUP: reloading the rules"));
  EXPECT_EQ(refusals(), breakages.size() + 1);
  grpc::ClientContext after_context;
  SetDeadline(&after_context, absl::Seconds(10));
  v1::EngineStatus after;
  ASSERT_TRUE(admin_->GetStatus(&after_context, v1::GetStatusRequest(), &after).ok());
  EXPECT_EQ(after.rule_set_version(), before.rule_set_version());
  // The running rules still decide.
  EXPECT_EQ(Publish(SampleLines()).first, 17);
  EXPECT_THAT(DecisionsOf("P0001"), ElementsAre(Pair("maternelle.first-enrolment-offer", 1)));
  // Repaired, the reload goes through.
  std::ofstream(heatwave, std::ios::trunc)
      << absl::StrReplaceAll(original, {{"in [\"orange\", \"red\"]", "in [\"red\"]"}});
  grpc::ClientContext context;
  SetDeadline(&context, absl::Seconds(10));
  v1::ReloadRulesResponse reloaded;
  ASSERT_TRUE(admin_->ReloadRules(&context, v1::ReloadRulesRequest(), &reloaded).ok());
  EXPECT_NE(reloaded.rule_set_version(), before.rule_set_version());
}

TEST_F(RulesScenarioTest, SimulateShowsWhoANewVersionWouldContactWithoutActing) {
  // 3,000 synthetic Parisians.
  grpc::ClientContext context;
  SetDeadline(&context, absl::Seconds(120));
  auto stream = ingestion_->PublishStream(&context);
  int sent = 0;
  GenerateSyntheticPopulation({3000, 11, absl::CivilDay(2026, 6, 1)}, [&](const v1::PublishRequest& event) {
    ASSERT_TRUE(stream->Write(event));
    ++sent;
  });
  stream->WritesDone();
  v1::PublishResponse response;
  int accepted = 0;
  while (stream->Read(&response)) accepted += response.outcome() == v1::PublishResponse::ACCEPTED;
  ASSERT_TRUE(stream->Finish().ok());
  ASSERT_EQ(accepted, sent);

  // The candidate raises the outreach ceiling.
  const std::string candidate = dir_.path() + "/candidate";
  std::filesystem::copy(rules_dir_, candidate, std::filesystem::copy_options::recursive);
  const std::string pack = candidate + "/paris/non-take-up.yaml";
  std::string text = *ReadTextFile(pack);
  std::ofstream(pack, std::ios::trunc) << absl::StrReplaceAll(text, {{"12000.00 EUR", "15000.00 EUR"}});

  testing::CommandResult result = testing::RunCommand(
      {testing::ProactivectlPath(), "rules", "simulate", "--rules", candidate, "--against", rules_dir_, "--date",
       "2026-03-01", "--broadcast", "weather.heatwave:75:level=red,episode_id=sim", "--server", daemon_->address()});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("persons, against "));
  EXPECT_THAT(
      result.output,
      ::testing::ContainsRegex(
          "non-take-up.rsa-outreach +selects +[1-9][0-9]*, cannot decide +[0-9]+, newly [1-9][0-9]*, no longer 0"));
  EXPECT_THAT(
      result.output,
      ::testing::ContainsRegex(
          "heatwave.check-in.isolated-elderly +selects +[1-9][0-9]*, cannot decide +[0-9]+, newly 0, no longer 0"));
  EXPECT_THAT(result.output, HasSubstr("by arrondissement:"));
  // Nothing was acted on: a household the candidate newly selects has no
  // decision of that rule.
  size_t at = result.output.find("newly, e.g.: ");
  ASSERT_NE(at, std::string::npos) << result.output;
  std::string sample = result.output.substr(at + 13, result.output.find_first_of(",\n", at + 13) - at - 13);
  EXPECT_EQ(DecisionsOf(sample).count("non-take-up.rsa-outreach"), 0u) << sample;

  // A candidate with a mistake is refused with its diagnostics.
  std::ofstream(pack, std::ios::trunc) << absl::StrReplaceAll(text, {{"!person.receives_rsa", "!person.receives_rs"}});
  testing::CommandResult broken = testing::RunCommand(
      {testing::ProactivectlPath(), "rules", "simulate", "--rules", candidate, "--server", daemon_->address()});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_THAT(broken.output, HasSubstr("non-take-up.yaml:44:72: when: "));
  EXPECT_THAT(broken.output, HasSubstr("person has no field 'receives_rs'"));
}

}  // namespace
}  // namespace proactive
