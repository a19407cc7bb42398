#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <skalibs/strerr.h>
#include <skalibs/types.h>
#include <qscanq/clam.h>
#include <qscanq/exitcodes.h>
#include <qscanq/qscanq.h>

/* The errors libclamav reported since the engine was compiled: one
   engine scans one message per process, so these are the scan's. A
   static, not the scan's callback context: libclamav reports some errors
   (the per-scan temporary directory) before it sets that context up. */
static unsigned int nerrors;
static char firsterror[256];

/* libclamav's text as one log line: its trailing newline and full stop
   dropped, its words made safe. */
static void safeline(char *out, size_t max, char const *text)
{
  size_t len = strlen(text);
  while (len && (text[len - 1] == '\n' || text[len - 1] == '.')) len--;
  qscanq_logsafe_words(out, max, text, len);
}

/* libclamav's messages, made safe for the log. An error is recorded:
   libclamav carries on after most of them and may still call the scan
   clean, although part of the message was never looked at (a temporary
   file it could not make or write in a full TMPDIR, a stream it could not
   decode); qscanq_sizeguard_verdict refuses to call such a scan clean. A
   failed allocation ends the scan at once: libclamav leaves out a MIME
   part it could not store, and under a tight softlimit its mail parser
   retries for minutes, until the scan timeout kills it. */
static void msg(enum cl_msg severity, char const *fullmsg, char const *text, void *ctx)
{
  char line[512];
  (void)fullmsg;
  (void)ctx;
  if (severity != CL_MSG_ERROR && severity != CL_MSG_WARN) return;
  safeline(line, sizeof line, text);
  strerr_warnw(severity == CL_MSG_ERROR ? "libclamav error: " : "libclamav warning: ", line);
  if (severity != CL_MSG_ERROR) return;
  if (strstr(text, "alloc") || strstr(text, "memory"))
    strerr_dief(VERDICT_FAIL, "libclamav ran out of memory: raise the memory limit (softlimit -m)");
  if (!nerrors) safeline(firsterror, sizeof firsterror, text);
  if (nerrors < UINT_MAX) nerrors++;
}

char const *qscanq_clam_error(unsigned int *count)
{
  if (count) *count = nerrors;
  return nerrors ? firsterror : 0;
}

struct cl_engine *qscanq_clam_engine(char const *dbdir, char const *tmpdir)
{
  struct cl_engine *e;
  unsigned int sigs = 0;
  cl_error_t r;
  cl_set_clcb_msg(&msg);
  r = cl_init(CL_INIT_DEFAULT);
  if (r != CL_SUCCESS) strerr_diefu(VERDICT_FAIL, "initialize libclamav: ", cl_strerror(r));
  e = cl_engine_new();
  if (!e) strerr_diefu(VERDICT_FAIL, "create a libclamav engine");
  if (!tmpdir) tmpdir = getenv("TMPDIR");
  if (!tmpdir || !*tmpdir) tmpdir = "/tmp";
  r = cl_engine_set_str(e, CL_ENGINE_TMPDIR, tmpdir);
  if (r != CL_SUCCESS) strerr_diefu(VERDICT_FAIL, "set the temporary directory: ", cl_strerror(r));
  r = cl_load(dbdir, e, &sigs, CL_DB_STDOPT);
  if (r != CL_SUCCESS) strerr_diefu(VERDICT_FAIL, "load signatures from ", dbdir, ": ", cl_strerror(r));
  if (!sigs) strerr_dief(VERDICT_FAIL, "no signatures in ", dbdir, ": refusing to call anything clean");
  r = cl_engine_compile(e);
  if (r != CL_SUCCESS) strerr_diefu(VERDICT_FAIL, "compile the signatures: ", cl_strerror(r));
  /* From here on every error is the scan's. One a load survived was
     printed; it does not make every message a failure. */
  nerrors = 0;
  firsterror[0] = 0;
  return e;
}
