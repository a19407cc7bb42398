/* Attachment names and the policy that judges them (qscanq-attach). */
#ifndef QSCANQ_ATTACH_H
#define QSCANQ_ATTACH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <skalibs/stralloc.h>

/* The longest name kept. A longer name keeps its last bytes: the
   extension, which is what a policy judges, is at the end. */
#define QSCANQ_NAMEMAX 1024

/* A name being read, its last QSCANQ_NAMEMAX bytes kept at least. */
struct qscanq_nametail
{
  size_t len;
  char s[2 * QSCANQ_NAMEMAX];
};
extern void qscanq_nametail_put(struct qscanq_nametail *n, char const *s, size_t len);

/* Called with every name found, NUL-terminated, len < QSCANQ_NAMEMAX.
   A non-zero return stops the walk and is returned by it. */
typedef int (*qscanq_name_fn)(char const *name, size_t len, void *ctx);

/* The MIME walk: a message fed in chunks of any size, in fixed memory.
   Calls f for every attachment name in real MIME headers (top-level
   headers, part headers of multiparts, nested message/rfc822), with MIME
   quoting undone and RFC 2047/2231 decoded. feed and end return 0, f's
   first non-zero return, or -1 with errno: EMSGSIZE (a Content-Type or
   Content-Disposition header over QSCANQ_HDRMAX bytes, or a boundary over
   QSCANQ_BOUNDMAX), ELOOP (multiparts nested over QSCANQ_DEPTHMAX). */
#define QSCANQ_HDRMAX 65536
#define QSCANQ_BOUNDMAX 256
#define QSCANQ_DEPTHMAX 32
struct qscanq_mime;
extern struct qscanq_mime *qscanq_mime_new(qscanq_name_fn f, void *ctx);
extern int qscanq_mime_feed(struct qscanq_mime *m, char const *s, size_t len);
extern int qscanq_mime_end(struct qscanq_mime *m);
extern void qscanq_mime_free(struct qscanq_mime *m);
/* The same walk in size bytes of the caller's memory (not freed): 0 with
   errno ENOMEM if they do not hold it. */
extern struct qscanq_mime *qscanq_mime_init(void *mem, size_t size, qscanq_name_fn f, void *ctx);
/* What the walk saw beyond names: QSCANQ_MIME_CONTAINER, a part that
   may hold further names (an archive, TNEF, a compressed file, a disk
   image, a program, a message, uuencoded data, or a part it does not
   decode): only then is libclamav's archive pass needed. */
#define QSCANQ_MIME_CONTAINER 1U
/* QSCANQ_MIME_BLANKS: a header with QSCANQ_BLANKRUN or more blanks in a
   row. libclamav's MIME parser (1.4) loses a part whose header has about
   2000: no content scanner on libclamav sees that part at all. */
#define QSCANQ_MIME_BLANKS 2U
#define QSCANQ_BLANKRUN 1900
#define QSCANQ_SNIFFMAX 0x9006
extern unsigned int qscanq_mime_flags(struct qscanq_mime const *m);
/* The whole walk over s[0..len) or over fd read to its end in chunks. */
extern int qscanq_mimenames(char const *s, size_t len, qscanq_name_fn f, void *ctx);
/* Feeds m the message read from fd to its end through buf[0..n), then
   ends it: qscanq_mime_end's result, a callback's first non-zero return,
   or -1 on a read error (errno). */
extern int qscanq_mime_readfd(struct qscanq_mime *m, int fd, char *buf, size_t n);
extern int qscanq_mimenames_fd(int fd, qscanq_name_fn f, void *ctx, unsigned int *flags);

/* Reads up to n bytes at offset off of a file-like source into buf: the
   count read (0 at the end), or -1. Lets the parsers below read a file
   through a descriptor without loading it, and read memory when fuzzed. */
typedef ssize_t (*qscanq_readat_fn)(void *src, void *buf, size_t n, uint64_t off);

/* Calls f with the name stored in len bytes at off: 8-bit, or UTF-16LE
   made UTF-8 (wide); ended by its first NUL; its last bytes if longer
   than a name may be; none if empty. A short read ends it. Returns 0,
   f's return, or -1 (a read failed). */
extern int qscanq_readname(qscanq_readat_fn rd, void *src, uint64_t off, uint64_t len, int wide, qscanq_name_fn f,
    void *ctx);

/* gzip (RFC 1952): calls f with the original file name of its header
   (FNAME), which gunzip and archive programs give the file they
   extract. 0 (done, no name, not gzip), f's return, or -1. */
extern int qscanq_gzip_name(qscanq_readat_fn rd, void *src, uint64_t size, qscanq_name_fn f, void *ctx);

/* TNEF (winmail.dat, application/ms-tnef, [MS-OXTNEF]): calls f for the
   names of its attachments (attAttachTitle; PR_ATTACH_LONG_FILENAME,
   PR_ATTACH_FILENAME, PR_DISPLAY_NAME in attAttachment, 8-bit or UTF-16
   made UTF-8), embedded messages included. Reads only what it needs, a
   few bytes at a time. Returns 0 (done, or not TNEF: a malformed stream
   ends the walk), f's non-zero return, or -1 (a read failed). */
extern int qscanq_tnef_names(qscanq_readat_fn rd, void *src, uint64_t size, qscanq_name_fn f, void *ctx);

/* The policy: BADEXT lines (a whole name or a suffix, any case) and
   PATTERNS lines (shell wildcards, any case, the last matching line
   decides, ! allows). Lines are NUL-separated in ext and pat. */
struct qscanq_policy
{
  stralloc ext;
  stralloc pat;
};
#define QSCANQ_POLICY_ZERO       \
  {                              \
    STRALLOC_ZERO, STRALLOC_ZERO \
  }
#define QSCANQ_POLICY_LINEMAX 1024
enum qscanq_policy_kind
{
  QSCANQ_BADEXT,
  QSCANQ_PATTERNS
};
/* Adds the lines of a policy file s[0..len): one pattern a line, blank
   lines and lines starting with # ignored, blanks around a line and a
   final \r dropped. 0 ok; -1 with errno ENOMEM, or EINVAL for a
   malformed file (*line: its line number, *why: what is wrong). */
extern int qscanq_policy_add(struct qscanq_policy *p, enum qscanq_policy_kind kind, char const *s, size_t len,
    unsigned int *line, char const **why);
/* 1 if the name is banned, else 0. The name is judged as Windows would
   run it (trailing dots and blanks dropped), whole and by its last path
   component. clam: the name was rewritten by libclamav (bytes other than
   letters, digits and dots made _), so the lines are rewritten alike. */
extern int qscanq_policy_match(struct qscanq_policy const *p, char const *name, size_t len, int clam);
extern void qscanq_policy_free(struct qscanq_policy *p);

/* qscanq-attach and its archive pass (qscanq-attach-archives) share the
   options, the judging and the report. */
#define QSCANQ_ATTACH_USAGE \
  "qscanq-attach [ -f badext ] [ -p patterns ] [ -m maxfilesize ] [ -M maxscansize ] [ scanner arg... ]"
struct qscanq_judge
{
  struct qscanq_policy pol;
  size_t bannedlen;
  char banned[QSCANQ_NAMEMAX];
  int debug;
  uint64_t maxfilesize; /* -m: clamd's MaxFileSize (Debian's 25M) */
  uint64_t maxscansize; /* -M: clamd's MaxScanSize (Debian's 100M) */
};
#define QSCANQ_JUDGE_ZERO                                   \
  {                                                         \
    QSCANQ_POLICY_ZERO, 0, "", 0, 25ULL << 20, 100ULL << 20 \
  }
/* Parses -f BADEXT, -p PATTERNS, -m MAXFILESIZE and -M MAXSCANSIZE, reading each file (dies with exit 2
   naming the file and line of a malformed one, or with usage); returns
   the index of the first argument after the options. */
extern int qscanq_judge_options(struct qscanq_judge *j, int argc, char const *const *argv, char const *usage);
/* The same without dying: the same diagnostic under PROG, then -1 (for
   qscanq-stdin, which runs qscanq-attach in process). */
extern int qscanq_judge_parse(struct qscanq_judge *j, int argc, char const *const *argv, char const *usage);
/* 1 if the policy bans the name (kept for the report); what: where it
   was found, for DEBUG. clam: as for qscanq_policy_match. */
extern int qscanq_judge(struct qscanq_judge *j, char const *what, char const *name, size_t len, int clam);
/* Prints "msg: NAME banned attachment FOUND" (NAME made safe) and
   returns VERDICT_BANNED; dies with exit 2 if it cannot. */
extern int qscanq_judge_report(struct qscanq_judge const *j);
/* The same line into s (QSCANQ_JUDGE_REPORTMAX bytes), no NUL: its length. */
#define QSCANQ_JUDGE_REPORTMAX 1024
extern size_t qscanq_judge_reportfmt(struct qscanq_judge const *j, char *s);

#endif
