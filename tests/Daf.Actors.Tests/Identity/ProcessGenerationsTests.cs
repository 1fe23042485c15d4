// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Identity;
using Daf.Actors.Tracking;
using Daf.Interop.Bpf;

namespace Daf.Actors.Tests.Identity;

/// <summary>What makes an image stale, per tracking mode, read from a real (mmapped) counter array (root).</summary>
public sealed class ProcessGenerationsTests : IDisposable
{
    private const int Pid = 1001;
    private const ulong Unmapped = 1, FileCode = 1UL << 16, Exec = 1UL << 32, AnonymousCode = 1UL << 48;

    private readonly BpfCounterArray _counters = BpfCounterArray.Create("daf_test_gen", 2048);

    public void Dispose() => _counters.Dispose();

    private static ProcessImage ImageAt(ulong generation, bool unverifiable = false) => new(Pid,
        unverifiable ? [new MappedObject("[anonymous]", true, null, "anonymous executable memory")] : []) { Generation = generation };

    private bool StaleAfter(TrackingOptions options, ulong change, bool unverifiable = false)
    {
        var generations = new ProcessGenerations(_counters, options);
        _counters.Write(Pid, 3 * Exec + 5 * FileCode + 7 + 2 * AnonymousCode);
        ProcessImage image = ImageAt(generations.Current(Pid), unverifiable);
        Assert.True(generations.IsCurrent(image));
        _counters.Write(Pid, image.Generation + change);
        return !generations.IsCurrent(image);
    }

    [Fact]
    public void By_default_exec_mapping_and_unmapping_of_code_each_make_the_image_stale()
    {
        Assert.True(StaleAfter(TrackingOptions.Default, Exec));
        Assert.True(StaleAfter(TrackingOptions.Default, FileCode));
        Assert.True(StaleAfter(TrackingOptions.Default, AnonymousCode));
        Assert.True(StaleAfter(TrackingOptions.Default, Unmapped));
    }

    [Fact]
    public void Anonymous_code_does_not_make_an_image_stale_that_is_unverifiable_already_but_file_code_does()
    {
        Assert.False(StaleAfter(TrackingOptions.Default, AnonymousCode, unverifiable: true));
        Assert.True(StaleAfter(TrackingOptions.Default, FileCode, unverifiable: true));
        Assert.True(StaleAfter(TrackingOptions.Default, Exec, unverifiable: true));
    }

    [Fact]
    public void Read_once_makes_only_an_exec_stale()
    {
        var once = TrackingOptions.Default with { ReadMapsOnce = true };
        Assert.True(StaleAfter(once, Exec));
        Assert.False(StaleAfter(once, FileCode));
        Assert.False(StaleAfter(once, AnonymousCode));
        Assert.False(StaleAfter(once, Unmapped));
    }

    [Fact]
    public void Keeping_unmapped_objects_ignores_unmapping_but_not_mapping()
    {
        var keep = TrackingOptions.Default with { KeepUnmapped = true };
        Assert.True(StaleAfter(keep, Exec));
        Assert.True(StaleAfter(keep, FileCode));
        Assert.True(StaleAfter(keep, AnonymousCode));
        Assert.False(StaleAfter(keep, Unmapped));
    }

    [Fact]
    public void Without_the_probe_every_image_is_current()
    {
        Assert.Equal(0UL, ProcessGenerations.None.Current(Pid));
        Assert.True(ProcessGenerations.None.IsCurrent(ImageAt(0)));
        Assert.False(ProcessGenerations.None.Tracking);
    }

    [Fact]
    public void Only_the_exec_field_separates_images_that_may_be_united()
    {
        Assert.True(ProcessGenerations.SameExec(2 * Exec + 4 * FileCode, 2 * Exec + 9 * FileCode + 3 + AnonymousCode));
        Assert.False(ProcessGenerations.SameExec(2 * Exec, 3 * Exec));
    }
}
