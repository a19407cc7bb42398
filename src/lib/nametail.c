#include <string.h>
#include <qscanq/attach.h>

/* Appends, keeping the last QSCANQ_NAMEMAX bytes at least: when the
   buffer is full its older half goes (amortized: no quadratic shifting).
   Every byte of a name read from a message goes through here, so no name
   can be written past its buffer, and an over-long name keeps its end,
   where the extension is. */
void qscanq_nametail_put(struct qscanq_nametail *n, char const *s, size_t len)
{
  while (len)
  {
    size_t room, k;
    if (n->len >= sizeof n->s)
    {
      memmove(n->s, n->s + sizeof n->s - QSCANQ_NAMEMAX, QSCANQ_NAMEMAX);
      n->len = QSCANQ_NAMEMAX;
    }
    room = sizeof n->s - n->len;
    k = len < room ? len : room;
    memcpy(n->s + n->len, s, k);
    n->len += k;
    s += k;
    len -= k;
  }
}
