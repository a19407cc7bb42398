#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <qscanq/attach.h>

/* Attachment names from the MIME structure of a message, as the
   recipient's mail program will show them. libclamav reports names too,
   but rewritten (every byte that is not a letter, digit or dot becomes _)
   and not for every part; a policy on names needs the names as sent.

   The message is read once, a line at a time, in fixed memory: a message
   of any size costs the same few hundred KiB. Only real MIME headers
   count: the top-level header, the headers of each part of a multipart
   (found by its boundary), and the header of a nested message/rfc822. A
   text body that quotes a header is text.

   Memory safety by construction: every byte of a name goes through qscanq_nametail_put(),
   which keeps the last bytes of an over-long name and never writes past
   its buffer; header and value buffers are filled by hadd() and vadd(),
   which check their bounds. */

#define LINEHEAD 1024 /* bytes of a body line kept: a boundary line is at most 2+256+2 */
#define SECTMAX 64 /* RFC 2231 sections per parameter */

static void put1(struct qscanq_nametail *n, char c) { qscanq_nametail_put(n, &c, 1); }

struct sect
{
  size_t off, len;
  unsigned char have, ext;
};

struct level
{
  size_t blen;
  int digest; /* multipart/digest: parts are message/rfc822 by default */
  char b[QSCANQ_BOUNDMAX];
};

enum
{
  S_HEAD,
  S_BODY
};
enum
{
  K_LEAF, /* a body: text, or an encoded attachment */
  K_MULTI /* preamble or epilogue of a multipart: only boundaries matter */
};
enum
{
  P_TEXT,
  P_MULTI,
  P_MESSAGE,
  P_OTHER
};

struct qscanq_mime
{
  qscanq_name_fn f;
  void *ctx;
  int err; /* sticky: once -1, always -1 */
  int state, kind;
  unsigned int depth;
  struct level lv[QSCANQ_DEPTHMAX];
  /* The entity whose header is being read. */
  int ptype, encoded, digest;
  int base64; /* Content-Transfer-Encoding: base64 */
  /* The first decoded bytes of a base64 leaf part: enough to recognise
     a container by its magic (an ISO 9660 image's is at 0x8001). */
  int sniffing;
  unsigned int acc, bits;
  size_t slen;
  unsigned char sniff[QSCANQ_SNIFFMAX];
  unsigned int flags;
  size_t nblen;
  char nb[QSCANQ_BOUNDMAX];
  /* The current line: its first LINEHEAD bytes and its length. */
  size_t llen;
  int tailtext; /* a byte past LINEHEAD that is not a blank */
  int hkeep; /* in a header: the line belongs to the header being read */
  char last;
  char line[LINEHEAD];
  /* The header being read, folds kept as \n; hover: it did not fit. */
  size_t hlen, blankrun;
  int hover;
  char hdr[QSCANQ_HDRMAX];
  char ubuf[QSCANQ_HDRMAX]; /* the header unfolded */
  size_t vlen;
  char vbuf[QSCANQ_HDRMAX]; /* parameter values, quoting undone */
  struct sect sect[2][SECTMAX]; /* RFC 2231 sections of name, filename */
  struct qscanq_nametail name;
  /* A uuencoded file's begin line: its name, and whether the line was
     longer than LINEHEAD (uulong) or complete and waiting for a data line
     (uupending). */
  int uulong, uupending;
  struct qscanq_nametail uu;
  /* Names of the RFC unfolding, so the other one adds only new ones. */
  int pass;
  unsigned int nseen;
  size_t seenlen[8];
  char seen[8][QSCANQ_NAMEMAX];
};

static void hadd(struct qscanq_mime *m, char const *s, size_t n)
{
  if (n > sizeof m->hdr - m->hlen)
  {
    n = sizeof m->hdr - m->hlen;
    m->hover = 1;
  }
  memcpy(m->hdr + m->hlen, s, n);
  m->hlen += n;
}

static void vadd(struct qscanq_mime *m, char c)
{
  if (m->vlen < sizeof m->vbuf) m->vbuf[m->vlen++] = c;
}

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

static int blank(char c) { return c == ' ' || c == '\t'; }

static int emitfrom(struct qscanq_mime *m, struct qscanq_nametail *n)
{
  char buf[QSCANQ_NAMEMAX];
  size_t k = n->len < QSCANQ_NAMEMAX - 1 ? n->len : QSCANQ_NAMEMAX - 1;
  if (!k) return 0;
  memcpy(buf, n->s + n->len - k, k);
  buf[k] = 0;
  n->len = 0;
  if (!m->pass && m->nseen < 8)
  {
    memcpy(m->seen[m->nseen], buf, k);
    m->seenlen[m->nseen++] = k;
  }
  else if (m->pass)
    for (unsigned int i = 0; i < m->nseen; i++)
      if (m->seenlen[i] == k && !memcmp(m->seen[i], buf, k)) return 0;
  return (*m->f)(buf, k, m->ctx);
}

static int emit(struct qscanq_mime *m) { return emitfrom(m, &m->name); }

/* RFC 2047 encoded words in s[0..n) decoded into m->name; blanks between
   two encoded words are dropped, as RFC 2047 says. Mail programs decode
   encoded words inside quoted strings too (against the RFC), so this is
   done for every name value. */
static void decode2047(struct qscanq_mime *m, char const *s, size_t n)
{
  size_t i = 0, ws = 0;
  int pending = 0, lastword = 0;
  while (i < n)
  {
    if (s[i] == '=' && i + 1 < n && s[i + 1] == '?')
    {
      size_t c = i + 2;
      while (c < n && s[c] != '?') c++;
      if (c + 2 < n && s[c + 2] == '?' && s[c + 1] && strchr("BbQq", s[c + 1]))
      {
        size_t t = c + 3, end = t;
        while (end + 1 < n && !(s[end] == '?' && s[end + 1] == '=')) end++;
        if (end + 1 < n)
        {
          if (pending && !lastword) qscanq_nametail_put(&m->name, s + ws, i - ws);
          pending = 0;
          if (s[c + 1] == 'B' || s[c + 1] == 'b')
          {
            unsigned int acc = 0, bits = 0;
            for (size_t k = t; k < end; k++)
            {
              int v = b64val((unsigned char)s[k]);
              if (v < 0) continue;
              acc = ((acc << 6) | (unsigned int)v) & 0xffffff;
              bits += 6;
              if (bits >= 8)
              {
                bits -= 8;
                put1(&m->name, (char)((acc >> bits) & 0xff));
              }
            }
          }
          else
            for (size_t k = t; k < end; k++)
            {
              if (s[k] == '_') put1(&m->name, ' ');
              else if (s[k] == '=' && k + 2 < end && hexval(s[k + 1]) >= 0 && hexval(s[k + 2]) >= 0)
              {
                put1(&m->name, (char)(hexval(s[k + 1]) * 16 + hexval(s[k + 2])));
                k += 2;
              }
              else put1(&m->name, s[k]);
            }
          i = end + 2;
          lastword = 1;
          continue;
        }
      }
    }
    if (blank(s[i]))
    {
      /* Held back until we know whether an encoded word follows. */
      if (!pending) ws = i;
      pending = 1;
      i++;
      continue;
    }
    if (pending) qscanq_nametail_put(&m->name, s + ws, i - ws);
    pending = 0;
    lastword = 0;
    put1(&m->name, s[i++]);
  }
  if (pending) qscanq_nametail_put(&m->name, s + ws, n - ws);
}

/* RFC 2231 %XX; with cs, a leading charset'language' is dropped. */
static void decode2231(struct qscanq_mime *m, char const *s, size_t n, int cs)
{
  size_t i = 0;
  if (cs)
  {
    char const *q1 = memchr(s, '\'', n);
    char const *q2 = q1 ? memchr(q1 + 1, '\'', n - (size_t)(q1 + 1 - s)) : 0;
    if (q2) i = (size_t)(q2 + 1 - s);
  }
  for (; i < n; i++)
  {
    if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0)
    {
      put1(&m->name, (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2])));
      i += 2;
    }
    else put1(&m->name, s[i]);
  }
}

static int keyis(char const *k, size_t kl, char const *want)
{
  size_t wl = strlen(want);
  return kl == wl && !strncasecmp(k, want, wl);
}

/* One unfolded Content-Type or Content-Disposition value. ct: the first
   word is a media type; structural: take the type and boundary from it
   (only from the unfolding RFC 5322 prescribes). */
static int params(struct qscanq_mime *m, char const *h, size_t n, int ct, int structural)
{
  size_t i = 0;
  int r;
  m->vlen = 0;
  memset(m->sect, 0, sizeof m->sect);
  while (i < n && blank(h[i])) i++;
  if (ct && structural)
  {
    size_t t0 = i;
    while (i < n && h[i] != ';' && !blank(h[i]) && h[i] != '(') i++;
    if (i - t0 >= 10 && !strncasecmp(h + t0, "multipart/", 10))
    {
      m->ptype = P_MULTI;
      m->digest = i - t0 == 16 && !strncasecmp(h + t0, "multipart/digest", 16);
    }
    else if (keyis(h + t0, i - t0, "message/rfc822") || keyis(h + t0, i - t0, "message/global"))
      m->ptype = P_MESSAGE;
    else if (i - t0 >= 5 && !strncasecmp(h + t0, "text/", 5)) m->ptype = P_TEXT;
    else m->ptype = P_OTHER;
  }
  while (i < n)
  {
    size_t k0, k1, v0, v1;
    char const *k;
    size_t kl, base;
    int which;
    /* To the next ; outside a quoted string. */
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
    while (i < n && blank(h[i])) i++;
    k0 = i;
    while (i < n && h[i] != '=' && h[i] != ';') i++;
    if (i >= n || h[i] != '=') continue;
    k1 = i++;
    while (k1 > k0 && blank(h[k1 - 1])) k1--;
    while (i < n && blank(h[i])) i++;
    v0 = m->vlen;
    if (i < n && h[i] == '"')
    {
      /* A quoted string: a quoted-pair \x stands for x. */
      i++;
      while (i < n && h[i] != '"')
      {
        if (h[i] == '\\' && i + 1 < n) i++;
        vadd(m, h[i++]);
      }
      if (i < n) i++;
    }
    else
      while (i < n && h[i] != ';' && !blank(h[i])) vadd(m, h[i++]);
    v1 = m->vlen;
    k = h + k0;
    kl = k1 - k0;
    if (ct && structural && keyis(k, kl, "boundary"))
    {
      if (v1 - v0 > QSCANQ_BOUNDMAX)
      {
        errno = EMSGSIZE;
        return -1;
      }
      memcpy(m->nb, m->vbuf + v0, v1 - v0);
      m->nblen = v1 - v0;
      continue;
    }
    /* name= and filename= in either header (mail programs look at both),
       and RFC 2231's name*=, filename*0=, filename*1*=... */
    if (kl >= 8 && !strncasecmp(k, "filename", 8)) base = 8, which = 1;
    else if (kl >= 4 && !strncasecmp(k, "name", 4)) base = 4, which = 0;
    else continue;
    if (kl == base)
    {
      decode2047(m, m->vbuf + v0, v1 - v0);
      if ((r = emit(m))) return r;
    }
    else if (k[base] != '*') continue;
    else if (kl == base + 1)
    {
      decode2231(m, m->vbuf + v0, v1 - v0, 1);
      if ((r = emit(m))) return r;
    }
    else
    {
      /* A section: joined with the other sections of the same parameter
         by index, whatever the order they come in. */
      size_t d = base + 1;
      unsigned int idx = 0;
      int ext = k[kl - 1] == '*';
      size_t dend = kl - (size_t)ext;
      if (d == dend || dend - d > 2) continue;
      for (; d < dend; d++)
      {
        if (k[d] < '0' || k[d] > '9') break;
        idx = idx * 10 + (unsigned int)(k[d] - '0');
      }
      if (d != dend || idx >= SECTMAX) continue;
      m->sect[which][idx].have = 1;
      m->sect[which][idx].ext = (unsigned char)ext;
      m->sect[which][idx].off = v0;
      m->sect[which][idx].len = v1 - v0;
    }
  }
  for (int w = 0; w < 2; w++)
  {
    int any = 0;
    for (unsigned int x = 0; x < SECTMAX; x++)
    {
      struct sect const *s = &m->sect[w][x];
      if (!s->have) continue;
      any = 1;
      if (s->ext) decode2231(m, m->vbuf + s->off, s->len, !x);
      else qscanq_nametail_put(&m->name, m->vbuf + s->off, s->len);
    }
    if (any && (r = emit(m))) return r;
  }
  return 0;
}

static int headeris(char const *h, size_t n, char const *want, size_t *val)
{
  size_t wl = strlen(want), i = wl;
  if (n < wl || strncasecmp(h, want, wl)) return 0;
  while (i < n && blank(h[i])) i++;
  if (i >= n || h[i] != ':') return 0;
  *val = i + 1;
  return 1;
}

/* A complete header of the current entity. */
static int hdone(struct qscanq_mime *m)
{
  size_t v, n = m->hlen, u = 0;
  char const *h = m->hdr;
  int ct, folded, r;
  if (!n) return 0;
  m->hlen = 0;
  if (headeris(h, n, "content-transfer-encoding", &v))
  {
    while (v < n && (blank(h[v]) || h[v] == '\n')) v++;
    m->base64 = n - v >= 6 && !strncasecmp(h + v, "base64", 6);
    m->encoded = m->base64 || (n - v >= 16 && !strncasecmp(h + v, "quoted-printable", 16));
    return 0;
  }
  if (headeris(h, n, "content-type", &v)) ct = 1;
  else if (headeris(h, n, "content-disposition", &v)) ct = 0;
  else return 0;
  if (m->hover)
  {
    errno = EMSGSIZE;
    return -1;
  }
  /* RFC 5322 unfolding: the line break goes, the blank after it stays. */
  folded = !!memchr(h + v, '\n', n - v);
  for (size_t i = v; i < n; i++)
    if (h[i] != '\n') m->ubuf[u++] = h[i];
  m->pass = 0;
  m->nseen = 0;
  if ((r = params(m, m->ubuf, u, ct, 1))) return r;
  if (folded)
  {
    /* Some mail programs also drop the blank of a fold: a name split
       there ("setup.\r\n exe") is judged both ways. */
    u = 0;
    for (size_t i = v; i < n; i++)
      if (h[i] == '\n')
        while (i + 1 < n && blank(h[i + 1])) i++;
      else m->ubuf[u++] = h[i];
    m->pass = 1;
    r = params(m, m->ubuf, u, ct, 0);
    m->pass = 0;
    if (r) return r;
  }
  return 0;
}

static void newentity(struct qscanq_mime *m, int digest)
{
  m->state = S_HEAD;
  m->ptype = digest ? P_MESSAGE : P_TEXT;
  m->encoded = 0;
  m->base64 = 0;
  m->digest = 0;
  m->nblen = 0;
  m->hlen = 0;
  m->hover = 0;
}

static int endheaders(struct qscanq_mime *m)
{
  if (m->ptype == P_MULTI && m->nblen)
  {
    struct level *l;
    if (m->depth >= QSCANQ_DEPTHMAX)
    {
      errno = ELOOP;
      return -1;
    }
    l = &m->lv[m->depth++];
    memcpy(l->b, m->nb, m->nblen);
    l->blen = m->nblen;
    l->digest = m->digest;
    m->state = S_BODY;
    m->kind = K_MULTI;
  }
  else if (m->ptype == P_MESSAGE && !m->encoded) newentity(m, 0);
  else
  {
    m->state = S_BODY;
    m->kind = K_LEAF;
    /* A base64 part is looked at; a text part is text; anything else
       (an encoded nested message, a binary or quoted-printable
       application part) is not looked into here: the archive pass must. */
    m->sniffing = m->base64;
    m->acc = m->bits = 0;
    m->slen = 0;
    if (!m->base64 && m->ptype != P_TEXT) m->flags |= QSCANQ_MIME_CONTAINER;
  }
  return 0;
}

static int at(unsigned char const *s, size_t n, size_t off, char const *magic, size_t ml)
{
  return n >= off + ml && !memcmp(s + off, magic, ml);
}

/* Does a part starting with s[0..n) hold names a mail program or an
   archive program would show? Archives, compressed files (a tar inside),
   disk images, TNEF, OLE2 (Outlook .msg), Windows programs (self-
   extracting archives), and anything that looks like a message. */
static int container(unsigned char const *s, size_t n)
{
  static struct
  {
    unsigned short off, len;
    char const *magic;
  } const m[] = {
    { 0, 4, "PK\3\4" },
    { 0, 4, "PK\5\6" },
    { 0, 4, "PK\7\10" },
    { 0, 4, "PK00" },
    { 0, 6, "Rar!\x1a\7" },
    { 0, 6, "7z\xbc\xaf\x27\x1c" },
    { 0, 4, "MSCF" },
    { 0, 4, "ISc(" },
    { 0, 2, "\x1f\x8b" },
    { 0, 3, "BZh" },
    { 0, 6, "\xfd"
            "7zXZ\0" },
    { 0, 3, "\x5d\0\0" },
    { 0, 2, "\x60\xea" },
    { 0, 8, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" },
    { 0, 4, "\x78\x9f\x3e\x22" },
    { 257, 5, "ustar" },
    { 0, 6, "070707" },
    { 0, 6, "070701" },
    { 0, 6, "070702" },
    { 0, 2, "\xc7\x71" },
    { 0, 2, "\x71\xc7" },
    { 0x8001, 5, "CD001" },
    { 0x8001, 5, "BEA01" },
    { 0x9001, 5, "CD001" },
    { 0, 4, "xar!" },
    { 0, 4, "EGGA" },
    { 0, 4, "ALZ\1" },
    { 2, 3, "-lh" },
    { 0, 2, "MZ" },
    { 0, 8, "!<arch>\n" },
    { 0, 4, "\xed\xab\xee\xdb" },
    { 0, 3, "\x1f\x9d\x90" },
  };
  size_t i = 0;
  for (size_t k = 0; k < sizeof m / sizeof *m; k++)
    if (at(s, n, m[k].off, m[k].magic, m[k].len)) return 1;
  /* A message: a first line "Name: value" (a saved .eml, a forward). */
  while (i < n && i < 80 && s[i] > 0x20 && s[i] < 0x7f && s[i] != ':') i++;
  return i && i < n && s[i] == ':';
}

/* The current leaf part ends: judge what was seen of it. */
static void partend(struct qscanq_mime *m)
{
  if (m->state != S_BODY || m->kind != K_LEAF || !m->sniffing) return;
  if (container(m->sniff, m->slen)) m->flags |= QSCANQ_MIME_CONTAINER;
  m->sniffing = 0;
}

/* Base64 body bytes of a leaf part, decoded into the sniff buffer. */
static void sniffb64(struct qscanq_mime *m, char const *s, size_t n)
{
  for (size_t i = 0; i < n && m->slen < sizeof m->sniff; i++)
  {
    int v = b64val((unsigned char)s[i]);
    if (v < 0) continue;
    m->acc = ((m->acc << 6) | (unsigned int)v) & 0xffffff;
    m->bits += 6;
    if (m->bits >= 8)
    {
      m->bits -= 8;
      m->sniff[m->slen++] = (unsigned char)(m->acc >> m->bits);
    }
  }
}

/* The line (its first n bytes) is a boundary of an open multipart: the
   innermost that matches. "--" boundary ["--"] blanks. */
static int boundary(struct qscanq_mime *m, size_t n)
{
  char const *s = m->line;
  if (n < 2 || s[0] != '-' || s[1] != '-' || m->tailtext) return 0;
  for (unsigned int d = m->depth; d--;)
  {
    struct level const *l = &m->lv[d];
    size_t i = 2 + l->blen;
    int close = 0;
    if (n < i || memcmp(s + 2, l->b, l->blen)) continue;
    if (n >= i + 2 && s[i] == '-' && s[i + 1] == '-')
    {
      close = 1;
      i += 2;
    }
    while (i < n && (blank(s[i]) || s[i] == '\r')) i++;
    if (i < n) continue;
    partend(m);
    m->hlen = 0;
    m->hover = 0;
    if (close)
    {
      m->depth = d;
      m->state = S_BODY;
      m->kind = K_MULTI;
    }
    else
    {
      m->depth = d + 1;
      newentity(m, l->digest);
    }
    return 1;
  }
  return 0;
}

/* "begin 644 NAME" (or begin-base64): the offset of NAME, else 0. */
static size_t uuprefix(char const *s, size_t n)
{
  size_t i, d;
  if (n >= 6 && !memcmp(s, "begin ", 6)) i = 6;
  else if (n >= 13 && !memcmp(s, "begin-base64 ", 13)) i = 13;
  else return 0;
  for (d = i; d < n && s[d] >= '0' && s[d] <= '7'; d++)
    ;
  if (d - i < 3 || d - i > 4 || d + 1 >= n || s[d] != ' ') return 0;
  return d + 1;
}

/* A uuencoded attachment in a plain body, with no MIME at all: mail
   programs show it as an attachment named by its begin line, once a data
   line follows. */
static int uuline(struct qscanq_mime *m, size_t n)
{
  size_t off;
  m->uupending = 0; /* an empty line followed the begin line */
  if (m->kind != K_LEAF || m->encoded) return 0;
  if (m->llen > LINEHEAD)
  {
    if (!m->uulong) return 0;
    if (m->uu.len && m->last == '\r') m->uu.len--;
    m->uupending = 1;
    return 0;
  }
  off = uuprefix(m->line, n);
  if (!off) return 0;
  /* libclamav decodes it: an archive may be inside. */
  m->flags |= QSCANQ_MIME_CONTAINER;
  m->uu.len = 0;
  qscanq_nametail_put(&m->uu, m->line + off, n - off);
  m->uupending = 1;
  return 0;
}

static int bodyline(struct qscanq_mime *m, size_t n)
{
  if (boundary(m, n))
  {
    m->uupending = 0;
    return 0;
  }
  return uuline(m, n);
}

/* Bytes of the current line (no \n). */
static int bytes(struct qscanq_mime *m, char const *s, size_t k)
{
  if (m->state == S_BODY && !m->llen && m->uupending)
  {
    /* A line after a begin line: a data line makes it an attachment. */
    m->uupending = 0;
    if (s[0] != '\r' && s[0] != '-' && !blank(s[0]))
    {
      int r = emitfrom(m, &m->uu);
      if (r) return r;
    }
  }
  if (m->state == S_HEAD && !m->llen)
  {
    m->hkeep = 1;
    if (blank(s[0]))
    {
      /* A fold: kept as \n until the header is complete. */
      if (m->hlen) hadd(m, "\n", 1);
      else m->hkeep = 0;
    }
    else
    {
      int r = hdone(m);
      if (r) return r;
      m->hover = 0;
    }
  }
  if (m->llen < LINEHEAD)
  {
    size_t c = k < LINEHEAD - m->llen ? k : LINEHEAD - m->llen;
    memcpy(m->line + m->llen, s, c);
  }
  if (m->llen + k > LINEHEAD && m->line[0] == '-' && !m->tailtext)
  {
    /* Past the head: a boundary line may only have blanks here. */
    size_t from = m->llen >= LINEHEAD ? 0 : LINEHEAD - m->llen;
    for (size_t i = from; i < k; i++)
      if (!blank(s[i]) && s[i] != '\r') m->tailtext = 1;
  }
  if (m->state == S_BODY && m->kind == K_LEAF && !m->encoded && m->llen + k > LINEHEAD)
  {
    /* A begin line longer than the head keeps its end. */
    size_t from = m->llen >= LINEHEAD ? 0 : LINEHEAD - m->llen;
    if (m->llen <= LINEHEAD)
    {
      /* The head is complete now (or was at the end of the last read). */
      size_t off = uuprefix(m->line, LINEHEAD);
      m->uulong = !!off;
      if (off) m->flags |= QSCANQ_MIME_CONTAINER;
      m->uu.len = 0;
      if (off) qscanq_nametail_put(&m->uu, m->line + off, LINEHEAD - off);
    }
    if (m->uulong) qscanq_nametail_put(&m->uu, s + from, k - from);
  }
  if (m->state == S_BODY && m->sniffing && m->slen < sizeof m->sniff && m->line[0] != '-') sniffb64(m, s, k);
  if (m->state == S_HEAD)
  {
    /* A fold continues a run of blanks: the header is one line. */
    if (!m->llen && !blank(s[0])) m->blankrun = 0;
    for (size_t i = 0; i < k && !(m->flags & QSCANQ_MIME_BLANKS); i++)
      if (!blank(s[i])) m->blankrun = 0;
      else if (++m->blankrun >= QSCANQ_BLANKRUN) m->flags |= QSCANQ_MIME_BLANKS;
  }
  if (m->state == S_HEAD && m->hkeep) hadd(m, s, k);
  m->llen += k;
  m->last = s[k - 1];
  return 0;
}

static int lineend(struct qscanq_mime *m)
{
  size_t n = m->llen < LINEHEAD ? m->llen : LINEHEAD;
  int r = 0;
  if (m->llen && m->last == '\r')
  {
    if (m->llen <= LINEHEAD) n--;
    if (m->state == S_HEAD && !m->hover && m->hlen && m->hdr[m->hlen - 1] == '\r') m->hlen--;
  }
  if (m->state == S_HEAD)
  {
    if (!n && m->llen <= 1)
    {
      if (!(r = hdone(m))) r = endheaders(m);
    }
    else if (boundary(m, n))
    {
      /* A part with no blank line after its header. */
    }
    else if (!blank(m->line[0]) && !memchr(m->line, ':', n))
    {
      /* Not a header line: the header ended without a blank line. */
      m->hlen = 0;
      m->hover = 0;
      if (!(r = endheaders(m)) && m->state == S_BODY) r = bodyline(m, n);
    }
  }
  else r = bodyline(m, n);
  m->llen = 0;
  m->tailtext = 0;
  m->uulong = 0;
  m->last = 0;
  return r;
}

struct qscanq_mime *qscanq_mime_new(qscanq_name_fn f, void *ctx)
{
  struct qscanq_mime *m = malloc(sizeof *m);
  if (!m) return 0;
  return qscanq_mime_init(m, sizeof *m, f, ctx);
}

struct qscanq_mime *qscanq_mime_init(void *mem, size_t size, qscanq_name_fn f, void *ctx)
{
  struct qscanq_mime *m = mem;
  if (size < sizeof *m || (uintptr_t)mem % _Alignof(struct qscanq_mime))
  {
    errno = ENOMEM;
    return 0;
  }
  m->f = f;
  m->ctx = ctx;
  m->err = 0;
  m->depth = 0;
  m->kind = K_LEAF;
  m->llen = 0;
  m->tailtext = 0;
  m->hkeep = 0;
  m->last = 0;
  m->vlen = 0;
  m->name.len = 0;
  m->pass = 0;
  m->nseen = 0;
  m->uulong = 0;
  m->uupending = 0;
  m->uu.len = 0;
  m->flags = 0;
  m->blankrun = 0;
  m->sniffing = 0;
  m->slen = 0;
  newentity(m, 0);
  return m;
}

void qscanq_mime_free(struct qscanq_mime *m) { free(m); }

unsigned int qscanq_mime_flags(struct qscanq_mime const *m) { return m->flags; }

int qscanq_mime_feed(struct qscanq_mime *m, char const *s, size_t len)
{
  if (m->err) return m->err;
  while (len)
  {
    char const *nl = memchr(s, '\n', len);
    size_t k = nl ? (size_t)(nl - s) : len;
    int r = k ? bytes(m, s, k) : 0;
    if (!r && nl) r = lineend(m);
    if (r)
    {
      m->err = r;
      return r;
    }
    if (!nl) break;
    s += k + 1;
    len -= k + 1;
  }
  return 0;
}

int qscanq_mime_end(struct qscanq_mime *m)
{
  int r;
  if (m->err) return m->err;
  r = m->llen ? lineend(m) : 0;
  if (!r && m->state == S_HEAD) r = hdone(m);
  partend(m);
  if (r) m->err = r;
  return r;
}

int qscanq_mimenames(char const *s, size_t len, qscanq_name_fn f, void *ctx)
{
  struct qscanq_mime *m = qscanq_mime_new(f, ctx);
  int r;
  if (!m) return -1;
  r = qscanq_mime_feed(m, s, len);
  if (!r) r = qscanq_mime_end(m);
  qscanq_mime_free(m);
  return r;
}

/* The message from fd to its end, through buf. */
int qscanq_mime_readfd(struct qscanq_mime *m, int fd, char *buf, size_t n)
{
  for (;;)
  {
    ssize_t got = read(fd, buf, n);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return -1;
    if (!got) return qscanq_mime_end(m);
    {
      int r = qscanq_mime_feed(m, buf, (size_t)got);
      if (r) return r;
    }
  }
}

int qscanq_mimenames_fd(int fd, qscanq_name_fn f, void *ctx, unsigned int *flags)
{
  struct qscanq_mime *m = qscanq_mime_new(f, ctx);
  char *buf = malloc(65536);
  int r;
  if (!m || !buf)
  {
    free(buf);
    if (m) qscanq_mime_free(m);
    return -1;
  }
  r = qscanq_mime_readfd(m, fd, buf, 65536);
  free(buf);
  if (flags) *flags = m->flags;
  qscanq_mime_free(m);
  return r;
}
