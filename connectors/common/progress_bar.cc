#include "connectors/common/progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace proactive {
namespace {

std::string Size(int64_t n, bool bytes) {
  if (!bytes) return absl::StrFormat("%d", n);
  if (n >= (1 << 20)) return absl::StrFormat("%.1f MB", n / 1048576.0);
  if (n >= 1024) return absl::StrFormat("%.1f kB", n / 1024.0);
  return absl::StrFormat("%d B", n);
}

}  // namespace

ProgressBar::ProgressBar(std::string label, int64_t total, bool enabled)
    : label_(std::move(label)), total_(total), enabled_(enabled && isatty(STDERR_FILENO)), start_(absl::Now()) {}

std::string ProgressBar::Render(int64_t done, int64_t total, int64_t rows, double seconds, bool bytes) {
  std::string rate = absl::StrFormat("%.0f rows/s", seconds > 0 ? rows / seconds : 0.0);
  if (total <= 0) return absl::StrFormat("%d rows  %s", rows, rate);
  constexpr int kWidth = 24;
  double fraction = std::clamp(static_cast<double>(done) / total, 0.0, 1.0);
  int filled = static_cast<int>(fraction * kWidth);
  return absl::StrFormat("[%s%s] %3d%%  %s of %s  %d rows  %s", std::string(filled, '#'),
                         std::string(kWidth - filled, '.'), static_cast<int>(fraction * 100), Size(done, bytes),
                         Size(total, bytes), rows, rate);
}

void ProgressBar::Update(int64_t done, int64_t rows) {
  if (!enabled_) return;
  absl::Time now = absl::Now();
  if (now - last_ < absl::Milliseconds(200)) return;
  last_ = now;
  std::fprintf(stderr, "\r  %s %s   ", label_.c_str(),
               Render(done, total_, rows, absl::ToDoubleSeconds(now - start_), true).c_str());
  std::fflush(stderr);
}

void ProgressBar::Finish() {
  if (enabled_) std::fprintf(stderr, "\r%100s\r", "");
}

}  // namespace proactive
