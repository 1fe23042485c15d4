// SPDX-License-Identifier: Apache-2.0
namespace Daf.EndToEnd.Tests.Attribution;

/// <summary>
/// A tiny C program whose image the tests name in rules: `sender FD|HOST/PORT[#SPORT] GATEDIR STEP...`. It sends on
/// an inherited descriptor FD, or on a fresh UDP socket connected to HOST/PORT (bound to source port SPORT when
/// given). Steps: `@NAME` prints
/// `at NAME` and waits for the file GATEDIR/NAME (bounded), `!TEXT` prints TEXT, anything else is sent as
/// one datagram. It records its PID in GATEDIR/pids so a test can kill it even when orphaned.
/// Each build embeds a distinct tag, so each build has a digest of its own.
/// </summary>
internal static class SenderSource
{
    public const string C = """
        #include <netdb.h>
        #include <netinet/in.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/socket.h>
        #include <sys/stat.h>
        #include <time.h>
        #include <unistd.h>

        static const char build_tag[] = DAF_BUILD_TAG;

        static int connect_udp(char *spec)
        {
            char *hash = strchr(spec, '#');
            int sport = 0;
            if (hash) { *hash = '\0'; sport = atoi(hash + 1); }
            char *slash = strrchr(spec, '/');
            *slash = '\0';
            struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV }, *ai;
            if (getaddrinfo(spec, slash + 1, &hints, &ai) != 0) { fprintf(stderr, "bad address %s\n", spec); exit(2); }
            int fd = socket(ai->ai_family, SOCK_DGRAM, 0);
            if (fd < 0) { perror("socket"); exit(2); }
            if (sport > 0) {
                struct sockaddr_in6 local6 = { .sin6_family = AF_INET6, .sin6_port = htons(sport) };
                struct sockaddr_in local4 = { .sin_family = AF_INET, .sin_port = htons(sport) };
                int bound = ai->ai_family == AF_INET6
                    ? bind(fd, (struct sockaddr *)&local6, sizeof local6)
                    : bind(fd, (struct sockaddr *)&local4, sizeof local4);
                if (bound < 0) { perror("bind"); exit(2); }
            }
            if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) { perror("connect"); exit(2); }
            freeaddrinfo(ai);
            return fd;
        }

        static void wait_gate(const char *dir, const char *name)
        {
            char path[4096];
            struct stat st;
            snprintf(path, sizeof path, "%s/%s", dir, name);
            printf("at %s\n", name);
            fflush(stdout);
            for (int i = 0; i < 10000; i++) {
                if (stat(path, &st) == 0) return;
                struct timespec ts = { 0, 2000000 };
                nanosleep(&ts, NULL);
            }
            fprintf(stderr, "gate %s never opened\n", name);
            exit(3);
        }

        int main(int argc, char **argv)
        {
            if (argc < 3) { fprintf(stderr, "usage: sender FD|HOST/PORT GATEDIR STEP... (%s)\n", build_tag); return 2; }
            if (strcmp(argv[2], "-") != 0) {
                char path[4096];
                snprintf(path, sizeof path, "%s/pids", argv[2]);
                FILE *pids = fopen(path, "a");
                if (pids) { fprintf(pids, "%d\n", getpid()); fclose(pids); }
            }
            int fd = strchr(argv[1], '/') ? connect_udp(argv[1]) : atoi(argv[1]);
            for (int i = 3; i < argc; i++) {
                if (argv[i][0] == '@') wait_gate(argv[2], argv[i] + 1);
                else if (argv[i][0] == '!') { puts(argv[i] + 1); fflush(stdout); }
                else if (send(fd, argv[i], strlen(argv[i]), 0) < 0) { perror("send"); return 4; }
            }
            return 0;
        }
        """;
}
