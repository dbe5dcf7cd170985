// Names the calling thread, as `top -H`, `ps -L` and `perf` show it: the
// engine's writer, committer and sweep helpers are told apart from gRPC's.
#ifndef PROACTIVE_ENGINE_COMMON_THREAD_NAME_H_
#define PROACTIVE_ENGINE_COMMON_THREAD_NAME_H_

namespace proactive {

// At most 15 characters (Linux keeps no more); longer names are cut. Does
// nothing where the platform cannot name threads.
void NameThisThread(const char* name);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_COMMON_THREAD_NAME_H_
