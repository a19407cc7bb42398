#include <errno.h>
#include <unistd.h>
#include <qscanq/qscanq.h>

ssize_t qscanq_readall(int fd, char *s, size_t n)
{
  size_t w = 0;
  while (w < n)
  {
    ssize_t r = read(fd, s + w, n - w);
    if (r < 0)
    {
      if (errno == EINTR) continue;
      return -1;
    }
    if (!r) break;
    w += (size_t)r;
  }
  return (ssize_t)w;
}
