/* Fuzz target: qscanq_clamd_reply, the clamd reply grammar. Each input
   is one raw reply (what a server sent up to EOF), judged as the answer
   to FILDES and to INSTREAM. Beyond memory safety it checks the
   grammar's promises: a verdict needs exactly one NUL, at the end, after
   a line of at most QSCANQ_CLAMD_LINEMAX bytes; a virus names a
   non-empty signature inside the line; a failure always says why. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <qscanq/clamd.h>

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size);

static void check(char const *s, size_t len, int fildes)
{
  size_t start = 7, slen = 7;
  char const *why = 0;
  enum qscanq_verdict v = qscanq_clamd_reply(s, len, fildes, &start, &slen, &why);
  if (v == VERDICT_FAIL)
  {
    if (!why || !*why) abort();
    if (start > len || slen > len - start) abort();
    return;
  }
  if (v != VERDICT_CLEAN && v != VERDICT_VIRUS) abort();
  if (!len || s[len - 1] || memchr(s, 0, len - 1) || len - 1 > QSCANQ_CLAMD_LINEMAX) abort();
  if (memchr(s, '\n', len)) abort();
  if (memcmp(s, fildes ? "fd[" : "stream: ", fildes ? 3 : 8)) abort();
  if (v == VERDICT_CLEAN && (len < 5 || memcmp(s + len - 5, ": OK", 4) || slen)) abort();
  if (v == VERDICT_VIRUS)
  {
    if (!slen || start + slen + 7 != len || memcmp(s + start + slen, " FOUND", 6)) abort();
    if (memchr(s + start, ' ', slen)) abort();
  }
}

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
  /* A copy of exactly size bytes, so that ASan sees any over-read. */
  char *s = malloc(size ? size : 1);
  if (!s) return 0;
  memcpy(s, data, size);
  check(s, size, 1);
  check(s, size, 0);
  free(s);
  return 0;
}
