#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <qscanq/qscanq.h>

/* Opened, never followed: a link in place of the spool would let its
   owner send qscand's writes, or cleanq's removals, anywhere. */
int qscanq_spool_open(char const *path, uid_t uid, char const **why)
{
  struct stat st;
  int r, e;
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  *why = 0;
  if (fd < 0)
  {
    e = errno;
    /* O_NOFOLLOW|O_DIRECTORY on a link: ELOOP or ENOTDIR. */
    if ((e == ELOOP || e == ENOTDIR) && lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) *why = "a symbolic link";
    errno = e;
    return -1;
  }
  r = qscanq_spool_ok(fd, uid, why);
  if (r > 0) return fd;
  e = errno;
  close(fd);
  errno = e;
  return -1;
}
