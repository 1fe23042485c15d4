// SPDX-License-Identifier: Apache-2.0
/*
 * Process churn of the soak (bench/soak.sh): starts RATE short-lived `soak_client once` processes a second for
 * SECONDS; every BLOCK_EVERY-th one dlopens LIBRARY and sends to BLOCKED_PORT, the others send to ALLOWED_PORT.
 *
 *   soak_churn RATE SECONDS BLOCK_EVERY CLIENT ADDR ALLOWED_PORT BLOCKED_PORT COUNT LINGER_MS LIBRARY
 *
 * Prints one line at the end: processes started and how they exited, datagrams sent per kind, processes per minute.
 * SIGTERM/SIGINT stop it early (the children still alive are waited for).
 */
#define TOOL_NAME "soak_churn"
#include "tool.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

extern char **environ;

static volatile sig_atomic_t stop;

static void on_stop(int signal)
{
	(void)signal;
	stop = 1;
}

static unsigned long long alive, exited_ok, exited_bad;

static void reap(int options)
{
	int status;

	while (alive > 0 && waitpid(-1, &status, options) > 0) {
		alive--;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			exited_ok++;
		else
			exited_bad++;
	}
}

int main(int argc, char **argv)
{
	if (argc != 11) {
		fprintf(stderr, "usage: " TOOL_NAME " RATE SECONDS BLOCK_EVERY CLIENT ADDR ALLOWED_PORT BLOCKED_PORT COUNT LINGER_MS LIBRARY\n");
		return 2;
	}
	double rate = atof(argv[1]), seconds = atof(argv[2]);
	long block_every = atol(argv[3]), count = atol(argv[8]);
	char *allowed[] = { argv[4], "once", argv[5], argv[6], argv[8], argv[9], NULL };
	char *blocked[] = { argv[4], "once", argv[5], argv[7], argv[8], argv[9], argv[10], NULL };
	unsigned long long started = 0, started_blocked = 0, spawn_failed = 0, max_alive = 0;
	struct sigaction action = { .sa_handler = on_stop };
	uint64_t start, interval, end;

	if (rate <= 0 || seconds <= 0 || block_every <= 0 || count <= 0) {
		fprintf(stderr, TOOL_NAME ": RATE, SECONDS, BLOCK_EVERY and COUNT must be positive\n");
		return 2;
	}
	sigaction(SIGTERM, &action, NULL);
	sigaction(SIGINT, &action, NULL);
	start = now_ns();
	interval = (uint64_t)(1e9 / rate);
	end = start + (uint64_t)(seconds * 1e9);
	for (uint64_t next = start; next < end && !stop; next += interval) {
		uint64_t now = now_ns();
		pid_t pid;
		int is_blocked = (started + 1) % block_every == 0;

		if (next > now) {
			struct timespec pause = { .tv_sec = (next - now) / 1000000000u, .tv_nsec = (next - now) % 1000000000u };
			nanosleep(&pause, NULL);
		}
		reap(WNOHANG);
		if (posix_spawn(&pid, argv[4], NULL, NULL, is_blocked ? blocked : allowed, environ) != 0) {
			spawn_failed++;
			continue;
		}
		started++;
		started_blocked += is_blocked;
		if (++alive > max_alive)
			max_alive = alive;
	}
	double elapsed = (now_ns() - start) / 1e9;
	reap(0);
	printf("started=%llu blocked=%llu allowed=%llu exited_ok=%llu exited_bad=%llu spawn_failed=%llu "
	       "datagrams_blocked=%llu datagrams_allowed=%llu max_alive=%llu seconds=%.1f per_minute=%.0f\n",
	       started, started_blocked, started - started_blocked, exited_ok, exited_bad, spawn_failed,
	       started_blocked * count, (started - started_blocked) * count, max_alive, elapsed, started / elapsed * 60);
	return 0;
}
