// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Daf.Actors.Control;
using Daf.Actors.Identity;
using Daf.Actors.Rules;
using Daf.Interop.Packets;
using Xunit.Abstractions;
using static Daf.Actors.Tests.Rules.Packets;

namespace Daf.Actors.Tests.Rules;

public sealed class RuleStoreActorTests : TestKit, IDisposable
{
    private const string Curl = "6a3cf1c479f446eb0ef266a2607cd4f6751a655937a7103f7657db6cb6b3f49a";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private readonly ITestOutputHelper _output;
    private readonly string _stateDirectory = Directory.CreateTempSubdirectory("daf-store-").FullName;
    private readonly FakeNamespaces _namespaces = new();
    private RuleSnapshotHolder _holder = null!;
    private RuleSetCell _cell = null!;
    private IActorRef _store = ActorRefs.Nobody;

    public RuleStoreActorTests(ITestOutputHelper output)
    {
        _output = output;
        _store = Start(RuleSet.Empty(ChainPolicies.AllAccept));
    }

    private string StatePath => Path.Combine(_stateDirectory, RulesStateFile.FileName);

    private IActorRef Start(RuleSet rules, int counterSlots = 1, RulesStateFile? stateFile = null, ProcessIdentityReader? identity = null)
    {
        var settings = new RuleStoreSettings(_namespaces.Bindings(), stateFile ?? RulesStateFile.In(_stateDirectory), counterSlots) { Identity = identity };
        _holder = new RuleSnapshotHolder(settings.CompileAtStart(rules, []));
        _cell = new RuleSetCell(rules, 1);
        return Sys.ActorOf(RuleStoreActor.Props(_holder, _cell, settings));
    }

    private Task<IControlReply> Ask(IControlRequest request) => _store.Ask<IControlReply>(request, Wait);

    private Task<IControlReply> Change(string line, NamespaceReference? caller = null)
    {
        Assert.True(CommandLineSplitter.TrySplit(line, out var arguments, out _));
        return Ask(new ChangeRules(arguments, caller ?? FakeNamespaces.InOwn));
    }

    private async Task<RulesUpdated> Accepted(string line, NamespaceReference? caller = null) =>
        Assert.IsType<RulesUpdated>(await Change(line, caller));

    private async Task<string> Refused(string line, NamespaceReference? caller = null) =>
        Assert.IsType<RequestRefused>(await Change(line, caller)).Reason;

    private RuleSet Persisted() => RulesFile.Load(StatePath, ChainPolicies.AllAccept);

    [Fact]
    public async Task Each_accepted_change_gets_the_next_version_is_published_and_persisted()
    {
        RulesUpdated first = await Accepted("-A -c OUTPUT -p udp --dport 9 -v DROP");
        RulesUpdated second = await Accepted("-I 1 -c OUTPUT -p tcp -v ACCEPT");
        RulesUpdated third = await Accepted("-P INPUT DROP");

        Assert.Equal([2L, 3L, 4L], new[] { first.Version, second.Version, third.Version });
        Assert.Equal(2, third.RuleCount);
        Assert.Equal(4, _holder.Current.Version);
        Assert.Equal(Verdict.Drop, _holder.Current.Judge(Chain.Output, Udp("10.0.0.1", "10.0.0.2", 1, 9), out int matched));
        Assert.Equal(1, matched);
        Assert.Equal(_cell.Rules, Persisted());
        Assert.Equal(Verdict.Drop, Persisted().Policies.Input);
    }

    [Theory]
    [InlineData("-A -c OUTPUT -p udp --dport 9", "needs -v/--vrdct")]
    [InlineData("-A -c SIDEWAYS -v DROP", "bad chain 'SIDEWAYS'")]
    [InlineData("-D 3 -c OUTPUT", "no rule 3 in chain OUTPUT")]
    [InlineData("-I 5 -c INPUT -v DROP", "cannot insert as rule 5")]
    [InlineData("-A -c OUTPUT --sng-hash 12ab -v DROP", "bad SHA-256 digest")]
    [InlineData("-A -c OUTPUT --frobnicate -v DROP", "unknown option '--frobnicate'")]
    [InlineData("-L", "changes nothing")]
    [InlineData("-A -c OUTPUT -n relative/net -v DROP", "must be an absolute path")]
    [InlineData("-A -c OUTPUT -n /run/netns/missing -v DROP", "cannot use namespace file /run/netns/missing")]
    public async Task A_bad_change_is_refused_with_the_reason_and_changes_nothing(string line, string reason)
    {
        await Accepted("-A -c OUTPUT -p udp --dport 9 -v DROP");
        string before = await File.ReadAllTextAsync(StatePath);

        Assert.Contains(reason, await Refused(line));

        Assert.Equal(2, _cell.Version);
        Assert.Equal(2, _holder.Current.Version);
        Assert.Equal(before, await File.ReadAllTextAsync(StatePath));
        Assert.Equal(0, _namespaces.OpenHandles);
    }

    [Fact]
    public async Task List_gives_one_chain_or_all_in_the_rules_file_syntax_with_counts()
    {
        await Accepted("-A -c OUTPUT -p udp -v DROP");
        await Accepted("-A -c INPUT -s 10.0.0.0/8 -v ACCEPT");

        var output = Assert.IsType<RulesText>(await Ask(new ListRules("output")));
        var all = Assert.IsType<RulesText>(await Ask(new SaveRules()));

        Assert.Equal("-P OUTPUT ACCEPT\n-A -c OUTPUT -p udp -v DROP\n", output.Text);
        Assert.Equal([0L], output.MatchCounts);
        Assert.Equal(_cell.Rules, RulesFile.Parse("reply", all.Text.Split('\n'), ChainPolicies.AllAccept));
        Assert.Equal(2, all.MatchCounts.Count);
        Assert.Contains("unknown chain 'SIDEWAYS'", Assert.IsType<RequestRefused>(await Ask(new ListRules("SIDEWAYS"))).Reason);
    }

    [Fact]
    public async Task Match_counts_count_per_rule_and_follow_their_rule_across_edits()
    {
        _store = Start(RuleSet.Empty(ChainPolicies.AllAccept), counterSlots: 2);
        await Accepted("-A -c OUTPUT -p udp -v DROP");
        await Accepted("-A -c OUTPUT -p tcp -v ACCEPT");
        PacketHeaders udp = Udp("10.0.0.1", "10.0.0.2", 1, 9), tcp = Tcp("10.0.0.1", "10.0.0.2", 1, 80);
        RuleSnapshot snapshot = _holder.Current;
        for (int i = 0; i < 3; i++)
            snapshot.Judge(Chain.Output, udp, counterSlot: 0);
        snapshot.Judge(Chain.Output, udp, counterSlot: 1);
        snapshot.Judge(Chain.Output, tcp, counterSlot: 1);
        snapshot.Judge(Chain.Output, tcp, counterSlot: 7); // not a slot: judged, not counted

        await Accepted("-I 1 -c OUTPUT -p icmp -v DROP");
        _holder.Current.Judge(Chain.Output, tcp, counterSlot: 0);
        var afterInsert = Assert.IsType<RulesText>(await Ask(new ListRules("OUTPUT")));
        await Accepted("-D 2 -c OUTPUT");
        var afterDelete = Assert.IsType<RulesText>(await Ask(new ListRules("OUTPUT")));

        Assert.Equal([0L, 4L, 2L], afterInsert.MatchCounts);
        Assert.Equal([0L, 2L], afterDelete.MatchCounts);
    }

    [Fact]
    public async Task A_rule_without_n_belongs_to_the_callers_namespace_and_one_of_another_namespace_never_matches_here()
    {
        await Accepted("-A -c OUTPUT -p udp -v DROP", FakeNamespaces.InOther);
        await Accepted("-A -c OUTPUT -p udp --dport 9 -v DROP", FakeNamespaces.InOwn);
        await Accepted("-A -c OUTPUT -n /run/netns/other -p udp -v DROP", new NamespaceReference("/run/netns/other", FakeNamespaces.Other));

        var rules = _cell.Rules[Chain.Output];
        Assert.Equal(new Criterion<string>(FakeNamespaces.OtherCaller), rules[0].Namespace);
        Assert.Null(rules[1].Namespace);
        Assert.Equal(Verdict.Accept, _holder.Current.Judge(Chain.Output, Udp("10.0.0.1", "10.0.0.2", 1, 53), out _));
        Assert.Equal(Verdict.Drop, _holder.Current.Judge(Chain.Output, Udp("10.0.0.1", "10.0.0.2", 1, 9), out int matched));
        Assert.Equal(1, matched);
        Assert.Equal(2, _namespaces.OpenHandles);
    }

    [Fact]
    public async Task A_negated_namespace_applies_everywhere_but_there()
    {
        await Accepted("-A -c OUTPUT ! -n /run/netns/other -p udp -v DROP", new NamespaceReference("/run/netns/other", FakeNamespaces.Other));
        await Accepted("-A -c OUTPUT ! -n /proc/1/ns/net -p tcp -v DROP", new NamespaceReference("/proc/1/ns/net", FakeNamespaces.Own));

        Assert.Equal(Verdict.Drop, _holder.Current.Judge(Chain.Output, Udp("10.0.0.1", "10.0.0.2", 1, 9), out _));
        Assert.Equal(Verdict.Accept, _holder.Current.Judge(Chain.Output, Tcp("10.0.0.1", "10.0.0.2", 1, 9), out _));
    }

    [Fact]
    public async Task A_namespace_file_that_names_another_namespace_than_the_caller_saw_is_refused()
    {
        string reason = await Refused("-A -c OUTPUT -n /run/netns/other -v DROP", new NamespaceReference("/run/netns/other", 12345));
        string callerReason = await Refused("-A -c OUTPUT -v DROP", new NamespaceReference(FakeNamespaces.OtherCaller, 12345));
        await Accepted("-A -c OUTPUT -n /run/netns/other -v DROP", new NamespaceReference("/run/netns/other", FakeNamespaces.Other));
        _namespaces.Set("/run/netns/other", 777); // the name now points elsewhere; the rules keep the namespace they bound
        string reboundReason = await Refused("-A -c OUTPUT -n /run/netns/other -v DROP", new NamespaceReference("/run/netns/other", 777));

        Assert.Contains("names namespace 4026532999 here but namespace 12345 where ctl-fw runs", reason);
        Assert.Contains("the caller's namespace", callerReason);
        Assert.Contains("bound to namespace 4026532999 by existing rules", reboundReason);
    }

    [Fact]
    public async Task A_namespace_is_held_open_while_a_rule_names_it_and_released_after()
    {
        var other = new NamespaceReference("/run/netns/other", FakeNamespaces.Other);
        await Accepted("-A -c OUTPUT -n /run/netns/other -p udp -v DROP", other);
        await Accepted("-A -c INPUT -n /run/netns/other -p tcp -v DROP", other);
        Assert.Equal(1, _namespaces.OpenHandles);

        await Accepted("-D 1 -c OUTPUT");
        Assert.Equal(1, _namespaces.OpenHandles);
        await Accepted("-F -c INPUT");
        Assert.Equal(0, _namespaces.OpenHandles);
    }

    [Fact]
    public async Task Identity_rules_are_stored_listed_persisted_never_match_and_are_indexed_by_digest()
    {
        await Accepted($"-A -c OUTPUT -v DROP -n /proc/100/ns/net --sng-hash {Curl}");
        await Accepted($"-A -c OUTPUT ! --agg-hash {Curl} -v DROP");

        Assert.Contains($"--sng-hash {Curl}", Assert.IsType<RulesText>(await Ask(new SaveRules())).Text);
        Assert.Equal(_cell.Rules, Persisted());
        Assert.Equal(Verdict.Accept, _holder.Current.Judge(Chain.Output, Tcp("10.0.0.1", "10.0.0.2", 1, 80), out _));
        Assert.Equal(2, _holder.Current.IdentityRuleCount);
        Assert.True(Sha256Digest.TryParse(Curl, out var digest, out _));
        Assert.Equal([0], _holder.Current.RulesNamingObject(Chain.Output, digest).ToArray());
        Assert.True(_holder.Current.RulesNamingAggregate(Chain.Output, digest).IsEmpty);
    }

    [Fact]
    public async Task Restore_replaces_everything_at_once_and_a_bad_text_changes_nothing()
    {
        await Accepted("-A -c OUTPUT -p udp -v DROP");

        var bad = Assert.IsType<RequestRefused>(await Ask(new RestoreRules("-A -c INPUT -v DROP\n-A -c INPUT -p nope -v DROP\n", FakeNamespaces.InOwn)));
        Assert.Contains("restore:2: ", bad.Reason);
        Assert.Single(_cell.Rules[Chain.Output]);
        var badNamespace = Assert.IsType<RequestRefused>(await Ask(new RestoreRules("-A -c INPUT -v DROP\n-A -c INPUT -n /run/netns/gone -v DROP\n", FakeNamespaces.InOwn)));
        Assert.Contains("/run/netns/gone", badNamespace.Reason);
        Assert.Equal(2, _cell.Version);

        var restored = Assert.IsType<RulesUpdated>(await Ask(new RestoreRules("-P OUTPUT DROP\n-A -c INPUT -p tcp -v ACCEPT\n", FakeNamespaces.InOwn)));
        Assert.Equal(1, restored.RuleCount);
        Assert.Empty(_cell.Rules[Chain.Output]);
        Assert.Equal(Verdict.Drop, _cell.Rules.Policies.Output);
        Assert.Equal(_cell.Rules, Persisted());
        Assert.Equal(0, _namespaces.OpenHandles);
    }

    [Fact]
    public async Task Save_flush_restore_gives_back_the_same_rules()
    {
        await Accepted("-P OUTPUT DROP");
        await Accepted("-A -c OUTPUT -d 2001:db8::/32 -p tcp --dport 443 -v ACCEPT");
        await Accepted($"-A -c OUTPUT ! -s 10.1.0.0/16 --agg-hash {Curl} -l l4 -v DROP");
        await Accepted("-A -c INPUT -p udp --sport 53 --dport 1024:65535 -v ACCEPT");
        await Accepted("-A -c OUTPUT -n /run/netns/other --unverifiable -v DROP", new NamespaceReference("/run/netns/other", FakeNamespaces.Other));
        RuleSet before = _cell.Rules;

        string saved = Assert.IsType<RulesText>(await Ask(new SaveRules())).Text;
        await Accepted("-F");
        Assert.Equal(0, _cell.Rules.Count);
        Assert.IsType<RulesUpdated>(await Ask(new RestoreRules(saved, FakeNamespaces.InOwn)));

        Assert.Equal(before, _cell.Rules);
        Assert.Equal(1, _namespaces.OpenHandles);
    }

    [Fact]
    public async Task Concurrent_changes_from_many_senders_lose_nothing()
    {
        const int senders = 16, perSender = 20;
        var tasks = Enumerable.Range(0, senders).Select(sender => Task.Run(async () =>
        {
            var versions = new List<long>();
            for (int i = 0; i < perSender; i++)
            {
                var reply = await Change($"-A -c OUTPUT -p udp --sport {sender} --dport {i} -v DROP");
                versions.Add(Assert.IsType<RulesUpdated>(reply).Version);
            }
            return versions;
        })).ToArray();
        long[] versions = (await Task.WhenAll(tasks)).SelectMany(v => v).ToArray();

        Assert.Equal(senders * perSender, _cell.Rules.Count);
        Assert.Equal(senders * perSender, versions.Distinct().Count());
        Assert.Equal(1 + senders * perSender, _cell.Version);
        var added = _cell.Rules[Chain.Output].Select(r => (r.SourcePort!.Value.Value.First, r.DestinationPort!.Value.Value.First)).ToHashSet();
        Assert.Equal(senders * perSender, added.Count);
        Assert.Equal(_cell.Rules, Persisted());
    }

    [Fact]
    public async Task A_change_that_cannot_be_saved_is_refused_and_not_applied()
    {
        _store = Start(RuleSet.Empty(ChainPolicies.AllAccept), stateFile: new RulesStateFile(Path.Combine(_stateDirectory, "missing", "rules")));

        string reason = await Refused("-A -c OUTPUT -v DROP");

        Assert.Contains("cannot save the rules to", reason);
        Assert.Equal(1, _cell.Version);
        Assert.Equal(1, _holder.Current.Version);
        Assert.Equal(0, _cell.Rules.Count);
    }

    [Fact]
    public async Task Describing_a_process_is_refused_without_an_identity_reader()
    {
        var refused = Assert.IsType<RequestRefused>(await Ask(new DescribeProcess(1)));

        Assert.Equal("process identity is not available yet", refused.Reason);
    }

    [Fact]
    public async Task Describing_a_process_gives_its_objects_and_aggregate_and_a_missing_one_is_refused()
    {
        _store = Start(RuleSet.Empty(ChainPolicies.AllAccept), identity: new ProcessIdentityReader(new ObjectDigestCache()));

        var described = Assert.IsType<ProcessDescription>(await Ask(new DescribeProcess(Environment.ProcessId)));
        var missing = Assert.IsType<RequestRefused>(await Ask(new DescribeProcess(int.MaxValue)));

        Assert.Equal(Environment.ProcessId, described.Pid);
        var hashed = described.Objects.Where(o => o.Sha256Hex is not null).Select(o => Sha256Digest.TryParse(o.Sha256Hex!, out var d, out _) ? d : default).ToList();
        Assert.NotEmpty(hashed);
        Assert.Equal(AggregateDigest.Compute(hashed).ToString(), described.AggregateSha256Hex);
        Assert.Contains($"no process {int.MaxValue}", missing.Reason);
    }

    [Fact]
    public async Task Ten_thousand_rules_restore_persist_and_load_back()
    {
        var text = new System.Text.StringBuilder();
        for (int i = 0; i < 10_000; i++)
            text.Append($"-A -c OUTPUT -p udp -d 10.{i >> 8 & 0xFF}.{i & 0xFF}.0/24 --dport {i % 60000 + 1} -v DROP\n");
        var clock = Stopwatch.StartNew();
        var reply = Assert.IsType<RulesUpdated>(await Ask(new RestoreRules(text.ToString(), FakeNamespaces.InOwn)));
        TimeSpan restore = clock.Elapsed;
        clock.Restart();
        RuleSet loaded = RulesStateFile.In(_stateDirectory).LoadAtStart(null, ChainPolicies.AllAccept, out string source);
        TimeSpan load = clock.Elapsed;
        _output.WriteLine($"restore of 10,000 rules: {restore.TotalMilliseconds:F0} ms; load: {load.TotalMilliseconds:F0} ms");

        Assert.Equal(10_000, reply.RuleCount);
        Assert.Equal(_cell.Rules, loaded);
        Assert.StartsWith("restored 10000 rules from", source);
        Assert.Equal(Verdict.Drop, _holder.Current.Judge(Chain.Output, Udp("10.0.0.1", "10.39.15.7", 1, 9999 % 60000 + 1), out int matched));
        Assert.Equal(9999, matched);
        Assert.True(restore < TimeSpan.FromSeconds(5), $"restore took {restore}");
    }

    public new void Dispose()
    {
        base.Dispose();
        Directory.Delete(_stateDirectory, recursive: true);
    }
}
