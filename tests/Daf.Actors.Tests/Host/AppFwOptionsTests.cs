// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Host;
using Daf.Actors.Rules;

namespace Daf.Actors.Tests.Host;

public sealed class AppFwOptionsTests
{
    private static AppFwOptions Parse(params string[] args)
    {
        var options = AppFwOptions.Parse(args, out var error);
        Assert.True(options is not null, error);
        return options!;
    }

    private static string Error(params string[] args)
    {
        Assert.Null(AppFwOptions.Parse(args, out var error));
        Assert.NotNull(error);
        Assert.DoesNotContain('\n', error);
        return error!;
    }

    [Fact]
    public void Defaults_match_the_original()
    {
        var o = Parse();
        Assert.Equal((ushort)0, o.QueueOut);
        Assert.Equal((ushort)1, o.QueueIn);
        Assert.Equal((ushort)2, o.QueueForward);
        Assert.Equal(ChainPolicies.AllAccept, o.Policies);
        Assert.Equal(1, o.BatchCount);
        Assert.Equal("/run/daf", o.StateDirectory);
        Assert.False(o.PartialRead);
    }

    [Fact]
    public void The_original_readme_invocation_parses()
    {
        var o = Parse("-e", "bin/syscall_probe.o", "-b", "50", "-B", "50");
        Assert.Equal("bin/syscall_probe.o", o.EbpfObjectPath);
        Assert.Equal(50, o.BatchCount);
        Assert.Equal(50, o.BatchTimeoutMicroseconds);
    }

    [Fact]
    public void Every_option_is_understood_in_short_and_long_form()
    {
        var o = Parse("--queue-out", "10", "--queue-in", "11", "--queue-fwd", "off", "--pol-out", "drop", "--pol-in", "DROP",
            "--pol-fwd", "ACCEPT", "--batch-count", "64", "--batch-timeout=200", "-n", "1048576", "-P", "-c", "16",
            "--rules", "r.rules", "--state-dir", "/tmp/x");
        Assert.Equal((ushort)10, o.QueueOut);
        Assert.Equal((ushort)11, o.QueueIn);
        Assert.Null(o.QueueForward);
        Assert.Equal(new ChainPolicies(Verdict.Drop, Verdict.Drop, Verdict.Accept), o.Policies);
        Assert.Equal(64, o.BatchCount);
        Assert.Equal(200, o.BatchTimeoutMicroseconds);
        Assert.Equal(1048576, o.MaxNetlinkBufferBytes);
        Assert.True(o.PartialRead);
        Assert.Equal(16, o.PacketPrefetch);
        Assert.Equal("r.rules", o.RulesFile);
        Assert.Equal("/tmp/x", o.StateDirectory);
        Assert.Equal([(Chain.Output, (ushort)10), (Chain.Input, (ushort)11)], o.Queues().ToArray());
    }

    [Theory]
    [InlineData("unknown option --frobnicate", "--frobnicate")]
    [InlineData("option -b needs a value", "-b")]
    [InlineData("option -b: 'zero' is not a whole number from 1 to 65536", "-b", "zero")]
    [InlineData("option -b: '0' is not a whole number from 1 to 65536", "-b", "0")]
    [InlineData("option --queue-out: '70000' is not a whole number from 0 to 65535", "--queue-out", "70000")]
    [InlineData("option --pol-out: 'REJECT' is not ACCEPT or DROP", "--pol-out", "REJECT")]
    [InlineData("two chains name the same queue number", "--queue-in", "0")]
    [InlineData("every queue is off: nothing to do", "--queue-in", "off", "--queue-out", "off", "--queue-fwd", "off")]
    [InlineData("unexpected argument 'stray'", "stray")]
    [InlineData("option --partial-read takes no value", "--partial-read=yes")]
    public void Bad_arguments_give_a_one_line_error(string expected, params string[] args) =>
        Assert.Equal(expected, Error(args));

    [Fact]
    public void Usage_mentions_every_option()
    {
        foreach (var option in new[] { "--queue-out", "--queue-in", "--queue-fwd", "--pol-out", "--pol-in", "--pol-fwd",
                     "--batch-count", "--batch-timeout", "--max-nl-bufsz", "--partial-read", "--pkt-prefetch", "--ebpf-obj",
                     "--rules", "--state-dir", "--help" })
            Assert.Contains(option, AppFwOptions.Usage);
    }

    [Fact]
    public void Control_port_defaults_to_hocon_and_is_overridable()
    {
        Assert.Null(Parse().ControlPort);
        Assert.Equal(4781, Parse("--control-port", "4781").ControlPort);
        Assert.Equal(9, Parse("--control-port=9").ControlPort);
        Assert.Equal("option --control-port: '0' is not a whole number from 1 to 65535", Error("--control-port", "0"));
        Assert.Equal("option --control-port: '65536' is not a whole number from 1 to 65535", Error("--control-port", "65536"));
        Assert.Equal("option --control-port needs a value", Error("--control-port"));
        Assert.Contains("--control-port", AppFwOptions.Usage);
    }

    [Fact]
    public void Identity_options_parse_with_the_originals_letters()
    {
        var defaults = Parse();
        Assert.Equal((50, false, false, false, 200),
            (defaults.GraceDelayMilliseconds, defaults.NoRescan, defaults.KeepUnmapped, defaults.SkipNamespaceSwitch, defaults.AttributionWaitMilliseconds));
        var o = Parse("-d", "120", "-R", "-r", "-S", "--attrib-wait", "30");
        Assert.Equal((120, true, true, true, 30), (o.GraceDelayMilliseconds, o.NoRescan, o.KeepUnmapped, o.SkipNamespaceSwitch, o.AttributionWaitMilliseconds));
        Assert.Equal(0, Parse("--grace-delay=0").GraceDelayMilliseconds);
    }

    [Theory]
    [InlineData("-d", "-1")]
    [InlineData("-d", "60001")]
    [InlineData("--attrib-wait", "0")]
    [InlineData("--no-rescan=1")]
    public void Identity_option_errors_name_the_option(params string[] args) => Assert.Contains(args[0].Split('=')[0], Error(args));

    [Fact]
    public void Install_rules_fail_closed_and_the_decision_log_options_parse()
    {
        var o = Parse("--install-rules", "--fail-closed", "--log-accept", "--log-rate", "5");

        Assert.True(o.InstallRules);
        Assert.True(o.FailClosed);
        Assert.True(o.LogAccept);
        Assert.Equal(5, o.LogRate);
    }

    [Fact]
    public void Installing_rules_is_fail_open_and_the_decision_log_on_by_default()
    {
        var o = Parse("--install-rules");

        Assert.False(o.FailClosed);
        Assert.False(o.LogAccept);
        Assert.Equal(AppFwOptions.DefaultLogRate, o.LogRate);
    }

    [Fact]
    public void Fail_closed_without_install_rules_is_refused()
    {
        Assert.Contains("--install-rules", Error("--fail-closed"));
    }

    [Fact]
    public void Signature_options_parse_with_the_originals_letters()
    {
        var defaults = Parse();
        Assert.Equal((SignatureMode.None, false, false, (string?)null), (defaults.Signing, defaults.VerifyInput, defaults.VerifyForward, defaults.SecretFile));
        var signer = Parse("-t", "app", "-s", "/k1", "--secret2", "/k2");
        Assert.Equal((SignatureMode.App, "/k1", "/k2"), (signer.Signing, signer.SecretFile, signer.SecondSecretFile));
        Assert.True(signer.Signs(Chain.Output));
        Assert.False(signer.Verifies(Chain.Input));
        var verifier = Parse("--in-val", "--fwd-val", "--secret=/k", "--replay-window", "128");
        Assert.True(verifier.Verifies(Chain.Input) && verifier.Verifies(Chain.Forward));
        Assert.False(verifier.Signs(Chain.Output));
        Assert.Equal(128, verifier.ReplayWindow);
        Assert.Equal(SignatureMode.Packet, Parse("--sig-type", "PACKET", "-s", "k").Signing);
        Assert.Equal(SignatureMode.None, Parse("-t", "none").Signing);
    }

    [Theory]
    [InlineData("need a key", "-t", "packet")]
    [InlineData("need a key", "-i")]
    [InlineData("need a key", "-f")]
    [InlineData("nothing signs or verifies", "-s", "/k")]
    [InlineData("give the first", "-i", "--secret2", "/k")]
    [InlineData("'hmac' is not none, packet or app", "-t", "hmac", "-s", "/k")]
    [InlineData("OUTPUT queue, which is off", "-t", "packet", "-s", "/k", "--queue-out", "off")]
    [InlineData("INPUT queue, which is off", "-i", "-s", "/k", "--queue-in", "off")]
    [InlineData("FORWARD queue, which is off", "-f", "-s", "/k", "--queue-fwd", "off")]
    [InlineData("takes no value", "--in-val=1", "-s", "/k")]
    [InlineData("not a multiple of 64", "-i", "-s", "/k", "--replay-window", "100")]
    public void Signature_option_mistakes_are_usage_errors(string reason, params string[] args) => Assert.Contains(reason, Error(args));
}
