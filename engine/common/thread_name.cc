#include "engine/common/thread_name.h"

#include <cstring>

#if defined(__linux__)
#include <pthread.h>
#endif

namespace proactive {

void NameThisThread(const char* name) {
#if defined(__linux__)
  char cut[16];
  std::strncpy(cut, name, sizeof(cut) - 1);
  cut[sizeof(cut) - 1] = '\0';
  pthread_setname_np(pthread_self(), cut);
#else
  (void)name;
#endif
}

}  // namespace proactive
