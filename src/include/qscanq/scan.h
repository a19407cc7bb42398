/* The pieces of qscanq-stdin: the scanner list and its run, the report,
   the descendants a scanner leaves behind, and the values of the log
   line. */
#ifndef QSCANQ_SCAN_H
#define QSCANQ_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <qscanq/exitcodes.h>

/* One word of a command line: blanks (space, tab, newline) separate,
   single or double quotes group, nothing else is special. Reads at *in,
   writes the word NUL-terminated at *out (out may be in: a word is never
   longer than its source) and moves both on. 1 a word (flags: QUOTED if
   a quote was used, SEMI if an unquoted ';' is in it), 0 no more words,
   -1 an unbalanced quote. */
#define QSCANQ_WORD_QUOTED 1
#define QSCANQ_WORD_SEMI 2
extern int qscanq_word(char const **in, char **out, int *flags);

/* A scanner list (SCANCMD): command lines separated by a word ';' (an
   unquoted ';' standing alone; a quoted one is an argument). Split in
   place; cmd[i] is the i-th command's argv, NULL-terminated, pointing
   into s. Returns the number of commands (at least 1), or -1 with *why
   saying what is wrong: unbalanced quote, empty command, a ';' inside a
   word, too many commands or words. */
#define QSCANQ_SCANLIST_MAXCMDS 16
#define QSCANQ_SCANLIST_MAXWORDS 64
struct qscanq_scanlist
{
  unsigned int n;
  char const **cmd[QSCANQ_SCANLIST_MAXCMDS];
  char const *word[QSCANQ_SCANLIST_MAXWORDS + QSCANQ_SCANLIST_MAXCMDS];
};
extern int qscanq_scanlist(char *s, struct qscanq_scanlist *l, char const **why);

/* The signature a report names: in the first line of report[0..len) of
   the form "PATH: NAME FOUND", NAME is what lies between the first ": "
   and the final " FOUND", less a trailing " banned attachment". 1 with
   NAME at report + *off, *namelen bytes (never 0); 0 if no line fits. */
extern int qscanq_signame(char const *report, size_t len, size_t *off, size_t *namelen);

/* The sender and the recipient count of a qmail-queue envelope
   ("F" sender NUL, "T" recipient NUL..., NUL), fed in pieces as it is
   read. from holds the first QSCANQ_ENVFROM bytes of the sender. */
#define QSCANQ_ENVFROM 256
struct qscanq_envinfo
{
  unsigned int state; /* 0 before F, 1 sender, 2 between, 3 recipient, 4 end, 5 malformed */
  size_t fromlen;
  uint64_t rcpts;
  char from[QSCANQ_ENVFROM];
};
#define QSCANQ_ENVINFO_ZERO \
  {                         \
    0, 0, 0, { 0 }          \
  }
extern void qscanq_envinfo(struct qscanq_envinfo *e, char const *s, size_t len);

/* The value of the first Message-ID field in the header of the message
   s[0..len) (up to the first empty line; the name case-insensitive),
   outer blanks trimmed, a folded value left as it is: 1 with the value
   at s + *off, *idlen bytes (never 0); 0 if there is none. */
extern int qscanq_msgid(char const *s, size_t len, size_t *off, size_t *idlen);

/* Kills (SIGKILL) and reaps every child of the calling process, and
   their children as they are handed to it (the caller is a child
   subreaper), until none is left or maxms milliseconds have passed.
   0 none left, -1 error or some left (errno). */
extern int qscanq_killchildren(unsigned int maxms);

/* SIGKILLs every child of the calling process found by a scan of
   /proc/PID/stat: qscanq_killchildren's way where the kernel has no
   /proc/self/task/TID/children. 0, or -1 if /proc cannot be read. */
extern int qscanq_killscanned(void);

/* One scanner's run. */
#define QSCANQ_REPORTMAX 4096
struct qscanq_scanrun
{
  char const *name; /* argv[0] as written in the list */
  int ran; /* 0: could not be started (fork, pipe...) */
  int wstat;
  int timedout;
  int parentgone; /* qscanq died while it ran */
  int leftover; /* a descendant could not be killed */
  unsigned int ms;
  size_t replen;
  char report[QSCANQ_REPORTMAX + 1];
};

/* What the log line and the reply need to know. */
struct qscanq_outcome
{
  enum qscanq_verdict v;
  int hard; /* a failure QSCANQ_ONERROR=accept must not pass */
  uint64_t ms;
  struct qscanq_scanrun const *r; /* the run that decided, or 0 */
  char sig[256]; /* made safe for a log word and a reply */
};

/* What running the list needs besides the list. */
struct qscanq_scanin
{
  int msgfd; /* the message, read-only: msg in the work directory */
  int parentfd; /* a pidfd watching qscanq, or -1 */
  char *buf; /* read scratch lent by the caller, n bytes */
  size_t n;
  int debug; /* DEBUG: say what runs */
};

/* qscanq-stdin's scan, run in its work directory (the cwd, also the
   scanners' TMPDIR): every scanner of the list cmd (SCANCMD) in turn
   over the message, each in runs[i] (QSCANQ_SCANLIST_MAXCMDS of them).
   o->v is clean only if all say clean; the first refusal or failure
   decides (o->r) and the rest do not run. A list that cannot be read,
   or a scanner that cannot be started, is a hard failure with o->r 0.
   Uses qscanq_scratch. */
extern void qscanq_scanlist_run(char const *cmd, struct qscanq_scanin const *in, struct qscanq_scanrun *runs,
    struct qscanq_outcome *o);

#endif
