// SPDX-License-Identifier: Apache-2.0
using Daf.EndToEnd.Tests.Infrastructure;

namespace Daf.EndToEnd.Tests.Attribution;

/// <summary>
/// One attribution case: a fresh <see cref="NetnsBed"/>, a <see cref="ProgramCopies"/> directory, app-fw
/// running inside the namespace it judges with the queue rules only there, and a tagged UDP receiver.
/// Disposing removes all of it, even when the test failed half-way.
/// </summary>
public sealed class AttributionBed : IDisposable
{
    public const int ReceiverPort = 5300;
    private static readonly TimeSpan s_driverTimeout = TimeSpan.FromSeconds(25);
    private static readonly Lazy<string> s_python3 = new(RealPython3);
    private static readonly Lazy<string> s_python3Digest = new(() => ProgramCopies.DigestOf(s_python3.Value));

    public AttributionBed(bool routed = false)
    {
        Files = new ProgramCopies();
        try
        {
            Net = new NetnsBed(routed);
        }
        catch
        {
            Files.Dispose();
            throw;
        }
    }

    public NetnsBed Net { get; }
    public ProgramCopies Files { get; }
    public AppFwDaemon Daemon => _daemon ?? throw new InvalidOperationException("no daemon started");
    public TaggedUdpReceiver Receiver => _receiver ?? throw new InvalidOperationException("no receiver started");

    /// <summary>
    /// The python3 executable the driver runs as, and its digest: the interpreter itself (`sys.executable`,
    /// symlinks followed), not a launcher such as a pyenv shim that `python3` may name on PATH.
    /// </summary>
    public static string Python3 => s_python3.Value;
    public static string Python3Digest => s_python3Digest.Value;

    private AppFwDaemon? _daemon;
    private TaggedUdpReceiver? _receiver;

    /// <summary>
    /// Queues <paramref name="chain"/> of <paramref name="ns"/> (IPv4 and IPv6, only <paramref name="protocols"/>)
    /// to <paramref name="queue"/> and starts app-fw there with <paramref name="rules"/>.
    /// </summary>
    public AppFwDaemon StartFirewall(string ns, string chain, int queue, string[] protocols, string rules, params string[] args)
    {
        foreach (var protocol in protocols)
            NfQueueRule.Insert(Net, ns, chain, queue, bypass: false, "-p", protocol);
        _daemon = AppFwDaemon.StartWithRules(Net, ns, rules.EndsWith('\n') ? rules : rules + "\n", [.. DefaultArguments(args), .. args]);
        return _daemon;
    }

    /// <summary>
    /// What every case runs app-fw with unless it says otherwise: a decision-log line for each verdict (a failure
    /// message then shows which holders judged each packet), and an attribution wait long enough for a slow, loaded
    /// machine to read a new process's image: the cases prove who judges a packet, not how fast (bench/ measures that).
    /// </summary>
    private static IEnumerable<string> DefaultArguments(string[] args)
    {
        if (!args.Contains("--log-accept"))
            yield return "--log-accept";
        if (!args.Contains("--attrib-wait"))
        {
            yield return "--attrib-wait";
            yield return AttributionWaitMilliseconds;
        }
    }

    /// <summary>The attribution wait the cases run with (app-fw's default of 200 ms assumes an idle machine).</summary>
    public const string AttributionWaitMilliseconds = "3000";

    /// <summary>The common case: app-fw in the sender's namespace A judging its UDP OUTPUT on queue 0.</summary>
    public AppFwDaemon StartSenderFirewall(string rules, params string[] args) =>
        StartFirewall(Net.A, "OUTPUT", 0, ["udp"], rules, args);

    /// <summary>
    /// The most common setup: a freshly built library whose digest a DROP rule names, app-fw judging A's UDP
    /// OUTPUT, a receiver in B. Returns the library's path.
    /// </summary>
    public string StartBlockingLibrary(int ipVersion = 4)
    {
        string blocked = Files.BuildLibrary("libblocked.so");
        StartSenderFirewall($"-A -c OUTPUT --sng-hash {ProgramCopies.DigestOf(blocked)} -v DROP");
        StartReceiver(ipVersion);
        return blocked;
    }

    /// <summary>A tagged receiver in B (or <paramref name="ns"/>) on its address of <paramref name="ipVersion"/>.</summary>
    public TaggedUdpReceiver StartReceiver(int ipVersion, string? ns = null, bool echo = false)
    {
        ns ??= Net.B;
        _receiver = TaggedUdpReceiver.Start(Net, ns, Net.Address(ns, ipVersion), ReceiverPort, echo);
        return _receiver;
    }

    /// <summary>The driver step that opens a UDP socket to the receiver: `udp HOST PORT`.</summary>
    public string[] UdpToReceiver => ["udp", Receiver.Address, Receiver.Port.ToString()];

    /// <summary>The python3 driver's command line (<see cref="DriverScript"/>).</summary>
    public string[] DriverCommand(params string[] steps) => [Python3, "-u", DriverPath, Files.Gates, .. steps];

    /// <summary>The driver script, written once into the bed's directory (short command lines in failure messages).</summary>
    private string DriverPath
    {
        get
        {
            string path = Path.Combine(Files.Root, "driver.py");
            if (!File.Exists(path))
                File.WriteAllText(path, DriverScript.Source);
            return path;
        }
    }

    /// <summary>Starts the driver in A (for steps that wait on gates).</summary>
    public NetnsProcess StartDriver(params string[] steps) => Net.Start(Net.A, DriverCommand(steps));

    /// <summary>
    /// Runs a sender that holds on until app-fw decided its <paramref name="sends"/> packets, then releases it
    /// and waits for it to end well. <paramref name="argv"/> names the gate it waits on as `{release}`
    /// (`gate {release}` for the driver, `@{release}` for the sender program). Cases other than the
    /// short-lived sender use this, so that each proves its own point and not also case 8's.
    /// </summary>
    public void RunHeld(int sends, string ns, params string[] argv)
    {
        string gate = $"release-{++_releases}";
        argv = [.. argv.Select(a => a.Replace(ReleasePlaceholder, gate, StringComparison.Ordinal))];
        long before = Daemon.RequestStats().Queue(0).Received;
        var sender = Net.Start(ns, argv);
        ReleaseAt(sender, gate, before + sends);
        AssertEndsWell(sender);
    }

    /// <summary>Waits (bounded) for a sender to end and fails the test unless it exited 0.</summary>
    public static void AssertEndsWell(NetnsProcess sender)
    {
        bool exited = sender.WaitForExit(TimeSpan.FromSeconds(20));
        Assert.True(exited && sender.ExitCode == 0, $"`{sender.CommandLine}` {(exited ? $"exited {sender.ExitCode}" : "did not exit")}\nstderr: {sender.Stderr.Trim()}");
    }

    /// <summary><see cref="RunHeld"/> for the python3 driver in A: its steps, then `gate {release}`.</summary>
    public void DriveHeld(int sends, params string[] steps) => RunHeld(sends, Net.A, DriverCommand([.. steps, "gate", ReleasePlaceholder]));

    /// <summary>
    /// Waits until <paramref name="process"/> waits at <paramref name="gate"/> and app-fw decided
    /// <paramref name="decided"/> packets in all, then opens the gate: what the process does next happens
    /// after those packets were judged.
    /// </summary>
    public void ReleaseAt(NetnsProcess process, string gate, long decided)
    {
        process.ExpectLine(l => l == $"at {gate}", $"the sender waiting at {gate}", TimeSpan.FromSeconds(20));
        AwaitDecided(decided);
        Files.Open(gate);
    }

    /// <summary>Stands for the gate name in <see cref="RunHeld"/>'s command line.</summary>
    public const string ReleasePlaceholder = "{release}";

    private int _releases;

    /// <summary>Runs a command in <paramref name="ns"/> to completion; fails the test when it does not succeed.</summary>
    public ExecResult RunIn(string ns, params string[] argv)
    {
        var result = Net.Exec(ns, s_driverTimeout, argv);
        Assert.True(result.Succeeded, result.Describe());
        return result;
    }

    /// <summary>Waits until the daemon read at least <paramref name="packets"/> on the queue and decided all of them.</summary>
    public DaemonStats AwaitDecided(long packets, int queue = 0)
    {
        var stats = Daemon.RequestStatsUntil(s => s.Queue(queue).Received >= packets && s.Queue(queue).AllDecided, TimeSpan.FromSeconds(30));
        var q = stats.Queue(queue);
        Assert.True(q.Received >= packets && q.AllDecided,
            $"app-fw did not decide {packets} packets on queue {queue} in time\n{Explanation(stats.Json)}");
        return stats;
    }

    /// <summary>Once <paramref name="packets"/> are decided and the receiver went quiet: the tags that arrived.</summary>
    public IReadOnlyList<string> Delivered(long packets, int queue = 0)
    {
        AwaitDecided(packets, queue);
        return Receiver.TagsWhenQuiet();
    }

    /// <summary>Asserts exactly which of the tags arrived, explaining a failure with the daemon's view.</summary>
    public void AssertDelivery(IReadOnlyList<string> arrived, string[] delivered, string[] dropped)
    {
        var missing = delivered.Where(t => !arrived.Contains(t)).ToArray();
        var leaked = dropped.Where(t => arrived.Contains(t)).ToArray();
        if (missing.Length == 0 && leaked.Length == 0)
            return;
        string stats;
        try { stats = Daemon.RequestStats().Json; } catch (Exception e) { stats = e.Message; }
        throw new Xunit.Sdk.XunitException(
            $"should have arrived but did not: [{string.Join(", ", missing)}]; should have been dropped but arrived: [{string.Join(", ", leaked)}]\n" +
            $"arrived: [{string.Join(", ", arrived)}]\n{Explanation(stats)}");
    }

    /// <summary>
    /// What a failure message needs to explain itself from its first lines: the driver's pids, the daemon's
    /// decisions (holders, rule) and warnings; then the counters and the whole stderr.
    /// </summary>
    private string Explanation(string stats) =>
        $"{DriverPids()}{DaemonLog.Summary(Daemon.Stderr)}stats: {stats}\napp-fw stderr: {Daemon.Stderr.Trim()}";

    /// <summary>The pids the driver processes wrote (GATEDIR/pids, in start order), to read the decision log's holders by.</summary>
    private string DriverPids()
    {
        try
        {
            string path = Path.Combine(Files.Gates, "pids");
            return File.Exists(path) ? $"driver pids (in start order): {string.Join(' ', File.ReadAllLines(path))}\n" : "";
        }
        catch (IOException e)
        {
            return $"driver pids unreadable: {e.Message}\n";
        }
    }

    /// <summary>
    /// The usual end of a case: once <paramref name="packets"/> are decided, exactly the expected tags
    /// arrived, none of them unattributed, and the daemon is alive and stops cleanly.
    /// </summary>
    public void AssertJudged(long packets, string[] delivered, string[] dropped)
    {
        AssertDelivery(Delivered(packets), delivered, dropped);
        AssertAllAttributed();
        StopDaemonCleanly();
    }

    /// <summary>When the daemon reports `unattributed`, none of the judged packets may have been unattributed.</summary>
    public void AssertAllAttributed(int queue = 0)
    {
        var stats = Daemon.RequestStats();
        var counters = IdentityCounters.Of(stats, queue);
        if (counters.Unattributed is { } unattributed)
            Assert.True(unattributed == 0, $"{unattributed} packets on queue {queue} had no owner\n{Explanation(stats.Json)}");
    }

    /// <summary>Daemon still running and stopping cleanly (exit 0 within the deadline).</summary>
    public void StopDaemonCleanly()
    {
        Assert.False(Daemon.HasExited, $"app-fw died: {Daemon.Stderr.Trim()}");
        Daemon.Stop();
    }

    private static string RealPython3()
    {
        var found = NetnsProcess.Run(["python3", "-c", "import os, sys; print(os.path.realpath(sys.executable))"], TimeSpan.FromSeconds(20)).EnsureSuccess();
        return found.Stdout.Trim();
    }

    public void Dispose()
    {
        Files.Dispose();
        _daemon?.Dispose();
        _receiver?.Dispose();
        Net.Dispose();
    }
}
