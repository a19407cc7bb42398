#include <errno.h>
#include <qscanq/qscanq.h>
#include <qscanq/scan.h>

int qscanq_split(char *s, char const **argv, unsigned int max)
{
  char const *in = s;
  char *out = s;
  unsigned int n = 0;
  for (;;)
  {
    char *w = out;
    int flags;
    int r = qscanq_word(&in, &out, &flags);
    if (r < 0)
    {
      errno = EINVAL;
      return -1;
    }
    if (!r) break;
    if (n >= max)
    {
      errno = E2BIG;
      return -1;
    }
    argv[n++] = w;
  }
  argv[n] = 0;
  return (int)n;
}
