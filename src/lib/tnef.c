#include <errno.h>
#include <string.h>
#include <qscanq/attach.h>

/* Attachment names from a TNEF stream ([MS-OXTNEF]), which Outlook and
   Exchange send as winmail.dat; the recipient's Outlook shows its
   attachments, libclamav reports none of their names. The stream is
   read through rd at computed offsets, never loaded: every length comes
   from the sender and is checked against the window it must fit in
   before it is used. Only names are read, and only their last
   QSCANQ_NAMEMAX - 1 bytes. */

#define TNEF_SIGNATURE 0x223e9f78U
#define ATT_ATTACHTITLE 0x00018010U
#define ATT_ATTACHMENT 0x00069005U
#define PR_DISPLAY_NAME 0x3001
#define PR_ATTACH_FILENAME 0x3704
#define PR_ATTACH_LONG_FILENAME 0x3707
#define PT_STRING8 0x001e
#define PT_UNICODE 0x001f
#define PT_BINARY 0x0102
#define PT_OBJECT 0x000d
#define MV_FLAG 0x1000
#define DEPTHMAX 4 /* embedded messages in embedded messages */

struct tnef
{
  qscanq_readat_fn rd;
  void *src;
  qscanq_name_fn f;
  void *ctx;
};

/* Exactly n bytes at off, or 0 (short: the stream ends), or -1. */
static int readx(struct tnef *t, void *buf, size_t n, uint64_t off)
{
  size_t got = 0;
  while (got < n)
  {
    ssize_t r = (*t->rd)(t->src, (char *)buf + got, n - got, off + got);
    if (r < 0) return -1;
    if (!r) return 0;
    got += (size_t)r;
  }
  return 1;
}

static int u32(struct tnef *t, uint64_t off, uint32_t *v)
{
  unsigned char b[4];
  int r = readx(t, b, 4, off);
  if (r > 0) *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
  return r;
}

static int stream(struct tnef *t, uint64_t base, uint64_t size, unsigned int depth);

static uint64_t pad4(uint64_t n) { return (n + 3) & ~(uint64_t)3; }

static size_t fixedsize(unsigned int type)
{
  switch (type)
  {
    case 0x0002: /* PT_I2 */
    case 0x000b: /* PT_BOOLEAN */
      return 2;
    case 0x0003: /* PT_LONG */
    case 0x0004: /* PT_FLOAT */
    case 0x000a: /* PT_ERROR */
      return 4;
    case 0x0005: /* PT_DOUBLE */
    case 0x0006: /* PT_CURRENCY */
    case 0x0007: /* PT_APPTIME */
    case 0x0014: /* PT_I8 */
    case 0x0040: /* PT_SYSTIME */
      return 8;
    case 0x0048: /* PT_CLSID */
      return 16;
    default: return 0;
  }
}

/* The MAPI property list of an attAttachment attribute at [pos, end). */
static int props(struct tnef *t, uint64_t pos, uint64_t end, unsigned int depth)
{
  uint32_t count, v;
  int r = 0;
  if (end - pos < 4 || (r = u32(t, pos, &count)) <= 0) return r < 0 ? r : 0;
  pos += 4;
  for (uint32_t c = 0; c < count && end - pos >= 4; c++)
  {
    unsigned int type, id, base;
    if ((r = u32(t, pos, &v)) <= 0) return r;
    type = v & 0xffff;
    id = v >> 16;
    base = type & ~(unsigned int)MV_FLAG;
    pos += 4;
    if (id >= 0x8000)
    {
      /* A named property: GUID, kind, then an id or a name. */
      if (end - pos < 24) return 0;
      pos += 16;
      if ((r = u32(t, pos, &v)) <= 0) return r;
      pos += 4;
      if (v == 0) pos += 4;
      else
      {
        if ((r = u32(t, pos, &v)) <= 0) return r;
        pos += 4;
        if (pad4(v) > end - pos) return 0;
        pos += pad4(v);
      }
      if (pos > end) return 0;
    }
    if (base == PT_STRING8 || base == PT_UNICODE || base == PT_BINARY || base == PT_OBJECT)
    {
      uint32_t n;
      if (end - pos < 4 || (r = u32(t, pos, &n)) <= 0) return r < 0 ? r : 0;
      pos += 4;
      for (uint32_t k = 0; k < n; k++)
      {
        if (end - pos < 4 || (r = u32(t, pos, &v)) <= 0) return r < 0 ? r : 0;
        pos += 4;
        if (v > end - pos) return 0;
        if (id == PR_ATTACH_LONG_FILENAME || id == PR_ATTACH_FILENAME || id == PR_DISPLAY_NAME)
        {
          if (base == PT_STRING8 || base == PT_UNICODE) r = qscanq_readname(t->rd, t->src, pos, v, base == PT_UNICODE, t->f, t->ctx);
          else r = 0;
          if (r) return r;
        }
        /* An embedded message: an interface id, then a TNEF stream. */
        if (base == PT_OBJECT && v > 16 && depth < DEPTHMAX && (r = stream(t, pos + 16, v - 16, depth + 1))) return r;
        if (pad4(v) > end - pos) return 0;
        pos += pad4(v);
      }
    }
    else
    {
      uint64_t fs = fixedsize(base), n = 1;
      if (!fs) return 0; /* unknown type: its size is unknown, stop */
      if (type & MV_FLAG)
      {
        if (end - pos < 4 || (r = u32(t, pos, &v)) <= 0) return r < 0 ? r : 0;
        pos += 4;
        n = v;
      }
      if (n > (end - pos) / pad4(fs)) return 0;
      pos += n * pad4(fs);
    }
  }
  return 0;
}

/* A TNEF stream at [base, base + size): signature, key, attributes
   (level, id, length, data, checksum). */
static int stream(struct tnef *t, uint64_t base, uint64_t size, unsigned int depth)
{
  uint64_t pos = 6;
  uint32_t sig;
  int r = 0;
  if (size < 6 || (r = u32(t, base, &sig)) <= 0) return r < 0 ? r : 0;
  if (sig != TNEF_SIGNATURE) return 0;
  while (size - pos >= 9)
  {
    uint32_t id, len;
    if ((r = u32(t, base + pos + 1, &id)) <= 0 || (r = u32(t, base + pos + 5, &len)) <= 0) return r;
    pos += 9;
    if (len > size - pos) return 0;
    if (id == ATT_ATTACHTITLE) r = qscanq_readname(t->rd, t->src, base + pos, len, 0, t->f, t->ctx);
    else if (id == ATT_ATTACHMENT) r = props(t, base + pos, base + pos + len, depth);
    else r = 0;
    if (r) return r;
    pos += len;
    if (size - pos < 2) return 0;
    pos += 2;
  }
  return 0;
}

int qscanq_tnef_names(qscanq_readat_fn rd, void *src, uint64_t size, qscanq_name_fn f, void *ctx)
{
  struct tnef t = { rd, src, f, ctx };
  return stream(&t, 0, size, 0);
}
