// The human-recourse path on the real daemon: an offer is contested, queued
// once, claimed, its claim expires, it is claimed again and resolved with a
// written reason; history, explanation and audit show all of it. A flipped
// byte in a stored audit entry is found at that entry.
#include <fstream>
#include <tuple>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "engine/client/channel.h"
#include "engine/common/sha256.h"
#include "engine/store/store.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proactive/v1/audit.grpc.pb.h"
#include "proactive/v1/decisions.grpc.pb.h"
#include "proactive/v1/recourse.grpc.pb.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

class RecourseScenarioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Identities by bearer token (plaintext for the test): two caseworkers,
    // a back office, an auditor.
    std::ofstream access(dir_.path() + "/access.yaml");
    access << "principals:\n";
    for (const auto& [name, role] : std::vector<std::pair<std::string, std::string>>{
             {"alice", "caseworker"}, {"bob", "caseworker"}, {"desk", "back-office"}, {"cnil", "auditor"}}) {
      access << "  - {name: " << name << ", token_sha256: " << ToHex(Sha256Digest(Token(name))) << ", roles: [" << role
             << "]" << (role == "back-office" ? ", sources: [\"*\"], citizen_desk: true" : "") << "}\n";
    }
    access.close();
    testing::DaemonOptions options{dir_.path() + "/data"};
    options.extra_flags = {"--access_file=" + dir_.path() + "/access.yaml", "--clock_start=2026-06-29T08:00:00Z"};
    daemon_ = std::make_unique<testing::DaemonProcess>(options);
    ASSERT_THAT(daemon_->Start(), IsOk());
  }

  static std::string Token(const std::string& who) { return absl::StrCat("token-of-", who); }

  std::unique_ptr<v1::Decisions::Stub> DecisionsStub() {
    return v1::Decisions::NewStub(ConnectToEngine(daemon_->address()));
  }
  void Prepare(grpc::ClientContext* context, const std::string& who) {
    SetDeadline(context, absl::Seconds(20));
    context->AddMetadata("authorization", "Bearer " + Token(who));
  }

  testing::CommandResult Ctl(const std::string& who, std::vector<std::string> args) {
    setenv("PROACTIVE_TOKEN", Token(who).c_str(), 1);
    args.insert(args.begin(), testing::ProactivectlPath());
    args.push_back("--server");
    args.push_back(daemon_->address());
    return testing::RunCommand(args);
  }

  // Publishes the sample population; the Martins' child (P0001) gets a
  // maternelle offer, proposed: its id.
  std::string PublishSampleAndFindTheOffer() {
    testing::CommandResult published =
        Ctl("desk", {"publish", "--file", testing::SourceDir() + "/deploy/demo/paris-sample.ndjson", "--schema",
                     testing::SourceDir() + "/rules/schema.yaml", "--quiet"});
    EXPECT_EQ(published.exit_code, 0) << published.output;
    auto decisions = DecisionsStub();
    grpc::ClientContext list_context;
    Prepare(&list_context, "desk");
    v1::ListDecisionsRequest list;
    list.set_person_id("P0001");
    v1::ListDecisionsResponse listed;
    EXPECT_TRUE(decisions->ListDecisions(&list_context, list, &listed).ok());
    EXPECT_EQ(listed.decisions_size(), 1);
    if (listed.decisions_size() == 0) return "";
    EXPECT_EQ(listed.decisions(0).status(), "proposed");
    return listed.decisions(0).decision_id();
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::DaemonProcess> daemon_;
};

// The heatwave check-in reads no arrondissement, yet a contest of it reaches
// the caseworkers of where the person lives (Mme Petit, P0010: the 18th).
TEST_F(RecourseScenarioTest, AContestedHeatwaveCallGoesToTheCaseworkersOfWhereThePersonLives) {
  const std::string heatwave = dir_.path() + "/heatwave.ndjson";
  std::ofstream(heatwave)
      << R"({"event_id":"mf-2026-06-29-75","topic":"weather.heatwave","area":"75","source":"meteo-france",)"
      << R"("occurred_at":"2026-06-29T06:00:00Z","fields":{"level":"red","episode_id":"75-2026-06-29"}})"
      << "\n";
  for (const std::string& file : {testing::SourceDir() + "/deploy/demo/paris-sample.ndjson", heatwave}) {
    testing::CommandResult published =
        Ctl("desk", {"publish", "--file", file, "--schema", testing::SourceDir() + "/rules/schema.yaml", "--quiet"});
    ASSERT_EQ(published.exit_code, 0) << published.output;
  }
  // The broadcast's sweep decides in the background.
  v1::ListDecisionsResponse listed;
  for (int i = 0; i < 200 && listed.decisions_size() == 0; ++i) {
    absl::SleepFor(absl::Milliseconds(50));
    grpc::ClientContext context;
    Prepare(&context, "desk");
    v1::ListDecisionsRequest list;
    list.set_person_id("P0010");
    ASSERT_TRUE(DecisionsStub()->ListDecisions(&context, list, &listed).ok());
  }
  ASSERT_EQ(listed.decisions_size(), 1);
  const v1::Decision& call = listed.decisions(0);
  ASSERT_EQ(call.rule_id(), "heatwave.check-in.isolated-elderly");
  for (const v1::DecisionInput& input : call.inputs()) EXPECT_NE(input.path(), "person.arrondissement");

  // Her letter quotes the reference code of her message; a caseworker
  // enters the contest, recorded as hers.
  testing::CommandResult unknown = Ctl("alice", {"decisions", "contest", "ZZZZZZ"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_THAT(unknown.output, HasSubstr("no decision \"ZZZZZZ\" (neither a decision id"));
  testing::CommandResult contested = Ctl("alice", {"decisions", "contest", absl::AsciiStrToLower(call.reference_code()),
                                                   "--reason", "Je ne vis plus seule"});
  ASSERT_EQ(contested.exit_code, 0) << contested.output;
  const std::string case_id = absl::StrCat("c-", call.decision_id().substr(2));
  EXPECT_THAT(contested.output, HasSubstr(case_id));
  grpc::ClientContext get_context;
  Prepare(&get_context, "desk");
  v1::GetDecisionRequest get;
  get.set_decision_id(call.decision_id());
  v1::Decision contested_call;
  ASSERT_TRUE(DecisionsStub()->GetDecision(&get_context, get, &contested_call).ok());
  ASSERT_GE(contested_call.history_size(), 2);
  EXPECT_EQ(contested_call.history(contested_call.history_size() - 1).actor(), "caseworker:alice");
  EXPECT_THAT(Ctl("cnil", {"audit", "list", "--actor", "caseworker:alice"}).output, HasSubstr("case.opened"));
  testing::CommandResult eighteenth = Ctl("alice", {"recourse", "list", "--arrondissement", "18"});
  ASSERT_EQ(eighteenth.exit_code, 0) << eighteenth.output;
  EXPECT_THAT(eighteenth.output, HasSubstr(case_id));
  testing::CommandResult eleventh = Ctl("alice", {"recourse", "list", "--arrondissement", "11"});
  ASSERT_EQ(eleventh.exit_code, 0) << eleventh.output;
  EXPECT_THAT(eleventh.output, Not(HasSubstr(case_id)));
}

TEST_F(RecourseScenarioTest, AContestedOfferGoesToAHumanAndEverythingIsRecorded) {
  // The sample population: the Martins' child gets a maternelle offer.
  const std::string offer = PublishSampleAndFindTheOffer();
  ASSERT_FALSE(offer.empty());

  // Contested from the citizen portal, twice: one case.
  for (int i = 0; i < 2; ++i) {
    testing::CommandResult contested =
        Ctl("desk", {"decisions", "contest", offer, "--reason", "Nous déménageons à Lyon"});
    ASSERT_EQ(contested.exit_code, 0) << contested.output;
    EXPECT_THAT(contested.output, HasSubstr(i == 0 ? "opened" : "already contested: nothing changed"));
  }
  // Its message never left (no gateway here): its time to contest has not
  // started, so no date is given for it.
  EXPECT_THAT(Ctl("desk", {"decisions", "show", offer}).output,
              HasSubstr("contest within 2 months of the day it reaches them (not known to have reached anyone yet)"));
  testing::CommandResult queue = Ctl("alice", {"recourse", "list"});
  ASSERT_EQ(queue.exit_code, 0) << queue.output;
  const std::string case_id = absl::StrCat("c-", offer.substr(2));
  EXPECT_EQ(std::count(queue.output.begin(), queue.output.end(), '\n'), 1) << queue.output;
  EXPECT_THAT(queue.output, HasSubstr(case_id));

  // While in review, nothing but a caseworker moves it.
  testing::CommandResult answer = Ctl("desk", {"decisions", "answer", offer, "--accept"});
  EXPECT_EQ(answer.exit_code, 1);
  EXPECT_THAT(answer.output, HasSubstr("is in review; it cannot be accepted"));
  // The back office cannot work the queue.
  EXPECT_THAT(Ctl("desk", {"recourse", "claim", case_id}).output,
              HasSubstr("may not call /proactive.v1.Recourse/ClaimCase"));

  // Alice claims it for one second, and walks away; Bob cannot take it
  // while her claim holds, and can once it expired.
  EXPECT_EQ(Ctl("alice", {"recourse", "claim", case_id, "--lease_seconds", "1"}).exit_code, 0);
  testing::CommandResult taken = Ctl("bob", {"recourse", "claim", case_id});
  EXPECT_EQ(taken.exit_code, 1);
  EXPECT_THAT(taken.output, HasSubstr("is claimed by caseworker:alice until"));
  absl::SleepFor(absl::Milliseconds(1500));
  testing::CommandResult bob = Ctl("bob", {"recourse", "claim", case_id});
  ASSERT_EQ(bob.exit_code, 0) << bob.output;
  EXPECT_THAT(bob.output, HasSubstr("claimed by caseworker:bob"));
  EXPECT_EQ(
      Ctl("bob", {"recourse", "note", case_id, "--text", "Appel à la famille : déménagement confirmé."}).exit_code, 0);
  // A resolution without a real reason is refused.
  testing::CommandResult terse = Ctl("bob", {"recourse", "resolve", case_id, "--outcome", "overturned", "--reason",
                                             "ok", "--legal_basis", "Code de l'éducation, art. L131-5"});
  EXPECT_EQ(terse.exit_code, 1);
  EXPECT_THAT(terse.output, HasSubstr("a written reason of at least 20 characters is mandatory"));
  const std::string reason = "La famille quitte Paris en août : l'offre n'a plus d'objet.";
  testing::CommandResult resolved = Ctl("bob", {"recourse", "resolve", case_id, "--outcome", "overturned", "--reason",
                                                reason, "--legal_basis", "Code de l'éducation, art. L131-5"});
  ASSERT_EQ(resolved.exit_code, 0) << resolved.output;
  EXPECT_THAT(Ctl("alice", {"recourse", "list"}).output, HasSubstr("no case"));

  // History and explanation show all of it.
  auto decisions = DecisionsStub();
  grpc::ClientContext get_context;
  Prepare(&get_context, "desk");
  v1::GetDecisionRequest get;
  get.set_decision_id(offer);
  v1::Decision decision;
  ASSERT_TRUE(decisions->GetDecision(&get_context, get, &decision).ok());
  EXPECT_EQ(decision.status(), "overturned");
  EXPECT_FALSE(decision.has_notified_at());
  EXPECT_FALSE(decision.has_recourse_deadline());
  EXPECT_EQ(decision.recourse_window(), "2 months");
  // Cancelled, it has nothing left to contest.
  EXPECT_THAT(Ctl("desk", {"decisions", "show", offer}).output, Not(HasSubstr("contest within")));
  std::vector<std::string> history;
  for (const auto& h : decision.history()) history.push_back(absl::StrCat(h.status(), " by ", h.actor()));
  EXPECT_THAT(history,
              ElementsAre("proposed by engine", "in review by back-office:desk", "overturned by caseworker:bob"));
  EXPECT_EQ(decision.history(2).reason(), reason);
  EXPECT_EQ(decision.history(2).legal_basis(), "Code de l'éducation, art. L131-5");
  testing::CommandResult explained = Ctl("desk", {"decisions", "explain", offer});
  ASSERT_EQ(explained.exit_code, 0) << explained.output;
  EXPECT_THAT(explained.output, HasSubstr("réexaminée par un agent"));
  EXPECT_THAT(explained.output,
              HasSubstr(absl::StrCat("Réexamen par caseworker:bob le 2026-06-29 : annulée. Motif : ", reason)));
  EXPECT_THAT(
      explained.output,
      HasSubstr("person.birth_date (Date of birth, from the civil registry.) : 2023-03-01 — source etat-civil"));
  EXPECT_THAT(explained.output, HasSubstr("Code de l'éducation, art. L131-1"));
  EXPECT_THAT(explained.output, HasSubstr("tribunal administratif de Paris"));
  testing::CommandResult english = Ctl("desk", {"decisions", "explain", offer, "--lang", "en"});
  EXPECT_THAT(english.output, HasSubstr("then reviewed by a caseworker"));
  EXPECT_THAT(english.output, HasSubstr("3. Parameters of the processing as applied to your situation"));
  testing::CommandResult case_view = Ctl("alice", {"recourse", "show", case_id});
  EXPECT_THAT(case_view.output, HasSubstr("note by caseworker:bob"));

  // The audit chain verifies and tells the story.
  testing::CommandResult verified = Ctl("cnil", {"audit", "verify"});
  EXPECT_EQ(verified.exit_code, 0) << verified.output;
  EXPECT_THAT(verified.output, HasSubstr("audit chain intact"));
  EXPECT_THAT(Ctl("desk", {"audit", "verify"}).output, HasSubstr("may not call /proactive.v1.Audit/VerifyAudit"));
  // The auditor reads the offer's whole history, its case's included, by
  // the code the citizen quotes.
  testing::CommandResult story = Ctl("cnil", {"audit", "list", "--decision", decision.reference_code()});
  ASSERT_EQ(story.exit_code, 0) << story.output;
  std::vector<std::string> told;
  for (absl::string_view line : absl::StrSplit(story.output, '\n', absl::SkipEmpty())) {
    std::vector<std::string> words = absl::StrSplit(line, ' ', absl::SkipEmpty());
    ASSERT_GE(words.size(), 5u) << line;  // sequence, day, time, zone, action
    EXPECT_THAT(line, HasSubstr(absl::StrCat(offer, " (", decision.reference_code(), ")")));
    told.push_back(words[4]);
  }
  // Its messages, not sent yet, are withdrawn with the offer.
  EXPECT_THAT(told, ElementsAre("decision.created", "decision.status", "case.opened", "case.claimed",
                                "case.claim_expired", "case.claimed", "case.note", "case.resolved", "decision.status",
                                "message.suppressed", "message.suppressed"));
  EXPECT_THAT(story.output, HasSubstr(absl::StrCat("case ", case_id, "  by caseworker:bob  open -> overturned")));
  EXPECT_EQ(Ctl("cnil", {"audit", "list", "--decision", offer}).output, story.output);
  // Who did what: Alice claimed it, and her claim expired.
  testing::CommandResult alice = Ctl("cnil", {"audit", "list", "--actor", "caseworker:alice"});
  ASSERT_EQ(alice.exit_code, 0) << alice.output;
  std::vector<std::string> alice_lines = absl::StrSplit(alice.output, '\n', absl::SkipEmpty());
  ASSERT_EQ(alice_lines.size(), 2u) << alice.output;
  EXPECT_THAT(alice_lines[0], HasSubstr("case.claimed"));
  EXPECT_THAT(alice_lines[1], HasSubstr("case.claim_expired"));
  // Paged: the first entry only, and where to go on.
  testing::CommandResult first = Ctl("cnil", {"audit", "list", "--actor", "caseworker:alice", "--limit", "1"});
  EXPECT_THAT(first.output, HasSubstr("(--limit 1 reached; the next ones: --after "));
  const uint64_t claimed_by_alice = std::stoull(std::string(absl::StripLeadingAsciiWhitespace(alice_lines[0])));
  EXPECT_THAT(Ctl("cnil", {"audit", "list", "--actor", "caseworker:"}).output, HasSubstr("caseworker:bob"));
  // Only auditors read it; a bad filter names its field.
  EXPECT_THAT(Ctl("alice", {"audit", "list"}).output, HasSubstr("may not call /proactive.v1.Audit/ListEntries"));
  EXPECT_THAT(Ctl("cnil", {"audit", "list", "--decision", "ZZZZZZ"}).output, HasSubstr("decision: no decision"));
  EXPECT_THAT(Ctl("cnil", {"audit", "list", "--case", "c 1"}).output, HasSubstr("case_id: has a space"));
  auto audit = v1::Audit::NewStub(ConnectToEngine(daemon_->address()));
  for (const auto& [limit, action, error] : std::vector<std::tuple<int, std::string, std::string>>{
           {0, "", "limit: 0 is not between 1 and 1000"},
           {5000, "", "limit: 5000 is not between 1 and 1000"},
           {10, "case.\n", "action: has a control character at byte 5"},
           {10, std::string(129, 'a'), "action: 129 bytes exceed the limit of 128"}}) {
    grpc::ClientContext context;
    Prepare(&context, "cnil");
    v1::ListAuditEntriesRequest request;
    request.set_limit(limit);
    if (!action.empty()) request.set_action(action);
    v1::ListAuditEntriesResponse response;
    grpc::Status refused = audit->ListEntries(&context, request, &response);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << error;
    EXPECT_EQ(refused.error_message(), error);
  }

  // Flip one byte of a stored audit entry, daemon stopped.
  ASSERT_THAT(daemon_->Stop(), IsOk());
  {
    auto store = Store::Open({dir_.path() + "/data"});
    ASSERT_THAT(store, IsOk());
    std::string key = absl::StrFormat("%020d", claimed_by_alice);
    std::string bytes = *(*(*store)->Get(Family::kAudit, key));
    bytes[bytes.find("alice")] = 'A';
    WriteBatch batch(**store);
    batch.Put(Family::kAudit, key, bytes);
    ASSERT_THAT((*store)->Write(&batch, true), IsOk());
    ASSERT_THAT((*store)->Close(), IsOk());
    ASSERT_THAT(daemon_->Start(), IsOk());
    testing::CommandResult broken = Ctl("cnil", {"audit", "verify"});
    EXPECT_EQ(broken.exit_code, 1);
    EXPECT_THAT(broken.output, HasSubstr(absl::StrCat("audit chain BROKEN at entry ", claimed_by_alice, ": entry ",
                                                      claimed_by_alice, " was altered")));
  }
}

// A family asks for another school; the caseworker amends the offer with
// proactivectl: the case records the school it replaced, the offer and its
// explanation name the new one, and an amendment that does not fit is
// refused through the API with the field named.
TEST_F(RecourseScenarioTest, ACaseworkerAmendsAnOfferWithAnotherSchool) {
  const std::string offer = PublishSampleAndFindTheOffer();
  ASSERT_FALSE(offer.empty());
  testing::CommandResult contested =
      Ctl("desk", {"decisions", "contest", offer, "--reason", "Son frère est à l'école Parmentier"});
  ASSERT_EQ(contested.exit_code, 0) << contested.output;
  const std::string case_id = absl::StrCat("c-", offer.substr(2));
  ASSERT_EQ(Ctl("alice", {"recourse", "claim", case_id}).exit_code, 0);
  const std::vector<std::string> resolve = {"recourse",
                                            "resolve",
                                            case_id,
                                            "--outcome",
                                            "amended",
                                            "--reason",
                                            "Une place est ouverte à l'école Parmentier, où est son frère.",
                                            "--legal_basis",
                                            "Code de l'éducation, art. L212-7"};

  // Refused: not JSON, an unknown parameter, a value of another kind, with
  // another outcome.
  std::vector<std::string> not_json = resolve;
  not_json.insert(not_json.end(), {"--amend", "school=Parmentier"});
  testing::CommandResult bad = Ctl("alice", not_json);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.output, HasSubstr("--amend: expected a JSON object of the parameters to change"));
  std::vector<std::string> unknown = resolve;
  unknown.insert(unknown.end(), {"--amend", R"({"ecole": "École maternelle Parmentier"})"});
  EXPECT_THAT(Ctl("alice", unknown).output,
              HasSubstr(absl::StrCat("amended_parameters[0].name: \"ecole\" is not a parameter of decision ", offer,
                                     " (its parameters: school_year, arrondissement, school)")));
  auto recourse = v1::Recourse::NewStub(ConnectToEngine(daemon_->address()));
  v1::ResolveCaseRequest request;
  request.set_case_id(case_id);
  request.set_outcome("amended");
  request.set_reason("Une place est ouverte à l'école Parmentier, où est son frère.");
  request.set_legal_basis("Code de l'éducation, art. L212-7");
  v1::Attribute* school = request.add_amended_parameters();
  school->set_name("school");
  school->mutable_value()->set_int_value(11);
  v1::RecourseCase answer;
  grpc::ClientContext wrong_kind;
  Prepare(&wrong_kind, "alice");
  grpc::Status refused = recourse->ResolveCase(&wrong_kind, request, &answer);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(refused.error_message(), "amended_parameters[0].value: parameter \"school\" is string, not int");
  school->mutable_value()->set_string_value("École maternelle Parmentier");
  request.set_outcome("upheld");
  grpc::ClientContext wrong_outcome;
  Prepare(&wrong_outcome, "alice");
  refused = recourse->ResolveCase(&wrong_outcome, request, &answer);
  EXPECT_EQ(refused.error_message(), "amended_parameters: are given only with the outcome amended");
  EXPECT_THAT(Ctl("alice", {"recourse", "list"}).output, HasSubstr(case_id));

  // What JSON would lose is refused before anything is sent: a name given
  // twice (JSON keeps the last), an integer the engine cannot keep.
  for (const auto& [json, error] : std::vector<std::pair<std::string, std::string>>{
           {R"({"school": "École Voltaire", "school": "École maternelle Parmentier"})", "\"school\" is given twice"},
           {R"({"arrondissement": 18446744073709551615})",
            "\"arrondissement\": 18446744073709551615 is larger than the largest integer the engine keeps "
            "(9223372036854775807)"}}) {
    std::vector<std::string> bad = resolve;
    bad.insert(bad.end(), {"--amend", json});
    testing::CommandResult refused_here = Ctl("alice", bad);
    EXPECT_NE(refused_here.exit_code, 0) << json;
    EXPECT_THAT(refused_here.output, HasSubstr(error)) << json;
  }
  std::vector<std::string> amend = resolve;
  amend.insert(amend.end(), {"--amend", R"({"school": "École maternelle Parmentier"})"});
  testing::CommandResult amended = Ctl("alice", amend);
  ASSERT_EQ(amended.exit_code, 0) << amended.output;
  EXPECT_THAT(amended.output, HasSubstr("resolved amended by caseworker:alice"));
  EXPECT_THAT(amended.output,
              HasSubstr("amended school: \"école précisée à l'inscription\" -> \"École maternelle Parmentier\""));
  grpc::ClientContext get_context;
  Prepare(&get_context, "alice");
  v1::GetCaseRequest get;
  get.set_case_id(case_id);
  v1::RecourseCase shown;
  ASSERT_TRUE(recourse->GetCase(&get_context, get, &shown).ok());
  ASSERT_EQ(shown.amended_parameters_size(), 1);
  EXPECT_EQ(shown.amended_parameters(0).name(), "school");
  // The sample has no sector table: the offer named the arrondissement's place.
  EXPECT_EQ(shown.amended_parameters(0).before().string_value(), "école précisée à l'inscription");
  EXPECT_EQ(shown.amended_parameters(0).after().string_value(), "École maternelle Parmentier");

  testing::CommandResult decision = Ctl("desk", {"decisions", "show", offer});
  EXPECT_THAT(decision.output, HasSubstr("École maternelle Parmentier"));
  EXPECT_THAT(decision.output, Not(HasSubstr("précisée à l'inscription")));
  testing::CommandResult explained = Ctl("desk", {"decisions", "explain", offer});
  EXPECT_THAT(explained.output,
              HasSubstr("modifié : school : école précisée à l'inscription → École maternelle Parmentier"));
  // It waits for the family's answer again, and says so.
  EXPECT_THAT(explained.output, HasSubstr("Réponse attendue jusqu'au 2026-07-20 : répondez OUI " + offer.substr(2, 6)));
  // Amended before it was answered, it waits for the answer: accepted, its
  // formal decision names the new school.
  testing::CommandResult accepted = Ctl("desk", {"decisions", "answer", offer, "--accept"});
  ASSERT_EQ(accepted.exit_code, 0) << accepted.output;
  testing::CommandResult listed = Ctl("desk", {"decisions", "list", "P0001"});
  EXPECT_THAT(listed.output, HasSubstr("confirmed"));
  std::string formal;
  for (absl::string_view line : absl::StrSplit(listed.output, '\n', absl::SkipEmpty())) {
    if (absl::StrContains(line, "accepted offer")) formal = std::string(line.substr(0, line.find(' ')));
  }
  ASSERT_FALSE(formal.empty()) << listed.output;
  testing::CommandResult issued = Ctl("desk", {"decisions", "show", formal});
  EXPECT_THAT(issued.output, HasSubstr("École maternelle Parmentier"));
  EXPECT_THAT(issued.output, Not(HasSubstr("précisée à l'inscription")));
  // Its explanation says a caseworker changed it, through the offer.
  testing::CommandResult formal_explained = Ctl("desk", {"decisions", "explain", formal});
  EXPECT_THAT(formal_explained.output, HasSubstr("réexaminée par un agent"));
  EXPECT_THAT(formal_explained.output, HasSubstr("(réexamen de l'offre " + offer + ", dont découle cette décision)"));
  EXPECT_THAT(formal_explained.output, Not(HasSubstr("Votre contestation a été examinée")));
}

// Auditors read how the decisions ended, by rule and by the arrondissement
// their subject lived in; the figures to publish mask small counts.
// Free text a citizen or a caseworker gives is kept as it is given, sent in
// SMS and served back: text that is not UTF-8, or too long, is refused with
// the field named, and changes nothing.
TEST_F(RecourseScenarioTest, AReasonOrNoteThatIsNotUtf8OrTooLongIsRefusedAndChangesNothing) {
  const std::string offer = PublishSampleAndFindTheOffer();
  ASSERT_FALSE(offer.empty());
  const auto refused = [](const grpc::Status& status, const std::string& message) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
    EXPECT_EQ(status.error_message(), message);
  };
  auto decisions = DecisionsStub();
  v1::ContestRequest contest;
  contest.set_decision_id(offer);
  contest.set_reason("Nous d\xe9m\xe9nageons");  // Latin-1, not UTF-8
  v1::ContestResponse contested;
  grpc::ClientContext bad_contest;
  Prepare(&bad_contest, "desk");
  refused(decisions->Contest(&bad_contest, contest, &contested), "reason: invalid UTF-8 at byte 6");
  EXPECT_THAT(Ctl("alice", {"recourse", "list"}).output, HasSubstr("no case"));
  contest.set_reason(std::string(4001, 'a'));
  grpc::ClientContext long_contest;
  Prepare(&long_contest, "desk");
  refused(decisions->Contest(&long_contest, contest, &contested), "reason: 4001 bytes exceed the limit of 4000");

  contest.set_reason("Nous d\xc3\xa9m\xc3\xa9nageons");
  grpc::ClientContext good_contest;
  Prepare(&good_contest, "desk");
  ASSERT_TRUE(decisions->Contest(&good_contest, contest, &contested).ok());
  ASSERT_EQ(Ctl("alice", {"recourse", "claim", contested.case_id()}).exit_code, 0);
  auto recourse = v1::Recourse::NewStub(ConnectToEngine(daemon_->address()));
  v1::AddNoteRequest note;
  note.set_case_id(contested.case_id());
  note.set_text("Appel \xe0 la famille");
  v1::RecourseCase noted;
  grpc::ClientContext bad_note;
  Prepare(&bad_note, "alice");
  refused(recourse->AddNote(&bad_note, note, &noted), "text: invalid UTF-8 at byte 6");
  note.set_text(std::string(16001, 'n'));
  grpc::ClientContext long_note;
  Prepare(&long_note, "alice");
  refused(recourse->AddNote(&long_note, note, &noted), "text: 16001 bytes exceed the limit of 16000");
  v1::ResolveCaseRequest resolve;
  resolve.set_case_id(contested.case_id());
  resolve.set_outcome("overturned");
  resolve.set_reason("La famille quitte Paris en ao\xfbt : l'offre n'a plus d'objet.");
  resolve.set_legal_basis(
      "Code de l'\xc3\xa9"
      "ducation, art. L131-5");
  grpc::ClientContext bad_reason;
  Prepare(&bad_reason, "alice");
  refused(recourse->ResolveCase(&bad_reason, resolve, &noted), "reason: invalid UTF-8 at byte 29");
  resolve.set_reason("La famille quitte Paris en ao\xc3\xbbt : l'offre n'a plus d'objet.");
  resolve.set_legal_basis(
      "Code de l'\xe9"
      "ducation, art. L131-5");
  grpc::ClientContext bad_basis;
  Prepare(&bad_basis, "alice");
  refused(recourse->ResolveCase(&bad_basis, resolve, &noted), "legal_basis: invalid UTF-8 at byte 10");
  // Nothing of it was kept: the case is open, with no note.
  testing::CommandResult shown = Ctl("alice", {"recourse", "list"});
  EXPECT_THAT(shown.output, HasSubstr(contested.case_id()));
  grpc::ClientContext get_case;
  Prepare(&get_case, "alice");
  v1::GetCaseRequest get;
  get.set_case_id(contested.case_id());
  v1::RecourseCase open;
  ASSERT_TRUE(recourse->GetCase(&get_case, get, &open).ok());
  EXPECT_EQ(open.notes_size(), 0);
  EXPECT_EQ(open.status(), "open");
}

TEST_F(RecourseScenarioTest, AuditorsReadHowDecisionsEndedByArrondissement) {
  const std::string offer = PublishSampleAndFindTheOffer();
  ASSERT_FALSE(offer.empty());
  ASSERT_EQ(Ctl("desk", {"decisions", "contest", offer}).exit_code, 0);

  testing::CommandResult stats = Ctl("cnil", {"audit", "stats"});
  ASSERT_EQ(stats.exit_code, 0) << stats.output;
  EXPECT_THAT(stats.output, HasSubstr("by rule and arrondissement, and where they stand now"));
  EXPECT_THAT(stats.output, HasSubstr("maternelle.first-enrolment-offer — "));
  EXPECT_THAT(stats.output, HasSubstr("  arrondissement 11: made 1, reached 0, contested 1; now: in review 1\n"));
  testing::CommandResult published_figures = Ctl("cnil", {"audit", "stats", "--public"});
  EXPECT_THAT(published_figures.output,
              HasSubstr("  arrondissement 11: made <5, reached 0, contested <5; now: in review <5\n"));
  EXPECT_THAT(Ctl("cnil", {"audit", "stats", "--from", "2030-01-01"}).output, HasSubstr("no decision was made then"));
  // Only auditors; a bad day names its field.
  EXPECT_THAT(Ctl("alice", {"audit", "stats"}).output, HasSubstr("may not call /proactive.v1.Audit/GetStatistics"));
  EXPECT_THAT(Ctl("cnil", {"audit", "stats", "--from", "2026-13-01"}).output,
              HasSubstr("made_from: month 13 is not in 1..12"));
  EXPECT_THAT(Ctl("cnil", {"audit", "stats", "--from", "2026-07-01", "--until", "2026-06-01"}).output,
              HasSubstr("made_until: 2026-06-01 is before made_from 2026-07-01"));
}

}  // namespace
}  // namespace proactive
