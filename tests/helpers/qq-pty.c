/* qq-pty: a caller that holds a terminal and tries to signal the scanner
   through it.
   qq-pty file prog [arg...]
   Makes a pty the controlling terminal of a new session (as a login
   shell's), runs prog there in a process group of its own, and while prog
   runs, every 20 ms: makes each other process group it can find the
   terminal's foreground group (the kernel allows that only for a group of
   this session) and types ^C, ^\ and ^Z into the master (ISIG is on), then
   takes the foreground back; and types them with itself in the
   foreground too. Writes "attacks=N" (groups it could put in the
   foreground) to file and exits with prog's code (128+N for signal N),
   or 77 if there is no pty to be had. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static void pause_ms(long ms)
{
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
  nanosleep(&ts, 0);
}

/* ^C, ^\, ^Z typed at the terminal. Whether a key got through does not
   change what is checked (attacks counts the groups we could make the
   foreground); a failed write is simply one attack less. */
static void key(int m, char const *c)
{
  if (write(m, c, 1) < 0) return;
  pause_ms(5);
}
static void type(int m)
{
  key(m, "\003");
  key(m, "\034");
  key(m, "\032");
}

static int code(int wstat) { return WIFEXITED(wstat) ? WEXITSTATUS(wstat) : 128 + WTERMSIG(wstat); }

int main(int argc, char **argv)
{
  int m, s, wstat, attacks = 0;
  pid_t a, b, mine;
  char *name;
  FILE *f;
  if (argc < 3)
  {
    fprintf(stderr, "usage: qq-pty file prog [arg...]\n");
    return 100;
  }
  m = posix_openpt(O_RDWR | O_NOCTTY);
  if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0 || !(name = ptsname(m)))
  {
    perror("qq-pty: pty");
    return 77;
  }
  /* A session leader of our own, whatever our caller is. */
  a = fork();
  if (a < 0)
  {
    perror("qq-pty: fork");
    return 100;
  }
  if (a)
  {
    while (waitpid(a, &wstat, 0) < 0)
      if (errno != EINTR) return 100;
    return code(wstat);
  }
  if (setsid() < 0 || (s = open(name, O_RDWR)) < 0 || ioctl(s, TIOCSCTTY, 0) < 0)
  {
    perror("qq-pty: controlling terminal");
    _exit(100);
  }
  signal(SIGTTOU, SIG_IGN);
  signal(SIGTTIN, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  signal(SIGTSTP, SIG_IGN);
  mine = getpgrp();
  b = fork();
  if (b < 0)
  {
    perror("qq-pty: fork");
    _exit(100);
  }
  if (!b)
  {
    setpgid(0, 0);
    signal(SIGTTOU, SIG_DFL);
    signal(SIGTTIN, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
    signal(SIGTSTP, SIG_DFL);
    close(m);
    close(s);
    execvp(argv[2], argv + 2);
    perror(argv[2]);
    _exit(127);
  }
  setpgid(b, b);
  for (;;)
  {
    DIR *d;
    struct dirent *de;
    pid_t w = waitpid(b, &wstat, WNOHANG);
    if (w == b) break;
    if (w < 0 && errno != EINTR) _exit(100);
    d = opendir("/proc");
    while (d && (de = readdir(d)))
    {
      pid_t pid = (pid_t)atoi(de->d_name), pg;
      if (pid <= 0) continue;
      pg = getpgid(pid);
      if (pg <= 0 || pg == mine || pg == b) continue;
      if (tcsetpgrp(s, pg) == 0)
      {
        attacks++;
        type(m);
        tcsetpgrp(s, mine);
      }
    }
    if (d) closedir(d);
    type(m);
    pause_ms(20);
  }
  f = fopen(argv[1], "w");
  if (!f || fprintf(f, "attacks=%d\n", attacks) < 0 || fclose(f))
  {
    perror(argv[1]);
    _exit(100);
  }
  _exit(code(wstat));
}
