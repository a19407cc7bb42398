#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <skalibs/allreadwrite.h>
#include <skalibs/strerr.h>
#include <qscanq/qscanq.h>
#include <qscanq/exitcodes.h>

int qscanq_regular_input(char const *file, char const *tmpdir)
{
  struct stat st;
  char buf[65536];
  int fd = file ? open(file, O_RDONLY | O_CLOEXEC) : 0;
  if (fd < 0) strerr_diefusys(VERDICT_FAIL, "open ", file);
  if (fstat(fd, &st) < 0) strerr_diefusys(VERDICT_FAIL, "stat ", file ? file : "stdin");
  if (S_ISREG(st.st_mode)) return fd;
  if (!tmpdir) tmpdir = getenv("TMPDIR");
  if (!tmpdir || !*tmpdir) tmpdir = "/tmp";
  {
    int t = open(tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (t < 0) strerr_diefusys(VERDICT_FAIL, "create a temporary file in ", tmpdir, "");
    for (;;)
    {
      ssize_t r = read(fd, buf, sizeof buf);
      if (r < 0)
      {
        if (errno == EINTR) continue;
        strerr_diefusys(VERDICT_FAIL, "read ", file ? file : "stdin");
      }
      if (!r) break;
      if (allwrite(t, buf, (size_t)r) < (size_t)r) strerr_diefusys(VERDICT_FAIL, "write a temporary file in ", tmpdir);
    }
    if (lseek(t, 0, SEEK_SET) < 0) strerr_diefusys(VERDICT_FAIL, "rewind the temporary file");
    if (fd) close(fd);
    return t;
  }
}
