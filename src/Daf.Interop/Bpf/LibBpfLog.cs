// SPDX-License-Identifier: Apache-2.0
using System.Runtime.InteropServices;
using System.Text;

namespace Daf.Interop.Bpf;

/// <summary>
/// Routes libbpf's messages (e.g. the verifier log behind a failed bpf_object__load) to a managed handler instead of
/// stderr. Process-wide, like libbpf_set_print itself.
/// </summary>
public static unsafe class LibBpfLog
{
    private const int MessageBytes = 1024;
    private static Action<LibBpfPrintLevel, string>? s_handler;

    /// <summary>
    /// Sends every libbpf message to <paramref name="handler"/> (null: back to libbpf's stderr printer).
    /// Returns false where libbpf's va_list cannot be formatted from managed code (only x86-64 and arm64 pass it
    /// as a pointer); libbpf then keeps printing to stderr.
    /// </summary>
    public static bool Route(Action<LibBpfPrintLevel, string>? handler)
    {
        if (RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.Arm64))
            return false;
        s_handler = handler;
        if (handler is null)
            LibBpf.libbpf_set_print(null);
        else
            LibBpf.libbpf_set_print(&Print);
        return true;
    }

    // libbpf's default printer drops DEBUG messages; so do we, before formatting.
    [UnmanagedCallersOnly]
    private static int Print(int level, byte* format, nint arguments)
    {
        Action<LibBpfPrintLevel, string>? handler = s_handler;
        if (handler is null || level == (int)LibBpfPrintLevel.LIBBPF_DEBUG)
            return 0;
        try
        {
            byte* buffer = stackalloc byte[MessageBytes];
            int length = LibBpf.vsnprintf(buffer, MessageBytes, format, arguments);
            if (length < 0)
                return 0;
            string message = Encoding.UTF8.GetString(buffer, Math.Min(length, MessageBytes - 1)).TrimEnd('\n');
            handler((LibBpfPrintLevel)level, message);
            return length;
        }
        catch
        {
            return 0; // a handler exception must not unwind into libbpf
        }
    }
}
