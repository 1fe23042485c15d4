// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Control;

// The messages between ctl-fw and the daemon's control endpoint (/user/control). They cross Akka
// remoting and are serialized by our own serializer, never by type names taken from the wire.
// Rules travel as text in the rules-file syntax, which the receiving side parses again: the
// daemon never trusts ctl-fw's parsing.

/// <summary>A request from ctl-fw.</summary>
public interface IControlRequest;

/// <summary>The daemon's answer to a <see cref="IControlRequest"/>.</summary>
public interface IControlReply;

/// <summary>
/// The network namespace a caller means, as it sees it: a path the daemon can open
/// (<c>/proc/PID/ns/net</c>, <c>/var/run/netns/NAME</c>) and the inode the caller found there, so the
/// daemon can refuse a path that names something else from where it stands.
/// </summary>
public sealed record NamespaceReference(string Path, ulong Inode);

/// <summary>
/// <c>-A</c>, <c>-I</c>, <c>-D</c>, <c>-F</c>, <c>-P</c>: ctl-fw's arguments as typed (the daemon parses them
/// again). <paramref name="CallerNamespace"/> is the namespace the rule means as ctl-fw sees it: the <c>-n</c>
/// file when the rule names one (the daemon refuses the rule if it finds another namespace there), else the
/// namespace ctl-fw runs in (<c>/proc/CTL_PID/ns/net</c>), which the rule then applies to.
/// </summary>
public sealed record ChangeRules(IReadOnlyList<string> Arguments, NamespaceReference CallerNamespace) : IControlRequest;

/// <summary><c>-L</c>: the rules of one chain (null: every chain).</summary>
public sealed record ListRules(string? Chain) : IControlRequest;

/// <summary><c>--save</c>: the whole rule set in the rules-file syntax.</summary>
public sealed record SaveRules : IControlRequest;

/// <summary><c>--restore</c>: replace the whole rule set atomically with <paramref name="Text"/> (rules-file syntax).</summary>
public sealed record RestoreRules(string Text, NamespaceReference CallerNamespace) : IControlRequest;

/// <summary><c>-H --pid PID</c>: the digests of every executable object the process maps, as the daemon computes them.</summary>
public sealed record DescribeProcess(int Pid) : IControlRequest;

/// <summary>The change was applied; the rule set now has <paramref name="Version"/>.</summary>
public sealed record RulesUpdated(long Version, int RuleCount) : IControlReply;

/// <summary>
/// Rules in the rules-file syntax (one per line, <c>-P</c> lines first), with the packets each rule
/// matched so far in <paramref name="MatchCounts"/> (same order as the <c>-A</c> lines).
/// </summary>
public sealed record RulesText(long Version, string Text, IReadOnlyList<long> MatchCounts) : IControlReply;

/// <summary>One mapped object of a process: its path as /proc shows it and its SHA-256 (null when it cannot be hashed).</summary>
public sealed record MappedObjectDigest(string Path, string? Sha256Hex, string? Error);

/// <summary>The identity of a process: its objects and their aggregate digest.</summary>
public sealed record ProcessDescription(int Pid, IReadOnlyList<MappedObjectDigest> Objects, string AggregateSha256Hex, bool Unverifiable) : IControlReply;

/// <summary>The daemon refused the request; <paramref name="Reason"/> says why, for the user.</summary>
public sealed record RequestRefused(string Reason) : IControlReply;
