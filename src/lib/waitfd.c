#include <errno.h>
#include <poll.h>
#include <skalibs/tai.h>
#include <qscanq/qscanq.h>

/* poll for one descriptor against an absolute deadline, EINTR-proof. */
int qscanq_waitfd(int fd, short events, tain const *deadline)
{
  for (;;)
  {
    struct pollfd x = { .fd = fd, .events = events };
    tain left;
    int r;
    tain_now_g();
    if (!tain_future(deadline))
    {
      errno = ETIMEDOUT;
      return 0;
    }
    tain_sub(&left, deadline, &STAMP);
    r = poll(&x, 1, tain_to_millisecs(&left) + 1);
    if (r < 0)
    {
      if (errno == EINTR) continue;
      return -1;
    }
    if (r && x.revents) return 1;
  }
}
