// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Attribution;
using Daf.Actors.Identity;
using Daf.Actors.Rules;
using Daf.Actors.Tests.Rules;
using Daf.Interop.Packets;
using static Daf.Actors.Tests.Attribution.FakeHolderImages;

namespace Daf.Actors.Tests.Attribution;

public class IdentityJudgingTests
{
    private static readonly Sha256Digest Curl = Digest(1), Wget = Digest(2), LibSsl = Digest(3), Other = Digest(9);
    private static readonly PacketHeaders Packet = Packets.Tcp("10.0.0.1", "10.0.0.2", 40000, 80);

    private static RuleSnapshot Compile(params string[] lines) =>
        RuleSnapshot.Compile(RulesFile.Parse("test", lines, ChainPolicies.AllAccept), 1);

    private static string Hex(Sha256Digest digest) => digest.ToString();

    private static (Verdict Verdict, bool Deferred, PacketIdentity Identity) Judge(RuleSnapshot snapshot, FakeHolderImages holders, bool final = false)
    {
        var identity = new PacketIdentity(holders, final);
        Verdict verdict = snapshot.Judge(Chain.Output, Packet, 0, identity, out bool deferred);
        return (verdict, deferred, identity);
    }

    [Fact]
    public void Drop_by_digest_matches_when_any_holder_maps_it()
    {
        var snapshot = Compile($"-A -c OUTPUT --sng-hash {Hex(Curl)} -v DROP");
        var holders = new FakeHolderImages { Holders = [Image(10, Wget), Image(11, Curl, LibSsl)] };
        Assert.Equal(Verdict.Drop, Judge(snapshot, holders).Verdict);
        holders.Holders = [Image(10, Wget), Image(12, LibSsl)];
        Assert.Equal(Verdict.Accept, Judge(snapshot, holders).Verdict);
    }

    [Fact]
    public void Accept_by_digest_matches_only_when_every_holder_maps_it()
    {
        var snapshot = RuleSnapshot.Compile(RulesFile.Parse("t", [$"-A -c OUTPUT --sng-hash {Hex(LibSsl)} -v ACCEPT", "-P OUTPUT DROP"],
            ChainPolicies.AllAccept), 1);
        var holders = new FakeHolderImages { Holders = [Image(10, Curl, LibSsl), Image(11, Wget, LibSsl)] };
        Assert.Equal(Verdict.Accept, Judge(snapshot, holders).Verdict);
        holders.Holders = [Image(10, Curl, LibSsl), Image(11, Wget)];
        Assert.Equal(Verdict.Drop, Judge(snapshot, holders).Verdict);
    }

    [Fact]
    public void Accept_never_matches_without_holders_or_with_an_unverifiable_holder()
    {
        var snapshot = RuleSnapshot.Compile(RulesFile.Parse("t", [$"-A -c OUTPUT --sng-hash {Hex(Curl)} -v ACCEPT", "-P OUTPUT DROP"],
            ChainPolicies.AllAccept), 1);
        Assert.Equal(Verdict.Drop, Judge(snapshot, new FakeHolderImages { Holders = [] }).Verdict);
        Assert.Equal(Verdict.Drop, Judge(snapshot, new FakeHolderImages { Holders = [Image(10, true, Curl)] }).Verdict);
        Assert.Equal(Verdict.Accept, Judge(snapshot, new FakeHolderImages { Holders = [Image(10, Curl)] }).Verdict);
    }

    [Fact]
    public void Negated_digest_means_the_holder_maps_no_such_object()
    {
        var snapshot = Compile($"-A -c OUTPUT ! --sng-hash {Hex(LibSsl)} -v DROP");
        // Maps other objects besides LibSsl: the original's per-object inversion would match; ours does not.
        Assert.Equal(Verdict.Accept, Judge(snapshot, new FakeHolderImages { Holders = [Image(10, Curl, LibSsl)] }).Verdict);
        Assert.Equal(Verdict.Drop, Judge(snapshot, new FakeHolderImages { Holders = [Image(10, Curl, LibSsl), Image(11, Wget)] }).Verdict);
    }

    [Fact]
    public void Aggregate_digest_matches_the_holders_aggregate_and_negation_a_different_one()
    {
        ProcessImage curl = Image(10, Curl, LibSsl);
        var snapshot = Compile($"-A -c OUTPUT --agg-hash {Hex(curl.Aggregate)} -v DROP");
        Assert.Equal(Verdict.Drop, Judge(snapshot, new FakeHolderImages { Holders = [curl] }).Verdict);
        Assert.Equal(Verdict.Accept, Judge(snapshot, new FakeHolderImages { Holders = [Image(11, Curl)] }).Verdict);
        var negated = Compile($"-A -c OUTPUT ! --agg-hash {Hex(curl.Aggregate)} -v DROP");
        Assert.Equal(Verdict.Accept, Judge(negated, new FakeHolderImages { Holders = [curl] }).Verdict);
        Assert.Equal(Verdict.Drop, Judge(negated, new FakeHolderImages { Holders = [Image(11, Curl)] }).Verdict);
    }

    [Fact]
    public void Unverifiable_matches_holders_running_code_nobody_could_hash()
    {
        var snapshot = Compile("-A -c OUTPUT --unverifiable -v DROP");
        Assert.Equal(Verdict.Drop, Judge(snapshot, new FakeHolderImages { Holders = [Image(10, Curl), Image(11, true, Wget)] }).Verdict);
        Assert.Equal(Verdict.Accept, Judge(snapshot, new FakeHolderImages { Holders = [Image(10, Curl)] }).Verdict);
        var verifiableOnly = RuleSnapshot.Compile(RulesFile.Parse("t", ["-A -c OUTPUT ! --unverifiable -v ACCEPT", "-P OUTPUT DROP"],
            ChainPolicies.AllAccept), 1);
        Assert.Equal(Verdict.Accept, Judge(verifiableOnly, new FakeHolderImages { Holders = [Image(10, Curl)] }).Verdict);
        Assert.Equal(Verdict.Drop, Judge(verifiableOnly, new FakeHolderImages { Holders = [Image(10, Curl), Image(11, true)] }).Verdict);
    }

    [Fact]
    public void Missing_holders_defer_on_the_hot_path_and_never_match_in_a_final_judgement()
    {
        var snapshot = Compile($"-A -c OUTPUT ! --sng-hash {Hex(Curl)} -v DROP");
        var holders = new FakeHolderImages { Resolution = HolderResolution.Pending };
        var (_, deferred, _) = Judge(snapshot, holders);
        Assert.True(deferred);
        var (verdict, finalDeferred, identity) = Judge(snapshot, holders, final: true);
        Assert.False(finalDeferred);
        Assert.Equal(Verdict.Accept, verdict);
        Assert.True(identity.Unattributed);
    }

    [Fact]
    public void A_final_judgement_drops_by_a_known_holder_but_accepts_nobody_while_one_is_missing()
    {
        var drop = Compile($"-A -c OUTPUT --sng-hash {Hex(Curl)} -v DROP");
        var partial = new FakeHolderImages { Holders = [Image(10, Curl)], Resolution = HolderResolution.Pending };
        Assert.Equal(Verdict.Drop, Judge(drop, partial, final: true).Verdict);
        var accept = RuleSnapshot.Compile(RulesFile.Parse("t", [$"-A -c OUTPUT --sng-hash {Hex(Curl)} -v ACCEPT", "-P OUTPUT DROP"],
            ChainPolicies.AllAccept), 1);
        Assert.Equal(Verdict.Drop, Judge(accept, partial, final: true).Verdict);
    }

    [Fact]
    public void Rules_without_identity_criteria_never_look_up_holders()
    {
        var snapshot = Compile("-A -c OUTPUT -p tcp --dport 80 -v DROP", $"-A -c OUTPUT --sng-hash {Hex(Curl)} -v DROP");
        var holders = new FakeHolderImages { Resolution = HolderResolution.Pending };
        var (verdict, deferred, identity) = Judge(snapshot, holders);
        Assert.Equal((Verdict.Drop, false, false), (verdict, deferred, identity.Consulted));
        Assert.Equal(0, holders.Calls);
        var addressOnly = Compile($"-A -c OUTPUT -p udp --sng-hash {Hex(Curl)} -v DROP");
        Judge(addressOnly, holders);
        Assert.Equal(0, holders.Calls);
    }

    [Fact]
    public void A_digest_rule_before_an_address_rule_wins_when_a_holder_maps_its_digest()
    {
        var snapshot = Compile($"-A -c OUTPUT --sng-hash {Hex(Curl)} -v DROP", "-A -c OUTPUT -p tcp -v ACCEPT");
        Assert.Equal(Verdict.Drop, Judge(snapshot, new FakeHolderImages { Holders = [Image(10, Curl)] }).Verdict);
        var (verdict, _, identity) = Judge(snapshot, new FakeHolderImages { Holders = [Image(10, Wget)] });
        Assert.Equal(Verdict.Accept, verdict);
        Assert.True(identity.Consulted);
    }

    [Fact]
    public void Many_digest_rules_resolve_holders_once_and_the_first_named_rule_in_chain_order_wins()
    {
        var lines = Enumerable.Range(100, 100).Select(i => $"-A -c OUTPUT --sng-hash {Hex(Digest((byte)i))} -v DROP").ToList();
        lines.Insert(50, $"-A -c OUTPUT --sng-hash {Hex(LibSsl)} -v ACCEPT");
        lines.Add($"-A -c OUTPUT --sng-hash {Hex(Curl)} -v DROP");
        var snapshot = Compile([.. lines]);
        var holders = new FakeHolderImages { Holders = [Image(10, Curl, LibSsl)] };
        var identity = new PacketIdentity(holders, final: false);
        Assert.Equal(Verdict.Accept, snapshot.Judge(Chain.Output, Packet, 0, identity, out _, out int matched));
        Assert.Equal(50, matched);
        Assert.Equal(1, holders.Calls);
        holders.Holders = [Image(11, Curl, Other)];
        Assert.Equal(Verdict.Drop, snapshot.Judge(Chain.Output, Packet, 0, identity, out _, out matched));
        Assert.Equal(101, matched);
    }

    [Fact]
    public void Judging_a_cached_identity_allocates_nothing()
    {
        var lines = Enumerable.Range(100, 100).Select(i => $"-A -c OUTPUT --sng-hash {Hex(Digest((byte)i))} -v DROP").ToArray();
        var snapshot = Compile(lines);
        var holders = new FakeHolderImages { Holders = [Image(10, Curl, LibSsl), Image(11, Wget)] };
        var identity = new PacketIdentity(holders, final: false);
        snapshot.Judge(Chain.Output, Packet, 0, identity, out _);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
            snapshot.Judge(Chain.Output, Packet, 0, identity, out _);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
