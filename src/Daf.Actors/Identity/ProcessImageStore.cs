// SPDX-License-Identifier: Apache-2.0
using System.Collections.Concurrent;
using Akka.Actor;

namespace Daf.Actors.Identity;

/// <summary>
/// The latest image of each tracked process, published by its <see cref="ProcessScannerActor"/> and read by packet
/// threads without locks. An image is replaced whole (after exec: a fresh image, never merged with the old one).
/// </summary>
public sealed class ProcessImageStore(ProcessGenerations? generations = null)
{
    private readonly ConcurrentDictionary<int, ProcessImage> _images = new();
    private readonly ConcurrentDictionary<int, IActorRef> _scanners = new();
    private readonly ConcurrentDictionary<int, string> _noImage = new();

    /// <summary>The probe's generation counters: scanners stamp images with them, packet threads check them.</summary>
    public ProcessGenerations Generations { get; } = generations ?? ProcessGenerations.None;

    public int Count => _images.Count;

    private long _version;

    /// <summary>Moves after every change (publish, removal): unchanged, every <see cref="TryGetImage"/> answers as before.</summary>
    public long Version => Volatile.Read(ref _version);

    private void Changed() => Interlocked.Increment(ref _version);

    /// <summary>Fired after each <see cref="Publish"/> (and, wired by the daemon, each change of the holder table).</summary>
    public IdentityChangeSignal Changes { get; } = new();

    public bool TryGetImage(int tgid, out ProcessImage image) => _images.TryGetValue(tgid, out image!);

    public void Publish(int tgid, ProcessImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        _images[tgid] = image;
        Changed();
        Changes.Notify();
    }

    /// <summary>
    /// Asks the scanner of <paramref name="tgid"/> to read its image on the urgent lane (<see cref="RefreshProcessImage"/>),
    /// directly: the holder tracker's mailbox may hold a backlog of event batches (a busy machine, its start-up walk of
    /// /proc) that a deferred packet should not wait behind. False when the process has no running scanner here yet.
    /// </summary>
    public bool TryRefresh(int tgid)
    {
        if (!_scanners.TryGetValue(tgid, out IActorRef? scanner))
            return false;
        scanner.Tell(new RefreshProcessImage(tgid));
        return true;
    }

    /// <summary>A scanner of <paramref name="tgid"/> started (<see cref="ProcessScannerActor"/>).</summary>
    internal void AddScanner(int tgid, IActorRef scanner) => _scanners[tgid] = scanner;

    /// <summary>The scanner stopped; a scanner of a reused pid that replaced it stays.</summary>
    internal void RemoveScanner(int tgid, IActorRef scanner) => _scanners.TryRemove(new KeyValuePair<int, IActorRef>(tgid, scanner));

    /// <summary>
    /// Why the scanner of <paramref name="tgid"/> has no image for it (it exited before its maps were read and its exit list
    /// could not name it, say): what a packet judged without that holder's image is explained with. Null: no reason noted.
    /// </summary>
    public string? WhyNoImage(int tgid) => _noImage.TryGetValue(tgid, out string? reason) ? reason : null;

    internal void NoteNoImage(int tgid, string reason) => _noImage[tgid] = reason;

    internal void ForgetNoImage(int tgid) => _noImage.TryRemove(tgid, out _);

    /// <summary>Forgets every image (tracking restarts from a fresh /proc walk).</summary>
    public void Clear()
    {
        _images.Clear();
        Changed();
    }

    /// <summary>Removes the image of <paramref name="tgid"/> whatever it is (the process exec'd: the old image no longer applies).</summary>
    public void Remove(int tgid)
    {
        if (_images.TryRemove(tgid, out _))
            Changed();
    }

    /// <summary>Removes the image only if it is still <paramref name="image"/> (a reused pid may have published its own).</summary>
    public void Remove(int tgid, ProcessImage image)
    {
        if (_images.TryRemove(new KeyValuePair<int, ProcessImage>(tgid, image)))
            Changed();
    }
}
