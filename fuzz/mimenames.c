/* The MIME walk of qscanq-attach: the input is a message. Every name
   handed to the callback must be NUL-terminated within its bound. The
   message is fed whole and, from the same bytes, in small chunks: the
   walk must not depend on where a read ends (same result, same names,
   same flags). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <qscanq/attach.h>

struct seen
{
  size_t n, sum;
};

static int check(char const *name, size_t len, void *ctx)
{
  struct seen *s = ctx;
  if (len >= QSCANQ_NAMEMAX || name[len] || strlen(name) > len) abort();
  s->n++;
  s->sum += len * 31 + (unsigned char)name[len ? len - 1 : 0];
  return 0;
}

static int walk(uint8_t const *data, size_t size, size_t step, struct seen *s, unsigned int *flags)
{
  struct qscanq_mime *m = qscanq_mime_new(&check, s);
  int r = 0;
  if (!m) abort();
  for (size_t i = 0; i < size && !r; i += step)
    r = qscanq_mime_feed(m, (char const *)data + i, size - i < step ? size - i : step);
  if (!r) r = qscanq_mime_end(m);
  *flags = qscanq_mime_flags(m);
  qscanq_mime_free(m);
  return r;
}

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
  struct seen a = { 0, 0 }, b = { 0, 0 }, c = { 0, 0 };
  unsigned int fa, fb;
  size_t step = size ? 1 + data[0] % 7 : 1;
  int ra = walk(data, size, size ? size : 1, &a, &fa);
  int rb = walk(data, size, step, &b, &fb);
  if (ra != rb || fa != fb || a.n != b.n || a.sum != b.sum) abort();
  if (qscanq_mimenames((char const *)data, size, &check, &c) != ra || c.n != a.n) abort();
  return 0;
}
