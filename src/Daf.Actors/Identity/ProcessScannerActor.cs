// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;
using Akka.Event;
using Daf.Actors.Tracking;

namespace Daf.Actors.Identity;

/// <summary>
/// Keeps the image of one process (thread group) current in the <see cref="ProcessImageStore"/>. It reads the image
/// as soon as it starts (the process was just seen holding a socket), again after exec (a fresh image: the old one
/// is withdrawn at once and never merged into the new), and after executable mappings change (reads requested while
/// one runs are coalesced into one more). <c>-R</c> (<see cref="TrackingOptions.ReadMapsOnce"/>): one read per exec,
/// mapping changes are ignored. <c>-r</c> (<see cref="TrackingOptions.KeepUnmapped"/>): unmapping never removes an
/// object, each read is united with the previous image of the same exec. After exit the last image stays for the
/// grace delay (<see cref="TrackingOptions.ExitRetention"/>), so the packets a process sent just before exiting are still judged by it.
/// Reads run on the dedicated threads of <see cref="ImageReadLane"/> (they hash files), never on a packet thread nor
/// on the thread pool the actors run on.
/// </summary>
/// <remarks>
/// Supervision: the parent (<see cref="SocketHolderTrackerActor"/>) restarts a failed or killed scanner
/// (<c>DafSupervision</c>); the restarted instance keeps the published image and reads the process afresh from /proc.
/// </remarks>
public sealed partial class ProcessScannerActor : ReceiveActor, IWithTimers
{
    private const string ExitListRetryTimer = "exit-list-retry";

    /// <summary>
    /// When a scanner whose exit list lacked a digest first looks whether the cache learnt one since; the interval doubles
    /// up to <see cref="ExitListRetryMaxInterval"/> (a program whose objects nobody else maps costs a few looks, not hundreds).
    /// </summary>
    internal static readonly TimeSpan ExitListRetryInterval = TimeSpan.FromMilliseconds(5);

    internal static readonly TimeSpan ExitListRetryMaxInterval = TimeSpan.FromMilliseconds(80);

    private readonly int _tgid;
    private readonly ProcessIdentityReader _reader;
    private readonly ProcessImageStore _store;
    private readonly TrackingOptions _options;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    private int _generation, _reads;
    private bool _reading, _readAgain, _readThisExec, _exited, _urgentReading, _urgentAgain, _urgentWanted;
    private ReadStart? _normalRead;
    private ProcessImage? _image;
    private string? _lastError;
    /// <summary>An exit list that lacked a digest, tried again once the cache learnt more (<see cref="ExitListRetryInterval"/>).</summary>
    private ExitImageCaptured? _exitList;
    private long _exitListLearnt;
    private TimeSpan _exitListRetry = ExitListRetryInterval;

    public ProcessScannerActor(int tgid, ProcessIdentityReader reader, ProcessImageStore store, TrackingOptions options)
    {
        _tgid = tgid;
        _reader = reader;
        _store = store;
        _options = options;
        Receive<ProcessExeced>(_ => OnExec());
        Receive<ProcessMappingsChanged>(OnMappingsChanged);
        Receive<RefreshProcessImage>(_ => OnRefresh());
        Receive<ProcessEventsLost>(_ => OnEventsLost());
        Receive<ImageRead>(OnImageRead);
        Receive<ProcessExited>(_ => OnExit());
        Receive<ExitImageCaptured>(OnExitImageCaptured);
        Receive<ExitImageBuilt>(OnExitImageBuilt);
        Receive<RetryExitList>(_ => OnRetryExitList());
        Receive<ExitGraceElapsed>(_ => Context.Stop(Self));
        Receive<Status.Failure>(failure => throw new InvalidOperationException(
            $"reading the image of process {_tgid} failed: {failure.Cause.Message}", failure.Cause));
        Receive<GetProcessScannerState>(_ => Sender.Tell(new ProcessScannerState(_tgid, _reads, _generation, _exited, _image, _lastError)));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(int tgid, ProcessIdentityReader reader, ProcessImageStore store, TrackingOptions options) =>
        Akka.Actor.Props.Create(() => new ProcessScannerActor(tgid, reader, store, options));

    protected override void PreStart()
    {
        _store.AddScanner(_tgid, Self);
        Read();
    }

    protected override void PostRestart(Exception reason)
    {
        // The image published before the failure stays until this instance's first read replaces it.
        if (_store.TryGetImage(_tgid, out ProcessImage previous))
            _image = previous;
        base.PostRestart(reason);
    }

    protected override void PreRestart(Exception reason, object message)
    {
        // Keep the published image (unlike PostStop): the restarted instance replaces it after its first read.
    }

    protected override void PostStop()
    {
        _store.RemoveScanner(_tgid, Self);
        _store.ForgetNoImage(_tgid);
        if (_image != null)
            _store.Remove(_tgid, _image);
    }

    private void OnExec()
    {
        _generation++;
        _exitList = null;
        _readThisExec = false;
        if (_image != null)
            _store.Remove(_tgid, _image);
        _image = null;
        Read();
    }

    /// <summary>
    /// A packet waits for this image: it is stale (its generation moved) or not read yet. Read it on the urgent lane
    /// (<see cref="ImageReadLane.Urgent"/>) unless it is current again: on a busy machine the normal lane may hold the reads of
    /// every process that exec'd or mapped code, and the packet's wait is bounded. With <c>-R</c> only an exec makes
    /// an image stale (<see cref="ProcessGenerations.StalenessMask"/>).
    /// </summary>
    private void OnRefresh()
    {
        if (_exited || (_image != null && _store.Generations.IsCurrent(_image)))
            return;
        if (_urgentReading)
        {
            _urgentAgain = true;
            return;
        }
        if (_reading && !_normalRead!.TryCancel())
        {
            // Already reading (it would hash the same files twice): go urgent after it, if still needed.
            _urgentWanted = true;
            return;
        }
        // A normal read still queued is cancelled: on a busy machine both lanes would otherwise hash the same files at once.
        StartRead(urgent: true);
    }

    /// <summary>
    /// Events may have been lost: an image the counter calls stale is read again now (normal lane), so the next packet
    /// finds it current instead of waiting for a read; with <c>-R</c> too (only a lost exec makes its image stale).
    /// </summary>
    private void OnEventsLost()
    {
        if (_exited || (_image is null ? _reading || _urgentReading : _store.Generations.IsCurrent(_image)))
            return;
        Read();
    }

    private void OnMappingsChanged(ProcessMappingsChanged changed)
    {
        if (_exited || (_options.ReadMapsOnce && _readThisExec) || (changed.Unmapped && _options.KeepUnmapped))
            return;
        // The probe moved the counter before it emitted the event: an image still current saw no change that matters
        // (an unmapping of data, more JIT code in a process already unverifiable). Reading it again would cost a /proc
        // walk of every mapping per event: a .NET or Java holder maps code all the time, app-fw included.
        if (_image != null && !_reading && _store.Generations.Covers(_tgid) && _store.Generations.IsCurrent(_image))
            return;
        Read();
    }

    private void Read()
    {
        if (_exited)
            return;
        if (_reading)
        {
            _readAgain = true;
            return;
        }
        StartRead(urgent: false);
    }

    private void StartRead(bool urgent)
    {
        if (urgent) _urgentReading = true;
        else _reading = true;
        _reads++;
        int generation = _generation, tgid = _tgid;
        ProcessIdentityReader reader = _reader;
        ProcessGenerations generations = _store.Generations;
        var start = new ReadStart();
        if (!urgent)
            _normalRead = start;
        // The counter first: a change after this read makes the image stale; one before it is in the maps.
        Func<ImageRead> read = () =>
        {
            if (!start.TryStart())
                return new ImageRead(generation, null, urgent); // cancelled: an urgent read took over
            return new ImageRead(generation, reader.Read(tgid, generations.Current(tgid)), urgent);
        };
        (urgent ? ImageReadLane.Urgent : ImageReadLane.Normal).Run(read).PipeTo(Self);
    }

    private void OnImageRead(ImageRead read)
    {
        if (read.Urgent) _urgentReading = false;
        else _reading = false;
        bool current = read.Generation == _generation;
        switch (read.Result?.Outcome)
        {
            // Two reads (normal and urgent) may overlap: never replace an image by one read before it.
            case ProcessReadOutcome.Read when current && (_image is null || read.Result!.Image!.Generation >= _image.Generation):
                // -r unites reads of one exec only: the counter tells an exec whose event has not arrived yet.
                ProcessImage image = _options.KeepUnmapped && _image != null && ProcessGenerations.SameExec(_image.Generation, read.Result!.Image!.Generation)
                    ? Union(_image, read.Result.Image!)
                    : read.Result!.Image!;
                _image = image;
                _readThisExec = true;
                _lastError = null;
                _store.ForgetNoImage(_tgid);
                _store.Publish(_tgid, image);
                break;
            case ProcessReadOutcome.Gone:
                // Exited (its exit event may be lost or still on its way): keep the image for the grace delay.
                OnExit();
                return;
            case ProcessReadOutcome.Failed:
                _lastError = read.Result!.Error;
                _log.Warning("cannot read the image of process {0}: {1}", _tgid, read.Result.Error);
                break;
        }
        // A read that straddled an exec may show either image: read the new one.
        bool stillNeeded = !_exited && (_image is null || !_store.Generations.IsCurrent(_image));
        if (read.Urgent)
        {
            if ((_urgentAgain || !current) && stillNeeded)
                StartRead(urgent: true);
            _urgentAgain = false;
        }
        else
        {
            if (_urgentWanted && stillNeeded && !_urgentReading)
                StartRead(urgent: true);
            else if (_readAgain || !current)
                Read();
            _urgentWanted = false;
            _readAgain = false;
        }
    }

    /// <summary>
    /// The process exited: unless its image is read and current, build it from what the probe listed at exit (a stale
    /// image: code mapped or unmapped since the last read).
    /// </summary>
    private void OnExitImageCaptured(ExitImageCaptured captured)
    {
        _exitList = null;
        if (_image != null && _store.Generations.IsCurrent(_image))
            return;
        if (captured.Incomplete is { } incomplete)
        {
            NoImage($"exited before its current maps were read; its exit list is incomplete: {incomplete}");
            return;
        }
        BuildExitImage(captured);
    }

    private void BuildExitImage(ExitImageCaptured captured)
    {
        int generation = _generation, tgid = _tgid;
        ProcessIdentityReader reader = _reader;
        // Before the build: an object the cache learns while it runs makes the next look try again.
        long learnt = reader.Cache.Learnt;
        // The counter of an exited process moves no more (until its pid is reused): the image is current with it.
        ulong counter = _store.Generations.Current(tgid);
        // It may hash the executable, and a packet is waiting for it: the urgent lane.
        ImageReadLane.Urgent.Run(() =>
        {
            ProcessImage? image = ExitImages.Build(tgid, captured.Objects, captured.Executable, captured.ExecutablePath,
                reader.Cache, reader.Options, out string? reason, out bool notCachedYet);
            return new ExitImageBuilt(generation, image is null ? null : new ProcessImage(image.Pid, image.Objects) { Generation = counter }, reason)
            {
                List = captured,
                NotCachedYet = notCachedYet,
                Learnt = learnt,
            };
        }).PipeTo(Self);
    }

    private void OnExitImageBuilt(ExitImageBuilt built)
    {
        if (built.Generation != _generation || (_image != null && _store.Generations.IsCurrent(_image)))
            return;
        if (built.Image is null)
        {
            NoImage($"exited before its current maps were read; no image from its exit list: {built.Reason}");
            _log.Debug("process {0}: {1}", _tgid, _lastError);
            if (built.NotCachedYet && built.List is not null)
            {
                // Its libraries are most likely mapped by processes other scanners are reading (a library, or the same
                // program run again): the digest may be learnt within the attribution wait.
                _exitList = built.List;
                _exitListLearnt = built.Learnt;
                ScheduleExitListRetry();
            }
            return;
        }
        ProcessImage image = _options.KeepUnmapped && _image != null && ProcessGenerations.SameExec(_image.Generation, built.Image.Generation)
            ? Union(_image, built.Image)
            : built.Image;
        _image = image;
        _lastError = null;
        _store.ForgetNoImage(_tgid);
        _store.Publish(_tgid, image);
    }

    /// <summary>Builds the waiting exit list again once the digest cache learnt an object since the last try.</summary>
    private void OnRetryExitList()
    {
        if (_exitList is not { } list)
            return;
        if (_reader.Cache.Learnt == _exitListLearnt)
        {
            ScheduleExitListRetry();
            return;
        }
        _exitList = null;
        BuildExitImage(list);
    }

    private void ScheduleExitListRetry()
    {
        Timers.StartSingleTimer(ExitListRetryTimer, RetryExitList.Instance, _exitListRetry);
        _exitListRetry = TimeSpan.FromTicks(Math.Min(_exitListRetry.Ticks * 2, ExitListRetryMaxInterval.Ticks));
    }

    private void NoImage(string reason)
    {
        _lastError = reason;
        _store.NoteNoImage(_tgid, reason);
    }

    private void OnExit()
    {
        if (_exited)
            return;
        _exited = true;
        if (_image is null && _lastError is null)
            NoImage("exited before its maps were read; no exit list (yet)");
        Timers.StartSingleTimer(nameof(ExitGraceElapsed), ExitGraceElapsed.Instance, _options.ExitRetention);
    }

    /// <summary>-r: the objects of both images (the later first); the image only grows until the next exec.</summary>
    internal static ProcessImage Union(ProcessImage previous, ProcessImage current)
    {
        var objects = new List<MappedObject>(current.Objects);
        var seen = new HashSet<MappedObject>(current.Objects);
        foreach (MappedObject mapped in previous.Objects)
        {
            if (seen.Add(mapped))
                objects.Add(mapped);
        }
        return new ProcessImage(current.Pid, objects, Math.Max(previous.MalformedMapsLines, current.MalformedMapsLines),
            previous.MapsTruncated || current.MapsTruncated, current.IsKernelThread) { Generation = current.Generation };
    }

    /// <param name="Result">Null: a normal read cancelled before it started (<see cref="ReadStart.TryCancel"/>).</param>
    private sealed record ImageRead(int Generation, ProcessReadResult? Result, bool Urgent);

    /// <summary>A normal read's state: queued, started (it left its lane's queue) or cancelled (an urgent read took over).</summary>
    private sealed class ReadStart
    {
        private const int Queued = 0, Running = 1, Cancelled = 2;
        private int _state;

        /// <summary>Lane thread: false when the read was cancelled while queued.</summary>
        public bool TryStart() => Interlocked.CompareExchange(ref _state, Running, Queued) != Cancelled;

        /// <summary>Scanner: false when the read has started already.</summary>
        public bool TryCancel() => Interlocked.CompareExchange(ref _state, Cancelled, Queued) != Running;
    }

    private sealed record ExitImageBuilt(int Generation, ProcessImage? Image, string? Reason)
    {
        public ExitImageCaptured? List { get; init; }
        public bool NotCachedYet { get; init; }
        public long Learnt { get; init; }
    }

    private sealed record RetryExitList
    {
        public static readonly RetryExitList Instance = new();
    }

    private sealed record ExitGraceElapsed
    {
        public static readonly ExitGraceElapsed Instance = new();
    }
}
