// SPDX-License-Identifier: Apache-2.0
using System.Collections.Concurrent;
using Daf.Interop.Bpf;

namespace Daf.Interop.Tests.Bpf;

public sealed class LibBpfLogTests
{
    [Fact]
    public void Libbpf_warnings_reach_the_managed_handler_formatted()
    {
        string notElf = Path.Combine(Path.GetTempPath(), $"daf-not-elf-{Environment.ProcessId}.o");
        File.WriteAllText(notElf, "this is not an ELF object");
        var messages = new ConcurrentQueue<(LibBpfPrintLevel Level, string Text)>();
        try
        {
            Assert.True(LibBpfLog.Route((level, text) => messages.Enqueue((level, text))));
            var error = Assert.Throws<BpfException>(() => BpfObject.Load(notElf));
            Assert.Contains($"bpf_object__open_file({notElf})", error.Message);
        }
        finally
        {
            LibBpfLog.Route(null);
            File.Delete(notElf);
        }
        // libbpf names the file in its complaint: proves the printf arguments were formatted, not just the format.
        Assert.Contains(messages, m => m.Level == LibBpfPrintLevel.LIBBPF_WARN && m.Text.Contains(notElf, StringComparison.Ordinal));
    }
}
