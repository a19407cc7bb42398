/* qq-fakeclamd: a stand-in clamd for the tests, for the replies a real
   one cannot be made to send. Listens, takes one connection at a time,
   reads the command (zFILDES with its descriptor, zINSTREAM with its
   chunks, or anything up to a NUL), then sends the canned reply and
   closes. One line per connection in the log says what it got, so a test
   can tell that no descriptor and no message bytes were handed over.

   usage: qq-fakeclamd (-s PATH | -p PORT) -l LOG [-r REPLY] [-d SECONDS] [-n COUNT]
   REPLY takes escapes \0 \n \r \\ \xHH (so NUL can be there or not);
   default "stream: OK\0" or "fd[5]: OK\0" as the command asks. The log
   is created once listening (tests wait for it). Plain libc: the build's
   default rule links it. */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static void die(char const *what)
{
  fprintf(stderr, "qq-fakeclamd: %s: %s\n", what, strerror(errno));
  exit(111);
}

static size_t unescape(char *out, char const *s)
{
  size_t o = 0;
  while (*s)
  {
    if (*s != '\\' || !s[1])
    {
      out[o++] = *s++;
      continue;
    }
    s++;
    switch (*s)
    {
      case '0':
        out[o++] = 0;
        s++;
        break;
      case 'n':
        out[o++] = '\n';
        s++;
        break;
      case 'r':
        out[o++] = '\r';
        s++;
        break;
      case 'x':
      {
        char h[3] = { s[1], s[1] ? s[2] : 0, 0 };
        out[o++] = (char)strtoul(h, 0, 16);
        s += 1 + strlen(h);
        break;
      }
      default: out[o++] = *s++;
    }
  }
  return o;
}

/* One byte, and any descriptors that ride with it (counted, closed). */
static ssize_t get1(int c, char *b, int *fds, long long *fdsize)
{
  char cbuf[CMSG_SPACE(sizeof(int) * 8)];
  struct iovec v = { .iov_base = b, .iov_len = 1 };
  struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  ssize_t r = recvmsg(c, &m, 0);
  if (r <= 0) return r;
  for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h))
    if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS)
    {
      size_t n = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < n; i++)
      {
        int fd;
        struct stat st;
        memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof fd);
        if (!fstat(fd, &st)) *fdsize = (long long)st.st_size;
        close(fd);
        (*fds)++;
      }
    }
  return r;
}

static int getn(int c, char *b, size_t n, int *fds, long long *fdsize)
{
  for (size_t i = 0; i < n; i++)
    if (get1(c, b + i, fds, fdsize) <= 0) return -1;
  return 0;
}

int main(int argc, char **argv)
{
  char const *path = 0, *log = 0, *replyarg = 0;
  int port = 0, delay = 0, count = -1, s, opt;
  char reply[4096];
  size_t replylen = 0;
  FILE *lf;
  while ((opt = getopt(argc, argv, "s:p:l:r:d:n:")) != -1)
    switch (opt)
    {
      case 's': path = optarg; break;
      case 'p': port = atoi(optarg); break;
      case 'l': log = optarg; break;
      case 'r': replyarg = optarg; break;
      case 'd': delay = atoi(optarg); break;
      case 'n': count = atoi(optarg); break;
      default: return 100;
    }
  if (!log || (!path == !port)) return 100;
  if (replyarg)
  {
    if (strlen(replyarg) >= sizeof reply) return 100;
    replylen = unescape(reply, replyarg);
  }
  signal(SIGPIPE, SIG_IGN);
  if (path)
  {
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof a.sun_path) return 100;
    strcpy(a.sun_path, path);
    unlink(path);
    s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (s < 0) die("socket");
    if (bind(s, (struct sockaddr *)&a, sizeof a) < 0) die("bind");
    if (chmod(path, 0666) < 0) die("chmod");
  }
  else
  {
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
    int one = 1;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) die("socket");
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(s, (struct sockaddr *)&a, sizeof a) < 0) die("bind");
  }
  if (listen(s, 16) < 0) die("listen");
  lf = fopen(log, "a");
  if (!lf) die("open the log");
  setvbuf(lf, 0, _IOLBF, 0);
  fprintf(lf, "listening\n");
  while (count)
  {
    char cmd[64];
    size_t n = 0;
    int fds = 0;
    long long fdsize = -1, bytes = 0;
    int c = accept(s, 0, 0);
    if (c < 0)
    {
      if (errno == EINTR) continue;
      die("accept");
    }
    if (count > 0) count--;
    while (n < sizeof cmd - 1 && get1(c, cmd + n, &fds, &fdsize) == 1 && cmd[n]) n++;
    cmd[n] = 0;
    if (!strcmp(cmd, "zFILDES"))
    {
      char b;
      getn(c, &b, 1, &fds, &fdsize);
    }
    else if (!strcmp(cmd, "zINSTREAM"))
      for (;;)
      {
        unsigned char h[4];
        unsigned long len;
        char b;
        if (getn(c, (char *)h, 4, &fds, &fdsize) < 0) break;
        len = ((unsigned long)h[0] << 24) | ((unsigned long)h[1] << 16) | ((unsigned long)h[2] << 8) | h[3];
        if (!len) break;
        while (len--)
        {
          if (get1(c, &b, &fds, &fdsize) != 1) break;
          bytes++;
        }
      }
    fprintf(lf, "cmd=%s fds=%d fdsize=%lld bytes=%lld\n", n ? cmd : "-", fds, fdsize, bytes);
    if (delay) sleep((unsigned int)delay);
    if (replyarg) (void)!write(c, reply, replylen);
    else if (!strcmp(cmd, "zFILDES")) (void)!write(c, "fd[5]: OK", 10);
    else (void)!write(c, "stream: OK", 11);
    close(c);
  }
  return 0;
}
