/* The gzip header name reader: the input is the file, read
   through a bounds-checked read-at function. Every name handed to the
   callback must be NUL-terminated within its bound. */
#include "readat.h"

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
  struct mem m = { data, size };
  if (qscanq_gzip_name(&rd, &m, size, &check, 0)) abort();
  /* A size larger than the data: reads come back short. */
  if (qscanq_gzip_name(&rd, &m, (uint64_t)size * 2 + 100, &check, 0)) abort();
  return 0;
}
