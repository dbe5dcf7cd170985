#include "connectors/common/checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace proactive {
namespace {

absl::Status Errno(absl::string_view what, const std::string& path) {
  return absl::UnavailableError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

std::string DirectoryOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

absl::StatusOr<nlohmann::json> LoadCheckpoint(const std::string& path) {
  std::ifstream in(path);
  if (!in) return nlohmann::json::object();
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json state = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (state.is_discarded() || !state.is_object()) {
    return absl::DataLossError(absl::StrCat("the state file ", path,
                                            " is not a JSON object; fix or remove it (removing it restarts "
                                            "from the beginning, which is safe: events already applied are "
                                            "answered as duplicates)"));
  }
  return state;
}

absl::Status WriteFileAtomically(const std::string& path, const std::string& data) {
  const std::string temp = absl::StrCat(path, ".tmp");
  int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot create", temp);
  size_t written = 0;
  while (written < data.size()) {
    ssize_t n = write(fd, data.data() + written, data.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      absl::Status status = Errno("cannot write", temp);
      close(fd);
      return status;
    }
    written += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) {
    absl::Status status = Errno("cannot fsync", temp);
    close(fd);
    return status;
  }
  if (close(fd) != 0) return Errno("cannot close", temp);
  if (std::rename(temp.c_str(), path.c_str()) != 0) return Errno("cannot rename to", path);
  const std::string dir = DirectoryOf(path);
  int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return Errno("cannot open directory", dir);
  int synced = fsync(dir_fd);
  close(dir_fd);
  if (synced != 0) return Errno("cannot fsync directory", dir);
  return absl::OkStatus();
}

absl::Status SaveCheckpoint(const std::string& path, const nlohmann::json& state) {
  return WriteFileAtomically(path, state.dump(2) + "\n");
}

}  // namespace proactive
