/* qscanq: the setuid (qscand) front end. Makes the message directory,
   runs qscanq-stdin in it, marks it finished, starts a cleanq pass.
   The rationale is in qscanq(8). */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <skalibs/allreadwrite.h>
#include <skalibs/djbunix.h>
#include <skalibs/strerr.h>
#include <skalibs/types.h>
#include <qscanq/exitcodes.h>
#include <qscanq/qscanq.h>
#include "conf.h"

#define MKDIR_TRIES 16

static int fail(char const *step, char const *arg)
{
  strerr_warnwusys(step, arg);
  return qscanq_reply(VERDICT_FAIL, 0, QQ_TEMP);
}

/* A detached cleanq pass: new session, nothing of the caller's held, so
   the caller sees EOF on its pipes as soon as we exit. */
static void spawn_cleanq(void)
{
  /* Our cwd is the spool, whatever SCANDIR said: it is inherited. */
  char const *envp[] = { "PATH=/usr/bin:/bin", "SCANDIR=.", 0 };
  char const *argv[] = { "run-cleanq", 0 };
  pid_t pid = fork();
  if (pid < 0)
  {
    if (getenv("DEBUG")) strerr_warnwusys("fork for ", QSCANQ_RUNCLEANQ);
    return;
  }
  if (pid) return;
  setsid();
  {
    int fd = open("/dev/null", O_RDWR);
    if (fd < 0) _exit(111);
    if (fd_move(0, fd) < 0 || fd_copy(1, 0) < 0 || fd_copy(2, 0) < 0) _exit(111);
  }
  qscanq_closefrom(-1);
  execve(QSCANQ_RUNCLEANQ, (char *const *)argv, (char *const *)envp);
  _exit(111);
}

/* What the caller left us must not change how we work: an ignored
   SIGCHLD makes waitpid fail with ECHILD (every message would be
   deferred), a blocked signal would stay blocked in the scanner, and
   the caller's umask must not open up the spool. */
static int reset_process(void)
{
  struct sigaction sa;
  sigset_t none;
  umask(077);
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_DFL;
  sigemptyset(&sa.sa_mask);
  sigemptyset(&none);
  if (sigaction(SIGCHLD, &sa, 0) < 0) return -1;
  return sigprocmask(SIG_SETMASK, &none, 0);
}

/* The spool, opened without following a link and checked (the rule
   cleanq applies too), made our cwd for run-cleanq. -1 if refused. */
static int open_spool(void)
{
  char const *spool = QSCANQ_SCANDIR;
  char const *x = getenv("SCANDIR");
  char const *why = 0;
  int fd, r;
  if (x && *x)
  {
    r = qscanq_trusted();
    if (r < 0)
    {
      strerr_warnwusys("read ", "/etc/passwd");
      return -1;
    }
    if (r) spool = x;
  }
  fd = qscanq_spool_open(spool, geteuid(), &why);
  if (fd < 0)
  {
    if (why) strerr_warnw("refusing spool ", spool, ": ", why);
    else strerr_warnwusys("open spool ", spool);
    return -1;
  }
  if (fchdir(fd) < 0)
  {
    strerr_warnwusys("chdir to ", spool);
    fd_close(fd);
    return -1;
  }
  return fd;
}

static void logline(char const *name, int code)
{
  char info[512];
  char fmt[UINT_FMT];
  size_t len = strlen(name);
  char path[len + 5];
  ssize_t r = -1;
  int fd;
  memcpy(path, name, len);
  memcpy(path + len, "/log", 5);
  fd = open_read(path);
  if (fd >= 0)
  {
    r = qscanq_readall(fd, info, sizeof info - 1);
    fd_close(fd);
  }
  if (r < 0) r = 0;
  info[r] = 0;
  if (r && info[r - 1] == '\n') info[r - 1] = 0;
  fmt[uint_fmt(fmt, (unsigned int)code)] = 0;
  strerr_warn("qscanq: ", name, ": ", r ? info : "verdict=none", " exit=", fmt);
}

int main(int argc, char const *const *argv)
{
  char name[QSCANQ_NAMELEN];
  pid_t pid, ppid = getppid();
  int wstat, code;
  unsigned int i;
  PROG = "qscanq";
  (void)argc;
  if (reset_process() < 0) return fail("reset ", "signals");
  /* A closed fd 2 would be taken by the first file we open, and every
     diagnostic written into it: make it /dev/null. A closed fd 0 or 1
     means no message or no envelope. */
  if (fcntl(0, F_GETFD) < 0 || fcntl(1, F_GETFD) < 0)
  {
    if (fcntl(2, F_GETFD) >= 0) strerr_warnw("descriptor 0 or 1 is not open: no message or no envelope");
    return QQ_READ;
  }
  if (fcntl(2, F_GETFD) < 0 && open("/dev/null", O_WRONLY) != 2) return QQ_TEMP;

  if (open_spool() < 0) return qscanq_reply(VERDICT_FAIL, 0, QQ_TEMP);

  /* Sticky from birth: cleanq never sees it unmarked while we work. */
  for (i = 1;; i++)
  {
    qscanq_msgname(name, ppid, i);
    if (mkdir(name, 01700) == 0) break;
    if (errno != EEXIST || i >= MKDIR_TRIES) return fail("mkdir ", name);
  }
  {
    size_t len = strlen(name);
    char work[len + 6];
    memcpy(work, name, len);
    memcpy(work + len, "/work", 6);
    if (mkdir(work, 0700) < 0) return fail("mkdir ", work);

    pid = fork();
    if (pid < 0) return fail("fork for ", QSCANQ_STDIN);
    if (!pid)
    {
      if (chdir(work) < 0) _exit(QQ_TEMP);
      execv(QSCANQ_STDIN, (char *const *)argv);
      strerr_warnwusys("exec ", QSCANQ_STDIN);
      _exit(QQ_TEMP);
    }
  }
  while (waitpid(pid, &wstat, 0) < 0)
    if (errno != EINTR) return fail("wait for ", QSCANQ_STDIN);
  if (getenv("DEBUG"))
  {
    char fmt[UINT_FMT];
    fmt[uint_fmt(fmt, (unsigned int)wstat)] = 0;
    strerr_warni(name, ": qscanq-stdin wait status ", fmt);
  }
  if (WIFEXITED(wstat)) code = WEXITSTATUS(wstat);
  else
  {
    char fmt[UINT_FMT];
    fmt[uint_fmt(fmt, (unsigned int)WTERMSIG(wstat))] = 0;
    strerr_warnw("qscanq-stdin killed by signal ", fmt);
    code = qscanq_reply(VERDICT_FAIL, 0, QQ_TEMP);
  }

  if (getenv("QSCANQ_LOG")) logline(name, code);
  /* Finished: cleanq may take it now. A failure here only delays that
     until the directory is stale; the message's fate is already decided. */
  if (chmod(name, 0700) < 0) strerr_warnwusys("chmod ", name);
  spawn_cleanq();
  return code;
}
