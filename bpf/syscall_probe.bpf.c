/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Process, socket-descriptor and executable-mapping tracking for DAF (docs/tracking.md). tp_btf programs only:
 * they need no tracefs and no kprobes/trampolines (fentry/fexit are refused on our kernels).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "daf_events.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* Events lost because the ring buffer was full: the reader reports it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} dropped SEC(".maps");

/*
 * Per-process generation counters, read by user space through a read-only mmap (docs/tracking.md, "Generations"):
 * bumped synchronously in the process's own context, before the syscall returns, whenever its identity may have
 * changed. An image read after reading generation G is stale once the process's counter differs from G (in the
 * fields user space compares). Indexed by tgid. User space creates the map sized from /proc/sys/kernel/pid_max and
 * hands it to libbpf (bpf_map__reuse_fd) before load; the size here only serves loads that do not.
 * Four 16-bit fields (a field that wraps carries into the next one up, which only costs a needless re-read; the top
 * one's carry is lost):
 *   bits  0..15  executable memory unmapped (munmap over a VM_EXEC mapping);
 *   bits 16..31  file code mapped (mmap/mprotect with PROT_EXEC of a file that is not in-memory);
 *   bits 32..47  exec, or a new thread group under this pid (fork): the image is replaced;
 *   bits 48..63  anonymous or in-memory (memfd, SysV shm) code mapped: it only ever makes a process unverifiable,
 *                so user space ignores it for an image that is unverifiable already (JIT compilers map code all the time).
 */
#define DAF_GENERATION_UNMAPPED  (1ULL << 0)
#define DAF_GENERATION_FILE_CODE (1ULL << 16)
#define DAF_GENERATION_EXEC      (1ULL << 32)
#define DAF_GENERATION_ANON_CODE (1ULL << 48)

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} generations SEC(".maps");

/*
 * When each process exited (bpf_ktime_get_ns of its last thread's exit; 0 while it lives), by tgid. Like
 * `generations`, user space creates it with pid_max entries and reads it through a shared mapping: a holder that
 * exited more than the grace delay ago cannot have sent a packet that another, living holder of the same socket
 * sent afterwards, whether or not the tracker has applied the exit event yet. A fork of a new thread group clears it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} exits SEC(".maps");

/*
 * How many new thread groups each process has forked, by tgid (docs/tracking.md, "Forks"). Like `exits`, user space
 * creates it with pid_max entries and reads it through a shared mapping. The fork shares the parent's sockets with the
 * child: a packet of the parent's judged while the parent's counter differs from the count the holder table has applied
 * (the FORK event carries it) would be judged without the child, so it waits for the tracker. A fork clears the child's.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} forks SEC(".maps");

/* Counts a fork of `parent` and clears the new `child`'s count; returns the parent's count after this fork (0: no map). */
static __always_inline __u64 count_fork(__u32 parent, __u32 child)
{
	__u64 *forked = bpf_map_lookup_elem(&forks, &child);

	if (forked)
		*(volatile __u64 *)forked = 0; /* the child has not run yet: it cannot have forked */
	forked = bpf_map_lookup_elem(&forks, &parent);
	if (!forked)
		return 0;
	return __sync_fetch_and_add(forked, 1) + 1;
}

static __always_inline void set_exited(__u32 tgid, __u64 when)
{
	__u64 *exited = bpf_map_lookup_elem(&exits, &tgid);

	if (exited)
		*(volatile __u64 *)exited = when; /* one aligned store: readers never see half of it */
}

static __always_inline void bump_generation(__u32 tgid, __u64 amount)
{
	__u64 *generation = bpf_map_lookup_elem(&generations, &tgid);

	if (generation)
		__sync_fetch_and_add(generation, amount);
}

static __always_inline void count_drop(void)
{
	__u32 key = 0;
	__u64 *count = bpf_map_lookup_elem(&dropped, &key);

	if (count)
		__sync_fetch_and_add(count, 1);
}

/* Reserves an event of `length` bytes with its header filled in; NULL (counted in `dropped`) when the ring is full. */
static __always_inline void *reserve(__u16 kind, __u16 length, __u32 pid)
{
	struct daf_event_header *header = bpf_ringbuf_reserve(&events, length, 0);

	if (!header) {
		count_drop();
		return NULL;
	}
	header->kind = kind;
	header->length = length;
	header->pid = pid;
	header->timestamp_ns = bpf_ktime_get_ns();
	return header;
}

/* `forker`: the tgid of the process that forked `task` (a FORK event), 0 for its real parent. */
static __always_inline int emit(__u16 kind, struct task_struct *task, __u32 tid, __u32 exit_code, __u32 forker, __u32 parent_forks)
{
	struct daf_process_event *event = reserve(kind, sizeof(*event), BPF_CORE_READ(task, tgid));

	if (!event)
		return 0;
	event->ppid = forker ? forker : BPF_CORE_READ(task, real_parent, tgid);
	event->tid = tid;
	event->exit_code = exit_code;
	event->parent_forks = parent_forks;
	BPF_CORE_READ_STR_INTO(&event->comm, task, comm);
	bpf_ringbuf_submit(event, 0);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(daf_process_fork, struct task_struct *parent, struct task_struct *child)
{
	/* Threads share their process's descriptors and maps: only new thread groups matter. */
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return 0;
	/* A reused pid: whatever image user space still keeps under it is another process's. */
	bump_generation(BPF_CORE_READ(child, tgid), DAF_GENERATION_EXEC);
	set_exited(BPF_CORE_READ(child, tgid), 0);
	/* Counted before the event is emitted: the parent's packets after the fork find it (it runs in the parent). */
	__u32 forker = BPF_CORE_READ(parent, tgid);
	__u64 parent_forks = count_fork(forker, BPF_CORE_READ(child, tgid));
	/* The forking process, not real_parent (CLONE_PARENT): the child's descriptors are copies of the forker's. */
	return emit(DAF_EVENT_PROCESS_FORK, child, BPF_CORE_READ(parent, pid), 0, forker, (__u32)parent_forks);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(daf_process_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	/* The new mm is installed: an image read after this bump shows the new program. */
	bump_generation(BPF_CORE_READ(task, tgid), DAF_GENERATION_EXEC);
	return emit(DAF_EVENT_PROCESS_EXEC, task, (__u32)old_pid, 0, 0, 0);
}

static __always_inline void emit_exit_image(struct task_struct *task, __u32 tgid, bool last_chance);

SEC("tp_btf/sched_process_exit")
int BPF_PROG(daf_process_exit, struct task_struct *task)
{
	/*
	 * The process is gone only when its last thread exits, which need not be the leader. do_exit()
	 * decrements signal->live before this tracepoint, so zero means "group dead" on every kernel
	 * (6.16+ also passes group_dead as an argument; older ones do not).
	 */
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	set_exited(BPF_CORE_READ(task, tgid), bpf_ktime_get_ns());
	emit_exit_image(task, BPF_CORE_READ(task, tgid), true);
	return emit(DAF_EVENT_PROCESS_EXIT, task, BPF_CORE_READ(task, pid), BPF_CORE_READ(task, exit_code), 0, 0);
}

/*
 * Descriptor and mapping tracking: one raw tracepoint pair over every syscall (tp_btf/sys_enter and
 * tp_btf/sys_exit need no tracefs), filtered by x86-64 syscall number before anything else is read. Only
 * close, dup2 and dup3 need the enter side (what the descriptor referred to before the call); every other
 * call is decided at exit, where the user registers in pt_regs still hold the arguments the kernel acted on
 * (ptrace changes them before sys_enter, never between the call and sys_exit).
 *
 * A descriptor refers to a socket when its file's inode is S_IFSOCK on the sockfs superblock: the mode alone
 * would also accept an O_PATH descriptor of a socket file on disk, which is no socket.
 *
 * Known gaps (user space rescans /proc/PID/fd when it has to): io_uring (IORING_OP_SOCKET, _ACCEPT, _CLOSE,
 * fixed files) makes and closes sockets without these syscalls; 32-bit (ia32) syscalls are ignored; exec
 * closes O_CLOEXEC descriptors without a close() (user space re-reads descriptors on PROCESS_EXEC).
 */

#define NR_close        3
#define NR_mmap         9
#define NR_mprotect     10
#define NR_munmap       11
#define NR_dup          32
#define NR_dup2         33
#define NR_socket       41
#define NR_accept       43
#define NR_recvmsg      47
#define NR_socketpair   53
#define NR_fcntl        72
#define NR_accept4      288
#define NR_dup3         292
#define NR_recvmmsg     299
#define NR_pkey_mprotect 329
#define NR_close_range  436
#define NR_exit_group   231
#define NR_pidfd_getfd  438

#define F_DUPFD            0
#define F_DUPFD_CLOEXEC    1030
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#define PROT_EXEC          0x4
#define VM_EXEC            0x4
#define MAP_ANONYMOUS      0x20
#define S_IFMT             00170000
#define S_IFSOCK           0140000
#define SOCKFS_MAGIC       0x534F434B
#define TMPFS_MAGIC        0x01021994
#define HUGETLBFS_MAGIC    0x958458f6
#define AF_UNIX            1
#define TS_COMPAT          0x0002
#define EBADF              9
#define EBUSY              16
#define RECVMMSG_SCAN      16

/* What close/dup2/dup3 found at the target descriptor on entry; keyed by pid_tgid (one syscall per thread). */
struct pending_fd {
	__u64 inode;
	__s32 fd;
	__u32 nr;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct pending_fd);
} pending SEC(".maps");

static __always_inline bool is_compat(struct task_struct *task)
{
	return BPF_CORE_READ(task, thread_info.status) & TS_COMPAT;
}

static __always_inline struct file *file_at(struct task_struct *task, int fd)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **array;
	struct file *file = NULL;

	if (!fdt || fd < 0 || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	array = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&file, sizeof(file), &array[fd]);
	return file;
}

static __always_inline struct socket *socket_of(struct file *file, __u64 *inode)
{
	struct inode *node;

	if (!file)
		return NULL;
	node = BPF_CORE_READ(file, f_inode);
	if (!node || (BPF_CORE_READ(node, i_mode) & S_IFMT) != S_IFSOCK
	    || BPF_CORE_READ(node, i_sb, s_magic) != SOCKFS_MAGIC)
		return NULL;
	*inode = BPF_CORE_READ(node, i_ino);
	return BPF_CORE_READ(file, private_data);
}

static __always_inline int emit_fd(__u16 kind, __u64 pid_tgid, int fd, int fd_last, __u64 inode, __u64 cookie)
{
	struct daf_fd_event *event = reserve(kind, sizeof(*event), pid_tgid >> 32);

	if (!event)
		return 0;
	event->tid = (__u32)pid_tgid;
	event->fd = fd;
	event->fd_last = fd_last;
	event->reserved = 0;
	event->inode = inode;
	event->cookie = cookie;
	bpf_ringbuf_submit(event, 0);
	return 0;
}

/* FD_SOCKET when fd refers to a socket now; otherwise FD_CLOSED when it referred to one before (dup2/dup3). */
static __always_inline int emit_if_socket(struct task_struct *task, __u64 pid_tgid, int fd, __u64 inode_before)
{
	__u64 inode = 0;
	struct socket *sock = socket_of(file_at(task, fd), &inode);

	if (sock)
		return emit_fd(DAF_EVENT_FD_SOCKET, pid_tgid, fd, fd, inode,
			       BPF_CORE_READ(sock, sk, __sk_common.skc_cookie.counter));
	if (inode_before)
		return emit_fd(DAF_EVENT_FD_CLOSED, pid_tgid, fd, fd, 0, 0);
	return 0;
}

static __always_inline bool is_unix_socket(struct task_struct *task, int fd)
{
	__u64 inode = 0;
	struct socket *sock = socket_of(file_at(task, fd), &inode);

	return sock && BPF_CORE_READ(sock, sk, __sk_common.skc_family) == AF_UNIX;
}

/* The kernel writes back how much control data it stored: > 0 means SCM_RIGHTS may have installed fds. */
static __always_inline bool received_control(struct user_msghdr *msg)
{
	__kernel_size_t controllen = 0;

	bpf_probe_read_user(&controllen, sizeof(controllen), &msg->msg_controllen);
	return controllen > 0;
}

static __always_inline bool mmsg_received_control(struct mmsghdr *vec, long count)
{
	for (int i = 0; i < RECVMMSG_SCAN; i++) {
		if (i >= count)
			return false;
		if (received_control(&vec[i].msg_hdr))
			return true;
	}
	return true; /* more messages than we look at: assume descriptors */
}

static __always_inline int emit_mapping(__u16 kind, __u64 pid_tgid, __u64 start, __u64 length, __u32 prot,
					__u64 inode, __u32 device, __u32 flags)
{
	struct daf_mapping_event *event = reserve(kind, sizeof(*event), pid_tgid >> 32);

	if (!event)
		return 0;
	event->tid = (__u32)pid_tgid;
	event->prot = prot;
	event->start = start;
	event->length = length;
	event->inode = inode;
	event->device = device;
	event->flags = flags;
	bpf_ringbuf_submit(event, 0);
	return 0;
}

/* User space's st_dev: new_encode_dev() of the kernel's dev_t (major in the top 12 bits, minor in the low 20). */
static __always_inline __u32 user_dev(dev_t dev)
{
	__u32 major = dev >> 20, minor = dev & 0xfffff;

	return (minor & 0xff) | (major << 8) | ((minor & ~0xffU) << 12);
}

struct file_identity {
	__u64 inode;
	__u32 device;
	bool in_memory;
};

/*
 * memfd and SysV shared memory: unlinked shmem (or hugetlbfs) files named "memfd:..." or "SYSV...", as user space
 * classifies them from /proc/PID/maps (they cannot be hashed: the process is unverifiable). Anything else, even on
 * tmpfs, is a file that user space hashes.
 */
static __always_inline bool is_in_memory_file(struct file *file, struct inode *node)
{
	unsigned long magic = BPF_CORE_READ(node, i_sb, s_magic);
	const unsigned char *name;
	char prefix[6] = {};

	if ((magic != TMPFS_MAGIC && magic != HUGETLBFS_MAGIC) || BPF_CORE_READ(node, __i_nlink) != 0)
		return false;
	name = BPF_CORE_READ(file, f_path.dentry, d_name.name);
	if (bpf_probe_read_kernel(prefix, sizeof(prefix), name))
		return false;
	return (prefix[0] == 'm' && prefix[1] == 'e' && prefix[2] == 'm' && prefix[3] == 'f' && prefix[4] == 'd' && prefix[5] == ':')
	       || (prefix[0] == 'S' && prefix[1] == 'Y' && prefix[2] == 'S' && prefix[3] == 'V');
}

/* Fills `out` from the file's inode; false (and `out` untouched) when there is no file. */
static __always_inline bool identify_file(struct file *file, struct file_identity *out)
{
	struct inode *node = BPF_CORE_READ(file, f_inode);

	if (!node)
		return false;
	out->inode = BPF_CORE_READ(node, i_ino);
	out->device = user_dev(BPF_CORE_READ(node, i_sb, s_dev));
	out->in_memory = is_in_memory_file(file, node);
	return true;
}

/* What mapping code of this kind changes in the process's identity (see `generations`). */
static __always_inline __u64 code_generation(bool file_backed, const struct file_identity *file)
{
	return file_backed && !file->in_memory ? DAF_GENERATION_FILE_CODE : DAF_GENERATION_ANON_CODE;
}

struct vma_file {
	struct file_identity file;
	bool found;     /* the VMA was found (bpf_find_vma got mmap_lock) */
	bool has_file;  /* it maps a file */
};

static long identify_vma_file(struct task_struct *task, struct vm_area_struct *vma, struct vma_file *out)
{
	out->found = true;
	out->has_file = identify_file(BPF_CORE_READ(vma, vm_file), &out->file);
	return 0;
}

struct unmap_range {
	__u64 end;
	bool executable;
};

static long find_executable(struct task_struct *task, struct vm_area_struct *vma, struct unmap_range *range)
{
	range->executable = BPF_CORE_READ(vma, vm_start) < range->end && (BPF_CORE_READ(vma, vm_flags) & VM_EXEC);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(daf_sys_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task;
	struct pending_fd stash;
	__u64 pid_tgid, inode = 0;
	int fd;

	if (id == NR_exit_group) {
		/* A first chance for the exit list, in case the address space cannot be read at the exit itself. */
		task = bpf_get_current_task_btf();
		if (!is_compat(task) && BPF_CORE_READ(task, signal, nr_threads) == 1)
			emit_exit_image(task, task->tgid, false);
		return 0;
	}
	if (id == NR_munmap) {
		/*
		 * Whether executable memory goes away is known only before the call. The first VMA of the range decides
		 * (as for mprotect); when mmap_lock is contended (-EBUSY) we assume it was executable.
		 */
		struct unmap_range range = { .end = regs->di + regs->si, .executable = false };

		task = bpf_get_current_task_btf();
		if (is_compat(task))
			return 0;
		if (bpf_find_vma(task, regs->di, find_executable, &range, 0) == -EBUSY)
			range.executable = true;
		if (!range.executable)
			return 0;
		pid_tgid = bpf_get_current_pid_tgid();
		stash.inode = 0;
		stash.fd = -1;
		stash.nr = id;
		bpf_map_update_elem(&pending, &pid_tgid, &stash, BPF_ANY);
		return 0;
	}
	if (id == NR_close)
		fd = regs->di;
	else if (id == NR_dup2 || id == NR_dup3)
		fd = regs->si;
	else
		return 0;
	task = bpf_get_current_task_btf();
	if (is_compat(task) || !socket_of(file_at(task, fd), &inode))
		return 0;
	pid_tgid = bpf_get_current_pid_tgid();
	stash.inode = inode;
	stash.fd = fd;
	stash.nr = id;
	bpf_map_update_elem(&pending, &pid_tgid, &stash, BPF_ANY);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(daf_sys_exit, struct pt_regs *regs, long ret)
{
	long id = regs->orig_ax;
	struct task_struct *task;
	struct pending_fd *stash;
	__u64 pid_tgid, inode_before = 0;

	switch (id) {
	case NR_close: case NR_dup2: case NR_dup3:
	case NR_socket: case NR_socketpair: case NR_accept: case NR_accept4: case NR_dup:
	case NR_fcntl: case NR_pidfd_getfd: case NR_close_range: case NR_recvmsg: case NR_recvmmsg:
	case NR_mmap: case NR_mprotect: case NR_pkey_mprotect: case NR_munmap:
		break;
	default:
		return 0;
	}
	pid_tgid = bpf_get_current_pid_tgid();
	if (id == NR_munmap) {
		stash = bpf_map_lookup_elem(&pending, &pid_tgid);
		if (stash) {
			if (stash->nr == id && ret == 0)
				bump_generation(pid_tgid >> 32, DAF_GENERATION_UNMAPPED);
			bpf_map_delete_elem(&pending, &pid_tgid);
		}
	} else if (id == NR_close || id == NR_dup2 || id == NR_dup3) {
		stash = bpf_map_lookup_elem(&pending, &pid_tgid);
		if (stash) {
			if (stash->nr == id)
				inode_before = stash->inode;
			bpf_map_delete_elem(&pending, &pid_tgid);
		}
		if (id == NR_close) {
			/* Linux releases the descriptor even when close() fails, except with EBADF. */
			if (inode_before && ret != -EBADF)
				emit_fd(DAF_EVENT_FD_CLOSED, pid_tgid, (int)regs->di, (int)regs->di, 0, 0);
			return 0;
		}
	}
	if (ret < 0) /* also mmap: user addresses are below 2^63, errors are -errno */
		return 0;
	task = bpf_get_current_task_btf();
	if (is_compat(task))
		return 0;

	switch (id) {
	case NR_socket: case NR_accept: case NR_accept4: case NR_dup: case NR_pidfd_getfd:
	case NR_dup2: case NR_dup3:
		return emit_if_socket(task, pid_tgid, ret, inode_before);
	case NR_fcntl:
		if (regs->si == F_DUPFD || regs->si == F_DUPFD_CLOEXEC)
			return emit_if_socket(task, pid_tgid, ret, 0);
		return 0;
	case NR_socketpair: {
		int sv[2] = {};

		if (bpf_probe_read_user(sv, sizeof(sv), (void *)regs->r10))
			return 0;
		emit_if_socket(task, pid_tgid, sv[0], 0);
		return emit_if_socket(task, pid_tgid, sv[1], 0);
	}
	case NR_close_range: {
		unsigned int first = regs->di, last = regs->si;

		if (regs->dx & CLOSE_RANGE_CLOEXEC)
			return 0;
		return emit_fd(DAF_EVENT_FD_RANGE_CLOSED, pid_tgid, first > 0x7fffffff ? 0x7fffffff : first,
			       last > 0x7fffffff ? 0x7fffffff : last, 0, 0);
	}
	case NR_recvmsg:
		if (!received_control((struct user_msghdr *)regs->si) || !is_unix_socket(task, regs->di))
			return 0;
		return emit_fd(DAF_EVENT_FDS_RECEIVED, pid_tgid, regs->di, regs->di, 0, 0);
	case NR_recvmmsg:
		if (ret == 0 || !is_unix_socket(task, regs->di) || !mmsg_received_control((struct mmsghdr *)regs->si, ret))
			return 0;
		return emit_fd(DAF_EVENT_FDS_RECEIVED, pid_tgid, regs->di, regs->di, 0, 0);
	case NR_mmap: {
		__u32 prot = regs->dx;
		struct file_identity file = {};
		__u32 flags = 0;

		if (!(prot & PROT_EXEC))
			return 0;
		if (!(regs->r10 & MAP_ANONYMOUS) && identify_file(file_at(task, regs->r8), &file))
			flags = DAF_MAPPING_FILE;
		bump_generation(pid_tgid >> 32, code_generation(flags & DAF_MAPPING_FILE, &file));
		return emit_mapping(DAF_EVENT_EXEC_MAPPED, pid_tgid, ret, regs->si, prot, file.inode, file.device, flags);
	}
	case NR_mprotect: case NR_pkey_mprotect: {
		__u32 prot = regs->dx;
		struct vma_file vma = {};

		if (!(prot & PROT_EXEC))
			return 0;
		/*
		 * find_vma under a trylock of mmap_lock: on contention (-EBUSY) the file stays unknown (0), and the change
		 * counts as file code (the field user space always compares).
		 */
		bpf_find_vma(task, regs->di, identify_vma_file, &vma, 0);
		bump_generation(pid_tgid >> 32, vma.found ? code_generation(vma.has_file, &vma.file) : DAF_GENERATION_FILE_CODE);
		return emit_mapping(DAF_EVENT_EXEC_MAPPED, pid_tgid, regs->di, regs->si, prot, vma.file.inode, vma.file.device,
				    DAF_MAPPING_MPROTECT | (vma.file.inode ? DAF_MAPPING_FILE : 0));
	}
	case NR_munmap:
		return emit_mapping(DAF_EVENT_UNMAPPED, pid_tgid, regs->di, regs->si, 0, 0, 0, 0);
	}
	return 0;
}

/*
 * Socket release (docs/tracking.md, "Released sockets"): a process that sends a datagram and exits has its socket
 * unhashed microseconds later, usually before sock_diag is asked. inet_release() runs this hook before the
 * protocol's close unhashes the socket, in the context of the task dropping the last reference (on exit: the exiting
 * process, from exit_files' task work), so the event names the socket's addresses, inode and holder. Attached to the
 * cgroup2 root (user space finds it), it sees every process. The bpf_sock context exposes no local address to this
 * hook: it is read from the struct sock the context points to.
 */
#define AF_INET         2
#define AF_INET6        10
#define PF_KTHREAD      0x00200000

SEC("cgroup/sock_release")
int daf_sock_release(struct bpf_sock *ctx)
{
	struct sock *sk = (struct sock *)ctx;
	struct daf_socket_event *event;
	struct task_struct *task;
	__u64 pid_tgid;
	__u16 family = ctx->family;
	__u8 protocol = ctx->protocol;
	__u16 local_port;

	if ((family != AF_INET && family != AF_INET6) || (protocol != IPPROTO_TCP && protocol != IPPROTO_UDP))
		return 1;
	/* Never bound (no send autobinds, no connect, no bind): it queued no packet, and a socket churn costs nothing more. */
	local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (local_port == 0)
		return 1;
	pid_tgid = bpf_get_current_pid_tgid();
	event = reserve(DAF_EVENT_SOCKET_RELEASED, sizeof(*event), pid_tgid >> 32);
	if (!event)
		return 1;
	task = (struct task_struct *)bpf_get_current_task();
	event->tid = (__u32)pid_tgid;
	event->family = family;
	event->protocol = protocol;
	event->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	event->local_port = local_port;
	event->remote_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	event->flags = (BPF_CORE_READ(task, flags) & PF_KTHREAD) ? DAF_SOCKET_KERNEL_THREAD : 0;
	__builtin_memset(event->local_address, 0, sizeof(event->local_address));
	__builtin_memset(event->remote_address, 0, sizeof(event->remote_address));
	if (family == AF_INET) {
		BPF_CORE_READ_INTO((__be32 *)event->local_address, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__be32 *)event->remote_address, sk, __sk_common.skc_daddr);
	} else {
		BPF_CORE_READ_INTO((struct in6_addr *)event->local_address, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO((struct in6_addr *)event->remote_address, sk, __sk_common.skc_v6_daddr);
	}
	event->inode = BPF_CORE_READ(sk, sk_socket, file, f_inode, i_ino);
	event->cookie = bpf_get_socket_cookie(ctx);
	event->netns_cookie = bpf_get_netns_cookie(ctx);
	bpf_ringbuf_submit(event, 0);
	return 1;
}

/*
 * Exit images (docs/tracking.md, "Exit images"): processes that made an inet socket are marked at socket creation;
 * when such a process exits, the probe lists its executable mappings before the address space goes (Linux 6.16+ runs
 * sched_process_exit before exit_mm), so user space can name its objects from the digest cache even when it never
 * read /proc/PID/maps. The new executable of each exec is reported with its path (EXEC_FILE), so an executable
 * the cache does not know yet can be hashed from that path once its identity is checked.
 */
#define VM_WRITE 0x2
#define DAF_EXIT_IMAGE_LOCK_ATTEMPTS 8
#define VM_EXEC  0x4
#define NSEC_MASK 0x3fffffffU

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u8);
} inet_processes SEC(".maps");

extern int bpf_iter_task_vma_new(struct bpf_iter_task_vma *it, struct task_struct *task, __u64 addr) __ksym;
extern struct vm_area_struct *bpf_iter_task_vma_next(struct bpf_iter_task_vma *it) __ksym;
extern void bpf_iter_task_vma_destroy(struct bpf_iter_task_vma *it) __ksym;

SEC("cgroup/sock_create")
int daf_sock_create(struct bpf_sock *ctx)
{
	__u32 tgid;
	__u8 one = 1;

	if ((ctx->family != AF_INET && ctx->family != AF_INET6)
	    || (ctx->protocol != IPPROTO_TCP && ctx->protocol != IPPROTO_UDP))
		return 1;
	tgid = bpf_get_current_pid_tgid() >> 32;
	bpf_map_update_elem(&inet_processes, &tgid, &one, BPF_NOEXIST);
	return 1;
}

static __always_inline void describe_file(struct file *file, struct daf_image_object *out)
{
	struct inode *node = BPF_CORE_READ(file, f_inode);

	out->inode = BPF_CORE_READ(node, i_ino);
	out->size = BPF_CORE_READ(node, i_size);
	/* Nanoseconds are below 2^30; multigrain timestamps (6.13+) keep a flag in the top bit of i_ctime_nsec. */
	out->mtime_ns = BPF_CORE_READ(node, i_mtime_sec) * 1000000000LL + (BPF_CORE_READ(node, i_mtime_nsec) & NSEC_MASK);
	out->ctime_ns = BPF_CORE_READ(node, i_ctime_sec) * 1000000000LL + (BPF_CORE_READ(node, i_ctime_nsec) & NSEC_MASK);
	out->device = user_dev(BPF_CORE_READ(node, i_sb, s_dev));
}

/*
 * Called from daf_process_exit for the group's last thread (last_chance), and earlier from daf_sys_enter when a
 * single-threaded process calls exit_group (no thread of it can map code any more). The first list read wins; an
 * early attempt that cannot read the address space emits nothing and leaves the process to its exit.
 */
static __always_inline void emit_exit_image(struct task_struct *task, __u32 tgid, bool last_chance)
{
	struct daf_exit_image_event *event;
	struct bpf_iter_task_vma it;
	struct vm_area_struct *vma;
	void *vdso;
	__u32 count = 0;
	int err, attempt;

	if (!bpf_map_lookup_elem(&inet_processes, &tgid))
		return;
	event = reserve(DAF_EVENT_EXIT_IMAGE, sizeof(*event), tgid);
	if (!event) {
		bpf_map_delete_elem(&inet_processes, &tgid);
		return;
	}
	event->flags = 0;
	vdso = BPF_CORE_READ(task, mm, context.vdso);
	/*
	 * The iterator must be destroyed even when creating it failed (no mm, no memory, or mmap_lock contended: it only
	 * try-locks). A contended lock is tried again a few times; what failed is reported (docs/tracking.md).
	 */
	err = bpf_iter_task_vma_new(&it, task, 0);
	for (attempt = 0; err == -EBUSY && attempt < DAF_EXIT_IMAGE_LOCK_ATTEMPTS; attempt++) {
		bpf_iter_task_vma_destroy(&it);
		err = bpf_iter_task_vma_new(&it, task, 0);
	}
	if (err != 0) {
		bpf_iter_task_vma_destroy(&it);
		if (!last_chance) {
			bpf_ringbuf_discard(event, 0);
			return;
		}
		event->flags = DAF_EXIT_IMAGE_UNAVAILABLE | ((__u32)(-err) & 0xff) << DAF_EXIT_IMAGE_ERRNO_SHIFT;
	} else {
		while ((vma = bpf_iter_task_vma_next(&it))) {
			unsigned long vm_flags = vma->vm_flags;
			struct daf_image_object *object;
			struct file *file;

			if (!(vm_flags & VM_EXEC))
				continue;
			file = vma->vm_file;
			if (!file && (void *)vma->vm_start == vdso)
				continue; /* the kernel's vDSO, as user space skips [vdso] */
			if (count >= DAF_EXIT_IMAGE_MAX) {
				event->flags |= DAF_EXIT_IMAGE_TRUNCATED;
				break;
			}
			object = &event->objects[count & (DAF_EXIT_IMAGE_MAX - 1)];
			__builtin_memset(object, 0, sizeof(*object));
			if (file)
				describe_file(file, object);
			else
				object->flags = DAF_IMAGE_OBJECT_ANONYMOUS;
			if (vm_flags & VM_WRITE)
				object->flags |= DAF_IMAGE_OBJECT_WRITABLE;
			count++;
		}
		bpf_iter_task_vma_destroy(&it);
		if (count == 0 && !last_chance) {
			bpf_ringbuf_discard(event, 0);
			return;
		}
		if (count == 0)
			event->flags |= DAF_EXIT_IMAGE_UNAVAILABLE; /* no executable mapping at all: the mm was already gone */
	}
	bpf_map_delete_elem(&inet_processes, &tgid);
	event->count = count;
	bpf_ringbuf_submit(event, 0);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(daf_exec_file, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	struct daf_exec_file_event *event;
	struct file *file = BPF_CORE_READ(bprm, file);
	long length;

	if (!file)
		return 0;
	event = reserve(DAF_EVENT_EXEC_FILE, sizeof(*event), BPF_CORE_READ(task, tgid));
	if (!event)
		return 0;
	__builtin_memset(&event->object, 0, sizeof(event->object));
	describe_file(file, &event->object);
	length = bpf_probe_read_kernel_str(event->path, sizeof(event->path), BPF_CORE_READ(bprm, filename));
	event->path_length = length > 0 ? length - 1 : 0;
	event->reserved = 0;
	bpf_ringbuf_submit(event, 0);
	return 0;
}
