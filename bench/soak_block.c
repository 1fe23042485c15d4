// SPDX-License-Identifier: Apache-2.0
/*
 * The soak's "blocked library": a shared object whose only purpose is its SHA-256 digest. Churn processes
 * that dlopen it must have every packet dropped by the soak's `--sng-hash` DROP rule.
 */
const char daf_soak_block_marker[] = "DAF soak: a process mapping this library is blocked";

const char *daf_soak_block(void)
{
	return daf_soak_block_marker;
}
