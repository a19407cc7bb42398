#include <qscanq/scan.h>

/* No expansion of any kind: what the administrator wrote is what runs. */
int qscanq_word(char const **in, char **out, int *flags)
{
  char const *s = *in;
  char *w = *out;
  char q = 0;
  *flags = 0;
  while (*s == ' ' || *s == '\t' || *s == '\n') s++;
  if (!*s)
  {
    *in = s;
    return 0;
  }
  while (*s && (q || (*s != ' ' && *s != '\t' && *s != '\n')))
  {
    if (q && *s == q)
    {
      q = 0;
      s++;
    }
    else if (!q && (*s == '"' || *s == '\''))
    {
      *flags |= QSCANQ_WORD_QUOTED;
      q = *s++;
    }
    else
    {
      if (!q && *s == ';') *flags |= QSCANQ_WORD_SEMI;
      *w++ = *s++;
    }
  }
  if (q) return -1;
  /* Past the blank before the NUL goes in: w may have reached it. */
  if (*s) s++;
  *w++ = 0;
  *in = s;
  *out = w;
  return 1;
}
