/* The quarantine: refused messages kept as one maildir-style entry each
   (DIR/new/ID/ holding msg, env and info), made in DIR/tmp/ and renamed
   into DIR/new/. qscanq-stdin writes entries; qscanq-quarantine reads,
   releases and expires them. The layout is in qscanq-quarantine(8). */
#ifndef QSCANQ_QUARANTINE_H
#define QSCANQ_QUARANTINE_H

#include <stddef.h>

/* An entry's name: the spool directory name less its '@' (24 hex digits
   of TAI64N, '.', pid, '.', counter). Anything named on a command line
   is checked with qscanq_qid_valid before it becomes a path. */
#define QSCANQ_QIDMAX 64
/* 1 if id is a name an entry may have: 1 to QSCANQ_QIDMAX characters of
   [A-Za-z0-9._-], not starting with '.', no "..". 0 otherwise. */
extern int qscanq_qid_valid(char const *id);

/* Opens the quarantine dir (O_DIRECTORY|O_NOFOLLOW on its last
   component) and its tmp/ and new/ (made mode 0700 if missing), and
   checks each: a directory owned by the effective uid, no access for
   group or others. Returns the descriptor of dir and sets *tmpfd and
   *newfd; -1 on failure with *why naming the step and errno set (0 when
   a check, not a system call, failed). */
extern int qscanq_qopen(char const *dir, int *tmpfd, int *newfd, char const **why);

/* What qscanq-stdin knows about a refused message. msgfd and envfd are
   its open read-only descriptors of ./msg and ./env (the files in the
   current directory, which are moved). Strings are already safe for
   one log word (sig, scanner) or a fixed word (verdict). */
struct qscanq_qentry
{
  int msgfd;
  int envfd;
  char const *verdict;
  char const *sig; /* "" when none */
  char const *scanner; /* "" when none ran */
};

/* Keeps ./msg and ./env as entry id of the quarantine dir: renamed on
   the same file system, else copied (every write checked, fsync), plus
   an info file; the entry appears in new/ whole or not at all. 0 done;
   -1 with *why and errno (0: a check failed) and nothing left in new/. */
extern int qscanq_quarantine(char const *dir, char const *id, struct qscanq_qentry const *e, char const **why);

#endif
