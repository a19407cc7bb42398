#include <qscanq/quarantine.h>

/* An ID comes from a command line: it must name an entry below new/ and
   nothing else, so no '/', no leading '.', no "..". */
int qscanq_qid_valid(char const *id)
{
  size_t n = 0;
  if (!id[0] || id[0] == '.') return 0;
  for (; id[n]; n++)
  {
    char c = id[n];
    if (n >= QSCANQ_QIDMAX) return 0;
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) return 0;
    if (c == '.' && id[n + 1] == '.') return 0;
  }
  return 1;
}
