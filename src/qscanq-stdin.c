/* qscanq-stdin: saves the message, has it scanned, and hands a clean one
   to qmail-queue (or argv) as the caller. Run by qscanq only, in
   SCANDIR/@NAME/work, effective uid qscand, real uid the caller. */

#include <errno.h>
#include <alloca.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <skalibs/allreadwrite.h>
#include <skalibs/djbunix.h>
#include <skalibs/strerr.h>
#include <skalibs/tai.h>
#include <skalibs/types.h>
#include <qscanq/exitcodes.h>
#include <qscanq/qscanq.h>
#include "conf.h"

#define REPORTMAX 4096
#define MAXWORDS 64

static char buf[131072];
static int debug;

struct scan
{
  int wstat; /* as waitpid says; -1 if it never ran */
  int timedout;
  unsigned int ms;
  size_t replen;
  char report[REPORTMAX + 1];
};

/* Large reads, every read and write checked, nothing left half-done:
   a short copy never reaches the scanner, let alone qmail-queue. */
static int save(uint64_t *bytes)
{
  int fd = open("msg", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
  if (fd < 0)
  {
    strerr_warnwusys("create ", "msg");
    return QQ_WRITE;
  }
  if (fchmod(fd, 0640) < 0)
  {
    strerr_warnwusys("chmod ", "msg");
    fd_close(fd);
    return QQ_WRITE;
  }
  *bytes = 0;
  for (;;)
  {
    ssize_t r = read(0, buf, sizeof buf);
    if (r < 0)
    {
      if (errno == EINTR) continue;
      strerr_warnwusys("read ", "the message");
      fd_close(fd);
      return QQ_READ;
    }
    if (!r) break;
    if (allwrite(fd, buf, (size_t)r) < (size_t)r)
    {
      strerr_warnwusys("write ", "msg");
      fd_close(fd);
      return QQ_WRITE;
    }
    *bytes += (uint64_t)r;
  }
  if (close(fd) < 0)
  {
    strerr_warnwusys("write ", "msg");
    return QQ_WRITE;
  }
  return 0;
}

/* A refused message is refused only if the caller's writes all succeed:
   qmail-smtpd turns a failed envelope write into a temporary error, so
   read the envelope to its end, as qmail-queue would, before saying no. */
static void drain_envelope(void)
{
  int fl = fcntl(1, F_GETFL);
  tain deadline;
  if (fl < 0 || (fl & O_ACCMODE) == O_WRONLY) return;
  tain_now_g();
  tain_addsec_g(&deadline, 60);
  for (;;)
  {
    ssize_t r;
    if (qscanq_waitfd(1, POLLIN, &deadline) <= 0) return;
    r = read(1, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return;
  }
}

static void scanner_child(char const *const *argv, int msgfd, int repfd, char const *tmpdir)
{
  size_t len = strlen(tmpdir);
  char tmpenv[len + 8];
  char const *envp[] = { "PATH=" QSCANQ_BINDIR ":/usr/local/bin:/usr/bin:/bin", tmpenv, 0 };
  uid_t u = geteuid();
  gid_t g = getegid();
  memcpy(tmpenv, "TMPDIR=", 7);
  memcpy(tmpenv + 7, tmpdir, len + 1);
  /* Own process group, so that a timeout kills all it started. */
  setpgid(0, 0);
  if (fd_move(0, msgfd) < 0 || fd_move(1, repfd) < 0) _exit(111);
  qscanq_closefrom(-1);
  /* qscand through and through: the caller can neither signal nor
     trace the scanner. */
  if (setresgid(g, g, g) < 0 || setresuid(u, u, u) < 0) _exit(111);
  {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigaction(SIGPIPE, &sa, 0);
    sigaction(SIGXFSZ, &sa, 0);
  }
  execve(argv[0], (char *const *)argv, (char *const *)envp);
  strerr_warnwusys("exec scanner ", argv[0]);
  _exit(111);
}

/* Runs SCANCMD on msg; the scanner's exit code is its verdict. */
static int scan(char const *cmd, struct scan *s)
{
  size_t cmdlen = strlen(cmd);
  char words[cmdlen + 1];
  char const *argv[MAXWORDS + 1];
  char cwd[4096];
  int n, msgfd, p[2], pidfd;
  pid_t pid;
  tain start, deadline, now;
  int childdone = 0, pipedone = 0;

  s->wstat = -1;
  s->timedout = 0;
  s->replen = 0;
  s->ms = 0;
  memcpy(words, cmd, cmdlen + 1);
  n = qscanq_split(words, argv, MAXWORDS);
  if (n <= 0)
  {
    strerr_warnw("invalid scanner command line: ", cmd);
    return -1;
  }
  if (!strchr(argv[0], '/'))
  {
    size_t l = strlen(argv[0]);
    char *full = alloca(sizeof QSCANQ_BINDIR + 1 + l);
    memcpy(full, QSCANQ_BINDIR "/", sizeof QSCANQ_BINDIR);
    memcpy(full + sizeof QSCANQ_BINDIR, argv[0], l + 1);
    argv[0] = full;
  }
  if (!getcwd(cwd, sizeof cwd))
  {
    strerr_warnwusys("getcwd", "");
    return -1;
  }
  msgfd = open("msg", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (msgfd < 0)
  {
    strerr_warnwusys("open ", "msg");
    return -1;
  }
  if (pipe2(p, O_CLOEXEC) < 0)
  {
    strerr_warnwusys("pipe", "");
    fd_close(msgfd);
    return -1;
  }
  if (debug) strerr_warni("running scanner ", argv[0]);
  tain_now_g();
  start = STAMP;
  tain_addsec(&deadline, &start, QSCANQ_SCANTIMEOUT);
  pid = fork();
  if (pid < 0)
  {
    strerr_warnwusys("fork for ", "scanner");
    fd_close(msgfd);
    fd_close(p[0]);
    fd_close(p[1]);
    return -1;
  }
  if (!pid) scanner_child(argv, msgfd, p[1], cwd);
  fd_close(msgfd);
  fd_close(p[1]);
  pidfd = pidfd_open(pid, 0);
  if (pidfd < 0)
  {
    strerr_warnwusys("pidfd_open", "");
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    waitpid(pid, &s->wstat, 0);
    fd_close(p[0]);
    return -1;
  }
  ndelay_on(p[0]);

  while (!childdone)
  {
    struct pollfd x[2] = { { .fd = pidfd, .events = POLLIN }, { .fd = pipedone ? -1 : p[0], .events = POLLIN } };
    int ms, r;
    tain left;
    tain_now_g();
    now = STAMP;
    if (!tain_less(&now, &deadline))
    {
      s->timedout = 1;
      break;
    }
    tain_sub(&left, &deadline, &now);
    ms = tain_to_millisecs(&left);
    r = poll(x, 2, ms < 0 ? 1000 : ms + 1);
    if (r < 0)
    {
      if (errno == EINTR) continue;
      strerr_warnwusys("poll", "");
      s->timedout = 1;
      break;
    }
    if (x[1].revents)
    {
      for (;;)
      {
        ssize_t k = read(p[0], buf, sizeof buf);
        if (k < 0)
        {
          if (errno != EINTR && errno != EAGAIN) pipedone = 1;
          if (errno != EINTR) break;
          continue;
        }
        if (!k)
        {
          pipedone = 1;
          break;
        }
        if (s->replen < REPORTMAX)
        {
          size_t c = (size_t)k > REPORTMAX - s->replen ? REPORTMAX - s->replen : (size_t)k;
          memcpy(s->report + s->replen, buf, c);
          s->replen += c;
        }
      }
    }
    if (x[0].revents) childdone = 1;
  }
  /* Whatever is left of the scanner's group goes now: nothing of it may
     outlive the scan or keep msg open. */
  kill(-pid, SIGKILL);
  if (s->timedout) kill(pid, SIGKILL);
  while (waitpid(pid, &s->wstat, 0) < 0 && errno == EINTR)
    ;
  if (!pipedone)
  {
    ssize_t k;
    while (s->replen < REPORTMAX && (k = read(p[0], s->report + s->replen, REPORTMAX - s->replen)) > 0)
      s->replen += (size_t)k;
  }
  fd_close(p[0]);
  fd_close(pidfd);
  s->report[s->replen] = 0;
  tain_now_g();
  {
    tain d;
    tain_sub(&d, &STAMP, &start);
    s->ms = (unsigned int)tain_to_millisecs(&d);
  }
  return 0;
}

/* "PATH: NAME FOUND" on the first line names the signature. */
static void signame(char *report, char const **sig)
{
  char *nl = strchr(report, '\n');
  char *p;
  size_t len;
  *sig = 0;
  if (nl) *nl = 0;
  len = strlen(report);
  if (len < 7 || strcmp(report + len - 6, " FOUND")) return;
  report[len - 6] = 0;
  p = strstr(report, ": ");
  if (!p) return;
  p += 2;
  len = strlen(p);
  if (len > 18 && !strcmp(p + len - 18, " banned attachment")) p[len - 18] = 0;
  *sig = p;
}

static void writelog(char const *verdict, char const *sig, uint64_t bytes, struct scan const *s)
{
  char line[1024];
  size_t len = 0;
  char fmt[UINT64_FMT];
  int fd;
#define PUT(x)                      \
  do {                              \
    size_t l_ = strlen(x);          \
    if (len + l_ < sizeof line - 1) \
    {                               \
      memcpy(line + len, (x), l_);  \
      len += l_;                    \
    }                               \
  } while (0)
  PUT("verdict=");
  PUT(verdict);
  if (sig)
  {
    PUT(" sig=");
    for (char const *c = sig; *c && len < 600; c++)
      line[len++] = (*c > 0x20 && *c < 0x7f && *c != '"') ? *c : '_';
  }
  PUT(" bytes=");
  fmt[uint64_fmt(fmt, bytes)] = 0;
  PUT(fmt);
  PUT(" scan_ms=");
  fmt[uint64_fmt(fmt, s->ms)] = 0;
  PUT(fmt);
  PUT(" scanner=");
  if (s->timedout) PUT("timeout");
  else if (s->wstat < 0) PUT("none");
  else if (WIFSIGNALED(s->wstat))
  {
    PUT("signal");
    fmt[uint64_fmt(fmt, (uint64_t)WTERMSIG(s->wstat))] = 0;
    PUT(fmt);
  }
  else
  {
    fmt[uint64_fmt(fmt, (uint64_t)WEXITSTATUS(s->wstat))] = 0;
    PUT(fmt);
  }
#undef PUT
  line[len++] = '\n';
  fd = open("../log", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
  {
    strerr_warnwusys("create ", "../log");
    return;
  }
  if (allwrite(fd, line, len) < len) strerr_warnwusys("write ", "../log");
  fd_close(fd);
}

int main(int argc, char const *const *argv)
{
  struct sigaction sa, oldpipe, oldxfsz;
  struct scan s;
  uint64_t bytes = 0;
  char const *cmd = QSCANQ_SCANCMD;
  char const *sig = 0;
  char const *verdict;
  enum qscanq_verdict v;
  int r, accept = 0;
  uid_t quid = geteuid();
  PROG = "qscanq-stdin";
  debug = !!getenv("DEBUG");

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_IGN;
  /* A file size limit must be a write error (53), not a dead process. */
  sigaction(SIGXFSZ, &sa, &oldxfsz);
  sigaction(SIGPIPE, &sa, &oldpipe);

  {
    char const *x = getenv("SCANCMD");
    if (x && *x)
    {
      int t = qscanq_trusted();
      if (t < 0)
      {
        strerr_warnwusys("read ", "/etc/passwd");
        return qscanq_reply(VERDICT_FAIL, 0, QQ_TEMP);
      }
      if (t) cmd = x;
    }
  }
  {
    char const *x = getenv("QSCANQ_ONERROR");
    if (x && !strcmp(x, "accept")) accept = 1;
  }

  r = save(&bytes);
  if (r) return qscanq_reply(VERDICT_FAIL, r == QQ_READ ? "error reading the message" : "error writing the message to the spool", r);

  if (scan(cmd, &s) < 0) return qscanq_reply(VERDICT_FAIL, 0, QQ_TEMP);
  if (!s.timedout && WIFEXITED(s.wstat) && (WEXITSTATUS(s.wstat) == VERDICT_CLEAN))
  {
    v = VERDICT_CLEAN;
    verdict = "clean";
  }
  else if (!s.timedout && WIFEXITED(s.wstat) && WEXITSTATUS(s.wstat) == VERDICT_VIRUS)
  {
    v = VERDICT_VIRUS;
    verdict = "virus";
  }
  else if (!s.timedout && WIFEXITED(s.wstat) && WEXITSTATUS(s.wstat) == VERDICT_BANNED)
  {
    v = VERDICT_BANNED;
    verdict = "banned";
  }
  else
  {
    char fmt[UINT_FMT];
    v = VERDICT_FAIL;
    verdict = accept ? "fail-accepted" : "fail";
    if (s.timedout) strerr_warnw("scanner timed out: ", cmd);
    else if (WIFSIGNALED(s.wstat))
    {
      fmt[uint_fmt(fmt, (unsigned int)WTERMSIG(s.wstat))] = 0;
      strerr_warnw("scanner killed by signal ", fmt, ": ", cmd);
    }
    else
    {
      fmt[uint_fmt(fmt, (unsigned int)WEXITSTATUS(s.wstat))] = 0;
      strerr_warnw("scanner failed with exit code ", fmt, ": ", cmd);
    }
  }
  if (v == VERDICT_VIRUS || v == VERDICT_BANNED)
  {
    signame(s.report, &sig);
    if (!sig) sig = "unknown";
  }
  if (debug) strerr_warni("verdict ", verdict, sig ? ": " : "", sig ? sig : "");
  if (getenv("QSCANQ_LOG")) writelog(verdict, sig, bytes, &s);
  if (v == VERDICT_FAIL && accept)
  {
    strerr_warnw("scan failed; passing the message on because QSCANQ_ONERROR=accept");
    v = VERDICT_CLEAN;
  }
  if (v != VERDICT_CLEAN)
  {
    drain_envelope();
    return qscanq_reply(v, sig, QQ_TEMP);
  }

  /* Clean: the downstream program gets msg on fd 0 at offset 0, the
     envelope on fd 1 as we got it, and the caller's ids, for good. */
  {
    int fd = open("msg", O_RDONLY | O_NOFOLLOW);
    uid_t uid = getuid();
    gid_t gid = getgid();
    if (fd < 0)
    {
      strerr_warnwusys("open ", "msg");
      return qscanq_reply(VERDICT_FAIL, 0, QQ_TEMP);
    }
    if (fd_move(0, fd) < 0)
    {
      strerr_warnwusys("dup ", "msg");
      return qscanq_reply(VERDICT_FAIL, 0, QQ_TEMP);
    }
    if (setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
    {
      strerr_warnwusys("drop privileges", "");
      return qscanq_reply(VERDICT_FAIL, 0, QQ_TEMP);
    }
    /* Root may become anybody anyway; for everybody else, make sure. */
    if (uid && uid != quid && (setresuid(-1, quid, -1) == 0 || geteuid() != uid))
    {
      strerr_warnw("privileges could be regained: refusing to go on");
      return qscanq_reply(VERDICT_FAIL, 0, QQ_BUG);
    }
  }
  qscanq_closefrom(qscanq_replyfd());
  sigaction(SIGXFSZ, &oldxfsz, 0);
  sigaction(SIGPIPE, &oldpipe, 0);
  if (argc > 1)
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
  return qscanq_reply(VERDICT_FAIL, 0, QQ_TEMP);
}
