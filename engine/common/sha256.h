// SHA-256 digests (OpenSSL), for event fingerprints and the audit hash chain.
//
//   Sha256 hasher;
//   hasher.Update(canonical_bytes);
//   std::string digest = hasher.Finish();  // 32 raw bytes
#ifndef PROACTIVE_ENGINE_COMMON_SHA256_H_
#define PROACTIVE_ENGINE_COMMON_SHA256_H_

#include <string>

#include "absl/strings/string_view.h"

namespace proactive {

// Incremental hasher. Not thread-safe; one per computation.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(absl::string_view data);
  // Returns the 32-byte digest. REQUIRES: called once.
  std::string Finish();

 private:
  void* ctx_;  // EVP_MD_CTX, kept opaque so callers need no OpenSSL headers
};

// The 32-byte digest of `data`.
std::string Sha256Digest(absl::string_view data);

// Lower-case hex of `bytes`.
std::string ToHex(absl::string_view bytes);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_COMMON_SHA256_H_
