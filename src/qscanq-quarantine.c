/* qscanq-quarantine: lists, shows, releases, expires and summarises the
   refused messages qscanq-stdin kept. Run by root (it becomes qscand) or
   by qscand. Every decision is in qscanq-quarantine(8). */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <skalibs/allreadwrite.h>
#include <skalibs/buffer.h>
#include <skalibs/djbunix.h>
#include <skalibs/sgetopt.h>
#include <skalibs/stralloc.h>
#include <skalibs/strerr.h>
#include <skalibs/types.h>
#include <qscanq/exitcodes.h>
#include <qscanq/qscanq.h>
#include <qscanq/quarantine.h>
#include "conf.h"

#define USAGE "qscanq-quarantine [ -d dir ] -l | -s id | -r id [ -t addr ]... | -x days | -S [ days ]"
#define dieusage() strerr_dieusage(ADM_USAGE, USAGE)
#define TOP 10
#define LISTMAX 100
#define HEADMAX 65536

static char const *dir = QSCANQ_QUARANTINE;
static int newfd = -1, tmpfd = -1;

static void out(char const *s, size_t n)
{
  if (buffer_put(buffer_1, s, n) < 0) strerr_diefusys(ADM_TEMP, "write to stdout");
}
static void outs(char const *s) { out(s, strlen(s)); }
static void outu(uint64_t u)
{
  char fmt[UINT64_FMT];
  out(fmt, uint64_fmt(fmt, u));
}
static void flush(void)
{
  if (!buffer_flush(buffer_1)) strerr_diefusys(ADM_TEMP, "write to stdout");
}

/* An entry's info, its lines NUL-ended so field() can hand out several. */
static int readinfo(char const *id, stralloc *info)
{
  int efd = openat(newfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), fd;
  info->len = 0;
  if (efd < 0) return -1;
  fd = openat(efd, "info", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  fd_close(efd);
  if (fd < 0) return -1;
  if (!slurp(info, fd))
  {
    fd_close(fd);
    return -1;
  }
  fd_close(fd);
  /* field() writes a NUL where the newline was: keep one spare byte. */
  if (!stralloc_catb(info, "\n", 1)) return -1;
  for (size_t i = 0; i < info->len; i++)
    if (info->s[i] == '\n') info->s[i] = 0;
  return 0;
}

/* With NULs in place of newlines. */
static char const *get(stralloc const *info, char const *key)
{
  size_t kl = strlen(key);
  for (size_t i = 0; i < info->len;)
  {
    size_t n = strlen(info->s + i);
    if (n > kl && !memcmp(info->s + i, key, kl) && info->s[i + kl] == '=') return info->s + i + kl + 1;
    i += n + 1;
  }
  return "";
}

static int byname(void const *a, void const *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The names in new/ (or tmp/), sorted: the IDs begin with TAI64N, so
   this is the order they came in. Names that are not IDs are reported
   and skipped: the tool never makes a path of them. */
static size_t names(int fd, char const *where, stralloc *pool, char ***list)
{
  size_t n = 0;
  char **v = 0;
  int d = dup(fd);
  DIR *dp;
  pool->len = 0;
  if (d < 0) strerr_diefusys(ADM_TEMP, "dup ", where);
  dp = fdopendir(d);
  if (!dp) strerr_diefusys(ADM_TEMP, "opendir ", where);
  rewinddir(dp);
  for (;;)
  {
    struct dirent *e;
    errno = 0;
    e = readdir(dp);
    if (!e)
    {
      if (errno) strerr_diefusys(ADM_TEMP, "readdir ", where);
      break;
    }
    if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2]))) continue;
    if (!qscanq_qid_valid(e->d_name))
    {
      char safe[300];
      qscanq_logsafe(safe, sizeof safe, e->d_name, strlen(e->d_name));
      strerr_warnw("skipping ", where, "/", safe, ": not an entry name");
      continue;
    }
    if (!stralloc_catb(pool, e->d_name, strlen(e->d_name) + 1)) strerr_diefusys(ADM_TEMP, "allocate memory");
    n++;
  }
  closedir(dp);
  v = calloc(n ? n : 1, sizeof *v);
  if (!v) strerr_diefusys(ADM_TEMP, "allocate memory");
  for (size_t i = 0, k = 0; k < n; k++)
  {
    v[k] = pool->s + i;
    i += strlen(pool->s + i) + 1;
  }
  qsort(v, n, sizeof *v, byname);
  *list = v;
  return n;
}

static void checkid(char const *id)
{
  if (!qscanq_qid_valid(id)) strerr_dief(ADM_USAGE, "invalid entry name (letters, digits, '.', '_', '-' only, no '..')");
}

static int openentry(char const *id)
{
  int fd = openat(newfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
  {
    if (errno == ENOENT) strerr_dief(ADM_USAGE, "no such entry: ", id);
    strerr_diefusys(ADM_TEMP, "open entry ", id);
  }
  return fd;
}

/* One line per entry: the ID, then key=value as in the info file. */
static void listone(char const *id, stralloc *info)
{
  char const *v;
  unsigned int n = 0;
  if (readinfo(id, info) < 0)
  {
    strerr_warnwusys("read the info of ", id);
    return;
  }
  outs(id);
  outs(" time=");
  outs(get(info, "time"));
  outs(" verdict=");
  outs(get(info, "verdict"));
  v = get(info, "sig");
  if (*v)
  {
    outs(" sig=");
    outs(v);
  }
  outs(" from=");
  outs(get(info, "from"));
  outs(" rcpts=");
  for (size_t i = 0; i < info->len; i += strlen(info->s + i) + 1)
    if (!strncmp(info->s + i, "rcpt=", 5))
    {
      if (n < 3)
      {
        if (n) outs(",");
        outs(info->s + i + 5);
      }
      n++;
    }
  if (n > 3)
  {
    outs(",+");
    outu(n - 3);
  }
  if (!n) outs("none");
  outs(" size=");
  outs(get(info, "bytes"));
  outs("\n");
}

static int list(void)
{
  stralloc pool = STRALLOC_ZERO, info = STRALLOC_ZERO;
  char **v;
  size_t n = names(newfd, "new", &pool, &v);
  for (size_t i = 0; i < n; i++) listone(v[i], &info);
  flush();
  return 0;
}

/* The info file as it is, then the header of the message with every
   byte a terminal could act on shown as \xHH: the header came from a
   stranger. */
static int show(char const *id)
{
  static char buf[HEADMAX];
  stralloc info = STRALLOC_ZERO;
  int efd = openentry(id), fd;
  ssize_t r;
  size_t n = 0;
  fd = openat(efd, "info", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || !slurp(&info, fd)) strerr_diefusys(ADM_TEMP, "read the info of ", id);
  fd_close(fd);
  outs("id=");
  outs(id);
  outs("\n");
  out(info.s, info.len);
  outs("\n");
  fd = openat(efd, "msg", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) strerr_diefusys(ADM_TEMP, "open the message of ", id);
  while (n < sizeof buf)
  {
    r = read(fd, buf + n, sizeof buf - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) strerr_diefusys(ADM_TEMP, "read the message of ", id);
    if (!r) break;
    n += (size_t)r;
  }
  for (size_t i = 0; i < n; i++)
  {
    unsigned char c = (unsigned char)buf[i];
    if (c == '\n' && (i + 1 == n || buf[i + 1] == '\n'))
    {
      outs("\n");
      break;
    }
    if (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f)) out(buf + i, 1);
    else
    {
      char x[4] = { '\\', 'x', "0123456789abcdef"[c >> 4], "0123456789abcdef"[c & 15] };
      out(x, 4);
    }
  }
  flush();
  return 0;
}

/* The sender of an envelope file: F sender NUL ... */
static void sender(int fd, stralloc *env)
{
  env->len = 0;
  if (!slurp(env, fd)) strerr_diefusys(ADM_TEMP, "read the envelope");
  if (env->len < 2 || env->s[0] != 'F' || !memchr(env->s, 0, env->len)) strerr_dief(ADM_TEMP, "the envelope is malformed");
  env->len = strlen(env->s) + 1;
}

/* qmail-queue as the original caller ran it: fd 0 the message, fd 1
   the envelope, from the start. The entry goes only once qmail-queue
   has said 0: it has the message then. */
static int release(char const *id, char const *const *to, unsigned int nto)
{
  stralloc env = STRALLOC_ZERO;
  int efd = openentry(id), msgfd, envfd, p[2] = { -1, -1 }, wstat, werr = 0;
  pid_t pid;
  struct stat a, b;
  char const *qq[] = { QSCANQ_QMAILQUEUE, 0 };
  /* Two releases of one entry would send it twice. */
  if (flock(efd, LOCK_EX | LOCK_NB) < 0)
  {
    if (errno == EWOULDBLOCK) strerr_dief(ADM_TEMP, "entry ", id, " is being released or expired");
    strerr_diefusys(ADM_TEMP, "lock entry ", id);
  }
  if (fstat(efd, &a) < 0 || fstatat(newfd, id, &b, AT_SYMLINK_NOFOLLOW) < 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev)
    strerr_dief(ADM_TEMP, "entry ", id, " is gone (released or expired meanwhile)");
  msgfd = openat(efd, "msg", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  envfd = openat(efd, "env", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (msgfd < 0 || envfd < 0) strerr_diefusys(ADM_TEMP, "open the message and envelope of ", id);
  if (nto)
  {
    sender(envfd, &env);
    for (unsigned int i = 0; i < nto; i++)
      if (!stralloc_catb(&env, "T", 1) || !stralloc_catb(&env, to[i], strlen(to[i]) + 1)) strerr_diefusys(ADM_TEMP, "allocate memory");
    if (!stralloc_catb(&env, "", 1)) strerr_diefusys(ADM_TEMP, "allocate memory");
    if (pipe2(p, O_CLOEXEC) < 0) strerr_diefusys(ADM_TEMP, "create a pipe");
  }
  {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, 0);
  }
  pid = fork();
  if (pid < 0) strerr_diefusys(ADM_TEMP, "fork");
  if (!pid)
  {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigaction(SIGPIPE, &sa, 0);
    if (fd_move(0, msgfd) < 0 || fd_move(1, nto ? p[0] : envfd) < 0) strerr_diefusys(ADM_TEMP, "set up descriptors for ", qq[0]);
    execv(qq[0], (char *const *)qq);
    strerr_diefusys(ADM_TEMP, "exec ", qq[0]);
  }
  if (nto)
  {
    fd_close(p[0]);
    /* A qmail-queue that stops reading early fails, and says so. */
    if (allwrite(p[1], env.s, env.len) < env.len) werr = errno;
    fd_close(p[1]);
  }
  while (waitpid(pid, &wstat, 0) < 0)
    if (errno != EINTR) strerr_diefusys(ADM_TEMP, "wait for ", qq[0]);
  if (!WIFEXITED(wstat) || WEXITSTATUS(wstat))
  {
    char fmt[UINT_FMT];
    fmt[uint_fmt(fmt, WIFEXITED(wstat) ? (unsigned int)WEXITSTATUS(wstat) : (unsigned int)WTERMSIG(wstat))] = 0;
    strerr_dief(ADM_TEMP, qq[0], WIFEXITED(wstat) ? " exited " : " was killed by signal ", fmt, ": entry ", id, " kept");
  }
  if (werr)
  {
    /* It said 0 without our whole envelope: keep the entry, look. */
    errno = werr;
    strerr_diefusys(ADM_TEMP, "write the envelope to ", qq[0], ": entry ", id, " kept");
  }
  if (qscanq_rmtree(newfd, id, geteuid()) < 0) strerr_diefusys(ADM_TEMP, "remove released entry ", id, " (it was queued: remove it by hand)");
  outs("released ");
  outs(id);
  outs("\n");
  flush();
  return 0;
}

/* Entries of new/ older than days, leftovers of tmp/ older than a day.
   An entry being released (locked) stays. */
static int expire(unsigned int days)
{
  stralloc pool = STRALLOC_ZERO;
  char **v;
  time_t now = time(0);
  int e = 0;
  for (int pass = 0; pass < 2; pass++)
  {
    int fd = pass ? tmpfd : newfd;
    char const *where = pass ? "tmp" : "new";
    time_t cut = now - (pass ? 86400 : (time_t)days * 86400);
    size_t n = names(fd, where, &pool, &v);
    for (size_t i = 0; i < n; i++)
    {
      struct stat st;
      int efd;
      if (fstatat(fd, v[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
      {
        if (errno != ENOENT) strerr_warnwusys("stat ", where, "/", v[i]), e = 1;
        continue;
      }
      if (st.st_mtime >= cut) continue;
      efd = openat(fd, v[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (efd >= 0 && flock(efd, LOCK_EX | LOCK_NB) < 0)
      {
        fd_close(efd);
        continue;
      }
      if (qscanq_rmtree(fd, v[i], geteuid()) < 0)
      {
        strerr_warnwusys("remove ", where, "/", v[i]);
        e = 1;
      }
      if (efd >= 0) fd_close(efd);
    }
    free(v);
  }
  return e ? ADM_TEMP : 0;
}

struct count
{
  char const *s;
  size_t n;
};

static int bycount(void const *a, void const *b)
{
  struct count const *x = a, *y = b;
  if (x->n != y->n) return x->n < y->n ? 1 : -1;
  return strcmp(x->s, y->s);
}

/* values[0..n) counted and printed most frequent first, at most top. */
static void tally(char const *title, char const **values, size_t n, size_t top)
{
  struct count *c = calloc(n ? n : 1, sizeof *c);
  size_t k = 0;
  if (!c) strerr_diefusys(ADM_TEMP, "allocate memory");
  qsort(values, n, sizeof *values, byname);
  for (size_t i = 0; i < n; i++)
  {
    if (k && !strcmp(c[k - 1].s, values[i])) c[k - 1].n++;
    else c[k++] = (struct count){ values[i], 1 };
  }
  qsort(c, k, sizeof *c, bycount);
  outs("\n");
  outs(title);
  outs(":\n");
  if (!k) outs("  (none)\n");
  for (size_t i = 0; i < k && i < top; i++)
  {
    char fmt[UINT64_FMT];
    size_t l = uint64_fmt(fmt, c[i].n);
    for (size_t p = l; p < 7; p++) outs(" ");
    out(fmt, l);
    outs(" ");
    outs(c[i].s);
    outs("\n");
  }
  if (k > top)
  {
    outs("  ... and ");
    outu(k - top);
    outs(" more\n");
  }
  free(c);
}

/* A whole message for qmail-inject: a Subject, a blank line, the body. */
static int summary(unsigned int days)
{
  stralloc pool = STRALLOC_ZERO, infos = STRALLOC_ZERO, one = STRALLOC_ZERO, banned = STRALLOC_ZERO;
  char **v;
  time_t now = time(0), since = now - (time_t)days * 86400;
  size_t n = names(newfd, "new", &pool, &v), m = 0;
  uint64_t bytes = 0;
  size_t *at, *boff;
  char const **verd, **sig, **ip, **from, **ids;
  char tb[2][32];
  struct tm tm;
  at = calloc(n ? n : 1, sizeof *at);
  boff = calloc(n ? n : 1, sizeof *boff);
  verd = calloc(n ? n : 1, sizeof *verd);
  sig = calloc(n ? n : 1, sizeof *sig);
  ip = calloc(n ? n : 1, sizeof *ip);
  from = calloc(n ? n : 1, sizeof *from);
  ids = calloc(n ? n : 1, sizeof *ids);
  if (!at || !boff || !verd || !sig || !ip || !from || !ids) strerr_diefusys(ADM_TEMP, "allocate memory");
  for (size_t i = 0; i < n; i++)
  {
    struct stat st;
    if (fstatat(newfd, v[i], &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_mtime < since) continue;
    if (readinfo(v[i], &one) < 0)
    {
      strerr_warnwusys("read the info of ", v[i]);
      continue;
    }
    at[m] = infos.len;
    if (!stralloc_cat(&infos, &one)) strerr_diefusys(ADM_TEMP, "allocate memory");
    ids[m++] = v[i];
  }
  /* infos no longer moves: the pointers can be taken now. */
  for (size_t i = 0; i < m; i++)
  {
    stralloc s = { infos.s + at[i], (i + 1 < m ? at[i + 1] : infos.len) - at[i], 0 };
    char const *x;
    uint64_t b = 0;
    verd[i] = get(&s, "verdict");
    x = get(&s, "sig");
    sig[i] = *x ? x : "(none)";
    /* As the log line names it: a signature and a file name apart. */
    boff[i] = (size_t)-1;
    if (*x && !strcmp(verd[i], "banned"))
    {
      boff[i] = banned.len;
      if (!stralloc_cats(&banned, "banned:") || !stralloc_catb(&banned, x, strlen(x) + 1)) strerr_diefusys(ADM_TEMP, "allocate memory");
    }
    x = get(&s, "ip");
    ip[i] = *x ? x : "(local)";
    from[i] = get(&s, "from");
    if (uint640_scan(get(&s, "bytes"), &b)) bytes += b;
  }
  for (size_t i = 0; i < m; i++)
    if (boff[i] != (size_t)-1) sig[i] = banned.s + boff[i];
  if (!gmtime_r(&since, &tm) || !strftime(tb[0], sizeof tb[0], "%Y-%m-%d %H:%M UTC", &tm) || !gmtime_r(&now, &tm) || !strftime(tb[1], sizeof tb[1], "%Y-%m-%d %H:%M UTC", &tm))
    strerr_diefusys(ADM_TEMP, "format the time");
  outs("Subject: qscanq quarantine: ");
  outu(m);
  outs(m == 1 ? " message" : " messages");
  outs(" refused in the last ");
  outu(days);
  outs(days == 1 ? " day\n\n" : " days\n\n");
  outs("Quarantine ");
  outs(dir);
  outs(", from ");
  outs(tb[0]);
  outs(" to ");
  outs(tb[1]);
  outs(":\n");
  outu(m);
  outs(m == 1 ? " message, " : " messages, ");
  outu(bytes);
  outs(" bytes.\n");
  {
    char const **tmp = calloc(m ? m : 1, sizeof *tmp);
    if (!tmp) strerr_diefusys(ADM_TEMP, "allocate memory");
    memcpy(tmp, ids, m * sizeof *tmp);
    tally("By verdict", verd, m, m);
    tally("By signature", sig, m, m);
    tally("Top client IPs", ip, m, TOP);
    tally("Top senders", from, m, TOP);
    outs("\nEntries (qscanq-quarantine -s ID shows one, -r ID releases it):\n");
    for (size_t i = 0; i < m && i < LISTMAX; i++) listone(tmp[i], &one);
    if (m > LISTMAX)
    {
      outs("... and ");
      outu(m - LISTMAX);
      outs(" more: qscanq-quarantine -l lists them all\n");
    }
    free(tmp);
  }
  flush();
  return 0;
}

int main(int argc, char const *const *argv)
{
  char const *to[64];
  char const *id = 0;
  unsigned int nto = 0, days = 1;
  char action = 0;
  int dirfd;
  char const *why;
  PROG = "qscanq-quarantine";
  qscanq_version(argc, argv);
  {
    subgetopt l = SUBGETOPT_ZERO;
    for (;;)
    {
      int opt = subgetopt_r(argc, argv, "d:ls:r:t:x:S", &l);
      if (opt == -1) break;
      if (opt != 'd' && opt != 't')
      {
        if (action) dieusage();
        action = (char)opt;
      }
      switch (opt)
      {
        case 'd': dir = l.arg; break;
        case 'l':
        case 'S': break;
        case 's':
        case 'r': id = l.arg; break;
        case 't':
          if (nto >= sizeof to / sizeof *to || !*l.arg) dieusage();
          to[nto++] = l.arg;
          break;
        case 'x':
          if (!uint0_scan(l.arg, &days)) dieusage();
          break;
        default: dieusage();
      }
    }
    argc -= l.ind;
    argv += l.ind;
  }
  if (!action || (nto && action != 'r')) dieusage();
  if (action == 'S' && argc == 1)
  {
    if (!uint0_scan(argv[0], &days) || !days) dieusage();
    argc--;
  }
  if (argc) dieusage();
  if (id) checkid(id);
  if (!*dir) strerr_dief(ADM_USAGE, "no quarantine: conf-quarantine is empty and no -d was given");
  if (*dir != '/') strerr_dief(ADM_USAGE, "the quarantine must be an absolute path");

  if (qscanq_become_qscand() < 0)
  {
    if (errno == EPERM) strerr_dief(ADM_USAGE, "must be run as root or " QSCANQ_USER);
    strerr_diefusys(ADM_TEMP, "become ", QSCANQ_USER);
  }
  umask(077);
  dirfd = qscanq_qopen(dir, &tmpfd, &newfd, &why);
  if (dirfd < 0)
  {
    if (errno) strerr_diefusys(ADM_TEMP, why, " ", dir);
    strerr_dief(ADM_TEMP, "unable to ", why, ": ", dir);
  }
  switch (action)
  {
    case 'l': return list();
    case 's': return show(id);
    case 'r': return release(id, to, nto);
    case 'x': return expire(days);
    case 'S': return summary(days);
  }
  dieusage();
}
