// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.Bpf;

/// <summary>Receives one ring-buffer record; <paramref name="record"/> is valid only during the call.</summary>
public delegate void BpfRecordHandler(ReadOnlySpan<byte> record);
