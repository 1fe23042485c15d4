// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics;
using System.Text.Json;
using Daf.Actors.Control;
using Daf.Actors.Identity;
using Daf.Actors.Rules;
using Daf.Ctl;

namespace Daf.Actors.Tests.Control;

public sealed class CtlAppTests : IDisposable
{
    private const string Curl = "6a3cf1c479f446eb0ef266a2607cd4f6751a655937a7103f7657db6cb6b3f49a";
    private const int Pid = 4242;
    private const ulong OwnInode = 4026531840, ShellInode = 4026532100;

    private readonly FakeChannel _channel = new();
    private readonly StringWriter _output = new(), _error = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("daf-ctl-").FullName;
    private string _input = "";
    private ControlEndpoint? _endpoint;

    private Task<int> Run(params string[] args) => CtlApp.RunAsync(args, new CtlEnvironment(
        new StringReader(_input), _output, _error,
        endpoint =>
        {
            _endpoint = endpoint;
            return _channel;
        },
        path => path switch
        {
            "/proc/4242/ns/net" => OwnInode,
            "/proc/77/ns/net" => ShellInode,
            _ => throw new IOException($"open({path}) failed: errno 2 (ENOENT)"),
        },
        Pid)
    {
        ReplyTimeout = TimeSpan.FromMilliseconds(300),
    });

    private sealed class FakeChannel : IControlChannel
    {
        public List<IControlRequest> Requests { get; } = [];
        public Func<IControlRequest, Task<IControlReply>> Reply { get; set; } =
            _ => Task.FromResult<IControlReply>(new RulesUpdated(2, 1));

        public Task<IControlReply> SendAsync(IControlRequest request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            return Reply(request).WaitAsync(cancellationToken);
        }
    }

    [Fact]
    public async Task The_original_readme_line_is_sent_verbatim_with_the_namespace_ctl_fw_sees()
    {
        string[] args = ["-A", "-c", "OUTPUT", "-v", "DROP", "-n", "/proc/77/ns/net", "--sng-hash", Curl];

        Assert.Equal(ExitCodes.Done, await Run(args));

        var change = Assert.IsType<ChangeRules>(Assert.Single(_channel.Requests));
        Assert.Equal(args, change.Arguments);
        Assert.Equal(new NamespaceReference("/proc/77/ns/net", ShellInode), change.CallerNamespace);
        Assert.Equal("", _output.ToString() + _error);
    }

    [Theory]
    [InlineData("-A -c INPUT -p tcp --dport 22 -v ACCEPT")]
    [InlineData("--append --chain INPUT ! --src-ip 10.0.0.0/8 --vrdct DROP")]
    [InlineData("-I -c OUTPUT -p udp -v DROP")]
    [InlineData("-I 3 -c OUTPUT -p udp -v DROP")]
    [InlineData("-D 2 -c OUTPUT")]
    [InlineData("-F")]
    [InlineData("-F -c INPUT")]
    [InlineData("-P OUTPUT DROP")]
    [InlineData("--policy INPUT accept")]
    public async Task Each_change_command_goes_to_the_daemon_as_typed_from_ctl_fws_namespace(string line)
    {
        string[] args = line.Split(' ');

        Assert.Equal(ExitCodes.Done, await Run(args));

        var change = Assert.IsType<ChangeRules>(Assert.Single(_channel.Requests));
        Assert.Equal(args, change.Arguments);
        Assert.Equal(new NamespaceReference("/proc/4242/ns/net", OwnInode), change.CallerNamespace);
    }

    [Theory]
    [InlineData("", "no command given")]
    [InlineData("-A -c OUTPUT -p udp", "-A/--append needs -v/--vrdct ACCEPT|DROP")]
    [InlineData("-A -c SIDEWAYS -v DROP", "bad chain 'SIDEWAYS'")]
    [InlineData("-A -v DROP", "needs -c/--chain")]
    [InlineData("-D 1", "-D/--delete needs -c/--chain")]
    [InlineData("-D x -c INPUT", "bad rule number 'x'")]
    [InlineData("-I 0 -c INPUT -v DROP", "bad rule number '0'")]
    [InlineData("-P OUTPUT MAYBE", "bad verdict 'MAYBE'")]
    [InlineData("-P OUTPUT", "needs two values")]
    [InlineData("-F -p tcp", "option -p/--proto is not valid with -F/--flush")]
    [InlineData("-A -D 1 -c INPUT -v DROP", "only one command at a time")]
    [InlineData("-A -c OUTPUT -v DROP --bogus", "unknown option '--bogus'")]
    [InlineData("-A -c OUTPUT --sng-hash abc -v DROP", "bad SHA-256 digest 'abc'")]
    [InlineData("-A -c OUTPUT -n ns/net -v DROP", "-n/--namespace needs an absolute path")]
    [InlineData("-A -c OUTPUT -n /run/netns/nope -v DROP", "cannot open namespace file /run/netns/nope")]
    [InlineData("-A -c OUTPUT ! -v DROP", "'!' cannot negate -v/--vrdct")]
    [InlineData("--save --json", "--json goes with -L/--list")]
    [InlineData("-A -c OUTPUT -v DROP --json", "--json goes with -L/--list")]
    [InlineData("--save --restore", "only one command at a time: --save and --restore")]
    [InlineData("--save -F", "--save cannot be combined with '-F'")]
    [InlineData("-H", "option -H needs a PATH")]
    [InlineData("--pid 1", "--pid goes with -H")]
    [InlineData("-H --pid", "option --pid: '' is not a process id")]
    [InlineData("-H --pid 0", "is not a process id")]
    [InlineData("-H --pid 1 -H /bin/sh", "cannot be combined with file paths")]
    [InlineData("-L --control-port 0", "'0' is not a port number")]
    [InlineData("-L --control-port 70000", "'70000' is not a port number")]
    [InlineData("-L --state-dir", "option --state-dir needs a directory")]
    [InlineData("-L -c NOWHERE", "bad chain 'NOWHERE'")]
    public async Task A_usage_error_exits_2_with_the_reason_and_never_contacts_the_daemon(string line, string reason)
    {
        string[] args = line.Length == 0 ? [] : line.Split(' ');

        Assert.Equal(ExitCodes.Usage, await Run(args));

        Assert.Contains(reason, _error.ToString());
        Assert.StartsWith("ctl-fw: ", _error.ToString());
        Assert.Null(_endpoint);
        Assert.Empty(_channel.Requests);
    }

    [Fact]
    public async Task A_refusal_exits_1_and_says_why()
    {
        _channel.Reply = _ => Task.FromResult<IControlReply>(new RequestRefused("no rule 9 in chain OUTPUT: it has 2 rules"));

        Assert.Equal(ExitCodes.Refused, await Run("-D", "9", "-c", "OUTPUT"));

        Assert.Equal("ctl-fw: refused by app-fw: no rule 9 in chain OUTPUT: it has 2 rules\n", _error.ToString());
    }

    [Theory]
    [InlineData(ExitCodes.Unreachable)]
    [InlineData(ExitCodes.Refused)]
    public async Task A_channel_failure_exits_with_the_status_it_names(int exitCode)
    {
        _channel.Reply = _ => Task.FromException<IControlReply>(new ControlChannelException("cannot reach app-fw at 127.0.0.1:4780: connection refused", exitCode));

        Assert.Equal(exitCode, await Run("-F"));

        Assert.Contains("connection refused", _error.ToString());
    }

    [Fact]
    public async Task No_answer_in_time_exits_3()
    {
        _channel.Reply = _ => new TaskCompletionSource<IControlReply>().Task;
        var clock = Stopwatch.StartNew();

        Assert.Equal(ExitCodes.Unreachable, await Run("-L"));

        Assert.Contains("did not answer within", _error.ToString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task State_directory_and_port_choose_the_endpoint()
    {
        await Run("-F", "--state-dir", "/tmp/daf-x", "--control-port", "4999");
        Assert.Equal(new ControlEndpoint("/tmp/daf-x", 4999), _endpoint);
    }

    [Fact]
    public async Task DAF_STATE_DIR_names_the_state_directory_unless_state_dir_is_given()
    {
        Environment.SetEnvironmentVariable("DAF_STATE_DIR", "/tmp/daf-env");
        try
        {
            await Run("-F");
            Assert.Equal(new ControlEndpoint("/tmp/daf-env", null), _endpoint);
            await Run("-F", "--state-dir", "/tmp/daf-arg");
            Assert.Equal(new ControlEndpoint("/tmp/daf-arg", null), _endpoint);
        }
        finally
        {
            Environment.SetEnvironmentVariable("DAF_STATE_DIR", null);
        }
    }

    [Fact]
    public async Task The_default_endpoint_is_run_daf_and_the_configured_port()
    {
        await Run("-F");
        Assert.Equal(new ControlEndpoint("/run/daf", null), _endpoint);
    }

    private void ReplyWithRules(params long[] counts) => _channel.Reply = request => Task.FromResult<IControlReply>(request switch
    {
        ListRules { Chain: "OUTPUT" } => new RulesText(5, $"-P OUTPUT DROP\n-A -c OUTPUT -p udp --dport 9 -v DROP\n-A -c OUTPUT -n /proc/77/ns/net --sng-hash {Curl} -v DROP\n-A -c OUTPUT -v ACCEPT\n", counts),
        _ => new RulesText(5, $"-P INPUT ACCEPT\n-P OUTPUT DROP\n-P FORWARD ACCEPT\n-A -c INPUT -s 10.0.0.0/8 -v ACCEPT\n-A -c OUTPUT -p udp --dport 9 -v DROP\n", counts),
    });

    [Fact]
    public async Task List_numbers_each_chains_rules_under_a_header_with_its_policy()
    {
        ReplyWithRules(0, 0);

        Assert.Equal(ExitCodes.Done, await Run("-L"));

        Assert.Equal(new ListRules(null), Assert.Single(_channel.Requests));
        Assert.Equal("""
            Chain INPUT (policy ACCEPT)
            num  verdict  criteria
            1    ACCEPT   -s 10.0.0.0/8

            Chain OUTPUT (policy DROP)
            num  verdict  criteria
            1    DROP     -p udp --dport 9

            Chain FORWARD (policy ACCEPT)
            num  verdict  criteria

            """.Replace("\r", ""), _output.ToString());
    }

    [Fact]
    public async Task List_of_one_chain_with_v_shows_the_match_counts()
    {
        ReplyWithRules(12, 3, 1234567);

        Assert.Equal(ExitCodes.Done, await Run("--list", "-c", "OUTPUT", "-v"));

        Assert.Equal(new ListRules("OUTPUT"), Assert.Single(_channel.Requests));
        Assert.Equal($"""
            Chain OUTPUT (policy DROP)
            num        pkts  verdict  criteria
            1             12  DROP     -p udp --dport 9
            2              3  DROP     -n /proc/77/ns/net --sng-hash {Curl}
            3        1234567  ACCEPT   any

            """.Replace("\r", ""), _output.ToString());
    }

    [Fact]
    public async Task List_as_json_carries_version_policies_rules_and_counts()
    {
        ReplyWithRules(7, 0, 1);

        Assert.Equal(ExitCodes.Done, await Run("-L", "-c", "output", "--json"));

        using var json = JsonDocument.Parse(_output.ToString());
        JsonElement chain = Assert.Single(json.RootElement.GetProperty("chains").EnumerateArray());
        Assert.Equal(5, json.RootElement.GetProperty("version").GetInt64());
        Assert.Equal("OUTPUT", chain.GetProperty("chain").GetString());
        Assert.Equal("DROP", chain.GetProperty("policy").GetString());
        JsonElement[] rules = [.. chain.GetProperty("rules").EnumerateArray()];
        Assert.Equal([1, 2, 3], rules.Select(r => r.GetProperty("num").GetInt32()));
        Assert.Equal([7L, 0L, 1L], rules.Select(r => r.GetProperty("packets").GetInt64()));
        Assert.Equal("-A -c OUTPUT -p udp --dport 9 -v DROP", rules[0].GetProperty("rule").GetString());
        Assert.Equal("", rules[2].GetProperty("criteria").GetString());
    }

    [Fact]
    public async Task Save_prints_the_daemons_rules_file_text()
    {
        const string text = "-P INPUT ACCEPT\n-P OUTPUT DROP\n-P FORWARD ACCEPT\n-A -c OUTPUT -p udp -v DROP\n";
        _channel.Reply = _ => Task.FromResult<IControlReply>(new RulesText(3, text, [0]));

        Assert.Equal(ExitCodes.Done, await Run("--save"));

        Assert.IsType<SaveRules>(Assert.Single(_channel.Requests));
        Assert.Equal(text, _output.ToString());
    }

    [Fact]
    public async Task Restore_sends_stdin_with_ctl_fws_namespace()
    {
        _input = "# saved\n-P OUTPUT DROP\n-A -c OUTPUT -p udp -v DROP\n";

        Assert.Equal(ExitCodes.Done, await Run("--restore"));

        var restore = Assert.IsType<RestoreRules>(Assert.Single(_channel.Requests));
        Assert.Equal(_input, restore.Text);
        Assert.Equal(new NamespaceReference("/proc/4242/ns/net", OwnInode), restore.CallerNamespace);
    }

    [Theory]
    [InlineData("-A -c OUTPUT -v DROP\n-A -c OUTPUT -p bogus -v DROP\n", "stdin:2: -p/--proto: bad protocol 'bogus'")]
    [InlineData("-D 1 -c OUTPUT\n", "stdin:1: only -A (append) and -P (policy) lines belong in a rules file")]
    [InlineData("-A -c OUTPUT -n netns/x -v DROP\n", "namespace file 'netns/x' must be an absolute path")]
    public async Task Restore_of_a_bad_text_exits_2_naming_the_line_without_contacting_the_daemon(string text, string reason)
    {
        _input = text;

        Assert.Equal(ExitCodes.Usage, await Run("--restore"));

        Assert.Contains(reason, _error.ToString());
        Assert.Empty(_channel.Requests);
    }

    private static string Sha256Sum(params string[] paths)
    {
        var process = Process.Start(new ProcessStartInfo("sha256sum", paths) { RedirectStandardOutput = true })!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return output;
    }

    private string WriteFile(string name, string content)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public async Task Print_hash_of_one_file_matches_sha256sum_and_has_no_aggregate()
    {
        string path = WriteFile("one", "hello\n");

        Assert.Equal(ExitCodes.Done, await Run("-H", path));

        Assert.Equal(Sha256Sum(path), _output.ToString());
        Assert.Null(_endpoint);
    }

    [Fact]
    public async Task Print_hash_of_several_files_matches_sha256sum_then_gives_the_aggregate_of_the_distinct_digests()
    {
        string a = WriteFile("a", "alpha"), b = WriteFile("b with space", "beta"), again = WriteFile("a-copy", "alpha");

        Assert.Equal(ExitCodes.Done, await Run("-H", a, "--print-hash", b, "-H", again));

        string[] lines = _output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Sha256Sum(a, b, again), string.Join("", lines.Take(3).Select(l => l + "\n")));
        var digests = lines.Take(3).Select(l => Sha256Digest.TryParse(l[..64], out var d, out _) ? d : throw new FormatException(l)).ToArray();
        Assert.Equal("AGGREGATE HASH: " + AggregateDigest.Compute(digests.Take(2)), lines[3]);
        Assert.Equal(4, lines.Length);
    }

    [Fact]
    public async Task Print_hash_of_an_unreadable_file_exits_2_and_prints_no_aggregate()
    {
        string a = WriteFile("a", "alpha");

        Assert.Equal(ExitCodes.Usage, await Run("-H", a, "-H", Path.Combine(_directory, "missing")));

        Assert.DoesNotContain("AGGREGATE", _output.ToString());
        Assert.Contains("cannot hash", _error.ToString());
    }

    [Fact]
    public async Task Print_hash_of_a_process_asks_the_daemon_and_prints_its_objects_and_aggregate()
    {
        _channel.Reply = _ => Task.FromResult<IControlReply>(new ProcessDescription(77,
            [new MappedObjectDigest("/usr/bin/curl", Curl, null), new MappedObjectDigest("/memfd:x (deleted)", null, "memfd")],
            new string('a', 64), Unverifiable: true));

        Assert.Equal(ExitCodes.Done, await Run("-H", "--pid", "77"));

        Assert.Equal(new DescribeProcess(77), Assert.Single(_channel.Requests));
        string[] lines = _output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"{Curl}  /usr/bin/curl", lines[0]);
        Assert.Contains("/memfd:x (deleted) (cannot be hashed: memfd)", lines[1]);
        Assert.Equal("AGGREGATE HASH: " + new string('a', 64), lines[2]);
        Assert.StartsWith("UNVERIFIABLE", lines[3]);
    }

    [Fact]
    public async Task Print_hash_of_a_process_the_daemon_cannot_describe_exits_1()
    {
        _channel.Reply = _ => Task.FromResult<IControlReply>(new RequestRefused("process identity is not available yet"));

        Assert.Equal(ExitCodes.Refused, await Run("--print-hash", "--pid", "77"));

        Assert.Contains("process identity is not available yet", _error.ToString());
    }

    [Fact]
    public async Task Help_prints_usage_and_exits_0()
    {
        Assert.Equal(ExitCodes.Done, await Run("-A", "--help"));

        Assert.StartsWith("Usage: ctl-fw", _output.ToString());
        Assert.EndsWith("3 app-fw unreachable.\n", _output.ToString());
        Assert.Empty(_channel.Requests);
    }

    [Fact]
    public async Task An_unexpected_reply_is_not_taken_for_success()
    {
        _channel.Reply = _ => Task.FromResult<IControlReply>(new RulesText(1, "", []));

        Assert.Equal(ExitCodes.Refused, await Run("-F"));

        Assert.Contains("unexpected reply", _error.ToString());
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
