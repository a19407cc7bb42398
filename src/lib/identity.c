#include <errno.h>
#include <grp.h>
#include <unistd.h>
#include <qscanq/qscanq.h>
#include "conf.h"

/* For the administrative programs: root becomes qscand, qscand stays
   (shedding any other real uid), anybody else is refused (EPERM). */
int qscanq_become_qscand(void)
{
  uid_t uid;
  gid_t gid;
  int r = qscanq_getpw(QSCANQ_USER, &uid, &gid);
  if (r < 0) return -1;
  if (!r)
  {
    errno = ENOENT;
    return -1;
  }
  if (!geteuid())
  {
    if (setgroups(1, &gid) < 0) return -1;
    if (setresgid(gid, gid, gid) < 0) return -1;
  }
  else if (geteuid() != uid)
  {
    errno = EPERM;
    return -1;
  }
  if (setresuid(uid, uid, uid) < 0) return -1;
  if (getuid() != uid || geteuid() != uid)
  {
    errno = EPERM;
    return -1;
  }
  return 0;
}
