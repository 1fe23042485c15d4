// SPDX-License-Identifier: Apache-2.0
/*
 * nfq_floor: the floor of the NFQUEUE path. Binds one queue in the network namespace it runs in and
 * ACCEPTs every packet, on a raw NETLINK_NETFILTER socket (no libnetfilter_queue).
 *
 *   nfq_floor [--queue N] [--batch N] [--recv N] [--gso] [--copy BYTES] [--maxlen N] [--rcvbuf BYTES]
 *
 * Packets are read with recvmmsg, up to --recv N (64, like app-fw's -c) per call; --recv 1 is the
 * classic one-recv-per-packet loop.
 * Without --batch: one NFQNL_MSG_VERDICT per packet.
 * With --batch N: one NFQNL_MSG_VERDICT_BATCH for the highest id, sent when N packets are pending or
 * when the socket has no more packets queued.
 *
 * Idle, it sleeps in ppoll() with SIGINT/SIGTERM unblocked only there, so a stop request can never be
 * lost between a flag check and a blocking call. On stop it sends the pending batch verdict, unbinds
 * and prints its counters on stderr. Prints "nfq_floor: ready" on stdout once the queue is bound.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TOOL_NAME "nfq_floor"
#include "tool.h"

#define QUEUE_MSG(t) ((NFNL_SUBSYS_QUEUE << 8) | (t))

static volatile sig_atomic_t stop_requested;

struct options {
	uint16_t queue;
	unsigned batch;      /* 0: per-packet verdicts */
	unsigned recv;       /* packets per recvmmsg */
	int gso;
	uint32_t copy_range;
	uint32_t maxlen;     /* 0: kernel default */
	int rcvbuf;
};

struct counters {
	unsigned long long packets, verdict_msgs, batch_verdict_msgs, enobufs;
};

struct queue_socket {
	int fd;
	uint16_t queue;
	uint32_t seq;
};

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* Starts a queue message in buf: nlmsghdr + nfgenmsg. Returns its header. */
static struct nlmsghdr *msg_start(char *buf, uint16_t type, uint16_t flags, struct queue_socket *qs)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct nfgenmsg *nfg;

	memset(buf, 0, NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*nfg)));
	nlh->nlmsg_len = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*nfg));
	nlh->nlmsg_type = QUEUE_MSG(type);
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++qs->seq;
	nfg = (struct nfgenmsg *)((char *)nlh + NLMSG_HDRLEN);
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(qs->queue);
	return nlh;
}

static void msg_put(struct nlmsghdr *nlh, uint16_t type, const void *data, uint16_t len)
{
	struct nlattr *nla = (struct nlattr *)((char *)nlh + NLMSG_ALIGN(nlh->nlmsg_len));

	nla->nla_type = type;
	nla->nla_len = NLA_HDRLEN + len;
	memcpy((char *)nla + NLA_HDRLEN, data, len);
	memset((char *)nla + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	nlh->nlmsg_len = NLMSG_ALIGN(nlh->nlmsg_len) + NLA_ALIGN(nla->nla_len);
}

static int msg_send(struct queue_socket *qs, struct nlmsghdr *nlh)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	return sendto(qs->fd, nlh, nlh->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0 ? -1 : 0;
}

/* Sends a configuration message with NLM_F_ACK and waits for the kernel's answer to it. */
static void config_request(struct queue_socket *qs, struct nlmsghdr *nlh, const char *what)
{
	char ack[8192];
	uint32_t seq = nlh->nlmsg_seq;

	if (msg_send(qs, nlh) < 0)
		die(what);
	for (;;) {
		ssize_t n = recv(qs->fd, ack, sizeof(ack), 0);
		if (n < 0) {
			if (errno == EINTR || errno == ENOBUFS)
				continue;
			die(what);
		}
		int rem = (int)n;
		for (struct nlmsghdr *h = (struct nlmsghdr *)ack; NLMSG_OK(h, rem); h = NLMSG_NEXT(h, rem)) {
			if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_seq != seq)
				continue;
			struct nlmsgerr *err = NLMSG_DATA(h);
			if (err->error != 0) {
				errno = -err->error;
				die(what);
			}
			return;
		}
	}
}

static void config_cmd(struct queue_socket *qs, uint8_t command, const char *what)
{
	char buf[256];
	struct nfqnl_msg_config_cmd cmd = { .command = command, .pf = htons(AF_INET) };
	struct nlmsghdr *nlh = msg_start(buf, NFQNL_MSG_CONFIG, NLM_F_ACK, qs);

	msg_put(nlh, NFQA_CFG_CMD, &cmd, sizeof(cmd));
	config_request(qs, nlh, what);
}

static void config_params(struct queue_socket *qs, const struct options *o)
{
	char buf[256];
	struct nfqnl_msg_config_params params = { .copy_range = htonl(o->copy_range), .copy_mode = NFQNL_COPY_PACKET };
	struct nlmsghdr *nlh = msg_start(buf, NFQNL_MSG_CONFIG, NLM_F_ACK, qs);

	msg_put(nlh, NFQA_CFG_PARAMS, &params, sizeof(params));
	if (o->maxlen) {
		uint32_t maxlen = htonl(o->maxlen);
		msg_put(nlh, NFQA_CFG_QUEUE_MAXLEN, &maxlen, sizeof(maxlen));
	}
	if (o->gso) {
		uint32_t flags = htonl(NFQA_CFG_F_GSO);
		msg_put(nlh, NFQA_CFG_MASK, &flags, sizeof(flags));
		msg_put(nlh, NFQA_CFG_FLAGS, &flags, sizeof(flags));
	}
	config_request(qs, nlh, "NFQNL_MSG_CONFIG(NFQA_CFG_PARAMS)");
}

static int send_verdict(struct queue_socket *qs, uint16_t type, uint32_t id_be)
{
	char buf[64];
	struct nfqnl_msg_verdict_hdr vh = { .verdict = htonl(NF_ACCEPT), .id = id_be };
	struct nlmsghdr *nlh = msg_start(buf, type, 0, qs);

	msg_put(nlh, NFQA_VERDICT_HDR, &vh, sizeof(vh));
	return msg_send(qs, nlh);
}

static void flush_batch(struct queue_socket *qs, struct counters *c, unsigned *pending, uint32_t last_id_be)
{
	if (!*pending)
		return;
	if (send_verdict(qs, NFQNL_MSG_VERDICT_BATCH, last_id_be) < 0)
		die("sendto(NFQNL_MSG_VERDICT_BATCH)");
	c->batch_verdict_msgs++;
	*pending = 0;
}

/*
 * Walks one datagram. Per-packet mode sends each packet's verdict here; batch mode only remembers the
 * last id (ids of one queue increase, so a batch verdict for it covers every earlier packet).
 */
static void handle_datagram(struct queue_socket *qs, const struct options *o, const char *buf, int len,
			    struct counters *c, unsigned *pending, uint32_t *last_id_be)
{
	/* len stays signed: NLMSG_NEXT steps past the end of the last, unaligned message. */
	for (const struct nlmsghdr *h = (const struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *err = NLMSG_DATA(h);
			if (err->error)
				fprintf(stderr, "nfq_floor: kernel reported %s\n", strerror(-err->error));
			continue;
		}
		if (h->nlmsg_type != QUEUE_MSG(NFQNL_MSG_PACKET))
			continue;
		size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg));
		while (off + NLA_HDRLEN <= h->nlmsg_len) {
			const struct nlattr *a = (const struct nlattr *)((const char *)h + off);
			if (a->nla_len < NLA_HDRLEN || off + a->nla_len > h->nlmsg_len)
				break;
			if ((a->nla_type & NLA_TYPE_MASK) == NFQA_PACKET_HDR &&
			    a->nla_len >= NLA_HDRLEN + sizeof(struct nfqnl_msg_packet_hdr)) {
				const struct nfqnl_msg_packet_hdr *ph = (const void *)((const char *)a + NLA_HDRLEN);
				c->packets++;
				if (o->batch) {
					*last_id_be = ph->packet_id;
					++*pending;
				} else {
					if (send_verdict(qs, NFQNL_MSG_VERDICT, ph->packet_id) < 0)
						die("sendto(NFQNL_MSG_VERDICT)");
					c->verdict_msgs++;
				}
				break;
			}
			off += NLA_ALIGN(a->nla_len);
		}
		if (o->batch && *pending >= o->batch)
			flush_batch(qs, c, pending, *last_id_be);
	}
}

/* Sleeps until the socket is readable or a stop signal arrives (signals are unblocked only here). */
static void wait_readable(int fd, const sigset_t *unblocked)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (ppoll(&p, 1, NULL, unblocked) < 0 && errno != EINTR)
		die("ppoll");
}

/* Reads up to o->recv packets per recvmmsg; a short read means the socket is drained. */
static void run(struct queue_socket *qs, const struct options *o, const sigset_t *unblocked, struct counters *c)
{
	unsigned vlen = o->recv;
	size_t slot = NLMSG_ALIGN(o->copy_range + 1024);
	char *bufs = malloc(slot * vlen);
	struct mmsghdr *msgs = calloc(vlen, sizeof(*msgs));
	struct iovec *iov = calloc(vlen, sizeof(*iov));
	unsigned pending = 0;
	uint32_t last_id_be = 0;

	if (!bufs || !msgs || !iov)
		die("malloc");
	for (unsigned i = 0; i < vlen; i++) {
		iov[i].iov_base = bufs + i * slot;
		iov[i].iov_len = slot;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	while (!stop_requested) {
		int n = recvmmsg(qs->fd, msgs, vlen, MSG_DONTWAIT, NULL);
		if (n < 0 && errno != EAGAIN) {
			if (errno == ENOBUFS)
				c->enobufs++;
			else if (errno != EINTR)
				die("recvmmsg");
			continue;
		}
		for (int i = 0; i < n; i++)
			handle_datagram(qs, o, iov[i].iov_base, (int)msgs[i].msg_len, c, &pending, &last_id_be);
		if (n < 0 || (unsigned)n < vlen) {
			flush_batch(qs, c, &pending, last_id_be);
			wait_readable(qs->fd, unblocked);
		}
	}
	flush_batch(qs, c, &pending, last_id_be);
	free(iov);
	free(msgs);
	free(bufs);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: nfq_floor [--queue N] [--batch N] [--recv N] [--gso] [--copy BYTES] [--maxlen N] [--rcvbuf BYTES]\n");
}

static unsigned long parse_number(const char *opt, const char *value, unsigned long max)
{
	char *end;
	unsigned long v;

	if (!value) {
		fprintf(stderr, "nfq_floor: %s needs a value\n", opt);
		exit(2);
	}
	errno = 0;
	v = strtoul(value, &end, 10);
	if (errno || *end || end == value || v > max) {
		fprintf(stderr, "nfq_floor: invalid value for %s: %s\n", opt, value);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct options o = { .queue = 0, .batch = 0, .recv = 64, .gso = 0, .copy_range = 0xffff, .maxlen = 0, .rcvbuf = 8 << 20 };
	struct counters c = { 0 };
	struct queue_socket qs = { .fd = -1 };
	struct sockaddr_nl local = { .nl_family = AF_NETLINK };
	sigset_t stop_set, unblocked;
	struct sigaction sa = { .sa_handler = on_stop };

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--queue"))
			o.queue = parse_number(a, argv[++i], 65535);
		else if (!strcmp(a, "--batch"))
			o.batch = parse_number(a, argv[++i], 1024);
		else if (!strcmp(a, "--recv"))
			o.recv = parse_number(a, argv[++i], 1024);
		else if (!strcmp(a, "--gso"))
			o.gso = 1;
		else if (!strcmp(a, "--copy"))
			o.copy_range = parse_number(a, argv[++i], 0xffff);
		else if (!strcmp(a, "--maxlen"))
			o.maxlen = parse_number(a, argv[++i], UINT32_MAX);
		else if (!strcmp(a, "--rcvbuf"))
			o.rcvbuf = parse_number(a, argv[++i], INT32_MAX);
		else if (!strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (o.batch == 1)
		o.batch = 0;
	if (o.recv == 0 || o.recv < o.batch)
		o.recv = o.batch ? o.batch : 1;

	/* SIGINT/SIGTERM stay blocked except inside ppoll(). */
	sigemptyset(&stop_set);
	sigaddset(&stop_set, SIGINT);
	sigaddset(&stop_set, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (sigprocmask(SIG_BLOCK, &stop_set, &unblocked) < 0)
		die("sigprocmask");
	sigdelset(&unblocked, SIGINT);
	sigdelset(&unblocked, SIGTERM);

	qs.queue = o.queue;
	qs.fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (qs.fd < 0)
		die("socket(NETLINK_NETFILTER)");
	if (setsockopt(qs.fd, SOL_SOCKET, SO_RCVBUFFORCE, &o.rcvbuf, sizeof(o.rcvbuf)) < 0)
		die("setsockopt(SO_RCVBUFFORCE)");
	if (bind(qs.fd, (struct sockaddr *)&local, sizeof(local)) < 0)
		die("bind(AF_NETLINK)");
	config_cmd(&qs, NFQNL_CFG_CMD_BIND, "NFQNL_MSG_CONFIG(NFQNL_CFG_CMD_BIND)");
	config_params(&qs, &o);
	printf("nfq_floor: ready queue=%u mode=%s batch=%u recv=%u gso=%d copy=%u\n", o.queue,
	       o.batch ? "batch" : "per-packet", o.batch, o.recv, o.gso, o.copy_range);
	fflush(stdout);

	run(&qs, &o, &unblocked, &c);

	config_cmd(&qs, NFQNL_CFG_CMD_UNBIND, "NFQNL_MSG_CONFIG(NFQNL_CFG_CMD_UNBIND)");
	close(qs.fd);
	fprintf(stderr, "nfq_floor: packets=%llu verdictMessages=%llu batchVerdictMessages=%llu enobufs=%llu\n",
		c.packets, c.verdict_msgs, c.batch_verdict_msgs, c.enobufs);
	return 0;
}
