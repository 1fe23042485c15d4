// SPDX-License-Identifier: Apache-2.0
using System.Runtime.Serialization;
using System.Text;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using Daf.Actors.Control;
using Daf.Actors.Control.Serialization;
using Daf.Actors.Host;

namespace Daf.Actors.Tests.Control;

/// <summary>app-fw's own hocon (with a local provider, so that no port is bound) decides what can be (de)serialized.</summary>
public sealed class ControlSerializationBindingTests()
    : TestKit(ConfigurationFactory.ParseString("akka.actor.provider = local").WithFallback(DafDaemon.LoadHocon()))
{
    [Fact]
    public void Control_messages_are_bound_to_the_control_serializer()
    {
        Assert.IsType<ControlMessageSerializer>(Sys.Serialization.FindSerializerFor(new SaveRules()));
        Assert.IsType<ControlMessageSerializer>(Sys.Serialization.FindSerializerFor(new RequestRefused("x")));
    }

    [Fact]
    public void The_json_serializer_is_gone_so_type_names_from_the_wire_are_never_resolved()
    {
        var json = Encoding.UTF8.GetBytes("""{"$type":"System.IO.FileInfo, System.Private.CoreLib","fileName":"/etc/shadow"}""");

        Assert.Throws<SerializationException>(() => Sys.Serialization.Deserialize(json, 1, "System.IO.FileInfo, System.Private.CoreLib"));
        Assert.Throws<SerializationException>(() => Sys.Serialization.Deserialize(json, RefusingSerializer.SerializerId, ""));
    }

    [Fact]
    public void Unbound_types_cannot_be_serialized()
    {
        Assert.ThrowsAny<SerializationException>(() => Sys.Serialization.Serialize(new FileInfo("/etc/shadow")));
    }
}
