/* Unit tests of src/lib, in TAP. Run by tests/10-unit.t. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <qscanq/exitcodes.h>
#include <qscanq/qscanq.h>
#include <qscanq/attach.h>
#include <qscanq/scan.h>

static int n;
static int failed;

static void ok(int c, char const *what)
{
  printf("%sok %d - %s\n", c ? "" : "not ", ++n, what);
  if (!c) failed++;
}

static int split_is(char const *in, int count, char const *const *want)
{
  char s[256];
  char const *argv[9];
  int r;
  strcpy(s, in);
  r = qscanq_split(s, argv, 8);
  if (r != count) return 0;
  for (int i = 0; i < count; i++)
    if (strcmp(argv[i], want[i])) return 0;
  return !argv[count];
}

static char names[2048];
static int collect(char const *name, size_t len, void *ctx)
{
  (void)ctx;
  if (strlen(names) + len + 2 < sizeof names)
  {
    strncat(names, name, len);
    strcat(names, "|");
  }
  return 0;
}

static char const *mimenames(char const *msg)
{
  names[0] = 0;
  qscanq_mimenames(msg, strlen(msg), &collect, 0);
  return names;
}

int main(int argc, char **argv)
{
  char name[QSCANQ_NAMELEN], name2[QSCANQ_NAMELEN];
  size_t len;
  (void)argc;

  /* msgname */
  len = qscanq_msgname(name, 0x1234, 1);
  ok(len == strlen(name), "msgname length");
  ok(name[0] == '@' && strspn(name + 1, "0123456789abcdef") == 24 && name[25] == '.', "msgname: @ and 24 lower-case hex");
  ok(!strncmp(name + 1, "4000000", 7), "msgname: a TAI64 label of now");
  ok(!strcmp(name + 25, ".1234.1"), "msgname: ppid and counter in hex");
  qscanq_msgname(name2, 0xabc, 0x1f);
  ok(!strcmp(name2 + 25, ".abc.1f"), "msgname: counter 0x1f");
  ok(strcmp(name, name2) < 0, "msgname: later names sort later");

  /* split */
  {
    char const *w1[] = { "qscanq-clamd", "-s", "/run/clamav/clamd.ctl" };
    char const *w2[] = { "a b", "c'd", "", "e" };
    char const *w3[] = { "x" };
    char s[64];
    char const *av[4];
    ok(split_is("qscanq-clamd -s /run/clamav/clamd.ctl", 3, w1), "split: blanks");
    ok(split_is("  'a b'  \"c'd\" '' e  ", 4, w2), "split: quotes group, empty word kept");
    ok(split_is("\tx\n", 1, w3), "split: tabs and newlines");
    ok(split_is("", 0, w3), "split: empty line has no words");
    strcpy(s, "a 'b");
    ok(qscanq_split(s, av, 3) < 0 && errno == EINVAL, "split: unbalanced quote is an error");
    strcpy(s, "a b c d");
    ok(qscanq_split(s, av, 3) < 0 && errno == E2BIG, "split: too many words is an error");
    strcpy(s, "$HOME `x` *");
    ok(qscanq_split(s, av, 3) == 3 && !strcmp(av[0], "$HOME") && !strcmp(av[1], "`x`") && !strcmp(av[2], "*"), "split: no expansion");
  }

  /* mimenames */
  ok(!strcmp(mimenames("Content-Type: application/octet-stream; name=\"a-b (1).exe\"\n"), "a-b (1).exe|"), "mimenames: quoted name, kept byte for byte");
  ok(!strcmp(mimenames("content-disposition: attachment;\n\tfilename=x.scr\n"), "x.scr|"), "mimenames: folded header, token value, any case");
  ok(!strcmp(mimenames("Content-Disposition: attachment; filename=\"=?UTF-8?B?R3LDvMOfZS5leGU=?=\"\n"), "Gr\xc3\xbc\xc3\x9f"
                                                                                                        "e.exe|"),
      "mimenames: RFC 2047 B");
  ok(!strcmp(mimenames("Content-Disposition: attachment; filename=\"=?iso-8859-1?Q?R=E9sum=E9_2.exe?=\"\n"), "R\xe9sum\xe9 2.exe|"), "mimenames: RFC 2047 Q");
  ok(!strcmp(mimenames("Content-Disposition: attachment; filename=\"=?UTF-8?Q?a?= =?UTF-8?Q?b.exe?=\"\n"), "ab.exe|"), "mimenames: adjacent encoded words join");
  ok(!strcmp(mimenames("Content-Disposition: attachment; filename*=UTF-8''%E2%82%AC.exe\n"), "\xe2\x82\xac.exe|"), "mimenames: RFC 2231");
  ok(!strcmp(mimenames("Content-Disposition: attachment;\n filename*0=\"long\";\n filename*1=\"name.exe\"\n"), "longname.exe|"), "mimenames: RFC 2231 continuations");
  ok(!strcmp(mimenames("Subject: x\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain; name=a.txt\nContent-Disposition: attachment; filename=b.pif\n\n--b--\n"), "a.txt|b.pif|"), "mimenames: every part's headers");
  ok(!strcmp(mimenames("Subject: x\n\nContent-Type: text/plain\n\n--b\nContent-Type: text/plain; name=a.txt\nContent-Disposition: attachment; filename=b.pif\n"), ""), "mimenames: headers quoted in a text body are text");
  ok(!strcmp(mimenames("Content-Type: text/plain; charset=\"x;name=no.exe\"\n"), ""), "mimenames: a ; inside a quoted value is not a parameter");

  /* getpw */
  {
    uid_t u = 1;
    gid_t g = 1;
    ok(qscanq_getpw("root", &u, &g) == 1 && u == 0 && g == 0, "getpw: root is 0:0");
    ok(qscanq_getpw("no-such-user-qscanq", &u, &g) == 0, "getpw: unknown user");
    ok(qscanq_getpw("roo", &u, &g) == 0, "getpw: prefix of a name does not match");
  }

  /* trusted: not setuid here, so always trusted */
  ok(qscanq_trusted() == 1, "trusted: real uid = effective uid");

  /* reply */
  {
    int p[2];
    char buf[600];
    ssize_t r;
    unsetenv("QSCANQ_REPLY");
    ok(qscanq_reply(VERDICT_VIRUS, "Eicar", QQ_TEMP) == QQ_PERM, "reply plain: virus 31");
    ok(qscanq_reply(VERDICT_BANNED, "x.exe", QQ_TEMP) == QQ_PERM, "reply plain: banned 31");
    ok(qscanq_reply(VERDICT_FAIL, 0, QQ_WRITE) == QQ_WRITE, "reply plain: failure keeps its code");
    ok(qscanq_reply(VERDICT_CLEAN, 0, QQ_TEMP) == QQ_OK, "reply: clean 0");
    if (pipe(p) < 0 || dup2(p[1], 6) < 0) return 1;
    setenv("QSCANQ_REPLY", "notqmail", 1);
    ok(qscanq_reply(VERDICT_VIRUS, "Eicar-Test-Signature", QQ_TEMP) == QQ_CUSTOM, "reply notqmail: virus 82");
    r = read(p[0], buf, sizeof buf);
    ok(r > 0 && !memcmp(buf, "Dvirus found: Eicar-Test-Signature (#5.7.1)", (size_t)r), "reply notqmail: D text, NUL-terminated");
    ok(qscanq_reply(VERDICT_FAIL, 0, QQ_TEMP) == QQ_CUSTOM, "reply notqmail: failure 82");
    r = read(p[0], buf, sizeof buf);
    ok(r > 0 && buf[0] == 'Z' && strstr(buf, "(#4.3.0)"), "reply notqmail: Z text");
    close(6);
    ok(qscanq_reply(VERDICT_VIRUS, "x", QQ_TEMP) == QQ_PERM, "reply notqmail: closed fd falls back to 31");
    setenv("QSCANQ_REPLY", "indimail", 1);
    setenv("ERROR_FD", "9", 1);
    ok(qscanq_reply(VERDICT_BANNED, "x.exe", QQ_TEMP) == QQ_IND_BANNED, "reply indimail: closed ERROR_FD gives 34");
    if (dup2(p[1], 9) < 0) return 1;
    ok(qscanq_reply(VERDICT_BANNED, "x.exe", QQ_TEMP) == QQ_IND_CUSTOM, "reply indimail: 88 with ERROR_FD open");
    r = read(p[0], buf, sizeof buf);
    ok(r > 0 && !memcmp(buf, "Dbanned attachment: x.exe (#5.7.1)\n", (size_t)r), "reply indimail: D line");
    unsetenv("QSCANQ_REPLY");
    unsetenv("ERROR_FD");
    close(9);
  }

  /* rmtree: never follows a symbolic link */
  {
    char tmpl[] = "/tmp/qq-unit.XXXXXX";
    char *t = mkdtemp(tmpl);
    char path[4096];
    int dfd;
    struct stat st;
    if (!t) return 1;
    snprintf(path, sizeof path, "%s/keep", t);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/keep/precious", t);
    close(open(path, O_CREAT | O_WRONLY, 0600));
    snprintf(path, sizeof path, "%s/@x", t);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/@x/work", t);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/@x/work/msg", t);
    close(open(path, O_CREAT | O_WRONLY, 0600));
    snprintf(path, sizeof path, "%s/keep", t);
    {
      char l[4096];
      snprintf(l, sizeof l, "%s/@x/work/link", t);
      if (symlink(path, l) < 0) return 1;
      snprintf(l, sizeof l, "%s/@x/up", t);
      if (symlink("..", l) < 0) return 1;
    }
    snprintf(path, sizeof path, "%s/@x/work", t);
    chmod(path, 0500);
    dfd = open(t, O_RDONLY | O_DIRECTORY);
    ok(qscanq_rmtree(dfd, "@x", getuid()) == 0, "rmtree: removes a tree with links and a read-only dir");
    snprintf(path, sizeof path, "%s/@x", t);
    ok(lstat(path, &st) < 0 && errno == ENOENT, "rmtree: tree is gone");
    snprintf(path, sizeof path, "%s/keep/precious", t);
    ok(lstat(path, &st) == 0, "rmtree: the link's target is untouched");
    snprintf(path, sizeof path, "%s/@link", t);
    if (symlink("keep", path) < 0) return 1;
    ok(qscanq_rmtree(dfd, "@link", getuid()) == 0, "rmtree: a link at the top is removed as a link");
    snprintf(path, sizeof path, "%s/keep/precious", t);
    ok(lstat(path, &st) == 0, "rmtree: ... and its target stays");
    ok(qscanq_rmtree(dfd, "keep", getuid() + 1) < 0 && errno == EPERM, "rmtree: refuses what another user owns");
    ok(qscanq_rmtree(dfd, "keep", getuid()) == 0, "rmtree: removes its own");
    close(dfd);
    rmdir(t);
  }
  {
    /* The descendant sweep's fallback, for kernels without the
       children file: a child found through /proc/PID/stat is killed. */
    int wstat = 0;
    pid_t c = fork();
    if (c < 0) return 1;
    if (!c)
    {
      for (;;) pause();
    }
    pid_t r = 0;
    ok(qscanq_killscanned() == 0, "killscanned: /proc scanned");
    /* Bounded: a sweep that missed it must fail here, not hang. */
    for (int i = 0; i < 200 && !(r = waitpid(c, &wstat, WNOHANG)); i++)
    {
      struct timespec ts = { 0, 10000000 };
      nanosleep(&ts, 0);
    }
    if (!r) kill(c, SIGKILL), waitpid(c, &wstat, 0);
    ok(r == c && WIFSIGNALED(wstat) && WTERMSIG(wstat) == SIGKILL, "killscanned: the child was killed");
    c = fork();
    if (c < 0) return 1;
    if (!c)
    {
      for (;;) pause();
    }
    ok(qscanq_killchildren(1000) == 0, "killchildren: returns once no child is left");
    ok(waitpid(c, &wstat, WNOHANG) < 0 && errno == ECHILD, "killchildren: the child was killed and reaped");
    ok(qscanq_killchildren(1000) == 0, "killchildren: no child at all: 0 at once");
  }
  (void)argv;
  printf("1..%d\n", n);
  return failed ? 1 : 0;
}
