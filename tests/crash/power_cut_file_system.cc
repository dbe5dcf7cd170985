#include "tests/crash/power_cut_file_system.h"

#include <unistd.h>

#include <algorithm>

namespace proactive::testing {
namespace {

rocksdb::IOStatus PowerIsOut() { return rocksdb::IOStatus::IOError("simulated power cut"); }

// A writable file that reports its appends and syncs to the file system.
class TrackedFile final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  TrackedFile(std::unique_ptr<rocksdb::FSWritableFile> file, PowerCutFileSystem* fs, std::string fname)
      : FSWritableFileOwnerWrapper(std::move(file)), fs_(fs), fname_(std::move(fname)) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    absl::ReaderMutexLock io(fs_->io_mutex());
    if (fs_->crashed()) return PowerIsOut();
    rocksdb::IOStatus s = target()->Append(data, options, dbg);
    if (s.ok()) fs_->Appended(fname_, data.size());
    return s;
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& info, rocksdb::IODebugContext* dbg) override {
    absl::ReaderMutexLock io(fs_->io_mutex());
    if (fs_->crashed()) return PowerIsOut();
    rocksdb::IOStatus s = target()->Append(data, options, info, dbg);
    if (s.ok()) fs_->Appended(fname_, data.size());
    return s;
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice&, uint64_t, const rocksdb::IOOptions&,
                                     rocksdb::IODebugContext*) override {
    return rocksdb::IOStatus::NotSupported("PowerCutFileSystem tracks sequential appends only");
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice&, uint64_t, const rocksdb::IOOptions&,
                                     const rocksdb::DataVerificationInfo&, rocksdb::IODebugContext*) override {
    return rocksdb::IOStatus::NotSupported("PowerCutFileSystem tracks sequential appends only");
  }
  rocksdb::IOStatus Flush(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    absl::ReaderMutexLock io(fs_->io_mutex());
    if (fs_->crashed()) return PowerIsOut();
    return target()->Flush(options, dbg);  // to the page cache: not durable
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    if (fs_->CutsPowerAtThisSync()) {
      fs_->Crash();
      return PowerIsOut();
    }
    absl::ReaderMutexLock io(fs_->io_mutex());
    if (fs_->crashed()) return PowerIsOut();
    const uint64_t appended = fs_->Size(fname_);
    rocksdb::IOStatus s = target()->Sync(options, dbg);
    if (s.ok()) fs_->Synced(fname_, appended);
    return s;
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    if (fs_->CutsPowerAtThisSync()) {
      fs_->Crash();
      return PowerIsOut();
    }
    absl::ReaderMutexLock io(fs_->io_mutex());
    if (fs_->crashed()) return PowerIsOut();
    const uint64_t appended = fs_->Size(fname_);
    rocksdb::IOStatus s = target()->Fsync(options, dbg);
    if (s.ok()) fs_->Synced(fname_, appended);
    return s;
  }
  rocksdb::IOStatus RangeSync(uint64_t, uint64_t, const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
    // Write-back hint only: no durability promise, so nothing to record.
    absl::ReaderMutexLock io(fs_->io_mutex());
    return fs_->crashed() ? PowerIsOut() : rocksdb::IOStatus::OK();
  }
  rocksdb::IOStatus Close(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    return target()->Close(options, dbg);  // closing does not sync
  }
  bool IsSyncThreadSafe() const override { return target()->IsSyncThreadSafe(); }

 private:
  PowerCutFileSystem* fs_;
  std::string fname_;
};

}  // namespace

PowerCutFileSystem::PowerCutFileSystem(const std::shared_ptr<rocksdb::FileSystem>& base) : FileSystemWrapper(base) {}

rocksdb::IOStatus PowerCutFileSystem::Track(const std::string& fname, uint64_t initial_size,
                                            std::unique_ptr<rocksdb::FSWritableFile>* result) {
  {
    absl::MutexLock lock(&mu_);
    files_[fname] = FileState{initial_size, initial_size};
  }
  *result = std::make_unique<TrackedFile>(std::move(*result), this, fname);
  return rocksdb::IOStatus::OK();
}

rocksdb::IOStatus PowerCutFileSystem::NewWritableFile(const std::string& fname, const rocksdb::FileOptions& options,
                                                      std::unique_ptr<rocksdb::FSWritableFile>* result,
                                                      rocksdb::IODebugContext* dbg) {
  absl::ReaderMutexLock io(&io_mu_);
  if (crashed()) return PowerIsOut();
  rocksdb::IOStatus s = target()->NewWritableFile(fname, options, result, dbg);
  return s.ok() ? Track(fname, 0, result) : s;
}

rocksdb::IOStatus PowerCutFileSystem::ReopenWritableFile(const std::string& fname, const rocksdb::FileOptions& options,
                                                         std::unique_ptr<rocksdb::FSWritableFile>* result,
                                                         rocksdb::IODebugContext* dbg) {
  absl::ReaderMutexLock io(&io_mu_);
  if (crashed()) return PowerIsOut();
  uint64_t existing = 0;
  rocksdb::IOStatus size = target()->GetFileSize(fname, rocksdb::IOOptions(), &existing, dbg);
  if (!size.ok()) existing = 0;
  rocksdb::IOStatus s = target()->ReopenWritableFile(fname, options, result, dbg);
  return s.ok() ? Track(fname, existing, result) : s;
}

rocksdb::IOStatus PowerCutFileSystem::ReuseWritableFile(const std::string& fname, const std::string& old_fname,
                                                        const rocksdb::FileOptions& options,
                                                        std::unique_ptr<rocksdb::FSWritableFile>* result,
                                                        rocksdb::IODebugContext* dbg) {
  absl::ReaderMutexLock io(&io_mu_);
  if (crashed()) return PowerIsOut();
  rocksdb::IOStatus s = target()->ReuseWritableFile(fname, old_fname, options, result, dbg);
  if (!s.ok()) return s;
  {
    absl::MutexLock lock(&mu_);
    files_.erase(old_fname);
  }
  return Track(fname, 0, result);
}

rocksdb::IOStatus PowerCutFileSystem::RenameFile(const std::string& src, const std::string& target,
                                                 const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) {
  absl::ReaderMutexLock io(&io_mu_);
  if (crashed()) return PowerIsOut();
  rocksdb::IOStatus s = FileSystemWrapper::RenameFile(src, target, options, dbg);
  if (s.ok()) {
    absl::MutexLock lock(&mu_);
    auto it = files_.find(src);
    if (it != files_.end()) {
      files_[target] = it->second;
      files_.erase(it);
    }
  }
  return s;
}

rocksdb::IOStatus PowerCutFileSystem::DeleteFile(const std::string& fname, const rocksdb::IOOptions& options,
                                                 rocksdb::IODebugContext* dbg) {
  absl::ReaderMutexLock io(&io_mu_);
  if (crashed()) return PowerIsOut();
  rocksdb::IOStatus s = FileSystemWrapper::DeleteFile(fname, options, dbg);
  if (s.ok()) {
    absl::MutexLock lock(&mu_);
    files_.erase(fname);
  }
  return s;
}

bool PowerCutFileSystem::crashed() const {
  absl::MutexLock lock(&mu_);
  return crashed_;
}

void PowerCutFileSystem::Appended(const std::string& fname, uint64_t bytes) {
  absl::MutexLock lock(&mu_);
  files_[fname].size += bytes;
}

uint64_t PowerCutFileSystem::Size(const std::string& fname) const {
  absl::MutexLock lock(&mu_);
  auto it = files_.find(fname);
  return it == files_.end() ? 0 : it->second.size;
}

void PowerCutFileSystem::Synced(const std::string& fname, uint64_t size) {
  absl::MutexLock lock(&mu_);
  FileState& state = files_[fname];
  state.synced = std::max(state.synced, size);
}

uint64_t PowerCutFileSystem::Crash() {
  absl::WriterMutexLock io(&io_mu_);  // waits for operations in flight
  absl::MutexLock lock(&mu_);
  crashed_ = true;
  uint64_t dropped = 0;
  for (const auto& [fname, state] : files_) {
    if (state.synced < state.size) {
      dropped += state.size - state.synced;
      // Straight to the OS: the wrapped file system refuses writes now.
      if (::truncate(fname.c_str(), static_cast<off_t>(state.synced)) != 0) std::abort();
    }
  }
  return dropped;
}

void PowerCutFileSystem::CrashAtSync(int n) {
  absl::MutexLock lock(&mu_);
  syncs_until_cut_ = n;
}

bool PowerCutFileSystem::CutsPowerAtThisSync() {
  absl::MutexLock lock(&mu_);
  return syncs_until_cut_ > 0 && --syncs_until_cut_ == 0;
}

void PowerCutFileSystem::Restart() {
  absl::MutexLock lock(&mu_);
  crashed_ = false;
  syncs_until_cut_ = 0;
  files_.clear();
}

}  // namespace proactive::testing
