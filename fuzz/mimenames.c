/* The MIME walk of qscanq-attach: the input is a message. Every name
   handed to the callback must be NUL-terminated within its bound. The
   message is fed whole and, from the same bytes, in small chunks: the
   walk must not depend on where a read ends. */
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
  s->sum += len;
  return 0;
}

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
  struct seen a = { 0, 0 }, b = { 0, 0 };
  struct qscanq_mime *m;
  size_t step = size ? 1 + data[0] % 7 : 1;
  int ra = qscanq_mimenames((char const *)data, size, &check, &a);
  int rb;
  m = qscanq_mime_new(&check, &b);
  if (!m) return 0;
  rb = 0;
  for (size_t i = 0; i < size && !rb; i += step)
    rb = qscanq_mime_feed(m, (char const *)data + i, size - i < step ? size - i : step);
  if (!rb) rb = qscanq_mime_end(m);
  qscanq_mime_free(m);
  if (ra != rb || a.n != b.n || a.sum != b.sum) abort();
  return 0;
}
