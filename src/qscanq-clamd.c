/* qscanq-clamd: a clamd client for SCANCMD. Unix sockets get the
   message's descriptor (FILDES), TCP servers a stream (INSTREAM). Several
   servers: tried in turn from a starting point spread by PID. Exit 0
   clean, 1 virus, 2 when no server gave an answer. The client itself is
   in src/lib/clamd_*.c, shared with qscanq-stdin, which runs a list entry
   "qscanq-clamd ..." in process. See qscanq-clamd(8). */

#include <signal.h>
#include <unistd.h>
#include <skalibs/allreadwrite.h>
#include <skalibs/strerr.h>
#include <qscanq/clamd.h>
#include <qscanq/exitcodes.h>
#include <qscanq/qscanq.h>

#define dieusage() strerr_dieusage(VERDICT_FAIL, QSCANQ_CLAMD_USAGE)

int main(int argc, char const *const *argv)
{
  struct qscanq_clamd c;
  char const *why;
  char rep[QSCANQ_CLAMD_REPORTMAX];
  size_t replen;
  enum qscanq_verdict v;
  int fd;
  PROG = "qscanq-clamd";
  qscanq_version(argc, argv);
  if (qscanq_clamd_options(&c, argc, argv, &why) < 0)
  {
    if (why) strerr_dief(VERDICT_FAIL, why);
    dieusage();
  }
  /* A server that closes early must cost a failed send, not our life. */
  signal(SIGPIPE, SIG_IGN);
  if (c.ping) return qscanq_clamd_ping(&c);
  fd = qscanq_regular_input(c.file, 0);
  v = qscanq_clamd_scan(&c, fd, (unsigned int)getpid(), 0, rep, &replen);
  if (v == VERDICT_FAIL) strerr_dief(VERDICT_FAIL, QSCANQ_CLAMD_NOANSWER(&c));
  /* As before the move: the verdict is the exit code, the report only
     names the signature. */
  allwrite(1, rep, replen);
  return v;
}
