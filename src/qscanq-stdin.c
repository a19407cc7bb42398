/* qscanq-stdin: saves the message and its envelope, has every scanner of
   the list look at the message, logs the verdict, and hands a clean
   message to qmail-queue (or argv) as the caller. Run by qscanq only, in
   SCANDIR/@NAME/work, effective uid qscand, real uid the caller. The
   rationale of every step is in qscanq-stdin(8). */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <skalibs/allreadwrite.h>
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
#include <qscanq/quarantine.h>
#include <qscanq/scan.h>
#include "conf.h"

#define REPORTMAX 4096
#define LISTMAX 4096
#define KILLMS 10000
#define ATTACHARCHIVES QSCANQ_LIBEXEC "/qscanq-attach-archives"

static char buf[131072];
static int debug;
/* The caller's, given back to the downstream program. */
static struct sigaction oldpipe, oldxfsz;

static int after(struct timespec const *a, struct timespec const *b)
{
  return a->tv_sec > b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec > b->tv_nsec);
}

/* A file we wrote, held open read-only, as it was when we finished it. */
struct saved
{
  char const *name;
  int fd;
  struct stat st;
  uint64_t bytes;
};

/* One scanner's run. */
struct run
{
  char const *name; /* argv[0] as written in the list */
  int ran; /* 0: could not be started (fork, pipe...) */
  int wstat;
  int timedout;
  int parentgone; /* qscanq died while it ran */
  int leftover; /* a descendant could not be killed */
  unsigned int ms;
  size_t replen;
  char report[REPORTMAX + 1];
};

/* What the log line and the reply need to know. */
struct outcome
{
  enum qscanq_verdict v;
  int hard; /* a failure QSCANQ_ONERROR=accept must not pass */
  uint64_t ms;
  struct run const *r; /* the run that decided, or 0 */
  char sig[256]; /* made safe for a log word and a reply */
};

/* The log channel to qscanq: a pipe qscanq made (QSCANQ_LOGFD), -1 if
   there is none (qscanq-stdin run by hand). It must be closed before any
   reply: the caller's reply descriptor may not be open, and then the
   pipe may have its number. */
static int logfd = -1;
static void logclose(void)
{
  if (logfd >= 0) fd_close(logfd);
  logfd = -1;
}

static int fail(char const *text, int code)
{
  logclose();
  return qscanq_reply(VERDICT_FAIL, text, code);
}

/* (a), (b): fd to its end into a new file. Large reads; every read and
   write checked; a short copy is an error, never a message. */
static int save(int from, char const *name, struct saved *s, struct qscanq_envinfo *env)
{
  int fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
  s->name = name;
  s->fd = -1;
  s->bytes = 0;
  if (fd < 0 || fchmod(fd, 0640) < 0)
  {
    strerr_warnwusys("create ", name);
    if (fd >= 0) fd_close(fd);
    return QQ_WRITE;
  }
  for (;;)
  {
    size_t r;
    int e;
    errno = 0;
    r = allread(from, buf, sizeof buf);
    e = errno; /* 0 at the end of the input */
    if (env) qscanq_envinfo(env, buf, r);
    if (r && allwrite(fd, buf, r) < r)
    {
      strerr_warnwusys("write ", name);
      fd_close(fd);
      return QQ_WRITE;
    }
    s->bytes += r;
    if (r == sizeof buf) continue;
    if (!e) break;
    if (e == EAGAIN)
    {
      /* A caller's non-blocking pipe: wait, as a blocking read would. */
      iopause_fd x = { .fd = from, .events = IOPAUSE_READ };
      if (iopause_g(&x, 1, 0) >= 0 || errno == EINTR) continue;
    }
    errno = e;
    strerr_warnwusys("read ", from ? "the envelope" : "the message");
    fd_close(fd);
    return QQ_READ;
  }
  if (fstat(fd, &s->st) < 0)
  {
    strerr_warnwusys("stat ", name);
    fd_close(fd);
    return QQ_WRITE;
  }
  if (close(fd) < 0)
  {
    strerr_warnwusys("write ", name);
    return QQ_WRITE;
  }
  s->fd = open(name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (s->fd < 0)
  {
    strerr_warnwusys("open ", name);
    return QQ_WRITE;
  }
  return 0;
}

/* Until the clock file times come from has moved past ctime: a change a
   scanner makes later then shows in ctime even on a coarse clock. Bounded,
   for a clock that was set back. */
static void tick_past(struct timespec const *t)
{
  for (int i = 0; i < 250; i++)
  {
    struct timespec now, ms = { 0, 200000 };
    if (clock_gettime(CLOCK_REALTIME_COARSE, &now) < 0) return;
    if (after(&now, t)) return;
    nanosleep(&ms, 0);
  }
}

/* A change to msg or env after this must show in their ctime. On a
   coarse clock that needs the clock to move past the ctime we keep, a
   wait of up to a tick (1 to 4 ms). A file system with multigrain
   timestamps (Linux 6.13 on) gives a fine-grained ctime, later than any
   handed out before, to the first change after a stat: there no wait
   is needed. Probe which one we have on msg itself: change it (the same
   mode again) right after our fstat. A ctime that moved while the coarse
   clock has not reached the old one can only be fine-grained; then env,
   in the same directory and stat'ed too, is on the same file system. */
static int settle(struct saved *msg, struct saved const *env)
{
  struct timespec now;
  struct stat st;
  if (clock_gettime(CLOCK_REALTIME_COARSE, &now) < 0) now.tv_sec = now.tv_nsec = 0;
  if (after(&now, &msg->st.st_ctim) && after(&now, &env->st.st_ctim)) return 0;
  if (fchmod(msg->fd, 0640) < 0 || fstat(msg->fd, &st) < 0)
  {
    strerr_warnwusys("stat ", msg->name);
    return -1;
  }
  if (clock_gettime(CLOCK_REALTIME_COARSE, &now) < 0) now.tv_sec = now.tv_nsec = 0;
  if (!after(&now, &msg->st.st_ctim) && after(&st.st_ctim, &msg->st.st_ctim))
  {
    msg->st = st;
    if (debug) strerr_warni("fine-grained ctime: no wait for the clock");
    return 0;
  }
  msg->st = st;
  tick_past(after(&st.st_ctim, &env->st.st_ctim) ? &st.st_ctim : &env->st.st_ctim);
  return 0;
}

static int sametime(struct timespec const *a, struct timespec const *b) { return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec; }

/* The very file we wrote, as we wrote it: same inode, still under its
   name, same size, mtime and ctime. */
static int unchanged(struct saved const *s)
{
  struct stat a, b;
  int ok;
  if (fstat(s->fd, &a) < 0 || lstat(s->name, &b) < 0)
  {
    strerr_warnwusys("stat ", s->name);
    return 0;
  }
  ok = a.st_dev == s->st.st_dev && a.st_ino == s->st.st_ino && b.st_dev == a.st_dev && b.st_ino == a.st_ino;
  ok = ok && a.st_size == s->st.st_size && sametime(&a.st_mtim, &s->st.st_mtim) && sametime(&a.st_ctim, &s->st.st_ctim);
  if (!ok)
  {
    strerr_warnw(s->name, " changed after it was saved (by a scanner?): refusing to pass it on");
    return 0;
  }
  return 1;
}

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

/* What the pipe holds now; 0 at its end (or on an error), else 1. */
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
static void inproc_time(struct run *r, char const *name, tain const *start, tain const *deadline)
{
  tain_now_g();
  if (!tain_future(deadline))
  {
    strerr_warnw("scanner timed out: ", name);
    r->timedout = 1;
  }
  r->ms = since(start);
}

static int inproc_done(struct run *r, int code)
{
  r->ran = 1;
  r->wstat = (code & 0xff) << 8;
  r->report[r->replen] = 0;
  return 1;
}

static int readreport(int fd, struct run *r)
{
  for (;;)
  {
    ssize_t k = read(fd, buf, sizeof buf);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0 && errno == EAGAIN) return 1;
    if (k <= 0) return 0;
    if (r->replen < REPORTMAX)
    {
      size_t c = (size_t)k > REPORTMAX - r->replen ? REPORTMAX - r->replen : (size_t)k;
      memcpy(r->report + r->replen, buf, c);
      r->replen += c;
    }
  }
}

/* (d) for one scanner: run it, wait for its exit, the deadline or
   qscanq's death, then kill whatever it left. -1 if it could not run.
   path: the program to execute, when it is not argv[0] (else 0); dl:
   the deadline, when part of the scan ran already (else 0: now plus
   the scan timeout). */
static int runone(char const *path, char const *const *argv, struct saved const *msg, char const *tmpdir, int parentfd,
    tain const *dl, struct run *r)
{
  int p[2], pidfd, piped = 1;
  pid_t pid, self = getpid();
  tain start, deadline;
  memset(r, 0, sizeof *r);
  r->name = argv[0];
  if (lseek(msg->fd, 0, SEEK_SET) < 0)
  {
    strerr_warnwusys("rewind ", msg->name);
    return -1;
  }
  if (pipe2(p, O_CLOEXEC) < 0)
  {
    strerr_warnwusys("create a pipe for ", "scanner");
    return -1;
  }
  if (debug) strerr_warni("running scanner ", argv[0]);
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
  if (!pid) child(path, argv, msg->fd, p[1], tmpdir, self);
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
    iopause_fd x[3] = { { .fd = pidfd, .events = IOPAUSE_READ }, { .fd = piped ? p[0] : -1, .events = IOPAUSE_READ }, { .fd = parentfd, .events = IOPAUSE_READ } };
    int n = iopause_g(x, parentfd >= 0 ? 3 : 2, &deadline);
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
    if (x[1].revents) piped = readreport(p[0], r);
    if (parentfd >= 0 && x[2].revents)
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
  readreport(p[0], r);
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
static int runclamd(char const *const *argv, struct saved const *msg, struct run *r)
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
  if (debug) strerr_warni("running scanner ", argv[0], " in process");
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
    code = qscanq_clamd_scan(&c, msg->fd, (unsigned int)getpid(), &deadline, rep, &len);
    /* What the pipe would have kept of it. */
    r->replen = len > REPORTMAX ? REPORTMAX : len;
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
   2000000 with the rest of us), the reads in buf. */
static int walk(int fd, struct qscanq_judge *st, unsigned int *flags)
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
  r = qscanq_mime_readfd(w, fd, buf, sizeof buf);
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
static int runattach(char const *const *argv, struct saved const *msg, char const *tmpdir, int parentfd, struct run *r)
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
  st.debug = debug;
  ind = qscanq_judge_parse(&st, argc, argv, QSCANQ_ATTACH_USAGE);
  if (ind < 0) goto done;
  if (argv[ind])
  {
    qscanq_policy_free(&st.pol);
    PROG = prog;
    return 0;
  }
  if (debug) strerr_warn(prog, ": info: running scanner ", argv[0], " in process");
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
  {
    PROG = prog;
    strerr_warnwusys("set the process controls", "");
    goto done;
  }
  if (lseek(msg->fd, 0, SEEK_SET) < 0)
  {
    strerr_warn(PROG, ": fatal: unable to rewind the message: ", strerror(errno));
    goto reset;
  }
  m = walk(msg->fd, &st, &flags);
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
  if (code == VERDICT_CLEAN && debug)
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
    if (runone(ATTACHARCHIVES, argv, msg, tmpdir, parentfd, &deadline, r) < 0) return -1;
    r->ms += ms;
    return 1;
  }
  inproc_time(r, argv[0], &start, &deadline);
done:
  PROG = prog;
  qscanq_policy_free(&st.pol);
  return inproc_done(r, code);
}

static enum qscanq_verdict judge(struct run const *r)
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
static void scanall(char const *cmd, struct saved const *msg, int parentfd, struct run *runs, struct outcome *o)
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
    struct run *r = runs + i;
    o->v = VERDICT_FAIL;
    o->hard = 1;
    o->r = 0; /* not started: the log says scanner=none */
    int done = 0;
    if (!strcmp(l.cmd[i][0], "qscanq-clamd")) done = runclamd(l.cmd[i], msg, r);
    else if (!strcmp(l.cmd[i][0], "qscanq-attach")) done = runattach(l.cmd[i], msg, tmpdir, parentfd, r);
    if (done < 0) return;
    if (!done && runone(0, l.cmd[i], msg, tmpdir, parentfd, 0, r) < 0) return;
    o->r = r;
    o->ms += r->ms;
    o->v = judge(r);
    o->hard = r->parentgone || r->leftover;
    if (o->v != VERDICT_CLEAN) return;
  }
}

/* (e): the signature a refusal names, safe for the log and the reply. */
static void signature(struct outcome *o)
{
  size_t off, n;
  o->sig[0] = 0;
  if (o->v != VERDICT_VIRUS && o->v != VERDICT_BANNED) return;
  if (o->r && qscanq_signame(o->r->report, o->r->replen, &off, &n)) qscanq_logsafe_ends(o->sig, 128, o->r->report + off, n);
  else memcpy(o->sig, "unknown", 8);
}

/* (f): one line of key=value for qscanq; values from outside go through
   qscanq_logsafe. Everything but verdict= goes into rest. */
static void logfields(char *rest, size_t max, struct outcome const *o, struct saved const *msg, struct qscanq_envinfo const *env)
{
  size_t len = 0;
  char fmt[UINT64_FMT];
  char safe[200];
#define PUT(x, n)                  \
  do {                             \
    size_t l_ = (n);               \
    if (len + l_ < max)            \
    {                              \
      memcpy(rest + len, (x), l_); \
      len += l_;                   \
    }                              \
  } while (0)
#define PUTS(x) PUT((x), strlen(x))
  if (o->sig[0])
  {
    PUTS(" sig=");
    if (o->v == VERDICT_BANNED) PUTS("banned:");
    PUTS(o->sig);
  }
  {
    char const *ip = getenv("TCPREMOTEIP");
    if (ip && *ip)
    {
      PUTS(" ip=");
      PUT(safe, qscanq_logsafe(safe, 64, ip, strlen(ip)));
    }
  }
  if (env->state >= 2 && env->state <= 4)
  {
    PUTS(" from=<");
    PUT(safe, qscanq_logsafe(safe, 128, env->from, env->fromlen));
    PUTS(">");
  }
  PUTS(" rcpts=");
  PUT(fmt, uint64_fmt(fmt, env->rcpts));
  if (msg->fd >= 0)
  {
    ssize_t r = pread(msg->fd, buf, 65536, 0);
    size_t off, n;
    if (r > 0 && qscanq_msgid(buf, (size_t)r, &off, &n))
    {
      PUTS(" msgid=");
      PUT(safe, qscanq_logsafe(safe, 128, buf + off, n));
    }
  }
  PUTS(" bytes=");
  PUT(fmt, uint64_fmt(fmt, msg->bytes));
  PUTS(" scan_ms=");
  PUT(fmt, uint64_fmt(fmt, o->ms));
  PUTS(" scanner=");
  if (!o->r) PUTS("none");
  else
  {
    char const *b = strrchr(o->r->name, '/');
    b = b ? b + 1 : o->r->name;
    PUT(safe, qscanq_logsafe(safe, 64, b, strlen(b)));
    PUTS(" scanexit=");
    if (o->r->parentgone) PUTS("parentgone");
    else if (o->r->timedout) PUTS("timeout");
    else if (o->r->leftover) PUTS("leftover");
    else if (WIFSIGNALED(o->r->wstat))
    {
      PUTS("signal");
      PUT(fmt, uint64_fmt(fmt, (uint64_t)WTERMSIG(o->r->wstat)));
    }
    else PUT(fmt, uint64_fmt(fmt, (uint64_t)WEXITSTATUS(o->r->wstat)));
  }
#undef PUTS
#undef PUT
  rest[len] = 0;
}

/* One line to qscanq, which logs the last line it got (QSCANQ_LOG) and
   tells from it whether a signal killed us or the downstream program. A
   pipe, not a file: no inode per message in the spool. */
static int logput(char const *verdict, char const *rest)
{
  size_t vl = strlen(verdict), rl = strlen(rest);
  char line[vl + rl + 10];
  if (logfd < 0) return 0;
  memcpy(line, "verdict=", 8);
  memcpy(line + 8, verdict, vl);
  memcpy(line + 8 + vl, rest, rl);
  line[8 + vl + rl] = '\n';
  if (allwrite(logfd, line, 9 + vl + rl) < 9 + vl + rl)
  {
    strerr_warnwusys("write ", "the log line");
    return -1;
  }
  return 0;
}

/* Refusals and failures: the line, then the reply. */
static int refuse(enum qscanq_verdict v, char const *verdict, char const *rest, char const *what, int code)
{
  logput(verdict, rest);
  logclose();
  return qscanq_reply(v, what, code);
}

/* Is qscanq still there? It holds an exclusive lock on the message
   directory (our "..") for as long as it lives, and nothing else does:
   if we can take it, qscanq is gone. Unlike getppid(), this holds even
   when qscanq died before our first instruction, and whatever reaper
   we were given to. A failure to ask counts as gone. */
static int dirfd_up = -1;
static int qscanq_alive(void)
{
  if (dirfd_up < 0) return 0;
  if (flock(dirfd_up, LOCK_EX | LOCK_NB) == 0) return 0;
  return errno == EWOULDBLOCK;
}

/* (e2): a refused message kept for the postmaster when a quarantine is
   set: qscanq-quarantine(8). It never changes the verdict or the reply:
   a quarantine that fails is logged, and the message refused anyway. */
static void quarantine(struct outcome const *o, char const *verdict, struct saved *msg, struct saved *env, char *rest, size_t max)
{
  char const *dir = QSCANQ_QUARANTINE, *x, *why = "", *id = "";
  char cwd[4096], *slash;
  int t = -1, failed = 0;
  x = getenv("QSCANQ_QUARANTINE");
  if (x && (t = qscanq_trusted()) > 0) dir = x;
  if (!*dir) return;
  if (o->v == VERDICT_FAIL)
  {
    /* A failure whose caller is gone will be sent again: not kept. */
    x = getenv("QSCANQ_QUARANTINE_FAILED");
    if (!x || strcmp(x, "1") || !o->r || o->r->parentgone) return;
    if (t < 0) t = qscanq_trusted();
    if (t <= 0) return;
  }
  if (*dir != '/')
  {
    /* Relative to the work directory, which cleanq removes. */
    why = "use a relative path as the quarantine";
    errno = 0;
    failed = 1;
  }
  else if (!unchanged(msg) || !unchanged(env))
  {
    why = "find the message as it was saved";
    errno = 0;
    failed = 1;
  }
  else if (!getcwd(cwd, sizeof cwd) || !(slash = strrchr(cwd, '/')) || slash == cwd)
  {
    why = "find the name of the working directory";
    failed = 1;
  }
  else
  {
    struct qscanq_qentry e = { msg->fd, env->fd, verdict, o->sig, "" };
    char safe[64];
    if (o->r)
    {
      char const *b = strrchr(o->r->name, '/');
      b = b ? b + 1 : o->r->name;
      qscanq_logsafe(safe, sizeof safe, b, strlen(b));
      e.scanner = safe;
    }
    /* The entry is named after the spool directory, @NAME/work: the
       log line's name finds the entry. */
    *slash = 0;
    slash = strrchr(cwd, '/');
    id = slash ? slash + 1 : cwd;
    if (*id == '@') id++;
    failed = qscanq_quarantine(dir, id, &e, &why) < 0;
  }
  {
    size_t len = strlen(rest);
    char const *add = failed ? " quarantine=failed" : " quarantine=";
    size_t al = strlen(add), il = failed ? 0 : strlen(id);
    if (len + al + il < max)
    {
      memcpy(rest + len, add, al);
      memcpy(rest + len + al, id, il);
      rest[len + al + il] = 0;
    }
  }
  if (!failed) return;
  if (errno) strerr_warnwusys("quarantine the refused message (it is refused anyway): ", why, " in ", dir);
  else strerr_warnw("unable to quarantine the refused message (it is refused anyway): ", why, " in ", dir);
}

/* (g): the caller's ids for good, msg on fd 0, env on fd 1, exec. */
static int handover(char const *const *argv, struct saved *msg, struct saved *env, pid_t ppid, char const *verdict, char const *rest)
{
  uid_t uid = getuid(), quid = geteuid();
  gid_t gid = getgid(), qgid = getegid();
  if (!unchanged(msg) || !unchanged(env)) return refuse(VERDICT_FAIL, "fail", rest, 0, QQ_TEMP);
  if (lseek(msg->fd, 0, SEEK_SET) < 0 || lseek(env->fd, 0, SEEK_SET) < 0 || fd_move(0, msg->fd) < 0 || fd_move(1, env->fd) < 0)
  {
    strerr_warnwusys("put msg and env on descriptors 0 and 1", "");
    return refuse(VERDICT_FAIL, "fail", rest, 0, QQ_TEMP);
  }
  /* The log pipe stays, close-on-exec: the line goes after the last
     check. */
  qscanq_closefrom(qscanq_replyfd(), logfd);
  /* The directory again, for the last look at qscanq's lock (closefrom
     took the first one): opened while we are qscand, close-on-exec. */
  dirfd_up = open("..", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
  {
    strerr_warnwusys("drop privileges", "");
    return refuse(VERDICT_FAIL, "fail", rest, 0, QQ_TEMP);
  }
  /* Root may become anybody anyway; for everybody else, make sure. */
  if ((uid && uid != quid && (setresuid(-1, quid, -1) == 0 || geteuid() != uid)) || (uid && gid != qgid && (setresgid(-1, qgid, -1) == 0 || getegid() != gid)))
  {
    strerr_warnw("privileges could be regained: refusing to go on");
    return refuse(VERDICT_FAIL, "fail", rest, 0, QQ_BUG);
  }
  /* The id change cleared it. If qscanq is gone, its caller saw a failure
     and will send the message again: passing it on would duplicate it. */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != ppid || !qscanq_alive())
  {
    strerr_warnw("qscanq is gone: not passing the message on");
    return refuse(VERDICT_FAIL, "fail", rest, 0, QQ_TEMP);
  }
  if (logput(verdict, rest) < 0) return fail(0, QQ_TEMP);
  sigaction(SIGPIPE, &oldpipe, 0);
  sigaction(SIGXFSZ, &oldxfsz, 0);
  if (argv[1])
  {
    execvp(argv[1], (char *const *)argv + 1);
    strerr_warnwusys("exec ", argv[1]);
  }
  else
  {
    char const *qq[] = { QSCANQ_QMAILQUEUE, 0 };
    execv(qq[0], (char *const *)qq);
    strerr_warnwusys("exec ", qq[0]);
  }
  /* The last line counts: this one says the message did not go. */
  return refuse(VERDICT_FAIL, "fail", rest, 0, QQ_TEMP);
}

/* Signals, process controls, and our parent, qscanq: its pid, 0 if it
   is gone or a control cannot be set. A caller's SIGCHLD set to be
   ignored would make the scanner's status unreadable; a caller's
   blocked signals are no business of ours; a file size limit must be a
   write error (53), not a dead process. We die with qscanq while
   nothing of ours runs; while a scanner runs, *parentfd watches qscanq
   instead, so that what the scanner started is killed first. */
static pid_t start(int *parentfd)
{
  struct sigaction sa;
  pid_t ppid = getppid();
  char const *x = getenv("QSCANQ_LOGFD");
  if (x)
  {
    /* qscanq's, not the caller's (qscanq sets it): never passed on. */
    unsigned int fd;
    if (uint0_scan(x, &fd) && fd > 2 && fd < 1024 && fcntl((int)fd, F_SETFD, FD_CLOEXEC) == 0) logfd = (int)fd;
    else strerr_warnw("no log line: QSCANQ_LOGFD=", x, " is not an open descriptor above 2");
    if (unsetenv("QSCANQ_LOGFD") < 0)
    {
      strerr_warnwusys("clean up ", "the environment");
      return 0;
    }
  }
  sig_restore(SIGCHLD);
  sig_blocknone();
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_IGN;
  sigaction(SIGXFSZ, &sa, &oldxfsz);
  sigaction(SIGPIPE, &sa, &oldpipe);
  tain_now_set_stopwatch_g();
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
  {
    strerr_warnwusys("set the process controls", "");
    return 0;
  }
  *parentfd = pidfd_open(ppid, 0);
  dirfd_up = open("..", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (ppid == 1 || getppid() != ppid || !qscanq_alive())
  {
    strerr_warnw("qscanq is gone: not going on");
    return 0;
  }
  if (*parentfd < 0) strerr_warnwusys("watch ", "qscanq");
  return ppid;
}

int main(int argc, char const *const *argv)
{
  static struct run runs[QSCANQ_SCANLIST_MAXCMDS];
  static struct outcome o;
  static char rest[1000]; /* with verdict= and a newline, under 1024 */
  struct saved msg = { "msg", -1, { 0 }, 0 }, env = { "env", -1, { 0 }, 0 };
  struct qscanq_envinfo envinfo = QSCANQ_ENVINFO_ZERO;
  char const *cmd = QSCANQ_SCANCMD;
  char const *verdict;
  int accept = 0, parentfd = -1, r;
  pid_t ppid;
  PROG = "qscanq-stdin";
  qscanq_version(argc, argv);
  debug = !!getenv("DEBUG");

  ppid = start(&parentfd);
  if (!ppid) return fail(0, QQ_TEMP);

  {
    char const *x = getenv("SCANCMD");
    if (x && *x)
    {
      int t = qscanq_trusted();
      if (t < 0)
      {
        strerr_warnwusys("read ", "/etc/passwd");
        return fail(0, QQ_TEMP);
      }
      if (t) cmd = x;
    }
  }
  {
    char const *x = getenv("QSCANQ_ONERROR");
    if (x && !strcmp(x, "accept")) accept = 1;
  }

  o.v = VERDICT_FAIL;
  o.hard = 1;
  r = save(0, "msg", &msg, 0);
  if (!r) r = save(1, "env", &env, &envinfo);
  if (r)
  {
    logfields(rest, 1000, &o, &msg, &envinfo);
    return refuse(VERDICT_FAIL, "fail", rest, r == QQ_READ ? "error reading the message" : "error writing the message to the spool", r);
  }
  if (settle(&msg, &env) < 0)
  {
    logfields(rest, 1000, &o, &msg, &envinfo);
    return refuse(VERDICT_FAIL, "fail", rest, 0, QQ_WRITE);
  }

  if (prctl(PR_SET_PDEATHSIG, 0) < 0)
  {
    strerr_warnwusys("set the process controls", "");
    return fail(0, QQ_TEMP);
  }
  scanall(cmd, &msg, parentfd, runs, &o);
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != ppid || !qscanq_alive())
  {
    strerr_warnw("qscanq is gone: not going on");
    o.v = VERDICT_FAIL;
    o.hard = 1;
  }
  if (parentfd >= 0) fd_close(parentfd);
  signature(&o);
  logfields(rest, 1000, &o, &msg, &envinfo);
  switch (o.v)
  {
    case VERDICT_CLEAN: verdict = "clean"; break;
    case VERDICT_VIRUS: verdict = "virus"; break;
    case VERDICT_BANNED: verdict = "banned"; break;
    default: verdict = accept && !o.hard ? "fail-accepted" : "fail"; break;
  }
  if (debug) strerr_warni("verdict ", verdict, o.sig[0] ? ": " : "", o.sig);
  if (o.v == VERDICT_FAIL && accept && !o.hard)
  {
    strerr_warnw("scan failed; passing the message on because QSCANQ_ONERROR=accept");
    o.v = VERDICT_CLEAN;
  }
  if (o.v != VERDICT_CLEAN)
  {
    quarantine(&o, verdict, &msg, &env, rest, 1000);
    return refuse(o.v, verdict, rest, o.sig[0] ? o.sig : 0, QQ_TEMP);
  }
  return handover(argv, &msg, &env, ppid, verdict, rest);
}
