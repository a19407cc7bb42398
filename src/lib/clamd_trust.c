/* Who may be the server on a Unix socket. */

#include <qscanq/clamd.h>
#include <qscanq/qscanq.h>
#include "conf.h"

/* Static: /etc/passwd is read directly (no NSS). A missing user is
   simply not trusted; an unreadable passwd file is a failure. */
static int trust(struct qscanq_clamd *c, char const *name, char const **who)
{
  uid_t uid;
  gid_t gid;
  int r = qscanq_getpw(name, &uid, &gid);
  if (r < 0)
  {
    *who = name;
    return -1;
  }
  if (r) c->okuid[c->nokuid++] = uid;
  return 0;
}

int qscanq_clamd_trust(struct qscanq_clamd *c, char const **who)
{
  c->nokuid = 0;
  c->okuid[c->nokuid++] = 0;
  if (trust(c, c->clamduser, who) < 0 || trust(c, QSCANQ_USER, who) < 0) return -1;
  return 0;
}
