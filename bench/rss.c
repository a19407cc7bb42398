/* bench-rss: peak RSS of one program run once, for make bench.
   bench-rss MODE MSGFILE ENVFILE DIR prog [arg...]
   MODE caller, stdin or file as in bench-driver. Prints "KB status".

   A child's ru_maxrss also counts the address space it had before its
   exec, that is, its parent's at the fork: so this program is static and
   small, and forks before it touches the message (it copies the message
   into the pipe only afterwards, through a buffer the child never had). */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static char buf[65536];

static void die(char const *what)
{
  fprintf(stderr, "bench-rss: fatal: %s: %s\n", what, strerror(errno));
  _exit(111);
}

static void copy(char const *file, int to)
{
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) die(file);
  for (;;)
  {
    ssize_t r = read(fd, buf, sizeof buf), o = 0;
    if (r < 0) die(file);
    if (!r) break;
    while (o < r)
    {
      ssize_t w = write(to, buf + o, (size_t)(r - o));
      if (w < 0) goto out; /* the program stopped reading: its business */
      o += w;
    }
  }
out:
  close(fd);
  close(to);
}

int main(int argc, char **argv)
{
  int in[2], env[2], err[2], file, wstat;
  struct rusage ru;
  pid_t pid;
  if (argc < 6)
  {
    fprintf(stderr, "usage: bench-rss caller|stdin|file msgfile envfile dir prog [arg...]\n");
    return 100;
  }
  file = !strcmp(argv[1], "file");
  signal(SIGPIPE, SIG_IGN);
  if (pipe2(in, O_CLOEXEC) < 0 || pipe2(env, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) die("pipe2");
  if (!strcmp(argv[1], "stdin"))
  {
    int up;
    if (chdir(argv[4]) < 0) die(argv[4]);
    unlink("msg");
    unlink("env");
    /* qscanq-stdin goes on only while qscanq holds its lock on the
       message directory (its ".."): hold it, as qscanq does. */
    up = open("..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (up < 0 || flock(up, LOCK_EX) < 0) die("lock ..");
  }
  pid = fork();
  if (pid < 0) die("fork");
  if (!pid)
  {
    if (file)
    {
      int fd = open(argv[2], O_RDONLY), nul = open("/dev/null", O_WRONLY);
      if (fd < 0 || nul < 0 || dup2(fd, 0) < 0 || dup2(nul, 1) < 0) _exit(111);
    }
    else if (dup2(in[0], 0) < 0 || dup2(env[0], 1) < 0) _exit(111);
    if (dup2(err[1], 2) < 0) _exit(111);
    execv(argv[5], argv + 5);
    _exit(127);
  }
  close(in[0]);
  close(env[0]);
  close(err[1]);
  if (file)
  {
    close(in[1]);
    close(env[1]);
  }
  else
  {
    copy(argv[2], in[1]);
    copy(argv[3], env[1]);
  }
  while (read(err[0], buf, sizeof buf) > 0)
    ;
  if (wait4(pid, &wstat, 0, &ru) != pid) die("wait4");
  printf("%ld %d\n", ru.ru_maxrss, WIFEXITED(wstat) ? WEXITSTATUS(wstat) : 1000 + WTERMSIG(wstat));
  return 0;
}
