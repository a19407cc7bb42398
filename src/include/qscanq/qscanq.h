/* Library of the qscanq suite: one job per file in src/lib. */
#ifndef QSCANQ_QSCANQ_H
#define QSCANQ_QSCANQ_H

#include <sys/types.h>
#include <stddef.h>
#include <skalibs/tai.h>
#include <qscanq/exitcodes.h>

/* A message directory name: "@" 24 hex TAI64N "." ppid hex "." n hex. */
#define QSCANQ_NAMELEN 64
extern size_t qscanq_msgname(char *s, pid_t ppid, unsigned int n);

/* Looks NAME up in /etc/passwd (the static programs use no NSS).
   1 found, 0 not found, -1 error (errno). */
extern int qscanq_getpw(char const *name, uid_t *uid, gid_t *gid);
/* 1 if the real uid may choose SCANDIR/SCANCMD, 0 if not, -1 error. */
extern int qscanq_trusted(void);
/* Make the process qscand for good: from root (user and group switch) or
   from effective qscand (real and saved ids too). 0 ok, -1 error. */
extern int qscanq_become_qscand(void);

/* Splits a scanner command line in place: blanks separate, quotes group.
   Returns the word count, or -1 (errno EINVAL: unbalanced quote,
   E2BIG: more than max words). */
extern int qscanq_split(char *s, char const **argv, unsigned int max);

/* Closes every descriptor >= 3 except keep and keep2 (-1: none). */
extern void qscanq_closefrom(int keep, int keep2);

/* Removes directory NAME below the directory open at dirfd, recursively,
   without following symbolic links, skipping (and failing on) anything
   not owned by uid. 0 ok, -1 error. */
extern int qscanq_rmtree(int dirfd, char const *name, uid_t uid);

/* Whether the directory open at dirfd may be used as the spool: a real
   directory, owned by uid, not writable by group or others. 1 yes; 0 no,
   with *why saying why; -1 error (errno). Open it with
   O_DIRECTORY|O_NOFOLLOW, so a symbolic link is refused too. */
extern int qscanq_spool_ok(int dirfd, uid_t uid, char const **why);
/* Opens path as the spool (O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC) and checks
   it with qscanq_spool_ok. The descriptor; or -1 with *why set (refused:
   a symbolic link, or qscanq_spool_ok's reason) or *why 0 (errno). */
extern int qscanq_spool_open(char const *path, uid_t uid, char const **why);

/* Reply modes (qscanq(7)). enum qscanq_verdict is in exitcodes.h. */
/* Reports a refusal to the caller in the mode $QSCANQ_REPLY chooses and
   returns the exit code to use. what: signature, attachment or failure
   text; plaincode: the code for a failure in plain mode (71, 53, 54...). */
extern int qscanq_reply(enum qscanq_verdict v, char const *what, int plaincode);
/* The reply descriptor of the current mode, or -1. */
extern int qscanq_replyfd(void);

/* Waits until fd is ready for events or the deadline passes: 1 ready,
   0 deadline passed (errno ETIMEDOUT), -1 error. */
extern int qscanq_waitfd(int fd, short events, tain const *deadline);

/* Reads up to n bytes from fd into s, stopping at EOF; -1 on error. */
extern ssize_t qscanq_readall(int fd, char *s, size_t n);

/* A descriptor of a regular file holding the data to scan: file itself,
   or fd 0 if regular, or a copy of fd 0 in tmpdir (NULL: $TMPDIR or /tmp).
   A scanner must scan a regular file: libclamav "scans" a pipe as clean
   without reading it. Dies with exit 2 (scanner failure) on any error. */
extern int qscanq_regular_input(char const *file, char const *tmpdir);

/* Attachment names and policy: qscanq/attach.h. */

/* in[0..len) made safe for one word of a log line or report: controls,
   blanks, quotes, backslashes and malformed UTF-8 as \xHH, C1 and
   bidirectional controls as \uXXXX. Writes at most max bytes with the
   NUL, never cutting an escape; returns the length. */
extern size_t qscanq_logsafe(char *out, size_t max, char const *in, size_t len);
/* The same, but what does not fit keeps both ends ("head...tail"): for
   names, whose extension is at the end; and escapes already in the
   input pass unchanged, so that a value made safe twice reads as once. */
extern size_t qscanq_logsafe_ends(char *out, size_t max, char const *in, size_t len);
/* A line of words: each word as qscanq_logsafe makes it, every blank
   kept as a blank, within max bytes with the NUL. */
extern size_t qscanq_logsafe_words(char *out, size_t max, char const *in, size_t len);

/* Prints "PROG VERSION" and exits 0 when the only argument is -V. */
extern void qscanq_version(int argc, char const *const *argv);

/* Static scratch memory shared by work that never runs at the same time
   in one process: the clamd client's INSTREAM chunk, the in-process
   attachment walk of qscanq-stdin. Whoever uses it is done with it
   before returning. */
#define QSCANQ_SCRATCH 262144
extern char qscanq_scratch[QSCANQ_SCRATCH];

#endif
