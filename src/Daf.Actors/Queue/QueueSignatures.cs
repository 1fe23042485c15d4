// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Attribution;
using Daf.Actors.Host;
using Daf.Actors.Rules;
using Daf.Actors.Signatures;
using Daf.Interop.Packets;

namespace Daf.Actors.Queue;

/// <summary>
/// What one queue does with packet signatures (docs/signatures.md), on its reader's thread: a verifying queue
/// (INPUT with -i, FORWARD with -f) checks every packet's tag before the rules; the signing queue (OUTPUT with -t)
/// signs what the rules accept, with the MSS of its SYNs lowered; a signing host's INPUT queue lowers the MSS of
/// the SYNs and SYN-ACKs it receives, so that this host's own full segments still fit the MTU once signed.
/// Not thread-safe: one instance per reader (the signer and verifier it uses are shared and thread-safe).
/// </summary>
public sealed class QueueSignatures
{
    private const byte TcpFlagSyn = 0x02;
    /// <summary>Room for any SYN (IPv6 header, a few extension headers, 60 bytes of TCP header).</summary>
    private const int MaxSynBytes = 512;

    private readonly PacketSigner? _signer;
    private readonly SignatureMode _mode;
    private readonly PacketVerifier? _verifier;
    private readonly bool _clampIncomingSyns;
    private readonly int _mtu;
    private readonly IHolderImageSource? _holders;
    private readonly ISocketLookup? _firstLookup;
    private readonly HolderImages _images = new();
    private readonly byte[] _syn = new byte[MaxSynBytes];

    /// <param name="signer">Signs what this queue accepts (OUTPUT), or null.</param>
    /// <param name="mode">With <see cref="SignatureMode.App"/> the tag binds the holder's aggregate digest.</param>
    /// <param name="verifier">Drops packets whose tag does not verify (INPUT/FORWARD), or null.</param>
    /// <param name="clampIncomingSyns">Lower the MSS of incoming SYNs (INPUT of a signing host).</param>
    /// <param name="mtu">The path MTU signed TCP segments must fit (<c>--sig-mtu</c>).</param>
    /// <param name="holders">Packet → holder images (app mode), or null.</param>
    /// <param name="firstLookup">The reader's own socket lookup for a flow seen for the first time (app mode), or null.</param>
    public QueueSignatures(PacketSigner? signer, SignatureMode mode, PacketVerifier? verifier, bool clampIncomingSyns, int mtu,
        IHolderImageSource? holders, ISocketLookup? firstLookup)
    {
        _signer = signer;
        _mode = signer is null ? SignatureMode.None : mode;
        _verifier = verifier;
        _clampIncomingSyns = clampIncomingSyns;
        _mtu = mtu;
        _holders = holders;
        _firstLookup = firstLookup;
    }

    public bool Signs => _signer is not null;

    public bool Verifies => _verifier is not null;

    /// <summary>True when an accepted packet may be replaced (<see cref="TryRewrite"/>): the queue needs whole packets.</summary>
    public bool Rewrites => _signer is not null || _clampIncomingSyns;

    /// <summary>The most bytes <see cref="TryRewrite"/> writes for a packet of <paramref name="length"/> bytes.</summary>
    public static int MaxRewrittenLength(int length) => length + PacketSigner.MaxGrowth;

    /// <summary>
    /// Checks the packet's tag; false (the packet is dropped, and counted by reason) unless it is authentic, fresh
    /// and not seen before. <paramref name="app"/> is what it attests.
    /// </summary>
    public bool Verify(ReadOnlySpan<byte> packet, QueueCounters counters, out AttestedApp app)
    {
        VerifyOutcome outcome = _verifier!.Verify(packet, out AppAttestation attestation);
        switch (outcome)
        {
            case VerifyOutcome.Valid:
                Volatile.Write(ref counters.Verified, counters.Verified + 1);
                app = attestation.IsPresent ? AttestedApp.Of(attestation.Prefix) : AttestedApp.None;
                return true;
            case VerifyOutcome.Unsigned:
                Volatile.Write(ref counters.Unsigned, counters.Unsigned + 1);
                break;
            case VerifyOutcome.Replayed:
                Volatile.Write(ref counters.Replayed, counters.Replayed + 1);
                break;
            default:
                Volatile.Write(ref counters.Forged, counters.Forged + 1);
                break;
        }
        app = AttestedApp.None;
        return false;
    }

    /// <summary>
    /// Writes the packet that replaces an accepted one into <paramref name="output"/>: on the signing queue the signed
    /// packet (0 when it cannot be signed: the caller drops it, as any verifier would); on a clamping queue the SYN
    /// with its MSS lowered (0 when nothing changes: the packet is accepted as it is).
    /// </summary>
    /// <param name="output">At least <see cref="MaxRewrittenLength"/> bytes.</param>
    public int TryRewrite(ReadOnlySpan<byte> packet, in PacketHeaders headers, bool headersValid, uint? uid, SignatureLocation? location,
        Span<byte> output, QueueCounters counters)
    {
        bool syn = headersValid && headers.Protocol == IpProtocolNumbers.IPPROTO_TCP && (headers.TcpFlags & TcpFlagSyn) != 0;
        if (_signer is null)
        {
            if (!syn || packet.Length > output.Length) return 0;
            packet.CopyTo(output);
            return PacketSigner.ClampMss(output[..packet.Length], _mtu) ? packet.Length : 0;
        }

        if (syn && packet.Length <= _syn.Length)
        {
            // Lower the MSS first: the peer's segments then leave room for its own tag.
            packet.CopyTo(_syn);
            if (PacketSigner.ClampMss(_syn.AsSpan(0, packet.Length), _mtu))
                packet = _syn.AsSpan(0, packet.Length);
        }

        Span<byte> digest = stackalloc byte[Sha256Digest.Size];
        int appLength = _mode == SignatureMode.App && headersValid ? AppDigest(Resolve(headers, uid), _images, digest, counters) : 0;
        return Sign(packet, location, digest[..appLength], output, counters);
    }

    /// <summary>
    /// Signs an accepted packet that was deferred for its holders (the attribution actor's thread; allocates: the
    /// slow path). <paramref name="holders"/> are the images the final judge found, complete or not. Null when the
    /// packet cannot be signed (it is dropped).
    /// </summary>
    public byte[]? SignDeferred(byte[] packet, HolderImages holders, bool allHoldersKnown, SignatureLocation? location, QueueCounters counters)
    {
        if (_signer is null) return null;
        if (PacketHeaderParser.TryParse(packet, out PacketHeaders headers)
            && headers.Protocol == IpProtocolNumbers.IPPROTO_TCP && (headers.TcpFlags & TcpFlagSyn) != 0)
            PacketSigner.ClampMss(packet, _mtu);
        Span<byte> digest = stackalloc byte[Sha256Digest.Size];
        int appLength = _mode == SignatureMode.App
            ? AppDigest(allHoldersKnown ? HolderResolution.Complete : HolderResolution.Pending, holders, digest, counters)
            : 0;
        var output = new byte[MaxRewrittenLength(packet.Length)];
        int written = Sign(packet, location, digest[..appLength], output, counters);
        return written == 0 ? null : output[..written];
    }

    private int Sign(ReadOnlySpan<byte> packet, SignatureLocation? location, ReadOnlySpan<byte> app, Span<byte> output, QueueCounters counters)
    {
        var where = location ?? PacketSigner.DefaultLocation;
        if (_signer!.TrySign(packet, output, where, app, out int written) != SignOutcome.Signed)
        {
            Interlocked.Increment(ref counters.SignFailed);
            return 0;
        }
        Interlocked.Increment(ref counters.Signed);
        return written;
    }

    /// <summary>The packet's holders, from memory, after one socket lookup of the reader's own for a new flow.</summary>
    private HolderResolution Resolve(in PacketHeaders headers, uint? uid)
    {
        if (_holders is null) return HolderResolution.Unattributable;
        HolderResolution resolution = _holders.Resolve(Chain.Output, headers, _images);
        if (resolution == HolderResolution.Pending && _images.MissingFlow && _firstLookup is not null && LookUp(headers, uid))
            resolution = _holders.Resolve(Chain.Output, headers, _images);
        return resolution;
    }

    /// <summary>
    /// The aggregate digest of the application holding the packet's socket, or empty (packet mode) when its holder is
    /// not known yet, when holders with different images share the socket, or when a holder runs code that could not
    /// be hashed: the tag never attests an application it cannot vouch for.
    /// </summary>
    /// <returns>The digest's length in <paramref name="digest"/>, or 0 for packet mode.</returns>
    private static int AppDigest(HolderResolution resolution, HolderImages holders, Span<byte> digest, QueueCounters counters)
    {
        if (resolution == HolderResolution.Complete && holders.Count > 0)
        {
            var images = holders.Images;
            Sha256Digest aggregate = images[0].Aggregate;
            bool single = true;
            foreach (var image in images)
                single &= image.Aggregate == aggregate && !image.Unverifiable;
            if (single)
            {
                aggregate.WriteTo(digest);
                return Sha256Digest.Size;
            }
        }
        Interlocked.Increment(ref counters.SignedWithoutApp);
        return 0;
    }

    private bool LookUp(in PacketHeaders headers, uint? uid)
    {
        try
        {
            return _firstLookup!.Lookup(headers, LocalSide.Source, uid).Status == SocketLookupStatus.Found;
        }
        catch (Daf.Interop.Netlink.NetlinkException)
        {
            return false;
        }
    }
}
