#include <string.h>
#include <qscanq/clamd.h>

/* clamd answers a z-command with exactly one line ended by a NUL, then
   closes: "fd[N]: OK" / "stream: OK", "...: SIG FOUND" (SIG(HASH:SIZE)
   with ExtendedDetectionInfo), "...: TEXT ERROR", or an unnamed line such
   as "UNKNOWN COMMAND". Everything else (a second line, bytes after the
   NUL, a cut-off line, a name that is not the one clamd uses for the
   command) means the reply cannot be trusted, so it is a failure, never a
   verdict. */

#define LIMITS "Heuristics.Limits.Exceeded."

/* Limits that are not a property of the message's structure but of
   clamd's configuration: a clean message must not be refused for them. */
static struct
{
  char const *name;
  char const *why;
} const notvirus[] = {
  { "MaxFileSize", "clamd's MaxFileSize was exceeded (a size limit, not a virus): raise MaxFileSize in clamd.conf" },
  { "MaxScanSize", "clamd's MaxScanSize was exceeded (a size limit, not a virus): raise MaxScanSize in clamd.conf" },
  { "MaxScanTime", "clamd's MaxScanTime was exceeded (a time limit, not a virus): raise MaxScanTime in clamd.conf" },
};

static int prefix(char const *s, size_t len, char const *p)
{
  size_t n = strlen(p);
  return len >= n && !memcmp(s, p, n);
}

static int same(char const *s, size_t len, char const *p)
{
  return len == strlen(p) && !memcmp(s, p, len);
}

enum qscanq_verdict qscanq_clamd_reply(char const *s, size_t len, int fildes, size_t *sigstart, size_t *siglen,
    char const **why)
{
  char const *nul;
  size_t line, i, name, sig, slen;
  *sigstart = *siglen = 0;
  if (!len)
  {
    *why = "no reply (the connection closed without an answer)";
    return VERDICT_FAIL;
  }
  nul = memchr(s, 0, len);
  if (!nul)
  {
    *why = len > QSCANQ_CLAMD_LINEMAX ? "over-long reply" : "reply cut off (no NUL terminator)";
    return VERDICT_FAIL;
  }
  line = (size_t)(nul - s);
  if (line > QSCANQ_CLAMD_LINEMAX)
  {
    *why = "over-long reply";
    return VERDICT_FAIL;
  }
  if (line + 1 < len)
  {
    *why = "bytes after the reply's NUL terminator (more than one reply line)";
    return VERDICT_FAIL;
  }
  for (i = 0; i < line; i++)
  {
    unsigned char c = (unsigned char)s[i];
    if (c == '\n' || c == '\r')
    {
      *why = "more than one line in the reply";
      return VERDICT_FAIL;
    }
    if (c < 0x20 || c == 0x7f)
    {
      *why = "control character in the reply";
      return VERDICT_FAIL;
    }
  }
  if (same(s, line, "INSTREAM size limit exceeded. ERROR"))
  {
    *why = "clamd's StreamMaxLength was exceeded (a size limit, not a virus): raise StreamMaxLength in clamd.conf";
    return VERDICT_FAIL;
  }
  if (line >= 6 && !memcmp(s + line - 6, " ERROR", 6))
  {
    *why = "clamd reported an error";
    return VERDICT_FAIL;
  }

  /* The name clamd gives the object of this command. */
  if (fildes)
  {
    name = 3;
    if (!prefix(s, line, "fd[")) goto badname;
    while (name < line && s[name] >= '0' && s[name] <= '9') name++;
    if (name == 3 || name - 3 > 10 || !prefix(s + name, line - name, "]: ")) goto badname;
    name += 3;
  }
  else
  {
    if (!prefix(s, line, "stream: ")) goto badname;
    name = 8;
  }

  if (same(s + name, line - name, "OK")) return VERDICT_CLEAN;
  if (line - name < 6 || memcmp(s + line - 6, " FOUND", 6))
  {
    *why = "neither OK nor FOUND";
    return VERDICT_FAIL;
  }
  sig = name;
  slen = line - 6 - name;
  if (!slen)
  {
    *why = "empty signature name";
    return VERDICT_FAIL;
  }
  /* Signature names hold no blanks: a blank means two answers in one
     ("OK FOUND", "stream: X FOUND") or a name we cannot tell apart. */
  if (memchr(s + sig, ' ', slen))
  {
    *why = "malformed signature name";
    return VERDICT_FAIL;
  }
  if (same(s + sig, slen, "OK"))
  {
    *why = "OK and FOUND together";
    return VERDICT_FAIL;
  }
  if (prefix(s + sig, slen, LIMITS))
  {
    /* ExtendedDetectionInfo appends "(HASH:SIZE)". */
    char const *base = s + sig + sizeof LIMITS - 1;
    char const *paren = memchr(base, '(', slen - (sizeof LIMITS - 1));
    size_t blen = paren ? (size_t)(paren - base) : slen - (sizeof LIMITS - 1);
    for (i = 0; i < sizeof notvirus / sizeof notvirus[0]; i++)
      if (same(base, blen, notvirus[i].name))
      {
        *sigstart = sig;
        *siglen = slen;
        *why = notvirus[i].why;
        return VERDICT_FAIL;
      }
  }
  *sigstart = sig;
  *siglen = slen;
  return VERDICT_VIRUS;

badname:
  *why = fildes ? "not a reply to FILDES (no \"fd[N]: \" name)" : "not a reply to INSTREAM (no \"stream: \" name)";
  return VERDICT_FAIL;
}
