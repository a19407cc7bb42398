#include <string.h>
#include <qscanq/scan.h>

/* Only for the log line: the envelope itself is passed on untouched, and
   judging it is qmail-queue's job. */
void qscanq_envinfo(struct qscanq_envinfo *e, char const *s, size_t len)
{
  for (size_t i = 0; i < len; i++)
  {
    char c = s[i];
    switch (e->state)
    {
      case 0: e->state = c == 'F' ? 1 : 5; break;
      case 1:
        if (!c) e->state = 2;
        else if (e->fromlen < sizeof e->from) e->from[e->fromlen++] = c;
        break;
      case 2:
        if (c == 'T')
        {
          e->rcpts++;
          e->state = 3;
        }
        else e->state = c ? 5 : 4;
        break;
      case 3:
        if (!c) e->state = 2;
        break;
      default: return;
    }
  }
}
