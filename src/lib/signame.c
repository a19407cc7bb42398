#include <string.h>
#include <qscanq/scan.h>

/* clamdscan's form, which every bundled scanner prints too. The first
   ": " ends PATH (ours are "msg", "stream", "fd[N]"), so an attachment
   name may hold ": " itself. Nothing is assumed to be NUL-free. */
int qscanq_signame(char const *s, size_t len, size_t *off, size_t *namelen)
{
  static char const found[] = " FOUND";
  static char const banned[] = " banned attachment";
  size_t const fl = sizeof found - 1, bl = sizeof banned - 1;
  size_t i = 0;
  while (i < len)
  {
    char const *nl = memchr(s + i, '\n', len - i);
    size_t end = nl ? (size_t)(nl - s) : len;
    if (end > i && s[end - 1] == '\r') end--;
    if (end - i > fl && !memcmp(s + end - fl, found, fl))
    {
      char const *c = memmem(s + i, end - fl - i, ": ", 2);
      if (c)
      {
        size_t a = (size_t)(c - s) + 2, b = end - fl;
        if (b - a >= bl && !memcmp(s + b - bl, banned, bl)) b -= bl;
        if (b > a)
        {
          *off = a;
          *namelen = b - a;
          return 1;
        }
      }
    }
    if (!nl) break;
    i = (size_t)(nl - s) + 1;
  }
  return 0;
}
