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
#include <sys/stat.h>
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
#include <qscanq/exitcodes.h>
#include <qscanq/qscanq.h>
#include <qscanq/quarantine.h>
#include <qscanq/scan.h>
#include "conf.h"

/* Read scratch: the saved files, the Message-ID, and lent to the scan
   (one block for the process: memory is tight under softlimit). */
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

/* (c), (d): every scanner of the list over msg, buf lent. */
static void scanall(char const *cmd, struct saved const *msg, int parentfd, struct qscanq_scanrun *runs, struct qscanq_outcome *o)
{
  struct qscanq_scanin in = { msg->fd, parentfd, buf, sizeof buf, debug };
  qscanq_scanlist_run(cmd, &in, runs, o);
}

/* (e): the signature a refusal names, safe for the log and the reply. */
static void signature(struct qscanq_outcome *o)
{
  size_t off, n;
  o->sig[0] = 0;
  if (o->v != VERDICT_VIRUS && o->v != VERDICT_BANNED) return;
  if (o->r && qscanq_signame(o->r->report, o->r->replen, &off, &n)) qscanq_logsafe_ends(o->sig, 128, o->r->report + off, n);
  else memcpy(o->sig, "unknown", 8);
}

/* (f): one line of key=value for qscanq; values from outside go through
   qscanq_logsafe. Everything but verdict= goes into rest. */
static void logfields(char *rest, size_t max, struct qscanq_outcome const *o, struct saved const *msg, struct qscanq_envinfo const *env)
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
static void quarantine(struct qscanq_outcome const *o, char const *verdict, struct saved *msg, struct saved *env, char *rest, size_t max)
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
  static struct qscanq_scanrun runs[QSCANQ_SCANLIST_MAXCMDS];
  static struct qscanq_outcome o;
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
