// SPDX-License-Identifier: Apache-2.0
/*
 * pingpong: UDP request/response latency. Both ends stop by themselves.
 *
 *   pingpong server PORT [--max-seconds S]            echoes datagrams; exits after S s or 2 s idle after traffic
 *   pingpong client ADDR PORT COUNT [--size BYTES]    COUNT timed round trips after 100 untimed ones
 *
 * The client prints "p50_us=.. p99_us=.. lost=.. count=..". A reply missing for 200 ms counts as lost.
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

#define TOOL_NAME "pingpong"
#include "tool.h"

#define WARMUP 100

static int usage(void)
{
	fprintf(stderr, "usage: pingpong server PORT [--max-seconds S] | pingpong client ADDR PORT COUNT [--size BYTES]\n");
	return 2;
}

static int do_server(int port, double max_seconds)
{
	return echo_server(port, max_seconds, 2000000, 1, 65536); /* 2 s without a request after traffic: the client is done */
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int do_client(const char *addr, int port, unsigned count, size_t size)
{
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(port) };
	char out[65536] = { 0 }, in[65536];
	uint64_t *rtt = calloc(count, sizeof(*rtt));
	unsigned measured = 0, lost = 0;
	int fd;

	if (!rtt)
		die("calloc");
	if (inet_pton(AF_INET, addr, &dst.sin_addr) != 1)
		return usage();
	fd = udp_socket(200000); /* a reply later than 200 ms counts as lost */
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0)
		die("connect");
	for (unsigned i = 0; i < WARMUP + count; i++) {
		uint32_t seq = i;
		memcpy(out, &seq, sizeof(seq));
		uint64_t t0 = now_ns();
		if (send(fd, out, size, 0) < 0) {
			if (errno == ECONNREFUSED || errno == ENOBUFS || errno == EPERM) {
				lost += i >= WARMUP;
				continue;
			}
			die("send");
		}
		for (;;) {
			ssize_t n = recv(fd, in, sizeof(in), 0);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				if (errno != EAGAIN && errno != ECONNREFUSED)
					die("recv");
				lost += i >= WARMUP;
				break;
			}
			uint32_t got;
			if (n < (ssize_t)sizeof(got))
				continue;
			memcpy(&got, in, sizeof(got));
			if (got != seq)
				continue; /* a late reply to a request already counted as lost */
			if (i >= WARMUP)
				rtt[measured++] = now_ns() - t0;
			break;
		}
	}
	close(fd);
	if (measured == 0) {
		printf("p50_us=nan p99_us=nan lost=%u count=0\n", lost);
		return 1;
	}
	qsort(rtt, measured, sizeof(*rtt), cmp_u64);
	printf("p50_us=%.1f p99_us=%.1f lost=%u count=%u\n", rtt[(measured - 1) * 50 / 100] / 1e3,
	       rtt[(measured - 1) * 99 / 100] / 1e3, lost, measured);
	free(rtt);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && !strcmp(argv[1], "client")) {
		double size = 64;
		unsigned long count = strtoul(argv[4], NULL, 10);
		if (trailing_option(argc, argv, 5, "--size", &size, 4, 65507) < 0 || count == 0 || count > 10000000)
			return usage();
		return do_client(argv[2], atoi(argv[3]), count, (size_t)size);
	}
	if (argc >= 3 && !strcmp(argv[1], "server")) {
		double max_seconds = 120;
		if (trailing_option(argc, argv, 3, "--max-seconds", &max_seconds, 0, 3600) < 0)
			return usage();
		return do_server(atoi(argv[2]), max_seconds);
	}
	return usage();
}
