/* run-cleanq: one cleanq pass unless one is running already. Spawned by
   qscanq after every message, so a busy spool costs one failed lock. */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <skalibs/strerr.h>
#include <qscanq/exitcodes.h>
#include <qscanq/qscanq.h>
#include "conf.h"

#define USAGE "run-cleanq"

int main(int argc, char const *const *argv)
{
  char const *spool = getenv("SCANDIR");
  int fd;
  PROG = "run-cleanq";
  (void)argv;
  if (argc > 1) strerr_dieusage(ADM_USAGE, USAGE);
  if (!spool || !*spool) spool = QSCANQ_SCANDIR;
  umask(077);
  if (qscanq_become_qscand() < 0)
  {
    if (errno == EPERM) strerr_dief(ADM_USAGE, "must be run as root or " QSCANQ_USER);
    strerr_diefusys(ADM_TEMP, "become ", QSCANQ_USER);
  }
  {
    size_t len = strlen(spool);
    char lock[len + 6];
    memcpy(lock, spool, len);
    memcpy(lock + len, "/lock", 6);
    fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW, 0600);
    if (fd < 0) strerr_diefusys(ADM_TEMP, "open ", lock);
  }
  if (flock(fd, LOCK_EX | LOCK_NB) < 0)
  {
    if (errno == EWOULDBLOCK) return 0;
    strerr_diefusys(ADM_TEMP, "lock ", spool, "/lock");
  }
  /* The lock stays held across the exec, for the whole pass. */
  {
    char const *cargv[] = { "cleanq", spool, 0 };
    execv(QSCANQ_CLEANQ, (char *const *)cargv);
  }
  strerr_diefusys(ADM_TEMP, "exec ", QSCANQ_CLEANQ);
}
