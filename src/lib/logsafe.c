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
  return (u >= 0x80 && u <= 0x9f) || u == 0x061c || u == 0x200e || u == 0x200f || (u >= 0x2028 && u <= 0x202e) || (u >= 0x2066 && u <= 0x2069) || u == 0xfeff;
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

static int hexlow(unsigned char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

/* Length of a \xHH or \uXXXX escape at s, as this file writes them; 0 if none. */
static size_t escape(unsigned char const *s, size_t n)
{
  if (n >= 4 && s[0] == '\\' && s[1] == 'x' && hexlow(s[2]) && hexlow(s[3])) return 4;
  if (n >= 6 && s[0] == '\\' && s[1] == 'u' && hexlow(s[2]) && hexlow(s[3]) && hexlow(s[4]) && hexlow(s[5])) return 6;
  return 0;
}

static size_t safe(char *out, size_t max, char const *in, size_t len, size_t *used, int keep)
{
  static char const hex[] = "0123456789abcdef";
  unsigned char const *s = (unsigned char const *)in;
  size_t i = 0, o = 0;
  *used = 0;
  if (!max) return 0;
  while (i < len)
  {
    char e[8];
    size_t el, k;
    unsigned int u = 0;
    unsigned char c = s[i];
    if (keep && (k = escape(s + i, len - i)))
    {
      memcpy(e, s + i, k);
      el = k;
    }
    else if (c > 0x20 && c < 0x7f && c != '"' && c != '\\')
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
  *used = i;
  return o;
}

size_t qscanq_logsafe(char *out, size_t max, char const *in, size_t len)
{
  size_t used;
  return safe(out, max, in, len, &used, 0);
}

/* A name too long for its place keeps both ends, joined by "...": its
   start says what it is, its end is the extension that decides how it
   is run. The tail gets the room the head leaves; neither end is cut
   inside a UTF-8 sequence or an escape. Escapes already in the input
   (a scanner's report that made the name safe itself) are kept as they
   are, not escaped twice: made safe twice is made safe once. */
size_t qscanq_logsafe_ends(char *out, size_t max, char const *in, size_t len)
{
  char tail[6 * 48 + 1];
  size_t used, o, h, t, tl;
  o = safe(out, max, in, len, &used, 1);
  if (used == len || max < 32) return o;
  h = len / 3 < 16 ? len / 3 : 16;
  while (h && ((unsigned char)in[h] & 0xc0) == 0x80) h--;
  t = len - h > 48 ? len - 48 : h;
  o = safe(out, max / 3, in, h, &used, 1);
  for (;; t++)
  {
    while (t < len - 1 && ((unsigned char)in[t] & 0xc0) == 0x80) t++;
    tl = safe(tail, sizeof tail, in + t, len - t, &used, 1);
    if (o + 3 + tl < max || t >= len - 1) break;
  }
  if (o + 3 + tl >= max) return o;
  memcpy(out + o, "...", 3);
  memcpy(out + o + 3, tail, tl + 1);
  return o + 3 + tl;
}

/* A line of words, each made safe as by qscanq_logsafe, every blank kept
   as one blank: text quoting names from outside (libclamav's messages)
   reads as it was written, and nothing in it can break the log line. */
size_t qscanq_logsafe_words(char *out, size_t max, char const *in, size_t len)
{
  size_t o = 0, i = 0;
  if (!max) return 0;
  out[0] = 0;
  while (i < len && o + 1 < max)
  {
    size_t w = i, used;
    while (w < len && in[w] != ' ') w++;
    o += safe(out + o, max - o, in + i, w - i, &used, 0);
    /* A word cut short ends the line: what follows would read as if
       nothing were missing. */
    if (used < w - i) break;
    if (w < len && o + 1 < max)
    {
      out[o++] = ' ';
      out[o] = 0;
    }
    i = w + 1;
  }
  return o;
}
