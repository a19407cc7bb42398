#include <errno.h>
#include <string.h>
#include <skalibs/buffer.h>
#include <skalibs/djbunix.h>
#include <skalibs/types.h>
#include <qscanq/qscanq.h>

/* /etc/passwd read directly: the core programs are static, and static
   glibc can only reach NSS by loading shared objects, which does not
   work under softlimit. qmail makes the same trade (auto_uids). */
int qscanq_getpw(char const *name, uid_t *uid, gid_t *gid)
{
  char line[1024];
  char buf[4096];
  buffer b;
  size_t namelen = strlen(name);
  int r = 0;
  int fd = open_read("/etc/passwd");
  if (fd < 0) return -1;
  buffer_init(&b, &buffer_read, fd, buf, sizeof buf);
  for (;;)
  {
    size_t len = 0;
    int skip = 0;
    char c;
    for (;;)
    {
      ssize_t g = buffer_get(&b, &c, 1);
      if (g < 0)
      {
        r = -1;
        goto end;
      }
      if (!g)
      {
        if (!len) goto end;
        break;
      }
      if (c == '\n') break;
      if (len >= sizeof line - 1) skip = 1;
      else line[len++] = c;
    }
    line[len] = 0;
    if (skip || len <= namelen || memcmp(line, name, namelen) || line[namelen] != ':') continue;
    {
      /* name:pw:uid:gid:... */
      char *p = strchr(line + namelen + 1, ':');
      uint64_t u, g;
      size_t k;
      if (!p) continue;
      k = uint64_scan(++p, &u);
      if (!k || p[k] != ':') continue;
      p += k + 1;
      k = uint64_scan(p, &g);
      if (!k || p[k] != ':') continue;
      *uid = (uid_t)u;
      *gid = (gid_t)g;
      r = 1;
      goto end;
    }
  }
end:
{
  int e = errno;
  fd_close(fd);
  errno = e;
}
  return r;
}
