// SPDX-License-Identifier: Apache-2.0
// The tests share iptables, the CPU and the clock: run them one at a time so timings stay meaningful.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
