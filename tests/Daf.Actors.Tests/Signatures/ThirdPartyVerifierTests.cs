// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics;
using Daf.Actors.Signatures;
using static Daf.Actors.Tests.Signatures.PacketSignerTests;
using static Daf.Actors.Tests.Signatures.SignatureTestPackets;

namespace Daf.Actors.Tests.Signatures;

/// <summary>
/// scripts/signature-vectors.py --verify is a verifier written from docs/signatures.md alone: it must accept what
/// the C# signer produces, for every carrier, mode and a spread of sizes, and refuse tampered packets.
/// </summary>
public sealed class ThirdPartyVerifierTests
{
    [Fact]
    public void The_spec_only_python_verifier_accepts_csharp_signatures_and_refuses_tampering()
    {
        var keys = SigningKeys.FromBytes(KeyA);
        using var signer = new PacketSigner(keys, 99, 5);
        var rng = new Random(21);
        var lines = new List<string>();
        var expectations = new List<string>();
        int[] sizes = [20, 40, 41, 60, 61, 99, 576, 1280, 1500, 9000, 40_000, 65_400, 65_495];
        foreach (int size in sizes)
        {
            foreach (int version in new[] { 4, 6 })
            {
                foreach (byte protocol in new[] { Tcp, Udp, version == 4 ? Icmp : Icmpv6, Gre })
                {
                    bool app = rng.Next(2) == 0;
                    SignatureLocation location = rng.Next(2) == 0 ? SignatureLocation.L4 : SignatureLocation.L3;
                    if (size < (version == 4 ? 20 : 40))
                        continue;
                    byte[] packet = Build(version, protocol, size, rng, [1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2]);
                    var output = new byte[size + PacketSigner.MaxGrowth];
                    if (signer.TrySign(packet, output, location, app ? AppDigest : [], out int written) != SignOutcome.Signed)
                        continue;
                    byte[] signed = output[..written];
                    lines.Add(Hex(KeyA) + " " + Hex(signed));
                    expectations.Add($"valid 99 {signer.LastCounter} {(app ? Hex(AppDigest.AsSpan(0, 8)) : "-")}");
                    byte[] tampered = (byte[])signed.Clone();
                    tampered[version == 4 ? 12 : 8] ^= 0x80; // source address (a trailing byte may be uncovered IPv6 padding)
                    FillChecksums(tampered);
                    lines.Add(Hex(KeyA) + " " + Hex(tampered));
                    expectations.Add("invalid bad-tag");
                    lines.Add(Hex(KeyB) + " " + Hex(signed));
                    expectations.Add("invalid unknown-key");
                }
            }
        }
        Assert.True(expectations.Count > 250, $"{expectations.Count} cases");

        string[] answers = RunPython(lines);

        Assert.Equal(expectations.Count, answers.Length);
        for (int i = 0; i < answers.Length; i++)
            Assert.True(expectations[i] == answers[i], $"case {i}: python says '{answers[i]}', expected '{expectations[i]}'");
    }

    private static string[] RunPython(List<string> lines)
    {
        string script = Path.Combine(RepositoryRoot(), "scripts", "signature-vectors.py");
        var start = new ProcessStartInfo("python3", [script, "--verify"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process python = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        Task<string> output = python.StandardOutput.ReadToEndAsync();
        Task<string> errors = python.StandardError.ReadToEndAsync();
        foreach (string line in lines)
            python.StandardInput.WriteLine(line);
        python.StandardInput.Close();
        Assert.True(python.WaitForExit(TimeSpan.FromMinutes(5)), "python3 verifier did not finish");
        Assert.True(python.ExitCode == 0, "python3 verifier failed: " + errors.Result);
        return output.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "scripts", "signature-vectors.py")))
                return dir.FullName;
        throw new DirectoryNotFoundException("no scripts/signature-vectors.py above " + AppContext.BaseDirectory);
    }
}
