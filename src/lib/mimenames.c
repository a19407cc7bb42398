#include <string.h>
#include <strings.h>
#include <qscanq/qscanq.h>

/* Attachment names straight from the MIME headers, byte for byte.
   libclamav reports names too, but rewritten (every byte that is not a
   letter, digit or dot becomes _) and not for every part; a policy on
   names needs the names as the sender's mail program will show them. */

#define NAMEMAX 1024

static int hexval(int c)
{
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static int b64val(int c)
{
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

/* RFC 2047 encoded words in s[0..n) decoded into out; whitespace between
   two encoded words is dropped. Returns the length. */
static size_t decode2047(char const *s, size_t n, char *out, size_t max)
{
  size_t i = 0, o = 0, pending = 0;
  int lastword = 0;
  while (i < n && o < max)
  {
    if (i + 1 < n && s[i] == '=' && s[i + 1] == '?')
    {
      size_t c = i + 2, e, t, end;
      while (c < n && s[c] != '?') c++;
      e = c + 1;
      if (e + 1 < n && s[e + 1] == '?' && (s[e] == 'B' || s[e] == 'b' || s[e] == 'Q' || s[e] == 'q'))
      {
        t = e + 2;
        end = t;
        while (end + 1 < n && !(s[end] == '?' && s[end + 1] == '=')) end++;
        if (end + 1 < n)
        {
          if (!lastword) o += pending; /* keep blanks before the first word */
          pending = 0;
          if (s[e] == 'B' || s[e] == 'b')
          {
            unsigned int acc = 0, bits = 0;
            for (size_t k = t; k < end && o < max; k++)
            {
              int v = b64val((unsigned char)s[k]);
              if (v < 0) continue;
              acc = (acc << 6) | (unsigned int)v;
              bits += 6;
              if (bits >= 8)
              {
                bits -= 8;
                out[o++] = (char)((acc >> bits) & 0xff);
              }
            }
          }
          else
            for (size_t k = t; k < end && o < max; k++)
            {
              if (s[k] == '_') out[o++] = ' ';
              else if (s[k] == '=' && k + 2 < end && hexval(s[k + 1]) >= 0 && hexval(s[k + 2]) >= 0)
              {
                out[o++] = (char)(hexval(s[k + 1]) * 16 + hexval(s[k + 2]));
                k += 2;
              }
              else out[o++] = s[k];
            }
          i = end + 2;
          lastword = 1;
          continue;
        }
      }
    }
    if (s[i] == ' ' || s[i] == '\t')
    {
      /* Held back until we know whether an encoded word follows. */
      if (o + pending < max) out[o + pending] = s[i];
      pending++;
      i++;
      continue;
    }
    o += pending;
    pending = 0;
    lastword = 0;
    out[o++] = s[i++];
  }
  if (o > max) o = max;
  return o;
}

/* RFC 2231: charset'language'%XX... */
static size_t decode2231(char const *s, size_t n, char *out, size_t max)
{
  size_t i = 0, o = 0;
  char const *q1 = memchr(s, '\'', n);
  if (q1)
  {
    char const *q2 = memchr(q1 + 1, '\'', n - (size_t)(q1 + 1 - s));
    if (q2) i = (size_t)(q2 + 1 - s);
  }
  for (; i < n && o < max; i++)
  {
    if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0)
    {
      out[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
      i += 2;
    }
    else out[o++] = s[i];
  }
  return o;
}

/* One unfolded Content-Type or Content-Disposition header value. */
static int params(char const *h, size_t n, qscanq_name_fn f, void *ctx)
{
  char name[NAMEMAX];
  size_t nlen = 0;
  int have = 0;
  size_t i = 0;
  while (i < n)
  {
    size_t k0, k1, v0, v1;
    int ext, quoted = 0;
    while (i < n && h[i] != ';')
    {
      if (h[i] == '"')
      {
        i++;
        while (i < n && h[i] != '"')
        {
          if (h[i] == '\\') i++;
          i++;
        }
      }
      i++;
    }
    if (i >= n) break;
    i++;
    while (i < n && (h[i] == ' ' || h[i] == '\t' || h[i] == '\r' || h[i] == '\n')) i++;
    k0 = i;
    while (i < n && h[i] != '=' && h[i] != ';') i++;
    if (i >= n || h[i] != '=') continue;
    k1 = i++;
    while (k1 > k0 && (h[k1 - 1] == ' ' || h[k1 - 1] == '\t')) k1--;
    while (i < n && (h[i] == ' ' || h[i] == '\t')) i++;
    if (i < n && h[i] == '"')
    {
      quoted = 1;
      v0 = ++i;
      while (i < n && h[i] != '"')
      {
        if (h[i] == '\\') i++;
        i++;
      }
      v1 = i < n ? i : n;
      if (i < n) i++;
    }
    else
    {
      v0 = i;
      while (i < n && h[i] != ';' && h[i] != ' ' && h[i] != '\t' && h[i] != '\r' && h[i] != '\n') i++;
      v1 = i;
    }
    (void)quoted;
    /* name, filename, and RFC 2231's name*, filename*0, filename*1*... */
    {
      size_t kl = k1 - k0;
      char const *k = h + k0;
      size_t base;
      if (kl >= 8 && !strncasecmp(k, "filename", 8)) base = 8;
      else if (kl >= 4 && !strncasecmp(k, "name", 4)) base = 4;
      else continue;
      if (kl > base && k[base] != '*') continue;
      ext = kl > base && k[kl - 1] == '*';
      if (have && kl == base) continue; /* a plain form after we have one */
      if (ext) nlen += decode2231(h + v0, v1 - v0, name + nlen, NAMEMAX - 1 - nlen);
      else nlen += decode2047(h + v0, v1 - v0, name + nlen, NAMEMAX - 1 - nlen);
      have = 1;
      if (kl == base || (kl == base + 1 && ext))
      {
        int r;
        name[nlen] = 0;
        r = (*f)(name, nlen, ctx);
        if (r) return r;
        nlen = 0;
        have = 0;
      }
    }
  }
  if (have && nlen)
  {
    name[nlen] = 0;
    return (*f)(name, nlen, ctx);
  }
  return 0;
}

int qscanq_mimenames(char const *s, size_t len, qscanq_name_fn f, void *ctx)
{
  size_t i = 0;
  while (i < len)
  {
    size_t eol = i;
    size_t hl = 0;
    while (eol < len && s[eol] != '\n') eol++;
    if (eol - i > 20 && !strncasecmp(s + i, "Content-Type:", 13)) hl = 13;
    else if (eol - i > 20 && !strncasecmp(s + i, "Content-Disposition:", 20)) hl = 20;
    if (hl)
    {
      size_t end = eol;
      int r;
      /* Folded continuation lines belong to the header. */
      while (end + 1 < len && (s[end + 1] == ' ' || s[end + 1] == '\t'))
      {
        end++;
        while (end < len && s[end] != '\n') end++;
      }
      r = params(s + i + hl, end - i - hl, f, ctx);
      if (r) return r;
      eol = end;
    }
    i = eol + 1;
  }
  return 0;
}
