/*
 * guestos/main.c — from either boot path to the first process: take the
 * boot_info (vmlab's, or one built from QEMU's PVH start info), set up the
 * CPU, memory, programs, swap and timer, start the programs the command
 * line names, and run the scheduler. Also the clean shutdown.
 *
 * Command line (space-separated words):
 *   mem=SIZE             at most SIZE bytes (K/M/G suffix) of user pages
 *                        resident at once; more pages go to the swap disk
 *   run=P[:ARG],P2,...   start these programs in this order (default: hello)
 *   kpanic               test hook: fault in the kernel after boot, to
 *                        exercise the panic path (registers, CR2, exit 3)
 * Unknown words are reported and ignored.
 */
#include "guestos/kernel.h"
#include "guestos/vmlab.h"
#include "guestos/pvh.h"

#define DEBUG_EXIT_PORT 0xf4
#define HVM_START_MAGIC 0x336ec578u
#define E820_RAM 1
#define MEM_MIN (64ull << 10) /* fewer resident pages could livelock one instruction */

struct boot_info kboot;
uint64_t mem_limit_pages;
static char run_list[BOOT_CMDLINE_MAX];
static int test_panic;

/* vmlab's path: keep a copy of its boot_info (its page is reusable). */
void boot_from_vmlab(uint64_t boot_info_pa)
{
	kboot = *(const struct boot_info *)P2V(boot_info_pa);
	kboot.cmdline[BOOT_CMDLINE_MAX - 1] = '\0';
	if (kboot.nmodules > BOOT_MAX_MODULES)
		kboot.nmodules = BOOT_MAX_MODULES;
	for (uint32_t i = 0; i < kboot.nmodules; i++)
		kboot.modules[i].name[BOOT_NAME_MAX - 1] = '\0';
	kmain();
}

/* Last path component of s, at most n-1 bytes, into d. */
static void basename_copy(char *d, const char *s, size_t n)
{
	const char *b = s;
	for (const char *c = s; *c && *c != ' '; c++)
		if (*c == '/')
			b = c + 1;
	size_t i = 0;
	for (; i + 1 < n && b[i] && b[i] != ' '; i++)
		d[i] = b[i];
	d[i] = '\0';
}

/* QEMU's PVH path: translate hvm_start_info into a boot_info. RAM is the
 * memory-map RAM range that contains 1 MiB (the kernel's load address). */
void boot_from_pvh(uint32_t start_info_pa)
{
	const struct hvm_start_info *si = P2V(start_info_pa);
	console_init();
	if (si->magic != HVM_START_MAGIC)
		panic("PVH start info has bad magic 0x%x", si->magic);
	kboot.magic = BOOT_INFO_MAGIC;
	kboot.version = BOOT_INFO_VERSION;
	kboot.booted_by = BOOT_FROM_PVH;
	if (si->version < 1 || !si->memmap_paddr)
		panic("PVH start info has no memory map (version %u)", si->version);
	const struct hvm_memmap_entry *mm = P2V(si->memmap_paddr);
	for (uint32_t i = 0; i < si->memmap_entries; i++)
		if (mm[i].type == E820_RAM && mm[i].addr <= BOOT_FREE_PA &&
		    mm[i].addr + mm[i].size > BOOT_FREE_PA)
			kboot.mem_size = mm[i].addr + mm[i].size;
	if (si->cmdline_paddr)
		kstrlcpy(kboot.cmdline, P2V(si->cmdline_paddr), sizeof kboot.cmdline);
	const struct hvm_modlist_entry *ml = P2V(si->modlist_paddr);
	for (uint32_t i = 0; i < si->nr_modules && i < BOOT_MAX_MODULES; i++) {
		struct boot_module *m = &kboot.modules[kboot.nmodules++];
		m->pa = ml[i].paddr;
		m->size = ml[i].size;
		const char *name = ml[i].cmdline_paddr ? P2V(ml[i].cmdline_paddr) : "";
		basename_copy(m->name, *name ? name : "initrd", sizeof m->name);
	}
	extern char _kernel_end[];
	kboot.kernel_end = V2P(_kernel_end);
	kmain();
}

/* "2M" -> 2 MiB; 0 if malformed. */
static uint64_t parse_size(const char *s, size_t len)
{
	uint64_t v = 0;
	size_t i = 0;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	if (i == 0)
		return 0;
	if (i + 1 == len) {
		char c = s[i];
		if (c == 'K' || c == 'k')
			v <<= 10;
		else if (c == 'M' || c == 'm')
			v <<= 20;
		else if (c == 'G' || c == 'g')
			v <<= 30;
		else
			return 0;
	} else if (i != len) {
		return 0;
	}
	return v;
}

static void parse_cmdline(const char *s)
{
	kstrlcpy(run_list, "hello", sizeof run_list);
	while (*s) {
		while (*s == ' ')
			s++;
		size_t n = 0;
		while (s[n] && s[n] != ' ')
			n++;
		if (n == 0)
			break;
		if (n > 4 && strncmp(s, "mem=", 4) == 0) {
			uint64_t bytes = parse_size(s + 4, n - 4);
			if (bytes >= MEM_MIN)
				mem_limit_pages = bytes / PAGE_SIZE;
			else
				kprintf("[kernel] ignoring mem= value (need a size of at least 64K)\n");
		} else if (n > 4 && strncmp(s, "run=", 4) == 0) {
			size_t k = n - 4 < sizeof run_list - 1 ? n - 4 : sizeof run_list - 1;
			memcpy(run_list, s + 4, k);
			run_list[k] = '\0';
		} else if (n == 6 && strncmp(s, "kpanic", 6) == 0) {
			test_panic = 1;
		} else {
			char word[64];
			kstrlcpy(word, s, n + 1 < sizeof word ? n + 1 : sizeof word);
			kprintf("[kernel] ignoring unknown option %s\n", word);
		}
		s += n;
	}
}

/* Start every program of run_list ("a,b:arg,c") in order. */
static void start_programs(void)
{
	const char *s = run_list;
	while (*s) {
		char name[BOOT_NAME_MAX], arg[ARG_MAX];
		size_t n = 0, a = 0;
		while (s[n] && s[n] != ',' && s[n] != ':')
			n++;
		kstrlcpy(name, s, n + 1 < sizeof name ? n + 1 : sizeof name);
		s += n;
		if (*s == ':') {
			s++;
			while (s[a] && s[a] != ',')
				a++;
		}
		kstrlcpy(arg, s, a + 1 < sizeof arg ? a + 1 : sizeof arg);
		s += a;
		if (*s == ',')
			s++;
		if (proc_spawn(name, arg, 0) < 0)
			kprintf("[kernel] run: cannot start %s\n", name);
	}
}

void kmain(void)
{
	console_init();
	vmlab_detect(); /* vmlab.h: paravirt / software-managed TLB, silently */
	cpu_init();
	swtlb_init();
	cpu_set_kstack(0);
	parse_cmdline(kboot.cmdline);
	vm_init();
	kalloc_init();
	programs_init();
	swap_init();
	timer_init();
	kprintf("[kernel] %s\n", KERNEL_NAME);
	if (mem_limit_pages)
		kprintf("[kernel] mem: at most %lu user pages resident%s\n", mem_limit_pages,
			swap_available() ? "" : " (no swap disk!)");
	kprintf("[kernel] run: %s\n", run_list);
	if (test_panic) /* an unmapped kernel address: #PF at CPL 0 -> panic */
		(void)*(volatile uint64_t *)0xffff900000000000ull;
	start_programs();
	scheduler();
}

/* All processes are gone: report swap use and stop the machine cleanly. */
void machine_shutdown(void)
{
	swap_report();
	kprintf("[kernel] all processes exited; shutting down\n");
	if (kboot.booted_by != BOOT_FROM_VMLAB)
		outb(DEBUG_EXIT_PORT, 0); /* QEMU isa-debug-exit: exit status 1 */
	for (;;)
		__asm__ volatile("cli; hlt"); /* vmlab: ends the VM with status 0 */
}
