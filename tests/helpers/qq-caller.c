/* qq-caller: plays qmail-smtpd's side of the qmail-queue interface.
   qq-caller [-r fd] [-o dir] msgfile envfile prog [arg...]
   Runs prog with the message on a pipe at fd 0, the envelope on a pipe at
   fd 1, a pipe at fd 2 (and at the reply fd with -r). Writes the message,
   then the envelope, as qmail-smtpd does; reads fd 2 and the reply fd
   until EOF. Prints on stdout:
     exit=N             prog's exit code (signal: exit=sigN)
     eof_ms=N           ms from prog's exit to EOF on fd 2 and the reply fd
     writeerr=...       if writing the message or envelope failed
   and saves what arrived on fd 2 and the reply fd in dir/stderr and
   dir/reply. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *slurp(char const *file, size_t *len)
{
  int fd = open(file, O_RDONLY);
  struct stat st;
  char *s;
  size_t n = 0;
  if (fd < 0 || fstat(fd, &st) < 0)
  {
    perror(file);
    exit(100);
  }
  s = malloc((size_t)st.st_size + 1);
  if (!s)
  {
    perror("malloc");
    exit(100);
  }
  while (n < (size_t)st.st_size)
  {
    ssize_t r = read(fd, s + n, (size_t)st.st_size - n);
    if (r <= 0)
    {
      perror(file);
      exit(100);
    }
    n += (size_t)r;
  }
  close(fd);
  *len = n;
  return s;
}

int main(int argc, char **argv)
{
  int replyfd = -1, opt;
  char const *outdir = ".";
  int pm[2], pe[2], p2[2], pr[2] = { -1, -1 };
  char *msg, *env;
  size_t msglen, envlen, msgoff = 0, envoff = 0;
  pid_t pid;
  int wstat = 0, exited = 0;
  long long texit = 0;
  char const *writeerr = 0;
  FILE *ferr, *frep = 0;
  char path[4096];
  while ((opt = getopt(argc, argv, "+r:o:")) != -1)
    switch (opt)
    {
      case 'r': replyfd = atoi(optarg); break;
      case 'o': outdir = optarg; break;
      default: return 100;
    }
  if (argc - optind < 3)
  {
    fprintf(stderr, "usage: qq-caller [-r fd] [-o dir] msgfile envfile prog...\n");
    return 100;
  }
  msg = slurp(argv[optind], &msglen);
  env = slurp(argv[optind + 1], &envlen);
  signal(SIGPIPE, SIG_IGN);
  if (pipe(pm) < 0 || pipe(pe) < 0 || pipe(p2) < 0 || (replyfd >= 0 && pipe(pr) < 0))
  {
    perror("pipe");
    return 100;
  }
  /* Keep our ends clear of the numbers the child needs. */
  for (int *p = pm; p < pm + 2; p++)
  {
    int n = fcntl(*p, F_DUPFD_CLOEXEC, 10);
    close(*p);
    *p = n;
  }
  for (int *p = pe; p < pe + 2; p++)
  {
    int n = fcntl(*p, F_DUPFD_CLOEXEC, 10);
    close(*p);
    *p = n;
  }
  for (int *p = p2; p < p2 + 2; p++)
  {
    int n = fcntl(*p, F_DUPFD_CLOEXEC, 10);
    close(*p);
    *p = n;
  }
  if (replyfd >= 0)
    for (int *p = pr; p < pr + 2; p++)
    {
      int n = fcntl(*p, F_DUPFD_CLOEXEC, 10);
      close(*p);
      *p = n;
    }
  pid = fork();
  if (pid < 0)
  {
    perror("fork");
    return 100;
  }
  if (!pid)
  {
    signal(SIGPIPE, SIG_DFL);
    if (dup2(pm[0], 0) < 0 || dup2(pe[0], 1) < 0 || dup2(p2[1], 2) < 0) _exit(100);
    if (replyfd >= 0 && dup2(pr[1], replyfd) < 0) _exit(100);
    execvp(argv[optind + 2], argv + optind + 2);
    _exit(127);
  }
  close(pm[0]);
  close(pe[0]);
  close(p2[1]);
  if (replyfd >= 0) close(pr[1]);
  fcntl(pm[1], F_SETFL, O_NONBLOCK);
  fcntl(pe[1], F_SETFL, O_NONBLOCK);
  snprintf(path, sizeof path, "%s/stderr", outdir);
  ferr = fopen(path, "w");
  if (replyfd >= 0)
  {
    snprintf(path, sizeof path, "%s/reply", outdir);
    frep = fopen(path, "w");
  }
  if (!ferr || (replyfd >= 0 && !frep))
  {
    perror("fopen");
    return 100;
  }
  if (!msglen)
  {
    close(pm[1]);
    pm[1] = -1;
  }
  if (!envlen)
  {
    close(pe[1]);
    pe[1] = -1;
  }
  for (;;)
  {
    struct pollfd x[4];
    int n = 0, ierr = -1, irep = -1, iout = -1;
    char buf[65536];
    if (!exited)
    {
      pid_t w = waitpid(pid, &wstat, WNOHANG);
      if (w == pid)
      {
        exited = 1;
        texit = now_ms();
      }
    }
    if (p2[0] >= 0)
    {
      x[n].fd = p2[0];
      x[n].events = POLLIN;
      ierr = n++;
    }
    if (pr[0] >= 0)
    {
      x[n].fd = pr[0];
      x[n].events = POLLIN;
      irep = n++;
    }
    if (pm[1] >= 0)
    {
      x[n].fd = pm[1];
      x[n].events = POLLOUT;
      iout = n++;
    }
    else if (pe[1] >= 0)
    {
      x[n].fd = pe[1];
      x[n].events = POLLOUT;
      iout = n++;
    }
    if (!n && exited) break;
    if (!n)
    {
      /* Nothing left to read or write: just wait for prog. */
      while (waitpid(pid, &wstat, 0) < 0 && errno == EINTR)
        ;
      exited = 1;
      texit = now_ms();
      break;
    }
    if (poll(x, (nfds_t)n, 50) < 0 && errno != EINTR)
    {
      perror("poll");
      return 100;
    }
    if (ierr >= 0 && x[ierr].revents)
    {
      ssize_t r = read(p2[0], buf, sizeof buf);
      if (r > 0) fwrite(buf, 1, (size_t)r, ferr);
      else
      {
        close(p2[0]);
        p2[0] = -1;
      }
    }
    if (irep >= 0 && x[irep].revents)
    {
      ssize_t r = read(pr[0], buf, sizeof buf);
      if (r > 0) fwrite(buf, 1, (size_t)r, frep);
      else
      {
        close(pr[0]);
        pr[0] = -1;
      }
    }
    if (iout >= 0 && x[iout].revents)
    {
      int *fd = pm[1] >= 0 ? &pm[1] : &pe[1];
      char *s = pm[1] >= 0 ? msg : env;
      size_t *off = pm[1] >= 0 ? &msgoff : &envoff;
      size_t len = pm[1] >= 0 ? msglen : envlen;
      ssize_t w = write(*fd, s + *off, len - *off);
      if (w < 0 && errno != EAGAIN && errno != EINTR)
      {
        /* qmail_put: a failed write fails the whole transaction. */
        if (!writeerr) writeerr = fd == &pm[1] ? "message" : "envelope";
        close(*fd);
        *fd = -1;
      }
      else if (w > 0)
      {
        *off += (size_t)w;
        if (*off == len)
        {
          close(*fd);
          *fd = -1;
        }
      }
    }
    /* Something that outlives prog and holds our pipes: give up. */
    if (exited && now_ms() - texit > 10000)
    {
      printf("hung=1\n");
      break;
    }
  }
  fclose(ferr);
  if (frep) fclose(frep);
  if (WIFEXITED(wstat)) printf("exit=%d\n", WEXITSTATUS(wstat));
  else printf("exit=sig%d\n", WTERMSIG(wstat));
  printf("eof_ms=%lld\n", now_ms() - texit);
  if (writeerr) printf("writeerr=%s\n", writeerr);
  return 0;
}
