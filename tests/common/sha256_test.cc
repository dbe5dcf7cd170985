#include "engine/common/sha256.h"

#include <string>
#include <thread>
#include <vector>

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

// Hashers reuse their thread's OpenSSL contexts: each must start fresh,
// whatever the one before left (unfinished, or still in use).
TEST(Sha256Test, EveryHasherStartsFreshWhateverTheOnesBeforeLeft) {
  const std::string abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  {
    Sha256 abandoned;
    abandoned.Update("left unfinished");
  }
  EXPECT_EQ(ToHex(Sha256Digest("abc")), abc);
  EXPECT_EQ(ToHex(Sha256Digest("abc")), abc);
  Sha256 outer;
  outer.Update("ab");
  {
    Sha256 inner;  // while `outer` is in use
    inner.Update("abc");
    EXPECT_EQ(ToHex(inner.Finish()), abc);
  }
  outer.Update("c");
  EXPECT_EQ(ToHex(outer.Finish()), abc);

  std::vector<std::string> seen(4);
  std::vector<std::thread> threads;
  for (std::string& digest : seen) {
    threads.emplace_back([&digest] {
      for (int i = 0; i < 1000; ++i) {
        std::string d = ToHex(Sha256Digest("abc"));
        if (d != ToHex(Sha256Digest("abc"))) return;  // left empty: a failure
        digest = std::move(d);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (const std::string& digest : seen) EXPECT_EQ(digest, abc);
}

// A thread's hashers share its contexts until the thread ends; one made
// after them, in another thread-local's destructor, still hashes right (and
// touches nothing freed: valgrind reports the reads without the guard).
std::string digest_at_thread_exit;
struct HashesWhenDestroyed {
  ~HashesWhenDestroyed() { digest_at_thread_exit = ToHex(Sha256Digest("abc")); }
};

TEST(Sha256Test, AHasherAfterTheThreadsContextsAreGoneStillHashes) {
  std::thread([] {
    thread_local HashesWhenDestroyed late;  // made first: destroyed after the contexts
    (void)&late;
    EXPECT_EQ(ToHex(Sha256Digest("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }).join();
  EXPECT_EQ(digest_at_thread_exit, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace proactive
