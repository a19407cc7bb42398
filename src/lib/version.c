#include <string.h>
#include <unistd.h>
#include <skalibs/allreadwrite.h>
#include <skalibs/strerr.h>
#include "conf.h"
#include <qscanq/qscanq.h>

/* -V as the only argument: the program's name and the suite's version
   on fd 1, exit 0. Checked before anything else a program does, and
   before its own options, so that every program of the suite answers
   the same way; a downstream program is never named -V. */
void qscanq_version(int argc, char const *const *argv)
{
  size_t n;
  if (argc != 2 || strcmp(argv[1], "-V")) return;
  n = strlen(PROG);
  if (allwrite(1, PROG, n) < n || allwrite(1, " ", 1) < 1 || allwrite(1, QSCANQ_VERSION "\n", sizeof QSCANQ_VERSION) < sizeof QSCANQ_VERSION)
    _exit(111);
  _exit(0);
}
