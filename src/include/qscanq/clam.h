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
/* A descriptor of a regular file holding the data to scan: file itself,
   or fd 0 if regular, or a copy of fd 0 in tmpdir (cl_scandesc on a pipe
   scans nothing). Dies with exit 2 on failure. */
extern int qscanq_clam_input(char const *file, char const *tmpdir);

#endif
