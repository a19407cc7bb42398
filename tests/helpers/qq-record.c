/* qq-record: a recording stand-in for qmail-queue (and, with -s, a
   scanner that records what it was given). Static, so it also runs under
   softlimit -m 2000000.
   qq-record [-s] [-u uid] [-w seconds] dir code
   Writes dir/msg (fd 0), dir/env (fd 1, unless -s), dir/ids (real,
   effective, saved uid and gid), dir/fds (open descriptors), dir/environ,
   dir/cwd, dir/regain ("ok" if setresuid to uid worked, else the error),
   then exits with code. It reads all of its input before exiting, as
   qmail-queue does. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;
static char const *dir;

static FILE *out(char const *name)
{
  char path[4096];
  FILE *f;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  f = fopen(path, "w");
  if (!f)
  {
    perror(path);
    exit(100);
  }
  return f;
}

static void copy(int fd, char const *name)
{
  char buf[65536];
  FILE *f = out(name);
  for (;;)
  {
    ssize_t r = read(fd, buf, sizeof buf);
    if (r < 0)
    {
      if (errno == EINTR) continue;
      fprintf(stderr, "qq-record: read fd %d: %s\n", fd, strerror(errno));
      exit(100);
    }
    if (!r) break;
    if (fwrite(buf, 1, (size_t)r, f) != (size_t)r)
    {
      perror("qq-record: write");
      exit(100);
    }
  }
  if (fclose(f))
  {
    perror("qq-record: close");
    exit(100);
  }
}

int main(int argc, char **argv)
{
  int scanner = 0, opt, code;
  long regain = -1, wait = 0;
  uid_t r, e, s;
  gid_t gr, ge, gs;
  FILE *f;
  while ((opt = getopt(argc, argv, "su:w:")) != -1)
    switch (opt)
    {
      case 's': scanner = 1; break;
      case 'u': regain = atol(optarg); break;
      case 'w': wait = atol(optarg); break;
      default: return 100;
    }
  if (argc - optind != 2)
  {
    fprintf(stderr, "usage: qq-record [-s] [-u uid] [-w s] dir code\n");
    return 100;
  }
  dir = argv[optind];
  code = atoi(argv[optind + 1]);

  /* Before reading anything: what did we start with? */
  {
    /* Listed before we open anything ourselves. */
    char list[4096];
    size_t len = 0;
    DIR *d = opendir("/proc/self/fd");
    struct dirent *de;
    int self = d ? dirfd(d) : -1;
    while (d && (de = readdir(d)))
      if (de->d_name[0] != '.' && atoi(de->d_name) != self && len < sizeof list - 16)
        len += (size_t)snprintf(list + len, sizeof list - len, "%s\n", de->d_name);
    if (d) closedir(d);
    f = out("fds");
    fwrite(list, 1, len, f);
    fclose(f);
  }
  f = out("environ");
  for (char **p = environ; *p; p++) fprintf(f, "%s\n", *p);
  fclose(f);
  f = out("cwd");
  {
    char cwd[4096];
    fprintf(f, "%s\n", getcwd(cwd, sizeof cwd) ? cwd : "?");
  }
  fclose(f);
  getresuid(&r, &e, &s);
  getresgid(&gr, &ge, &gs);
  f = out("ids");
  fprintf(f, "uid %u %u %u\ngid %u %u %u\n", (unsigned)r, (unsigned)e, (unsigned)s, (unsigned)gr, (unsigned)ge, (unsigned)gs);
  fclose(f);
  {
    int fl = fcntl(0, F_GETFL);
    off_t off = lseek(0, 0, SEEK_CUR);
    f = out("fd0");
    fprintf(f, "%s offset %lld\n", fl < 0 ? "closed" : (fl & O_ACCMODE) == O_RDONLY ? "rdonly"
                                                                                    : "writable",
        (long long)off);
    fclose(f);
  }
  if (wait) sleep((unsigned)wait);
  copy(0, "msg");
  if (!scanner) copy(1, "env");
  if (regain >= 0)
  {
    f = out("regain");
    if (setresuid((uid_t)regain, (uid_t)regain, (uid_t)regain) == 0 || setuid((uid_t)regain) == 0 || seteuid((uid_t)regain) == 0)
      fprintf(f, "ok\n");
    else fprintf(f, "%s\n", strerror(errno));
    fclose(f);
  }
  return code;
}
