// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Signatures;
using System.Globalization;
using Daf.Interop.Packets;

namespace Daf.Actors.Rules;

/// <summary>
/// Parses ctl-fw command lines (<c>-A -c OUTPUT -p udp --dport 9 -v DROP</c>) into <see cref="RuleCommand"/>s.
/// User errors come back as a <see cref="RuleParseResult"/> with a one-line reason, never as exceptions.
/// </summary>
/// <remarks>
/// A negation (<c>!</c>, <c>-!</c> or <c>--not</c>) applies to the one criterion that follows it.
/// Each option may appear once; exactly one command (<c>-A -I -D -F -P -L</c>) is required.
/// </remarks>
public static class RuleCommandParser
{
    private enum Kind { Command, Chain, Verdict, Criterion, RuleOption }

    private sealed record Option(string Short, string? Long, Kind Kind, string? ValueName)
    {
        public string Display => Long is null ? Short : $"{Short}/{Long}";
    }

    private static readonly Option[] Options =
    [
        new("-A", "--append", Kind.Command, null),
        new("-I", "--insert", Kind.Command, null),
        new("-D", "--delete", Kind.Command, "NUM"),
        new("-F", "--flush", Kind.Command, null),
        new("-P", "--policy", Kind.Command, "CHAIN VERDICT"),
        new("-L", "--list", Kind.Command, null),
        new("-c", "--chain", Kind.Chain, "INPUT|OUTPUT|FORWARD"),
        new("-v", "--vrdct", Kind.Verdict, "ACCEPT|DROP"),
        new("-s", "--src-ip", Kind.Criterion, "ADDRESS[/LENGTH]"),
        new("-d", "--dst-ip", Kind.Criterion, "ADDRESS[/LENGTH]"),
        new("-p", "--proto", Kind.Criterion, "PROTOCOL"),
        new("--sport", null, Kind.Criterion, "PORT[:PORT]"),
        new("--dport", null, Kind.Criterion, "PORT[:PORT]"),
        new("--sng-hash", null, Kind.Criterion, "SHA256"),
        new("--agg-hash", null, Kind.Criterion, "SHA256"),
        new("--unverifiable", null, Kind.Criterion, null),
        new("--sig-app", null, Kind.Criterion, "SHA256"),
        new("-n", "--namespace", Kind.Criterion, "FILE"),
        new("-l", "--sig-loc", Kind.RuleOption, "l3|l4"),
    ];

    private static readonly Dictionary<string, Option> BySpelling = Options
        .SelectMany(o => o.Long is null ? [(o.Short, o)] : new[] { (o.Short, o), (o.Long, o) })
        .ToDictionary(p => p.Item1, p => p.o, StringComparer.Ordinal);

    /// <summary>Splits <paramref name="line"/> shell-like (quotes, backslashes, # comments) and parses it.</summary>
    public static RuleParseResult ParseLine(string line) =>
        CommandLineSplitter.TrySplit(line, out var arguments, out string? error)
            ? Parse(arguments)
            : RuleParseResult.Fail(error!);

    public static RuleParseResult Parse(IReadOnlyList<string> arguments)
    {
        var builder = new Builder();
        string? negation = null;
        for (int i = 0; i < arguments.Count; i++)
        {
            string argument = arguments[i];
            if (argument is "!" or "-!" or "--not")
            {
                if (negation is not null)
                    return RuleParseResult.Fail($"'{argument}' after '{negation}': a criterion can be negated only once");
                negation = argument;
                continue;
            }
            if (!BySpelling.TryGetValue(argument, out Option? option))
            {
                return RuleParseResult.Fail(argument.StartsWith('-')
                    ? $"unknown option '{argument}'"
                    : $"unexpected argument '{argument}'");
            }
            if (negation is not null && option.Kind != Kind.Criterion)
                return RuleParseResult.Fail($"'{negation}' cannot negate {option.Display}; it negates a criterion");

            string? error = builder.Accept(option, arguments, ref i, negated: negation is not null);
            if (error is not null)
                return RuleParseResult.Fail(error);
            negation = null;
        }
        if (negation is not null)
            return RuleParseResult.Fail($"'{negation}' must be followed by the criterion it negates");
        return builder.Build();
    }

    private sealed class Builder
    {
        private readonly HashSet<Option> _seen = [];
        private Option? _command;
        private Option? _firstRuleOption;
        private int _number = 1;
        private Chain? _chain;
        private Verdict? _verdict;
        private Chain _policyChain;
        private Verdict _policyVerdict;
        private Criterion<IpPrefix>? _source, _destination;
        private Criterion<IpProtocol>? _protocol;
        private Criterion<PortRange>? _sourcePort, _destinationPort;
        private Criterion<Sha256Digest>? _singleHash, _aggregateHash, _signedApp;
        private bool? _unverifiable;
        private Criterion<string>? _namespace;
        private SignatureLocation? _signatureLocation;

        public string? Accept(Option option, IReadOnlyList<string> arguments, ref int i, bool negated)
        {
            if (!_seen.Add(option))
                return $"option {option.Display} given twice";
            if (option.Kind == Kind.Command)
            {
                if (_command is not null)
                    return $"only one command at a time: {_command.Short} and {option.Short}";
                _command = option;
            }
            else if (option.Kind != Kind.Chain)
            {
                _firstRuleOption ??= option;
            }

            string? value = null;
            if (option.ValueName is not null && option.Short != "-P")
            {
                if (i + 1 >= arguments.Count)
                    return $"option {option.Display} needs a value: {option.ValueName}";
                value = arguments[++i];
            }

            string? error = null;
            switch (option.Short)
            {
                case "-A" or "-F" or "-L":
                    break;
                case "-I":
                    if (i + 1 < arguments.Count && arguments[i + 1].Length > 0 && arguments[i + 1].All(char.IsAsciiDigit))
                        error = ParseNumber(option, arguments[++i]);
                    break;
                case "-D":
                    error = ParseNumber(option, value!);
                    break;
                case "-P":
                    if (i + 2 >= arguments.Count)
                        return $"option {option.Display} needs two values: CHAIN VERDICT";
                    error = ParseChain(arguments[++i], out _policyChain) ?? ParseVerdict(arguments[++i], out _policyVerdict);
                    break;
                case "-c":
                    error = ParseChain(value!, out Chain chain);
                    _chain = chain;
                    break;
                case "-v":
                    error = ParseVerdict(value!, out Verdict verdict);
                    _verdict = verdict;
                    break;
                case "-s":
                    error = Parse<IpPrefix>(IpPrefix.TryParse, value!, negated, out _source);
                    break;
                case "-d":
                    error = Parse<IpPrefix>(IpPrefix.TryParse, value!, negated, out _destination);
                    break;
                case "-p":
                    error = Parse<IpProtocol>(IpProtocol.TryParse, value!, negated, out _protocol);
                    break;
                case "--sport":
                    error = Parse<PortRange>(PortRange.TryParse, value!, negated, out _sourcePort);
                    break;
                case "--dport":
                    error = Parse<PortRange>(PortRange.TryParse, value!, negated, out _destinationPort);
                    break;
                case "--sng-hash":
                    error = Parse<Sha256Digest>(Sha256Digest.TryParse, value!, negated, out _singleHash);
                    break;
                case "--agg-hash":
                    error = Parse<Sha256Digest>(Sha256Digest.TryParse, value!, negated, out _aggregateHash);
                    break;
                case "--sig-app":
                    error = Parse<Sha256Digest>(Sha256Digest.TryParse, value!, negated, out _signedApp);
                    break;
                case "--unverifiable":
                    _unverifiable = !negated;
                    break;
                case "-n":
                    if (value!.Length == 0)
                        error = "empty namespace file name";
                    _namespace = new Criterion<string>(value, negated);
                    break;
                case "-l":
                    if (string.Equals(value, "l3", StringComparison.OrdinalIgnoreCase))
                        _signatureLocation = SignatureLocation.L3;
                    else if (string.Equals(value, "l4", StringComparison.OrdinalIgnoreCase))
                        _signatureLocation = SignatureLocation.L4;
                    else
                        error = $"bad signature location '{value}': l3 or l4";
                    break;
            }
            return error is null ? null : $"{option.Display}: {error}";
        }

        public RuleParseResult Build()
        {
            if (_command is null)
                return RuleParseResult.Fail("no command given: use one of -A, -I, -D, -F, -P, -L");
            bool takesRule = _command.Short is "-A" or "-I";
            if (!takesRule && _firstRuleOption is not null)
                return RuleParseResult.Fail($"option {_firstRuleOption.Display} is not valid with {_command.Display}");
            if (_command.Short == "-P" && _chain is not null)
                return RuleParseResult.Fail($"option -c/--chain is not valid with {_command.Display}: use -P CHAIN VERDICT");
            if (_command.Short == "-D" && _chain is null)
                return RuleParseResult.Fail("-D/--delete needs -c/--chain INPUT|OUTPUT|FORWARD");

            switch (_command.Short)
            {
                case "-D":
                    return RuleParseResult.Ok(new RuleCommand.Delete(_chain!.Value, _number));
                case "-F":
                    return RuleParseResult.Ok(new RuleCommand.Flush(_chain));
                case "-L":
                    return RuleParseResult.Ok(new RuleCommand.List(_chain));
                case "-P":
                    return RuleParseResult.Ok(new RuleCommand.Policy(_policyChain, _policyVerdict));
            }

            if (_chain is null)
                return RuleParseResult.Fail($"{_command.Display} needs -c/--chain INPUT|OUTPUT|FORWARD");
            if (_verdict is null)
                return RuleParseResult.Fail($"{_command.Display} needs -v/--vrdct ACCEPT|DROP");
            if (_source is { } s && _destination is { } d && s.Value.IsIPv4 != d.Value.IsIPv4)
                return RuleParseResult.Fail("-s/--src-ip and -d/--dst-ip must be of the same address family");
            if ((_sourcePort is not null || _destinationPort is not null) && _protocol is { Negated: false, Value: var p }
                && !p.IsAll && !IpProtocolNumbers.CarriesPorts(p.Number))
                return RuleParseResult.Fail($"--sport/--dport need a protocol with ports (tcp, udp, udplite, sctp, dccp), not {p}");

            if (_signedApp is not null && _chain == Chain.Output)
                return RuleParseResult.Fail("--sig-app matches what a verified tag attests: INPUT and FORWARD only");

            var rule = new Rule(_chain.Value, _verdict.Value)
            {
                Source = _source,
                Destination = _destination,
                Protocol = _protocol,
                SourcePort = _sourcePort,
                DestinationPort = _destinationPort,
                SingleHash = _singleHash,
                AggregateHash = _aggregateHash,
                Unverifiable = _unverifiable,
                SignedApp = _signedApp,
                Namespace = _namespace,
                SignatureLocation = _signatureLocation,
            };
            return RuleParseResult.Ok(_command.Short == "-A" ? new RuleCommand.Append(rule) : new RuleCommand.Insert(_number, rule));
        }

        private delegate bool TryParser<T>(string text, out T value, out string? error);

        private static string? Parse<T>(TryParser<T> parser, string text, bool negated, out Criterion<T>? criterion)
        {
            criterion = null;
            if (!parser(text, out T value, out string? error))
                return error;
            criterion = new Criterion<T>(value, negated);
            return null;
        }

        private string? ParseNumber(Option option, string text)
        {
            if (text.Length is > 0 and <= 9 && text.All(char.IsAsciiDigit)
                && int.Parse(text, CultureInfo.InvariantCulture) is var number and > 0)
            {
                _number = number;
                return null;
            }
            return $"bad rule number '{text}': rules are numbered from 1";
        }

        private static string? ParseChain(string text, out Chain chain) =>
            RuleSyntax.TryParseChain(text, out chain) ? null : $"bad chain '{text}': INPUT, OUTPUT or FORWARD";

        private static string? ParseVerdict(string text, out Verdict verdict) =>
            RuleSyntax.TryParseVerdict(text, out verdict) ? null : $"bad verdict '{text}': ACCEPT or DROP";
    }
}
