// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Attribution;

/// <summary>Which side of a packet is the local socket: OUTPUT packets leave from their source, INPUT packets
/// arrive at their destination; for FORWARD the caller knows which namespace's socket it is after.</summary>
public enum LocalSide : byte
{
    Source,
    Destination,
}
