/* The attachment policy: the input up to the first "\n%%\n" is a policy
   file (its first byte chooses a list of suffixes or of patterns), the
   rest is a name to judge, as given and as libclamav would rewrite it. */
#include <stdint.h>
#include <string.h>
#include <qscanq/attach.h>

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
  struct qscanq_policy p = QSCANQ_POLICY_ZERO;
  char const *s = (char const *)data;
  char const *sep = memmem(s, size, "\n%%\n", 4);
  size_t plen = sep ? (size_t)(sep - s) : size;
  unsigned int line = 0;
  char const *why = 0;
  enum qscanq_policy_kind kind = size && (data[0] & 1) ? QSCANQ_PATTERNS : QSCANQ_BADEXT;
  if (qscanq_policy_add(&p, kind, s, plen, &line, &why) == 0 && sep)
  {
    char const *name = sep + 4;
    size_t nlen = size - plen - 4;
    qscanq_policy_match(&p, name, nlen, 0);
    qscanq_policy_match(&p, name, nlen, 1);
  }
  qscanq_policy_free(&p);
  return 0;
}
