// SPDX-License-Identifier: Apache-2.0
/* Helpers shared by the bench's traffic tools. Define TOOL_NAME before including. */
#ifndef DAF_BENCH_TOOL_H
#define DAF_BENCH_TOOL_H

#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static inline double now_seconds(void)
{
	return now_ns() / 1e9;
}

static inline void die(const char *what)
{
	fprintf(stderr, TOOL_NAME ": %s failed: %s (errno %d)\n", what, strerror(errno), errno);
	exit(1);
}

/* A UDP/IPv4 socket whose receive calls give up after timeout_us microseconds (0: never). */
static inline int udp_socket(long timeout_us)
{
	struct timeval timeout = { .tv_sec = timeout_us / 1000000, .tv_usec = timeout_us % 1000000 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) < 0)
		die("setsockopt(SO_RCVTIMEO)");
	return fd;
}

/*
 * Reads the optional "--NAME NUMBER" pair that may follow the positional arguments (argv[first..]).
 * Leaves *value alone when absent; returns -1 on anything else or on a value outside [min, max].
 */
static inline int trailing_option(int argc, char **argv, int first, const char *name, double *value, double min, double max)
{
	for (int i = first; i < argc; i++) {
		char *end;
		if (strcmp(argv[i], name) || i + 1 >= argc)
			return -1;
		*value = strtod(argv[++i], &end);
		if (*end || end == argv[i])
			return -1;
	}
	return *value < min || *value > max ? -1 : 0;
}

/*
 * Echoes UDP datagrams (up to max_len bytes each) arriving on port, after printing TOOL_NAME ": ready".
 * Returns after max_seconds or, when stop_when_idle is set, once no datagram came for idle_us microseconds
 * after at least one was echoed. Prints "echoed=N" at the end.
 */
static inline int echo_server(int port, double max_seconds, long idle_us, int stop_when_idle, size_t max_len)
{
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY) };
	char buf[65536];
	uint64_t deadline = now_ns() + (uint64_t)(max_seconds * 1e9);
	unsigned long long echoed = 0;
	int fd = udp_socket(idle_us);

	if (max_len > sizeof(buf))
		max_len = sizeof(buf);
	if (bind(fd, (struct sockaddr *)&any, sizeof(any)) < 0)
		die("bind");
	printf(TOOL_NAME ": ready\n");
	fflush(stdout);
	while (now_ns() < deadline) {
		struct sockaddr_in from;
		socklen_t fromlen = sizeof(from);
		ssize_t n = recvfrom(fd, buf, max_len, 0, (struct sockaddr *)&from, &fromlen);
		if (n < 0) {
			if (errno == EAGAIN && echoed && stop_when_idle)
				break;
			if (errno == EAGAIN || errno == EINTR)
				continue;
			die("recvfrom");
		}
		if (sendto(fd, buf, n, 0, (struct sockaddr *)&from, fromlen) == n)
			echoed++;
	}
	printf("echoed=%llu\n", echoed);
	close(fd);
	return 0;
}

#endif
