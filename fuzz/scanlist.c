/* Fuzz target: the scanner list parser (SCANCMD). Besides not crashing:
   every command has a first word, every word lies inside the input, the
   limits hold, and quoting each word and joining the commands with " ; "
   parses back to the very same words. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <qscanq/scan.h>

static void check(int c)
{
  if (!c) abort();
}

/* words of l, quoted, commands joined by " ; "; 0 if a word holds both
   kinds of quote (it cannot be written in this syntax then). */
static char *rejoin(struct qscanq_scanlist const *l, size_t max)
{
  char *out = malloc(max), *o = out;
  if (!out) return 0;
  for (unsigned int i = 0; i < l->n; i++)
  {
    if (i)
    {
      memcpy(o, " ; ", 3);
      o += 3;
    }
    for (char const *const *w = l->cmd[i]; *w; w++)
    {
      char q = strchr(*w, '\'') ? '"' : '\'';
      if (strchr(*w, q))
      {
        free(out);
        return 0;
      }
      if (w != l->cmd[i]) *o++ = ' ';
      *o++ = q;
      memcpy(o, *w, strlen(*w));
      o += strlen(*w);
      *o++ = q;
    }
  }
  *o = 0;
  return out;
}

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
  struct qscanq_scanlist l, l2;
  char const *why = 0;
  char *s, *again;
  unsigned int words = 0;
  int n;
  if (size > 16384) return 0;
  s = malloc(size + 1);
  if (!s) return 0;
  memcpy(s, data, size);
  s[size] = 0;
  n = qscanq_scanlist(s, &l, &why);
  if (n < 0)
  {
    check(why && *why);
    free(s);
    return 0;
  }
  check(n >= 1 && (unsigned int)n == l.n && l.n <= QSCANQ_SCANLIST_MAXCMDS);
  for (unsigned int i = 0; i < l.n; i++)
  {
    check(l.cmd[i][0] != 0);
    for (char const *const *w = l.cmd[i]; *w; w++)
    {
      check(*w >= s && *w + strlen(*w) <= s + size);
      words++;
    }
  }
  check(words <= QSCANQ_SCANLIST_MAXWORDS);
  /* Each word grows by 2 quotes and a blank, each separator is 3 bytes. */
  again = rejoin(&l, size + 3 * words + 3 * l.n + 1);
  if (again)
  {
    check(qscanq_scanlist(again, &l2, &why) == n);
    for (unsigned int i = 0; i < l.n; i++)
    {
      char const *const *a = l.cmd[i], *const *b = l2.cmd[i];
      for (; *a && *b; a++, b++) check(!strcmp(*a, *b));
      check(!*a && !*b);
    }
    free(again);
  }
  free(s);
  return 0;
}
