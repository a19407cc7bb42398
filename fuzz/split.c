/* Fuzz target for qscanq_split, the SCANCMD word splitter. The first input
   byte chooses max (0 to 15, so that the word limit is hit often), the rest
   is the command line (up to its first NUL, as a C string is). The result is
   checked against a model of the documented grammar (blanks separate,
   single or double quotes group, no expansion) and against what the caller
   relies on: the count is at most max, argv[count] is NULL and nothing past
   it is written, every word lies inside the buffer, NUL-terminated there,
   in order and without overlap. Buffers are allocated to their exact size,
   so that ASan sees any access past them. */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <qscanq/qscanq.h>

#define MAXWORDS 16

static int blank(char c) { return c == ' ' || c == '\t' || c == '\n'; }

/* The grammar, written independently of the library: index-based, the
   words copied out into out (at least len + 1 bytes), start offsets in
   off. Returns the count, or -1 with *err set. */
static int model(char const *s, size_t len, unsigned int max, char *out, size_t *off, int *err)
{
  size_t i = 0, o = 0;
  unsigned int n = 0;
  for (;;)
  {
    char quote = 0;
    while (i < len && blank(s[i])) i++;
    if (i == len) return (int)n;
    off[n] = o;
    for (; i < len; i++)
    {
      if (quote)
      {
        if (s[i] == quote) quote = 0;
        else out[o++] = s[i];
      }
      else if (blank(s[i])) break;
      else if (s[i] == '"' || s[i] == '\'') quote = s[i];
      else out[o++] = s[i];
    }
    /* A word is read whole before it is counted: an unbalanced quote
       is reported as such even in a word past the limit. */
    if (quote)
    {
      *err = EINVAL;
      return -1;
    }
    if (n == max)
    {
      *err = E2BIG;
      return -1;
    }
    n++;
    out[o++] = 0;
  }
}

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
  static char const sentinel[] = "untouched";
  char const **argv;
  char *buf, *out;
  size_t off[MAXWORDS];
  size_t len;
  unsigned int max, i;
  int r, want, err = 0;
  if (!size) return 0;
  max = data[0] % MAXWORDS;
  buf = malloc(size); /* the line and its NUL: size - 1 + 1 */
  out = malloc(size);
  argv = malloc((max + 1) * sizeof *argv);
  if (!buf || !out || !argv) abort();
  memcpy(buf, data + 1, size - 1);
  buf[size - 1] = 0;
  len = strlen(buf);
  for (i = 0; i <= max; i++) argv[i] = sentinel;

  want = model(buf, len, max, out, off, &err);
  errno = 0;
  r = qscanq_split(buf, argv, max);
  if (r != want) abort();
  if (r < 0)
  {
    if (errno != err) abort();
  }
  else
  {
    char const *end = buf + len; /* the last byte a word may use (its NUL) */
    char const *prev = buf;
    if ((unsigned int)r > max || argv[r]) abort();
    for (i = (unsigned int)r + 1; i <= max; i++)
      if (argv[i] != sentinel) abort();
    for (i = 0; i < (unsigned int)r; i++)
    {
      size_t wl;
      if (argv[i] < prev || argv[i] > end) abort();
      wl = strnlen(argv[i], (size_t)(end - argv[i]) + 1);
      if (argv[i] + wl > end) abort(); /* no NUL inside the buffer */
      if (strcmp(argv[i], out + off[i])) abort();
      prev = argv[i] + wl + 1;
    }
  }
  free(argv);
  free(out);
  free(buf);
  return 0;
}
