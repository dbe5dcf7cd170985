#include "connectors/batch/record_reader.h"

#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;
using ::proactive::testing::StatusIs;
using ::testing::HasSubstr;

class RecordReaderTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& text) {
    std::string path = dir_.path() + "/f" + std::to_string(++files_);
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  testing::TempDir dir_;
  int files_ = 0;
};

TEST_F(RecordReaderTest, CsvQuotingLineBreaksBomAndLineNumbers) {
  std::string path = Write(
      "\xEF\xBB\xBFid;nom;note\r\n"
      "1;\"Dupont; Jean\";\"a \"\"b\"\"\"\r\n"
      "2;\"deux\nlignes\";x\n"
      "\n"
      "3;trois;z\n");
  absl::StatusOr<std::unique_ptr<RecordReader>> reader = RecordReader::Open(path, InputFormat::kCsv, ';');
  ASSERT_THAT(reader, IsOk());
  EXPECT_EQ((*reader)->header(), (std::vector<std::string>{"id", "nom", "note"}));
  SourceRecord r;
  ASSERT_TRUE((*reader)->Next(&r));
  EXPECT_EQ(r.line, 2);
  EXPECT_EQ(r.fields["nom"], "Dupont; Jean");
  EXPECT_EQ(r.fields["note"], "a \"b\"");
  ASSERT_TRUE((*reader)->Next(&r));
  EXPECT_EQ(r.line, 3);
  EXPECT_EQ(r.fields["nom"], "deux\nlignes");
  int64_t offset = (*reader)->offset();
  int64_t line = (*reader)->line();
  ASSERT_TRUE((*reader)->Next(&r));
  EXPECT_EQ(r.line, 6);
  EXPECT_EQ(r.fields["id"], "3");
  EXPECT_FALSE((*reader)->Next(&r));

  // Resuming after the second record reads the third again, same line.
  absl::StatusOr<std::unique_ptr<RecordReader>> again = RecordReader::Open(path, InputFormat::kCsv, ';');
  ASSERT_THAT(again, IsOk());
  ASSERT_THAT((*again)->SeekTo(offset, line), IsOk());
  ASSERT_TRUE((*again)->Next(&r));
  EXPECT_EQ(r.line, 6);
  EXPECT_EQ(r.fields["nom"], "trois");
}

TEST_F(RecordReaderTest, MalformedCsvRecordsAreReportedAndReadingGoesOn) {
  std::string path = Write("a,b\n1,2,3\n\"x\"y,2\n4,\xE9t\xE9\n5,6\n");
  absl::StatusOr<std::unique_ptr<RecordReader>> reader = RecordReader::Open(path, InputFormat::kCsv, ',');
  ASSERT_THAT(reader, IsOk());
  SourceRecord r;
  ASSERT_TRUE((*reader)->Next(&r));
  EXPECT_THAT(r.error, HasSubstr("3 fields where the header has 2"));
  ASSERT_TRUE((*reader)->Next(&r));
  EXPECT_THAT(r.error, HasSubstr("text after its closing quote"));
  ASSERT_TRUE((*reader)->Next(&r));
  EXPECT_THAT(r.error, HasSubstr("invalid UTF-8"));
  ASSERT_TRUE((*reader)->Next(&r));
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.line, 5);
}

TEST_F(RecordReaderTest, HeaderProblems) {
  EXPECT_THAT(RecordReader::Open(Write(""), InputFormat::kCsv, ','),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("header")));
  EXPECT_THAT(RecordReader::Open(Write("a,a\n"), InputFormat::kCsv, ','),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"a\" appears twice")));
  EXPECT_THAT(RecordReader::Open(dir_.path() + "/missing", InputFormat::kCsv, ','),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(RecordReaderTest, Ndjson) {
  std::string path = Write("# comment\n{\"id\": \"1\"}\n\nnot json\n[1]\n{\"id\": 2}\n");
  absl::StatusOr<std::unique_ptr<RecordReader>> reader = RecordReader::Open(path, InputFormat::kNdjson, ',');
  ASSERT_THAT(reader, IsOk());
  SourceRecord r;
  ASSERT_TRUE((*reader)->Next(&r));
  EXPECT_EQ(r.line, 2);
  EXPECT_EQ(r.fields["id"], "1");
  ASSERT_TRUE((*reader)->Next(&r));
  EXPECT_EQ(r.line, 4);
  EXPECT_THAT(r.error, HasSubstr("malformed JSON"));
  ASSERT_TRUE((*reader)->Next(&r));
  EXPECT_THAT(r.error, HasSubstr("not a JSON object"));
  ASSERT_TRUE((*reader)->Next(&r));
  EXPECT_EQ(r.fields["id"], 2);
  EXPECT_FALSE((*reader)->Next(&r));
}

}  // namespace
}  // namespace proactive
