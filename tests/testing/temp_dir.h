// A fresh directory under $TMPDIR (or /tmp) removed with everything in it
// when the object goes out of scope.
//
//   TempDir dir;
//   StoreOptions options{.path = dir.path() + "/data"};
#ifndef PROACTIVE_TESTS_TESTING_TEMP_DIR_H_
#define PROACTIVE_TESTS_TESTING_TEMP_DIR_H_

#include <string>

namespace proactive::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace proactive::testing

#endif  // PROACTIVE_TESTS_TESTING_TEMP_DIR_H_
