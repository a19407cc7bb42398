/* qscanq: the setuid and setgid (qscand) front end. Makes the message
   directory, runs qscanq-stdin in it, marks it finished, starts a
   cleanq pass. The rationale is in qscanq(8). */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <skalibs/allreadwrite.h>
#include <skalibs/djbunix.h>
#include <skalibs/env.h>
#include <skalibs/strerr.h>
#include <skalibs/types.h>
#include <qscanq/exitcodes.h>
#include <qscanq/qscanq.h>
#include "conf.h"

#define MKDIR_TRIES 16

static int failed(void)
{
  return qscanq_reply(VERDICT_FAIL, 0, QQ_TEMP);
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

/* A closed fd 2 would be taken by the first file we open, and every
   diagnostic written into it: make it /dev/null. A closed fd 0 or 1
   means no message or no envelope. 0 ok, else the exit code. */
static int std_fds(void)
{
  if (fcntl(0, F_GETFD) < 0 || fcntl(1, F_GETFD) < 0)
  {
    if (fcntl(2, F_GETFD) >= 0) strerr_warnw("descriptor 0 or 1 is not open: no message or no envelope");
    return QQ_READ;
  }
  if (fcntl(2, F_GETFD) < 0 && open("/dev/null", O_WRONLY) != 2) return QQ_TEMP;
  return 0;
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

/* Sticky from birth, so cleanq never sees it unmarked while we work;
   locked for as long as we live, so cleanq can tell ours from one whose
   qscanq was killed. (flock, not skalibs' fd_lock: fcntl locks need a
   descriptor open for writing, which a directory cannot be.) cleanq may
   take a sticky directory whose lock is still free, between our mkdir
   and our flock: then the lock is busy or the directory already gone,
   and we try the next name. Returns the locked descriptor or -1. */
static int make_msgdir(int spoolfd, char *name)
{
  pid_t ppid = getppid();
  for (unsigned int i = 1; i <= MKDIR_TRIES; i++)
  {
    struct stat st;
    int fd;
    qscanq_msgname(name, ppid, i);
    if (mkdirat(spoolfd, name, 01700) < 0)
    {
      if (errno == EEXIST) continue;
      strerr_warnwusys("mkdir ", name);
      return -1;
    }
    fd = openat(spoolfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
    {
      if (errno == ENOENT) continue;
      strerr_warnwusys("open ", name);
      return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0)
    {
      if (errno == EWOULDBLOCK)
      {
        fd_close(fd);
        continue;
      }
      strerr_warnwusys("lock ", name);
      /* Not in use, so it must not look it. */
      if (fchmod(fd, 0700) < 0) strerr_warnwusys("chmod ", name);
      fd_close(fd);
      return -1;
    }
    if (fstat(fd, &st) < 0)
    {
      strerr_warnwusys("stat ", name);
      fd_close(fd);
      return -1;
    }
    if (!st.st_nlink)
    {
      fd_close(fd);
      continue;
    }
    if (st.st_uid != geteuid() || (st.st_mode & 07777) != 01700)
    {
      strerr_warnw("refusing ", name, ": not the directory qscanq made");
      fd_close(fd);
      return -1;
    }
    return fd;
  }
  errno = EEXIST;
  strerr_warnwusys("mkdir ", name);
  return -1;
}

static int make_work(int dirfd, char const *name)
{
  int fd;
  if (mkdirat(dirfd, "work", 0700) < 0)
  {
    strerr_warnwusys("mkdir ", name, "/work");
    return -1;
  }
  fd = openat(dirfd, "work", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) strerr_warnwusys("open ", name, "/work");
  return fd;
}

/* A detached cleanq pass, in a new session, with nothing of the
   caller's: fds 0, 1, 2 on /dev/null and every other fd (the reply
   channel too) closed in the child before it runs. glibc's posix_spawn
   returns only once the child has exec'd (CLONE_VFORK), so by the time
   we exit no process of ours holds the caller's pipes: a forked child
   would hold them until it got scheduled. A failure only logs: the
   message's fate is decided, and the next pass cleans up.
   after: started while qscanq-stdin works, so that the spawn (about a
   millisecond here) is not between the verdict and our exit; run-cleanq
   then waits for our exit (QSCANQ_AFTER, our pid) before it passes. */
static void spawn_cleanq(int after)
{
  /* Our cwd is the spool, whatever SCANDIR said: it is inherited. */
  char afterenv[13 + PID_FMT] = "QSCANQ_AFTER=";
  char const *envp[] = { "PATH=/usr/bin:/bin", "SCANDIR=.", after ? afterenv : 0, 0 };
  char const *argv[] = { "run-cleanq", 0 };
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  sigset_t all, none;
  pid_t pid;
  int e;
  afterenv[13 + pid_fmt(afterenv + 13, getpid())] = 0;
  e = posix_spawn_file_actions_init(&fa);
  if (e) goto err;
  e = posix_spawnattr_init(&attr);
  if (e) goto errfa;
  sigfillset(&all);
  sigemptyset(&none);
  if (!(e = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDWR, 0)) && !(e = posix_spawn_file_actions_adddup2(&fa, 0, 1)) && !(e = posix_spawn_file_actions_adddup2(&fa, 0, 2)) && !(e = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) && !(e = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)) && !(e = posix_spawnattr_setsigdefault(&attr, &all)) && !(e = posix_spawnattr_setsigmask(&attr, &none)))
    e = posix_spawn(&pid, QSCANQ_RUNCLEANQ, &fa, &attr, (char *const *)argv, (char *const *)envp);
  posix_spawnattr_destroy(&attr);
errfa:
  posix_spawn_file_actions_destroy(&fa);
err:
  if (!e) return;
  errno = e;
  strerr_warnwusys("spawn ", QSCANQ_RUNCLEANQ);
}

/* Something failed after the directory was made: it is not in use, so
   it must not look it (sticky), and a pass may as well remove it now. */
static int abandon(int dirfd)
{
  if (fchmod(dirfd, 0700) < 0) strerr_warnwusys("chmod ", "message directory");
  fd_close(dirfd);
  spawn_cleanq(0);
  return failed();
}

/* qscanq-stdin in work/, with the write end of the log pipe (logw) and
   its number in QSCANQ_LOGFD (ours: whatever the caller set is
   replaced, and qscanq-stdin removes it before anything runs). It must
   never hand the message on once we are gone (the caller saw a failure
   and will send it again), but a death signal set here would not reach
   it: the kernel clears it when it execs a program whose effective ids
   differ from its real ones, as qscanq-stdin's do. qscanq-stdin arms it
   itself, and tells whether we are alive by our lock on the message
   directory. posix_spawn, not fork: glibc's shares our memory until the
   exec (CLONE_VFORK), so no copy of our address space is made and torn
   down again for every message, and a failed exec is its error here.
   -1 with errno if it cannot be started. */
static pid_t start_stdin(int workfd, int logw, char const *const *argv)
{
  char logenv[sizeof "QSCANQ_LOGFD=" + UINT_FMT] = "QSCANQ_LOGFD=";
  size_t n = env_len((char const *const *)environ);
  char const **envp;
  posix_spawn_file_actions_t fa;
  pid_t pid;
  int e;
  logenv[13 + uint_fmt(logenv + 13, (unsigned int)logw)] = 0;
  envp = malloc((n + 2) * sizeof *envp);
  if (!envp) return -1;
  /* The caller's environment with ours in place of any QSCANQ_LOGFD. */
  if (!env_merge(envp, n + 2, (char const *const *)environ, n, logenv, strlen(logenv) + 1))
  {
    free(envp);
    return -1;
  }
  e = posix_spawn_file_actions_init(&fa);
  if (!e)
  {
    /* dup2 onto itself clears close-on-exec (glibc, POSIX 2024). */
    if (!(e = posix_spawn_file_actions_addfchdir_np(&fa, workfd)) && !(e = posix_spawn_file_actions_adddup2(&fa, logw, logw)))
      e = posix_spawn(&pid, QSCANQ_STDIN, &fa, 0, (char *const *)argv, (char *const *)envp);
    posix_spawn_file_actions_destroy(&fa);
  }
  free(envp);
  if (e)
  {
    errno = e;
    return -1;
  }
  return pid;
}

/* The last line qscanq-stdin sent (it sends one, or two when a clean
   message could not be handed on after all). Everything that could
   write is gone by now (qscanq-stdin exited, or exec closed the pipe),
   and what it wrote is all in the pipe: read without blocking. */
static size_t readlog(int fd, char *s, size_t max)
{
  char tmp[1024];
  size_t len = 0;
  for (;;)
  {
    char const *p = tmp;
    size_t n;
    ssize_t r = read(fd, tmp, sizeof tmp);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    /* Keep the newest max - 1 bytes: the last line is what counts. */
    n = (size_t)r;
    if (n > max - 1)
    {
      p += n - (max - 1);
      n = max - 1;
    }
    if (len + n > max - 1)
    {
      memmove(s, s + len + n - (max - 1), max - 1 - n);
      len = max - 1 - n;
    }
    memcpy(s + len, p, n);
    len += n;
  }
  while (len && s[len - 1] == '\n') len--;
  s[len] = 0;
  for (size_t i = len; i; i--)
    if (s[i - 1] == '\n')
    {
      memmove(s, s + i, len - i + 1);
      return len - i;
    }
  return len;
}

static void logline(char const *info, char const *name, int code)
{
  char fmt[UINT_FMT];
  fmt[uint_fmt(fmt, (unsigned int)code)] = 0;
  strerr_warn("qscanq: ", name, ": ", *info ? info : "verdict=none", " exit=", fmt);
}

/* qscanq-stdin sends the log line before it hands a message on, and
   then becomes the downstream program: a signal after a clean (or
   accepted) verdict killed the downstream program, not qscanq-stdin. */
static void killed(char const *info, pid_t pid, int sig)
{
  char fmt[UINT_FMT];
  char pidfmt[PID_FMT];
  fmt[uint_fmt(fmt, (unsigned int)sig)] = 0;
  pidfmt[pid_fmt(pidfmt, pid)] = 0;
  if (!strncmp(info, "verdict=clean", 13) && (!info[13] || info[13] == ' '))
    strerr_warnw("the downstream program (pid ", pidfmt, ") was killed by signal ", fmt);
  else if (!strncmp(info, "verdict=fail-accepted", 21) && (!info[21] || info[21] == ' '))
    strerr_warnw("the downstream program (pid ", pidfmt, ") was killed by signal ", fmt);
  else strerr_warnw("qscanq-stdin was killed by signal ", fmt);
}

/* Its exit code; info gets the last line it sent on the log pipe logr
   (closed here, before any reply of ours: it may have the number of a
   reply descriptor the caller did not open). */
static int wait_stdin(pid_t pid, char const *name, int logr, char *info, size_t max)
{
  int wstat;
  while (waitpid(pid, &wstat, 0) < 0)
    if (errno != EINTR)
    {
      strerr_warnwusys("wait for ", QSCANQ_STDIN);
      /* Its fate unknown, it must not hand the message on later. */
      kill(pid, SIGKILL);
      fd_close(logr);
      return failed();
    }
  readlog(logr, info, max);
  fd_close(logr);
  if (getenv("DEBUG"))
  {
    char fmt[UINT_FMT];
    fmt[uint_fmt(fmt, (unsigned int)wstat)] = 0;
    strerr_warni(name, ": qscanq-stdin wait status ", fmt);
  }
  if (WIFEXITED(wstat)) return WEXITSTATUS(wstat);
  killed(info, pid, WTERMSIG(wstat));
  return failed();
}

int main(int argc, char const *const *argv)
{
  char name[QSCANQ_NAMELEN];
  char info[1024] = "";
  int spoolfd, dirfd, workfd, code;
  int logp[2];
  pid_t pid;
  PROG = "qscanq";
  qscanq_version(argc, argv);
  if (reset_process() < 0)
  {
    strerr_warnwusys("reset ", "signals");
    return failed();
  }
  code = std_fds();
  if (code) return code;
  spoolfd = open_spool();
  if (spoolfd < 0) return failed();
  dirfd = make_msgdir(spoolfd, name);
  if (dirfd < 0) return failed();
  workfd = make_work(dirfd, name);
  if (workfd < 0) return abandon(dirfd);
  if (pipe2(logp, O_CLOEXEC) < 0 || ndelay_on(logp[0]) < 0)
  {
    strerr_warnwusys("create ", "the log pipe");
    return abandon(dirfd);
  }
  pid = start_stdin(workfd, logp[1], argv);
  if (pid < 0)
  {
    strerr_warnwusys("start ", QSCANQ_STDIN);
    fd_close(logp[0]);
    fd_close(logp[1]);
    return abandon(dirfd);
  }
  fd_close(logp[1]);
  fd_close(workfd);
  spawn_cleanq(1);
  code = wait_stdin(pid, name, logp[0], info, sizeof info);
  if (getenv("QSCANQ_LOG")) logline(info, name, code);
  /* Finished: cleanq may take it now. Our lock goes with the fd, so
     even if the fchmod fails cleanq sees a sticky directory whose lock
     is free and takes it; the message's fate is already decided. */
  if (fchmod(dirfd, 0700) < 0) strerr_warnwusys("chmod ", name);
  fd_close(dirfd);
  return code;
}
