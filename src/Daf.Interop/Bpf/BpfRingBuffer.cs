// SPDX-License-Identifier: Apache-2.0
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace Daf.Interop.Bpf;

/// <summary>
/// A BPF_MAP_TYPE_RINGBUF reader (libbpf ring_buffer). Wait for <see cref="EpollFd"/> to become readable (it is
/// an epoll descriptor over the ring's notifications, so poll(2) on it works), then call <see cref="Consume"/>,
/// which hands each record to the handler in place: no copy, no allocation per record. Use from one thread.
/// </summary>
public sealed unsafe class BpfRingBuffer : IDisposable
{
    private const int ECANCELED = 125;

    private readonly BpfRecordHandler _handler;
    private GCHandle _self;
    private nint _ringBuffer;
    private ExceptionDispatchInfo? _handlerFailure;

    private BpfRingBuffer(BpfRecordHandler handler) => _handler = handler;

    /// <summary>Descriptor that becomes readable when records are waiting.</summary>
    public int EpollFd { get; private set; } = -1;

    /// <summary>Opens a reader on ring-buffer map <paramref name="mapName"/> of <paramref name="bpfObject"/>.</summary>
    public static BpfRingBuffer Create(BpfObject bpfObject, string mapName, BpfRecordHandler handler) =>
        Create(bpfObject.MapFileDescriptor(mapName), handler);

    /// <summary>Opens a reader on the ring-buffer map <paramref name="mapFd"/>.</summary>
    public static BpfRingBuffer Create(int mapFd, BpfRecordHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var reader = new BpfRingBuffer(handler);
        reader._self = GCHandle.Alloc(reader);
        reader._ringBuffer = LibBpf.ring_buffer__new(mapFd, &OnRecord, GCHandle.ToIntPtr(reader._self), 0);
        if (reader._ringBuffer == 0)
        {
            int errno = LibBpf.ErrnoOfNull();
            reader.Dispose();
            throw new BpfException($"ring_buffer__new(map fd {mapFd})", errno);
        }
        reader.EpollFd = LibBpf.ring_buffer__epoll_fd(reader._ringBuffer);
        return reader;
    }

    /// <summary>
    /// Hands every waiting record to the handler without blocking; returns how many. A handler exception stops
    /// the batch and is rethrown here (that record is consumed; the ones after it stay for the next call).
    /// </summary>
    public int Consume()
    {
        ObjectDisposedException.ThrowIf(_ringBuffer == 0, this);
        int result = LibBpf.ring_buffer__consume(_ringBuffer);
        RethrowHandlerFailure();
        if (result < 0)
            throw new BpfException("ring_buffer__consume", -result);
        return result;
    }

    /// <summary>
    /// Waits up to <paramref name="timeoutMilliseconds"/> (-1: forever) for records, then consumes them; returns how
    /// many. For simple readers; a reader that must also wake on other descriptors polls <see cref="EpollFd"/>.
    /// </summary>
    public int Poll(int timeoutMilliseconds)
    {
        ObjectDisposedException.ThrowIf(_ringBuffer == 0, this);
        int result = LibBpf.ring_buffer__poll(_ringBuffer, timeoutMilliseconds);
        RethrowHandlerFailure();
        if (result == -Errno.EINTR)
            return 0;
        if (result < 0)
            throw new BpfException("ring_buffer__poll", -result);
        return result;
    }

    public void Dispose()
    {
        if (_ringBuffer != 0)
        {
            LibBpf.ring_buffer__free(_ringBuffer);
            _ringBuffer = 0;
        }
        EpollFd = -1;
        if (_self.IsAllocated)
            _self.Free();
    }

    private void RethrowHandlerFailure()
    {
        if (_handlerFailure is { } failure)
        {
            _handlerFailure = null;
            failure.Throw();
        }
    }

    // An exception must not unwind into libbpf: keep it, and stop this consume round with a non-zero return.
    [UnmanagedCallersOnly]
    private static int OnRecord(nint context, nint data, nuint size)
    {
        var reader = Unsafe.As<BpfRingBuffer>(GCHandle.FromIntPtr(context).Target!);
        try
        {
            reader._handler(new ReadOnlySpan<byte>((void*)data, checked((int)size)));
            return 0;
        }
        catch (Exception exception)
        {
            reader._handlerFailure = ExceptionDispatchInfo.Capture(exception);
            return -ECANCELED;
        }
    }
}
