#include "connectors/sms-kannel/send_journal.h"

#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;
using ::proactive::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using State = SendJournal::State;

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class SendJournalTest : public ::testing::Test {
 protected:
  std::unique_ptr<SendJournal> Open() {
    absl::StatusOr<std::unique_ptr<SendJournal>> journal = SendJournal::Open(path_);
    EXPECT_THAT(journal, IsOk());
    return journal.ok() ? *std::move(journal) : nullptr;
  }
  void AppendRaw(const std::string& text) {
    std::ofstream out(path_, std::ios::app | std::ios::binary);
    out << text;
  }

  testing::TempDir dir_;
  const std::string path_ = dir_.path() + "/sms.journal";
};

TEST_F(SendJournalTest, EveryStateSurvivesAReopen) {
  {
    auto journal = Open();
    ASSERT_NE(journal, nullptr);
    EXPECT_EQ(journal->StateOf("m1"), State::kUnknown);
    ASSERT_THAT(journal->MarkSending("m1"), IsOk());
    ASSERT_THAT(journal->MarkSending("m2"), IsOk());
    ASSERT_THAT(journal->MarkSent("m2", "kannel-7"), IsOk());
    ASSERT_THAT(journal->MarkSending("m3"), IsOk());
    ASSERT_THAT(journal->MarkSent("m3", ""), IsOk());
    ASSERT_THAT(journal->MarkAcked("m3"), IsOk());
    ASSERT_THAT(journal->MarkSending("m4"), IsOk());
    ASSERT_THAT(journal->MarkUnsent("m4"), IsOk());
  }
  auto journal = Open();
  ASSERT_NE(journal, nullptr);
  EXPECT_EQ(journal->StateOf("m1"), State::kSending);
  EXPECT_EQ(journal->StateOf("m2"), State::kSent);
  EXPECT_EQ(journal->GatewayIdOf("m2"), "kannel-7");
  EXPECT_EQ(journal->StateOf("m3"), State::kUnknown);
  EXPECT_EQ(journal->StateOf("m4"), State::kUnknown);
  EXPECT_THAT(journal->Ambiguous(), ElementsAre("m1"));
  EXPECT_THAT(journal->SentNotAcked(), ElementsAre(Pair("m2", "kannel-7")));
  // Reopening compacted the file to what is still open.
  EXPECT_EQ(ReadWholeFile(path_),
            "proactive-sms-kannel journal v1\n"
            "sending m1\n"
            "sending m2\nsent m2 kannel-7\n");
}

// Each send keeps the engine's attempt it was made under, across a reopen
// and a compaction; a record written before attempts were kept has none.
TEST_F(SendJournalTest, TheAttemptOfEachSendSurvivesAReopen) {
  AppendRaw("proactive-sms-kannel journal v1\nsending old-1\n");
  {
    auto journal = Open();
    ASSERT_NE(journal, nullptr);
    ASSERT_THAT(journal->MarkSending("m1", 3), IsOk());
    ASSERT_THAT(journal->MarkSending("m2", 2), IsOk());
    ASSERT_THAT(journal->MarkSent("m2", "k-9"), IsOk());
    EXPECT_EQ(journal->AttemptOf("m2"), 2u);
  }
  auto journal = Open();
  ASSERT_NE(journal, nullptr);
  EXPECT_EQ(journal->AttemptOf("m1"), 3u);
  EXPECT_EQ(journal->AttemptOf("m2"), 2u);
  EXPECT_EQ(journal->StateOf("m2"), State::kSent);
  EXPECT_EQ(journal->AttemptOf("old-1"), 0u);
  EXPECT_EQ(journal->StateOf("old-1"), State::kSending);
  EXPECT_EQ(journal->AttemptOf("never"), 0u);
  EXPECT_EQ(ReadWholeFile(path_),
            "proactive-sms-kannel journal v1\n"
            "sending m1 3\n"
            "sending m2 2\nsent m2 k-9\n"
            "sending old-1\n");
}

// A hand-over recorded after its acknowledgement (the delivery report came
// first) leaves it closed, in memory and when the file is read again, as a
// journal written before 2026-12-07 may have it.
TEST_F(SendJournalTest, AHandOverRecordedAfterItsAcknowledgementStaysClosed) {
  AppendRaw("proactive-sms-kannel journal v1\nsending old 2\nacked old\nsent old k-1\n");
  auto journal = Open();
  ASSERT_NE(journal, nullptr);
  EXPECT_EQ(journal->StateOf("old"), State::kUnknown);
  ASSERT_THAT(journal->MarkSending("m1", 3), IsOk());
  ASSERT_THAT(journal->MarkAcked("m1"), IsOk());
  ASSERT_THAT(journal->MarkSent("m1", "k-2"), IsOk());
  EXPECT_EQ(journal->StateOf("m1"), State::kUnknown);
  EXPECT_THAT(journal->SentNotAcked(), IsEmpty());
  journal.reset();
  journal = Open();
  ASSERT_NE(journal, nullptr);
  EXPECT_EQ(journal->StateOf("m1"), State::kUnknown);
  EXPECT_EQ(journal->Lookup("m1").attempt, 0u);
}

TEST_F(SendJournalTest, ALastLineCutShortByACrashIsIgnored) {
  {
    auto journal = Open();
    ASSERT_THAT(journal->MarkSending("d-1/decision/P0002"), IsOk());
  }
  AppendRaw("sent d-1/decision/P00");  // the crash came during this write
  auto journal = Open();
  ASSERT_NE(journal, nullptr);
  EXPECT_EQ(journal->StateOf("d-1/decision/P0002"), State::kSending);
}

TEST_F(SendJournalTest, IdsWithSpacesAndNewlinesRoundTrip) {
  const std::string odd = "a b\nc%d";
  {
    auto journal = Open();
    ASSERT_THAT(journal->MarkSending(odd), IsOk());
    ASSERT_THAT(journal->MarkSent(odd, "x y"), IsOk());
  }
  auto journal = Open();
  EXPECT_EQ(journal->StateOf(odd), State::kSent);
  EXPECT_EQ(journal->GatewayIdOf(odd), "x y");
}

TEST_F(SendJournalTest, AnUnreadableRecordIsDataLossNamingTheLine) {
  AppendRaw("proactive-sms-kannel journal v1\nsending m1\nsnet m1 -\n");
  EXPECT_THAT(SendJournal::Open(path_),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("sms.journal:3: unreadable journal record")));
}

TEST_F(SendJournalTest, AnotherFileIsNotTakenForAJournal) {
  AppendRaw("{\"offset\": 12}\n");
  EXPECT_THAT(SendJournal::Open(path_),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("not a proactive-sms-kannel journal")));
}

TEST_F(SendJournalTest, AcknowledgedMessagesDoNotMakeTheFileGrow) {
  auto opened = SendJournal::Open(path_, /*compact_slack=*/30);
  ASSERT_THAT(opened, IsOk());
  std::unique_ptr<SendJournal> journal = *std::move(opened);
  for (int i = 0; i < 100; ++i) {
    const std::string id = "d-" + std::to_string(i) + "/decision/P0002";
    ASSERT_THAT(journal->MarkSending(id), IsOk());
    ASSERT_THAT(journal->MarkSent(id, ""), IsOk());
    ASSERT_THAT(journal->MarkAcked(id), IsOk());
  }
  // 300 records were written; never more than 30 beyond what is open.
  EXPECT_LT(ReadWholeFile(path_).size(), 33u * 40);
  EXPECT_THAT(journal->SentNotAcked(), IsEmpty());
  // Still appendable after compaction.
  ASSERT_THAT(journal->MarkSending("last"), IsOk());
  journal.reset();
  EXPECT_EQ(Open()->StateOf("last"), State::kSending);
}

}  // namespace
}  // namespace proactive
