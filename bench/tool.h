// SPDX-License-Identifier: Apache-2.0
/* Helpers shared by the bench's traffic tools. Define TOOL_NAME before including. */
#ifndef DAF_BENCH_TOOL_H
#define DAF_BENCH_TOOL_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

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

#endif
