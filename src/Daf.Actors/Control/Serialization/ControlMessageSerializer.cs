// SPDX-License-Identifier: Apache-2.0
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;

namespace Daf.Actors.Control.Serialization;

/// <summary>
/// The control protocol on the wire: a fixed manifest per record type picks the decoder, and each record
/// is encoded field by field (see <see cref="ControlWireWriter"/>). Nothing from the wire names a type;
/// anything malformed, truncated, oversized or with trailing bytes is a <see cref="SerializationException"/>.
/// </summary>
public sealed class ControlMessageSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>Bound in hocon/app-fw.conf (akka.actor.serialization-identifiers); 0-40 are Akka's own.</summary>
    public const int SerializerId = 4780;

    public const string ChangeRulesManifest = "CR";
    public const string ListRulesManifest = "LR";
    public const string SaveRulesManifest = "SR";
    public const string RestoreRulesManifest = "RR";
    public const string DescribeProcessManifest = "DP";
    public const string RulesUpdatedManifest = "RU";
    public const string RulesTextManifest = "RT";
    public const string ProcessDescriptionManifest = "PD";
    public const string RequestRefusedManifest = "RF";

    // A string is at least its 4-byte length, a long 8 bytes, an object digest three strings.
    private const int MinStringBytes = 4;
    private const int MinDigestBytes = 3 * MinStringBytes;

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => o switch
    {
        ChangeRules => ChangeRulesManifest,
        ListRules => ListRulesManifest,
        SaveRules => SaveRulesManifest,
        RestoreRules => RestoreRulesManifest,
        DescribeProcess => DescribeProcessManifest,
        RulesUpdated => RulesUpdatedManifest,
        RulesText => RulesTextManifest,
        ProcessDescription => ProcessDescriptionManifest,
        RequestRefused => RequestRefusedManifest,
        _ => throw new SerializationException($"{o.GetType()} is not a control protocol message"),
    };

    public override byte[] ToBinary(object obj) => Encode(obj);

    /// <summary>
    /// The wire form of a control message. Senders call it before sending to learn early that a message
    /// breaks the limits: remoting would otherwise log the failure and drop the message.
    /// </summary>
    public static byte[] Encode(object obj)
    {
        var w = new ControlWireWriter();
        switch (obj)
        {
            case ChangeRules m:
                w.WriteCount(m.Arguments.Count);
                foreach (var a in m.Arguments) w.WriteString(a);
                WriteNamespace(w, m.CallerNamespace);
                break;
            case ListRules m:
                w.WriteString(m.Chain);
                break;
            case SaveRules:
                break;
            case RestoreRules m:
                w.WriteString(m.Text);
                WriteNamespace(w, m.CallerNamespace);
                break;
            case DescribeProcess m:
                w.WriteInt32(m.Pid);
                break;
            case RulesUpdated m:
                w.WriteInt64(m.Version);
                w.WriteInt32(m.RuleCount);
                break;
            case RulesText m:
                w.WriteInt64(m.Version);
                w.WriteString(m.Text);
                w.WriteCount(m.MatchCounts.Count);
                foreach (var c in m.MatchCounts) w.WriteInt64(c);
                break;
            case ProcessDescription m:
                w.WriteInt32(m.Pid);
                w.WriteCount(m.Objects.Count);
                foreach (var o in m.Objects)
                {
                    w.WriteString(o.Path);
                    w.WriteString(o.Sha256Hex);
                    w.WriteString(o.Error);
                }
                w.WriteString(m.AggregateSha256Hex);
                w.WriteBoolean(m.Unverifiable);
                break;
            case RequestRefused m:
                w.WriteString(m.Reason);
                break;
            default:
                throw new SerializationException($"{obj.GetType()} is not a control protocol message");
        }
        return w.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        var r = new ControlWireReader(bytes, manifest);
        object message = manifest switch
        {
            ChangeRulesManifest => ReadChangeRules(ref r),
            ListRulesManifest => new ListRules(r.ReadNullableString()),
            SaveRulesManifest => new SaveRules(),
            RestoreRulesManifest => new RestoreRules(r.ReadString(), ReadNamespace(ref r)),
            DescribeProcessManifest => new DescribeProcess(r.ReadInt32()),
            RulesUpdatedManifest => new RulesUpdated(r.ReadInt64(), r.ReadInt32()),
            RulesTextManifest => ReadRulesText(ref r),
            ProcessDescriptionManifest => ReadProcessDescription(ref r),
            RequestRefusedManifest => new RequestRefused(r.ReadString()),
            _ => throw new SerializationException($"unknown control message manifest '{Truncate(manifest)}'"),
        };
        r.End();
        return message;
    }

    private static ChangeRules ReadChangeRules(ref ControlWireReader r)
    {
        var arguments = new string[r.ReadCount(MinStringBytes)];
        for (var i = 0; i < arguments.Length; i++) arguments[i] = r.ReadString();
        return new ChangeRules(arguments, ReadNamespace(ref r));
    }

    private static RulesText ReadRulesText(ref ControlWireReader r)
    {
        var version = r.ReadInt64();
        var text = r.ReadString();
        var counts = new long[r.ReadCount(sizeof(long))];
        for (var i = 0; i < counts.Length; i++) counts[i] = r.ReadInt64();
        return new RulesText(version, text, counts);
    }

    private static ProcessDescription ReadProcessDescription(ref ControlWireReader r)
    {
        var pid = r.ReadInt32();
        var objects = new MappedObjectDigest[r.ReadCount(MinDigestBytes)];
        for (var i = 0; i < objects.Length; i++)
            objects[i] = new MappedObjectDigest(r.ReadString(), r.ReadNullableString(), r.ReadNullableString());
        return new ProcessDescription(pid, objects, r.ReadString(), r.ReadBoolean());
    }

    private static void WriteNamespace(ControlWireWriter w, NamespaceReference ns)
    {
        w.WriteString(ns.Path);
        w.WriteUInt64(ns.Inode);
    }

    private static NamespaceReference ReadNamespace(ref ControlWireReader r) => new(r.ReadString(), r.ReadUInt64());

    private static string Truncate(string manifest) => manifest.Length <= 16 ? manifest : manifest[..16] + "...";
}
