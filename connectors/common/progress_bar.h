// A progress line on stderr for long imports, drawn only when stderr is a
// terminal (logs and CI output stay clean), at most five times a second.
//
//   ProgressBar bar("caf.csv", file_size, /*enabled=*/!quiet);
//   bar.Update(bytes_done, rows_done);
//   bar.Finish();
//
// Not thread-safe: call from one thread.
#ifndef PROACTIVE_CONNECTORS_COMMON_PROGRESS_BAR_H_
#define PROACTIVE_CONNECTORS_COMMON_PROGRESS_BAR_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace proactive {

class ProgressBar {
 public:
  // `total` is in the caller's unit (bytes of a file, records of a dataset);
  // 0 when unknown (then only counts are shown).
  ProgressBar(std::string label, int64_t total, bool enabled);
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void Update(int64_t done, int64_t rows);
  // Erases the line.
  void Finish();

  // "[#######.............]  35%  12.3 MB of 35.1 MB  4200 rows/s" for a
  // given state; exposed for tests.
  static std::string Render(int64_t done, int64_t total, int64_t rows, double seconds, bool bytes);

 private:
  std::string label_;
  int64_t total_;
  bool enabled_;
  absl::Time start_;
  absl::Time last_ = absl::InfinitePast();
};

}  // namespace proactive

#endif  // PROACTIVE_CONNECTORS_COMMON_PROGRESS_BAR_H_
