// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.Bpf;

/// <summary>enum libbpf_print_level.</summary>
public enum LibBpfPrintLevel
{
    LIBBPF_WARN = 0,
    LIBBPF_INFO = 1,
    LIBBPF_DEBUG = 2,
}
