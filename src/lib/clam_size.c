#include <qscanq/clam.h>

int qscanq_clam_size(char const *s, uint64_t *n)
{
  uint64_t v = 0;
  unsigned int shift = 0;
  if (*s < '0' || *s > '9') return 0;
  for (; *s >= '0' && *s <= '9'; s++)
  {
    if (v > (UINT64_MAX - 9) / 10) return 0;
    v = v * 10 + (uint64_t)(*s - '0');
  }
  switch (*s)
  {
    case 0: break;
    case 'k':
    case 'K':
      shift = 10;
      s++;
      break;
    case 'm':
    case 'M':
      shift = 20;
      s++;
      break;
    case 'g':
    case 'G':
      shift = 30;
      s++;
      break;
    default: return 0;
  }
  if (*s || !v || v > ((uint64_t)INT64_MAX >> shift)) return 0;
  *n = v << shift;
  return 1;
}
