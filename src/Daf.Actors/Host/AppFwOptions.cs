// SPDX-License-Identifier: Apache-2.0
using System.Globalization;
using Daf.Actors.Rules;

namespace Daf.Actors.Host;

/// <summary>app-fw's command line, parsed. Names and defaults follow the original DAF where they apply.</summary>
public sealed record AppFwOptions
{
    /// <summary>Queue number per chain, or null when that chain's queue is disabled ("off").</summary>
    public ushort? QueueOut { get; init; } = 0;
    public ushort? QueueIn { get; init; } = 1;
    public ushort? QueueForward { get; init; } = 2;
    public ChainPolicies Policies { get; init; } = ChainPolicies.AllAccept;
    /// <summary>-b: verdicts batched at most; 1 sends one verdict per packet.</summary>
    public int BatchCount { get; init; } = 1;
    /// <summary>-B: a partial batch is flushed this long after its first verdict.</summary>
    public int BatchTimeoutMicroseconds { get; init; } = DefaultBatchTimeoutMicroseconds;
    /// <summary>-n: the netlink receive buffer grows up to this on ENOBUFS.</summary>
    public int MaxNetlinkBufferBytes { get; init; } = 8 << 20;
    /// <summary>-P: copy only the first <see cref="PartialReadBytes"/> of each packet.</summary>
    public bool PartialRead { get; init; }
    /// <summary>-c: packets read per receive call.</summary>
    public int PacketPrefetch { get; init; } = 64;
    /// <summary>-e: the eBPF object; null means "syscall_probe.o beside the binary".</summary>
    public string? EbpfObjectPath { get; init; }
    /// <summary>-d: how long a process that dropped a socket (close, exit) still counts as its holder.</summary>
    public int GraceDelayMilliseconds { get; init; } = 50;
    /// <summary>-R: read a process's maps once per exec, never again.</summary>
    public bool NoRescan { get; init; }
    /// <summary>-r: keep objects in a process's identity after they are unmapped.</summary>
    public bool KeepUnmapped { get; init; }
    /// <summary>-S: accepted for the original's command lines; no effect (no namespace switch is ever made per packet).</summary>
    public bool SkipNamespaceSwitch { get; init; }
    /// <summary>--attrib-wait: how long a packet whose holders are not in memory yet may wait for them.</summary>
    public int AttributionWaitMilliseconds { get; init; } = 200;
    public string? RulesFile { get; init; }
    public string StateDirectory { get; init; } = "/run/daf";
    /// <summary>--control-port: the loopback port ctl-fw talks to; null means hocon's akka.remote.dot-netty.tcp.port.</summary>
    public int? ControlPort { get; init; }
    /// <summary>--metrics: where the Prometheus endpoint listens; null (the default): no endpoint.</summary>
    public Metrics.MetricsEndpoint? Metrics { get; init; }
    public bool ShowHelp { get; init; }
    /// <summary>--install-rules: add the iptables/ip6tables NFQUEUE jumps at start, remove them at exit.</summary>
    public bool InstallRules { get; init; }
    /// <summary>--fail-closed: the installed jumps have no --queue-bypass (packets wait, then drop, without app-fw).</summary>
    public bool FailClosed { get; init; }
    /// <summary>--log-accept: the decision log has a line per ACCEPT too, not only per DROP.</summary>
    public bool LogAccept { get; init; }
    /// <summary>--log-rate: decision-log lines per second at most (also the burst); 0 turns the decision log off.</summary>
    public int LogRate { get; init; } = DefaultLogRate;
    /// <summary>-t: sign accepted OUTPUT packets (needs <see cref="SecretFile"/>).</summary>
    public SignatureMode Signing { get; init; } = SignatureMode.None;
    /// <summary>-s: the key file (at least 32 bytes, readable by root only).</summary>
    public string? SecretFile { get; init; }
    /// <summary>--secret2: a second key accepted by verifiers during a rotation (the signer signs with <see cref="SecretFile"/>).</summary>
    public string? SecondSecretFile { get; init; }
    /// <summary>-i: drop INPUT packets without a valid tag before the rules.</summary>
    public bool VerifyInput { get; init; }
    /// <summary>-f: drop FORWARD packets without a valid tag before the rules.</summary>
    public bool VerifyForward { get; init; }
    /// <summary>--replay-window: how many counters behind the newest a verifier still accepts (once each).</summary>
    public int ReplayWindow { get; init; } = DefaultReplayWindow;
    /// <summary>--signer-id: the id this signer puts in its tags (verifiers keep one replay window per signer).</summary>
    public uint? SignerId { get; init; }

    /// <summary>--sig-mtu: the path MTU signed TCP segments must fit; the MSS of SYNs is lowered to leave room for the tag.</summary>
    public int SignatureMtu { get; init; } = 1500;

    public const int DefaultReplayWindow = Signatures.PacketVerifier.DefaultReplayWindow;

    /// <summary>True when the chain's queue signs (OUTPUT with -t).</summary>
    public bool Signs(Chain chain) => chain == Chain.Output && Signing != SignatureMode.None;

    /// <summary>True when the chain's queue lowers the MSS of incoming SYNs (INPUT of a signing host).</summary>
    public bool ClampsSyns(Chain chain) => chain == Chain.Input && Signing != SignatureMode.None;

    /// <summary>True when the chain's queue signs, verifies or rewrites packets: it copies whole packets and has GSO off.</summary>
    public bool HandlesSignatures(Chain chain) => Signs(chain) || Verifies(chain) || ClampsSyns(chain);

    public bool Verifies(Chain chain) => chain switch
    {
        Chain.Input => VerifyInput,
        Chain.Forward => VerifyForward,
        _ => false,
    };

    public const int DefaultBatchTimeoutMicroseconds = 50;
    public const int DefaultLogRate = 20;
    /// <summary>Enough for an IPv4 header with options or an IPv6 header with a few extension headers, plus the L4 ports.</summary>
    public const uint PartialReadBytes = 128;

    public IEnumerable<(Chain Chain, ushort Queue)> Queues()
    {
        if (QueueOut is { } o) yield return (Chain.Output, o);
        if (QueueIn is { } i) yield return (Chain.Input, i);
        if (QueueForward is { } f) yield return (Chain.Forward, f);
    }

    public const string Usage = """
        Usage: app-fw [OPTIONS]
        Judges packets queued by iptables (-j NFQUEUE) by address, port and protocol rules and by the
        SHA-256 digests of what the processes holding each packet's socket map.

          --queue-out N|off      queue serving the OUTPUT chain (default 0)
          --queue-in N|off       queue serving the INPUT chain (default 1)
          --queue-fwd N|off      queue serving the FORWARD chain (default 2)
          --pol-out ACCEPT|DROP  OUTPUT policy when no rule matches (default ACCEPT)
          --pol-in ACCEPT|DROP   INPUT policy (default ACCEPT)
          --pol-fwd ACCEPT|DROP  FORWARD policy (default ACCEPT)
          -b, --batch-count N    batch up to N verdicts in one message (default 1: one per packet)
          -B, --batch-timeout US flush a partial batch US microseconds after its first verdict (default 50)
          -n, --max-nl-bufsz B   grow the netlink receive buffer up to B bytes on overrun (default 8388608)
          -P, --partial-read     copy only the first 128 bytes of each packet (headers)
          -c, --pkt-prefetch N   read up to N packets per receive call (default 64)
          -e, --ebpf-obj PATH    eBPF object with the tracing programs (default: syscall_probe.o beside app-fw);
                                 without it identity rules still work through rate-limited /proc scans (slower)
          -d, --grace-delay MS   a process that closed a socket or exited stays its holder MS ms (default 50)
          -R, --no-rescan        read a process's maps once per exec, never again
          -r, --keep-unmapped    keep objects in a process's identity after they are unmapped
          -S, --skip-ns-switch   accepted for compatibility; no effect: app-fw never switches namespace per
                                 packet (one netlink socket per namespace, made once)
              --attrib-wait MS   longest wait for a packet's holders before it is judged without them (default 200)
              --rules FILE       seed the rules from FILE when STATE_DIR/rules does not exist yet
              --state-dir DIR    runtime files: rules, stats.json, control.pfx (default /run/daf)
              --control-port N   serve ctl-fw on 127.0.0.1 port N (default 4780)
              --metrics [ADDR:]PORT  serve Prometheus metrics at http://ADDR:PORT/metrics (ADDR default
                                 127.0.0.1; off by default)
              --install-rules    add the NFQUEUE jumps (chains DAF-OUTPUT/-INPUT/-FORWARD, iptables and
                                 ip6tables) at start and remove them at exit
              --fail-closed      with --install-rules: no --queue-bypass (without app-fw, queued packets drop)
              --log-accept       log ACCEPT decisions too (the decision log has every DROP)
              --log-rate N       decision-log lines per second at most (default 20; 0: no decision log)
          -t, --sig-type none|packet|app
                                 sign accepted OUTPUT packets (default none): packet = the tag authenticates
                                 the packet; app = it also binds the aggregate digest of the application
                                 holding the socket (packet mode when that holder is not known or several
                                 applications hold it). Where the tag travels: the matching rule's -l (l3 when
                                 the rule has none or the policy decided; l4 is TCP only, other packets at l3)
          -s, --secret FILE      key file: at least 32 bytes, owned by root, not readable by group or others
              --secret2 FILE     second key for rotation: verifiers accept tags made with either
          -i, --in-val           verify INPUT packets: unsigned, forged or replayed ones are dropped before the rules
          -f, --fwd-val          verify FORWARD packets (queue --queue-fwd) the same way
              --replay-window N  a verifier accepts each counter once, up to N behind the newest (multiple of 64,
                                 default 1024)
              --signer-id N      the signer id in this host's tags (default: random at each start)
              --sig-mtu N        path MTU signed TCP must fit (default 1500): the MSS of SYNs sent, and of SYNs
                                 and SYN-ACKs received on the INPUT queue, is lowered to leave room for the tag
          -h, --help             show this help

        Signing and verifying queues copy whole packets (-P does not apply to them) and have GSO off: the
        kernel segments GSO packets before queueing them, so each segment is signed and verified on its own.

        Signals: SIGTERM/SIGINT stop cleanly; SIGHUP reloads the rules file (--rules, else STATE_DIR/rules);
        SIGUSR1 writes STATE_DIR/stats.json.
        Environment: BASE_FREQ=HZ overrides the calibrated TSC frequency; NOTIFY_SOCKET (systemd Type=notify)
        gets READY/RELOADING/STOPPING/STATUS; JOURNAL_STREAM naming standard error selects journal log lines.
        """;

    /// <summary>Parses the arguments; on failure returns null and a one-line error.</summary>
    public static AppFwOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        var options = new AppFwOptions();
        error = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string? inlineValue = null;
            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=') is > 2 and var eq)
            {
                inlineValue = arg[(eq + 1)..];
                arg = arg[..eq];
            }

            string Value()
            {
                if (inlineValue is not null) return inlineValue;
                if (i + 1 >= args.Count) throw new OptionException($"option {arg} needs a value");
                return args[++i];
            }

            try
            {
                options = arg switch
                {
                    "-h" or "--help" => options with { ShowHelp = true },
                    "--queue-out" => options with { QueueOut = ParseQueue(arg, Value()) },
                    "--queue-in" => options with { QueueIn = ParseQueue(arg, Value()) },
                    "--queue-fwd" => options with { QueueForward = ParseQueue(arg, Value()) },
                    "--pol-out" => options with { Policies = options.Policies.With(Chain.Output, ParseVerdict(arg, Value())) },
                    "--pol-in" => options with { Policies = options.Policies.With(Chain.Input, ParseVerdict(arg, Value())) },
                    "--pol-fwd" => options with { Policies = options.Policies.With(Chain.Forward, ParseVerdict(arg, Value())) },
                    "-b" or "--batch-count" => options with { BatchCount = ParseInt(arg, Value(), 1, 65536) },
                    "-B" or "--batch-timeout" => options with { BatchTimeoutMicroseconds = ParseInt(arg, Value(), 1, 10_000_000) },
                    "-n" or "--max-nl-bufsz" => options with { MaxNetlinkBufferBytes = ParseInt(arg, Value(), 64 << 10, 1 << 30) },
                    "-P" or "--partial-read" => options with { PartialRead = true },
                    "-c" or "--pkt-prefetch" => options with { PacketPrefetch = ParseInt(arg, Value(), 1, 1024) },
                    "-e" or "--ebpf-obj" => options with { EbpfObjectPath = NonEmpty(arg, Value()) },
                    "-d" or "--grace-delay" => options with { GraceDelayMilliseconds = ParseInt(arg, Value(), 0, 60_000) },
                    "-R" or "--no-rescan" => options with { NoRescan = true },
                    "-r" or "--keep-unmapped" => options with { KeepUnmapped = true },
                    "-S" or "--skip-ns-switch" => options with { SkipNamespaceSwitch = true },
                    "--attrib-wait" => options with { AttributionWaitMilliseconds = ParseInt(arg, Value(), 1, 10_000) },
                    "--rules" => options with { RulesFile = NonEmpty(arg, Value()) },
                    "--state-dir" => options with { StateDirectory = NonEmpty(arg, Value()) },
                    "--control-port" => options with { ControlPort = ParseInt(arg, Value(), 1, ushort.MaxValue) },
                    "--metrics" => options with { Metrics = ParseMetrics(arg, Value()) },
                    "--install-rules" => options with { InstallRules = true },
                    "--fail-closed" => options with { FailClosed = true },
                    "--log-accept" => options with { LogAccept = true },
                    "--log-rate" => options with { LogRate = ParseInt(arg, Value(), 0, 1_000_000) },
                    "-t" or "--sig-type" => options with { Signing = ParseSignatureMode(arg, Value()) },
                    "-s" or "--secret" => options with { SecretFile = NonEmpty(arg, Value()) },
                    "--secret2" => options with { SecondSecretFile = NonEmpty(arg, Value()) },
                    "-i" or "--in-val" => options with { VerifyInput = true },
                    "-f" or "--fwd-val" => options with { VerifyForward = true },
                    "--replay-window" => options with { ReplayWindow = ParseReplayWindow(arg, Value()) },
                    "--sig-mtu" => options with { SignatureMtu = ParseInt(arg, Value(), 576, 65535) },
                    "--signer-id" => options with { SignerId = (uint)ParseLong(arg, Value(), 1, uint.MaxValue) },
                    _ when inlineValue is null && arg.StartsWith('-') => throw new OptionException($"unknown option {arg}"),
                    _ when inlineValue is not null => throw new OptionException($"unknown option {arg}"),
                    _ => throw new OptionException($"unexpected argument '{arg}'"),
                };
                if (inlineValue is not null && arg is "-h" or "--help" or "-P" or "--partial-read" or "-R" or "--no-rescan"
                    or "-r" or "--keep-unmapped" or "-S" or "--skip-ns-switch" or "--install-rules" or "--fail-closed" or "--log-accept"
                    or "-i" or "--in-val" or "-f" or "--fwd-val")
                    throw new OptionException($"option {arg} takes no value");
            }
            catch (OptionException e)
            {
                error = e.Message;
                return null;
            }
        }

        if (options.FailClosed && !options.InstallRules)
        {
            error = "--fail-closed applies to the rules --install-rules adds: give both";
            return null;
        }
        var queues = options.Queues().Select(q => q.Queue).ToList();
        if (queues.Count == 0)
        {
            error = "every queue is off: nothing to do";
            return null;
        }
        if (queues.Distinct().Count() != queues.Count)
        {
            error = "two chains name the same queue number";
            return null;
        }
        error = CheckSignatures(options);
        return error is null ? options : null;
    }

    private static string? CheckSignatures(AppFwOptions options)
    {
        bool usesKey = options.Signing != SignatureMode.None || options.VerifyInput || options.VerifyForward;
        if (options.SecondSecretFile is not null && options.SecretFile is null)
            return "--secret2 is the second key: give the first with -s/--secret";
        if (usesKey && options.SecretFile is null)
            return "-t, -i and -f need a key: -s/--secret FILE";
        if (!usesKey && (options.SecretFile is not null || options.SecondSecretFile is not null))
            return "-s/--secret given but nothing signs or verifies: add -t packet|app, -i or -f";
        if (options.Signing != SignatureMode.None && options.QueueOut is null)
            return "-t/--sig-type signs on the OUTPUT queue, which is off";
        if (options.VerifyInput && options.QueueIn is null)
            return "-i/--in-val verifies on the INPUT queue, which is off";
        if (options.VerifyForward && options.QueueForward is null)
            return "-f/--fwd-val verifies on the FORWARD queue, which is off";
        return null;
    }

    private static SignatureMode ParseSignatureMode(string option, string value) => value.ToLowerInvariant() switch
    {
        "none" => SignatureMode.None,
        "packet" => SignatureMode.Packet,
        "app" => SignatureMode.App,
        _ => throw new OptionException($"option {option}: '{value}' is not none, packet or app"),
    };

    private static int ParseReplayWindow(string option, string value)
    {
        int window = ParseInt(option, value, 64, 1 << 20);
        return window % 64 == 0 ? window : throw new OptionException($"option {option}: '{value}' is not a multiple of 64");
    }

    private static long ParseLong(string option, string value, long min, long max)
    {
        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
            throw new OptionException($"option {option}: '{value}' is not a whole number from {min} to {max}");
        return n;
    }

    private static ushort? ParseQueue(string option, string value)
    {
        if (value.Equals("off", StringComparison.OrdinalIgnoreCase)) return null;
        return (ushort)ParseInt(option, value, 0, ushort.MaxValue);
    }

    private static Metrics.MetricsEndpoint ParseMetrics(string option, string value) =>
        Daf.Actors.Metrics.MetricsEndpoint.TryParse(value)
            ?? throw new OptionException($"option {option}: '{value}' is not PORT, A.B.C.D:PORT or [IPV6]:PORT");

    private static Verdict ParseVerdict(string option, string value) =>
        RuleSyntax.TryParseVerdict(value, out var verdict)
            ? verdict
            : throw new OptionException($"option {option}: '{value}' is not ACCEPT or DROP");

    private static int ParseInt(string option, string value, int min, int max)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
            throw new OptionException($"option {option}: '{value}' is not a whole number from {min} to {max}");
        return n;
    }

    private static string NonEmpty(string option, string value) =>
        value.Length == 0 ? throw new OptionException($"option {option}: empty value") : value;

    private sealed class OptionException(string message) : Exception(message);
}
