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
	/* 16..: socket and descriptor tracking (identity issue) */
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
	__u32 reserved;
	char comm[DAF_COMM_LEN]; /* task->comm after the event (exec: the new image's name) */
};

#endif
