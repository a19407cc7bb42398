/* bench-standin: the static stand-in for qmail-queue in make bench.
   Reads fd 0 and then fd 1 to EOF, as qmail-queue does, writes nothing,
   exits 0. Static, so that its own start costs no dynamic loading and
   the floor (the cell F) is the cost of one exec and two pipes. */

#include <unistd.h>

static char buf[65536];

static int drain(int fd)
{
  for (;;)
  {
    ssize_t r = read(fd, buf, sizeof buf);
    if (!r) return 0;
    if (r < 0) return -1;
  }
}

int main(void)
{
  if (drain(0) < 0 || drain(1) < 0) return 111;
  return 0;
}
