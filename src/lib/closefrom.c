#include <unistd.h>
#include <qscanq/qscanq.h>

void qscanq_closefrom(int keep)
{
  if (keep < 3)
  {
    closefrom(3);
    return;
  }
  for (int fd = 3; fd < keep; fd++) close(fd);
  closefrom(keep + 1);
}
