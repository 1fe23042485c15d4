// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;
using System.Security.Cryptography;
using Daf.Interop.Signatures;

namespace Daf.Actors.Signatures;

/// <summary>
/// Verifies the DAF tag of a packet in place (the tag stays: a gateway forwards it so that the server verifies
/// again). One verifier per host, shared by all its queues: the replay windows are per signer (key id, signer id),
/// not per flow or per queue, so a packet replayed into another queue is still caught. Thread-safe; no allocation
/// per packet except when a new signer appears.
/// </summary>
public sealed class PacketVerifier : IDisposable
{
    public const int DefaultReplayWindow = 1024;
    /// <summary>Signers remembered; beyond this the one idle longest is forgotten (docs/signatures.md, "Replay").</summary>
    public const int DefaultMaxSigners = 4096;

    private readonly VerifierKey[] _keys;
    private readonly Dictionary<ulong, ReplayWindow> _windows = new();
    private readonly Lock _windowsLock = new();
    private readonly int _maxSigners;

    public PacketVerifier(SigningKeys keys, int replayWindow = DefaultReplayWindow, int maxSigners = DefaultMaxSigners)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (replayWindow <= 0 || replayWindow % 64 != 0)
            throw new ArgumentOutOfRangeException(nameof(replayWindow), replayWindow, "a positive multiple of 64");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSigners);
        ReplayWindowSize = replayWindow;
        _maxSigners = maxSigners;
        _keys = keys.Secondary is null ? [new VerifierKey(keys.Primary)] : [new VerifierKey(keys.Primary), new VerifierKey(keys.Secondary)];
    }

    public int ReplayWindowSize { get; }

    /// <summary>Signers with a replay window.</summary>
    public int SignerCount
    {
        get
        {
            lock (_windowsLock)
                return _windows.Count;
        }
    }

    /// <summary>Verifies <paramref name="packet"/>.</summary>
    /// <param name="app">The attested application (app-mode tags that verified), else default (not present).</param>
    public VerifyOutcome Verify(ReadOnlySpan<byte> packet, out AppAttestation app) => Verify(packet, out app, out _, out _);

    /// <summary>Verifies <paramref name="packet"/> and reports the tag's signer id and counter (when a tag was found).</summary>
    public VerifyOutcome Verify(ReadOnlySpan<byte> packet, out AppAttestation app, out uint signerId, out ulong counter)
    {
        app = default;
        signerId = 0;
        counter = 0;
        switch (SignedPacketParser.Parse(packet, out SignedPacketLayout layout))
        {
            case SignedPacketStatus.Malformed:
                return VerifyOutcome.Malformed;
            case SignedPacketStatus.Fragment:
                return VerifyOutcome.Fragment;
            case SignedPacketStatus.Unsupported:
                return VerifyOutcome.Unsupported;
        }
        if (layout.Carrier == SignatureCarrier.None)
            return layout.HasUnknownTag ? VerifyOutcome.UnknownVersion : VerifyOutcome.Unsigned;

        ReadOnlySpan<byte> body = packet.Slice(layout.TagBodyOffset, layout.TagBodyLength);
        byte keyId = body[SignatureWire.KeyIdOffset];
        signerId = BinaryPrimitives.ReadUInt32BigEndian(body[SignatureWire.SignerIdOffset..]);
        counter = BinaryPrimitives.ReadUInt64BigEndian(body[SignatureWire.CounterOffset..]);
        ulong windowKey = ((ulong)keyId << 32) | signerId;

        bool known = false;
        foreach (VerifierKey key in _keys)
            known |= key.Id == keyId;
        if (!known)
            return VerifyOutcome.UnknownKey;

        lock (_windowsLock)
        {
            if (_windows.TryGetValue(windowKey, out ReplayWindow? window) && !window.IsFresh(counter))
                return VerifyOutcome.Replayed;
        }

        ReadOnlySpan<byte> tagMac = body[^SignatureWire.MacLength..];
        Span<byte> mac = stackalloc byte[32];
        bool authentic = false;
        foreach (VerifierKey key in _keys)
        {
            if (key.Id != keyId)
                continue;
            lock (key.Lock)
                SignatureMac.Compute(key.Hmac, packet, layout, mac);
            if (CryptographicOperations.FixedTimeEquals(mac[..SignatureWire.MacLength], tagMac))
            {
                authentic = true;
                break;
            }
        }
        if (!authentic)
            return VerifyOutcome.BadTag;

        lock (_windowsLock)
        {
            if (!_windows.TryGetValue(windowKey, out ReplayWindow? window))
            {
                if (_windows.Count >= _maxSigners)
                    ForgetIdlestSigner();
                window = new ReplayWindow(ReplayWindowSize);
                _windows.Add(windowKey, window);
            }
            if (!window.TryMark(counter))
                return VerifyOutcome.Replayed;
        }
        if ((body[SignatureWire.VersionModeOffset] & 0x0F) == SignatureWire.ModeApp)
            app = new AppAttestation(body.Slice(SignatureWire.AppPrefixOffset, SignatureWire.AppPrefixLength));
        return VerifyOutcome.Valid;
    }

    private void ForgetIdlestSigner()
    {
        ulong idlest = 0;
        long oldest = long.MaxValue;
        foreach (KeyValuePair<ulong, ReplayWindow> entry in _windows)
        {
            if (entry.Value.LastMarkedTicks < oldest)
            {
                oldest = entry.Value.LastMarkedTicks;
                idlest = entry.Key;
            }
        }
        _windows.Remove(idlest);
    }

    public void Dispose()
    {
        foreach (VerifierKey key in _keys)
            key.Hmac.Dispose();
    }

    private sealed class VerifierKey(SigningKey key)
    {
        public byte Id { get; } = key.Id;
        public IncrementalHash Hmac { get; } = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key.Secret);
        public Lock Lock { get; } = new();
    }
}
