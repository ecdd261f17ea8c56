/* startup.c — the least a Cortex-M needs to run main(): a vector table, a reset handler
 * that copies .data and clears .bss, and the semihosting calls the example uses as its
 * "UART" (under qemu they print to the host's stdout) and to end the run. No libc.
 */
#include <stddef.h>
#include <stdint.h>

extern uint32_t _etext, _sdata, _edata, _sbss, _ebss, _stack_top;
int main(void);
void reset_handler(void);
static void fault_handler(void);

__attribute__((section(".vectors"), used))
static void (*const vectors[16])(void) = {
    (void (*)(void))(uintptr_t)&_stack_top, reset_handler, fault_handler, fault_handler,
    fault_handler, fault_handler, fault_handler, 0, 0, 0, 0, fault_handler, fault_handler, 0,
    fault_handler, fault_handler,
};

/* ARM semihosting: operation in r0, argument block in r1, result in r0. */
static int semihost(int op, void *arg)
{
    register int r0 __asm__("r0") = op;
    register void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

/* The console is the semihosting file ":tt" opened for writing (mode 4, "w"). */
static int console = -1;

void uart_write(const char *text, size_t len);
void uart_write(const char *text, size_t len)
{
    uintptr_t block[3];
    if (console < 0) {
        block[0] = (uintptr_t)":tt";
        block[1] = 4;
        block[2] = 3;
        console = semihost(0x01, block); /* SYS_OPEN */
    }
    block[0] = (uintptr_t)console;
    block[1] = (uintptr_t)text;
    block[2] = len;
    semihost(0x05, block);               /* SYS_WRITE */
}

void board_exit(int code);
void board_exit(int code)
{
    uintptr_t block[2];
    block[0] = 0x20026;                  /* ADP_Stopped_ApplicationExit */
    block[1] = (uintptr_t)code;
    semihost(0x20, block);               /* SYS_EXIT_EXTENDED: the exit code reaches the host */
    for (;;) { }
}

static void fault_handler(void)
{
    uart_write("fault\n", 6);
    board_exit(3);
}

/* The compiler may call these for struct copies and clears even in a freestanding build. */
void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int v, size_t n);
void *memcpy(void *d, const void *s, size_t n)
{
    unsigned char *a = (unsigned char *)d;
    const unsigned char *b = (const unsigned char *)s;
    while (n--) *a++ = *b++;
    return d;
}
void *memset(void *d, int v, size_t n)
{
    unsigned char *a = (unsigned char *)d;
    while (n--) *a++ = (unsigned char)v;
    return d;
}

void reset_handler(void)
{
    uint32_t *src = &_etext, *dst = &_sdata;
    while (dst < &_edata) *dst++ = *src++;
    for (dst = &_sbss; dst < &_ebss; dst++) *dst = 0;
    board_exit(main());
}
