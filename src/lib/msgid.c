#include <string.h>
#include <strings.h>
#include <qscanq/scan.h>

static int blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* For the log line only, so a cheap look at the top of the message: the
   header ends at the first empty line (or where s ends). */
int qscanq_msgid(char const *s, size_t len, size_t *off, size_t *idlen)
{
  static char const name[] = "message-id:";
  size_t const nl = sizeof name - 1;
  size_t i = 0;
  while (i < len)
  {
    char const *e = memchr(s + i, '\n', len - i);
    size_t end = e ? (size_t)(e - s) : len;
    if (end == i || (end == i + 1 && s[i] == '\r')) return 0;
    if (end - i >= nl && !strncasecmp(s + i, name, nl))
    {
      size_t a = i + nl, b;
      /* The field goes on over continuation lines. */
      while (end < len && end + 1 < len && (s[end + 1] == ' ' || s[end + 1] == '\t'))
      {
        e = memchr(s + end + 1, '\n', len - end - 1);
        end = e ? (size_t)(e - s) : len;
      }
      b = end;
      while (a < b && blank(s[a])) a++;
      while (b > a && blank(s[b - 1])) b--;
      if (b == a) return 0;
      *off = a;
      *idlen = b - a;
      return 1;
    }
    if (!e) return 0;
    i = end + 1;
  }
  return 0;
}
