#include <errno.h>
#include <sys/stat.h>
#include <qscanq/qscanq.h>
#include "conf.h"

/* The spool is where qscand writes and what cleanq removes from: a
   directory anybody but qscand could write to could hold planted links
   or names, and one owned by somebody else is not ours to use. */
int qscanq_spool_ok(int dirfd, uid_t uid, char const **why)
{
  struct stat st;
  if (fstat(dirfd, &st) < 0) return -1;
  if (!S_ISDIR(st.st_mode)) *why = "not a directory";
  else if (st.st_uid != uid) *why = "not owned by " QSCANQ_USER;
  else if (st.st_mode & 0022) *why = "writable by group or others";
  else return 1;
  return 0;
}
