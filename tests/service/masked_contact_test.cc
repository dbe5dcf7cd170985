// Contact data shown masked: whose contact it is, never the contact, and
// always valid UTF-8 whatever the stored text.
#include "engine/common/utf8.h"
#include "engine/service/persons_service.h"
#include "gtest/gtest.h"

namespace proactive {
namespace {

TEST(MaskedContactTest, KeepsTheStartAndEndOfANumber) {
  EXPECT_EQ(MaskedContact("+33639980002"), "+336••••••02");
  EXPECT_EQ(MaskedContact("+33639"), "+33639");  // 6 bytes: masked whole by the caller
}

// Cut by bytes, "aÉÉÉÉx€" would keep half of an É and half of the €.
TEST(MaskedContactTest, CutsOnlyBetweenWholeCharacters) {
  for (const std::string text : {"aÉÉÉÉx€", "ÉÉÉÉÉÉ", "ab€€€€cd€", "a€b€c€d€"}) {
    const std::string masked = MaskedContact(text);
    EXPECT_TRUE(IsValidUtf8(masked)) << text << " -> " << masked;
    EXPECT_NE(masked.find("••••••"), std::string::npos) << masked;
    EXPECT_LE(masked.size(), text.size() + std::string("••••••").size()) << masked;
  }
  EXPECT_EQ(MaskedContact("aÉÉÉÉx€"), "aÉ••••••");
  // The tail shrinks to a whole character, never grows over the middle.
  EXPECT_EQ(MaskedContact("abc€d"), "abc••••••d");
}

}  // namespace
}  // namespace proactive
