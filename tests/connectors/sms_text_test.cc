#include "connectors/sms-kannel/sms_text.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace proactive {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(NormalizePhoneNumberTest, GivesE164FromTheFormsSmsCentresUse) {
  EXPECT_EQ(NormalizePhoneNumber("+33639980002", "33"), "+33639980002");
  EXPECT_EQ(NormalizePhoneNumber("0033639980002", "33"), "+33639980002");
  EXPECT_EQ(NormalizePhoneNumber("+33 (0)6 39 98 00 02", "33"), "+33639980002");
  EXPECT_EQ(NormalizePhoneNumber("33639980002", "33"), "+33639980002");
  EXPECT_EQ(NormalizePhoneNumber("06 39 98 00 02", "33"), "+33639980002");
  EXPECT_EQ(NormalizePhoneNumber("06.39.98.00.02", "33"), "+33639980002");
  // Short codes and alphanumeric senders are kept as they are.
  EXPECT_EQ(NormalizePhoneNumber("38000", "33"), "38000");
  EXPECT_EQ(NormalizePhoneNumber("PARIS", "33"), "PARIS");
}

TEST(NormalizePhoneNumberTest, TellsANumberFromOtherText) {
  EXPECT_TRUE(LooksLikePhoneNumber("06 39 98 00 02"));
  EXPECT_TRUE(
      LooksLikePhoneNumber("06\xC2\xA0"
                           "39\xC2\xA0"
                           "98\xC2\xA0"
                           "00\xC2\xA0"
                           "02"));  // no-break spaces
  EXPECT_TRUE(LooksLikePhoneNumber("(+33) 6 39 98 00 02"));
  EXPECT_TRUE(LooksLikePhoneNumber("+33 (0)6.39.98.00.02"));
  EXPECT_TRUE(LooksLikePhoneNumber("06/39/98/00/02"));
  EXPECT_FALSE(LooksLikePhoneNumber("75011:rue-oberkampf:112"));
  EXPECT_FALSE(LooksLikePhoneNumber("fr"));
  EXPECT_FALSE(LooksLikePhoneNumber("2023"));
}

TEST(DecodeKannelTextTest, Ucs2Latin1AndUtf8BecomeUtf8) {
  EXPECT_EQ(DecodeKannelText(std::string("\x00N\x00O\x00N\x00\xe9", 8), 2), "NONé");
  // A surrogate pair: U+1F642.
  EXPECT_EQ(DecodeKannelText(std::string("\xd8\x3d\xde\x42", 4), 2), "\xf0\x9f\x99\x82");
  EXPECT_EQ(DecodeKannelText("pr\xe9"
                             "f\xe8re",
                             0),
            "préfère");
  EXPECT_EQ(DecodeKannelText("préfère", 0), "préfère");
}

// What Kannel and SMS centres say is kept by the engine as given: converted
// to UTF-8 first, and cut between characters.
TEST(ShortGatewayTextTest, IsUtf8AndCutBetweenCharacters) {
  EXPECT_EQ(ShortGatewayText("  \xe9"
                             "chec de remise  ",
                             80),
            "échec de remise");
  EXPECT_EQ(ShortGatewayText("échec", 80), "échec");
  // 79 bytes then "é" (2 bytes): cut before it, not in the middle.
  const std::string long_answer = std::string(79, 'x') + "é";
  EXPECT_EQ(ShortGatewayText(long_answer, 80), std::string(79, 'x'));
  // In ISO-8859-1 the same é is one byte, two once converted.
  EXPECT_EQ(ShortGatewayText(std::string(79, 'x') + "\xe9", 80), std::string(79, 'x'));
  EXPECT_EQ(ShortGatewayText(std::string(78, 'x') + "\xe9", 80), std::string(78, 'x') + "é");
}

TEST(ReplyGatewayIdTest, KannelIdElseADigestOfTheSms) {
  const absl::Time at = absl::FromUnixSeconds(1782720192);
  EXPECT_EQ(ReplyGatewayId("b0763716-ebc1", "+33639980002", at, "OUI"), "kannel:b0763716-ebc1");
  const std::string digest = ReplyGatewayId("", "+33639980002", at, "OUI");
  EXPECT_THAT(digest, StartsWith("kannel-sha256:"));
  EXPECT_EQ(digest.size(), std::string("kannel-sha256:").size() + 32);
  EXPECT_EQ(digest, ReplyGatewayId("", "+33639980002", at, "OUI"));
  EXPECT_NE(digest, ReplyGatewayId("", "+33639980002", at, "NON"));
  EXPECT_NE(digest, ReplyGatewayId("", "+33639980002", at + absl::Seconds(1), "OUI"));
}

TEST(EscapeIdForDlrUrlTest, KeepsReadableIdsAndNeverWritesAKannelEscape) {
  std::string out;
  ASSERT_TRUE(EscapeIdForDlrUrl("d-4f2a/decision/P0002", &out));
  EXPECT_EQ(out, "d-4f2a/decision/P0002");
  ASSERT_TRUE(EscapeIdForDlrUrl("a b%c&d", &out));
  EXPECT_EQ(out, "a%20b%25c%26d");
  EXPECT_FALSE(EscapeIdForDlrUrl("é", &out));
  EXPECT_FALSE(EscapeIdForDlrUrl("", &out));
}

}  // namespace
}  // namespace proactive
