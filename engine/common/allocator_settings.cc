// jemalloc's settings for the executables that link it (`proactive_allocator`
// in CMakeLists.txt). jemalloc reads this symbol when it starts, then the
// environment variable MALLOC_CONF, which overrides it.
//
// thp:always asks for transparent huge pages on jemalloc's mappings
// (madvise(MADV_HUGEPAGE); Debian's kernels default to "madvise" mode). The
// memtables' arenas are written page after page: with 4 kB pages each first
// touch was a page fault: the daemon took 160,000 from its start to the end
// of a heatwave broadcast, a tenth of the broadcast's CPU on a virtual
// machine (docs/performance-log.md, 2026-12-06). With 2 MB pages, 13,000 in all,
// for about 60 MiB more resident memory.
extern "C" {
// The name and type are jemalloc's (je_malloc_conf in <jemalloc/jemalloc.h>).
extern const char* malloc_conf;
const char* malloc_conf = "thp:always";
}
