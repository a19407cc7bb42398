/* qscanq-clamd: a clamd client for SCANCMD. Unix sockets get the
   message's descriptor (FILDES), TCP servers a stream (INSTREAM). Several
   servers: tried in turn from a starting point spread by PID. Exit 0
   clean, 1 virus, 2 when no server gave an answer. See qscanq-clamd(8). */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <skalibs/allreadwrite.h>
#include <skalibs/ancil.h>
#include <skalibs/buffer.h>
#include <skalibs/ip46.h>
#include <skalibs/sgetopt.h>
#include <skalibs/socket.h>
#include <skalibs/strerr.h>
#include <skalibs/tai.h>
#include <skalibs/types.h>
#include <qscanq/clamd.h>
#include <qscanq/exitcodes.h>
#include <qscanq/qscanq.h>
#include "conf.h"

#define USAGE "qscanq-clamd [ -i | -P ] [ -s socket|host:port ]... [ -t seconds ] [ -u clamduser ] [ file ]"
#define dieusage() strerr_dieusage(VERDICT_FAIL, USAGE)
#define MAXSERVERS 16
/* One byte more than the longest valid reply, so that trailing bytes and
   over-long replies are seen (and refused) rather than cut off. */
#define REPLYBUF (QSCANQ_CLAMD_LINEMAX + 2)
/* A reply shown in a diagnostic, every byte escaped (4 bytes) at worst. */
#define SAFEBUF (REPLYBUF * 4 + 1)

static char chunk[262144];

/* The uids a Unix-socket peer may have: root, the clamd user, qscand. */
static uid_t okuid[3];
static unsigned int nokuid = 0;
static char const *clamduser = "clamav";

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
   turn into a way to read mail or pass a virus. */
static int peerok(int sock, char const *server)
{
  struct ucred cr;
  socklen_t l = sizeof cr;
  char fmt[UINT64_FMT];
  if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cr, &l) < 0)
  {
    strerr_warnwu2sys("check the owner of ", server);
    return 0;
  }
  for (unsigned int i = 0; i < nokuid; i++)
    if (cr.uid == okuid[i]) return 1;
  fmt[uint64_fmt(fmt, (uint64_t)cr.uid)] = 0;
  strerr_warnw("refusing ", server, ": its server runs as uid ", fmt, ", not root, ", clamduser, " or ", QSCANQ_USER);
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
static enum qscanq_verdict ask(char const *server, int fd, int forcestream, unsigned int timeout, char *sig)
{
  tain deadline;
  int isunix, sock, r, senderr = 0, fildes;
  char reply[REPLYBUF];
  char shown[SAFEBUF];
  size_t len, sigstart, siglen;
  char const *why;
  enum qscanq_verdict v;
  tain_now_g();
  tain_addsec_g(&deadline, (int)timeout);
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
  if (isunix && !peerok(sock, server))
  {
    close(sock);
    return VERDICT_FAIL;
  }
  fildes = isunix && !forcestream;
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

/* -P: is every server alive? For run scripts and qscanq-selftest. */
static int ping(char const *const *servers, unsigned int n, unsigned int timeout)
{
  int bad = 0;
  char reply[REPLYBUF];
  char shown[SAFEBUF];
  for (unsigned int i = 0; i < n; i++)
  {
    tain deadline;
    int isunix;
    int sock;
    size_t len;
    tain_now_g();
    tain_addsec_g(&deadline, (int)timeout);
    sock = connect_server(servers[i], &isunix, &deadline);
    if (sock < 0)
    {
      strerr_warnwusys("connect to ", servers[i]);
      bad = 1;
      continue;
    }
    if (isunix && !peerok(sock, servers[i])) bad = 1;
    else if (sendall(sock, "zPING", 6, &deadline) < 0 || getreply(sock, reply, sizeof reply, &len, &deadline) < 0)
    {
      if (errno == ETIMEDOUT) strerr_warnwu3x("ping ", servers[i], ": timed out");
      else strerr_warnwusys("ping ", servers[i]);
      bad = 1;
    }
    else if (len != 5 || memcmp(reply, "PONG", 5))
    {
      safe(shown, reply, len);
      strerr_warnw(servers[i], " said \"", shown, "\" to PING");
      bad = 1;
    }
    else
    {
      buffer_puts(buffer_1, servers[i]);
      buffer_putsflush(buffer_1, ": PONG\n");
    }
    close(sock);
  }
  return bad ? VERDICT_FAIL : 0;
}

/* Static: /etc/passwd is read directly (no NSS). A missing user is
   simply not trusted; an unreadable passwd file is a failure. */
static void trust(char const *name)
{
  uid_t uid;
  gid_t gid;
  int r = qscanq_getpw(name, &uid, &gid);
  if (r < 0) strerr_diefu2sys(VERDICT_FAIL, "look up user ", name);
  if (r) okuid[nokuid++] = uid;
}

int main(int argc, char const *const *argv)
{
  char const *servers[MAXSERVERS];
  unsigned int nservers = 0, timeout = 120, start;
  int forcestream = 0, pingonly = 0, fd;
  char sig[SAFEBUF];
  PROG = "qscanq-clamd";
  qscanq_version(argc, argv);
  {
    subgetopt l = SUBGETOPT_ZERO;
    for (;;)
    {
      int opt = subgetopt_r(argc, argv, "iPs:t:u:", &l);
      if (opt == -1) break;
      switch (opt)
      {
        case 'i': forcestream = 1; break;
        case 'P': pingonly = 1; break;
        case 's':
          if (nservers >= MAXSERVERS) strerr_dief(VERDICT_FAIL, "too many servers");
          servers[nservers++] = l.arg;
          break;
        case 't':
          if (!uint0_scan(l.arg, &timeout) || !timeout) dieusage();
          break;
        case 'u':
          if (!*l.arg) dieusage();
          clamduser = l.arg;
          break;
        default: dieusage();
      }
    }
    argc -= l.ind;
    argv += l.ind;
  }
  if (argc > 1) dieusage();
  if (!nservers) servers[nservers++] = "/run/clamav/clamd.ctl";
  /* A server that closes early must cost a failed send, not our life. */
  signal(SIGPIPE, SIG_IGN);
  okuid[nokuid++] = 0;
  trust(clamduser);
  trust(QSCANQ_USER);
  if (pingonly) return ping(servers, nservers, timeout);
  fd = qscanq_regular_input(argc ? argv[0] : 0, 0);

  start = (unsigned int)getpid() % nservers;
  for (unsigned int i = 0; i < nservers; i++)
  {
    char const *server = servers[(start + i) % nservers];
    switch (ask(server, fd, forcestream, timeout, sig))
    {
      case VERDICT_CLEAN:
        buffer_putsflush(buffer_1, "msg: OK\n");
        return VERDICT_CLEAN;
      case VERDICT_VIRUS:
        buffer_puts(buffer_1, "msg: ");
        buffer_puts(buffer_1, sig);
        buffer_putsflush(buffer_1, " FOUND\n");
        return VERDICT_VIRUS;
      default: break;
    }
  }
  strerr_dief(VERDICT_FAIL, nservers > 1 ? "no clamd server gave an answer (each failure is above)" : "the clamd server gave no answer (the failure is above)");
}
