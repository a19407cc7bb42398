/* qscanq-clamav: scans a message in process with libclamav. A scanner
   for SCANCMD (exit 0 clean, 1 virus, 2 failure). See qscanq-clamav(8). */

#include <string.h>
#include <skalibs/buffer.h>
#include <skalibs/sgetopt.h>
#include <skalibs/strerr.h>
#include <qscanq/clam.h>
#include <qscanq/exitcodes.h>
#include <qscanq/qscanq.h>

#define USAGE "qscanq-clamav [ -d dbdir ] [ -m maxfilesize ] [ -M maxscansize ] [ file ]"
#define dieusage() strerr_dieusage(VERDICT_FAIL, USAGE)

static void report(char const *name, char const *what, char const *tail)
{
  buffer_puts(buffer_1, name);
  buffer_puts(buffer_1, ": ");
  buffer_puts(buffer_1, what);
  buffer_puts(buffer_1, tail);
  buffer_flush(buffer_1);
}

static uint64_t size(char const *s)
{
  uint64_t n;
  if (!qscanq_clam_size(s, &n)) strerr_dief(VERDICT_FAIL, "bad size: ", s, " (bytes, or with k, M or G)");
  return n;
}

/* The option (or setting) that raises the limit a failure names. */
static char const *hint(char const *name, cl_error_t r)
{
  size_t n = strlen(name);
  if (r == CL_EMEM) return ": raise the memory limit (softlimit -m)";
  if (n >= 11 && !strcmp(name + n - 11, "MaxFileSize")) return ": raise it with -m";
  if (n >= 11 && !strcmp(name + n - 11, "MaxScanSize")) return ": raise it with -M";
  return "";
}

int main(int argc, char const *const *argv)
{
  char const *dbdir = "/var/lib/clamav";
  char const *name;
  struct cl_engine *engine;
  struct cl_scan_options opts;
  /* Defaults: libclamav's own MaxFileSize and MaxScanSize, written out so
     that the man page's figures stay true whatever libclamav changes. */
  struct qscanq_sizeguard g = { .limit = { .filesize = 100 << 20, .scansize = 400 << 20 } };
  char const *virname = 0;
  char const *what;
  char why[512];
  unsigned long scanned = 0;
  enum qscanq_verdict v;
  cl_error_t r = CL_CLEAN;
  int fd;
  PROG = "qscanq-clamav";
  qscanq_version(argc, argv);
  {
    subgetopt l = SUBGETOPT_ZERO;
    for (;;)
    {
      int opt = subgetopt_r(argc, argv, "d:m:M:", &l);
      if (opt == -1) break;
      switch (opt)
      {
        case 'd': dbdir = l.arg; break;
        case 'm': g.limit.filesize = size(l.arg); break;
        case 'M': g.limit.scansize = size(l.arg); break;
        default: dieusage();
      }
    }
    argc -= l.ind;
    argv += l.ind;
  }
  if (argc > 1) dieusage();
  name = argc ? argv[0] : "stdin";
  engine = qscanq_clam_engine(dbdir, 0);
  qscanq_clam_limits(engine, &g.limit);
  fd = qscanq_regular_input(argc ? argv[0] : 0, 0);
  qscanq_clam_options(&opts);
  qscanq_clam_sizeguard(engine, &g, fd);
  /* libclamav would skip a message over MaxFileSize whole and call it a
     virus without a name: say which limit it is instead. */
  if (g.msgsize <= g.limit.filesize) r = cl_scandesc_callback(fd, name, &virname, &scanned, engine, &opts, &g);
  v = qscanq_sizeguard_verdict(&g, r, virname, &what, why, sizeof why);
  switch (v)
  {
    case VERDICT_CLEAN: report(name, "OK", "\n"); break;
    case VERDICT_VIRUS: report(name, what, " FOUND\n"); break;
    default:
      report(name, what, " ERROR\n");
      strerr_dief(VERDICT_FAIL, "not scanned: ", why, hint(what, r));
  }
  return v;
}
