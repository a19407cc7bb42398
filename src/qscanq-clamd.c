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
#include <qscanq/exitcodes.h>
#include <qscanq/qscanq.h>

#define USAGE "qscanq-clamd [ -i | -P ] [ -s socket|host:port ]... [ -t seconds ] [ file ]"
#define dieusage() strerr_dieusage(VERDICT_FAIL, USAGE)
#define MAXSERVERS 16
#define REPLYMAX 1024

static char chunk[262144];

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

/* clamd's z-commands answer with one NUL-terminated line. */
static ssize_t getreply(int fd, char *s, size_t max, tain const *deadline)
{
  size_t len = 0;
  while (len < max - 1)
  {
    ssize_t r;
    int w = qscanq_waitfd(fd, POLLIN, deadline);
    if (w <= 0) return -1;
    r = read(fd, s + len, max - 1 - len);
    if (r < 0)
    {
      if (errno == EINTR || errno == EAGAIN) continue;
      if (len) break;
      return -1;
    }
    if (!r) break;
    len += (size_t)r;
    if (memchr(s + len - r, 0, (size_t)r)) break;
  }
  s[len] = 0;
  while (len && (s[len - 1] == '\n' || s[len - 1] == 0)) s[--len] = 0;
  return (ssize_t)strlen(s);
}

static int connect_server(char const *server, int *isunix, tain const *deadline)
{
  int fd;
  if (server[0] == '/')
  {
    *isunix = 1;
    fd = ipc_stream_nbcoe();
    if (fd < 0) return -1;
    if (!ipc_connect(fd, server))
    {
      if (errno != EINPROGRESS && errno != EAGAIN) goto err;
      if (qscanq_waitfd(fd, POLLOUT, deadline) <= 0 || !ipc_connected(fd)) goto err;
    }
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
    if (socket_connect46(fd, &ip, port) < 0)
    {
      if (errno != EINPROGRESS) goto err;
      if (qscanq_waitfd(fd, POLLOUT, deadline) <= 0) goto err;
      {
        int e = 0;
        socklen_t l = sizeof e;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l) < 0) goto err;
        if (e)
        {
          errno = e;
          goto err;
        }
      }
    }
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

static enum qscanq_verdict ask(char const *server, int fd, int forcestream, unsigned int timeout, char *reply)
{
  tain deadline;
  int isunix, sock, r;
  tain_now_g();
  tain_addsec_g(&deadline, (int)timeout);
  reply[0] = 0;
  if (lseek(fd, 0, SEEK_SET) < 0)
  {
    strerr_warnwusys("rewind the message");
    return VERDICT_FAIL;
  }
  sock = connect_server(server, &isunix, &deadline);
  if (sock < 0)
  {
    strerr_warnwusys("connect to ", server);
    return VERDICT_FAIL;
  }
  if (isunix && !forcestream)
  {
    r = sendall(sock, "zFILDES", 8, &deadline);
    if (!r && qscanq_waitfd(sock, POLLOUT, &deadline) > 0)
    {
      if (!ancil_send_fd(sock, fd, 0)) r = -1;
    }
    else r = -1;
  }
  else r = instream(sock, fd, &deadline);
  if (r == -2)
  {
    close(sock);
    return VERDICT_FAIL;
  }
  if (r < 0) strerr_warnwusys("send to ", server);
  /* Even after a failed send: clamd may have said why (size limit). */
  if (getreply(sock, reply, REPLYMAX, &deadline) <= 0)
  {
    if (!reply[0]) strerr_warnwusys("read a reply from ", server);
    close(sock);
    return VERDICT_FAIL;
  }
  close(sock);
  if (r < 0)
  {
    strerr_warnw("clamd ", server, " said: ", reply);
    return VERDICT_FAIL;
  }
  {
    size_t len = strlen(reply);
    char *colon = strstr(reply, ": ");
    if (colon && len >= 4 && !strcmp(reply + len - 4, ": OK")) return VERDICT_CLEAN;
    if (colon && len > 6 && !strcmp(reply + len - 6, " FOUND") && colon + 2 < reply + len - 6) return VERDICT_VIRUS;
  }
  strerr_warnw("clamd ", server, " said: ", reply);
  return VERDICT_FAIL;
}

/* -P: is every server alive? For run scripts and qscanq-selftest. */
static int ping(char const *const *servers, unsigned int n, unsigned int timeout)
{
  int bad = 0;
  char reply[REPLYMAX];
  for (unsigned int i = 0; i < n; i++)
  {
    tain deadline;
    int isunix;
    int sock;
    tain_now_g();
    tain_addsec_g(&deadline, (int)timeout);
    sock = connect_server(servers[i], &isunix, &deadline);
    if (sock < 0)
    {
      strerr_warnwusys("connect to ", servers[i]);
      bad = 1;
      continue;
    }
    if (sendall(sock, "zPING", 6, &deadline) < 0 || getreply(sock, reply, REPLYMAX, &deadline) <= 0)
    {
      strerr_warnwusys("ping ", servers[i]);
      bad = 1;
    }
    else if (strcmp(reply, "PONG"))
    {
      strerr_warnw("clamd ", servers[i], " said: ", reply);
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

int main(int argc, char const *const *argv)
{
  char const *servers[MAXSERVERS];
  unsigned int nservers = 0, timeout = 120, start;
  int forcestream = 0, pingonly = 0, fd;
  char reply[REPLYMAX];
  PROG = "qscanq-clamd";
  {
    subgetopt l = SUBGETOPT_ZERO;
    for (;;)
    {
      int opt = subgetopt_r(argc, argv, "iPs:t:", &l);
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
        default: dieusage();
      }
    }
    argc -= l.ind;
    argv += l.ind;
  }
  if (argc > 1) dieusage();
  if (!nservers) servers[nservers++] = "/run/clamav/clamd.ctl";
  signal(SIGPIPE, SIG_IGN);
  if (pingonly) return ping(servers, nservers, timeout);
  fd = qscanq_regular_input(argc ? argv[0] : 0, 0);

  start = (unsigned int)getpid() % nservers;
  for (unsigned int i = 0; i < nservers; i++)
  {
    char const *server = servers[(start + i) % nservers];
    switch (ask(server, fd, forcestream, timeout, reply))
    {
      case VERDICT_CLEAN:
        buffer_putsflush(buffer_1, "msg: OK\n");
        return VERDICT_CLEAN;
      case VERDICT_VIRUS:
      {
        char *name = strstr(reply, ": ") + 2;
        buffer_puts(buffer_1, "msg: ");
        buffer_puts(buffer_1, name);
        buffer_putsflush(buffer_1, "\n");
        return VERDICT_VIRUS;
      }
      default: break;
    }
  }
  strerr_dief(VERDICT_FAIL, "no clamd server gave an answer");
}
