// A RocksDB file system that simulates a power cut: it remembers how many
// bytes of each file were made durable by Sync/Fsync, and Crash() cuts every
// file back to that length, dropping what was only in the page cache. A kill
// -9 cannot show this: the operating system keeps unsynced writes.
//
//   auto fs = std::make_shared<PowerCutFileSystem>(rocksdb::FileSystem::Default());
//   std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
//   ... open the store with env.get(), write ...
//   fs->Crash();   // later writes fail; unsynced bytes are gone
//   ... destroy the store ...
//   fs->Restart(); // a fresh boot on what survived
//
// Metadata (creations, renames, deletions) is taken as durable when done, as
// on a journaling file system; only file contents are at risk.
#ifndef PROACTIVE_TESTS_CRASH_POWER_CUT_FILE_SYSTEM_H_
#define PROACTIVE_TESTS_CRASH_POWER_CUT_FILE_SYSTEM_H_

#include <map>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "rocksdb/file_system.h"

namespace proactive::testing {

class PowerCutFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  explicit PowerCutFileSystem(const std::shared_ptr<rocksdb::FileSystem>& base);

  const char* Name() const override { return "PowerCutFileSystem"; }
  static const char* kClassName() { return "PowerCutFileSystem"; }

  rocksdb::IOStatus NewWritableFile(const std::string& fname, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(const std::string& fname, const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReuseWritableFile(const std::string& fname, const std::string& old_fname,
                                      const rocksdb::FileOptions& options,
                                      std::unique_ptr<rocksdb::FSWritableFile>* result,
                                      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus RenameFile(const std::string& src, const std::string& target, const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteFile(const std::string& fname, const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;

  // The power goes out: every file is cut to its last synced length and
  // every later write or sync fails. Returns the number of bytes dropped.
  uint64_t Crash();
  // The power goes out at the n-th sync of any file from now (n >= 1),
  // instead of that sync: what was written since the file's last sync is
  // dropped. A cut exactly between a write and its fsync, wherever the
  // writer is.
  void CrashAtSync(int n);
  // Power is back: writes work again and tracking starts afresh.
  void Restart();

  // Called by the tracked files, holding io_mutex() in shared mode around
  // each operation so that a crash never falls in the middle of one.
  absl::Mutex* io_mutex() const ABSL_LOCK_RETURNED(io_mu_) { return &io_mu_; }
  bool crashed() const;
  // Counts a sync towards CrashAtSync: true when this one cuts the power.
  bool CutsPowerAtThisSync();
  void Appended(const std::string& fname, uint64_t bytes);
  // Bytes appended to `fname` so far.
  uint64_t Size(const std::string& fname) const;
  // An fsync that began when `fname` held `size` bytes returned: those are
  // durable. Appends that ran while it ran (RocksDB syncs its log while the
  // next writes append to it) may not be.
  void Synced(const std::string& fname, uint64_t size);

 private:
  struct FileState {
    uint64_t size = 0;    // bytes written
    uint64_t synced = 0;  // bytes made durable
  };
  rocksdb::IOStatus Track(const std::string& fname, uint64_t initial_size,
                          std::unique_ptr<rocksdb::FSWritableFile>* result);

  mutable absl::Mutex io_mu_;  // shared: a file operation; exclusive: the crash
  mutable absl::Mutex mu_;
  std::map<std::string, FileState> files_ ABSL_GUARDED_BY(mu_);
  bool crashed_ ABSL_GUARDED_BY(mu_) = false;
  int syncs_until_cut_ ABSL_GUARDED_BY(mu_) = 0;  // 0: no cut armed
};

}  // namespace proactive::testing

#endif  // PROACTIVE_TESTS_CRASH_POWER_CUT_FILE_SYSTEM_H_
