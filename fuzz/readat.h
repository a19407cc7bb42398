/* What the container-name targets share: the input as a file read
   through a bounds-checked read-at function (short reads past its end),
   and a callback that holds every name to its bound. Included by one
   target at a time: the definitions are static. */
#ifndef QSCANQ_FUZZ_READAT_H
#define QSCANQ_FUZZ_READAT_H

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

#endif
