#include <string.h>
#include <qscanq/scan.h>

/* A malformed list is an error, never "no scanner": an administrator's
   typo must not let mail through unscanned. A ';' glued to a word would
   silently become an argument, so that is an error too. */
int qscanq_scanlist(char *s, struct qscanq_scanlist *l, char const **why)
{
  char const *in = s;
  char *out = s;
  unsigned int nw = 0, start = 0, words = 0;
  l->n = 0;
  for (;;)
  {
    char *w = out;
    int flags;
    int r = qscanq_word(&in, &out, &flags);
    if (r < 0)
    {
      *why = "unbalanced quote";
      return -1;
    }
    if (!r || (!(flags & QSCANQ_WORD_QUOTED) && !strcmp(w, ";")))
    {
      if (nw == start)
      {
        *why = "empty command (nothing at all, or a ';' at the start, at the end or after another)";
        return -1;
      }
      if (l->n >= QSCANQ_SCANLIST_MAXCMDS)
      {
        *why = "too many commands (at most 16)";
        return -1;
      }
      l->cmd[l->n++] = l->word + start;
      l->word[nw++] = 0;
      start = nw;
      if (!r) return (int)l->n;
      continue;
    }
    if (flags & QSCANQ_WORD_SEMI)
    {
      *why = "';' inside a word (a separator is a word of its own; quote it to pass it as an argument)";
      return -1;
    }
    if (words >= QSCANQ_SCANLIST_MAXWORDS)
    {
      *why = "too many words (at most 64)";
      return -1;
    }
    words++;
    l->word[nw++] = w;
  }
}
