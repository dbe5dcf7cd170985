#include "engine/common/sms_length.h"

#include <string>

#include "gtest/gtest.h"

namespace proactive {
namespace {

TEST(FitsGsm7Test, FrenchAccentsOfTheGsmAlphabetFitOthersDoNot) {
  EXPECT_TRUE(FitsGsm7("Répondez OUI à l'école, règles : paris.fr"));
  EXPECT_TRUE(FitsGsm7("Prix : 5 € [remise] {ok} ~ | ^ \\"));
  EXPECT_TRUE(FitsGsm7("Ça ira"));  // capital Ç is GSM
  EXPECT_FALSE(FitsGsm7("vous avez peut-être droit"));
  EXPECT_FALSE(FitsGsm7("reçu"));
  EXPECT_FALSE(FitsGsm7("« guillemets »"));
  EXPECT_FALSE(FitsGsm7("`"));
  EXPECT_FALSE(FitsGsm7("\xff\xfe"));  // not UTF-8
}

TEST(SmsPartsTest, CountsSeptetsOrUtf16Units) {
  EXPECT_EQ(SmsParts(std::string(160, 'a'), 0), 1);
  EXPECT_EQ(SmsParts(std::string(161, 'a'), 0), 2);
  EXPECT_EQ(SmsParts(std::string(306, 'a'), 0), 2);
  EXPECT_EQ(SmsParts(std::string(307, 'a'), 0), 3);
  std::string euros;
  for (int i = 0; i < 80; ++i) euros += "€";  // two septets each
  EXPECT_EQ(SmsParts(euros, 0), 1);
  EXPECT_EQ(SmsParts(euros + "€", 0), 2);
  std::string hats;
  for (int i = 0; i < 70; ++i) hats += "ê";
  EXPECT_EQ(SmsParts(hats, 2), 1);
  EXPECT_EQ(SmsParts(hats + "ê", 2), 2);
}

TEST(SmsPartsAsSentTest, UsesUcs2OnlyWhenTheTextNeedsIt) {
  EXPECT_EQ(SmsPartsAsSent(std::string(160, 'e')), 1);
  EXPECT_EQ(SmsPartsAsSent(std::string(159, 'e') + "ê"), 3);  // 160 UCS-2 units: 3 parts of 67
  EXPECT_EQ(SmsPartsAsSent(std::string(69, 'e') + "ê"), 1);
}

}  // namespace
}  // namespace proactive
