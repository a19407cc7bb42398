#include <string.h>
#include <qscanq/attach.h>

/* A name stored in a container (a TNEF attribute, a gzip header): read in
   chunks, never whole, ended by its first NUL as the programs that show
   it read it, keeping its last bytes when it is longer than a name may
   be: the extension is at the end. */

static void putu(struct qscanq_nametail *n, unsigned int u)
{
  char o[4];
  size_t k;
  if (u < 0x80) o[0] = (char)u, k = 1;
  else if (u < 0x800) o[0] = (char)(0xc0 | u >> 6), o[1] = (char)(0x80 | (u & 0x3f)), k = 2;
  else if (u < 0x10000)
    o[0] = (char)(0xe0 | u >> 12), o[1] = (char)(0x80 | ((u >> 6) & 0x3f)), o[2] = (char)(0x80 | (u & 0x3f)), k = 3;
  else
    o[0] = (char)(0xf0 | u >> 18), o[1] = (char)(0x80 | ((u >> 12) & 0x3f)), o[2] = (char)(0x80 | ((u >> 6) & 0x3f)),
    o[3] = (char)(0x80 | (u & 0x3f)), k = 4;
  qscanq_nametail_put(n, o, k);
}

int qscanq_readname(qscanq_readat_fn rd, void *src, uint64_t off, uint64_t len, int wide, qscanq_name_fn f, void *ctx)
{
  struct qscanq_nametail n;
  unsigned char buf[1024];
  char out[QSCANQ_NAMEMAX];
  unsigned int high = 0; /* a high surrogate waiting for its low one */
  size_t k, skip;
  int done = 0;
  n.len = 0;
  if (wide) len &= ~(uint64_t)1;
  while (len && !done)
  {
    size_t c = len < sizeof buf ? (size_t)len : sizeof buf;
    size_t got = 0;
    while (got < c)
    {
      ssize_t r = (*rd)(src, buf + got, c - got, off + got);
      if (r < 0) return -1;
      if (!r) break;
      got += (size_t)r;
    }
    if (got < c) len = 0, c = got;
    off += c;
    len -= c;
    if (!wide)
    {
      unsigned char const *z = memchr(buf, 0, c);
      if (z) c = (size_t)(z - buf), done = 1;
      qscanq_nametail_put(&n, (char const *)buf, c);
      continue;
    }
    for (size_t i = 0; i + 1 < c; i += 2)
    {
      unsigned int u = buf[i] | (unsigned int)buf[i + 1] << 8;
      if (!u)
      {
        done = 1;
        break;
      }
      if ((u & 0xfc00) == 0xdc00 && high) u = 0x10000 + ((high - 0xd800) << 10) + (u - 0xdc00), high = 0;
      else if (high) putu(&n, 0xfffd), high = 0;
      if ((u & 0xfc00) == 0xd800)
      {
        high = u;
        continue;
      }
      if ((u & 0xf800) == 0xd800) u = 0xfffd;
      putu(&n, u);
    }
  }
  if (high) putu(&n, 0xfffd);
  k = n.len < QSCANQ_NAMEMAX - 1 ? n.len : QSCANQ_NAMEMAX - 1;
  skip = n.len - k;
  /* Cut at a character, not inside one. */
  while (k && ((unsigned char)n.s[skip] & 0xc0) == 0x80) skip++, k--;
  if (!k) return 0;
  memcpy(out, n.s + skip, k);
  out[k] = 0;
  return (*f)(out, k, ctx);
}
