#include <string.h>
#include <qscanq/qscanq.h>

/* A value from outside (a signature, an attachment name, an address) as
   one word of a key=value log line, and as one line of a report. Bytes
   that could end the line, split the word or fool the reader are shown
   escaped: controls, blanks, '"', '\', DEL and malformed UTF-8 as \xHH;
   the C1 controls, line separators and the bidirectional controls (the
   right-to-left override is a known disguise for a file name) as \uXXXX.
   Other UTF-8 stays as it is, so a name reads as the recipient sees it. */

static int dangerous(unsigned int u)
{
  return (u >= 0x80 && u <= 0x9f) || u == 0x061c || u == 0x200e || u == 0x200f || (u >= 0x2028 && u <= 0x202e)
      || (u >= 0x2066 && u <= 0x2069) || u == 0xfeff;
}

/* Length of the well-formed UTF-8 sequence at s (at most n bytes), its
   code point in *u; 0 if malformed, overlong or a surrogate. */
static size_t utf8(unsigned char const *s, size_t n, unsigned int *u)
{
  size_t len, i;
  unsigned int c = s[0], min;
  if (c < 0xc2) return 0;
  if (c < 0xe0) len = 2, c &= 0x1f, min = 0x80;
  else if (c < 0xf0) len = 3, c &= 0x0f, min = 0x800;
  else if (c < 0xf5) len = 4, c &= 0x07, min = 0x10000;
  else return 0;
  if (len > n) return 0;
  for (i = 1; i < len; i++)
  {
    if ((s[i] & 0xc0) != 0x80) return 0;
    c = (c << 6) | (s[i] & 0x3f);
  }
  if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) return 0;
  *u = c;
  return len;
}

size_t qscanq_logsafe(char *out, size_t max, char const *in, size_t len)
{
  static char const hex[] = "0123456789abcdef";
  unsigned char const *s = (unsigned char const *)in;
  size_t i = 0, o = 0;
  if (!max) return 0;
  while (i < len)
  {
    char e[8];
    size_t el, k;
    unsigned int u = 0;
    unsigned char c = s[i];
    if (c > 0x20 && c < 0x7f && c != '"' && c != '\\')
    {
      e[0] = (char)c;
      el = 1;
      k = 1;
    }
    else if (c >= 0x80 && (k = utf8(s + i, len - i, &u)) && !dangerous(u))
    {
      memcpy(e, s + i, k);
      el = k;
    }
    else if (c >= 0x80 && k)
    {
      e[0] = '\\';
      e[1] = 'u';
      e[2] = hex[(u >> 12) & 15];
      e[3] = hex[(u >> 8) & 15];
      e[4] = hex[(u >> 4) & 15];
      e[5] = hex[u & 15];
      el = 6;
    }
    else
    {
      e[0] = '\\';
      e[1] = 'x';
      e[2] = hex[c >> 4];
      e[3] = hex[c & 15];
      el = 4;
      k = 1;
    }
    if (o + el > max - 1) break;
    memcpy(out + o, e, el);
    o += el;
    i += k;
  }
  out[o] = 0;
  return o;
}
