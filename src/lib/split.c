#include <errno.h>
#include <qscanq/qscanq.h>

/* No expansion of any kind: what the administrator wrote is what runs. */
int qscanq_split(char *s, char const **argv, unsigned int max)
{
  unsigned int n = 0;
  char *w = s;
  for (;;)
  {
    char *start;
    char q = 0;
    while (*s == ' ' || *s == '\t' || *s == '\n') s++;
    if (!*s) break;
    if (n >= max)
    {
      errno = E2BIG;
      return -1;
    }
    start = w;
    while (*s && (q || (*s != ' ' && *s != '\t' && *s != '\n')))
    {
      if (q && *s == q)
      {
        q = 0;
        s++;
      }
      else if (!q && (*s == '"' || *s == '\'')) q = *s++;
      else *w++ = *s++;
    }
    if (q)
    {
      errno = EINVAL;
      return -1;
    }
    if (*s) s++;
    *w++ = 0;
    argv[n++] = start;
  }
  argv[n] = 0;
  return (int)n;
}
