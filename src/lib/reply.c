#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <skalibs/types.h>
#include <skalibs/allreadwrite.h>
#include <qscanq/exitcodes.h>
#include <qscanq/qscanq.h>

/* qscanq(7), EXIT CODES AND REPLIES: plain, notqmail (82, fd 6), simscan (82, fd 4),
   indimail (33/34/71, or 88 with the text on $ERROR_FD, default 2). */

enum mode
{
  PLAIN,
  NOTQMAIL,
  SIMSCAN,
  INDIMAIL
};

static enum mode getmode(void)
{
  char const *m = getenv("QSCANQ_REPLY");
  if (!m || !*m || !strcmp(m, "plain")) return PLAIN;
  if (!strcmp(m, "notqmail")) return NOTQMAIL;
  if (!strcmp(m, "simscan")) return SIMSCAN;
  if (!strcmp(m, "indimail")) return INDIMAIL;
  return PLAIN;
}

int qscanq_replyfd(void)
{
  switch (getmode())
  {
    case NOTQMAIL: return 6;
    case SIMSCAN: return 4;
    case INDIMAIL:
    {
      char const *x = getenv("ERROR_FD");
      unsigned int fd;
      if (!x || !*x) return 2;
      if (!uint_scan(x, &fd) || fd > 1023) return -1;
      return (int)fd;
    }
    default: return -1;
  }
}

static int writable(int fd)
{
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0) return 0;
  fl &= O_ACCMODE;
  return fl == O_WRONLY || fl == O_RDWR;
}

/* One write of the whole reply; a failed or short write means the caller
   will not see the text, so the plain code is used instead. */
static int say(int fd, char const *s, size_t len)
{
  struct sigaction old, ign;
  ssize_t w;
  memset(&ign, 0, sizeof ign);
  ign.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ign, &old);
  do w = write(fd, s, len);
  while (w < 0 && errno == EINTR);
  sigaction(SIGPIPE, &old, 0);
  return w == (ssize_t)len;
}

int qscanq_reply(enum qscanq_verdict v, char const *what, int plaincode)
{
  enum mode m = getmode();
  char buf[512];
  size_t len = 0, wl;
  int fd = qscanq_replyfd();
  int plain = v == VERDICT_FAIL ? plaincode : QQ_PERM;
  char const *head, *tail;
  if (m == INDIMAIL) plain = v == VERDICT_VIRUS ? QQ_IND_VIRUS : v == VERDICT_BANNED ? QQ_IND_BANNED
                                                                                     : plaincode;
  if (v == VERDICT_CLEAN) return QQ_OK;
  if (m == PLAIN || fd < 0 || !writable(fd)) return plain;
  switch (v)
  {
    case VERDICT_VIRUS:
      head = "Dvirus found: ";
      tail = " (#5.7.1)";
      break;
    case VERDICT_BANNED:
      head = "Dbanned attachment: ";
      tail = " (#5.7.1)";
      break;
    default:
      head = "Z";
      tail = " (#4.3.0)";
      break;
  }
  if (!what || !*what) what = v == VERDICT_FAIL ? "temporary failure in the virus scanner" : "unknown";
  wl = strlen(what);
  if (wl > 400) wl = 400;
  memcpy(buf, head, strlen(head));
  len = strlen(head);
  for (size_t i = 0; i < wl; i++) buf[len++] = (what[i] == '\n' || what[i] == '\r' || !what[i]) ? ' ' : what[i];
  memcpy(buf + len, tail, strlen(tail));
  len += strlen(tail);
  /* notqmail/simscan read a NUL-terminated string; indimail a line. */
  buf[len++] = m == INDIMAIL ? '\n' : 0;
  if (!say(fd, buf, len)) return plain;
  return m == INDIMAIL ? QQ_IND_CUSTOM : QQ_CUSTOM;
}
