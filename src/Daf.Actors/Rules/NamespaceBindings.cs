// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Namespaces;
using Daf.Interop.Posix;
using Daf.Interop.Proc;

namespace Daf.Actors.Rules;

/// <summary>An open namespace file: the namespace's inode and what keeps it alive (closing it lets the namespace go).</summary>
public sealed record NamespaceHandle(ulong Inode, IDisposable Lifetime)
{
    /// <summary>The open namespace file (to enter it with setns); null for handles that are not files (tests).</summary>
    public NamespaceFile? File => Lifetime as NamespaceFile;
}

/// <summary>Opens a namespace file, or throws with a reason for the user.</summary>
public delegate NamespaceHandle NamespaceOpener(string path);

/// <summary>
/// Binds each namespace file that rules name (<c>-n FILE</c>) to the namespace it named when the first such
/// rule was accepted, and keeps that namespace alive by holding the file open until no rule names the path
/// any more. Rules without <c>-n</c> belong to the daemon's own namespace (<see cref="OwnInode"/>).
/// Owned by the rule store actor; outlives its restarts.
/// </summary>
/// <remarks>
/// A path bound once keeps its namespace: a later rule naming the same path must mean the same namespace
/// (the store refuses it otherwise). At start, persisted rules are bound to the namespace they were bound
/// to before (<see cref="RulesStateFile.NamespaceInodes"/>, same boot only), found through their path if it
/// still names it, else through any process in it (<c>/proc/PID/ns/net</c>). A path that cannot be bound
/// stays unbound: its rules are kept, listed and saved but never match, and app-fw warns.
/// </remarks>
public sealed class NamespaceBindings : IDisposable
{
    private readonly NamespaceOpener _open;
    private readonly Func<IEnumerable<string>> _processNamespaces;
    private readonly Dictionary<string, NamespaceHandle?> _bound = new(StringComparer.Ordinal);

    /// <param name="processNamespaces">Namespace files to search for a namespace known by inode only (default: every /proc/PID/ns/net).</param>
    public NamespaceBindings(NamespaceOpener open, ulong ownInode, Func<IEnumerable<string>>? processNamespaces = null)
    {
        _open = open;
        OwnInode = ownInode;
        _processNamespaces = processNamespaces ?? ProcessNamespaceFiles;
    }

    /// <summary>The namespace this daemon's queues serve.</summary>
    public ulong OwnInode { get; }

    /// <summary>The real opener: <see cref="NamespaceFile.Open"/>, which also checks that the file is a network namespace.</summary>
    public static NamespaceHandle OpenFile(string path)
    {
        var file = NamespaceFile.Open(path);
        return new NamespaceHandle(file.Inode, file);
    }

    /// <summary>Bindings for the daemon's own namespace, read from <c>/proc/self/ns/net</c>.</summary>
    public static NamespaceBindings ForOwnNamespace() => new(OpenFile, NetworkNamespace.GetInode("/proc/self/ns/net"));

    /// <summary>The inode a bound path names; null when unbound or unresolvable.</summary>
    public ulong? InodeOf(string path) => _bound.TryGetValue(path, out var handle) ? handle?.Inode : null;

    /// <summary>Starts a change: namespaces opened through it are kept only if the change is committed.</summary>
    public Staging Stage() => new(this);

    /// <summary>
    /// Binds every path <paramref name="rules"/> name, at start, to the namespace of <paramref name="persisted"/>
    /// when known, else to what the path names now. A path that cannot be bound is left unresolved (its
    /// rules never match) and reported in <paramref name="warnings"/>.
    /// </summary>
    public void BindAtStart(RuleSet rules, IReadOnlyDictionary<string, ulong> persisted, List<string> warnings)
    {
        foreach (string path in Paths(rules))
        {
            if (_bound.ContainsKey(path))
                continue;
            ulong? expected = persisted.TryGetValue(path, out ulong inode) ? inode : null;
            string? problem = null;
            try
            {
                NamespaceHandle handle = _open(path);
                if (expected is null || handle.Inode == expected)
                {
                    _bound[path] = handle;
                    continue;
                }
                handle.Lifetime.Dispose();
                problem = $"names namespace {handle.Inode} now, not {expected} as when its rules were saved";
            }
            catch (Exception e) when (IsOpenFailure(e))
            {
                problem = e.Message;
            }
            _bound[path] = expected is { } known ? FindByInode(known) : null;
            if (_bound[path] is null)
                warnings.Add($"namespace file {path}: {problem}; its rules stay listed but never match until they are re-added");
        }
    }

    /// <summary>A namespace known only by inode: the daemon's own, or that of some process in it.</summary>
    private NamespaceHandle? FindByInode(ulong inode)
    {
        foreach (string candidate in inode == OwnInode ? ["/proc/self/ns/net"] : _processNamespaces())
        {
            try
            {
                NamespaceHandle handle = _open(candidate);
                if (handle.Inode == inode)
                    return handle;
                handle.Lifetime.Dispose();
            }
            catch (Exception e) when (IsOpenFailure(e))
            {
                // The process exited meanwhile, or is not ours to look at.
            }
        }
        return null;
    }

    private static IEnumerable<string> ProcessNamespaceFiles()
    {
        var tgids = new List<int>();
        ThreadGroups.List(tgids);
        return tgids.Select(tgid => $"/proc/{tgid}/ns/net");
    }

    public void Dispose()
    {
        foreach (var handle in _bound.Values)
            handle?.Lifetime.Dispose();
        _bound.Clear();
    }

    private static IEnumerable<string> Paths(RuleSet rules) =>
        Enum.GetValues<Chain>().SelectMany(chain => rules[chain]).Select(rule => rule.Namespace?.Value).OfType<string>().Distinct();

    private static bool IsOpenFailure(Exception e) => e is PosixException or InvalidDataException or IOException or UnauthorizedAccessException;

    /// <summary>The namespace bindings of one change in progress.</summary>
    public sealed class Staging : IDisposable
    {
        private readonly NamespaceBindings _owner;
        private readonly Dictionary<string, NamespaceHandle> _opened = new(StringComparer.Ordinal);
        private bool _done;

        internal Staging(NamespaceBindings owner) => _owner = owner;

        /// <summary>
        /// Resolves <paramref name="path"/> to a namespace inode, opening it unless already bound. When
        /// <paramref name="expectedInode"/> is given (what the caller saw there), a different namespace is refused.
        /// </summary>
        /// <returns>Null, or the reason the path cannot be used.</returns>
        public string? TryResolve(string path, ulong? expectedInode, out ulong inode)
        {
            inode = 0;
            if (!Path.IsPathFullyQualified(path))
                return $"namespace file '{path}' must be an absolute path";
            if (_owner._bound.TryGetValue(path, out var bound) && bound is not null)
                inode = bound.Inode;
            else if (_opened.TryGetValue(path, out var opened))
                inode = opened.Inode;
            else
            {
                try
                {
                    var handle = _owner._open(path);
                    _opened[path] = handle;
                    inode = handle.Inode;
                }
                catch (Exception e) when (IsOpenFailure(e))
                {
                    return $"cannot use namespace file {path}: {e.Message}";
                }
            }
            if (expectedInode is { } expected && expected != inode)
                return bound is not null
                    ? $"namespace file {path} is bound to namespace {inode} by existing rules, but names namespace {expected} where ctl-fw runs"
                    : $"namespace file {path} names namespace {inode} here but namespace {expected} where ctl-fw runs";
            return null;
        }

        /// <summary>The inode a path of the staged rule set is bound to; null when unbound.</summary>
        public ulong? InodeOf(string path) => _opened.TryGetValue(path, out var opened) ? opened.Inode : _owner.InodeOf(path);

        /// <summary>Whether a rule of the staged rule set can match this daemon's packets.</summary>
        public bool AppliesHere(Rule rule) => AppliesIn(rule, _owner.OwnInode);

        /// <summary>Whether a rule of the staged rule set applies to the packets of the namespace <paramref name="inode"/>.</summary>
        public bool AppliesIn(Rule rule, ulong inode)
        {
            if (rule.Namespace is not { } ns)
                return inode == _owner.OwnInode;
            return InodeOf(ns.Value) is { } known && (known == inode) != ns.Negated;
        }

        /// <summary>
        /// The namespaces other than the daemon's that rules of <paramref name="rules"/> name with <c>-n</c> (not negated)
        /// and that are bound, once each, in chain order of their first rule.
        /// </summary>
        public IReadOnlyList<NamespaceHandle> ForeignNamespaces(RuleSet rules)
        {
            var found = new List<NamespaceHandle>();
            foreach (Rule rule in Enum.GetValues<Chain>().SelectMany(chain => rules[chain]))
            {
                if (rule.Namespace is not { Negated: false, Value: var path })
                    continue;
                NamespaceHandle? handle = _opened.TryGetValue(path, out var opened) ? opened
                    : _owner._bound.TryGetValue(path, out var bound) ? bound : null;
                if (handle is not null && handle.Inode != _owner.OwnInode && !found.Any(h => h.Inode == handle.Inode))
                    found.Add(handle);
            }
            return found;
        }

        /// <summary>Keeps what <paramref name="rules"/> name, releases every namespace no rule names any more.</summary>
        public void Commit(RuleSet rules)
        {
            var referenced = Paths(rules).ToHashSet(StringComparer.Ordinal);
            foreach (var (path, handle) in _opened)
            {
                if (referenced.Contains(path) && _owner.InodeOf(path) is null)
                    _owner._bound[path] = handle;
                else
                    handle.Lifetime.Dispose();
            }
            _opened.Clear();
            foreach (string path in _owner._bound.Keys.Where(p => !referenced.Contains(p)).ToList())
            {
                _owner._bound[path]?.Lifetime.Dispose();
                _owner._bound.Remove(path);
            }
            _done = true;
        }

        /// <summary>Abandons the change: closes what it opened.</summary>
        public void Dispose()
        {
            if (_done)
                return;
            foreach (var handle in _opened.Values)
                handle.Lifetime.Dispose();
            _opened.Clear();
            _done = true;
        }
    }
}
