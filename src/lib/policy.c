#include <errno.h>
#include <fnmatch.h>
#include <string.h>
#include <strings.h>
#include <skalibs/stralloc.h>
#include <qscanq/attach.h>

/* The attachment-name policy of qscanq-attach(8). A policy file that
   cannot mean what its author meant (a NUL byte, a line too long, an
   unterminated [ expression, a wildcard in a suffix list) is refused
   with its line number rather than read as a smaller policy: a policy
   that silently bans less is the failure nobody notices. */

static int blank(char c) { return c == ' ' || c == '\t'; }

/* The end of the bracket expression starting at s[i] == '[', as
   fnmatch(3) reads it, or 0 if it is not terminated. */
static size_t bracket(char const *s, size_t n, size_t i)
{
  i++;
  if (i < n && (s[i] == '!' || s[i] == '^')) i++;
  if (i < n && s[i] == ']') i++;
  while (i < n && s[i] != ']')
  {
    if (s[i] == '[' && i + 1 < n && (s[i + 1] == ':' || s[i + 1] == '.' || s[i + 1] == '='))
    {
      char t = s[i + 1];
      i += 2;
      while (i + 1 < n && !(s[i] == t && s[i + 1] == ']')) i++;
      if (i + 1 >= n) return 0;
      i += 2;
      continue;
    }
    i++;
  }
  return i < n ? i : 0;
}

static char const *badline(enum qscanq_policy_kind kind, char const *s, size_t n)
{
  if (kind == QSCANQ_BADEXT)
  {
    for (size_t i = 0; i < n; i++)
      if (strchr("*?[", s[i])) return "a wildcard in a list of suffixes (wildcards belong in a patterns file, -p)";
    return 0;
  }
  if (*s == '!')
  {
    s++;
    n--;
    if (!n) return "an exception (!) with no pattern";
  }
  for (size_t i = 0; i < n; i++)
  {
    if (s[i] == '\\')
    {
      if (++i >= n) return "a backslash at the end of a pattern";
    }
    else if (s[i] == '[')
    {
      size_t e = bracket(s, n, i);
      if (!e) return "an unterminated [ expression";
      i = e;
    }
  }
  return 0;
}

int qscanq_policy_add(struct qscanq_policy *p, enum qscanq_policy_kind kind, char const *s, size_t len,
    unsigned int *line, char const **why)
{
  stralloc *sa = kind == QSCANQ_BADEXT ? &p->ext : &p->pat;
  size_t i = 0;
  unsigned int ln = 0;
  while (i < len)
  {
    char const *nl = memchr(s + i, '\n', len - i);
    size_t j = nl ? (size_t)(nl - s) : len, a = i, b = j;
    ln++;
    *line = ln;
    if (memchr(s + i, 0, j - i))
    {
      *why = "a NUL byte";
      errno = EINVAL;
      return -1;
    }
    if (b > a && s[b - 1] == '\r') b--;
    while (b > a && blank(s[b - 1])) b--;
    while (a < b && blank(s[a])) a++;
    i = j + 1;
    if (a == b || s[a] == '#') continue;
    if (b - a >= QSCANQ_POLICY_LINEMAX)
    {
      *why = "a line too long";
      errno = EINVAL;
      return -1;
    }
    if ((*why = badline(kind, s + a, b - a)))
    {
      errno = EINVAL;
      return -1;
    }
    if (!stralloc_catb(sa, s + a, b - a) || !stralloc_0(sa)) return -1;
  }
  return 0;
}

void qscanq_policy_free(struct qscanq_policy *p)
{
  stralloc_free(&p->ext);
  stralloc_free(&p->pat);
}

/* libclamav's rewriting of a name: the byte's low 7 bits, and anything
   but a letter, digit or dot as _; wild keeps wildcard syntax. */
static void clamname(char *out, char const *in, int wild)
{
  size_t i = 0;
  for (; in[i]; i++)
  {
    unsigned char c = (unsigned char)in[i] & 0x7f;
    int alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (wild && c && strchr("*?[]!\\", c)) out[i] = (char)c;
    else out[i] = (alnum || c == '.') ? (char)c : '_';
  }
  out[i] = 0;
}

static int suffix(char const *name, size_t nlen, char const *e, size_t elen)
{
  return elen <= nlen && !strncasecmp(name + nlen - elen, e, elen);
}

/* A line of either file matches a name if it matches the whole name or
   its last path component (archives carry paths; some mail programs
   send Windows paths). */
int qscanq_policy_match(struct qscanq_policy const *p, char const *name, size_t len, int clam)
{
  char whole[QSCANQ_NAMEMAX];
  char buf[QSCANQ_POLICY_LINEMAX];
  char const *base;
  size_t wlen;
  int verdict = 0;
  /* The last bytes of a longer name: the extension is at the end. */
  if (len >= sizeof whole)
  {
    name += len - (sizeof whole - 1);
    len = sizeof whole - 1;
  }
  memcpy(whole, name, len);
  whole[len] = 0;
  /* A NUL ends the name for Windows and for most mail programs. */
  wlen = strlen(whole);
  /* Windows drops trailing dots and blanks: "setup.exe. ." runs as
     setup.exe. */
  while (wlen && (whole[wlen - 1] == '.' || whole[wlen - 1] == ' ')) wlen--;
  whole[wlen] = 0;
  base = whole;
  for (char const *c = whole; *c; c++)
    if (*c == '/' || *c == '\\') base = c + 1;
  for (size_t i = 0; i < p->ext.len; i += strlen(p->ext.s + i) + 1)
  {
    char const *e = p->ext.s + i;
    if (clam)
    {
      clamname(buf, e, 0);
      e = buf;
    }
    if (suffix(whole, wlen, e, strlen(e))) return 1;
  }
  for (size_t i = 0; i < p->pat.len; i += strlen(p->pat.s + i) + 1)
  {
    char const *e = p->pat.s + i;
    int neg = *e == '!';
    e += neg;
    if (clam)
    {
      clamname(buf, e, 1);
      e = buf;
    }
    if (!fnmatch(e, whole, FNM_CASEFOLD) || !fnmatch(e, base, FNM_CASEFOLD)) verdict = !neg;
  }
  return verdict;
}
