/* The clamd client's pure parts, apart so that the fuzzer and the unit
   tests can call them. See qscanq-clamd(8) for the grammar. */
#ifndef QSCANQ_CLAMD_H
#define QSCANQ_CLAMD_H

#include <stddef.h>
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

#endif
