/* s370vm's tiny init for the Linux guest (issue 22).
 *
 * Static, freestanding 486 code: no libc, system calls through INT 80h. It
 * exercises what a kernel boot on the emulated PC must get right: fork and
 * wait (copy-on-write faults, many user/kernel switches), brk and mmap (page
 * tables changing under a running system), a deterministic integer
 * computation, some x87 arithmetic (run by the kernel's math emulator behind
 * #NM, since the kernel is booted with no387), then ioperm and a write to the
 * exit port F4 (QEMU's isa-debug-exit convention: the run ends with status
 * (v << 1) | 1). Every line it prints starts with "init:" so a test can check
 * them; the expected lines are in README.md beside this file.
 */
typedef unsigned long ulong;

#define SYS_exit 1
#define SYS_fork 2
#define SYS_write 4
#define SYS_waitpid 7
#define SYS_brk 45
#define SYS_ioperm 101
#define SYS_mmap 90

static long sys3(long n, long a, long b, long c)
{
    long r;
    __asm__ volatile ("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b), "d"(c) : "memory");
    return r;
}

/* old_mmap (90) takes its six arguments in a block pointed to by EBX. */
static long sys_mmap(ulong addr, ulong length, long prot, long flags, long fd, ulong off)
{
    long block[6] = { (long)addr, (long)length, prot, flags, fd, (long)off };
    return sys3(SYS_mmap, (long)block, 0, 0);
}

static ulong len(const char *s) { ulong n = 0; while (s[n]) n++; return n; }
static void puts1(const char *s) { sys3(SYS_write, 1, (long)s, (long)len(s)); }

static void putnum(const char *label, ulong v)
{
    char buf[64];
    char digits[16];
    int n = 0, i = 0;
    while (label[i]) { buf[i] = label[i]; i++; }
    do { digits[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) buf[i++] = digits[--n];
    buf[i++] = '\n';
    sys3(SYS_write, 1, (long)buf, i);
}

static inline void outb(unsigned short port, unsigned char v)
{
    __asm__ volatile ("outb %0, %1" : : "a"(v), "Nd"(port));
}

/* A deterministic integer workload: the sum of the first 300 primes. */
static ulong primes(void)
{
    ulong sum = 0, found = 0, n = 2;
    while (found < 300) {
        ulong d = 2, prime = 1;
        for (; d * d <= n; d++)
            if (n % d == 0) { prime = 0; break; }
        if (prime) { sum += n; found++; }
        n++;
    }
    return sum;
}

/* x87 arithmetic for the emulator: the harmonic number H(100) scaled. */
static ulong harmonic(void)
{
    volatile double h = 0.0;
    int k;
    for (k = 1; k <= 100; k++)
        h += 1.0 / (double)k;
    return (ulong)(h * 1000000.0);
}

void _start(void)
{
    long pid, status = 0;
    char *heap, *map;
    ulong i, sum;

    puts1("init: hello from user space\n");

    pid = sys3(SYS_fork, 0, 0, 0);
    if (pid == 0) {
        puts1("init: child running\n");
        sys3(SYS_exit, 7, 0, 0);
    }
    sys3(SYS_waitpid, pid, (long)&status, 0);
    putnum("init: child exit status ", (ulong)((status >> 8) & 0xff));

    heap = (char *)sys3(SYS_brk, 0, 0, 0);
    sys3(SYS_brk, (long)(heap + 65536), 0, 0);
    for (i = 0; i < 65536; i += 4096) heap[i] = (char)i;
    sum = 0;
    for (i = 0; i < 65536; i += 4096) sum += (unsigned char)heap[i];
    putnum("init: brk pages touched ", 16);

    map = (char *)sys_mmap(0, 8192, 3 /* RW */, 0x22 /* PRIVATE|ANON */, -1, 0);
    map[0] = 'm'; map[4096] = 'M';
    putnum("init: mmap ok ", (ulong)(map[0] == 'm' && map[4096] == 'M'));

    putnum("init: primes ", primes());
    putnum("init: harmonic ", harmonic());
    (void)sum;

    if (sys3(SYS_ioperm, 0xf4, 1, 1) == 0) {
        puts1("init: done\n");
        outb(0xf4, 0x10);
    }
    puts1("init: ioperm failed\n");
    for (;;) sys3(SYS_exit, 1, 0, 0);
}
