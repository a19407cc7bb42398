/* Fuzz target: the entry name check (qscanq_qid_valid), which stands
   between a command line and a path below the quarantine's new/. A name
   it accepts is 1 to 64 bytes of [A-Za-z0-9._-], starts with no '.',
   holds no "..": it can only name an entry, never climb out. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <qscanq/quarantine.h>

static void check(int c)
{
  if (!c) abort();
}

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
  char s[256];
  size_t n = size < sizeof s - 1 ? size : sizeof s - 1;
  memcpy(s, data, n);
  s[n] = 0;
  if (!qscanq_qid_valid(s)) return 0;
  n = strlen(s);
  check(n >= 1 && n <= QSCANQ_QIDMAX);
  check(s[0] != '.' && !strstr(s, "..") && !strchr(s, '/'));
  for (size_t i = 0; i < n; i++) check(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", s[i]) != 0);
  return 0;
}
