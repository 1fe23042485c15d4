// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Daf.Actors.Control;
using Daf.Actors.Control.Serialization;

namespace Daf.Actors.Tests.Control;

public sealed class ControlMessageSerializerTests : TestKit
{
    private static readonly NamespaceReference Ns = new("/proc/1/ns/net", 4026531840);

    public static TheoryData<object> Messages() => new()
    {
        new ChangeRules(["-A", "-c", "OUTPUT", "-p", "udp", "--dport", "9", "-v", "DROP"], Ns),
        new ChangeRules([], new NamespaceReference("", 0)),
        new ChangeRules(["-A", "--sng-hash", "é\u00e9\U0001F525", ""], new NamespaceReference("/var/run/netns/blue", ulong.MaxValue)),
        new ListRules(null),
        new ListRules("INPUT"),
        new SaveRules(),
        new RestoreRules("-P OUTPUT DROP\n-A -c OUTPUT -p tcp --dport 22 -v ACCEPT\n", Ns),
        new RestoreRules("", Ns),
        new DescribeProcess(1),
        new DescribeProcess(int.MaxValue),
        new RulesUpdated(1, 0),
        new RulesUpdated(long.MaxValue, int.MaxValue),
        new RulesText(3, "-P INPUT ACCEPT\n", [0, 5, long.MaxValue]),
        new RulesText(0, "", []),
        new ProcessDescription(42,
            [new MappedObjectDigest("/usr/bin/curl", new string('a', 64), null), new MappedObjectDigest("/memfd:x (deleted)", null, "cannot be hashed")],
            new string('f', 64), true),
        new ProcessDescription(7, [], "", false),
        new RequestRefused("rule 9 does not exist in OUTPUT"),
    };

    private ControlMessageSerializer Serializer => new((ExtendedActorSystem)Sys);

    [Theory]
    [MemberData(nameof(Messages))]
    public void Every_record_round_trips_field_by_field(object message)
    {
        var serializer = Serializer;
        var bytes = serializer.ToBinary(message);

        var back = serializer.FromBinary(bytes, serializer.Manifest(message));

        Assert.IsType(message.GetType(), back);
        Assert.Equivalent(message, back, strict: true);
    }

    [Fact]
    public void Each_record_type_has_its_own_fixed_manifest()
    {
        var manifests = ((IEnumerable<object[]>)Messages()).Select(row => row[0]).Select(m => (Type: m.GetType(), Manifest: Serializer.Manifest(m))).Distinct().ToList();

        Assert.Equal(9, manifests.Select(m => m.Type).Distinct().Count());
        Assert.Equal(9, manifests.Select(m => m.Manifest).Distinct().Count());
        Assert.Equal("CR", Serializer.Manifest(new ChangeRules([], Ns)));
        Assert.Equal("RF", Serializer.Manifest(new RequestRefused("x")));
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void Every_truncation_is_a_serialization_exception(object message)
    {
        var serializer = Serializer;
        var bytes = serializer.ToBinary(message);
        var manifest = serializer.Manifest(message);

        for (var length = 0; length < bytes.Length; length++)
            Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes[..length], manifest));
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void Trailing_bytes_are_refused(object message)
    {
        var serializer = Serializer;
        var bytes = serializer.ToBinary(message).Append((byte)0).ToArray();

        var e = Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes, serializer.Manifest(message)));
        Assert.Contains("trailing", e.Message);
    }

    [Fact]
    public void Garbage_never_throws_anything_but_serialization_exception()
    {
        var serializer = Serializer;
        var random = new Random(4780);
        string[] manifests = ["CR", "LR", "SR", "RR", "DP", "RU", "RT", "PD", "RF", "", "XX", "System.Object"];
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            // Small lengths and counts now and then, so decoding goes deeper than the first field.
            if (bytes.Length >= 4 && random.Next(2) == 0) BinaryPrimitives.WriteInt32LittleEndian(bytes, random.Next(-2, 8));
            var manifest = manifests[random.Next(manifests.Length)];
            try
            {
                serializer.FromBinary(bytes, manifest);
            }
            catch (SerializationException)
            {
            }
        }
    }

    [Fact]
    public void An_unknown_manifest_is_refused_without_looking_up_a_type()
    {
        var e = Assert.Throws<SerializationException>(() =>
            Serializer.FromBinary([], "Daf.Actors.Control.SaveRules, app-fw"));

        Assert.Contains("unknown control message manifest", e.Message);
    }

    [Fact]
    public void A_string_longer_than_one_mebibyte_is_refused_before_reading_it()
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, ControlWireLimits.MaxStringBytes + 1);

        var e = Assert.Throws<SerializationException>(() => Serializer.FromBinary(bytes, "RF"));

        Assert.Contains("exceeds the limit", e.Message);
    }

    [Fact]
    public void A_string_of_exactly_one_mebibyte_passes()
    {
        var message = new RestoreRules(new string('x', ControlWireLimits.MaxStringBytes), Ns);

        var back = Serializer.FromBinary(Serializer.ToBinary(message), "RR");

        Assert.Equal(message, back);
    }

    [Fact]
    public void A_list_of_more_than_100k_entries_is_refused()
    {
        var bytes = new byte[8 + 4 + 4];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, 1);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), 0);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(12), ControlWireLimits.MaxListEntries + 1);

        var e = Assert.Throws<SerializationException>(() => Serializer.FromBinary(bytes, "RT"));

        Assert.Contains("exceeds the limit", e.Message);
    }

    [Fact]
    public void A_count_larger_than_the_message_is_refused_before_allocating()
    {
        var bytes = new byte[4 + 4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, ControlWireLimits.MaxListEntries);

        var e = Assert.Throws<SerializationException>(() => Serializer.FromBinary(bytes, "CR"));

        Assert.Contains("longer than the message", e.Message);
    }

    [Fact]
    public void Invalid_utf8_is_refused()
    {
        byte[] bytes = [2, 0, 0, 0, 0xC3, 0x28];

        var e = Assert.Throws<SerializationException>(() => Serializer.FromBinary(bytes, "RF"));

        Assert.Contains("UTF-8", e.Message);
    }

    [Fact]
    public void Oversized_fields_are_refused_when_sending_too()
    {
        Assert.Throws<SerializationException>(() =>
            Serializer.ToBinary(new RequestRefused(new string('x', ControlWireLimits.MaxStringBytes + 1))));
        Assert.Throws<SerializationException>(() =>
            Serializer.ToBinary(new RulesText(1, "", new long[ControlWireLimits.MaxListEntries + 1])));
        Assert.Throws<SerializationException>(() => Serializer.ToBinary("not a control message"));
    }
}
