/* run-cleanq: one cleanq pass unless one is running already. Spawned by
   qscanq after every message, so a busy spool costs one failed lock, and
   a burst of messages one pass a second. */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <skalibs/djbunix.h>
#include <skalibs/strerr.h>
#include <skalibs/types.h>
#include <qscanq/exitcodes.h>
#include <qscanq/qscanq.h>
#include "conf.h"

#define USAGE "run-cleanq"
/* At most one pass starts in any such span: see run-cleanq(8). */
#define SPACING_NS 1000000000L

/* A spool on a tmpfs is empty after every boot: the lock file make
   install made there is gone, and without it no pass would ever run, so
   the spool would fill. We make it ourselves, as qscand, in the spool
   we opened and checked (qscand's, writable by nobody else): O_EXCL and
   O_NOFOLLOW create a new file and follow nothing. Whatever we find or
   make must be a regular file of qscand's: anything else (a link, a
   FIFO, a file of another user's) was not made by make install or by
   us, and is refused. A spool too full for an empty file (no inode
   left) gets no pass: the error names why. *made says we created it. */
static int open_lock(char const *spool, int *made)
{
  struct stat st;
  char const *why = 0;
  int fd;
  int dirfd = qscanq_spool_open(spool, getuid(), &why);
  if (dirfd < 0)
  {
    if (why) strerr_dief(ADM_USAGE, "refusing ", spool, ": ", why);
    strerr_diefusys(ADM_TEMP, "open ", spool);
  }
  *made = 0;
  /* Not close-on-exec: the lock must stay held across the exec. */
  for (unsigned int i = 0; i < 3; i++)
  {
    fd = openat(dirfd, "lock", O_RDWR | O_NOFOLLOW | O_NONBLOCK);
    if (fd >= 0 || errno != ENOENT) break;
    fd = openat(dirfd, "lock", O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CREAT | O_EXCL, 0600);
    if (fd >= 0)
    {
      *made = 1;
      break;
    }
    /* Another run-cleanq made it first: open that one. */
    if (errno != EEXIST) strerr_diefusys(ADM_TEMP, "create ", spool, "/lock");
  }
  if (fd < 0)
  {
    if (errno == ELOOP) strerr_dief(ADM_USAGE, "refusing ", spool, "/lock: a symbolic link");
    if (errno == EISDIR) strerr_dief(ADM_USAGE, "refusing ", spool, "/lock: not a regular file");
    strerr_diefusys(ADM_TEMP, "open ", spool, "/lock");
  }
  if (fstat(fd, &st) < 0) strerr_diefusys(ADM_TEMP, "stat ", spool, "/lock");
  if (!S_ISREG(st.st_mode)) strerr_dief(ADM_USAGE, "refusing ", spool, "/lock: not a regular file");
  if (st.st_uid != getuid()) strerr_dief(ADM_USAGE, "refusing ", spool, "/lock: not owned by " QSCANQ_USER);
  fd_close(dirfd);
  return fd;
}

/* qscanq starts us while its message is still being worked on, with
   QSCANQ_AFTER its pid: the pass must see the directory finished, so it
   waits for qscanq's exit. Only for our parent: anything else (cron, an
   old value) passes at once. Any failure to wait passes at once too: a
   pass too early costs only a pass, the next message's covers it. */
static void wait_for_qscanq(void)
{
  char const *x = getenv("QSCANQ_AFTER");
  pid_t ppid = getppid(), p;
  int fd;
  if (!x || !pid_scan(x, &p) || p != ppid || p <= 1) return;
  fd = pidfd_open(p, 0);
  if (fd < 0) return;
  /* Opened on our parent, not on a pid reused after its exit. */
  if (getppid() == p)
    for (;;)
    {
      struct pollfd w = { .fd = fd, .events = POLLIN };
      if (poll(&w, 1, -1) >= 0 || errno != EINTR) break;
    }
  fd_close(fd);
}

int main(int argc, char const *const *argv)
{
  char const *spool = getenv("SCANDIR");
  int fd, made;
  PROG = "run-cleanq";
  qscanq_version(argc, argv);
  if (argc > 1) strerr_dieusage(ADM_USAGE, USAGE);
  wait_for_qscanq();
  if (!spool || !*spool) spool = QSCANQ_SCANDIR;
  umask(077);
  if (qscanq_become_qscand() < 0)
  {
    if (errno == EPERM) strerr_dief(ADM_USAGE, "must be run as root or " QSCANQ_USER);
    strerr_diefusys(ADM_TEMP, "become ", QSCANQ_USER);
  }
  fd = open_lock(spool, &made);
  if (flock(fd, LOCK_EX | LOCK_NB) < 0)
  {
    if (errno == EWOULDBLOCK) return 0;
    strerr_diefusys(ADM_TEMP, "lock ", spool, "/lock");
  }
  /* The lock file's mtime is when the last pass started. One that
     started moments ago is not repeated at once: we wait for the rest
     of the spacing, holding the lock, and pass then. Every message
     finished meanwhile is covered by that pass (its run-cleanq finds
     the lock busy and leaves), so a burst costs one pass a second, and
     a finished directory waits at most the spacing. A time in the
     future (a clock set back) does not make us wait, nor does one we
     have just made: no pass has started yet. */
  {
    struct stat st;
    struct timespec now;
    /* If we cannot tell, pass now. */
    if (!made && fstat(fd, &st) == 0 && clock_gettime(CLOCK_REALTIME, &now) == 0 && st.st_mtim.tv_sec <= now.tv_sec && now.tv_sec - st.st_mtim.tv_sec <= 1)
    {
      long long gone = (long long)(now.tv_sec - st.st_mtim.tv_sec) * 1000000000LL + (now.tv_nsec - st.st_mtim.tv_nsec);
      if (gone >= 0 && gone < SPACING_NS)
      {
        long long ns = SPACING_NS - gone;
        struct timespec left = { (time_t)(ns / 1000000000LL), (long)(ns % 1000000000LL) };
        while (nanosleep(&left, &left) < 0 && errno == EINTR) {}
      }
    }
    /* Without it the next run passes at once: a cost, not a danger. */
    if (futimens(fd, 0) < 0) strerr_warnwusys("set the time of ", spool, "/lock");
  }
  /* The lock stays held across the exec, for the whole pass. */
  {
    char const *cargv[] = { "cleanq", spool, 0 };
    execv(QSCANQ_CLEANQ, (char *const *)cargv);
  }
  strerr_diefusys(ADM_TEMP, "exec ", QSCANQ_CLEANQ);
}
