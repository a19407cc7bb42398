/* Shared set-up of the in-process libclamav scanners. */
#ifndef QSCANQ_CLAM_H
#define QSCANQ_CLAM_H

#include <clamav.h>

/* A compiled engine with the signatures of dbdir, temp files in tmpdir
   (NULL: $TMPDIR or /tmp). Dies with exit 2 on any failure, including a
   database with no signatures: an empty engine would call everything
   clean. */
extern struct cl_engine *qscanq_clam_engine(char const *dbdir, char const *tmpdir);
/* Every parser on; exceeding a limit is a finding, never a silent pass. */
extern void qscanq_clam_options(struct cl_scan_options *o);
#endif
