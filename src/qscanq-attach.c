/* qscanq-attach: attachment-name policy, a scanner of SCANCMD. It walks
   the MIME structure of the message itself (the names as the
   recipient's mail program shows them) in fixed memory. Only if a part
   may hold further names (an archive, TNEF, a compressed file...) does
   it execute its archive pass, qscanq-attach-archives, which links
   libclamav. A banned name ends the scan with exit 3. Otherwise it exits
   0 (the scanner list runs the next scanner), or, for compatibility,
   chain-loads the rest of argv. See qscanq-attach(8). */

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <skalibs/djbunix.h>
#include <skalibs/strerr.h>
#include <qscanq/exitcodes.h>
#include <qscanq/qscanq.h>
#include <qscanq/attach.h>
#include "conf.h"

#define USAGE QSCANQ_ATTACH_USAGE
#define ARCHIVES QSCANQ_LIBEXEC "/qscanq-attach-archives"

static int mimename(char const *name, size_t len, void *ctx)
{
  return qscanq_judge(ctx, "attachment: ", name, len, 0);
}

int main(int argc, char const *const *argv)
{
  struct qscanq_judge st = QSCANQ_JUDGE_ZERO;
  char const *tmpdir = getenv("TMPDIR");
  char const *const *rest;
  unsigned int flags = QSCANQ_MIME_CONTAINER;
  int fd, ind;
  PROG = "qscanq-attach";
  qscanq_version(argc, argv);
  st.debug = !!getenv("DEBUG");
  ind = qscanq_judge_options(&st, argc, argv, USAGE);
  rest = argv + ind;
  if (!tmpdir || !*tmpdir) tmpdir = "/tmp";
  fd = qscanq_regular_input(0, tmpdir);
  /* The walk runs without a policy too: a part that may hold an archive
     needs the archive pass, which checks every member against clamd's
     limits (-m, -M). */
  {
    /* The names as sent, from the MIME structure, read in chunks: the
       memory used does not grow with the message. */
    int m = qscanq_mimenames_fd(fd, &mimename, &st, &flags);
    if (m < 0 && errno == EMSGSIZE) strerr_dief(VERDICT_FAIL, "a MIME header or boundary of the message is too long to judge");
    if (m < 0 && errno == ELOOP) strerr_dief(VERDICT_FAIL, "the message nests multiparts too deeply to judge");
    if (m < 0) strerr_diefusys(VERDICT_FAIL, "read the MIME structure of the message");
    if (m > 0) return qscanq_judge_report(&st);
    if (flags & QSCANQ_MIME_BLANKS)
      strerr_dief(VERDICT_FAIL, "a MIME header of the message has a run of blanks that hides its part from libclamav: refusing to judge it");
  }
  if (lseek(fd, 0, SEEK_SET) < 0 || (fd && fd_move(0, fd) < 0)) strerr_diefusys(VERDICT_FAIL, "rewind the message");
  if (flags & QSCANQ_MIME_CONTAINER)
  {
    /* Same arguments: it reads the policy itself and chain-loads. */
    if (st.debug) strerr_warni("a part may hold further names: running ", ARCHIVES);
    execv(ARCHIVES, (char *const *)argv);
    strerr_diefusys(VERDICT_FAIL, "exec ", ARCHIVES);
  }
  if (st.debug) strerr_warni("no part holds further names: no archive pass");
  if (!*rest) return VERDICT_CLEAN;
  execvp(rest[0], (char *const *)rest);
  strerr_diefusys(VERDICT_FAIL, "exec ", rest[0]);
}
