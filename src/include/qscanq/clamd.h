/* The clamd client's pure parts, apart so that the fuzzer and the unit
   tests can call them. See qscanq-clamd(8) for the grammar. */
#ifndef QSCANQ_CLAMD_H
#define QSCANQ_CLAMD_H

#include <stddef.h>
#include <sys/types.h>
#include <skalibs/tai.h>
#include <qscanq/exitcodes.h>

/* The longest reply line accepted, not counting its NUL. */
#define QSCANQ_CLAMD_LINEMAX 1023

/* Judges one whole clamd reply s[0..len), everything read up to the
   connection's end, NUL included. fildes: the command was zFILDES (the
   reply names "fd[N]"), else zINSTREAM (it names "stream").
   VERDICT_CLEAN: "NAME: OK". VERDICT_VIRUS: "NAME: SIG FOUND", the
   signature at s[*sigstart..*sigstart + *siglen). VERDICT_FAIL: anything
   else, *why a static text saying what was wrong (for a size limit it
   names the clamd.conf setting to raise). Never reads outside s[0..len);
   s need not be NUL-terminated. */
extern enum qscanq_verdict qscanq_clamd_reply(char const *s, size_t len, int fildes, size_t *sigstart, size_t *siglen,
    char const **why);

/* The client itself (src/lib/clamd_*.c): qscanq-clamd's whole work, so
   that qscanq-stdin can run a list entry "qscanq-clamd ..." in process. */

#define QSCANQ_CLAMD_MAXSERVERS 16
#define QSCANQ_CLAMD_USAGE "qscanq-clamd [ -i | -P ] [ -s socket|host:port ]... [ -t seconds ] [ -u clamduser ] [ file ]"
/* Room for the report line "msg: SIG FOUND\n", SIG made safe. */
#define QSCANQ_CLAMD_REPORTMAX ((QSCANQ_CLAMD_LINEMAX + 2) * 4 + 16)

struct qscanq_clamd
{
  char const *servers[QSCANQ_CLAMD_MAXSERVERS];
  unsigned int n; /* at least 1 once the options are read */
  unsigned int timeout; /* -t: seconds for each server */
  int forcestream; /* -i */
  int ping; /* -P */
  char const *clamduser; /* -u */
  char const *file; /* the operand, or 0 for descriptor 0 */
};

/* qscanq-clamd's command line, argv[0] its name, into *c. 0, or -1 on a
   usage error: *why is then 0 (show the usage) or a text. */
extern int qscanq_clamd_options(struct qscanq_clamd *c, int argc, char const *const *argv, char const **why);

/* Asks the servers about the regular file fd, one after the other from
   servers[start % n], until one answers. Each gets c->timeout seconds,
   never past *limit when limit is not 0. The report ("msg: OK\n" or
   "msg: SIG FOUND\n") goes to rep (QSCANQ_CLAMD_REPORTMAX bytes), its
   length to *replen (0 when no server answered). VERDICT_CLEAN,
   VERDICT_VIRUS or VERDICT_FAIL; every failure is warned (strerr). */
extern enum qscanq_verdict qscanq_clamd_scan(struct qscanq_clamd const *c, int fd, unsigned int start, tain const *limit,
    char *rep, size_t *replen);

#define QSCANQ_CLAMD_NOANSWER(c) \
  ((c)->n > 1 ? "no clamd server gave an answer (each failure is above)" : "the clamd server gave no answer (the failure is above)")

/* -P: PING every server, "SERVER: PONG" on stdout for each that
   answers. 0 if all did, else VERDICT_FAIL. */
extern int qscanq_clamd_ping(struct qscanq_clamd const *c);

#endif
