/* Fuzz target: the signature extractor (qscanq_signame) on a scanner's
   report, any bytes. The name it finds lies inside the report, is not
   empty, follows ": " on a line that ends in " FOUND", and comes out of
   qscanq_logsafe NUL-terminated within its bound. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <qscanq/qscanq.h>
#include <qscanq/scan.h>

static void check(int c)
{
  if (!c) abort();
}

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
  char const *s = (char const *)data;
  char safe[128];
  size_t off, n, end, len;
  if (!qscanq_signame(s, size, &off, &n)) return 0;
  check(n > 0 && off >= 2 && off + n <= size && off + n >= off);
  check(!memcmp(s + off - 2, ": ", 2));
  check(!memchr(s + off, '\n', n));
  end = off + n;
  if (end + 18 <= size && !memcmp(s + end, " banned attachment", 18)) end += 18;
  check(end + 6 <= size && !memcmp(s + end, " FOUND", 6));
  end += 6;
  check(end == size || s[end] == '\n' || (s[end] == '\r' && (end + 1 == size || s[end + 1] == '\n')));
  len = qscanq_logsafe(safe, sizeof safe, s + off, n);
  check(len < sizeof safe && !safe[len] && strlen(safe) == len);
  return 0;
}
