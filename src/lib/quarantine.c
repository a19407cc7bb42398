#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <skalibs/allreadwrite.h>
#include <skalibs/stralloc.h>
#include <skalibs/types.h>
#include <qscanq/qscanq.h>
#include <qscanq/quarantine.h>
#include <qscanq/scan.h>

/* The envelope read for the info file is bounded: a list of 1000
   recipients tells the postmaster enough, and rcpts= still counts what
   was read. */
#define ENVMAX 1048576
#define RCPTMAX 1000

static char buf[65536];

static int put(stralloc *sa, char const *key, char const *val, size_t len, int safe)
{
  char s[600];
  if (!stralloc_cats(sa, key) || !stralloc_catb(sa, "=", 1)) return 0;
  if (safe)
  {
    if (len > 256) len = 256;
    len = qscanq_logsafe(s, sizeof s, val, len);
    val = s;
  }
  return stralloc_catb(sa, val, len) && stralloc_catb(sa, "\n", 1);
}

static int putaddr(stralloc *sa, char const *key, char const *a, size_t len)
{
  char s[600];
  if (len > 256) len = 256;
  len = qscanq_logsafe(s, sizeof s, a, len);
  return stralloc_cats(sa, key) && stralloc_catb(sa, "=<", 2) && stralloc_catb(sa, s, len) && stralloc_catb(sa, ">\n", 2);
}

/* key=value lines, one value each, every value from outside made safe:
   the file is read by a shell pipeline as often as by the tool. */
static int info(stralloc *sa, struct qscanq_qentry const *e)
{
  struct stat st;
  struct tm tm;
  time_t now = time(0);
  char fmt[UINT64_FMT];
  char tbuf[32];
  stralloc env = STRALLOC_ZERO;
  uint64_t rcpts = 0;
  int ok = 0;
  if (fstat(e->msgfd, &st) < 0 || !gmtime_r(&now, &tm) || !strftime(tbuf, sizeof tbuf, "%Y-%m-%dT%H:%M:%SZ", &tm)) return 0;
  if (!put(sa, "time", tbuf, strlen(tbuf), 0) || !put(sa, "verdict", e->verdict, strlen(e->verdict), 0)) return 0;
  if (e->sig[0] && !put(sa, "sig", e->sig, strlen(e->sig), 0)) return 0;
  if (!put(sa, "bytes", fmt, uint64_fmt(fmt, (uint64_t)st.st_size), 0)) return 0;
  {
    char const *ip = getenv("TCPREMOTEIP");
    if (ip && *ip && !put(sa, "ip", ip, strlen(ip), 1)) return 0;
  }
  /* The envelope, from its saved copy: F sender NUL, T rcpt NUL..., NUL. */
  for (;;)
  {
    ssize_t r;
    if (env.len >= ENVMAX) break;
    if (!stralloc_readyplus(&env, 65536)) goto end;
    r = pread(e->envfd, env.s + env.len, ENVMAX - env.len < 65536 ? ENVMAX - env.len : 65536, (off_t)env.len);
    if (r < 0)
    {
      if (errno == EINTR) continue;
      goto end;
    }
    if (!r) break;
    env.len += (size_t)r;
  }
  if (env.len && env.s[0] == 'F')
  {
    size_t i = 1, n;
    char const *z = memchr(env.s + 1, 0, env.len - 1);
    if (z)
    {
      n = (size_t)(z - env.s) - 1;
      if (!putaddr(sa, "from", env.s + 1, n)) goto end;
      i = (size_t)(z - env.s) + 1;
      while (i < env.len && env.s[i] == 'T')
      {
        z = memchr(env.s + i + 1, 0, env.len - i - 1);
        if (!z) break;
        n = (size_t)(z - env.s) - i - 1;
        if (rcpts < RCPTMAX && !putaddr(sa, "rcpt", env.s + i + 1, n)) goto end;
        rcpts++;
        i = (size_t)(z - env.s) + 1;
      }
    }
  }
  if (!put(sa, "rcpts", fmt, uint64_fmt(fmt, rcpts), 0)) goto end;
  {
    ssize_t r = pread(e->msgfd, buf, sizeof buf, 0);
    size_t off, n;
    if (r > 0 && qscanq_msgid(buf, (size_t)r, &off, &n) && !put(sa, "msgid", buf + off, n, 1)) goto end;
  }
  if (e->scanner[0] && !put(sa, "scanner", e->scanner, strlen(e->scanner), 0)) goto end;
  ok = 1;
end:
  stralloc_free(&env);
  return ok;
}

/* A different file system: a copy, every write checked, on disk before
   the entry is renamed into new/. */
static int copy(int from, int entfd, char const *name)
{
  off_t off = 0;
  int fd = openat(entfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  for (;;)
  {
    ssize_t r = pread(from, buf, sizeof buf, off);
    if (r < 0)
    {
      if (errno == EINTR) continue;
      goto fail;
    }
    if (!r) break;
    if (allwrite(fd, buf, (size_t)r) < (size_t)r) goto fail;
    off += r;
  }
  if (fsync(fd) < 0) goto fail;
  return close(fd);
fail:
{
  int e = errno;
  close(fd);
  errno = e;
}
  return -1;
}

/* The saved file itself: renamed when it is on the same file system
   (no second copy), copied when not. The name must still be the file
   qscanq-stdin wrote and holds open. */
static int move(int from, int entfd, char const *name, char const **why)
{
  struct stat a, b;
  if (fstat(from, &a) < 0 || fstatat(AT_FDCWD, name, &b, AT_SYMLINK_NOFOLLOW) < 0)
  {
    *why = "stat the saved message";
    return -1;
  }
  if (a.st_dev != b.st_dev || a.st_ino != b.st_ino || !S_ISREG(b.st_mode))
  {
    *why = "find the saved message (it was replaced)";
    errno = 0;
    return -1;
  }
  if (fchmod(from, 0600) < 0)
  {
    *why = "chmod the saved message";
    return -1;
  }
  if (renameat(AT_FDCWD, name, entfd, name) == 0)
  {
    if (fsync(from) < 0)
    {
      *why = "fsync the quarantined message";
      return -1;
    }
    return 0;
  }
  if (errno != EXDEV)
  {
    *why = "move the message into the quarantine";
    return -1;
  }
  if (copy(from, entfd, name) < 0)
  {
    *why = "copy the message into the quarantine";
    return -1;
  }
  return 0;
}

int qscanq_quarantine(char const *dir, char const *id, struct qscanq_qentry const *e, char const **why)
{
  stralloc sa = STRALLOC_ZERO;
  int dirfd, tmpfd = -1, newfd = -1, entfd = -1, fd, err;
  if (!qscanq_qid_valid(id))
  {
    *why = "name the entry (the working directory has no valid name)";
    errno = 0;
    return -1;
  }
  dirfd = qscanq_qopen(dir, &tmpfd, &newfd, why);
  if (dirfd < 0) return -1;
  if (mkdirat(tmpfd, id, 0700) < 0)
  {
    *why = "create the entry in tmp/";
    goto fail;
  }
  entfd = openat(tmpfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (entfd < 0)
  {
    *why = "open the entry in tmp/";
    goto clean;
  }
  if (!info(&sa, e))
  {
    *why = "make the info file";
    goto clean;
  }
  fd = openat(entfd, "info", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
  {
    *why = "create the info file";
    goto clean;
  }
  if (allwrite(fd, sa.s, sa.len) < sa.len || fsync(fd) < 0)
  {
    *why = "write the info file";
    err = errno;
    close(fd);
    errno = err;
    goto clean;
  }
  if (close(fd) < 0)
  {
    *why = "write the info file";
    goto clean;
  }
  if (move(e->msgfd, entfd, "msg", why) < 0 || move(e->envfd, entfd, "env", why) < 0) goto clean;
  if (fsync(entfd) < 0)
  {
    *why = "fsync the entry";
    goto clean;
  }
  /* The only step that makes it visible: whole, or not at all. */
  if (renameat2(tmpfd, id, newfd, id, RENAME_NOREPLACE) < 0)
  {
    *why = "rename the entry into new/";
    goto clean;
  }
  if (fsync(newfd) < 0)
  {
    /* It is there, whole; only its durability is in doubt. */
    *why = "fsync new/ of the quarantine";
    goto fail;
  }
  stralloc_free(&sa);
  close(entfd);
  close(newfd);
  close(tmpfd);
  close(dirfd);
  return 0;
clean:
  err = errno;
  qscanq_rmtree(tmpfd, id, geteuid());
  errno = err;
fail:
  err = errno;
  stralloc_free(&sa);
  if (entfd >= 0) close(entfd);
  close(newfd);
  close(tmpfd);
  close(dirfd);
  errno = err;
  return -1;
}
