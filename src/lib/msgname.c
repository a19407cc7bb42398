#include <skalibs/tai.h>
#include <skalibs/types.h>
#include <qscanq/qscanq.h>

/* The TAI64N part makes names sortable by creation and lets cleanq's
   operator read the age off the name; ppid and counter make it unique. */
size_t qscanq_msgname(char *s, pid_t ppid, unsigned int n)
{
  tain now;
  size_t len;
  if (!tain_wallclock_read(&now)) now = tain_zero;
  len = timestamp_fmt(s, &now);
  s[len++] = '.';
  len += uint64_xfmt(s + len, (uint64_t)ppid);
  s[len++] = '.';
  len += uint_xfmt(s + len, n);
  s[len] = 0;
  return len;
}
