#include <unistd.h>
#include <skalibs/bytestr.h>
#include <qscanq/qscanq.h>
#include "conf.h"

/* Root, the effective user itself (qscand when setuid; anybody when the
   program is not running setuid and so has nothing to give away), and the
   users of conf-trusted. The answer is kept: a program asks for
   SCANDIR, SCANCMD and the quarantine alike, and each question would
   read /etc/passwd once per name of conf-trusted; the ids it depends on
   are the same for every question (an error is not kept). */
int qscanq_trusted(void)
{
  static int known = -1;
  static uid_t kruid, keuid;
  char list[] = QSCANQ_TRUSTED;
  uid_t ruid = getuid(), euid = geteuid();
  char *s = list;
  int answer = 0;
  if (known >= 0 && kruid == ruid && keuid == euid) return known;
  if (!ruid || ruid == euid) answer = 1;
  while (!answer && *s)
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
    if (r && u == ruid) answer = 1;
  }
  known = answer;
  kruid = ruid;
  keuid = euid;
  return answer;
}
