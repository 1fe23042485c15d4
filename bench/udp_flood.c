// SPDX-License-Identifier: Apache-2.0
/*
 * udp_flood: small-packet UDP rate test. Both ends stop by themselves.
 *
 *   udp_flood send ADDR PORT SECONDS [--size BYTES]   blasts for SECONDS with sendmmsg
 *   udp_flood recv PORT [--max-seconds S]             counts until 1 s of silence after the first packet
 *
 * The receiver prints "pps=N packets=N seconds=T": packets received divided by the time from the first
 * to the last packet. The sender prints what it sent and how many send calls failed (ENOBUFS/EPERM when
 * a full queue drops the packet).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TOOL_NAME "udp_flood"
#include "tool.h"

#define BURST 64

static int usage(void)
{
	fprintf(stderr, "usage: udp_flood send ADDR PORT SECONDS [--size BYTES] | udp_flood recv PORT [--max-seconds S]\n");
	return 2;
}

static int do_send(const char *addr, int port, double seconds, size_t size)
{
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(port) };
	static char payload[65536];
	struct mmsghdr msgs[BURST];
	struct iovec iov = { .iov_base = payload, .iov_len = size };
	unsigned long long sent = 0, failed = 0;
	int fd;

	if (inet_pton(AF_INET, addr, &dst.sin_addr) != 1)
		return usage();
	fd = udp_socket(0);
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0)
		die("connect");
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BURST; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	double start = now_seconds(), end = start + seconds;
	while (now_seconds() < end) {
		int n = sendmmsg(fd, msgs, BURST, 0);
		if (n < 0) {
			if (errno != ENOBUFS && errno != EPERM && errno != ECONNREFUSED && errno != EINTR)
				die("sendmmsg");
			failed++;
			continue;
		}
		sent += n;
	}
	printf("sent=%llu failed_calls=%llu seconds=%.3f\n", sent, failed, now_seconds() - start);
	close(fd);
	return 0;
}

static int do_recv(int port, double max_seconds)
{
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY) };
	static char bufs[BURST][2048];
	struct mmsghdr msgs[BURST];
	struct iovec iov[BURST];
	int rcvbuf = 16 << 20;
	unsigned long long packets = 0;
	double first = 0, last = 0, deadline;
	int fd;

	fd = udp_socket(1000000); /* 1 s of silence after traffic: the sender is done */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		die("setsockopt(SO_RCVBUFFORCE)");
	if (bind(fd, (struct sockaddr *)&any, sizeof(any)) < 0)
		die("bind");
	for (int i = 0; i < BURST; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	printf("udp_flood: ready\n");
	fflush(stdout);
	deadline = now_seconds() + max_seconds;
	while (now_seconds() < deadline) {
		int n = recvmmsg(fd, msgs, BURST, MSG_WAITFORONE, NULL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if (packets)
					break; /* a second of silence after traffic: the sender is done */
				continue;
			}
			if (errno == EINTR)
				continue;
			die("recvmmsg");
		}
		last = now_seconds();
		if (!packets)
			first = last;
		packets += n;
	}
	double seconds = last - first;
	printf("pps=%.0f packets=%llu seconds=%.3f\n", seconds > 0 ? packets / seconds : 0.0, packets, seconds);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && !strcmp(argv[1], "send")) {
		double size = 64;
		if (trailing_option(argc, argv, 5, "--size", &size, 1, 65507) < 0)
			return usage();
		return do_send(argv[2], atoi(argv[3]), atof(argv[4]), (size_t)size);
	}
	if (argc >= 3 && !strcmp(argv[1], "recv")) {
		double max_seconds = 120;
		if (trailing_option(argc, argv, 3, "--max-seconds", &max_seconds, 0, 3600) < 0)
			return usage();
		return do_recv(atoi(argv[2]), max_seconds);
	}
	return usage();
}
