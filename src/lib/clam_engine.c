#include <stdlib.h>
#include <skalibs/strerr.h>
#include <skalibs/types.h>
#include <qscanq/clam.h>
#include <qscanq/exitcodes.h>

struct cl_engine *qscanq_clam_engine(char const *dbdir, char const *tmpdir)
{
  struct cl_engine *e;
  unsigned int sigs = 0;
  cl_error_t r = cl_init(CL_INIT_DEFAULT);
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
  return e;
}
