#include <string.h>
#include <sys/stat.h>
#include <skalibs/strerr.h>
#include <skalibs/types.h>
#include <qscanq/clam.h>
#include <qscanq/qscanq.h>

/* libclamav extracts an archive member only up to MaxFileSize ("trimming
   output size to maxfilesize" in its debug log) and scans the rest of the
   archive only up to MaxScanSize. For zip, 7z, rar and most other
   containers it raises no Heuristics.Limits.Exceeded finding when it
   does, even with the exceeds-max heuristic on, so whatever lies past the
   trim point (EICAR after 150 MB of zeros) is never looked at, and the
   scan says clean. The guard records what the archives declare and what
   was extracted, and qscanq_sizeguard_verdict refuses to call such a scan
   clean. State is a few counters: the callbacks run for every member of
   every nested archive. */

#define LIMITS "Heuristics.Limits.Exceeded."

static uint64_t add(uint64_t a, uint64_t b)
{
  return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static void setname(struct qscanq_sizeguard *g, char const *name)
{
  if (!name || !*name) name = "(no name)";
  qscanq_logsafe(g->name, sizeof g->name, name, strlen(name));
}

static void note(struct qscanq_sizeguard *g, char const *name, uint64_t size)
{
  if (g->trimmed < UINT32_MAX) g->trimmed++;
  if (size < g->biggest && g->name[0]) return;
  g->biggest = size;
  setname(g, name);
}

/* A bomb: the archives declare more than MaxScanSize (so it could not be
   scanned whole whatever the member limit) and more than QSCANQ_BOMB_RATIO
   times the message's size. Real attachments compress text perhaps 10:1;
   deflate cannot pass about 1000:1, which only padding reaches. */
static int bomblike(struct qscanq_sizeguard const *g)
{
  return g->declared > g->limit.scansize && g->declared / QSCANQ_BOMB_RATIO > g->msgsize;
}

static uint64_t hash(char const *s)
{
  uint64_t h = 1469598103934665603ULL;
  if (s)
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

/* The caller's own metadata callback, if any. */
static cl_error_t chainmeta(struct qscanq_sizeguard *g, char const *type, unsigned long fsize_container,
    char const *filename, unsigned long fsize_real, int is_encrypted, unsigned int pos)
{
  if (!g->nextmeta) return CL_CLEAN;
  return (*g->nextmeta)(type, fsize_container, filename, fsize_real, is_encrypted, pos, g->nextctx);
}

/* Called once or twice (central directory, then local header) for every
   zip member, once per member of 7z, rar, cab..., and for every MIME part
   (container CL_TYPE_MAIL: a part is no larger than the message, it is not
   an expansion). fsize_real is the member's size as the archive declares
   it: a liar that declares less is caught by the extracted size below. */
static cl_error_t meta(char const *type, unsigned long fsize_container, char const *filename,
    unsigned long fsize_real, int is_encrypted, unsigned int pos, void *ctx)
{
  struct qscanq_sizeguard *g = ctx;
  uint64_t key[4];
  if (!g) return CL_CLEAN;
  key[0] = hash(type);
  key[1] = fsize_container;
  key[2] = fsize_real;
  key[3] = hash(filename) ^ ((uint64_t)pos << 32);
  if (!memcmp(key, g->last, sizeof key)) return chainmeta(g, type, fsize_container, filename, fsize_real, is_encrypted, pos);
  memcpy(g->last, key, sizeof key);
  if (fsize_container == 0xffffffffUL || fsize_real == 0xffffffffUL)
  {
    /* A zip64 marker in a local header (what zip writes when it reads
       from a pipe): libclamav 1.4 does not find such a member's data
       ("stream out of file") and skips it without a word, so a virus in
       it passes. The size is unknown; the member was not scanned. */
    if (g->unscanned < UINT32_MAX) g->unscanned++;
    if (!g->name[0] || !g->trimmed) setname(g, filename);
    return chainmeta(g, type, fsize_container, filename, fsize_real, is_encrypted, pos);
  }
  if (!type || strcmp(type, "CL_TYPE_MAIL")) g->declared = add(g->declared, fsize_real);
  /* An encrypted member is not extracted at all: not a size matter. */
  if (!is_encrypted && fsize_real > g->limit.filesize) note(g, filename, fsize_real);
  if (bomblike(g))
  {
    /* The verdict is settled (virus-class): stop extracting now. */
    g->bomb = 1;
    return CL_VIRUS;
  }
  return chainmeta(g, type, fsize_container, filename, fsize_real, is_encrypted, pos);
}

/* Every file libclamav is about to scan: level 0 is the message, deeper
   levels are what it extracted. An extracted file as large as MaxFileSize
   was (almost surely) cut there: gzip, bzip2, xz, tar and the rest call
   no metadata callback. */
static cl_error_t inspect(int fd, char const *type, char const **ancestors, size_t parent_size, char const *name,
    size_t size, char const *buf, uint32_t level, uint32_t attrs, void *ctx)
{
  struct qscanq_sizeguard *g = ctx;
  if (!g) return CL_CLEAN;
  /* A repeat is a repeat only within one archive: the next archive's
     member may look the same (a nested bomb's copies do). */
  memset(g->last, 0, sizeof g->last);
  if (level && size >= g->limit.filesize) note(g, name, size);
  return g->next ? (*g->next)(fd, type, ancestors, parent_size, name, size, buf, level, attrs, g->nextctx)
                 : CL_CLEAN;
}

void qscanq_clam_sizeguard(struct cl_engine *e, struct qscanq_sizeguard *g, int fd)
{
  struct stat st;
  if (!g->limit.filesize || !g->limit.scansize) strerr_dief(VERDICT_FAIL, "size guard without limits");
  if (fstat(fd, &st) < 0) strerr_diefusys(VERDICT_FAIL, "stat the message");
  g->msgsize = st.st_size > 0 ? (uint64_t)st.st_size : 0;
  g->declared = g->biggest = 0;
  g->trimmed = g->unscanned = 0;
  g->bomb = 0;
  g->name[0] = 0;
  memset(g->last, 0, sizeof g->last);
  /* libclamav's clean cache skips a file it has seen before in the same
     scan: a nested bomb of identical archives is then parsed once, and its
     members' sizes are declared once, so it looks small. Each message has
     an engine of its own, so the cache saves nothing worth that. */
  if (cl_engine_set_num(e, CL_ENGINE_DISABLE_CACHE, 1) != CL_SUCCESS)
    strerr_diefu(VERDICT_FAIL, "disable libclamav's cache");
  cl_engine_set_clcb_meta(e, &meta);
  cl_engine_set_clcb_file_inspection(e, &inspect);
}

/* The why text, built without stdio: pieces appended, cut at max. */
struct text
{
  char *s;
  size_t max;
  size_t len;
};

static void cat(struct text *t, char const *s)
{
  size_t l = strlen(s);
  if (!t->max) return;
  if (l > t->max - 1 - t->len) l = t->max - 1 - t->len;
  memcpy(t->s + t->len, s, l);
  t->len += l;
  t->s[t->len] = 0;
}

static void catn(struct text *t, uint64_t n)
{
  char f[UINT64_FMT];
  f[uint64_fmt(f, n)] = 0;
  cat(t, f);
}

enum qscanq_verdict qscanq_sizeguard_verdict(struct qscanq_sizeguard const *g, cl_error_t r,
    char const *virname, char const **name, char *why, size_t max)
{
  struct text t = { .s = why, .max = max, .len = 0 };
  int limit = r == CL_VIRUS && virname && !strncmp(virname, LIMITS, sizeof LIMITS - 1);
  int callback = r == CL_VIRUS && virname && !strcmp(virname, "Detected.By.Callback");
  char const *which = limit ? virname + sizeof LIMITS - 1 : "";
  char const *err;
  unsigned int nerr;
  if (max) why[0] = 0;
  /* A signature decides, whatever else was too big. */
  if (r == CL_VIRUS && virname && *virname && !limit && !callback)
  {
    *name = virname;
    cat(&t, "signature found");
    return VERDICT_VIRUS;
  }
  /* libclamav stopped at MaxScanSize before the declared sizes passed it
     (nested archives count their own bytes too): the same rule. */
  int bomb = g->bomb || (!strcmp(which, "MaxScanSize") && g->declared / QSCANQ_BOMB_RATIO > g->msgsize);
  if (bomb)
  {
    *name = QSCANQ_BOMB;
    cat(&t, "archive bomb: archives declare ");
    catn(&t, g->declared);
    cat(&t, " bytes from a message of ");
    catn(&t, g->msgsize);
    cat(&t, " bytes");
    return VERDICT_VIRUS;
  }
  if (!strcmp(which, "MaxRecursion") || !strcmp(which, "MaxFiles"))
  {
    *name = virname;
    cat(&t, which[3] == 'R' ? "nested deeper than MaxRecursion (a structure limit)" : "more files than MaxFiles (a structure limit)");
    return VERDICT_VIRUS;
  }
  if (callback)
  {
    /* Only a chained callback blocks without the guard knowing why; its
       owner reports it. Not clean. */
    *name = virname;
    cat(&t, "refused by a callback");
    return VERDICT_VIRUS;
  }
  /* libclamav reported an error and carried on: part of the message was
     never looked at, whatever r says. It turns a per-scan directory it
     cannot make into CL_CLEAN, skips a MIME part it cannot write out, and
     drops everything an xz stream held before a corrupt byte, which xz
     itself still extracts. */
  if ((err = qscanq_clam_error(&nerr)))
  {
    *name = "Qscanq.Unscannable.LibclamavError";
    cat(&t, "libclamav failed during the scan (");
    cat(&t, err);
    if (nerr > 1)
    {
      cat(&t, ", and ");
      catn(&t, nerr - 1);
      cat(&t, " more");
    }
    cat(&t, "): part of the message went unread (a full TMPDIR, or data libclamav cannot decode)");
    return VERDICT_FAIL;
  }
  *name = LIMITS "MaxFileSize";
  if (g->msgsize > g->limit.filesize)
  {
    cat(&t, "the message (");
    catn(&t, g->msgsize);
    cat(&t, " bytes) is larger than MaxFileSize (");
    catn(&t, g->limit.filesize);
    cat(&t, "): not scanned (a size limit, not a virus)");
    return VERDICT_FAIL;
  }
  if (g->trimmed)
  {
    cat(&t, g->name);
    cat(&t, " (");
    catn(&t, g->biggest);
    cat(&t, " bytes) is larger than MaxFileSize (");
    catn(&t, g->limit.filesize);
    cat(&t, "): not scanned whole (a size limit, not a virus)");
    return VERDICT_FAIL;
  }
  if (g->unscanned)
  {
    *name = "Qscanq.Unscannable.Zip64";
    cat(&t, g->name);
    cat(&t, ": an archive member libclamav cannot read (zip64 local header), not scanned");
    return VERDICT_FAIL;
  }
  if (g->declared > g->limit.scansize)
  {
    *name = LIMITS "MaxScanSize";
    cat(&t, "archives declare ");
    catn(&t, g->declared);
    cat(&t, " bytes, more than MaxScanSize (");
    catn(&t, g->limit.scansize);
    cat(&t, "): not scanned whole (a size limit, not a virus)");
    return VERDICT_FAIL;
  }
  if (limit)
  {
    /* MaxFileSize, MaxScanSize, MaxScanTime, or one this code does not
       know: a limit of the configuration, not a property of the message. */
    *name = virname;
    cat(&t, "libclamav's ");
    cat(&t, which);
    cat(&t, " was exceeded (a size or time limit, not a virus)");
    return VERDICT_FAIL;
  }
  if (r == CL_CLEAN)
  {
    *name = "OK";
    return VERDICT_CLEAN;
  }
  if (r == CL_ETIMEOUT)
  {
    *name = LIMITS "MaxScanTime";
    cat(&t, "the scan took longer than MaxScanTime (a time limit, not a virus)");
    return VERDICT_FAIL;
  }
  /* A finding without a name, or an error: not clean, not a refusal. */
  *name = r == CL_VIRUS ? "unnamed finding" : cl_strerror(r);
  cat(&t, r == CL_VIRUS ? "libclamav reported a finding without a name" : cl_strerror(r));
  return VERDICT_FAIL;
}
