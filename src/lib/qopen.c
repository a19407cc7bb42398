#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <qscanq/quarantine.h>

/* The spool's rule, stricter: the quarantine holds whole refused
   messages, so nobody but qscand may even list it. A directory somebody
   else owns could be a trap (a link farm, a full disk, a reader). */
static int checked(int fd, char const *what, char const **why)
{
  struct stat st;
  if (fstat(fd, &st) < 0)
  {
    *why = what;
    return -1;
  }
  if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077))
  {
    *why = what;
    errno = 0;
    return -1;
  }
  return 0;
}

static int sub(int dirfd, char const *name, char const *what, char const **why)
{
  int fd;
  if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
  {
    *why = what;
    return -1;
  }
  fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
  {
    *why = what;
    return -1;
  }
  if (checked(fd, what, why) < 0)
  {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

int qscanq_qopen(char const *dir, int *tmpfd, int *newfd, char const **why)
{
  int e, fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
  {
    *why = "open the quarantine directory";
    return -1;
  }
  if (checked(fd, "use the quarantine directory (it must be a directory owned by qscand, mode 0700)", why) < 0) goto fail;
  *tmpfd = sub(fd, "tmp", "use tmp/ of the quarantine (it must be a directory owned by qscand, mode 0700)", why);
  if (*tmpfd < 0) goto fail;
  *newfd = sub(fd, "new", "use new/ of the quarantine (it must be a directory owned by qscand, mode 0700)", why);
  if (*newfd < 0)
  {
    e = errno;
    close(*tmpfd);
    errno = e;
    goto fail;
  }
  return fd;
fail:
  e = errno;
  close(fd);
  errno = e;
  return -1;
}
