/* qq-fdinfo: records what some descriptors are, then runs prog.
   qq-fdinfo file fd... -- prog [arg...]
   Writes one line per fd to file: "FD TYPE MODE offset N", TYPE one of
   reg fifo chr sock dir other closed, MODE rdonly wronly rdwr. */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  FILE *f;
  int i;
  if (argc < 4)
  {
    fprintf(stderr, "usage: qq-fdinfo file fd... -- prog [arg...]\n");
    return 100;
  }
  f = fopen(argv[1], "w");
  if (!f)
  {
    perror(argv[1]);
    return 100;
  }
  for (i = 2; i < argc && strcmp(argv[i], "--"); i++)
  {
    int fd = atoi(argv[i]), fl = fcntl(fd, F_GETFL);
    struct stat st;
    char const *type, *mode;
    if (fl < 0 || fstat(fd, &st) < 0)
    {
      fprintf(f, "%d closed\n", fd);
      continue;
    }
    type = S_ISREG(st.st_mode) ? "reg" : S_ISFIFO(st.st_mode) ? "fifo"
        : S_ISCHR(st.st_mode)                                 ? "chr"
        : S_ISSOCK(st.st_mode)                                ? "sock"
        : S_ISDIR(st.st_mode)                                 ? "dir"
                                                              : "other";
    mode = (fl & O_ACCMODE) == O_RDONLY ? "rdonly" : (fl & O_ACCMODE) == O_WRONLY ? "wronly"
                                                                                  : "rdwr";
    fprintf(f, "%d %s %s offset %lld\n", fd, type, mode, (long long)lseek(fd, 0, SEEK_CUR));
  }
  if (fclose(f) || i + 1 >= argc)
  {
    fprintf(stderr, "qq-fdinfo: bad arguments or write error\n");
    return 100;
  }
  execvp(argv[i + 1], argv + i + 1);
  perror(argv[i + 1]);
  return 127;
}
