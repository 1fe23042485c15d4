// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;
using System.Security.Cryptography;
using Daf.Interop.Signatures;

namespace Daf.Actors.Signatures;

/// <summary>
/// The MAC of a tagged packet (docs/signatures.md, "MAC input"): HMAC-SHA256 over
/// "DAF-SIG1" || tag fields || IP part || upper-layer length || upper-layer bytes (checksum and, for a TCP-option
/// tag, the MAC itself read as zeros). Fed to an <see cref="IncrementalHash"/> in pieces: nothing is copied or allocated.
/// </summary>
internal static class SignatureMac
{
    private static ReadOnlySpan<byte> Zeros => [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    /// <summary>Writes the full 32-byte HMAC of <paramref name="packet"/> (whose tag <paramref name="layout"/> locates) to <paramref name="mac"/>.</summary>
    public static void Compute(IncrementalHash hmac, ReadOnlySpan<byte> packet, in SignedPacketLayout layout, Span<byte> mac)
    {
        int fieldsLength = layout.TagBodyLength - SignatureWire.MacLength;
        hmac.AppendData(SignatureWire.Domain);
        hmac.AppendData(packet.Slice(layout.TagBodyOffset, fieldsLength));

        Span<byte> ip = stackalloc byte[36];
        int n;
        if (layout.IpVersion == 4)
        {
            ip[0] = 4;
            packet.Slice(12, 8).CopyTo(ip[1..]);   // source, destination
            ip[9] = layout.Protocol;
            packet.Slice(4, 2).CopyTo(ip[10..]);   // identification
            n = 12;
        }
        else
        {
            ip[0] = 6;
            packet.Slice(8, 32).CopyTo(ip[1..]);   // source, destination
            ip[33] = layout.Protocol;
            n = 34;
        }
        BinaryPrimitives.WriteUInt16BigEndian(ip[n..], (ushort)layout.UpperLayerLength);
        hmac.AppendData(ip[..(n + 2)]);

        // The upper layer with up to two holes read as zeros: the checksum, and the MAC of a TCP-option tag.
        int holeA = layout.ChecksumOffset, lengthA = holeA >= 0 ? 2 : 0;
        int holeB = -1, lengthB = 0;
        if (layout.Carrier == SignatureCarrier.TcpOption)
        {
            holeB = layout.TagBodyOffset + fieldsLength;
            lengthB = SignatureWire.MacLength;
        }
        if (holeA < 0 || (holeB >= 0 && holeB < holeA))
        {
            (holeA, holeB) = (holeB, holeA);
            (lengthA, lengthB) = (lengthB, lengthA);
        }
        int position = layout.UpperLayerOffset;
        if (holeA >= 0)
        {
            hmac.AppendData(packet[position..holeA]);
            hmac.AppendData(Zeros[..lengthA]);
            position = holeA + lengthA;
        }
        if (holeB >= 0)
        {
            hmac.AppendData(packet[position..holeB]);
            hmac.AppendData(Zeros[..lengthB]);
            position = holeB + lengthB;
        }
        hmac.AppendData(packet[position..]);
        if (!hmac.TryGetHashAndReset(mac, out int written) || written != 32)
            throw new CryptographicException("HMAC-SHA256 did not produce 32 bytes");
    }
}
