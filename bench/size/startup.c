/* The smallest Cortex-M image that runs main: a two-entry vector table (initial stack,
   reset) and a reset handler. Part of the empty build too, so it cancels out. */
extern int main(void);
extern char size__stack_top[];
void size__reset(void);
void size__reset(void)
{
    main();
    for (;;) {
    }
}
__attribute__((section(".vectors"), used))
static const void *const size__vectors[2] = { size__stack_top, (const void *)size__reset };
