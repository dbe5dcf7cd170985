// The write path in-process, with the Paris rules and a fake clock: what
// property and replay tests drive without a daemon.
//
//   EngineFixture engine(absl::FromCivil(absl::CivilSecond(2026, 6, 29, 8, 0, 0), absl::UTCTimeZone()));
//   engine.Publish(json_line);
//   engine.writer().ExecuteAndWait([](EventApplier& a) { return a.commands().Contest(...).status(); });
#ifndef PROACTIVE_TESTS_INGEST_ENGINE_FIXTURE_H_
#define PROACTIVE_TESTS_INGEST_ENGINE_FIXTURE_H_

#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/notification.h"
#include "engine/client/event_json.h"
#include "engine/decision/decision_store.h"
#include "engine/ingest/event_applier.h"
#include "engine/ingest/event_writer.h"
#include "engine/rules/rule_set.h"
#include "engine/store/reference_records.h"
#include "gtest/gtest.h"
#include "tests/ingest/test_events.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace proactive::testing {

class EngineFixture {
 public:
  explicit EngineFixture(absl::Time start) : EngineFixture(start, ParisRuleFiles(), EventApplierOptions()) {}
  // With other rule files (one schema.yaml, one city.yaml, packs) and
  // applier options.
  EngineFixture(absl::Time start, const std::vector<RuleFile>& rule_files, EventApplierOptions applier_options)
      : clock_(start), rules_(nullptr) {
    std::vector<Diagnostic> diagnostics;
    absl::StatusOr<std::shared_ptr<const RuleSet>> rules = CompileRuleSet(rule_files, &diagnostics);
    EXPECT_TRUE(rules.ok()) << FormatDiagnostics(diagnostics);
    rules_.Set(*rules);
    auto store = Store::Open({dir_.path() + "/data"});
    EXPECT_TRUE(store.ok());
    store_ = *std::move(store);
    // One secret for every fixture's store: tests compare engines' stores.
    EXPECT_TRUE(AdoptDecisionIdSecret(store_.get(), kTestDecisionIdSecret).ok());
    auto applier = EventApplier::Create(store_.get(), &rules_, &clock_, applier_options);
    EXPECT_TRUE(applier.ok());
    applier_ = *std::move(applier);
    EventWriterOptions options;
    options.sync = false;  // durability is tested elsewhere
    options.deadline_check = absl::Milliseconds(5);
    writer_ = std::make_unique<EventWriter>(applier_.get(), store_.get(), &clock_, options);
  }
  ~EngineFixture() { writer_->Stop(); }

  static std::vector<RuleFile> ParisRuleFiles() {
    absl::StatusOr<std::vector<RuleFile>> files = ReadRuleFiles(SourceDir() + "/rules");
    EXPECT_TRUE(files.ok()) << files.status();
    return files.ok() ? *std::move(files) : std::vector<RuleFile>();
  }

  // The Paris rules compiled with `from` replaced by `to` in their files
  // (a reworded rule has a new version).
  static std::shared_ptr<const RuleSet> ParisRulesReworded(const std::string& from, const std::string& to) {
    std::vector<RuleFile> files = ParisRuleFiles();
    for (RuleFile& file : files) file.text = absl::StrReplaceAll(file.text, {{from, to}});
    std::vector<Diagnostic> diagnostics;
    absl::StatusOr<std::shared_ptr<const RuleSet>> rules = CompileRuleSet(files, &diagnostics);
    EXPECT_TRUE(rules.ok()) << rules.status();
    return rules.ok() ? *std::move(rules) : nullptr;
  }

  absl::StatusOr<IngestResult> Publish(const std::string& line) {
    absl::StatusOr<v1::PublishRequest> request = ParseEventJson(line, rules_.Get()->schema());
    if (!request.ok()) return request.status();
    absl::StatusOr<ValidatedEvent> event = ValidatePublishRequest(*request, rules_.Get()->schema(), {}, clock_.Now());
    if (!event.ok()) return event.status();
    return writer_->SubmitAndWait(*std::move(event));
  }
  absl::StatusOr<IngestResult> Publish(const v1::PublishRequest& request) {
    absl::StatusOr<ValidatedEvent> event = ValidatePublishRequest(request, rules_.Get()->schema(), {}, clock_.Now());
    if (!event.ok()) return event.status();
    return writer_->SubmitAndWait(*std::move(event));
  }
  // Publishes deploy/demo/paris-sample.ndjson and waits for its decisions.
  // Call it wrapped in ASSERT_NO_FATAL_FAILURE.
  void PublishSample() {
    std::ifstream in(SourceDir() + "/deploy/demo/paris-sample.ndjson");
    ASSERT_TRUE(in.good());
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line[0] != '#') {
        ASSERT_TRUE(Publish(line).ok()) << line;
      }
    }
    Settle();
  }
  // Gives every other distinct address_key of `events` a sector school
  // (table school_sectors_maternelle, version 1): rules reading
  // person.school_sector find a row for half the addresses, none for the rest.
  void LoadSchoolSectorsForEveryOtherAddress(const std::vector<v1::PublishRequest>& events) {
    std::map<std::string, storage::v1::ReferenceRowRecord> sectors;
    for (const v1::PublishRequest& e : events) {
      for (const v1::Attribute& a : e.person().set()) {
        if (a.name() != "address_key" || sectors.count(a.value().string_value()) > 0) continue;
        storage::v1::ReferenceRowRecord& row = sectors[a.value().string_value()];
        row.set_key(a.value().string_value());
        storage::v1::NamedValue* school = row.add_columns();
        school->set_name("school_name");
        school->mutable_value()->set_string_value(absl::StrCat("École maternelle ", sectors.size()));
      }
    }
    std::vector<storage::v1::ReferenceRowRecord> rows;
    bool with_sector = true;
    for (auto& [key, row] : sectors) {
      if (with_sector) rows.push_back(row);
      with_sector = !with_sector;
    }
    storage::v1::ReferenceTableRecord table;
    table.set_table("school_sectors_maternelle");
    table.set_version(1);
    table.set_source("paris-opendata");
    ASSERT_TRUE(ReplaceReferenceTable(store_.get(), table, std::move(rows)).ok());
  }
  // Runs the daily schedule for `day` and waits for its sweep.
  void Tick(absl::CivilDay day) {
    absl::Notification done;
    writer_->SubmitTick(day, [&](absl::StatusOr<TickOutcome>) { done.Notify(); });
    done.WaitForNotification();
  }
  // Waits until the writer went through a loop (deadlines, sweeps).
  void Settle() {
    for (int i = 0; i < 3; ++i) (void)writer_->ExecuteAndWait([](EventApplier&) { return absl::OkStatus(); });
    while (writer_->stats().pending_sweeps > 0) absl::SleepFor(absl::Milliseconds(2));
  }

  FakeClock& clock() { return clock_; }
  Store& store() { return *store_; }
  EventWriter& writer() { return *writer_; }
  // For reads only: changes go through writer().
  EventApplier& applier() { return *applier_; }
  const RuleSet& rules() { return *rules_.Get(); }
  // Swaps the running rule set, as a reload does.
  void SetRules(std::shared_ptr<const RuleSet> rules) { rules_.Set(std::move(rules)); }

 private:
  TempDir dir_;
  FakeClock clock_;
  Swappable<RuleSet> rules_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<EventApplier> applier_;
  std::unique_ptr<EventWriter> writer_;
};

}  // namespace proactive::testing

#endif  // PROACTIVE_TESTS_INGEST_ENGINE_FIXTURE_H_
