/* qscanq-clamd's command line, read the same way whether the program
   runs or qscanq-stdin runs its list entry in process. */

#include <string.h>
#include <skalibs/sgetopt.h>
#include <skalibs/types.h>
#include <qscanq/clamd.h>

int qscanq_clamd_options(struct qscanq_clamd *c, int argc, char const *const *argv, char const **why)
{
  subgetopt l = SUBGETOPT_ZERO;
  memset(c, 0, sizeof *c);
  c->timeout = 120;
  c->clamduser = "clamav";
  *why = 0;
  for (;;)
  {
    int opt = subgetopt_r(argc, argv, "iPs:t:u:", &l);
    if (opt == -1) break;
    switch (opt)
    {
      case 'i': c->forcestream = 1; break;
      case 'P': c->ping = 1; break;
      case 's':
        if (c->n >= QSCANQ_CLAMD_MAXSERVERS)
        {
          *why = "too many servers";
          return -1;
        }
        c->servers[c->n++] = l.arg;
        break;
      case 't':
        if (!uint0_scan(l.arg, &c->timeout) || !c->timeout) return -1;
        break;
      case 'u':
        if (!*l.arg) return -1;
        c->clamduser = l.arg;
        break;
      default: return -1;
    }
  }
  argc -= l.ind;
  argv += l.ind;
  if (argc > 1) return -1;
  if (argc) c->file = argv[0];
  if (!c->n) c->servers[c->n++] = "/run/clamav/clamd.ctl";
  return 0;
}
