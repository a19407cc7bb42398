#include <string.h>
#include <qscanq/clam.h>

/* Zero parse options would mean no mail and no archive parsing: a base64
   attachment or a zip would be scanned as opaque text. */
void qscanq_clam_options(struct cl_scan_options *o)
{
  memset(o, 0, sizeof *o);
  o->general = CL_SCAN_GENERAL_HEURISTICS;
  o->parse = ~0U;
  o->heuristic = CL_SCAN_HEURISTIC_EXCEEDS_MAX;
}
