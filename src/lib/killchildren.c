#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <skalibs/types.h>
#include <qscanq/qscanq.h>
#include <qscanq/scan.h>

/* SIGKILLs the children named in /proc/self/task/TID/children (one
   thread: TID is our pid). -1 if the kernel has no such file. */
static int kill_listed(void)
{
  char path[sizeof "/proc/self/task//children" + PID_FMT];
  char buf[4096];
  size_t len = 0;
  ssize_t r;
  int fd;
  memcpy(path, "/proc/self/task/", 16);
  len = 16 + pid_fmt(path + 16, getpid());
  memcpy(path + len, "/children", 10);
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  /* One read at a time: a pid cut at the end of the buffer is read
     whole on the next round of the caller's loop. */
  r = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (r < 0) return -1;
  buf[r] = 0;
  for (char *p = buf; *p;)
  {
    pid_t pid;
    size_t n = pid_scan(p, &pid);
    if (!n)
    {
      p++;
      continue;
    }
    if (p + n < buf + r || r < (ssize_t)sizeof buf - 1) kill(pid, SIGKILL);
    p += n;
  }
  return 0;
}

/* The slow way, for kernels without the children file: every process
   whose parent is us, from /proc/PID/stat (ppid is the 2nd field after
   the command name, which ends at the last ')'). */
int qscanq_killscanned(void)
{
  pid_t self = getpid();
  DIR *d = opendir("/proc");
  struct dirent *de;
  if (!d) return -1;
  while ((de = readdir(d)))
  {
    char path[sizeof "/proc//stat" + PID_FMT];
    char buf[1024];
    pid_t pid, ppid;
    size_t n = pid_scan(de->d_name, &pid);
    ssize_t r;
    int fd;
    char *p;
    if (!n || de->d_name[n] || strlen(de->d_name) > PID_FMT) continue;
    memcpy(path, "/proc/", 6);
    memcpy(path + 6, de->d_name, n);
    memcpy(path + 6 + n, "/stat", 6);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    r = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (r <= 0) continue;
    buf[r] = 0;
    p = strrchr(buf, ')');
    if (!p || strlen(p) < 5) continue;
    if (pid_scan(p + 4, &ppid) && ppid == self) kill(pid, SIGKILL);
  }
  closedir(d);
  return 0;
}

int qscanq_killchildren(unsigned int maxms)
{
  for (unsigned int waited = 0;;)
  {
    struct timespec ts = { 0, 1000000 };
    int wstat;
    pid_t r;
    /* No child at all, reaped or not (the usual case: the scanner left
       nothing): nothing to look for in /proc. */
    if (waitpid(-1, &wstat, WNOHANG) < 0 && errno == ECHILD) return 0;
    if (kill_listed() < 0 && qscanq_killscanned() < 0) return -1;
    /* Reap what has died; its children are ours now (subreaper) and the
       next round kills them. */
    while ((r = waitpid(-1, &wstat, WNOHANG)) > 0)
      ;
    if (r < 0)
    {
      if (errno == ECHILD) return 0;
      if (errno != EINTR) return -1;
      continue;
    }
    if (waited >= maxms)
    {
      errno = ETIMEDOUT;
      return -1;
    }
    nanosleep(&ts, 0);
    waited++;
  }
}
