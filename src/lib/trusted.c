#include <unistd.h>
#include <skalibs/bytestr.h>
#include <qscanq/qscanq.h>
#include "conf.h"

/* Root, the effective user itself (qscand when setuid; anybody when the
   program is not running setuid and so has nothing to give away), and the
   users of conf-trusted. */
int qscanq_trusted(void)
{
  char list[] = QSCANQ_TRUSTED;
  uid_t ruid = getuid();
  char *s = list;
  if (!ruid || ruid == geteuid()) return 1;
  while (*s)
  {
    char *w;
    uid_t u;
    gid_t g;
    int r;
    while (*s == ' ' || *s == '\t') s++;
    if (!*s) break;
    w = s;
    while (*s && *s != ' ' && *s != '\t') s++;
    if (*s) *s++ = 0;
    r = qscanq_getpw(w, &u, &g);
    if (r < 0) return -1;
    if (r && u == ruid) return 1;
  }
  return 0;
}
