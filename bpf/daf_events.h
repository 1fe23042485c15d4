/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Events the eBPF programs put into the `events` ring buffer. Every event starts with
 * struct daf_event_header; `length` is the size of the whole event, so a reader skips kinds it does not
 * know and newer versions may append fields. Layouts are fixed, naturally aligned, little-endian (host).
 * Mirrored in src/Daf.Interop/Bpf/ProcessEvent.cs.
 */
#ifndef DAF_EVENTS_H
#define DAF_EVENTS_H

#define DAF_COMM_LEN 16

enum daf_event_kind {
	DAF_EVENT_PROCESS_FORK = 1, /* a new process (thread group) was created */
	DAF_EVENT_PROCESS_EXEC = 2, /* a process replaced its image */
	DAF_EVENT_PROCESS_EXIT = 3, /* the last thread of a process exited */
	/* descriptors referring to sockets (struct daf_fd_event) */
	DAF_EVENT_FD_SOCKET = 16,      /* fd now refers to socket `inode`: socket, socketpair, accept, accept4,
	                                  dup, dup2, dup3, fcntl F_DUPFD*, pidfd_getfd (a dup2/dup3 onto an open
	                                  fd replaces what that fd referred to) */
	DAF_EVENT_FD_CLOSED = 17,      /* fd was closed (close, or replaced by dup2/dup3 with a non-socket) */
	DAF_EVENT_FD_RANGE_CLOSED = 18,/* close_range(fd, fd_last) without CLOSE_RANGE_CLOEXEC */
	DAF_EVENT_FDS_RECEIVED = 19,   /* recvmsg/recvmmsg returned control data: descriptors may have arrived
	                                  over SCM_RIGHTS; user space re-reads /proc/PID/fd */
	/* executable mappings (struct daf_mapping_event) */
	DAF_EVENT_EXEC_MAPPED = 32,    /* mmap with PROT_EXEC, or mprotect adding PROT_EXEC, succeeded */
	DAF_EVENT_UNMAPPED = 33,       /* munmap succeeded */
	/* sockets (struct daf_socket_event) */
	DAF_EVENT_SOCKET_RELEASED = 48,/* an inet socket's last reference went (close, exit, exec): cgroup/sock_release */
	/* what a process that made inet sockets had mapped executable when it exited (struct daf_exit_image_event) */
	DAF_EVENT_EXIT_IMAGE = 64,
	/* the file a process exec'd, with the path it was exec'd by (struct daf_exec_file_event) */
	DAF_EVENT_EXEC_FILE = 65,
};

struct daf_event_header {
	__u16 kind;          /* enum daf_event_kind */
	__u16 length;        /* bytes of the whole event, header included */
	__u32 pid;           /* tgid of the process the event is about */
	__u64 timestamp_ns;  /* bpf_ktime_get_ns(): CLOCK_MONOTONIC, comparable with Stopwatch on Linux */
};

struct daf_process_event {
	struct daf_event_header header;
	__u32 ppid;          /* tgid of the parent (fork: the forking process) */
	__u32 tid;           /* thread that caused the event (exec: the old pid when a non-leader thread exec'd) */
	__u32 exit_code;     /* exit: task->exit_code (status << 8 | signal); otherwise 0 */
	__u32 parent_forks;  /* fork: the parent's count in the `forks` map after this fork (low 32 bits); otherwise 0 */
	char comm[DAF_COMM_LEN]; /* task->comm after the event (exec: the new image's name) */
};

struct daf_fd_event {
	struct daf_event_header header;
	__u32 tid;           /* thread that made the call */
	__s32 fd;            /* the descriptor (range: first) */
	__s32 fd_last;       /* FD_RANGE_CLOSED: last descriptor of the range; otherwise = fd */
	__u32 reserved;
	__u64 inode;         /* FD_SOCKET: the socket's inode (as in "socket:[inode]"); otherwise 0 */
	__u64 cookie;        /* FD_SOCKET: the socket's cookie (sk->__sk_common.skc_cookie, as sock_diag and
	                        bpf_get_socket_cookie report it); 0 until the kernel generated one */
};

#define DAF_MAPPING_FILE     1  /* file-backed (inode and device are set) */
#define DAF_MAPPING_MPROTECT 2  /* came from mprotect, not mmap */

struct daf_mapping_event {
	struct daf_event_header header;
	__u32 tid;
	__u32 prot;          /* PROT_* of the new mapping or protection */
	__u64 start;         /* first address */
	__u64 length;        /* bytes */
	__u64 inode;         /* file-backed: the file's inode; otherwise 0 */
	__u32 device;        /* file-backed: the file's st_dev (new_encode_dev); otherwise 0 */
	__u32 flags;         /* DAF_MAPPING_* */
};

#define DAF_SOCKET_KERNEL_THREAD 1 /* released by a kernel thread (delayed fput): header.pid is no holder */

/*
 * An IPv4/IPv6 TCP or UDP socket is being released, seen before the kernel unhashes it, in the context of the
 * task dropping the last reference (the exiting process, the closer). Ports are in host order; IPv4 addresses
 * take the first 4 bytes of the 16 (network order), the rest zero; an unbound or wildcard side is all zero.
 */
struct daf_socket_event {
	struct daf_event_header header;
	__u32 tid;
	__u16 family;        /* AF_INET, AF_INET6 */
	__u8 protocol;       /* IPPROTO_TCP, IPPROTO_UDP */
	__u8 state;          /* sk_state (TCP_* numbering; UDP: 7 unconnected, 1 connected) */
	__u16 local_port;
	__u16 remote_port;   /* 0: not connected */
	__u32 flags;         /* DAF_SOCKET_* */
	__u8 local_address[16];
	__u8 remote_address[16];
	__u64 inode;         /* as in "socket:[inode]" */
	__u64 cookie;        /* bpf_get_socket_cookie() (the same as sock_diag's) */
	__u64 netns_cookie;  /* bpf_get_netns_cookie(): the socket's network namespace (SO_NETNS_COOKIE) */
};

#define DAF_EXIT_IMAGE_MAX 32
#define DAF_PATH_MAX 256

/* One executable mapping's object: the five values a digest is cached under (user space's ObjectKey). */
struct daf_image_object {
	__u64 inode;
	__s64 size;
	__s64 mtime_ns;
	__s64 ctime_ns;
	__u32 device;        /* st_dev (new_encode_dev) */
	__u32 flags;         /* DAF_IMAGE_OBJECT_* */
};

#define DAF_IMAGE_OBJECT_ANONYMOUS 1 /* executable memory backed by no file (JIT, injected code): not hashable */
#define DAF_IMAGE_OBJECT_WRITABLE  2 /* mapped writable and executable */

#define DAF_EXIT_IMAGE_TRUNCATED   1 /* more than DAF_EXIT_IMAGE_MAX executable mappings: the list is incomplete */
#define DAF_EXIT_IMAGE_UNAVAILABLE 2 /* the address space could not be read (gone, or mmap_lock contended) */
/* With UNAVAILABLE: bits 8-15 hold the errno bpf_iter_task_vma_new failed with (0: it listed no executable mapping). */
#define DAF_EXIT_IMAGE_ERRNO_SHIFT 8

/*
 * Emitted at sched_process_exit (Linux 6.16+ runs it before exit_mm) for a process that created an inet TCP/UDP
 * socket (cgroup/sock_create), so a process that sends and exits before user space could read /proc/PID/maps still
 * has its executable objects named. Every executable VMA in address order; duplicates possible.
 */
struct daf_exit_image_event {
	struct daf_event_header header;
	__u32 count;         /* objects filled */
	__u32 flags;         /* DAF_EXIT_IMAGE_* */
	struct daf_image_object objects[DAF_EXIT_IMAGE_MAX];
};

/* At exec: the new executable's object and the path exec was given (bprm->filename; may be relative or /dev/fd/N). */
struct daf_exec_file_event {
	struct daf_event_header header;
	struct daf_image_object object;
	__u32 path_length;   /* bytes of path without its NUL (0: unreadable) */
	__u32 reserved;
	char path[DAF_PATH_MAX];
};

#endif
