/* Shared set-up of the in-process libclamav scanners. */
#ifndef QSCANQ_CLAM_H
#define QSCANQ_CLAM_H

#include <stdint.h>
#include <clamav.h>
#include <qscanq/exitcodes.h>

/* A compiled engine with the signatures of dbdir, temp files in tmpdir
   (NULL: $TMPDIR or /tmp). Dies with exit 2 on any failure, including a
   database with no signatures: an empty engine would call everything
   clean. */
extern struct cl_engine *qscanq_clam_engine(char const *dbdir, char const *tmpdir);
/* The first error libclamav reported since qscanq_clam_engine compiled
   the engine (that is, during the scan), made safe for a log line, or 0
   if none; *count (if count is not 0) gets how many. libclamav carries on
   after an error and may call the scan clean although it left part of
   the message unread: a temporary file it could not make or write (a
   full TMPDIR), a stream it could not decode. Allocation errors never
   get here: they end the program (exit 2). */
extern char const *qscanq_clam_error(unsigned int *count);
/* Every parser on; exceeding a limit is a finding, never a silent pass. */
extern void qscanq_clam_options(struct cl_scan_options *o);

/* The engine limits that decide whether a file is scanned whole, with
   clamd.conf's names. A field left 0 keeps the engine's value. */
struct qscanq_clamlimits
{
  uint64_t filesize; /* MaxFileSize: larger files are trimmed or skipped */
  uint64_t scansize; /* MaxScanSize: scanning stops after this much */
  uint32_t recursion; /* MaxRecursion */
  uint32_t files; /* MaxFiles */
};
/* Sets the non-zero limits of l on e, then reads all four back into l.
   Dies with exit 2 on failure. */
extern void qscanq_clam_limits(struct cl_engine *e, struct qscanq_clamlimits *l);
/* A size as clamd.conf writes one: digits, then an optional k/K or m/M
   (or g/G) for 1024, 1024^2 (1024^3). 1 ok, 0 malformed, zero or
   overflowing. In clam_size.c, which calls no libclamav: a static
   program may parse such an option too. */
extern int qscanq_clam_size(char const *s, uint64_t *n);

/* The size guard: libclamav trims an archive member to MaxFileSize and
   stops at MaxScanSize, and for zip, 7z, rar and other archives it does so
   without any Heuristics.Limits.Exceeded finding, so a payload behind
   padding passes as clean. The guard watches every member's declared size
   (the archive's own header, through the metadata callback) and every
   extracted file's size (the file-inspection callback) and judges the
   scan afterwards: nothing that was not scanned whole is clean.

   Use: fill in the limits to judge against (qscanq_clam_limits' result;
   qscanq-attach: clamd's), optionally the caller's own file-inspection
   and metadata callbacks to chain to (they get nextctx, after the guard's
   bookkeeping; their CL_VIRUS stops the scan), then
   qscanq_clam_sizeguard(engine, &g, fd), and pass &g as the context of
   cl_scandesc_callback. One guard per scan; the engine's callbacks stay
   installed. */
struct qscanq_sizeguard
{
  struct qscanq_clamlimits limit; /* judged against; set by the caller */
  clcb_file_inspection next; /* chained, with nextctx; may be 0 */
  clcb_meta nextmeta; /* chained, with nextctx; may be 0 */
  void *nextctx;
  /* What the scan showed (qscanq_clam_sizeguard zeroes it). */
  uint64_t msgsize; /* the scanned file itself (level 0) */
  uint64_t declared; /* archive members' declared sizes, added up */
  uint64_t biggest; /* the largest member not scanned whole */
  uint32_t trimmed; /* members not scanned whole */
  uint32_t unscanned; /* members libclamav could not read at all */
  int bomb; /* set when the expansion looked like a bomb */
  char name[256]; /* the largest such member, made log-safe */
  uint64_t last[4]; /* the previous metadata call, to drop repeats */
};

/* The verdict's name for a bomb (a virus-class finding). */
#define QSCANQ_BOMB "Qscanq.Heuristics.ArchiveBomb"
/* A bomb: archives that declare more than QSCANQ_BOMB_RATIO times the
   message's own size, and more than MaxScanSize in all. */
#define QSCANQ_BOMB_RATIO 100

/* Installs the guard's metadata and file-inspection callbacks on e and
   clears g's findings; fd is the message, whose size the bomb rule
   compares with. Dies with exit 2 if g has no limits or fd cannot be
   read. */
extern void qscanq_clam_sizeguard(struct cl_engine *e, struct qscanq_sizeguard *g, int fd);

/* The verdict of a scan: r and virname from cl_scandesc_callback, g its
   guard. A signature wins; then a bomb or a structure limit (MaxRecursion,
   MaxFiles) is VERDICT_VIRUS; a size limit (a member not scanned whole,
   MaxFileSize, MaxScanSize, MaxScanTime) is VERDICT_FAIL, and so is any
   error libclamav reported during the scan (qscanq_clam_error); a clean result
   is clean only if the guard saw nothing; anything else is VERDICT_FAIL.
   *name: the signature or limit name for the report; why (max bytes,
   NUL-terminated): a sentence for the log naming the limit to raise, or
   libclamav's error. */
extern enum qscanq_verdict qscanq_sizeguard_verdict(struct qscanq_sizeguard const *g, cl_error_t r,
    char const *virname, char const **name, char *why, size_t max);
#endif
