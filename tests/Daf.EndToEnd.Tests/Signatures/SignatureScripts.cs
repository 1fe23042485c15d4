// SPDX-License-Identifier: Apache-2.0
namespace Daf.EndToEnd.Tests.Signatures;

/// <summary>The python3 programs the signature tests run inside their namespaces.</summary>
internal static class SignatureScripts
{
    /// <summary>
    /// Packet tamperer, run on the signing host: `IFACE SRC DST PORT MARK`. Sends one datagram "original" to DST:PORT
    /// through the normal stack (so app-fw signs it) with TTL 3, which the gateway drops before verification; captures
    /// it signed on IFACE; then sends, from a raw socket whose packets carry MARK (so the signer leaves them alone),
    /// with every checksum right so that only the signature can reject them: a copy with one payload bit flipped, one
    /// to PORT+1, the tag moved onto another datagram ("forged!!" to PORT+2), the same datagram from another source
    /// port (another flow), then the untouched packet with TTL 64 (its first arrival: the control that proves this
    /// path delivers a valid packet), and the same bytes again (a replay). Prints `SENT name` lines.
    /// </summary>
    public const string Tamper = """
        import socket, struct, sys, time, select
        iface, src, dst, port, mark = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5], 0)

        def csum(data):
            if len(data) % 2: data += b'\0'
            s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
            while s >> 16: s = (s & 0xffff) + (s >> 16)
            return (~s) & 0xffff

        def fix(p):
            p = bytearray(p)
            ihl = (p[0] & 15) * 4
            struct.pack_into('!H', p, 2, len(p))
            struct.pack_into('!H', p, 10, 0)
            struct.pack_into('!H', p, 10, csum(bytes(p[:ihl])))
            udp = p[ihl:]
            struct.pack_into('!H', p, ihl + 4, len(udp))
            struct.pack_into('!H', p, ihl + 6, 0)
            pseudo = p[12:20] + struct.pack('!BBH', 0, 17, len(udp))
            c = csum(bytes(pseudo + p[ihl:])) or 0xffff
            struct.pack_into('!H', p, ihl + 6, c)
            return bytes(p)

        # Outgoing frames reach only ETH_P_ALL packet sockets.
        cap = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
        cap.bind((iface, 0))
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((src, 0))
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 3)
        s.sendto(b'original', (dst, port))
        original = None
        deadline = time.time() + 10
        while original is None and time.time() < deadline:
            r, _, _ = select.select([cap], [], [], 0.5)
            if not r: continue
            frame, addr = cap.recvfrom(70000)
            if addr[2] != socket.PACKET_OUTGOING or frame[12:14] != b'\x08\x00': continue
            p = frame[14:]
            ihl = (p[0] & 15) * 4
            if p[9] == 17 and struct.unpack('!H', p[ihl + 2:ihl + 4])[0] == port and p[ihl + 8:] == b'original':
                original = p
        if original is None:
            print('NOCAPTURE', flush=True); sys.exit(3)
        ihl = (original[0] & 15) * 4
        print('CAPTURED ihl=%d len=%d' % (ihl, len(original)), flush=True)

        raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, mark)
        def send(name, p):
            p = bytearray(p); p[8] = 64
            raw.sendto(fix(p), (dst, 0))
            print('SENT ' + name, flush=True)
            time.sleep(0.2)

        flipped = bytearray(original); flipped[-1] ^= 0x01
        send('flipped', flipped)
        moved = bytearray(original); struct.pack_into('!H', moved, ihl + 2, port + 1)
        send('port', moved)
        other = original[:ihl + 8] + b'forged!!'
        other = bytearray(other); struct.pack_into('!H', other, ihl + 2, port + 2)
        send('moved', other)
        flow = bytearray(original); struct.pack_into('!H', flow, ihl, (struct.unpack('!H', original[ihl:ihl + 2])[0] + 1) & 0xffff or 1)
        send('flow', flow)
        send('control', original)
        time.sleep(0.3)
        send('replay', original)
        """;

    /// <summary>UDP receiver: `ADDR SECONDS PORT...`; prints `RECV port sourceport payload` for each datagram, until SECONDS pass.</summary>
    public const string Receiver = """
        import socket, sys, time, select
        addr, seconds, ports = sys.argv[1], float(sys.argv[2]), [int(p) for p in sys.argv[3:]]
        family = socket.AF_INET6 if ':' in addr else socket.AF_INET
        socks = {}
        for p in ports:
            s = socket.socket(family, socket.SOCK_DGRAM)
            s.bind((addr, p))
            socks[s] = p
        print('LISTENING', flush=True)
        end = time.time() + seconds
        while time.time() < end:
            r, _, _ = select.select(list(socks), [], [], 0.2)
            for s in r:
                data, peer = s.recvfrom(70000)
                print('RECV %d %d %s' % (socks[s], peer[1], data.decode('latin-1')), flush=True)
        """;

    /// <summary>
    /// An application that sends UDP datagrams: `DST PORT COUNT GATE [ctypes]`. Binds its socket, prints `READY pid
    /// sourceport`, waits (at most 120 s) for the file GATE, then sends COUNT datagrams 50 ms apart and exits. With
    /// `ctypes` it first loads ctypes (libffi): a different set of mapped objects, so another aggregate digest.
    /// </summary>
    public const string App = """
        import os, socket, sys, time
        if len(sys.argv) > 5 and sys.argv[5] == 'ctypes':
            import ctypes
        dst, port, count, gate = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
        family = socket.AF_INET6 if ':' in dst else socket.AF_INET
        s = socket.socket(family, socket.SOCK_DGRAM)
        s.bind(('', 0))
        print('READY %d %d' % (os.getpid(), s.getsockname()[1]), flush=True)
        end = time.time() + 120
        while not os.path.exists(gate) and time.time() < end:
            time.sleep(0.05)
        for i in range(count):
            s.sendto(b'app %d' % i, (dst, port))
            time.sleep(0.05)
        """;
}
