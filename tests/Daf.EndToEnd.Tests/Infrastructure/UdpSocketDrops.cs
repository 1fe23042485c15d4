// SPDX-License-Identifier: Apache-2.0
namespace Daf.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A namespace's UDP receive-buffer overflows (Udp RcvbufErrors + Udp6RcvbufErrors): datagrams that
/// reached a socket but found it full, i.e. lost by the receiver, not by the firewall.
/// </summary>
public static class UdpSocketDrops
{
    public static long Read(NetnsBed bed, string ns)
    {
        var snmp = bed.Exec(ns, "cat", "/proc/net/snmp", "/proc/net/snmp6").EnsureSuccess().Stdout.Split('\n');
        long total = 0;
        for (int i = 0; i + 1 < snmp.Length; i++)
        {
            if (!snmp[i].StartsWith("Udp: ", StringComparison.Ordinal) || !snmp[i + 1].StartsWith("Udp: ", StringComparison.Ordinal))
                continue;
            int column = Array.IndexOf(snmp[i].Split(' '), "RcvbufErrors");
            total += long.Parse(snmp[i + 1].Split(' ')[column]);
            break;
        }
        foreach (var line in snmp)
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 2 && f[0] == "Udp6RcvbufErrors")
                total += long.Parse(f[1]);
        }
        return total;
    }
}
