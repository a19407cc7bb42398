#include <errno.h>
#include <string.h>
#include <unistd.h>
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

/* The diagnostics are the program's own ("PROG: fatal: ..."), printed
   rather than died with, so that qscanq-stdin can judge a policy in
   process and fail only the message. */
static int readpolicy(struct qscanq_policy *p, enum qscanq_policy_kind kind, char const *file)
{
  stralloc raw = STRALLOC_ZERO;
  unsigned int line = 0;
  char const *why = "";
  if (!openslurpclose(&raw, file))
  {
    stralloc_free(&raw);
    strerr_warnsys(PROG, ": fatal: unable to read ", file, ": ");
    return -1;
  }
  if (qscanq_policy_add(p, kind, raw.s, raw.len, &line, &why) < 0)
  {
    char fmt[UINT_FMT];
    stralloc_free(&raw);
    if (errno != EINVAL)
    {
      strerr_warnsys(PROG, ": fatal: unable to allocate: ");
      return -1;
    }
    fmt[uint_fmt(fmt, line)] = 0;
    strerr_warn(PROG, ": fatal: ", file, ":", fmt, ": malformed policy: ", why);
    return -1;
  }
  stralloc_free(&raw);
  return 0;
}

int qscanq_judge_parse(struct qscanq_judge *j, int argc, char const *const *argv, char const *usage)
{
  subgetopt l = SUBGETOPT_ZERO;
  for (;;)
  {
    int opt = subgetopt_r(argc, argv, "f:p:m:M:", &l);
    if (opt == -1) break;
    switch (opt)
    {
      case 'f':
        if (readpolicy(&j->pol, QSCANQ_BADEXT, l.arg) < 0) return -1;
        break;
      case 'p':
        if (readpolicy(&j->pol, QSCANQ_PATTERNS, l.arg) < 0) return -1;
        break;
      case 'm':
      case 'M':
        if (!qscanq_clam_size(l.arg, opt == 'm' ? &j->maxfilesize : &j->maxscansize))
        {
          strerr_warn(PROG, ": fatal: bad size: ", l.arg);
          return -1;
        }
        break;
      default: strerr_warn(PROG, ": usage: ", usage); return -1;
    }
  }
  return l.ind;
}

int qscanq_judge_options(struct qscanq_judge *j, int argc, char const *const *argv, char const *usage)
{
  int ind = qscanq_judge_parse(j, argc, argv, usage);
  if (ind < 0) _exit(VERDICT_FAIL);
  return ind;
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
size_t qscanq_judge_reportfmt(struct qscanq_judge const *j, char *s)
{
  char safe[4 * QSCANQ_NAMEMAX];
  char const *name = j->banned;
  size_t len = j->bannedlen, n;
  if (qscanq_logsafe(safe, sizeof safe, name, len) > 600)
  {
    name += len - 150;
    qscanq_logsafe(safe + 3, sizeof safe - 3, name, 150);
    memcpy(safe, "...", 3);
  }
  n = strlen(safe);
  memcpy(s, "msg: ", 5);
  memcpy(s + 5, safe, n);
  memcpy(s + 5 + n, " banned attachment FOUND\n", 25);
  return n + 30;
}

int qscanq_judge_report(struct qscanq_judge const *j)
{
  char s[QSCANQ_JUDGE_REPORTMAX];
  size_t len = qscanq_judge_reportfmt(j, s);
  if (!buffer_putflush(buffer_1, s, len)) strerr_diefusys(VERDICT_FAIL, "write the report");
  return VERDICT_BANNED;
}
