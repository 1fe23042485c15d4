// SPDX-License-Identifier: Apache-2.0
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;

namespace Daf.Actors.Control.Serialization;

/// <summary>
/// Takes the place of Akka's default JSON serializer (hocon: <c>akka.actor.serializers.json</c>), which
/// resolves type names read from the wire. With it replaced, serializer id 1 is unknown to the daemon,
/// so a peer cannot ask for JSON deserialization at all, and any message type we did not bind
/// explicitly fails to serialize instead of silently going out as JSON.
/// </summary>
public sealed class RefusingSerializer(ExtendedActorSystem system) : Serializer(system)
{
    public const int SerializerId = 4781;

    /// <summary>Akka passes the replaced serializer's settings (akka.actor.serialization-settings.json); they do not apply.</summary>
    public RefusingSerializer(ExtendedActorSystem system, Config settings) : this(system)
    {
    }

    public override int Identifier => SerializerId;

    public override bool IncludeManifest => false;

    public override byte[] ToBinary(object obj) =>
        throw new SerializationException($"{obj.GetType()} has no explicit serializer binding: it must not cross the control channel");

    public override object FromBinary(byte[] bytes, Type? type) =>
        throw new SerializationException("messages without an explicit serializer are refused");
}
