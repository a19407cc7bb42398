/* The gzip header name reader: the input is the file, read
   through a bounds-checked read-at function. Every name handed to the
   callback must be NUL-terminated within its bound. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <qscanq/attach.h>

struct mem
{
  uint8_t const *s;
  size_t n;
};

static ssize_t rd(void *src, void *buf, size_t n, uint64_t off)
{
  struct mem const *m = src;
  if (off >= m->n) return 0;
  if (n > m->n - off) n = m->n - (size_t)off;
  memcpy(buf, m->s + off, n);
  return (ssize_t)n;
}

static int check(char const *name, size_t len, void *ctx)
{
  (void)ctx;
  if (!len || len >= QSCANQ_NAMEMAX || name[len] || strlen(name) != len) abort();
  return 0;
}

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
  struct mem m = { data, size };
  if (qscanq_gzip_name(&rd, &m, size, &check, 0)) abort();
  /* A size larger than the data: reads come back short. */
  if (qscanq_gzip_name(&rd, &m, (uint64_t)size * 2 + 100, &check, 0)) abort();
  return 0;
}
