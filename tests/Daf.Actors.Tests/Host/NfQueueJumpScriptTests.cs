// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Host;
using Daf.Actors.Rules;

namespace Daf.Actors.Tests.Host;

/// <summary>The iptables-restore scripts of --install-rules, from iptables -S listings (no iptables is run).</summary>
public sealed class NfQueueJumpScriptTests
{
    private const string Clean = "-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n-A OUTPUT -p tcp -m tcp --dport 1234 -j ACCEPT\n";

    private static List<string> Lines(string script) => script.TrimEnd('\n').Split('\n').ToList();

    [Fact]
    public void A_clean_table_gets_one_chain_and_one_jump_per_queue_with_bypass()
    {
        var script = NfQueueJumpScript.Install(Clean, [(Chain.Output, 0), (Chain.Input, 1)], failClosed: false);

        var lines = Lines(script);
        Assert.Equal("*filter", lines[0]);
        Assert.Equal("COMMIT", lines[^1]);
        Assert.Equal(
            [
                "-A DAF-INPUT -j NFQUEUE --queue-num 1 --queue-bypass", "-A DAF-OUTPUT -j NFQUEUE --queue-num 0 --queue-bypass",
                "-I INPUT 1 -j DAF-INPUT", "-I OUTPUT 1 -j DAF-OUTPUT", ":DAF-INPUT - [0:0]", ":DAF-OUTPUT - [0:0]",
            ],
            lines[1..^1].Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Fail_closed_queues_without_bypass()
    {
        var script = NfQueueJumpScript.Install(Clean, [(Chain.Forward, 7)], failClosed: true);

        Assert.Contains("-A DAF-FORWARD -j NFQUEUE --queue-num 7", Lines(script));
        Assert.DoesNotContain("--queue-bypass", script);
    }

    [Fact]
    public void A_set_left_by_a_killed_daemon_is_replaced_not_duplicated()
    {
        const string left = Clean + "-N DAF-OUTPUT\n-A OUTPUT -j DAF-OUTPUT\n-A DAF-OUTPUT -j NFQUEUE --queue-num 0 --queue-bypass\n";

        var lines = Lines(NfQueueJumpScript.Install(left, [(Chain.Output, 0)], failClosed: false));

        // The chain is flushed by its declaration; the old jump goes before the new one comes.
        Assert.Contains(":DAF-OUTPUT - [0:0]", lines);
        Assert.True(lines.IndexOf("-D OUTPUT -j DAF-OUTPUT") < lines.IndexOf("-I OUTPUT 1 -j DAF-OUTPUT"));
        Assert.Single(lines, l => l == "-D OUTPUT -j DAF-OUTPUT");
        Assert.Single(lines, l => l == "-I OUTPUT 1 -j DAF-OUTPUT");
    }

    [Fact]
    public void The_chain_of_a_queue_now_off_is_removed()
    {
        const string left = Clean + "-N DAF-FORWARD\n-A FORWARD -j DAF-FORWARD\n-A DAF-FORWARD -j NFQUEUE --queue-num 2 --queue-bypass\n";

        var lines = Lines(NfQueueJumpScript.Install(left, [(Chain.Output, 0)], failClosed: false));

        Assert.Contains("-D FORWARD -j DAF-FORWARD", lines);
        Assert.Contains("-X DAF-FORWARD", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("-A DAF-FORWARD", StringComparison.Ordinal));
    }

    [Fact]
    public void Removal_deletes_jumps_then_chains_and_nothing_else()
    {
        const string installed = Clean + "-N DAF-INPUT\n-N DAF-OUTPUT\n-A INPUT -j DAF-INPUT\n-A OUTPUT -j DAF-OUTPUT\n" +
            "-A DAF-INPUT -j NFQUEUE --queue-num 1\n-A DAF-OUTPUT -j NFQUEUE --queue-num 0\n";

        var lines = Lines(NfQueueJumpScript.Remove(installed)!);

        Assert.True(lines.IndexOf("-D OUTPUT -j DAF-OUTPUT") < lines.IndexOf("-X DAF-OUTPUT"));
        Assert.True(lines.IndexOf("-D INPUT -j DAF-INPUT") < lines.IndexOf("-X DAF-INPUT"));
        Assert.All(lines.Where(l => l.StartsWith('-')), l => Assert.Contains("DAF-", l));
        Assert.DoesNotContain(lines, l => l.Contains("FORWARD"));
    }

    [Fact]
    public void Nothing_to_remove_gives_no_script()
    {
        Assert.Null(NfQueueJumpScript.Remove(Clean));
    }

    [Fact]
    public void A_chain_someone_else_jumps_to_is_emptied_but_kept()
    {
        const string shared = Clean + "-N DAF-OUTPUT\n-A OUTPUT -j DAF-OUTPUT\n-A OUTPUT -p udp -j DAF-OUTPUT\n-A DAF-OUTPUT -j NFQUEUE --queue-num 0\n";

        var lines = Lines(NfQueueJumpScript.Remove(shared)!);

        Assert.Contains(":DAF-OUTPUT - [0:0]", lines);
        Assert.Contains("-D OUTPUT -j DAF-OUTPUT", lines);
        Assert.DoesNotContain("-X DAF-OUTPUT", lines);
        Assert.DoesNotContain(lines, l => l.Contains("-p udp"));
    }

    [Fact]
    public void The_listing_right_after_install_removes_to_exactly_what_install_added()
    {
        var queues = new[] { (Chain.Output, (ushort)0), (Chain.Forward, (ushort)2) };
        string installed = NfQueueJumpScript.Installed(queues, failClosed: true);

        var removal = Lines(NfQueueJumpScript.Remove(Clean + installed)!);

        Assert.Equal(
            ["*filter", ":DAF-OUTPUT - [0:0]", ":DAF-FORWARD - [0:0]", "-D OUTPUT -j DAF-OUTPUT", "-X DAF-OUTPUT", "-D FORWARD -j DAF-FORWARD", "-X DAF-FORWARD", "COMMIT"],
            removal);
        Assert.Contains("-A DAF-FORWARD -j NFQUEUE --queue-num 2\n", installed);
    }
}

