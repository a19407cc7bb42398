/* bench-driver: the timed loop of make bench. It plays the caller
   (qmail-smtpd's side of the qmail-queue interface) with no shell in the
   loop, runs the cells of one group round-robin, and prints one Markdown
   table row and one TSV line per cell.

   bench-driver [-c conc] [-n batch] [-r reps] [-p clamdpid] [-g group]
                [-T tsvfile] cellsfile

   cellsfile: one cell per line, tab-separated:
     NAME MODE MSGFILE ENVFILE DIR ARGV...
   MODE caller: fd 0 and fd 1 are pipes; the message is written to fd 0,
     then the envelope to fd 1 (as qmail-smtpd does), fd 2 is a pipe read
     to EOF, the program is waited for.
   MODE file: fd 0 is MSGFILE opened read-only (as a scanner gets it),
     fd 1 and fd 2 are pipes read to EOF.
   MODE stdin: like caller, in DIR, after removing DIR/msg and DIR/env
     (qscanq-stdin run alone).
   ARGV words are separated by single spaces.

   Each repetition runs every cell once, starting at a different cell
   (rotation), so that drift in the machine hits every cell alike. A cell
   runs batch messages with conc of them in flight. Latency is from the
   spawn to the later of the exit (waited for through a pidfd) and EOF on
   fd 2; exit->EOF is recorded too. CPU is the rusage of the waited-for
   child (its reaped descendants included; detached ones such as run-cleanq
   are not): the system-wide busy time from /proc/stat and clamd's own CPU
   are reported beside it. The cells named F and K are the reference:
   every figure is also given as a ratio to F + K of the same run. */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

enum mode
{
  M_CALLER,
  M_FILE,
  M_STDIN
};

struct cell
{
  char *name;
  enum mode mode;
  char *msgfile, *dir;
  char **argv;
  char *msg, *env;
  size_t msglen, envlen;
  /* results */
  double *lat, *eofx;
  size_t n, cap;
  double cpu, wall, sysbusy, clamdcpu;
  unsigned fails;
  char err[256];
  pthread_mutex_t lock;
};

static long clamdpid;
static long hz;

static void die(char const *what)
{
  fprintf(stderr, "bench-driver: fatal: %s: %s\n", what, strerror(errno));
  exit(111);
}

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *slurp(char const *file, size_t *len)
{
  int fd;
  struct stat st;
  char *s;
  size_t n = 0;
  if (!strcmp(file, "-"))
  {
    *len = 0;
    return 0;
  }
  fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || fstat(fd, &st) < 0) die(file);
  s = malloc((size_t)st.st_size + 1);
  if (!s) die("malloc");
  while (n < (size_t)st.st_size)
  {
    ssize_t r = read(fd, s + n, (size_t)st.st_size - n);
    if (r <= 0) die(file);
    n += (size_t)r;
  }
  close(fd);
  *len = n;
  return s;
}

/* Busy jiffies of the whole machine, and clamd's own. */
static double sysbusy(void)
{
  unsigned long long v[10] = { 0 };
  FILE *f = fopen("/proc/stat", "re");
  if (!f) return 0;
  if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", v, v + 1, v + 2, v + 3, v + 4, v + 5, v + 6, v + 7) < 8) v[0] = 0;
  fclose(f);
  /* user nice system [idle iowait] irq softirq steal */
  return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)hz;
}

static double clamdcpu(void)
{
  char path[64], buf[1024], *p;
  unsigned long long ut, st;
  FILE *f;
  size_t r;
  if (clamdpid <= 0) return 0;
  snprintf(path, sizeof path, "/proc/%ld/stat", clamdpid);
  f = fopen(path, "re");
  if (!f) return 0;
  r = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[r] = 0;
  p = strrchr(buf, ')');
  if (!p) return 0;
  /* fields 3..: state ppid pgrp session tty tpgid flags minflt cminflt
     majflt cmajflt utime stime */
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2) return 0;
  return (double)(ut + st) / (double)hz;
}

static void addresult(struct cell *c, double lat, double eofx, struct rusage const *ru, int ok, char const *err)
{
  pthread_mutex_lock(&c->lock);
  if (c->n == c->cap)
  {
    c->cap = c->cap ? 2 * c->cap : 256;
    c->lat = realloc(c->lat, c->cap * sizeof *c->lat);
    c->eofx = realloc(c->eofx, c->cap * sizeof *c->eofx);
    if (!c->lat || !c->eofx) die("realloc");
  }
  c->lat[c->n] = lat;
  c->eofx[c->n++] = eofx;
  c->cpu += (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec / 1e6 + (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec / 1e6;
  if (!ok && !c->fails++) snprintf(c->err, sizeof c->err, "%s", err);
  pthread_mutex_unlock(&c->lock);
}

static void pipe_ce(int p[2])
{
  if (pipe2(p, O_CLOEXEC) < 0) die("pipe2");
}

/* One message through the cell. */
static void run_one(struct cell *c)
{
  int in[2] = { -1, -1 }, env[2] = { -1, -1 }, rep[2] = { -1, -1 }, err[2];
  int fd0 = -1, pidfd, wstat = 0, exited = 0;
  size_t moff = 0, eoff = 0, errlen = 0;
  char errbuf[200];
  double t0, texit = 0, teof = 0;
  struct rusage ru;
  posix_spawn_file_actions_t fa;
  pid_t pid;

  memset(&ru, 0, sizeof ru);
  if (c->mode == M_STDIN)
  {
    char p[4096];
    snprintf(p, sizeof p, "%s/msg", c->dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/env", c->dir);
    unlink(p);
  }
  if (posix_spawn_file_actions_init(&fa)) die("posix_spawn_file_actions_init");
  pipe_ce(err);
  if (c->mode == M_FILE)
  {
    fd0 = open(c->msgfile, O_RDONLY | O_CLOEXEC);
    if (fd0 < 0) die(c->msgfile);
    pipe_ce(rep);
    posix_spawn_file_actions_adddup2(&fa, fd0, 0);
    posix_spawn_file_actions_adddup2(&fa, rep[1], 1);
  }
  else
  {
    pipe_ce(in);
    pipe_ce(env);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, env[0], 1);
  }
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  if (c->mode == M_STDIN) posix_spawn_file_actions_addchdir_np(&fa, c->dir);

  t0 = now();
  /* Like qmail-smtpd's vfork: no copy of our address space. */
  if ((errno = posix_spawn(&pid, c->argv[0], &fa, 0, c->argv, environ))) die(c->argv[0]);
  posix_spawn_file_actions_destroy(&fa);
  pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0) die("pidfd_open");
  close(err[1]);
  if (fd0 >= 0) close(fd0);
  if (rep[1] >= 0) close(rep[1]);
  if (in[0] >= 0)
  {
    close(in[0]);
    close(env[0]);
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    fcntl(env[1], F_SETFL, O_NONBLOCK);
    if (!c->msglen)
    {
      close(in[1]);
      in[1] = -1;
    }
    if (!c->envlen)
    {
      close(env[1]);
      env[1] = -1;
    }
  }

  for (;;)
  {
    struct pollfd x[4];
    int n = 0, ie = -1, ir = -1, io = -1, ip = -1;
    char buf[65536];
    if (err[0] >= 0) x[ie = n++] = (struct pollfd){ err[0], POLLIN, 0 };
    if (rep[0] >= 0) x[ir = n++] = (struct pollfd){ rep[0], POLLIN, 0 };
    if (in[1] >= 0) x[io = n++] = (struct pollfd){ in[1], POLLOUT, 0 };
    else if (env[1] >= 0) x[io = n++] = (struct pollfd){ env[1], POLLOUT, 0 };
    if (!exited) x[ip = n++] = (struct pollfd){ pidfd, POLLIN, 0 };
    if (!n) break;
    /* Something that outlives the program holds fd 2: give up on it. */
    if (exited && now() - texit > 30)
    {
      snprintf(errbuf, sizeof errbuf, "fd 2 still open 30 s after the exit");
      errlen = strlen(errbuf);
      wstat = 111 << 8;
      teof = now();
      break;
    }
    if (poll(x, (nfds_t)n, exited ? 1000 : -1) < 0)
    {
      if (errno == EINTR) continue;
      die("poll");
    }
    if (ip >= 0 && x[ip].revents)
    {
      if (wait4(pid, &wstat, 0, &ru) != pid) die("wait4");
      texit = now();
      exited = 1;
    }
    if (ie >= 0 && x[ie].revents)
    {
      ssize_t r = read(err[0], buf, sizeof buf);
      if (r > 0)
      {
        size_t k = (size_t)r < sizeof errbuf - 1 - errlen ? (size_t)r : sizeof errbuf - 1 - errlen;
        memcpy(errbuf + errlen, buf, k);
        errlen += k;
      }
      else if (r == 0 || errno != EINTR)
      {
        teof = now();
        close(err[0]);
        err[0] = -1;
      }
    }
    if (ir >= 0 && x[ir].revents)
    {
      ssize_t r = read(rep[0], buf, sizeof buf);
      if (r <= 0 && (r == 0 || errno != EINTR))
      {
        close(rep[0]);
        rep[0] = -1;
      }
    }
    if (io >= 0 && x[io].revents)
    {
      int *fd = in[1] >= 0 ? &in[1] : &env[1];
      char const *s = in[1] >= 0 ? c->msg : c->env;
      size_t *off = in[1] >= 0 ? &moff : &eoff;
      size_t len = in[1] >= 0 ? c->msglen : c->envlen;
      ssize_t w = write(*fd, s + *off, len - *off);
      if (w < 0 && errno != EAGAIN && errno != EINTR)
      {
        /* qmail_put: a failed write fails the transaction. */
        close(*fd);
        *fd = -1;
      }
      else if (w > 0 && (*off += (size_t)w) == len)
      {
        close(*fd);
        *fd = -1;
      }
    }
  }
  close(pidfd);
  if (err[0] >= 0) close(err[0]);
  if (rep[0] >= 0) close(rep[0]);
  if (in[1] >= 0) close(in[1]);
  if (env[1] >= 0) close(env[1]);
  errbuf[errlen] = 0;
  {
    int ok = WIFEXITED(wstat) && !WEXITSTATUS(wstat);
    char msg[256];
    snprintf(msg, sizeof msg, "status %d: %.200s", WIFEXITED(wstat) ? WEXITSTATUS(wstat) : 1000 + WTERMSIG(wstat), errbuf);
    addresult(c, (texit > teof ? texit : teof) - t0, teof - texit, &ru, ok, msg);
  }
}

struct batch
{
  struct cell *c;
  atomic_int left;
};

static void *worker(void *arg)
{
  struct batch *b = arg;
  while (atomic_fetch_sub(&b->left, 1) > 0) run_one(b->c);
  return 0;
}

static void run_batch(struct cell *c, int n, int conc)
{
  struct batch b = { c, n };
  pthread_t t[64];
  double w0 = now(), s0 = sysbusy(), k0 = clamdcpu();
  if (conc <= 1) worker(&b);
  else
  {
    for (int i = 0; i < conc; i++)
      if ((errno = pthread_create(&t[i], 0, worker, &b))) die("pthread_create");
    for (int i = 0; i < conc; i++) pthread_join(t[i], 0);
  }
  c->wall += now() - w0;
  c->sysbusy += sysbusy() - s0;
  c->clamdcpu += clamdcpu() - k0;
}

static int cmpd(void const *a, void const *b)
{
  double x = *(double const *)a, y = *(double const *)b;
  return x < y ? -1 : x > y;
}

/* Nearest rank. */
static double pct(double *v, size_t n, double p)
{
  size_t k;
  if (!n) return 0;
  k = (size_t)(p / 100.0 * (double)n + 0.999999);
  if (k < 1) k = 1;
  if (k > n) k = n;
  return v[k - 1];
}

struct stats
{
  double p50, p95, p99, mps, cpu, sys, clamd, e50, e99;
};

static void stats(struct cell *c, struct stats *s)
{
  qsort(c->lat, c->n, sizeof *c->lat, cmpd);
  qsort(c->eofx, c->n, sizeof *c->eofx, cmpd);
  s->p50 = pct(c->lat, c->n, 50) * 1e3;
  s->p95 = pct(c->lat, c->n, 95) * 1e3;
  s->p99 = pct(c->lat, c->n, 99) * 1e3;
  s->e50 = pct(c->eofx, c->n, 50) * 1e3;
  s->e99 = pct(c->eofx, c->n, 99) * 1e3;
  s->mps = c->wall > 0 ? (double)c->n / c->wall : 0;
  s->cpu = c->n ? c->cpu / (double)c->n * 1e3 : 0;
  s->sys = c->n ? c->sysbusy / (double)c->n * 1e3 : 0;
  s->clamd = c->n ? c->clamdcpu / (double)c->n * 1e3 : 0;
}

static char *ratio(char *buf, double v, double ref)
{
  if (ref > 0) snprintf(buf, 32, "%.2f", v / ref);
  else snprintf(buf, 32, "-");
  return buf;
}

int main(int argc, char **argv)
{
  int conc = 1, batch = 0, reps = 1, opt, eofcols = 0;
  char const *group = "", *tsv = 0;
  struct cell *cells = 0;
  size_t ncells = 0;
  FILE *f, *t = 0;
  char line[8192];
  struct stats *st, F = { 0 }, K = { 0 };
  int haveF = 0, haveK = 0;

  while ((opt = getopt(argc, argv, "c:n:r:p:g:T:e")) != -1)
    switch (opt)
    {
      case 'c': conc = atoi(optarg); break;
      case 'n': batch = atoi(optarg); break;
      case 'r': reps = atoi(optarg); break;
      case 'p': clamdpid = atol(optarg); break;
      case 'g': group = optarg; break;
      case 'T': tsv = optarg; break;
      case 'e': eofcols = 1; break;
      default: return 100;
    }
  if (argc - optind != 1 || conc < 1 || conc > 64 || reps < 1)
  {
    fprintf(stderr, "usage: bench-driver [-e] [-c conc] [-n batch] [-r reps] [-p clamdpid] [-g group] [-T tsv] cellsfile\n");
    return 100;
  }
  if (batch < conc) batch = conc;
  hz = sysconf(_SC_CLK_TCK);
  /* qmail-smtpd ignores SIGPIPE, and its qmail-queue inherits that. */
  signal(SIGPIPE, SIG_IGN);

  f = fopen(argv[optind], "re");
  if (!f) die(argv[optind]);
  while (fgets(line, sizeof line, f))
  {
    char *fld[6], *p = line, *w;
    struct cell *c;
    size_t na = 0;
    line[strcspn(line, "\n")] = 0;
    if (!*line || *line == '#') continue;
    for (int i = 0; i < 6; i++)
    {
      fld[i] = p ? strsep(&p, "\t") : 0;
      if (!fld[i])
      {
        fprintf(stderr, "bench-driver: fatal: bad cell line\n");
        return 100;
      }
    }
    cells = realloc(cells, (ncells + 1) * sizeof *cells);
    if (!cells) die("realloc");
    c = &cells[ncells++];
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->lock, 0);
    c->name = strdup(fld[0]);
    c->mode = !strcmp(fld[1], "file") ? M_FILE : !strcmp(fld[1], "stdin") ? M_STDIN
                                                                          : M_CALLER;
    c->msgfile = strdup(fld[2]);
    c->dir = strdup(fld[4]);
    c->msg = slurp(fld[2], &c->msglen);
    c->env = slurp(fld[3], &c->envlen);
    c->argv = calloc(strlen(fld[5]) / 2 + 2, sizeof *c->argv);
    if (!c->argv) die("calloc");
    p = strdup(fld[5]);
    while ((w = strsep(&p, " ")))
      if (*w) c->argv[na++] = w;
  }
  fclose(f);

  for (int r = 0; r < reps; r++)
    for (size_t j = 0; j < ncells; j++)
      run_batch(&cells[(r + j) % ncells], batch, conc);

  st = calloc(ncells, sizeof *st);
  if (!st) die("calloc");
  for (size_t i = 0; i < ncells; i++)
  {
    stats(&cells[i], &st[i]);
    if (!strcmp(cells[i].name, "F")) F = st[i], haveF = 1;
    if (!strcmp(cells[i].name, "K")) K = st[i], haveK = 1;
  }
  if (tsv && !(t = fopen(tsv, "ae"))) die(tsv);
  printf("| cell | n | p50 ms | p95 ms | msg/s | CPU ms/msg | busy ms/msg | clamd ms/msg |%s fails |\n", eofcols ? " exit→EOF p50 ms | exit→EOF p99 ms |" : "");
  printf("|---|--:|--:|--:|--:|--:|--:|--:|%s--:|\n", eofcols ? "--:|--:|" : "");
  for (size_t i = 0; i < ncells; i++)
  {
    struct stats *s = &st[i];
    struct cell *c = &cells[i];
    char a[32], b[32], d[32], e[32], g[32];
    int ref = haveF && haveK;
    /* F + K as one message: latencies and CPU add, so do times per
       message at concurrency. */
    double refmps = ref && F.mps > 0 && K.mps > 0 ? 1.0 / (1.0 / F.mps + 1.0 / K.mps) : 0;
    printf("| %s | %zu | %.2f (%s) | %.2f (%s) | %.0f (%s) | %.2f (%s) | %.2f (%s) | %.2f |", c->name, c->n,
        s->p50, ratio(a, s->p50, ref ? F.p50 + K.p50 : 0), s->p95, ratio(b, s->p95, ref ? F.p95 + K.p95 : 0),
        s->mps, ratio(d, s->mps, refmps), s->cpu, ratio(e, s->cpu, ref ? F.cpu + K.cpu : 0),
        s->sys, ratio(g, s->sys, ref ? F.sys + K.sys : 0), s->clamd);
    if (eofcols) printf(" %.3f | %.3f |", s->e50, s->e99);
    printf(" %u |\n", c->fails);
    if (t)
      fprintf(t, "%s\t%s\t%zu\t%.4f\t%.4f\t%.4f\t%.2f\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%u\n", group, c->name, c->n,
          s->p50, s->p95, s->p99, s->mps, s->cpu, s->sys, s->clamd, s->e50, s->e99, c->fails);
  }
  for (size_t i = 0; i < ncells; i++)
    if (cells[i].fails) fprintf(stderr, "bench-driver: %s: %u failed, first: %s\n", cells[i].name, cells[i].fails, cells[i].err);
  if (t) fclose(t);
  return 0;
}
