// SPDX-License-Identifier: Apache-2.0
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka;
using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Daf.Actors.Attribution;
using Daf.Actors.Control;
using Daf.Actors.DecisionLog;
using Daf.Actors.Identity;
using Daf.Actors.Metrics;
using Daf.Actors.Queue;
using Daf.Actors.Rules;
using Daf.Actors.Signatures;
using Daf.Actors.Stats;
using Daf.Actors.Supervision;
using Daf.Actors.Tracking;
using Daf.Interop.Bpf;
using Daf.Interop.NfQueue;
using Daf.Interop.Time;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Daf.Actors.Host;

/// <summary>
/// Builds and runs the app-fw daemon: binds the queues (failing fast with the syscall and errno when
/// the kernel refuses), starts the actor system under the generic host, reports readiness, serves
/// SIGUSR1 with a stats file and stops cleanly on SIGTERM/SIGINT.
/// </summary>
public sealed class DafDaemon
{
    private readonly AppFwOptions _options;
    private readonly RuleSet _initialRules;
    private readonly TscClock _clock;
    private readonly SystemdNotifier _notifier;
    private readonly NfQueueJumps? _jumps;
    private PacketSigner? _signer;
    private PacketVerifier? _verifier;

    public DafDaemon(AppFwOptions options, RuleSet initialRules, TscClock clock)
    {
        _options = options;
        _initialRules = initialRules;
        _clock = clock;
        _notifier = SystemdNotifier.FromEnvironment(warning => Console.Error.WriteLine($"app-fw: warning: {warning}"));
        _jumps = options.InstallRules
            ? new NfQueueJumps(options.Queues().ToList(), options.FailClosed, line => Console.Error.WriteLine($"app-fw: {line}"))
            : null;
    }

    public static Config LoadHocon()
    {
        using var stream = typeof(DafDaemon).Assembly.GetManifestResourceStream("Daf.hocon.app-fw.conf")
            ?? throw new InvalidOperationException("embedded hocon/app-fw.conf is missing");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }

    /// <summary>
    /// A queue that signs, verifies or rewrites packets copies them whole and has GSO off: the kernel then segments
    /// GSO packets before queueing them (each segment is signed and verified on its own) and completes partial
    /// checksums (the tag's MAC and the rewritten checksums need the real ones).
    /// </summary>
    public NfQueueConfig QueueConfig(Chain chain, ushort queueNumber) => new()
    {
        QueueNumber = queueNumber,
        CopyMode = NfqnlCopyMode.NFQNL_COPY_PACKET,
        CopyRange = _options.PartialRead && !_options.HandlesSignatures(chain) ? AppFwOptions.PartialReadBytes : 0xFFFFu,
        MaxQueueLength = 8192,
        Flags = _options.HandlesSignatures(chain)
            ? NfqaCfgFlags.NFQA_CFG_F_UID_GID
            : NfqaCfgFlags.NFQA_CFG_F_GSO | NfqaCfgFlags.NFQA_CFG_F_UID_GID,
        ReceiveBufferBytes = Math.Min(1 << 20, _options.MaxNetlinkBufferBytes),
        MaxReceiveBufferBytes = _options.MaxNetlinkBufferBytes,
        BatchDepth = _options.PacketPrefetch,
    };

    public async Task<int> RunAsync()
    {
        var started = DateTime.UtcNow;
        SigningKeys? keys = null;
        try
        {
            if (_options.SecretFile is not null) keys = SigningKeys.Load(_options.SecretFile, _options.SecondSecretFile);
        }
        catch (Exception e) when (e is SigningKeyException or IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"app-fw: {e.Message}");
            return 2;
        }
        using var signer = keys is not null && _options.Signing != SignatureMode.None
            ? new PacketSigner(keys, _options.SignerId ?? PacketSigner.RandomSignerId())
            : null;
        using var verifier = keys is not null && (_options.VerifyInput || _options.VerifyForward)
            ? new PacketVerifier(keys, _options.ReplayWindow)
            : null;
        _signer = signer;
        _verifier = verifier;
        var queues = new List<BoundQueue>();
        try
        {
            foreach (var (chain, number) in _options.Queues())
            {
                var config = QueueConfig(chain, number);
                var socket = NfQueueSocket.Open(config);
                queues.Add(new BoundQueue(chain, config, socket, new QueueSignals(), new QueueCounters()));
            }
        }
        catch (Exception e)
        {
            foreach (var q in queues) q.Dispose();
            await Console.Error.WriteLineAsync($"app-fw: cannot bind the queues: {e.Message}");
            return 1;
        }

        try
        {
            return await ServeAsync(queues, started);
        }
        finally
        {
            _jumps?.Remove(); // done already by a clean stop; here for the error paths
            foreach (var q in queues) q.Dispose();
            _notifier.Dispose();
        }
    }

    /// <summary>Runs the daemon on bound queues until SIGTERM/SIGINT; the caller unbinds them, whatever happens.</summary>
    private async Task<int> ServeAsync(List<BoundQueue> queues, DateTime started)
    {
        var stateFile = RulesStateFile.In(_options.StateDirectory);
        var digestCache = new ObjectDigestCache();
        // One counter slot per reader, plus the attribution actor's.
        var storeSettings = new RuleStoreSettings(NamespaceBindings.ForOwnNamespace(), stateFile, queues.Count + 1)
        {
            Identity = new ProcessIdentityReader(digestCache),
        };
        var tracking = new TrackingOptions(TimeSpan.FromMilliseconds(_options.GraceDelayMilliseconds), _options.NoRescan, _options.KeepUnmapped)
        {
            // A released socket sends nothing more: keep it (its last holder, that holder's image) while a packet it
            // queued may still wait for attribution, with a second to spare for a busy machine's late decisions.
            ReleaseRetention = TimeSpan.FromMilliseconds(_options.GraceDelayMilliseconds + _options.AttributionWaitMilliseconds + 1000),
        };
        var holderTable = new SocketHolderTable(tracking.GraceDelay);
        // The probe's per-process generation counters, created here so that they live as long as the daemon (the eBPF
        // reader may reload its object) and packet threads may read them without any lifetime check.
        BpfCounterArray? generationCounters = await CreatePerProcessArrayAsync("generations", "no per-process generation counters",
            "a packet sent right after an exec or dlopen may be judged by the image from before it");
        using var generationLifetime = generationCounters;
        // When each process exited, written by the probe at the exit itself: a holder that exited longer than the grace
        // delay ago is no sender of a living co-holder's packet, even before the tracker has applied the exit event.
        BpfCounterArray? exitTimes = generationCounters is null ? null : await CreatePerProcessArrayAsync("exits",
            "no per-process exit times", "a holder that just exited counts until the tracker applies its exit");
        using var exitTimesLifetime = exitTimes;
        // How many processes each process forked, counted by the probe at the fork itself: a packet of a parent that
        // forked more than the holder table knows waits for the FORK event (the child shares its sockets).
        BpfCounterArray? forkCounts = generationCounters is null ? null : await CreatePerProcessArrayAsync("forks",
            "no per-process fork counts", "a packet sent right after a fork may be judged without the child until the tracker applies the fork");
        using var forkCountsLifetime = forkCounts;
        using var hurry = new TrackingEventsHurry();
        var images = new ProcessImageStore(new ProcessGenerations(generationCounters, tracking) { Exits = exitTimes, Forks = forkCounts });
        // Sockets released a moment ago (SOCKET_RELEASED events): what sock_diag misses once a sender exited.
        var released = new ReleasedSocketTable(tracking.ExitRetention);
        SocketLocator? locator = null;
        var readerLocators = new List<SocketLocator>();
        try
        {
            locator = SocketLocator.OpenIn("/proc/self/ns/net", new SocketLocatorOptions(), released: released);
            // Each reader's first lookup of a new flow uses a locator of its own (one thread each), filling the same cache.
            foreach (var q in queues)
                readerLocators.Add(SocketLocator.OpenIn("/proc/self/ns/net", new SocketLocatorOptions(), locator.Cache, released));
        }
        catch (Exception e) when (e is Daf.Interop.Netlink.NetlinkException or Daf.Interop.Posix.PosixException or IOException)
        {
            await Console.Error.WriteLineAsync($"app-fw: warning: no socket lookup in this namespace ({e.Message}): identity rules never match");
        }
        var bindWarnings = new List<string>();
        var holder = new RuleSnapshotHolder(storeSettings.CompileAtStart(_initialRules, bindWarnings));
        foreach (var warning in bindWarnings) await Console.Error.WriteLineAsync($"app-fw: warning: {warning}");
        var cell = new RuleSetCell(_initialRules, 1);
        try
        {
            if (_options.RulesFile is not null && !File.Exists(stateFile.Path))
                stateFile.Save(_initialRules, 1); // --rules seeds the state; from now on STATE_DIR/rules wins
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Daf.Interop.Posix.PosixException)
        {
            await Console.Error.WriteLineAsync($"app-fw: cannot save the seeded rules to {stateFile.Path}: {e.Message}");
            return 1;
        }
        var stats = new StatsReport(queues.Select(q => (q.Chain, q.Config.QueueNumber, q.Counters)).ToList(), cell, started);
        if (locator is not null)
            stats.Identity = new IdentityStatsReport([locator, .. readerLocators], released);
        var hocon = LoadHocon();
        // Control channel (ctl-fw): the certificate both ends present, and the port.
        X509Certificate2 controlCertificate;
        try
        {
            controlCertificate = ControlCertificate.LoadOrCreate(_options.StateDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            await Console.Error.WriteLineAsync($"app-fw: cannot create or load {ControlCertificate.PathIn(_options.StateDirectory)}: {e.Message}");
            return 1;
        }
        if (_options.ControlPort is { } controlPort) hocon = ControlRemoting.PortConfig(controlPort).WithFallback(hocon);
        // A change bringing the first identity rules is answered once tracking runs (at most TrackingWait later).
        var controlTimeout = hocon.GetTimeSpan("daf.control.request-timeout", TimeSpan.FromSeconds(5)) + storeSettings.TrackingWait;
        var drainTimeout = hocon.GetTimeSpan("daf.shutdown.drain-timeout", TimeSpan.FromSeconds(1));

        string? criticalFailure = null;
        IActorRef? identityActor = null;
        // No defaults: app-fw takes no appsettings.json, environment or command-line configuration, and the defaults'
        // file watcher on the content root (the working directory) would wake an idle daemon at every change there.
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1.8));
        builder.Logging.ClearProviders();
        // Akka's log lines carry their own timestamp, thread and actor path.
        if (JournalStream.IsStandardError())
            builder.Logging.AddConsole(o => o.FormatterName = JournalConsoleFormatter.FormatterName)
                .AddConsoleFormatter<JournalConsoleFormatter, Microsoft.Extensions.Logging.Console.ConsoleFormatterOptions>();
        else
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);

        builder.Services.AddAkka("app-fw", (akka, _) =>
        {
            akka.AddHocon(hocon, HoconAddMode.Prepend);
            akka.AddSetup(ControlRemoting.SslSetup(controlCertificate));
            akka.ConfigureLoggers(l =>
            {
                l.ClearLoggers();
                l.AddLoggerFactory();
            });
            akka.WithActors((system, registry) =>
            {
                var ebpfObject = _options.EbpfObjectPath ?? Path.Combine(AppContext.BaseDirectory, "syscall_probe.o");
                var ebpf = system.ActorOf(EbpfEventReaderActor.Props(ebpfObject, generationCounters, exitTimes, hurry, forkCounts), "ebpf-events");
                // Without the eBPF object the tracker still learns holders from its start scan and from rate-limited
                // fallback scans for sockets nobody announced: identity rules work, first packets wait longer.
                // The tracker subscribes itself to the eBPF reader (again after a restart). It runs only while some
                // rule has identity criteria: with none, judging never asks for holders and following every process
                // would be pure cost.
                // App-mode signing needs the holders of every OUTPUT packet, identity rules or not.
                var tracker = system.ActorOf(IdentityTrackingActor.Props(holder, images,
                    readiness => SocketHolderTrackerActor.Props(holderTable, images, digestCache, tracking, ebpf, released, readiness),
                    alwaysTrack: _options.Signing == SignatureMode.App), "identity");
                identityActor = tracker;
                // The store holds the first identity rules until the tracker runs (see "Tracking at start").
                var store = system.ActorOf(RuleStoreActor.Props(holder, cell, storeSettings, tracker), "rules");
                registry.Register<RuleStoreActor>(store);
                var control = system.ActorOf(ControlEndpointActor.Props(store, controlTimeout).WithDispatcher(DafDispatchers.Control), ControlRemoting.EndpointName);
                var critical = new List<IActorRef> { store, control };
                QueueIdentity? identity = null;
                if (locator is not null)
                {
                    var source = new SocketHolderImages(locator, holderTable, images);
                    var attributionOptions = new AttributionOptions
                    {
                        Wait = TimeSpan.FromMilliseconds(_options.AttributionWaitMilliseconds),
                        Changes = images.Changes,
                        HurryEvents = hurry.Hurry,
                        Images = images,
                    };
                    holderTable.HoldersPublished = images.Changes.Notify;
                    var attributor = system.ActorOf(PacketAttributionActor.Props(locator, source, tracker, holder, queues.Count,
                        attributionOptions), "attribution");
                    // Other namespaces the rules name: a locator made inside each, an attributor each (same counter slot,
                    // on that namespace's snapshot), for forwarded packets whose socket lives there.
                    var foreign = new NamespaceRoutes(attributor);
                    system.ActorOf(ForeignNamespacesActor.Props(holder, foreign, holderTable, images, tracker, queues.Count,
                        attributionOptions, new SocketLocatorOptions(), released), "namespaces");
                    holderTable.SocketForgotten = inode =>
                    {
                        locator.Invalidate(inode);
                        foreign.Invalidate(inode);
                    };
                    identity = new QueueIdentity(source, attributor) { Foreign = foreign };
                    critical.Add(attributor);
                }
                // The decision log: readers record compact decisions, this actor formats and writes them.
                IActorRef? decisionLog = _options.LogRate == 0 ? null : system.ActorOf(DecisionLogActor.Props(
                    locator is null ? null : new SocketDecisionHolders(locator, holderTable, images), _options.LogRate), "decision-log");
                foreach (var (q, slot) in queues.Select((q, i) => (q, i)))
                {
                    var settings = new QueueSettings(q.Chain, q.Config, _options.BatchCount, _options.BatchTimeoutMicroseconds)
                    {
                        CounterSlot = slot,
                        Decisions = decisionLog is null ? null
                            : new DecisionRecorder(q.Chain, q.Config.QueueNumber, q.Config.BatchDepth, _options.LogRate, _options.LogAccept, decisionLog),
                    };
                    var queueIdentity = identity;
                    if (identity is not null && q.Chain != Chain.Forward && readerLocators.Count > slot && readerLocators[slot] is { } own)
                        queueIdentity = identity with { FirstLookup = own };
                    var signatures = _options.HandlesSignatures(q.Chain)
                        ? new QueueSignatures(_options.Signs(q.Chain) ? _signer : null, _options.Signing,
                            _options.Verifies(q.Chain) ? _verifier : null, _options.ClampsSyns(q.Chain), _options.SignatureMtu,
                            identity?.Holders, queueIdentity?.FirstLookup)
                        : null;
                    critical.Add(system.ActorOf(QueueReaderActor.Props(settings, q.Socket, holder, q.Signals, q.Counters, _clock, queueIdentity, signatures),
                        $"queue-{q.Config.QueueNumber}"));
                }
                system.ActorOf(CriticalActorWatchdog.Props(critical, what => criticalFailure = what), "watchdog");
#if DAF_FAULT_INJECTION
                system.ActorOf(Daf.Actors.Faults.FaultFileWatcherActor.Props(_options.StateDirectory), "fault-injection");
#endif

                // No new packets are queued once the jumps are gone; those queued already are drained below.
                if (_jumps is { } jumps)
                    CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, "remove-nfqueue-jumps",
                        () => Task.Run(() => { jumps.Remove(); return Done.Instance; }));
                CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseServiceUnbind, "drain-queues", async () =>
                {
                    foreach (var q in queues) q.Signals.RequestStop();
                    await Task.WhenAny(Task.WhenAll(queues.Select(q => q.Signals.Drained)), Task.Delay(drainTimeout));
                    return Done.Instance;
                });
            });
        });

        using var host = builder.Build();
        await using var metrics = await StartMetricsAsync(queues, holder, digestCache, locator, started);
        if (_options.Metrics is not null && metrics is null) return 1;
        using var usr1 = PosixSignalRegistration.Create((PosixSignal)SIGUSR1, context =>
        {
            context.Cancel = true;
            TryWriteStats(stats);
        });
        RulesReload? reload = null;
        using var hup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            if (Volatile.Read(ref reload) is { } r) _ = r.RunAsync();
            else Console.Error.WriteLine("app-fw: SIGHUP before app-fw is ready: ignored");
        });

        try
        {
            await host.StartAsync();
        }
        catch (Exception e) when (SocketErrorIn(e) is { } socketError)
        {
            // Remoting could not listen for ctl-fw (port taken, typically another app-fw).
            await Console.Error.WriteLineAsync(
                $"app-fw: cannot listen for ctl-fw on 127.0.0.1:{hocon.GetInt(ControlRemoting.PortPath)}: {socketError.Message} (see --control-port)");
            return 1;
        }
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        lifetime.ApplicationStopping.Register(() => _notifier.Stopping("stopping: deciding the packets held"));
        if (_jumps is not null)
        {
            try
            {
                _jumps.Install();
            }
            catch (InvalidOperationException e)
            {
                await Console.Error.WriteLineAsync($"app-fw: cannot install the NFQUEUE jumps: {e.Message}");
                await host.StopAsync();
                return 1;
            }
        }
        var logs = host.Services.GetRequiredService<ILoggerFactory>();
        Volatile.Write(ref reload, new RulesReload(_options.RulesFile ?? stateFile.Path, host.Services.GetRequiredService<ActorRegistry>().Get<RuleStoreActor>(),
            new NamespaceReference("/proc/self/ns/net", storeSettings.Namespaces.OwnInode), logs.CreateLogger<RulesReload>(), _notifier, controlTimeout));
        if (_options.Signing == SignatureMode.App || holder.Current.IdentityRuleCountAnywhere > 0)
        {
            // Judging by identity starts once processes are followed: a process that sends and exits before the probe is
            // attached cannot be judged by what it was. Bounded: a tracker that cannot start leaves fallback scans.
            bool running = false;
            try
            {
                await identityActor!.Ask<TrackingPrepared>(new PrepareTracking(0), TrackingStartTimeout, lifetime.ApplicationStopping);
                running = true;
            }
            catch (Exception e) when (e is AskTimeoutException or OperationCanceledException)
            {
            }
            if (!running && !lifetime.ApplicationStopping.IsCancellationRequested)
                await Console.Error.WriteLineAsync($"app-fw: warning: process tracking not running after {TrackingStartTimeout.TotalSeconds:0} s; " +
                    "ready without it (first packets of short-lived processes may be unattributed)");
        }
        string bound = string.Join(' ', queues.Select(q => $"{q.Chain.ToString().ToUpperInvariant()}={q.Config.QueueNumber}"));
        Console.Out.WriteLine($"app-fw: ready ({bound})");
        Console.Out.Flush();
        _notifier.Ready($"serving {bound}, rules version {cell.Version}");
        await host.WaitForShutdownAsync();

        locator?.Dispose();
        foreach (var own in readerLocators) own.Dispose();
        TryWriteStats(stats);
        if (criticalFailure is not null)
        {
            await Console.Error.WriteLineAsync($"app-fw: {criticalFailure}");
            return 1;
        }
        return 0;
    }

    /// <summary>The --metrics endpoint, or null when not asked for or when it cannot listen (then said on stderr).</summary>
    private async Task<MetricsHttpListener?> StartMetricsAsync(List<BoundQueue> queues, RuleSnapshotHolder holder, ObjectDigestCache digestCache,
        SocketLocator? locator, DateTime started)
    {
        if (_options.Metrics is not { } endpoint) return null;
        var sources = new DaemonMetrics(queues.Select(q => (q.Chain, q.Config.QueueNumber, q.Counters)).ToList(), holder, started)
        {
            DigestCache = digestCache,
            Locator = locator,
        };
        try
        {
            return MetricsHttpListener.Start(endpoint, () => PrometheusText.Write(sources), message => Console.Error.WriteLine($"app-fw: {message}"));
        }
        catch (SocketException e)
        {
            await Console.Error.WriteLineAsync($"app-fw: cannot listen for metrics on {endpoint}: {e.Message}");
            return null;
        }
    }

    private const int SIGUSR1 = 10;
    /// <summary>How long app-fw waits for process tracking to run before it says it is ready anyway.</summary>
    private static readonly TimeSpan TrackingStartTimeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// One of the probe's per-process arrays (indexed by tgid, sized by pid_max), or null after a warning that says
    /// what is lost without it.
    /// </summary>
    private static async Task<BpfCounterArray?> CreatePerProcessArrayAsync(string name, string missing, string consequence)
    {
        try
        {
            return BpfCounterArray.Create(name, PidMax());
        }
        catch (Exception e) when (e is BpfException or DllNotFoundException or EntryPointNotFoundException or IOException or FormatException)
        {
            await Console.Error.WriteLineAsync($"app-fw: warning: {missing} ({e.Message}): {consequence}");
            return null;
        }
    }

    /// <summary>Pids are below /proc/sys/kernel/pid_max (raising it later leaves higher pids without counters: never stale).</summary>
    private static int PidMax() => Math.Max(2, int.Parse(File.ReadAllText("/proc/sys/kernel/pid_max").Trim(), System.Globalization.CultureInfo.InvariantCulture));

    private static SocketException? SocketErrorIn(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
            if (inner is SocketException socketError) return socketError;
        return null;
    }

    private void TryWriteStats(StatsReport stats)
    {
        try
        {
            stats.WriteTo(_options.StateDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"app-fw: cannot write {Path.Combine(_options.StateDirectory, StatsReport.FileName)}: {e.Message}");
        }
    }

    private sealed record BoundQueue(Chain Chain, NfQueueConfig Config, NfQueueSocket Socket, QueueSignals Signals, QueueCounters Counters) : IDisposable
    {
        public void Dispose()
        {
            Socket.Dispose();
            Signals.Dispose();
        }
    }
}
