/* qscanq-attach-archives: the archive pass of qscanq-attach(8), run by
   it only when its MIME walk found a part that may hold further names.
   libclamav's parsers walk the message (MIME parts, archives, nested
   messages, TNEF, gzip) and every name they report is judged. It links
   libclamav; qscanq-attach itself does not, so a message with nothing
   to open costs no libclamav start-up. */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <skalibs/buffer.h>
#include <skalibs/djbunix.h>
#include <skalibs/strerr.h>
#include <qscanq/clam.h>
#include <qscanq/exitcodes.h>
#include <qscanq/qscanq.h>
#include <qscanq/attach.h>

#define USAGE "qscanq-attach-archives [ -f badext ] [ -p patterns ] [ -m maxfilesize ] [ -M maxscansize ] [ scanner arg... ]"

static int tnefname(char const *name, size_t len, void *ctx)
{
  return qscanq_judge(ctx, "attachment (TNEF): ", name, len, 0);
}

static int gzipname(char const *name, size_t len, void *ctx)
{
  return qscanq_judge(ctx, "attachment (gzip name): ", name, len, 0);
}

static ssize_t readfd(void *src, void *buf, size_t n, uint64_t off)
{
  ssize_t r;
  do r = pread(*(int *)src, buf, n, (off_t)off);
  while (r < 0 && errno == EINTR);
  return r;
}

/* Containers whose names libclamav does not report, recognised by their
   first bytes: TNEF (winmail.dat), gzip (the original name). */
static int sniff(struct qscanq_judge *st, int fd, size_t size)
{
  unsigned char head[4];
  int r;
  if (fd < 0 || size < 4 || pread(fd, head, 4, 0) != 4) return 0;
  if (head[0] == 0x78 && head[1] == 0x9f && head[2] == 0x3e && head[3] == 0x22)
  {
    r = qscanq_tnef_names(&readfd, &fd, size, &tnefname, st);
    if (r < 0) strerr_diefusys(VERDICT_FAIL, "read a TNEF attachment");
    return r;
  }
  if (head[0] == 0x1f && head[1] == 0x8b)
  {
    r = qscanq_gzip_name(&readfd, &fd, size, &gzipname, st);
    if (r < 0) strerr_diefusys(VERDICT_FAIL, "read a gzip header");
    return r;
  }
  return 0;
}

static cl_error_t inspect(int fd, char const *type, char const **ancestors, size_t parent_size,
    char const *name, size_t size, char const *buf, uint32_t level,
    uint32_t attrs, void *ctx)
{
  (void)type;
  (void)ancestors;
  (void)parent_size;
  (void)buf;
  (void)attrs;
  if (level && sniff(ctx, fd, size)) return CL_VIRUS;
  /* Level 0 is the message itself, which qscanq-stdin calls msg. */
  if (!level || !name || !*name) return CL_CLEAN;
  return qscanq_judge(ctx, "attachment (libclamav): ", name, strlen(name), 1) ? CL_VIRUS : CL_CLEAN;
}

/* Archive members as the archive lists them (zip, 7z, rar, ...), also
   those libclamav cannot extract: an encrypted member keeps its name in
   the clear, and no other callback sees it. An archive member's name
   comes as stored; the mail parser's names (container CL_TYPE_MAIL) come
   rewritten, as the file-inspection callback's do. */
static cl_error_t meta(char const *container, unsigned long csize, char const *name, unsigned long size,
    int encrypted, unsigned int pos, void *ctx)
{
  int mail = container && !strcmp(container, "CL_TYPE_MAIL");
  (void)csize;
  (void)size;
  (void)pos;
  if (!name || !*name) return CL_CLEAN;
  return qscanq_judge(ctx, mail ? "attachment (libclamav): " : encrypted ? "archive member (encrypted): "
                                                                         : "archive member: ",
             name, strlen(name), mail)
      ? CL_VIRUS
      : CL_CLEAN;
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
  struct qscanq_judge st = QSCANQ_JUDGE_ZERO;
  struct qscanq_sizeguard g = { .next = &inspect, .nextmeta = &meta, .nextctx = &st };
  enum qscanq_verdict v;
  char const *what;
  char why[512];
  struct cl_engine *engine;
  struct cl_scan_options opts;
  char const *virname = 0;
  char const *tmpdir = getenv("TMPDIR");
  unsigned long scanned = 0;
  cl_error_t r;
  int fd, ind;
  PROG = "qscanq-attach";
  qscanq_version(argc, argv);
  st.debug = !!getenv("DEBUG");
  ind = qscanq_judge_options(&st, argc, argv, USAGE);
  argc -= ind;
  argv += ind;
  if (!tmpdir || !*tmpdir) tmpdir = "/tmp";
  fd = qscanq_regular_input(0, tmpdir);
  engine = engine_for_names(tmpdir);
  /* The engine cuts where clamd cuts (its MaxFileSize, MaxScanSize): the
     size guard sees what clamd would not scan whole, which clamd itself
     passes as clean for a zip. The guard chains to the name callbacks. */
  g.limit.filesize = st.maxfilesize;
  g.limit.scansize = st.maxscansize;
  qscanq_clam_limits(engine, &g.limit);
  qscanq_clam_options(&opts);
  /* Names and limits: libclamav's own exceeds-max findings (gzip past
     MaxFileSize, MaxScanSize) count; other heuristics are the content
     scanner's business. */
  opts.heuristic = CL_SCAN_HEURISTIC_EXCEEDS_MAX;
  opts.general = 0;
  qscanq_clam_sizeguard(engine, &g, fd);
  r = cl_scandesc_callback(fd, "msg", &virname, &scanned, engine, &opts, &g);
  if (st.bannedlen) return qscanq_judge_report(&st);
  v = qscanq_sizeguard_verdict(&g, r, virname, &what, why, sizeof why);
  if (v != VERDICT_CLEAN)
  {
    buffer_puts(buffer_1, "msg: ");
    buffer_puts(buffer_1, what);
    buffer_putsflush(buffer_1, v == VERDICT_VIRUS ? " FOUND\n" : " ERROR\n");
    if (v == VERDICT_VIRUS) return v;
    /* Only a size limit is raised in the configuration; a libclamav
       error or an unreadable member is not. */
    if (strncmp(what, "Heuristics.Limits.Exceeded.", 27)) strerr_dief(VERDICT_FAIL, "not scanned whole: ", why);
    strerr_dief(VERDICT_FAIL, "not scanned whole: ", why,
        ": raise MaxFileSize/MaxScanSize in clamd.conf and -m/-M together");
  }
  cl_engine_free(engine);
  if (!argc) return VERDICT_CLEAN;
  if (lseek(fd, 0, SEEK_SET) < 0 || (fd && fd_move(0, fd) < 0)) strerr_diefusys(VERDICT_FAIL, "rewind the message");
  execvp(argv[0], (char *const *)argv);
  strerr_diefusys(VERDICT_FAIL, "exec ", argv[0]);
}
