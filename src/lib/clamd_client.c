/* The clamd client: one message to each server in turn until one
   answers, or every server pinged. Used by qscanq-clamd and, in
   process, by qscanq-stdin. See qscanq-clamd(8). */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <skalibs/allreadwrite.h>
#include <skalibs/ancil.h>
#include <skalibs/buffer.h>
#include <skalibs/ip46.h>
#include <skalibs/socket.h>
#include <skalibs/strerr.h>
#include <skalibs/tai.h>
#include <skalibs/types.h>
#include <qscanq/clamd.h>
#include <qscanq/exitcodes.h>
#include <qscanq/qscanq.h>
#include "conf.h"

/* One byte more than the longest valid reply, so that trailing bytes and
   over-long replies are seen (and refused) rather than cut off. */
#define REPLYBUF (QSCANQ_CLAMD_LINEMAX + 2)
/* A reply shown in a diagnostic, every byte escaped (4 bytes) at worst. */
#define SAFEBUF (REPLYBUF * 4 + 1)

/* The INSTREAM chunk: the shared scratch block (qscanq-stdin runs this
   client in process, and its memory must stay small). */
#define chunk qscanq_scratch

static int sendall(int fd, char const *s, size_t len, tain const *deadline)
{
  while (len)
  {
    ssize_t w;
    int r = qscanq_waitfd(fd, POLLOUT, deadline);
    if (r <= 0) return -1;
    w = send(fd, s, len, MSG_NOSIGNAL);
    if (w < 0)
    {
      if (errno == EINTR || errno == EAGAIN) continue;
      return -1;
    }
    s += w;
    len -= (size_t)w;
  }
  return 0;
}

/* clamd answers once and closes, so the reply is everything up to EOF
   (at most max bytes: more is refused by the grammar anyway). 0 and the
   length in *len, or -1 and errno (ETIMEDOUT at the deadline). */
static int getreply(int fd, char *s, size_t max, size_t *len, tain const *deadline)
{
  *len = 0;
  while (*len < max)
  {
    ssize_t r;
    int w = qscanq_waitfd(fd, POLLIN, deadline);
    if (w < 0) return -1;
    if (!w)
    {
      errno = ETIMEDOUT;
      return -1;
    }
    r = read(fd, s + *len, max - *len);
    if (r < 0)
    {
      if (errno == EINTR || errno == EAGAIN) continue;
      return -1;
    }
    if (!r) break;
    *len += (size_t)r;
  }
  return 0;
}

/* A reply quoted in a diagnostic: one line, blanks kept, the rest of
   what could fool the reader shown as \xHH. */
static void safe(char *out, char const *s, size_t len)
{
  static char const hex[] = "0123456789abcdef";
  size_t o = 0;
  /* The NUL that ends a proper reply is not worth showing. */
  if (len && !s[len - 1]) len--;
  for (size_t i = 0; i < len; i++)
  {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') out[o++] = (char)c;
    else
    {
      out[o++] = '\\';
      out[o++] = 'x';
      out[o++] = hex[c >> 4];
      out[o++] = hex[c & 15];
    }
  }
  out[o] = 0;
}

static int connect_server(char const *server, int *isunix, tain const *deadline)
{
  int fd;
  if (server[0] == '/')
  {
    *isunix = 1;
    fd = ipc_stream_nbcoe();
    if (fd < 0) return -1;
    if (!ipc_timed_connect_g(fd, server, deadline)) goto err;
    return fd;
  }
  else
  {
    ip46 ip;
    uint16_t port;
    size_t n;
    char const *p;
    char const *colon = strrchr(server, ':');
    *isunix = 0;
    if (!colon)
    {
      errno = EINVAL;
      return -1;
    }
    p = server;
    if (*p == '[') p++;
    n = ip46_scan(p, &ip);
    if (!n || (p[n] != ':' && p[n] != ']') || !uint160_scan(colon + 1, &port))
    {
      errno = EINVAL;
      return -1;
    }
    fd = socket_tcp46_nbcoe(ip46_is6(&ip));
    if (fd < 0) return -1;
    if (!socket_deadlineconnstamp46_g(fd, &ip, port, deadline)) goto err;
    return fd;
  }
err:
{
  int e = errno;
  close(fd);
  errno = e;
}
  return -1;
}

/* Nobody but root, the clamd user or qscand gets the message, or a say
   in its verdict: a socket path in a directory another user can write
   to, or a clamd that died and left its path to someone else, must not
   turn into a way to read mail or pass a virus. Root and our own euid
   (qscand, under qscanq) need no lookup; the names are looked up in
   /etc/passwd (static: no NSS) only for another peer, so the common
   cases cost nothing per message. A missing user is simply not
   trusted; an unreadable passwd file is a failure. */
static int peerok(struct qscanq_clamd const *c, int sock, char const *server)
{
  struct ucred cr;
  socklen_t l = sizeof cr;
  char fmt[UINT64_FMT];
  char const *names[2] = { c->clamduser, QSCANQ_USER };
  if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cr, &l) < 0)
  {
    strerr_warnwu2sys("check the owner of ", server);
    return 0;
  }
  if (!cr.uid || cr.uid == geteuid()) return 1;
  for (unsigned int i = 0; i < 2; i++)
  {
    uid_t uid;
    gid_t gid;
    int r = qscanq_getpw(names[i], &uid, &gid);
    if (r < 0)
    {
      strerr_warnwu2sys("look up user ", names[i]);
      return 0;
    }
    if (r && cr.uid == uid) return 1;
  }
  fmt[uint64_fmt(fmt, (uint64_t)cr.uid)] = 0;
  strerr_warnw("refusing ", server, ": its server runs as uid ", fmt, ", not root, ", c->clamduser, " or ", QSCANQ_USER);
  return 0;
}

static int instream(int sock, int fd, tain const *deadline)
{
  off_t off = 0;
  if (sendall(sock, "zINSTREAM", 10, deadline) < 0) return -1;
  for (;;)
  {
    ssize_t r = pread(fd, chunk + 4, sizeof chunk - 4, off);
    uint32_t n;
    if (r < 0)
    {
      if (errno == EINTR) continue;
      strerr_warnwusys("read the message");
      return -2;
    }
    n = (uint32_t)r;
    chunk[0] = (char)(n >> 24);
    chunk[1] = (char)(n >> 16);
    chunk[2] = (char)(n >> 8);
    chunk[3] = (char)n;
    if (sendall(sock, chunk, (size_t)r + 4, deadline) < 0) return -1;
    if (!r) return 0;
    off += r;
  }
}

static int sendfildes(int sock, int fd, tain const *deadline)
{
  if (sendall(sock, "zFILDES", 8, deadline) < 0) return -1;
  for (;;)
  {
    int r = qscanq_waitfd(sock, POLLOUT, deadline);
    if (r <= 0) return -1;
    if (ancil_send_fd(sock, fd, 0)) return 0;
    if (errno != EINTR && errno != EAGAIN) return -1;
  }
}

/* One server's verdict. Warns and returns VERDICT_FAIL on any failure;
   on VERDICT_VIRUS, sig holds the signature made safe for a report. */
static enum qscanq_verdict ask(struct qscanq_clamd const *c, char const *server, int fd, tain const *limit, char *sig)
{
  tain deadline;
  int isunix, sock, r, senderr = 0, fildes;
  char reply[REPLYBUF];
  char shown[SAFEBUF];
  size_t len, sigstart, siglen;
  char const *why;
  enum qscanq_verdict v;
  tain_now_g();
  tain_addsec_g(&deadline, (int)c->timeout);
  if (limit && tain_less(limit, &deadline)) deadline = *limit;
  if (lseek(fd, 0, SEEK_SET) < 0)
  {
    strerr_warnwusys("rewind the message");
    return VERDICT_FAIL;
  }
  sock = connect_server(server, &isunix, &deadline);
  if (sock < 0)
  {
    if (errno == ETIMEDOUT) strerr_warnwu3x("connect to ", server, ": timed out");
    else strerr_warnwusys("connect to ", server);
    return VERDICT_FAIL;
  }
  if (isunix && !peerok(c, sock, server))
  {
    close(sock);
    return VERDICT_FAIL;
  }
  fildes = isunix && !c->forcestream;
  r = fildes ? sendfildes(sock, fd, &deadline) : instream(sock, fd, &deadline);
  if (r == -2)
  {
    close(sock);
    return VERDICT_FAIL;
  }
  if (r < 0)
  {
    senderr = errno;
    if (senderr == ETIMEDOUT) strerr_warnwu3x("send to ", server, ": timed out");
    else strerr_warnwusys("send to ", server);
  }
  /* Even after a failed send: clamd may have said why (a size limit). */
  if (getreply(sock, reply, sizeof reply, &len, &deadline) < 0)
  {
    int e = errno;
    close(sock);
    errno = e;
    if (e == ETIMEDOUT) strerr_warnwu3x("read a reply from ", server, ": timed out");
    else strerr_warnwusys("read a reply from ", server);
    return VERDICT_FAIL;
  }
  close(sock);
  v = qscanq_clamd_reply(reply, len, fildes, &sigstart, &siglen, &why);
  safe(shown, reply, len);
  if (senderr)
  {
    /* The whole message was not scanned: whatever the answer, no verdict. */
    if (v == VERDICT_FAIL && len) strerr_warnw(server, " said \"", shown, "\": ", why);
    else if (len) strerr_warnw(server, " said \"", shown, "\" to a message it did not get whole");
    return VERDICT_FAIL;
  }
  if (v == VERDICT_FAIL)
  {
    if (len) strerr_warnw(server, " said \"", shown, "\": ", why);
    else strerr_warnw(server, ": ", why);
    return VERDICT_FAIL;
  }
  if (v == VERDICT_VIRUS) qscanq_logsafe(sig, SAFEBUF, reply + sigstart, siglen);
  return v;
}

enum qscanq_verdict qscanq_clamd_scan(struct qscanq_clamd const *c, int fd, unsigned int start, tain const *limit,
    char *rep, size_t *replen)
{
  char sig[SAFEBUF];
  *replen = 0;
  for (unsigned int i = 0; i < c->n; i++)
  {
    char const *server = c->servers[(start + i) % c->n];
    switch (ask(c, server, fd, limit, sig))
    {
      case VERDICT_CLEAN:
        memcpy(rep, "msg: OK\n", 8);
        *replen = 8;
        return VERDICT_CLEAN;
      case VERDICT_VIRUS:
      {
        size_t l = strlen(sig);
        memcpy(rep, "msg: ", 5);
        memcpy(rep + 5, sig, l);
        memcpy(rep + 5 + l, " FOUND\n", 7);
        *replen = l + 12;
        return VERDICT_VIRUS;
      }
      default: break;
    }
  }
  return VERDICT_FAIL;
}

/* For run scripts and qscanq-selftest. */
int qscanq_clamd_ping(struct qscanq_clamd const *c)
{
  int bad = 0;
  char reply[REPLYBUF];
  char shown[SAFEBUF];
  for (unsigned int i = 0; i < c->n; i++)
  {
    tain deadline;
    int isunix;
    int sock;
    size_t len;
    tain_now_g();
    tain_addsec_g(&deadline, (int)c->timeout);
    sock = connect_server(c->servers[i], &isunix, &deadline);
    if (sock < 0)
    {
      strerr_warnwusys("connect to ", c->servers[i]);
      bad = 1;
      continue;
    }
    if (isunix && !peerok(c, sock, c->servers[i])) bad = 1;
    else if (sendall(sock, "zPING", 6, &deadline) < 0 || getreply(sock, reply, sizeof reply, &len, &deadline) < 0)
    {
      if (errno == ETIMEDOUT) strerr_warnwu3x("ping ", c->servers[i], ": timed out");
      else strerr_warnwusys("ping ", c->servers[i]);
      bad = 1;
    }
    else if (len != 5 || memcmp(reply, "PONG", 5))
    {
      safe(shown, reply, len);
      strerr_warnw(c->servers[i], " said \"", shown, "\" to PING");
      bad = 1;
    }
    else
    {
      buffer_puts(buffer_1, c->servers[i]);
      buffer_putsflush(buffer_1, ": PONG\n");
    }
    close(sock);
  }
  return bad ? VERDICT_FAIL : 0;
}
