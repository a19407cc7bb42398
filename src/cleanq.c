/* cleanq: removes finished and stale message directories from the spool.
   Rationale in cleanq(8). */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <skalibs/buffer.h>
#include <skalibs/djbunix.h>
#include <skalibs/sgetopt.h>
#include <skalibs/strerr.h>
#include <skalibs/tai.h>
#include <skalibs/types.h>
#include <qscanq/exitcodes.h>
#include <qscanq/qscanq.h>
#include "conf.h"

#define USAGE "cleanq [ -l ] [ -s seconds ] [ -a ageout ] [ directory ]"
#define dieusage() strerr_dieusage(ADM_USAGE, USAGE)

static int logging;

static void logremoval(char const *what, char const *name)
{
  if (!logging) return;
  buffer_puts(buffer_1, what);
  buffer_puts(buffer_1, name);
  buffer_putflush(buffer_1, "\n", 1);
}

/* Whether the sticky directory NAME (stat st) is still in use: its
   qscanq holds an exclusive lock on it for as long as it lives. 1 free:
   qscanq is gone, and *fd holds the lock until the removal is done, so
   no other pass and no new qscanq takes it meanwhile; 0 held (or the
   lock cannot be tried: then age decides); -1 gone already. */
static int lockfree(int spoolfd, char const *name, struct stat const *st, int *fd)
{
  struct stat st2;
  int r = 0;
  *fd = openat(spoolfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (*fd < 0) return errno == ENOENT ? -1 : 0;
  if (fstat(*fd, &st2) < 0) r = 0;
  else if (st2.st_dev != st->st_dev || st2.st_ino != st->st_ino || !st2.st_nlink) r = -1;
  else if (flock(*fd, LOCK_EX | LOCK_NB) == 0) return 1;
  fd_close(*fd);
  *fd = -1;
  return r;
}

/* One pass. Returns 0 when everything that should go went. Another pass
   may run at the same time: what it removed first is not an error. */
static int pass(int spoolfd, char const *spool, uid_t uid, unsigned int ageout)
{
  int fd = dup(spoolfd);
  DIR *dir;
  int e = 0;
  time_t now = time(0);
  if (fd < 0) strerr_diefusys(ADM_TEMP, "dup ", spool);
  dir = fdopendir(fd);
  if (!dir) strerr_diefusys(ADM_TEMP, "opendir ", spool);
  rewinddir(dir);
  for (;;)
  {
    struct dirent *d;
    struct stat st;
    char const *what = "removed ";
    int lockfd = -1;
    errno = 0;
    d = readdir(dir);
    if (!d)
    {
      if (errno)
      {
        strerr_warnwusys("readdir ", spool);
        e = 1;
      }
      break;
    }
    if (d->d_name[0] == '.' && (!d->d_name[1] || (d->d_name[1] == '.' && !d->d_name[2]))) continue;
    if (!strcmp(d->d_name, "lock")) continue;
    if (d->d_name[0] != '@')
    {
      strerr_warnw("leaving alone ", spool, "/", d->d_name, ": not a message directory");
      continue;
    }
    if (fstatat(spoolfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    {
      if (errno != ENOENT)
      {
        strerr_warnwusys("stat ", spool, "/", d->d_name);
        e = 1;
      }
      continue;
    }
    if (!S_ISDIR(st.st_mode))
    {
      strerr_warnw("leaving alone ", spool, "/", d->d_name, ": not a directory");
      continue;
    }
    if (st.st_uid != uid)
    {
      strerr_warnw("leaving alone ", spool, "/", d->d_name, ": not owned by " QSCANQ_USER);
      continue;
    }
    if (st.st_mode & S_ISVTX)
    {
      int r = lockfree(spoolfd, d->d_name, &st, &lockfd);
      if (r < 0) continue;
      if (r) what = "removed abandoned ";
      /* Locked: in use, unless it has been for longer than any scan
         may take (a hung qscanq, or a file system without flock). */
      else if (st.st_ctime >= now || (uint64_t)(now - st.st_ctime) <= 3 * (uint64_t)ageout) continue;
      else what = "removed stale ";
    }
    if (qscanq_rmtree(spoolfd, d->d_name, uid) < 0)
    {
      strerr_warnwusys("remove ", spool, "/", d->d_name);
      e = 1;
    }
    else logremoval(what, d->d_name);
    if (lockfd >= 0) fd_close(lockfd);
  }
  closedir(dir);
  return e;
}

int main(int argc, char const *const *argv)
{
  unsigned int every = 0, ageout = QSCANQ_AGEOUT;
  char const *spool = QSCANQ_SCANDIR;
  int fd;
  PROG = "cleanq";
  qscanq_version(argc, argv);
  {
    subgetopt l = SUBGETOPT_ZERO;
    for (;;)
    {
      int opt = subgetopt_r(argc, argv, "ls:a:", &l);
      if (opt == -1) break;
      switch (opt)
      {
        case 'l': logging = 1; break;
        case 's':
          if (!uint0_scan(l.arg, &every)) dieusage();
          break;
        case 'a':
          if (!uint0_scan(l.arg, &ageout)) dieusage();
          break;
        default: dieusage();
      }
    }
    argc -= l.ind;
    argv += l.ind;
  }
  if (argc > 1) dieusage();
  if (argc) spool = argv[0];

  if (qscanq_become_qscand() < 0)
  {
    if (errno == EPERM) strerr_dief(ADM_USAGE, "must be run as root or " QSCANQ_USER);
    strerr_diefusys(ADM_TEMP, "become ", QSCANQ_USER);
  }
  /* Refuse a spool somebody else could have filled with traps: the
     rule qscanq applies too. */
  {
    char const *why = 0;
    fd = qscanq_spool_open(spool, getuid(), &why);
    if (fd < 0)
    {
      if (why) strerr_dief(ADM_USAGE, "refusing ", spool, ": ", why);
      strerr_diefusys(ADM_TEMP, "open ", spool);
    }
  }

  for (;;)
  {
    int e = pass(fd, spool, getuid(), ageout);
    if (!every) return e ? ADM_TEMP : 0;
    sleep(every);
  }
}
