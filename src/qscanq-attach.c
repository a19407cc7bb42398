/* qscanq-attach: attachment-name policy for SCANCMD. libclamav's parsers
   walk the message (MIME parts, archives, nested messages) and report
   every embedded file's name; a name that the policy bans ends the scan
   with exit 3. Otherwise the rest of argv (another scanner) is
   chain-loaded on the same message. See qscanq-attach(8). */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <skalibs/buffer.h>
#include <skalibs/djbunix.h>
#include <skalibs/sgetopt.h>
#include <skalibs/stralloc.h>
#include <skalibs/strerr.h>
#include <qscanq/clam.h>
#include <qscanq/exitcodes.h>
#include <qscanq/qscanq.h>
#include <qscanq/attach.h>

#define USAGE "qscanq-attach [ -f badext ] [ -p patterns ] [ scanner arg... ]"
#define dieusage() strerr_dieusage(VERDICT_FAIL, USAGE)

struct policy
{
  stralloc ext; /* NUL-separated lines */
  stralloc pat;
  char banned[512];
  int debug;
};

static void readlist(stralloc *sa, char const *file)
{
  stralloc raw = STRALLOC_ZERO;
  size_t i = 0;
  if (!openslurpclose(&raw, file)) strerr_diefusys(VERDICT_FAIL, "read ", file);
  while (i < raw.len)
  {
    size_t j = i;
    size_t k;
    while (j < raw.len && raw.s[j] != '\n') j++;
    k = j;
    while (k > i && (raw.s[k - 1] == ' ' || raw.s[k - 1] == '\t' || raw.s[k - 1] == '\r')) k--;
    while (i < k && (raw.s[i] == ' ' || raw.s[i] == '\t')) i++;
    if (k > i && raw.s[i] != '#')
      if (!stralloc_catb(sa, raw.s + i, k - i) || !stralloc_0(sa)) strerr_diefusys(VERDICT_FAIL, "allocate");
    i = j + 1;
  }
  stralloc_free(&raw);
}

/* libclamav rewrites the names it reports: the byte's low 7 bits, and
   anything but a letter, digit or dot becomes _. To judge such a name, a
   policy line is rewritten the same way (wildcard characters kept). */
static void clamname(char *out, char const *in, size_t max, int wild)
{
  size_t i = 0;
  for (; in[i] && i < max - 1; i++)
  {
    unsigned char c = (unsigned char)in[i] & 0x7f;
    if (wild && strchr("*?[]!", c)) out[i] = (char)c;
    else out[i] = (isalnum(c) || c == '.') ? (char)c : '_';
  }
  out[i] = 0;
}

/* A BADEXT line bans a whole name or a suffix; a PATTERNS line is a
   shell wildcard, and the last matching one decides (! allows). */
static int banned(struct policy const *p, char const *name, int clam)
{
  size_t nlen = strlen(name);
  int verdict = 0;
  char buf[1024];
  for (size_t i = 0; i < p->ext.len; i += strlen(p->ext.s + i) + 1)
  {
    char const *e = p->ext.s + i;
    size_t elen;
    if (clam)
    {
      clamname(buf, e, sizeof buf, 0);
      e = buf;
    }
    elen = strlen(e);
    if (elen <= nlen && !strcasecmp(name + nlen - elen, e)) return 1;
  }
  for (size_t i = 0; i < p->pat.len; i += strlen(p->pat.s + i) + 1)
  {
    char const *e = p->pat.s + i;
    int neg = *e == '!';
    if (clam)
    {
      clamname(buf, e + neg, sizeof buf, 1);
      e = buf;
    }
    else e += neg;
    if (!fnmatch(e, name, FNM_CASEFOLD)) verdict = !neg;
  }
  return verdict;
}

static void ban(struct policy *p, char const *name)
{
  size_t n = strlen(name);
  if (n >= sizeof p->banned) n = sizeof p->banned - 1;
  memcpy(p->banned, name, n);
  p->banned[n] = 0;
}

/* A name is checked whole and by its last path component (archives carry
   paths; some mail programs send Windows paths). */
static int check(struct policy *p, char const *name, int clam)
{
  char const *base = name;
  for (char const *c = name; *c; c++)
    if (*c == '/' || *c == '\\') base = c + 1;
  if (p->debug) strerr_warni("attachment name: ", name);
  if (banned(p, name, clam) || banned(p, base, clam))
  {
    ban(p, name);
    return 1;
  }
  return 0;
}

static int headername(char const *name, size_t len, void *ctx)
{
  (void)len;
  return check(ctx, name, 0);
}

static cl_error_t inspect(int fd, char const *type, char const **ancestors, size_t parent_size,
    char const *name, size_t size, char const *buf, uint32_t level,
    uint32_t attrs, void *ctx)
{
  struct policy *p = ctx;
  (void)fd;
  (void)ancestors;
  (void)parent_size;
  (void)size;
  (void)buf;
  (void)attrs;
  if (!name || !*name) return CL_CLEAN;
  if (p->debug) strerr_warni("attachment: ", name, " type ", type ? type : "?");
  /* Level 0 is the message itself, which qscanq-stdin calls msg. */
  if (level && check(p, name, 1)) return CL_VIRUS;
  return CL_CLEAN;
}

/* The parsers need an engine, and an engine needs one signature: a
   harmless one, the MD5 of a string no attachment will be. */
static struct cl_engine *engine_for_names(char const *tmpdir)
{
  static char const sig[] = "0123456789abcdef0123456789abcdef:7:qscanq-attach.placeholder\n";
  size_t len = strlen(tmpdir);
  char dir[len + 32];
  char file[len + 48];
  struct cl_engine *e;
  int fd;
  memcpy(dir, tmpdir, len);
  memcpy(dir + len, "/qscanq-attach.XXXXXX", 22);
  if (!mkdtemp(dir)) strerr_diefusys(VERDICT_FAIL, "make a directory in ", tmpdir);
  memcpy(file, dir, strlen(dir));
  memcpy(file + strlen(dir), "/placeholder.hdb", 17);
  fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0 || write(fd, sig, sizeof sig - 1) != sizeof sig - 1 || close(fd) < 0)
    strerr_diefusys(VERDICT_FAIL, "write ", file);
  e = qscanq_clam_engine(dir, tmpdir);
  unlink(file);
  rmdir(dir);
  return e;
}

int main(int argc, char const *const *argv)
{
  struct policy p = { .ext = STRALLOC_ZERO, .pat = STRALLOC_ZERO, .banned = "", .debug = 0 };
  struct cl_engine *engine;
  struct cl_scan_options opts;
  char const *virname = 0;
  char const *tmpdir = getenv("TMPDIR");
  unsigned long scanned = 0;
  cl_error_t r;
  int fd;
  PROG = "qscanq-attach";
  p.debug = !!getenv("DEBUG");
  {
    subgetopt l = SUBGETOPT_ZERO;
    for (;;)
    {
      int opt = subgetopt_r(argc, argv, "f:p:", &l);
      if (opt == -1) break;
      switch (opt)
      {
        case 'f': readlist(&p.ext, l.arg); break;
        case 'p': readlist(&p.pat, l.arg); break;
        default: dieusage();
      }
    }
    argc -= l.ind;
    argv += l.ind;
  }
  if (!tmpdir || !*tmpdir) tmpdir = "/tmp";
  fd = qscanq_regular_input(0, tmpdir);
  if (p.ext.len || p.pat.len)
  {
    /* First the names as sent, from the MIME structure, read in chunks:
       the memory used does not grow with the message. */
    int r = qscanq_mimenames_fd(fd, &headername, &p);
    if (r < 0) strerr_diefusys(VERDICT_FAIL, "read the MIME structure of the message");
    if (lseek(fd, 0, SEEK_SET) < 0) strerr_diefusys(VERDICT_FAIL, "rewind the message");
  }
  if (p.banned[0]) goto banned;
  engine = engine_for_names(tmpdir);
  cl_engine_set_clcb_file_inspection(engine, &inspect);
  qscanq_clam_options(&opts);
  /* Names only: limits hit here are the content scanner's business. */
  opts.heuristic = 0;
  opts.general = 0;
  r = cl_scandesc_callback(fd, "msg", &virname, &scanned, engine, &opts, &p);
  if (p.banned[0])
  {
banned:
    buffer_puts(buffer_1, "msg: ");
    for (char *c = p.banned; *c; c++)
      if (*c == '\n' || *c == '\r') *c = ' ';
    buffer_puts(buffer_1, p.banned);
    buffer_putsflush(buffer_1, " banned attachment FOUND\n");
    return VERDICT_BANNED;
  }
  /* Only a banned name is a refusal. Anything else libclamav says but
     "clean" (a finding that is no banned name, an error, a limit) is
     unplanned: a failure, never a pass. */
  if (r == CL_VIRUS) strerr_dief(VERDICT_FAIL, "libclamav reported a finding that is no banned name: ", virname ? virname : "?");
  if (r != CL_CLEAN) strerr_dief(VERDICT_FAIL, "parsing the message failed: ", cl_strerror(r));
  cl_engine_free(engine);
  if (!argc) return VERDICT_CLEAN;
  if (lseek(fd, 0, SEEK_SET) < 0 || (fd && fd_move(0, fd) < 0)) strerr_diefusys(VERDICT_FAIL, "rewind the message");
  execvp(argv[0], (char *const *)argv);
  strerr_diefusys(VERDICT_FAIL, "exec ", argv[0]);
}
