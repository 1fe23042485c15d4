// SPDX-License-Identifier: Apache-2.0
/*
 * first_packet: the round trip of the FIRST datagram a freshly started process sends, and of its second one.
 *
 *   first_packet server PORT --max-seconds S     echoes datagrams for S seconds
 *   first_packet client ADDR PORT                 prints "first_us=.. second_us=.." (or "lost") and exits
 *
 * The client is started anew for every measurement: the first datagram is what a firewall judging by process
 * identity sees before it knows the process (flow not cached, holders and image maybe not read yet); the second
 * one is judged at steady state. A reply missing for 2 s counts as lost.
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

#define TOOL_NAME "first_packet"
#include "tool.h"

static int usage(void)
{
	fprintf(stderr, "usage: first_packet server PORT --max-seconds S | first_packet client ADDR PORT\n");
	return 2;
}

static int do_server(int port, double max_seconds)
{
	return echo_server(port, max_seconds, 200000, 0, 2048);
}

/* One round trip in microseconds, or -1 when the reply did not come. */
static double round_trip(int fd, char tag)
{
	char buf[64] = { tag };
	uint64_t start = now_ns();

	if (send(fd, buf, 32, 0) != 32)
		die("send");
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return -1;
		if (n < 0)
			die("recv");
		if (buf[0] == tag)
			return (now_ns() - start) / 1e3;
	}
}

static int do_client(const char *addr, int port)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = udp_socket(2000000);
	double first, second;

	if (inet_pton(AF_INET, addr, &to.sin_addr) != 1) {
		fprintf(stderr, "first_packet: bad address %s\n", addr);
		return 2;
	}
	if (connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0)
		die("connect");
	first = round_trip(fd, 'a');
	second = first < 0 ? -1 : round_trip(fd, 'b');
	if (first < 0)
		printf("first_us=lost second_us=lost\n");
	else if (second < 0)
		printf("first_us=%.1f second_us=lost\n", first);
	else
		printf("first_us=%.1f second_us=%.1f\n", first, second);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "server") && !strcmp(argv[3], "--max-seconds"))
		return do_server(atoi(argv[2]), atof(argv[4]));
	if (argc == 4 && !strcmp(argv[1], "client"))
		return do_client(argv[2], atoi(argv[3]));
	return usage();
}
