/* qscanq-stdin's scan: the scanner list run over the message, each
   scanner a process of its own, or in process for qscanq-clamd and
   qscanq-attach. The rationale of every step is in qscanq-stdin(8),
   whose steps (c) and (d) these are. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <skalibs/djbunix.h>
#include <skalibs/iopause.h>
#include <skalibs/sig.h>
#include <skalibs/strerr.h>
#include <skalibs/tai.h>
#include <skalibs/types.h>
#include <qscanq/attach.h>
#include <qscanq/clamd.h>
#include <qscanq/exitcodes.h>
#include <qscanq/qscanq.h>
#include <qscanq/scan.h>
#include "conf.h"

#define LISTMAX 4096
#define KILLMS 10000
#define ATTACHARCHIVES QSCANQ_LIBEXEC "/qscanq-attach-archives"

/* The scanner: qscand through and through, in a session of its own (no
   controlling terminal: a caller holding a pty cannot signal it), with
   the message on fd 0, the report pipe on fd 1, and nothing else. */
static void child(char const *path0, char const *const *argv, int msgfd, int repfd, char const *tmpdir, pid_t parent)
{
  size_t tl = strlen(tmpdir), al = strlen(argv[0]);
  char tmpenv[tl + 8];
  char path[sizeof QSCANQ_BINDIR + al + 1];
  char const *envp[] = { "PATH=" QSCANQ_BINDIR ":/usr/local/bin:/usr/bin:/bin", tmpenv, 0 };
  char const *prog = path0 ? path0 : argv[0];
  uid_t u = geteuid();
  gid_t g = getegid();
  struct rlimit nocore = { 0, 0 };
  memcpy(tmpenv, "TMPDIR=", 7);
  memcpy(tmpenv + 7, tmpdir, tl + 1);
  if (!strchr(prog, '/'))
  {
    memcpy(path, QSCANQ_BINDIR "/", sizeof QSCANQ_BINDIR);
    memcpy(path + sizeof QSCANQ_BINDIR, prog, al + 1);
    prog = path;
  }
  /* Every disposition to its default, glibc's own signals (32, 33)
     too, which signal() refuses to touch but a caller's SIG_IGN would
     pass on through exec: an all-zero kernel sigaction is SIG_DFL, no
     flags, empty mask, whatever the architecture's field order. */
  for (int sig = 1; sig < NSIG; sig++)
  {
    static unsigned long const dfl[8];
    syscall(SYS_rt_sigaction, sig, dfl, (void *)0, (size_t)((NSIG - 1) / 8));
  }
  sig_blocknone();
  if (setsid() < 0 || fd_copy(0, msgfd) < 0 || fd_move(1, repfd) < 0 || setrlimit(RLIMIT_CORE, &nocore) < 0)
  {
    strerr_warnwusys("set up scanner ", prog);
    _exit(111);
  }
  qscanq_closefrom(-1, -1);
  if (setresgid(g, g, g) < 0 || setresuid(u, u, u) < 0)
  {
    strerr_warnwusys("set ids for scanner ", prog);
    _exit(111);
  }
  /* After the id change, which clears it: die with qscanq-stdin. */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent) _exit(111);
  execve(prog, (char *const *)argv, (char *const *)envp);
  strerr_warnwusys("exec scanner ", prog);
  _exit(111);
}

/* Milliseconds from start to the clock last read. */
static unsigned int since(tain const *start)
{
  tain d;
  tain_sub(&d, &STAMP, start);
  return (unsigned int)tain_to_millisecs(&d);
}

/* The end of a scanner run in process: past its deadline it timed out,
   as a process would have; its time; its exit code as wait() would show
   exit(code). */
static void inproc_time(struct qscanq_scanrun *r, char const *name, tain const *start, tain const *deadline)
{
  tain_now_g();
  if (!tain_future(deadline))
  {
    strerr_warnw("scanner timed out: ", name);
    r->timedout = 1;
  }
  r->ms = since(start);
}

static int inproc_done(struct qscanq_scanrun *r, int code)
{
  r->ran = 1;
  r->wstat = (code & 0xff) << 8;
  r->report[r->replen] = 0;
  return 1;
}

/* What the pipe holds now; 0 at its end (or on an error), else 1. */
static int readreport(struct qscanq_scanin const *in, int fd, struct qscanq_scanrun *r)
{
  for (;;)
  {
    ssize_t k = read(fd, in->buf, in->n);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0 && errno == EAGAIN) return 1;
    if (k <= 0) return 0;
    if (r->replen < QSCANQ_REPORTMAX)
    {
      size_t c = (size_t)k > QSCANQ_REPORTMAX - r->replen ? QSCANQ_REPORTMAX - r->replen : (size_t)k;
      memcpy(r->report + r->replen, in->buf, c);
      r->replen += c;
    }
  }
}

/* (d) for one scanner: run it, wait for its exit, the deadline or
   qscanq's death, then kill whatever it left. -1 if it could not run.
   path: the program to execute, when it is not argv[0] (else 0); dl:
   the deadline, when part of the scan ran already (else 0: now plus
   the scan timeout). */
static int runone(char const *path, char const *const *argv, struct qscanq_scanin const *in, char const *tmpdir,
    tain const *dl, struct qscanq_scanrun *r)
{
  int p[2], pidfd, piped = 1;
  pid_t pid, self = getpid();
  tain start, deadline;
  memset(r, 0, sizeof *r);
  r->name = argv[0];
  if (lseek(in->msgfd, 0, SEEK_SET) < 0)
  {
    strerr_warnwusys("rewind ", "msg");
    return -1;
  }
  if (pipe2(p, O_CLOEXEC) < 0)
  {
    strerr_warnwusys("create a pipe for ", "scanner");
    return -1;
  }
  if (in->debug) strerr_warni("running scanner ", argv[0]);
  tain_now_g();
  start = STAMP;
  if (dl) deadline = *dl;
  else tain_addsec_g(&deadline, QSCANQ_SCANTIMEOUT);
  pid = fork();
  if (pid < 0)
  {
    strerr_warnwusys("fork for ", "scanner");
    fd_close(p[0]);
    fd_close(p[1]);
    return -1;
  }
  if (!pid) child(path, argv, in->msgfd, p[1], tmpdir, self);
  fd_close(p[1]);
  r->ran = 1;
  pidfd = pidfd_open(pid, 0);
  if (pidfd < 0)
  {
    strerr_warnwusys("watch ", "scanner");
    r->timedout = 1;
  }
  ndelay_on(p[0]);
  while (pidfd >= 0)
  {
    iopause_fd x[3] = { { .fd = pidfd, .events = IOPAUSE_READ }, { .fd = piped ? p[0] : -1, .events = IOPAUSE_READ }, { .fd = in->parentfd, .events = IOPAUSE_READ } };
    int n = iopause_g(x, in->parentfd >= 0 ? 3 : 2, &deadline);
    if (n < 0)
    {
      if (errno == EINTR) continue;
      strerr_warnwusys("wait for ", "scanner");
      r->timedout = 1;
      break;
    }
    if (!n)
    {
      strerr_warnw("scanner timed out: ", argv[0]);
      r->timedout = 1;
      break;
    }
    /* A scanner that closed its end would make the pipe ready forever. */
    if (x[1].revents) piped = readreport(in, p[0], r);
    if (in->parentfd >= 0 && x[2].revents)
    {
      strerr_warnw("qscanq is gone: stopping the scanner");
      r->parentgone = 1;
      break;
    }
    if (x[0].revents) break;
  }
  /* The scanner is a zombie or is killed now, so its pid (its session's
     and group's id) cannot have been reused yet. */
  kill(-pid, SIGKILL);
  kill(pid, SIGKILL);
  while (waitpid(pid, &r->wstat, 0) < 0)
    if (errno != EINTR)
    {
      strerr_warnwusys("wait for ", "scanner");
      r->timedout = 1;
      break;
    }
  if (qscanq_killchildren(KILLMS) < 0)
  {
    strerr_warnwusys("kill what the scanner left running", "");
    r->leftover = 1;
  }
  /* Every writer is dead: the rest of the report, then EOF. */
  readreport(in, p[0], r);
  r->report[r->replen] = 0;
  fd_close(p[0]);
  if (pidfd >= 0) fd_close(pidfd);
  tain_now_g();
  r->ms = since(&start);
  return 0;
}

/* (d) for a list entry "qscanq-clamd ...": the suite's own clamd client
   in process, one fork and one exec fewer. It behaves as the program
   would: the same options (a usage error is its exit 2), the same
   deadlines (each server's, within the scan timeout), the same reply
   grammar and peer rule, its diagnostics under its name, its report and
   its exit code in *r. It runs with our ids, effective qscand as the
   program's would be, on msg read-only. The forms that are not a scan
   of descriptor 0 (-P, a file operand) run the program: 0 then, 1 when
   it ran here. qscanq's death kills us meanwhile: nothing of ours is
   left to kill first. */
static int runclamd(char const *const *argv, struct qscanq_scanin const *in, struct qscanq_scanrun *r)
{
  struct qscanq_clamd c;
  char const *prog = PROG, *why;
  int argc = 0, code;
  tain start, deadline;
  while (argv[argc]) argc++;
  memset(r, 0, sizeof *r);
  r->name = argv[0];
  PROG = "qscanq-clamd";
  if (qscanq_clamd_options(&c, argc, argv, &why) < 0)
  {
    if (why) strerr_warn(PROG, ": fatal: ", why);
    else strerr_warn(PROG, ": usage: ", QSCANQ_CLAMD_USAGE);
    code = VERDICT_FAIL;
    goto done;
  }
  if (c.ping || c.file)
  {
    PROG = prog;
    return 0;
  }
  if (in->debug) strerr_warni("running scanner ", argv[0], " in process");
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
  {
    PROG = prog;
    strerr_warnwusys("set the process controls", "");
    code = VERDICT_FAIL;
    goto done;
  }
  tain_now_g();
  start = STAMP;
  tain_addsec_g(&deadline, QSCANQ_SCANTIMEOUT);
  {
    char rep[QSCANQ_CLAMD_REPORTMAX];
    size_t len;
    code = qscanq_clamd_scan(&c, in->msgfd, (unsigned int)getpid(), &deadline, rep, &len);
    /* What the pipe would have kept of it. */
    r->replen = len > QSCANQ_REPORTMAX ? QSCANQ_REPORTMAX : len;
    memcpy(r->report, rep, r->replen);
  }
  if (code == VERDICT_FAIL) strerr_warn(PROG, ": fatal: ", QSCANQ_CLAMD_NOANSWER(&c));
  PROG = prog; /* what follows is ours */
  inproc_time(r, argv[0], &start, &deadline);
  if (prctl(PR_SET_PDEATHSIG, 0) < 0)
  {
    strerr_warnwusys("set the process controls", "");
    r->timedout = 1;
  }
done:
  PROG = prog;
  return inproc_done(r, code);
}

static int attachname(char const *name, size_t len, void *ctx)
{
  return qscanq_judge(ctx, "attachment: ", name, len, 0);
}

/* qscanq_mimenames_fd, in memory we have already: the walk's state in
   the scratch block (a malloc of it would not fit under softlimit -m
   2000000 with the rest of qscanq-stdin), the reads in the caller's
   buffer. */
static int walk(struct qscanq_scanin const *in, struct qscanq_judge *st, unsigned int *flags)
{
  struct qscanq_mime *w = qscanq_mime_init(qscanq_scratch, sizeof qscanq_scratch, &attachname, st);
  int heap = 0, r;
  if (!w)
  {
    /* Grown past the block: the heap, as the program does. */
    w = qscanq_mime_new(&attachname, st);
    if (!w) return -1;
    heap = 1;
  }
  r = qscanq_mime_readfd(w, in->msgfd, in->buf, in->n);
  *flags = qscanq_mime_flags(w);
  if (heap) qscanq_mime_free(w);
  return r;
}

/* (d) for a list entry "qscanq-attach ...": its MIME walk and judging
   in process, one fork and one exec fewer for most messages. It behaves
   as the program would: the same options (a usage error or an unreadable
   or malformed policy is its exit 2), the same walk in fixed memory, the
   same report line, diagnostics under its name, its exit code in *r.
   When a part may hold further names, the program would execute its
   archive pass: that runs here as a scanner process, as any other, with
   the entry's arguments, within what is left of the scan timeout. The
   compatibility form (a scanner to chain-load after the options) runs
   the program: 0 then; 1 when it ran here; -1 if the archive pass could
   not be started. */
static int runattach(char const *const *argv, struct qscanq_scanin const *in, char const *tmpdir, struct qscanq_scanrun *r)
{
  struct qscanq_judge st = QSCANQ_JUDGE_ZERO;
  char const *prog = PROG, *why = 0;
  unsigned int flags = QSCANQ_MIME_CONTAINER;
  int argc = 0, ind, code = VERDICT_FAIL, m;
  tain start, deadline;
  while (argv[argc]) argc++;
  memset(r, 0, sizeof *r);
  r->name = argv[0];
  tain_now_g();
  start = STAMP;
  tain_addsec_g(&deadline, QSCANQ_SCANTIMEOUT);
  PROG = "qscanq-attach";
  st.debug = in->debug;
  ind = qscanq_judge_parse(&st, argc, argv, QSCANQ_ATTACH_USAGE);
  if (ind < 0) goto done;
  if (argv[ind])
  {
    qscanq_policy_free(&st.pol);
    PROG = prog;
    return 0;
  }
  if (in->debug) strerr_warn(prog, ": info: running scanner ", argv[0], " in process");
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
  {
    PROG = prog;
    strerr_warnwusys("set the process controls", "");
    goto done;
  }
  if (lseek(in->msgfd, 0, SEEK_SET) < 0)
  {
    strerr_warn(PROG, ": fatal: unable to rewind the message: ", strerror(errno));
    goto reset;
  }
  m = walk(in, &st, &flags);
  if (m < 0 && errno == EMSGSIZE) why = "a MIME header or boundary of the message is too long to judge";
  else if (m < 0 && errno == ELOOP) why = "the message nests multiparts too deeply to judge";
  else if (m < 0) strerr_warn(PROG, ": fatal: unable to read the MIME structure of the message: ", strerror(errno));
  else if (m > 0)
  {
    r->replen = qscanq_judge_reportfmt(&st, r->report);
    code = VERDICT_BANNED;
  }
  else if (flags & QSCANQ_MIME_BLANKS)
    why = "a MIME header of the message has a run of blanks that hides its part from libclamav: refusing to judge it";
  else code = VERDICT_CLEAN;
  if (why) strerr_warn(PROG, ": fatal: ", why);
  if (code == VERDICT_CLEAN && in->debug)
  {
    if (flags & QSCANQ_MIME_CONTAINER) strerr_warni("a part may hold further names: running ", ATTACHARCHIVES);
    else strerr_warni("no part holds further names: no archive pass");
  }
reset:
  PROG = prog; /* what follows is ours */
  if (prctl(PR_SET_PDEATHSIG, 0) < 0)
  {
    strerr_warnwusys("set the process controls", "");
    r->timedout = 1;
  }
  if (code == VERDICT_CLEAN && (flags & QSCANQ_MIME_CONTAINER) && !r->timedout)
  {
    unsigned int ms;
    qscanq_policy_free(&st.pol);
    tain_now_g();
    ms = since(&start);
    if (runone(ATTACHARCHIVES, argv, in, tmpdir, &deadline, r) < 0) return -1;
    r->ms += ms;
    return 1;
  }
  inproc_time(r, argv[0], &start, &deadline);
done:
  PROG = prog;
  qscanq_policy_free(&st.pol);
  return inproc_done(r, code);
}

static enum qscanq_verdict judge(struct qscanq_scanrun const *r)
{
  char fmt[UINT_FMT];
  if (r->timedout || r->parentgone || r->leftover) return VERDICT_FAIL;
  if (WIFSIGNALED(r->wstat))
  {
    fmt[uint_fmt(fmt, (unsigned int)WTERMSIG(r->wstat))] = 0;
    strerr_warnw("scanner killed by signal ", fmt, ": ", r->name);
    return VERDICT_FAIL;
  }
  switch (WEXITSTATUS(r->wstat))
  {
    case VERDICT_CLEAN: return VERDICT_CLEAN;
    case VERDICT_VIRUS: return VERDICT_VIRUS;
    case VERDICT_BANNED: return VERDICT_BANNED;
    default:
      fmt[uint_fmt(fmt, (unsigned int)WEXITSTATUS(r->wstat))] = 0;
      strerr_warnw("scanner failed with exit code ", fmt, ": ", r->name);
      return VERDICT_FAIL;
  }
}

/* (c), (d): every scanner of the list in order; clean only if all say
   clean; the first refusal or failure decides and the rest do not run. */
void qscanq_scanlist_run(char const *cmd, struct qscanq_scanin const *in, struct qscanq_scanrun *runs, struct qscanq_outcome *o)
{
  static char list[LISTMAX + 1];
  struct qscanq_scanlist l;
  char const *why;
  char tmpdir[4096];
  size_t len = strlen(cmd);
  o->v = VERDICT_FAIL;
  o->hard = 1;
  o->ms = 0;
  o->r = 0;
  if (len > LISTMAX)
  {
    strerr_warnw("scanner list too long (at most 4096 bytes)");
    return;
  }
  memcpy(list, cmd, len + 1);
  if (qscanq_scanlist(list, &l, &why) < 0)
  {
    strerr_warnw("invalid scanner list: ", why, ": ", cmd);
    return;
  }
  if (!getcwd(tmpdir, sizeof tmpdir))
  {
    strerr_warnwusys("getcwd", "");
    return;
  }
  for (unsigned int i = 0; i < l.n; i++)
  {
    struct qscanq_scanrun *r = runs + i;
    o->v = VERDICT_FAIL;
    o->hard = 1;
    o->r = 0; /* not started: the log says scanner=none */
    int done = 0;
    if (!strcmp(l.cmd[i][0], "qscanq-clamd")) done = runclamd(l.cmd[i], in, r);
    else if (!strcmp(l.cmd[i][0], "qscanq-attach")) done = runattach(l.cmd[i], in, tmpdir, r);
    if (done < 0) return;
    if (!done && runone(0, l.cmd[i], in, tmpdir, 0, r) < 0) return;
    o->r = r;
    o->ms += r->ms;
    o->v = judge(r);
    o->hard = r->parentgone || r->leftover;
    if (o->v != VERDICT_CLEAN) return;
  }
}
