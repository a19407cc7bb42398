#include <skalibs/strerr.h>
#include <qscanq/clam.h>

/* Limits are set after the engine is compiled: libclamav reads them at
   scan time, and setting them is what clamd does on a reload too. */
void qscanq_clam_limits(struct cl_engine *e, struct qscanq_clamlimits *l)
{
  cl_error_t r = CL_SUCCESS;
  int err = 0;
  long long v;
  if (l->filesize > (uint64_t)INT64_MAX || l->scansize > (uint64_t)INT64_MAX)
    strerr_dief(VERDICT_FAIL, "limit too large");
  if (l->filesize) r = cl_engine_set_num(e, CL_ENGINE_MAX_FILESIZE, (long long)l->filesize);
  if (r == CL_SUCCESS && l->scansize) r = cl_engine_set_num(e, CL_ENGINE_MAX_SCANSIZE, (long long)l->scansize);
  if (r == CL_SUCCESS && l->recursion) r = cl_engine_set_num(e, CL_ENGINE_MAX_RECURSION, l->recursion);
  if (r == CL_SUCCESS && l->files) r = cl_engine_set_num(e, CL_ENGINE_MAX_FILES, l->files);
  if (r != CL_SUCCESS) strerr_diefu(VERDICT_FAIL, "set the engine's limits: ", cl_strerror(r));
  v = cl_engine_get_num(e, CL_ENGINE_MAX_FILESIZE, &err);
  if (err || v <= 0) goto bad;
  l->filesize = (uint64_t)v;
  v = cl_engine_get_num(e, CL_ENGINE_MAX_SCANSIZE, &err);
  if (err || v <= 0) goto bad;
  l->scansize = (uint64_t)v;
  v = cl_engine_get_num(e, CL_ENGINE_MAX_RECURSION, &err);
  if (err || v <= 0 || v > UINT32_MAX) goto bad;
  l->recursion = (uint32_t)v;
  v = cl_engine_get_num(e, CL_ENGINE_MAX_FILES, &err);
  if (err || v <= 0 || v > UINT32_MAX) goto bad;
  l->files = (uint32_t)v;
  return;
bad:
  /* 0 would mean "no limit" to libclamav, and to the guard "nothing is
     ever too big": refuse to scan with a limit we cannot read. */
  strerr_diefu(VERDICT_FAIL, "read the engine's limits");
}
