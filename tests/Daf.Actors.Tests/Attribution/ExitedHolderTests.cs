// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Attribution;
using Daf.Actors.Identity;

namespace Daf.Actors.Tests.Attribution;

/// <summary>
/// Matrix case 4 without waiting for the tracker: the probe's exit times (a real mmapped array, root) tell the packet
/// path that a holder sharing a socket with a living one exited, before the tracker has applied its exit.
/// </summary>
public sealed class ExitedHolderTests : HolderPathBed
{
    private const int Parent = 1001, Child = 1002;

    public ExitedHolderTests()
    {
        foreach (int tgid in new[] { Parent, Child })
        {
            Table.SetDescriptor(tgid, 3, Inode);
            Store.Publish(tgid, new ProcessImage(tgid, []));
        }
    }

    private int[] Holders()
    {
        Assert.Equal(HolderResolution.Complete, Resolve());
        return ResolvedPids();
    }

    [Fact]
    public void Both_living_processes_sharing_a_socket_are_its_holders()
    {
        Assert.Equal([Parent, Child], Holders());
    }

    [Fact]
    public void A_holder_that_exited_longer_than_the_grace_delay_ago_is_left_out_while_another_lives()
    {
        Exits.Write(Parent, Now - 10 * Grace); // the tracker has not applied the exit: the table still names it
        Assert.Equal([Child], Holders());
    }

    [Fact]
    public void A_holder_that_exited_within_the_grace_delay_still_counts()
    {
        Exits.Write(Parent, Now);
        Assert.Equal([Parent, Child], Holders());
    }

    [Fact]
    public void A_deferred_packet_is_judged_by_the_holders_of_its_own_time()
    {
        ulong exited = Now - 10 * Grace;
        Exits.Write(Parent, exited);
        Images.AsOfNanoseconds = exited; // it came when the parent had just exited
        Assert.Equal([Parent, Child], Holders());
    }

    [Fact]
    public void When_every_holder_exited_they_all_count_a_socket_nobody_holds_sends_nothing_new()
    {
        Exits.Write(Parent, Now - 10 * Grace);
        Exits.Write(Child, Now - 10 * Grace);
        Assert.Equal([Parent, Child], Holders());
    }
}
