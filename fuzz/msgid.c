/* Fuzz target: the Message-ID finder (qscanq_msgid) on any message. The
   value lies inside the header (before the first empty line), is not
   empty, has no blank at either end, and follows a "Message-ID:" field
   name (any case) at the start of a line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <qscanq/scan.h>

static void check(int c)
{
  if (!c) abort();
}

static int blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
  char const *s = (char const *)data;
  size_t off, n, i;
  if (!qscanq_msgid(s, size, &off, &n)) return 0;
  check(n > 0 && off <= size && n <= size - off);
  check(!blank(s[off]) && !blank(s[off + n - 1]));
  /* The field name: back from the value over blanks (a fold too). */
  i = off;
  while (i > 0 && blank(s[i - 1])) i--;
  check(i >= 11 && !strncasecmp(s + i - 11, "message-id:", 11));
  check(i == 11 || s[i - 12] == '\n');
  /* No empty line before it. */
  for (size_t j = 0; j + 1 < i - 11; j++) check(!(s[j] == '\n' && (s[j + 1] == '\n' || (s[j + 1] == '\r' && j + 2 < size && s[j + 2] == '\n'))));
  check(s[0] != '\n' && !(s[0] == '\r' && size > 1 && s[1] == '\n'));
  return 0;
}
