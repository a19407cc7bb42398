/* bench-nolibc: the stand-in of bench/standin.c without a C library
   (x86_64 Linux only; raw system calls). Its cell, F0, beside F, shows
   what the start of a static glibc program costs on this machine: glibc
   probes the CPU (many CPUID instructions, each a trap to the hypervisor
   on a virtual machine) before main, in every program, whatever the
   program does. Built with -nostdlib -static; not a program of the
   suite. */

static char buf[65536];

static long sys3(long n, long a, long b, long c)
{
  long r;
  __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return r;
}

static int drain(int fd)
{
  for (;;)
  {
    long r = sys3(0 /* read */, fd, (long)buf, sizeof buf);
    if (!r) return 0;
    if (r < 0) return -1;
  }
}

__attribute__((force_align_arg_pointer, noreturn)) void _start(void)
{
  int e = drain(0) < 0 || drain(1) < 0 ? 111 : 0;
  for (;;) sys3(60 /* exit */, e, 0, 0);
}
