/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Process lifecycle tracking for DAF. tp_btf programs: they need no tracefs and no kprobes/trampolines
 * (fentry/fexit are refused on our kernels). The identity issue adds socket and descriptor tracking.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
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

static __always_inline void count_drop(void)
{
	__u32 key = 0;
	__u64 *count = bpf_map_lookup_elem(&dropped, &key);

	if (count)
		__sync_fetch_and_add(count, 1);
}

static __always_inline int emit(__u16 kind, struct task_struct *task, __u32 tid, __u32 exit_code)
{
	struct daf_process_event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);

	if (!event) {
		count_drop();
		return 0;
	}
	event->header.kind = kind;
	event->header.length = sizeof(*event);
	event->header.pid = BPF_CORE_READ(task, tgid);
	event->header.timestamp_ns = bpf_ktime_get_ns();
	event->ppid = BPF_CORE_READ(task, real_parent, tgid);
	event->tid = tid;
	event->exit_code = exit_code;
	event->reserved = 0;
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
	return emit(DAF_EVENT_PROCESS_FORK, child, BPF_CORE_READ(parent, pid), 0);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(daf_process_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	return emit(DAF_EVENT_PROCESS_EXEC, task, (__u32)old_pid, 0);
}

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
	return emit(DAF_EVENT_PROCESS_EXIT, task, BPF_CORE_READ(task, pid), BPF_CORE_READ(task, exit_code));
}
