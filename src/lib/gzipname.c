#include <qscanq/attach.h>

/* The original file name in a gzip header (RFC 1952, FNAME): gunzip -N,
   7-Zip and Windows archive programs name the file they extract after
   it, whatever the .gz file is called; libclamav does not report it. */

#define FEXTRA 4
#define FNAME 8

int qscanq_gzip_name(qscanq_readat_fn rd, void *src, uint64_t size, qscanq_name_fn f, void *ctx)
{
  unsigned char h[12];
  uint64_t off = 10;
  size_t got = 0;
  while (got < sizeof h)
  {
    ssize_t r = (*rd)(src, h + got, sizeof h - got, got);
    if (r < 0) return -1;
    if (!r) break;
    got += (size_t)r;
  }
  if (got < 10 || h[0] != 0x1f || h[1] != 0x8b || h[2] != 8 || !(h[3] & FNAME)) return 0;
  if (h[3] & FEXTRA)
  {
    if (got < 12) return 0;
    off += 2 + (uint64_t)(h[10] | h[11] << 8);
  }
  if (off >= size) return 0;
  return qscanq_readname(rd, src, off, size - off, 0, f, ctx);
}
