// SPDX-License-Identifier: Apache-2.0
/*
 * Traffic of the soak (bench/soak.sh). Every datagram carries the sender's pid, a sequence number and the
 * CLOCK_MONOTONIC time it was sent, so soak_sink can tell how long the firewall held it.
 *
 *   soak_client once ADDR PORT COUNT LINGER_MS [LIBRARY]
 *       a short-lived process: dlopen LIBRARY (when given), open a UDP socket, send COUNT datagrams to
 *       ADDR:PORT, stay LINGER_MS ms, exit 0 (3: dlopen failed, 4: a send failed)
 *   soak_client steady ADDR PORT PPS SECONDS
 *       one long-lived socket sending PPS datagrams a second for SECONDS; prints "sent=N" at the end
 */
#define TOOL_NAME "soak_client"
#include "tool.h"
#include "soak.h"

#include <arpa/inet.h>
#include <dlfcn.h>

static struct sockaddr_in parse_destination(const char *addr, const char *port)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(atoi(port)) };

	if (inet_pton(AF_INET, addr, &to.sin_addr) != 1) {
		fprintf(stderr, TOOL_NAME ": bad IPv4 address %s\n", addr);
		exit(2);
	}
	return to;
}

static int send_one(int fd, const struct sockaddr_in *to, uint32_t seq)
{
	struct soak_datagram d = { .magic = SOAK_MAGIC, .pid = (uint32_t)getpid(), .seq = seq, .sent_ns = now_ns() };

	return sendto(fd, &d, sizeof(d), 0, (const struct sockaddr *)to, sizeof(*to)) == (ssize_t)sizeof(d) ? 0 : -1;
}

static int once(int argc, char **argv)
{
	struct sockaddr_in to = parse_destination(argv[2], argv[3]);
	int count = atoi(argv[4]), linger_ms = atoi(argv[5]), fd;

	if (argc > 6 && !dlopen(argv[6], RTLD_NOW)) {
		fprintf(stderr, TOOL_NAME ": dlopen %s: %s\n", argv[6], dlerror());
		return 3;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	for (int i = 0; i < count; i++)
		if (send_one(fd, &to, (uint32_t)i) < 0)
			return 4;
	if (linger_ms > 0)
		usleep((useconds_t)linger_ms * 1000);
	return 0;
}

static int steady(char **argv)
{
	struct sockaddr_in to = parse_destination(argv[2], argv[3]);
	double pps = atof(argv[4]), seconds = atof(argv[5]);
	uint64_t start = now_ns(), interval = (uint64_t)(1e9 / pps), end = start + (uint64_t)(seconds * 1e9);
	unsigned long long sent = 0, failed = 0;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || pps <= 0)
		die("socket");
	for (uint64_t next = start; next < end; next += interval) {
		uint64_t now = now_ns();
		if (next > now) {
			struct timespec pause = { .tv_sec = (next - now) / 1000000000u, .tv_nsec = (next - now) % 1000000000u };
			nanosleep(&pause, NULL);
		}
		if (send_one(fd, &to, (uint32_t)sent) == 0)
			sent++;
		else
			failed++;
	}
	printf("sent=%llu failed=%llu\n", sent, failed);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 6 && !strcmp(argv[1], "once"))
		return once(argc, argv);
	if (argc == 6 && !strcmp(argv[1], "steady"))
		return steady(argv);
	fprintf(stderr, "usage: " TOOL_NAME " once ADDR PORT COUNT LINGER_MS [LIBRARY] | steady ADDR PORT PPS SECONDS\n");
	return 2;
}
