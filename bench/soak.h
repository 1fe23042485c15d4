// SPDX-License-Identifier: Apache-2.0
/* The datagram the soak's tools exchange (bench/soak.sh). */
#ifndef DAF_BENCH_SOAK_H
#define DAF_BENCH_SOAK_H

#include <stdint.h>

#define SOAK_MAGIC 0x44414653u /* "DAFS" */

struct soak_datagram {
	uint32_t magic;
	uint32_t pid;
	uint32_t seq;
	uint32_t pad;
	uint64_t sent_ns; /* CLOCK_MONOTONIC: one clock for every namespace of the machine */
};

#endif
