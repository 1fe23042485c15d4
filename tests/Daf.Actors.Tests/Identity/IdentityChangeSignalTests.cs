// SPDX-License-Identifier: Apache-2.0
using Akka.TestKit.Xunit2;
using Daf.Actors.Identity;

namespace Daf.Actors.Tests.Identity;

public sealed class IdentityChangeSignalTests : TestKit
{
    [Fact]
    public void An_armed_listener_is_told_once_however_many_publications_follow()
    {
        var signal = new IdentityChangeSignal();
        var probe = CreateTestProbe();
        using var listener = signal.Listen(probe.Ref, "changed");
        signal.Notify();
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        listener.Arm();
        signal.Notify();
        signal.Notify();
        probe.ExpectMsg("changed");
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        listener.Arm();
        signal.Notify();
        probe.ExpectMsg("changed");
    }

    [Fact]
    public void A_disposed_listener_is_never_told()
    {
        var signal = new IdentityChangeSignal();
        var probe = CreateTestProbe();
        var listener = signal.Listen(probe.Ref, "changed");
        listener.Arm();
        listener.Dispose();
        signal.Notify();
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Publishing_an_image_notifies_the_store_listeners()
    {
        var store = new ProcessImageStore();
        var probe = CreateTestProbe();
        using var listener = store.Changes.Listen(probe.Ref, "published");
        listener.Arm();
        store.Publish(42, new ProcessImage(42, []));
        probe.ExpectMsg("published");
    }
}
