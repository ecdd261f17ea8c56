/* kernel_slab.c — memory the way a kernel manages it.
 *
 * A buddy allocator owns 64 pages of "physical memory". Two object caches take their
 * slabs (one page each) from it: inodes and task structs, each with a constructor that
 * runs once per object when its slab is made (Bonwick's object caching: an object freed
 * keeps its constructed state, so the next allocation skips the set-up). Beside them a
 * kmalloc serves odd sizes from size-class caches whose slabs come from the same buddy,
 * and sends large requests to the buddy directly. The buddy map and the slab maps are
 * printed as objects come and go: watch slabs go full, partial and empty, and pages go
 * back to the buddy and merge.
 */
#define ALLOC_IMPLEMENTATION
#define ALLOC_DUMP
#include "alloc.h"
#include "stb_sprintf.h"
#include <stdio.h>
#include <string.h>

static void write_stdout(void *user, const char *text, size_t len)
{
    (void)user;
    fwrite(text, 1, len, stdout);
}

static void say(const char *fmt, int a, int b)
{
    char line[160];
    stbsp_snprintf(line, sizeof line, fmt, a, b);
    fputs(line, stdout);
}

#define PAGE  4096
#define PAGES 64
/* Physical memory: 64 pages plus the buddy's half byte per page, aligned by hand to its
   256 KiB so that the buddy sees one top-level block. */
static unsigned char ram[PAGES * PAGE * 2 + PAGE];

/* Kernel-like objects. The constructor sets up what an object needs in every state (the
   lock, the list heads); the allocation path then only fills in the identity. */
typedef struct list_head { struct list_head *next, *prev; } list_head;
typedef struct inode {
    unsigned long ino;
    unsigned      mode, nlink;
    long long     size;
    int           lock;          /* 0 = unlocked: constructed state */
    list_head     dirty;         /* empty list: constructed state */
    char          name[24];
} inode;
typedef struct task_struct {
    int          pid, state;     /* state 0 = not running: constructed state */
    list_head    children;
    char         comm[16];
    unsigned     kstack[32];
} task_struct;

static int inode_ctors, inode_dtors, task_ctors, task_dtors;

static void inode_ctor(void *obj, void *user)
{
    inode *i = (inode *)obj;
    (void)user;
    memset(i, 0, sizeof *i);
    i->dirty.next = i->dirty.prev = &i->dirty;
    inode_ctors++;
}
static void inode_dtor(void *obj, void *user)
{
    inode *i = (inode *)obj;
    (void)user;
    if (i->lock != 0 || i->dirty.next != &i->dirty) fputs("inode freed in a bad state!\n", stdout);
    inode_dtors++;
}
static void task_ctor(void *obj, void *user)
{
    task_struct *t = (task_struct *)obj;
    (void)user;
    memset(t, 0, sizeof *t);
    t->children.next = t->children.prev = &t->children;
    task_ctors++;
}
static void task_dtor(void *obj, void *user)
{
    (void)obj;
    (void)user;
    task_dtors++;
}

static alloc_buddy phys;
static alloc_slab inodes, tasks;
static alloc_kmalloc km;

static void show_buddy(void)
{
    alloc_buddy_dump(&phys, write_stdout, NULL);
}

int main(void)
{
    unsigned char *mem = ram + alloc__pad((uintptr_t)ram, (size_t)PAGES * PAGE);
    alloc_slab_desc d;
    inode *in[130];
    task_struct *ts[30];
    void *buf[6];
    int i;

    if (alloc_buddy_init(&phys, mem, ALLOC_BUDDY_BUFFER_SIZE(PAGES, PAGE), PAGE) != ALLOC_OK) return 1;

    memset(&d, 0, sizeof d);
    d.name = "inode_cache";
    d.size = sizeof(inode);
    d.slab_size = PAGE;             /* one page per slab, as the kernel's small caches */
    d.ctor = inode_ctor;
    d.dtor = inode_dtor;
    if (alloc_slab_init(&inodes, &d, alloc_buddy_allocator(&phys)) != ALLOC_OK) return 1;
    d.name = "task_struct";
    d.size = sizeof(task_struct);
    d.ctor = task_ctor;
    d.dtor = task_dtor;
    if (alloc_slab_init(&tasks, &d, alloc_buddy_allocator(&phys)) != ALLOC_OK) return 1;
    if (alloc_kmalloc_init(&km, &phys) != ALLOC_OK) return 1;

    fputs("== boot: 64 free pages, no slabs\n", stdout);
    show_buddy();

    fputs("\n== 130 inodes and 30 tasks: each cache takes pages from the buddy\n", stdout);
    for (i = 0; i < 130; i++) {
        in[i] = (inode *)alloc_slab_alloc(&inodes);
        in[i]->ino = 1000u + (unsigned long)i;
        in[i]->nlink = 1;
        stbsp_snprintf(in[i]->name, sizeof in[i]->name, "file%d", i);
    }
    for (i = 0; i < 30; i++) {
        ts[i] = (task_struct *)alloc_slab_alloc(&tasks);
        ts[i]->pid = 100 + i;
        stbsp_snprintf(ts[i]->comm, sizeof ts[i]->comm, "worker/%d", i);
    }
    say("constructors so far: %d inodes, %d tasks (whole slabs, once each)\n", inode_ctors, task_ctors);
    alloc_slab_dump(&inodes, write_stdout, NULL);
    alloc_slab_dump(&tasks, write_stdout, NULL);
    show_buddy();

    fputs("\n== inodes 0-52 and 60-79 are evicted: the first slab empties, the second goes partial\n", stdout);
    for (i = 0; i < 80; i++) {
        if (i >= 53 && i < 60) continue;
        in[i]->nlink = 0;      /* leave the object in its constructed state: */
        in[i]->lock = 0;       /* unlocked, dirty list empty */
        alloc_slab_free(&inodes, in[i]);
    }
    alloc_slab_dump(&inodes, write_stdout, NULL);

    fputs("\n== 40 new inodes: partial slabs are filled before the empty one is touched,\n"
          "   and no constructor runs (the objects are still constructed)\n", stdout);
    for (i = 0; i < 40; i++) in[i] = (inode *)alloc_slab_alloc(&inodes);
    say("constructors so far: %d inodes, %d tasks\n", inode_ctors, task_ctors);
    alloc_slab_dump(&inodes, write_stdout, NULL);

    fputs("\n== kmalloc beside them: small buffers from size classes, one large block\n", stdout);
    buf[0] = alloc_kmalloc_alloc(&km, 100);      /* kmalloc-128 */
    buf[1] = alloc_kmalloc_alloc(&km, 40);       /* kmalloc-48 */
    buf[2] = alloc_kmalloc_alloc(&km, 700);      /* kmalloc-768 */
    buf[3] = alloc_kmalloc_alloc(&km, 120);      /* kmalloc-128 again: same slab */
    buf[4] = alloc_kmalloc_alloc(&km, 20000);    /* large: 32 KiB from the buddy */
    buf[5] = alloc_kmalloc_realloc(&km, buf[1], 90);   /* moves to kmalloc-96 */
    alloc_kmalloc_dump(&km, write_stdout, NULL);
    show_buddy();

    fputs("\n== everything is freed; shrink gives the empty slabs back and the buddy merges\n", stdout);
    for (i = 0; i < 6; i++) if (i != 1) alloc_kmalloc_free(&km, buf[i]);
    for (i = 0; i < 40; i++) alloc_slab_free(&inodes, in[i]);
    for (i = 53; i < 60; i++) alloc_slab_free(&inodes, in[i]);
    for (i = 80; i < 130; i++) alloc_slab_free(&inodes, in[i]);
    for (i = 0; i < 30; i++) alloc_slab_free(&tasks, ts[i]);
    alloc_slab_dump(&inodes, write_stdout, NULL);
    {
        char line[160];
        size_t back = alloc_slab_shrink(&inodes) + alloc_slab_shrink(&tasks) + alloc_kmalloc_shrink(&km);
        stbsp_snprintf(line, sizeof line, "shrink gave back %zu bytes (%zu pages)\n", back, back / PAGE);
        fputs(line, stdout);
    }
    say("destructors: %d inodes (of %d constructed), ", inode_dtors, inode_ctors);
    say("%d tasks (of %d constructed)\n", task_dtors, task_ctors);
    show_buddy();

    if (alloc_slab_check(&inodes) != ALLOC_OK || alloc_slab_check(&tasks) != ALLOC_OK ||
        alloc_kmalloc_check(&km) != ALLOC_OK || alloc_buddy_check(&phys) != ALLOC_OK) {
        fputs("check failed\n", stdout);
        return 1;
    }
    alloc_slab_destroy(&inodes);
    alloc_slab_destroy(&tasks);
    alloc_kmalloc_destroy(&km);
    return inode_ctors == inode_dtors && task_ctors == task_dtors ? 0 : 1;
}
