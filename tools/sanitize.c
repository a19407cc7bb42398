/* Linked into every program of a make SANITIZE=yes build (make
   check-sanitize). The sanitizers read these defaults before ASAN_OPTIONS
   and UBSAN_OPTIONS; they are compiled in because qscanq-stdin gives a
   scanner nothing of its environment but PATH and TMPDIR, and the options
   must hold in every process of the chain.
   - Any report ends the process (halt_on_error), with an exit code no
     program of the suite uses (86), so that it cannot pass for a verdict.
   - No leak checking: the programs are short-lived and exit to free, and
     LeakSanitizer stops the process with ptrace, which a setuid process or
     one under RLIMIT_NPROC cannot do. The fuzz replays turn it on
     (tests/15-fuzz.t), since a fuzz target must not leak between runs.
   - With SANLOG=PATH (make check-sanitize sets one in a directory every
     user may write to), the reports go to PATH.PID, and a process that a
     report ends leaves PATH.died.PID naming the program. tests/run fails if
     either is there at the end: a report from a scanner, whose exit reads
     as a scanner failure, would otherwise pass a test that expects one.
     gcc links ASan and UBSan as two libraries, each with its own copy of
     the common runtime; UBSan's ignores log_path from its options, so its
     report path and death callback are set through its own symbols. */
#include <dlfcn.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sanlog.h>

char const *__asan_default_options(void);
char const *__ubsan_default_options(void);
void __sanitizer_set_death_callback(void (*)(void));
typedef void set_death_fn(void (*)(void));
typedef void set_path_fn(char const *);

char const *__asan_default_options(void)
{
  return "halt_on_error=1:detect_leaks=0:exitcode=86" QSCANQ_SANLOG_OPT;
}

char const *__ubsan_default_options(void)
{
  return "halt_on_error=1:print_stacktrace=1:exitcode=86" QSCANQ_SANLOG_OPT;
}

/* Called by the sanitizer runtime just before it ends the process. */
static void died(void)
{
  char path[sizeof QSCANQ_SANLOG_PATH + 32];
  char exe[4096];
  size_t n = sizeof QSCANQ_SANLOG_PATH - 1;
  unsigned long pid = (unsigned long)getpid();
  char digits[24];
  size_t d = 0;
  ssize_t len;
  int fd;
  memcpy(path, QSCANQ_SANLOG_PATH, n);
  memcpy(path + n, ".died.", 6);
  n += 6;
  do digits[d++] = (char)('0' + pid % 10);
  while ((pid /= 10));
  while (d) path[n++] = digits[--d];
  path[n] = 0;
  fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  len = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (len < 0)
  {
    memcpy(exe, "?", 1);
    len = 1;
  }
  exe[len++] = '\n';
  if (write(fd, "a sanitizer report ended ", 25) < 0 || write(fd, exe, (size_t)len) < 0) {}
  close(fd);
}

__attribute__((constructor)) static void init(void)
{
  void *ubsan;
  if (!QSCANQ_SANLOG_PATH[0]) return;
  __sanitizer_set_death_callback(died);
  ubsan = dlopen("libubsan.so.1", RTLD_NOLOAD | RTLD_LAZY);
  if (ubsan)
  {
    set_death_fn *death = (set_death_fn *)dlsym(ubsan, "__sanitizer_set_death_callback");
    set_path_fn *path = (set_path_fn *)dlsym(ubsan, "__sanitizer_set_report_path");
    if (death) death(died);
    if (path) path(QSCANQ_SANLOG_PATH);
  }
}
