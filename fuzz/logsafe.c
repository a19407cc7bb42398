/* Fuzz target: qscanq_logsafe, and its ends and words forms. The first
   two bytes choose max (0 to 1023); the rest is the input. The output fits in max bytes with its
   NUL, has no byte below 0x21, no '"', no DEL, a '\' only to start a
   \xHH or \uXXXX escape, is well-formed UTF-8 without C1, line
   separator or bidirectional controls, and is a prefix of the output
   with room for everything (an escape is never cut). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <qscanq/qscanq.h>

static void check(int c)
{
  if (!c) abort();
}

static int hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

static int dangerous(unsigned int u)
{
  return (u >= 0x80 && u <= 0x9f) || u == 0x061c || u == 0x200e || u == 0x200f || (u >= 0x2028 && u <= 0x202e) || (u >= 0x2066 && u <= 0x2069) || u == 0xfeff;
}

static void wellformed(unsigned char const *o, size_t len)
{
  size_t i = 0;
  while (i < len)
  {
    unsigned char c = o[i];
    unsigned int u, k, min;
    check(c > 0x20 && c != '"' && c != 0x7f);
    if (c == '\\')
    {
      check(i + 1 < len);
      if (o[i + 1] == 'x')
      {
        check(i + 3 < len && hex((char)o[i + 2]) && hex((char)o[i + 3]));
        i += 4;
      }
      else
      {
        check(o[i + 1] == 'u' && i + 5 < len);
        for (k = 2; k < 6; k++) check(hex((char)o[i + k]));
        i += 6;
      }
      continue;
    }
    if (c < 0x80)
    {
      i++;
      continue;
    }
    check(c >= 0xc2 && c < 0xf5);
    k = c < 0xe0 ? 2 : c < 0xf0 ? 3
                                : 4;
    min = k == 2 ? 0x80 : k == 3 ? 0x800
                                 : 0x10000;
    u = c & (k == 2 ? 0x1f : k == 3 ? 0x0f
                                    : 0x07);
    check(i + k <= len);
    for (unsigned int j = 1; j < k; j++)
    {
      check((o[i + j] & 0xc0) == 0x80);
      u = (u << 6) | (o[i + j] & 0x3f);
    }
    check(u >= min && u <= 0x10ffff && !(u >= 0xd800 && u <= 0xdfff) && !dangerous(u));
    i += k;
  }
}

static size_t blanks(unsigned char const *s, size_t n)
{
  size_t b = 0;
  for (size_t i = 0; i < n; i++) b += s[i] == ' ';
  return b;
}

/* Words made safe, separated by blanks. */
static void words(unsigned char const *o, size_t len)
{
  size_t i = 0;
  while (i <= len)
  {
    size_t w = i;
    while (w < len && o[w] != ' ') w++;
    wellformed(o + i, w - i);
    i = w + 1;
  }
}

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
  size_t max, len, full, room;
  char *out, *all;
  if (size < 2) return 0;
  max = ((size_t)data[0] | (size_t)data[1] << 8) % 1024;
  data += 2;
  size -= 2;
  /* Exactly max bytes, so that a write past them is caught. */
  out = malloc(max ? max : 1);
  room = 6 * size + 1;
  all = malloc(room);
  if (!out || !all) abort();
  len = qscanq_logsafe(out, max, (char const *)data, size);
  if (!max) check(len == 0);
  else
  {
    check(len < max && !out[len] && strlen(out) == len);
    wellformed((unsigned char const *)out, len);
  }
  full = qscanq_logsafe(all, room, (char const *)data, size);
  check(full < room && !all[full]);
  wellformed((unsigned char const *)all, full);
  check(len <= full && !memcmp(out, all, len));
  /* Never more cut than the longest escape that did not fit. */
  if (max && len < full) check(len + 6 > max - 1);
  /* The ends-keeping form: as safe, within max; and made safe twice
     reads as made safe once. */
  len = qscanq_logsafe_ends(out, max, (char const *)data, size);
  if (max)
  {
    check(len < max && !out[len] && strlen(out) == len);
    wellformed((unsigned char const *)out, len);
  }
  if (max > full)
  {
    char *twice = malloc(max);
    if (!twice) abort();
    check(qscanq_logsafe_ends(twice, max, all, full) == full && !memcmp(twice, all, full + 1));
    free(twice);
  }
  /* The words form: each word as safe, every input blank one output
     blank, within max; with room for all, nothing cut. */
  len = qscanq_logsafe_words(out, max, (char const *)data, size);
  if (!max) check(len == 0);
  else
  {
    check(len < max && !out[len] && strlen(out) == len);
    words((unsigned char const *)out, len);
  }
  full = qscanq_logsafe_words(all, room, (char const *)data, size);
  check(full < room && !all[full]);
  words((unsigned char const *)all, full);
  check(blanks((unsigned char const *)all, full) == blanks(data, size));
  check(len <= full && !memcmp(out, all, len));
  free(out);
  free(all);
  return 0;
}
