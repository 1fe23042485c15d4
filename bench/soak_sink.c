// SPDX-License-Identifier: Apache-2.0
/*
 * Receiver of the soak (bench/soak.sh): counts the datagrams arriving on each PORT and how long each took from
 * its sender's send call (CLOCK_MONOTONIC, carried in the datagram) — the time the firewall held it, plus the
 * veth hop. Prints "soak_sink: ready" once bound; at SIGTERM/SIGINT prints one line per port:
 *   port=P received=N malformed=N max_ms=X over_1s=N
 *
 *   soak_sink PORT...
 */
#define TOOL_NAME "soak_sink"
#include "tool.h"
#include "soak.h"

#include <poll.h>
#include <signal.h>

#define MAX_PORTS 8

static volatile sig_atomic_t stop;

static void on_stop(int signal)
{
	(void)signal;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct pollfd fds[MAX_PORTS];
	unsigned long long received[MAX_PORTS] = { 0 }, malformed[MAX_PORTS] = { 0 }, over[MAX_PORTS] = { 0 };
	uint64_t max_ns[MAX_PORTS] = { 0 };
	int ports = argc - 1;
	struct sigaction action = { .sa_handler = on_stop };

	if (ports < 1 || ports > MAX_PORTS) {
		fprintf(stderr, "usage: " TOOL_NAME " PORT... (1 to %d)\n", MAX_PORTS);
		return 2;
	}
	for (int i = 0; i < ports; i++) {
		struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[i + 1])), .sin_addr.s_addr = htonl(INADDR_ANY) };
		int size = 4 << 20;

		fds[i].fd = udp_socket(0);
		fds[i].events = POLLIN;
		setsockopt(fds[i].fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
		if (bind(fds[i].fd, (struct sockaddr *)&any, sizeof(any)) < 0)
			die("bind");
	}
	sigaction(SIGTERM, &action, NULL);
	sigaction(SIGINT, &action, NULL);
	printf(TOOL_NAME ": ready\n");
	fflush(stdout);
	while (!stop) {
		if (poll(fds, ports, 200) <= 0)
			continue;
		for (int i = 0; i < ports; i++) {
			struct soak_datagram d;
			ssize_t n;

			if (!(fds[i].revents & POLLIN))
				continue;
			while ((n = recv(fds[i].fd, &d, sizeof(d), MSG_DONTWAIT)) >= 0) {
				uint64_t now = now_ns(), held;

				if (n != (ssize_t)sizeof(d) || d.magic != SOAK_MAGIC || d.sent_ns > now) {
					malformed[i]++;
					continue;
				}
				received[i]++;
				held = now - d.sent_ns;
				if (held > max_ns[i])
					max_ns[i] = held;
				if (held > 1000000000u)
					over[i]++;
			}
		}
	}
	for (int i = 0; i < ports; i++)
		printf("port=%s received=%llu malformed=%llu max_ms=%.3f over_1s=%llu\n", argv[i + 1], received[i], malformed[i],
		       max_ns[i] / 1e6, over[i]);
	return 0;
}
