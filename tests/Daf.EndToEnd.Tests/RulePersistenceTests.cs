// SPDX-License-Identifier: Apache-2.0
using Daf.EndToEnd.Tests.Infrastructure;

namespace Daf.EndToEnd.Tests;

/// <summary>STATE_DIR/rules: rules survive <c>kill -9</c>; a corrupt file stops app-fw.</summary>
public sealed class RulePersistenceTests : IDisposable
{
    private readonly NetnsBed _bed = new();
    /// <summary>Shared by the daemons of one test (AppFwDaemon's own state directory is overridden by a later --state-dir).</summary>
    private readonly string _state = Directory.CreateTempSubdirectory("daf-e2e-persist-").FullName;

    private AppFwDaemon StartDaemon(params string[] args) => AppFwDaemon.Start(_bed, _bed.A, ["--state-dir", _state, .. args]);

    [Fact]
    public void A_seeded_state_survives_kill_9_and_a_restart_without_rules()
    {
        NfQueueRule.Insert(_bed, _bed.A, "OUTPUT", 0, bypass: false);
        string seed = Path.Combine(_state, "seed.rules");
        File.WriteAllText(seed, "-A -c OUTPUT -p udp --dport 5001 -v DROP\n");
        using (var first = StartDaemon("--rules", seed))
        {
            Assert.Contains("seeded 1 rules", first.Stderr);
            first.Kill();
        }
        File.WriteAllText(seed, "-A -c OUTPUT -p udp --dport 5002 -v DROP\n");

        using var second = StartDaemon("--rules", seed);

        Assert.Contains($"--rules {seed} ignored (it only seeds an empty state)", second.Stderr);
        var arrived = UdpProbe.Count(_bed, _bed.A, _bed.B, 4, [5001, 5002], perPort: 50);
        Assert.Equal(0, arrived[5001]);
        Assert.Equal(50, arrived[5002]);
    }

    [Fact]
    public void A_corrupt_state_file_stops_app_fw_naming_the_line()
    {
        File.WriteAllText(Path.Combine(_state, "rules"), "-A -c OUTPUT -p udp -v DROP\n-A -c OUTPUT --dport\n");

        var result = AppFwDaemon.Run(_bed, _bed.A, "--state-dir", _state);

        Assert.True(result.ExitCode == 2, result.Describe());
        Assert.Contains($"{_state}/rules:2: ", result.Stderr);
    }

    public void Dispose()
    {
        _bed.Dispose();
        try { Directory.Delete(_state, recursive: true); } catch (IOException) { /* best effort */ }
    }
}
