// A value that is replaced as a whole while readers keep using the version
// they took: the attribute schema and rule packs on reload.
//
//   Swappable<AttributeSchema> schema(std::make_shared<const AttributeSchema>(...));
//   std::shared_ptr<const AttributeSchema> current = schema.Get();  // stays valid
//   schema.Set(std::move(reloaded));                                // atomically
#ifndef PROACTIVE_ENGINE_COMMON_SWAPPABLE_H_
#define PROACTIVE_ENGINE_COMMON_SWAPPABLE_H_

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace proactive {

template <typename T>
class Swappable {
 public:
  explicit Swappable(std::shared_ptr<const T> initial) : value_(std::move(initial)) {}
  Swappable(const Swappable&) = delete;
  Swappable& operator=(const Swappable&) = delete;

  // The current version. Thread-safe.
  std::shared_ptr<const T> Get() const {
    absl::ReaderMutexLock lock(&mu_);
    return value_;
  }
  // Replaces the current version. Thread-safe.
  void Set(std::shared_ptr<const T> value) {
    absl::MutexLock lock(&mu_);
    value_.swap(value);
  }

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const T> value_ ABSL_GUARDED_BY(mu_);
};

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_COMMON_SWAPPABLE_H_
