/* replay [-v] FILE|DIRECTORY...: runs a fuzz target's LLVMFuzzerTestOneInput
   once per input, built with the normal compiler (make check) or with the
   sanitizers (make check-sanitize), without libFuzzer. A directory means
   every file in it (not recursively; names starting with "." are skipped,
   so a .gitkeep can hold an empty directory), in name order, so that a run
   is the same everywhere. Each input is copied into a buffer of exactly its
   size, as libFuzzer does, so that an over-read is an over-read under ASan.
   Prints the number of inputs replayed. 0 done, 100 usage, 111 an input
   could not be read; a bug in the target crashes, as it would in libFuzzer. */

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <skalibs/buffer.h>
#include <skalibs/djbunix.h>
#include <skalibs/sgetopt.h>
#include <skalibs/stralloc.h>
#include <skalibs/strerr.h>
#include <skalibs/types.h>

#define USAGE "replay [ -v ] file|directory..."
#define dieusage() strerr_dieusage(100, USAGE)

extern int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size);
/* Optional, as in libFuzzer: a target that needs set-up defines it. */
extern int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int verbose = 0;
static unsigned long count = 0;

static void one(char const *file)
{
  stralloc sa = STRALLOC_ZERO;
  uint8_t *data;
  if (!openslurpclose(&sa, file)) strerr_diefu2sys(111, "read ", file);
  /* malloc(0) may return NULL; libFuzzer always passes a valid pointer. */
  data = malloc(sa.len ? sa.len : 1);
  if (!data) strerr_diefu1sys(111, "allocate");
  if (sa.len) memcpy(data, sa.s, sa.len);
  if (verbose) strerr_warni2x("replaying ", file);
  LLVMFuzzerTestOneInput(data, sa.len);
  free(data);
  stralloc_free(&sa);
  count++;
}

static int cmp(void const *a, void const *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void dir(char const *name)
{
  stralloc names = STRALLOC_ZERO; /* NUL-separated entry names */
  stralloc path = STRALLOC_ZERO;
  char **v;
  size_t n = 0, i, pos;
  DIR *d = opendir(name);
  if (!d) strerr_diefu2sys(111, "open directory ", name);
  for (;;)
  {
    struct dirent *e;
    errno = 0;
    e = readdir(d);
    if (!e) break;
    if (e->d_name[0] == '.') continue;
    if (!stralloc_catb(&names, e->d_name, strlen(e->d_name) + 1)) strerr_diefu1sys(111, "allocate");
    n++;
  }
  if (errno) strerr_diefu2sys(111, "read directory ", name);
  closedir(d);
  if (n > SIZE_MAX / sizeof *v) strerr_dief1x(111, "too many entries");
  v = malloc((n ? n : 1) * sizeof *v);
  if (!v) strerr_diefu1sys(111, "allocate");
  for (i = 0, pos = 0; i < n; i++)
  {
    v[i] = names.s + pos;
    pos += strlen(v[i]) + 1;
  }
  qsort(v, n, sizeof *v, cmp);
  for (i = 0; i < n; i++)
  {
    struct stat st;
    path.len = 0;
    if (!stralloc_cats(&path, name) || !stralloc_catb(&path, "/", 1) || !stralloc_cats(&path, v[i]) || !stralloc_0(&path)) strerr_diefu1sys(111, "allocate");
    if (stat(path.s, &st) < 0) strerr_diefu2sys(111, "stat ", path.s);
    if (S_ISREG(st.st_mode)) one(path.s);
  }
  free(v);
  stralloc_free(&names);
  stralloc_free(&path);
}

int main(int argc, char const *const *argv)
{
  subgetopt l = SUBGETOPT_ZERO;
  char fmt[ULONG_FMT];
  int oargc = argc;
  char **oargv = (char **)argv;
  PROG = "replay";
  for (;;)
  {
    int opt = subgetopt_r(argc, argv, "v", &l);
    if (opt == -1) break;
    switch (opt)
    {
      case 'v': verbose = 1; break;
      default: dieusage();
    }
  }
  argc -= l.ind;
  argv += l.ind;
  if (!argc) dieusage();
  if (LLVMFuzzerInitialize)
  {
    /* libFuzzer hands over its whole command line; so do we. */
    LLVMFuzzerInitialize(&oargc, &oargv);
  }
  for (; *argv; argv++)
  {
    struct stat st;
    if (stat(*argv, &st) < 0) strerr_diefu2sys(111, "stat ", *argv);
    if (S_ISDIR(st.st_mode)) dir(*argv);
    else one(*argv);
  }
  fmt[ulong_fmt(fmt, count)] = 0;
  if (buffer_puts(buffer_1, fmt) < 0 || buffer_putflush(buffer_1, "\n", 1) < 0) strerr_diefu1sys(111, "write to stdout");
  return 0;
}
