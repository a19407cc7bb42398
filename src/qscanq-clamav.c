/* qscanq-clamav: scans a message in process with libclamav. A scanner
   for SCANCMD (exit 0 clean, 1 virus, 2 failure). See qscanq-clamav(8). */

#include <skalibs/buffer.h>
#include <skalibs/sgetopt.h>
#include <skalibs/strerr.h>
#include <qscanq/clam.h>
#include <qscanq/exitcodes.h>
#include <qscanq/qscanq.h>

#define USAGE "qscanq-clamav [ -d dbdir ] [ file ]"
#define dieusage() strerr_dieusage(VERDICT_FAIL, USAGE)

static void report(char const *name, char const *what, char const *tail)
{
  buffer_puts(buffer_1, name);
  buffer_puts(buffer_1, ": ");
  buffer_puts(buffer_1, what);
  buffer_puts(buffer_1, tail);
  buffer_flush(buffer_1);
}

int main(int argc, char const *const *argv)
{
  char const *dbdir = "/var/lib/clamav";
  char const *name;
  struct cl_engine *engine;
  struct cl_scan_options opts;
  char const *virname = 0;
  unsigned long scanned = 0;
  cl_error_t r;
  int fd;
  PROG = "qscanq-clamav";
  {
    subgetopt l = SUBGETOPT_ZERO;
    for (;;)
    {
      int opt = subgetopt_r(argc, argv, "d:", &l);
      if (opt == -1) break;
      switch (opt)
      {
        case 'd': dbdir = l.arg; break;
        default: dieusage();
      }
    }
    argc -= l.ind;
    argv += l.ind;
  }
  if (argc > 1) dieusage();
  name = argc ? argv[0] : "stdin";
  engine = qscanq_clam_engine(dbdir, 0);
  fd = qscanq_regular_input(argc ? argv[0] : 0, 0);
  qscanq_clam_options(&opts);
  r = cl_scandesc(fd, name, &virname, &scanned, engine, &opts);
  if (r == CL_VIRUS)
  {
    report(name, virname ? virname : "unknown", " FOUND\n");
    return VERDICT_VIRUS;
  }
  if (r == CL_CLEAN)
  {
    report(name, "OK", "\n");
    return VERDICT_CLEAN;
  }
  report(name, cl_strerror(r), " ERROR\n");
  strerr_dief(VERDICT_FAIL, "scan failed: ", cl_strerror(r));
}
