#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <qscanq/qscanq.h>

/* Everything is relative to an open directory and nothing is followed:
   a symbolic link planted by a scanner (which runs as qscand) is removed
   as a link, never walked, so cleanq cannot be steered out of the spool. */

#define MAXDEPTH 32

static int rmtree_depth(int parent, char const *name, uid_t uid, unsigned int depth)
{
  struct stat st, st2;
  DIR *dir;
  int fd, e = 0;
  if (depth > MAXDEPTH)
  {
    errno = ELOOP;
    return -1;
  }
  if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0) return errno == ENOENT ? 0 : -1;
  if (st.st_uid != uid)
  {
    errno = EPERM;
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) return unlinkat(parent, name, 0) < 0 && errno != ENOENT ? -1 : 0;
  /* Another cleanq pass may be removing the same tree: what is gone
     already is success, at every step. */
  fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? 0 : -1;
  if (fstat(fd, &st2) < 0 || st2.st_dev != st.st_dev || st2.st_ino != st.st_ino)
  {
    close(fd);
    errno = EAGAIN;
    return -1;
  }
  /* Owner can always search and list; make sure it can unlink inside. */
  if ((st.st_mode & 0700) != 0700 && fchmod(fd, 0700) < 0)
  {
    e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  dir = fdopendir(fd);
  if (!dir)
  {
    e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  for (;;)
  {
    struct dirent *d;
    errno = 0;
    d = readdir(dir);
    if (!d)
    {
      if (errno) e = errno;
      break;
    }
    if (d->d_name[0] == '.' && (!d->d_name[1] || (d->d_name[1] == '.' && !d->d_name[2]))) continue;
    if (rmtree_depth(dirfd(dir), d->d_name, uid, depth + 1) < 0 && !e) e = errno;
  }
  closedir(dir);
  if (e)
  {
    errno = e;
    return -1;
  }
  if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT) return -1;
  return 0;
}

int qscanq_rmtree(int dirfd, char const *name, uid_t uid)
{
  return rmtree_depth(dirfd, name, uid, 0);
}
