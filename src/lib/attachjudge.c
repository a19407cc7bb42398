#include <errno.h>
#include <string.h>
#include <skalibs/buffer.h>
#include <skalibs/djbunix.h>
#include <skalibs/sgetopt.h>
#include <skalibs/stralloc.h>
#include <skalibs/strerr.h>
#include <skalibs/types.h>
#include <qscanq/exitcodes.h>
#include <qscanq/qscanq.h>
#include <qscanq/attach.h>
#include <qscanq/clam.h>

/* What qscanq-attach and its archive pass share: the options, the
   judging of a name, and the report. */

static void readpolicy(struct qscanq_policy *p, enum qscanq_policy_kind kind, char const *file)
{
  stralloc raw = STRALLOC_ZERO;
  unsigned int line = 0;
  char const *why = "";
  if (!openslurpclose(&raw, file)) strerr_diefusys(VERDICT_FAIL, "read ", file);
  if (qscanq_policy_add(p, kind, raw.s, raw.len, &line, &why) < 0)
  {
    char fmt[UINT_FMT];
    if (errno != EINVAL) strerr_diefusys(VERDICT_FAIL, "allocate");
    fmt[uint_fmt(fmt, line)] = 0;
    strerr_dief(VERDICT_FAIL, file, ":", fmt, ": malformed policy: ", why);
  }
  stralloc_free(&raw);
}

int qscanq_judge_options(struct qscanq_judge *j, int argc, char const *const *argv, char const *usage)
{
  subgetopt l = SUBGETOPT_ZERO;
  for (;;)
  {
    int opt = subgetopt_r(argc, argv, "f:p:m:M:", &l);
    if (opt == -1) break;
    switch (opt)
    {
      case 'f': readpolicy(&j->pol, QSCANQ_BADEXT, l.arg); break;
      case 'p': readpolicy(&j->pol, QSCANQ_PATTERNS, l.arg); break;
      case 'm':
        if (!qscanq_clam_size(l.arg, &j->maxfilesize)) strerr_dief(VERDICT_FAIL, "bad size: ", l.arg);
        break;
      case 'M':
        if (!qscanq_clam_size(l.arg, &j->maxscansize)) strerr_dief(VERDICT_FAIL, "bad size: ", l.arg);
        break;
      default: strerr_dieusage(VERDICT_FAIL, usage);
    }
  }
  return l.ind;
}

int qscanq_judge(struct qscanq_judge *j, char const *what, char const *name, size_t len, int clam)
{
  if (j->debug)
  {
    char safe[4 * QSCANQ_NAMEMAX];
    qscanq_logsafe(safe, sizeof safe, name, len);
    strerr_warni(what, safe);
  }
  if (!qscanq_policy_match(&j->pol, name, len, clam)) return 0;
  if (len >= sizeof j->banned)
  {
    name += len - (sizeof j->banned - 1);
    len = sizeof j->banned - 1;
  }
  memcpy(j->banned, name, len);
  j->banned[len] = 0;
  j->bannedlen = len;
  return 1;
}

/* "msg: NAME banned attachment FOUND": qscanq-stdin takes the word
   between ": " and " FOUND", less " banned attachment", as the name for
   its log line (verdict=banned sig=NAME) and its reply ("banned
   attachment: NAME"). NAME is made safe for one word of a log line:
   blanks, controls and the bidirectional controls (the right-to-left
   override disguise) escaped; a long one keeps its end, where the
   extension is. */
int qscanq_judge_report(struct qscanq_judge const *j)
{
  char safe[4 * QSCANQ_NAMEMAX];
  char const *name = j->banned;
  size_t len = j->bannedlen;
  if (qscanq_logsafe(safe, sizeof safe, name, len) > 600)
  {
    name += len - 150;
    qscanq_logsafe(safe + 3, sizeof safe - 3, name, 150);
    memcpy(safe, "...", 3);
  }
  buffer_puts(buffer_1, "msg: ");
  buffer_puts(buffer_1, safe);
  if (!buffer_putsflush(buffer_1, " banned attachment FOUND\n")) strerr_diefusys(VERDICT_FAIL, "write the report");
  return VERDICT_BANNED;
}
