#include <qscanq/qscanq.h>

/* One block of static memory for work that never overlaps in a process:
   qscanq-stdin runs its in-process scanners one after the other, and
   must still start and run under softlimit -m 2000000, where a second
   block of this size (or a malloc of it) does not fit. */
_Alignas(max_align_t) char qscanq_scratch[QSCANQ_SCRATCH];
