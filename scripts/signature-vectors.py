#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""An independent implementation of docs/signatures.md, written from the spec only.

  scripts/signature-vectors.py            prints the test-vector section of docs/signatures.md
  scripts/signature-vectors.py --verify   reads lines "KEYHEX PACKETHEX" on stdin, prints per line
                                          "valid SIGNER COUNTER APPPREFIX|-" or "invalid REASON"
Daf.Actors.Tests checks that the C# codec reproduces the vectors byte for byte (SignatureTestVectorTests)
and that this verifier accepts what the C# signer produces (ThirdPartyVerifierTests).
"""
import hashlib
import hmac
import struct
import sys

DOMAIN = b"DAF-SIG1"
MAC_LEN = 12


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def key_id(key):
    return hmac.new(key, b"DAF-SIG1 key id", hashlib.sha256).digest()[0]


def upper_layer(p):
    """(offset of the upper layer, protocol, offset of the byte naming it)"""
    if p[0] >> 4 == 4:
        return (p[0] & 15) * 4, p[9], 9
    off, nh, field = 40, p[6], 6
    while nh in (0, 43, 60):
        field, nh, off = off, p[off], off + (p[off + 1] + 1) * 8
    return off, nh, field


def checksum_field(proto, version):
    return {6: 16, 17: 6, 136: 6}.get(proto, 2 if (proto, version) in ((1, 4), (58, 6)) else -1)


def fix_checksums(p, l4_too):
    p = bytearray(p)
    version = p[0] >> 4
    if version == 4:
        ihl = (p[0] & 15) * 4
        p[10:12] = b"\0\0"
        p[10:12] = struct.pack("!H", csum(bytes(p[:ihl])))
    if l4_too:
        off, proto, _ = upper_layer(p)
        f = checksum_field(proto, version)
        p[off + f:off + f + 2] = b"\0\0"
        seg = bytes(p[off:])
        pseudo = b"" if proto == 1 else (bytes(p[12:20]) if version == 4 else bytes(p[8:40])) + struct.pack("!BBH", 0, proto, len(seg))
        c = csum(pseudo + seg)
        if c == 0 and proto == 17:
            c = 0xFFFF
        p[off + f:off + f + 2] = struct.pack("!H", c)
    return bytes(p)


def sign(packet, key, signer_id, counter, location, app_digest):
    p = bytearray(packet)
    version = p[0] >> 4
    app = app_digest is not None
    fields = bytes([0x11 if app else 0x10, key_id(key)]) + struct.pack("!IQ", signer_id, counter) + (app_digest[:8] if app else b"")
    body_len = len(fields) + MAC_LEN
    off, proto, nh_field = upper_layer(p)
    tcp_hlen = (p[off + 12] >> 4) * 4 if proto == 6 else 0
    if location == "l4" and proto == 6 and tcp_hlen + 2 + body_len <= 60:
        carrier, at, growth = "tcp", off + 20, 2 + body_len
        opt = bytes([253, growth]) + fields + bytes(MAC_LEN)
        p[off + 12] = (((tcp_hlen + growth) // 4) << 4) | (p[off + 12] & 15)
    elif version == 4:
        carrier, at, growth = "ipv4", 20, 2 + body_len
        opt = bytes([0x5E, growth]) + fields + bytes(MAC_LEN)
        p[0] = 0x40 | (((p[0] & 15) * 4 + growth) // 4)
    else:
        carrier, at = "ipv6", off
        growth = (4 + body_len + 7) // 8 * 8
        pad = growth - 4 - body_len
        opt = bytes([proto, growth // 8 - 1, 0x1E, body_len]) + fields + bytes(MAC_LEN)
        opt += b"\0" if pad == 1 else bytes([1, pad - 2]) + bytes(pad - 2)
        p[nh_field] = 60
    p = p[:at] + opt + p[at:]
    if version == 4:
        p[2:4] = struct.pack("!H", len(p))
    else:
        p[4:6] = struct.pack("!H", len(p) - 40)

    # MAC input
    off, proto, _ = upper_layer(p)
    seg = bytearray(p[off:])
    f = checksum_field(proto, version)
    if f >= 0 and len(seg) >= f + 2:
        seg[f:f + 2] = b"\0\0"
    if carrier == "tcp":
        mac_at = at + 2 + len(fields) - off
        seg[mac_at:mac_at + MAC_LEN] = bytes(MAC_LEN)
    if version == 4:
        ip = bytes([4]) + bytes(p[12:20]) + bytes([proto]) + bytes(p[4:6])
    else:
        ip = bytes([6]) + bytes(p[8:40]) + bytes([proto])
    m = DOMAIN + fields + ip + struct.pack("!H", len(seg)) + bytes(seg)
    mac = hmac.new(key, m, hashlib.sha256).digest()[:MAC_LEN]
    body_at = at + (4 if carrier == "ipv6" else 2) + len(fields)
    p[body_at:body_at + MAC_LEN] = mac
    p = fix_checksums(bytes(p), carrier == "tcp")
    return fields + mac, p


def ipv4(proto, l4, ident=0x1234, src=bytes([192, 0, 2, 1]), dst=bytes([198, 51, 100, 7])):
    h = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), ident, 0x4000, 64, proto, 0, src, dst))
    return fix_checksums(bytes(h) + l4, proto in (1, 6, 17))


def ipv6(proto, l4, src=bytes.fromhex("20010db8000000000000000000000001"), dst=bytes.fromhex("20010db8000000000000000000000002")):
    h = struct.pack("!IHBB16s16s", 0x60012345, len(l4), proto, 64, src, dst)
    return fix_checksums(h + l4, True)


def tcp(flags, options=b"", payload=b""):
    return struct.pack("!HHIIBBHHH", 40000, 443, 1000, 2000, ((20 + len(options)) // 4) << 4, flags, 64240, 0, 0) + options + payload


def udp(payload):
    return struct.pack("!HHHH", 5353, 53, 8 + len(payload), 0) + payload


def echo(icmp_type, payload):
    return struct.pack("!BBHHH", icmp_type, 0, 0, 0x0BAD, 1) + payload


KEY = bytes(range(32))
KEY2 = hashlib.sha256(b"second key").digest() + b"\n"
APP = hashlib.sha256(b"/usr/bin/curl").digest()
TS = bytes([1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2])
SYN_OPTIONS = bytes([2, 4, 5, 0xB4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7])

VECTORS = [
    ("IPv4 UDP, mode packet, L3", KEY, 42, 1, "l3", None, ipv4(17, udp(b"hello, world"))),
    ("IPv4 TCP data segment with timestamps, mode packet, L4", KEY, 42, 2, "l4", None, ipv4(6, tcp(0x18, TS, b"GET / HTTP/1.0\r\n\r\n"))),
    ("IPv4 TCP SYN with full options, L4 asked: falls back to L3", KEY, 42, 3, "l4", None, ipv4(6, tcp(0x02, SYN_OPTIONS))),
    ("IPv4 ICMP echo request, mode app, L3, second key", KEY2, 0xDEADBEEF, 1700000000000000000, "l3", APP, ipv4(1, echo(8, b"ping"))),
    ("IPv6 UDP, mode packet, L3", KEY, 7, 1, "l3", None, ipv6(17, udp(b"hello, world"))),
    ("IPv6 TCP data segment, mode app, L4", KEY, 7, 2, "l4", APP, ipv6(6, tcp(0x18, b"", b"data"))),
    ("IPv6 ICMPv6 echo request, mode app, L3", KEY, 7, 3, "l3", APP, ipv6(58, echo(128, b"ping6"))),
    ("IPv4 TCP empty ACK (the original's replayable case), mode packet, L3", KEY, 42, 4, "l3", None, ipv4(6, tcp(0x10))),
]

def find_tag(p):
    """(carrier, offset of the tag body, body length) of the first tag: IP layer first, then TCP; or None."""
    version = p[0] >> 4

    def scan(start, end, kind, carrier):
        i = start
        while i < end:
            if p[i] == 0:
                return None
            if p[i] == 1:
                i += 1
                continue
            if p[i] == kind:
                return carrier, i + 2, p[i + 1] - 2
            i += p[i + 1]
        return None

    if version == 4:
        found = scan(20, (p[0] & 15) * 4, 0x5E, "ipv4")
        if found:
            return found
    else:
        off, nh = 40, p[6]
        while nh in (0, 43, 60):
            if nh == 60:
                i, end = off + 2, off + (p[off + 1] + 1) * 8
                while i < end:
                    if p[i] == 0:
                        i += 1
                        continue
                    if p[i] == 0x1E:
                        return "ipv6", i + 2, p[i + 1]
                    i += 2 + p[i + 1]
            nh, off = p[off], off + (p[off + 1] + 1) * 8
    off, proto, _ = upper_layer(p)
    if proto == 6 and len(p) - off >= 20:
        return scan(off + 20, off + (p[off + 12] >> 4) * 4, 253, "tcp")
    return None


def verify(packet, keys):
    """Checks the MAC only (a real verifier also keeps the replay window per (key id, signer id))."""
    p = bytes(packet)
    version = p[0] >> 4
    tag = find_tag(p)
    if tag is None:
        return "invalid unsigned"
    carrier, at, length = tag
    if (p[at], length) not in ((0x10, 26), (0x11, 34)):
        return "invalid version"
    fields, mac = p[at:at + length - MAC_LEN], p[at + length - MAC_LEN:at + length]
    off, proto, _ = upper_layer(p)
    seg = bytearray(p[off:])
    f = checksum_field(proto, version)
    if f >= 0 and len(seg) >= f + 2:
        seg[f:f + 2] = b"\0\0"
    if carrier == "tcp":
        seg[at + len(fields) - off:at + length - off] = bytes(MAC_LEN)
    ip = bytes([4]) + p[12:20] + bytes([proto]) + p[4:6] if version == 4 else bytes([6]) + p[8:40] + bytes([proto])
    m = DOMAIN + fields + ip + struct.pack("!H", len(seg)) + bytes(seg)
    candidates = [k for k in keys if key_id(k) == fields[1]]
    if not candidates:
        return "invalid unknown-key"
    if not any(hmac.compare_digest(hmac.new(k, m, hashlib.sha256).digest()[:MAC_LEN], mac) for k in candidates):
        return "invalid bad-tag"
    signer, counter = struct.unpack("!IQ", fields[2:14])
    return f"valid {signer} {counter} {fields[14:22].hex() if fields[0] == 0x11 else '-'}"


if __name__ == "__main__" and sys.argv[1:] == ["--verify"]:
    for line in sys.stdin:
        key_hex, packet_hex = line.split()
        print(verify(bytes.fromhex(packet_hex), [bytes.fromhex(key_hex)]), flush=True)
elif __name__ == "__main__":
    for i, (title, key, signer, counter, loc, app, packet) in enumerate(VECTORS, 1):
        tag, out = sign(packet, key, signer, counter, loc, app)
        print(f"### Vector {i}: {title}\n")
        print(f"- key: `{key.hex()}`")
        print(f"- key id: `{key_id(key):02x}`")
        print(f"- signer id: `{signer}`")
        print(f"- counter: `{counter}`")
        print(f"- location: `{loc}`")
        print(f"- app digest: `{app.hex() if app else 'none'}`")
        print(f"- input: `{packet.hex()}`")
        print(f"- tag: `{tag.hex()}`")
        print(f"- output: `{out.hex()}`\n")
