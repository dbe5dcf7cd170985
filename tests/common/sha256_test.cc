#include "engine/common/sha256.h"

#include "gtest/gtest.h"

namespace proactive {
namespace {

// Test vectors from FIPS 180-2, appendix B.
TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(ToHex(Sha256Digest("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(ToHex(Sha256Digest("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256Test, IncrementalEqualsOneShot) {
  Sha256 hasher;
  hasher.Update("abcdbcdecdefdefgefghfghighijhijk");
  hasher.Update("ijkljklmklmnlmnomnopnopq");
  EXPECT_EQ(ToHex(hasher.Finish()), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

}  // namespace
}  // namespace proactive
