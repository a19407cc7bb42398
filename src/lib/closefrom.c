#include <unistd.h>
#include <qscanq/qscanq.h>

void qscanq_closefrom(int keep, int keep2)
{
  int top = keep > keep2 ? keep : keep2;
  for (int fd = 3; fd < top; fd++)
    if (fd != keep && fd != keep2) close(fd);
  closefrom(top < 3 ? 3 : top + 1);
}
