// SPDX-License-Identifier: Apache-2.0
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Daf.Actors.Control;

/// <summary>
/// The key and self-signed certificate that both ends of the control channel present:
/// <c>STATE_DIR/control.pfx</c>, owned by root, mode 0600. Whoever can read it may change the firewall.
/// </summary>
public static class ControlCertificate
{
    public const string FileName = "control.pfx";
    private const string SubjectName = "CN=daf-control";
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static string PathIn(string stateDirectory) => Path.Combine(stateDirectory, FileName);

    /// <summary>
    /// Loads <c>control.pfx</c> from <paramref name="stateDirectory"/>, creating it first when it does not
    /// exist. It is written to a temporary file created with mode 0600 (never readable by others, not
    /// even briefly), flushed to disk and renamed into place, so a crash leaves either no file or a whole one.
    /// </summary>
    public static X509Certificate2 LoadOrCreate(string stateDirectory)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("the control certificate relies on Unix file modes");
        var path = PathIn(stateDirectory);
        if (File.Exists(path))
        {
            TightenMode(path);
            return Load(path);
        }

        var temporary = Path.Combine(stateDirectory, $".{FileName}.{Environment.ProcessId}.tmp");
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = OwnerReadWrite,
            };
            using (var file = new FileStream(temporary, options))
            {
                file.Write(CreatePkcs12());
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another app-fw won the race: use its certificate.
        }
        finally
        {
            File.Delete(temporary);
        }
        return Load(path);
    }

    /// <summary>Loads an existing <c>control.pfx</c> (ctl-fw); throws <see cref="UnauthorizedAccessException"/> for non-root users.</summary>
    public static X509Certificate2 Load(string path) =>
        // Read first: the loader would wrap a missing or unreadable file into a CryptographicException.
        X509CertificateLoader.LoadPkcs12(File.ReadAllBytes(path), password: null, X509KeyStorageFlags.EphemeralKeySet);

    private static byte[] CreatePkcs12()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(SubjectName, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(20));
        return certificate.Export(X509ContentType.Pkcs12);
    }

    private static void TightenMode(string path)
    {
        if (OperatingSystem.IsWindows()) return;
        var mode = File.GetUnixFileMode(path);
        if ((mode & ~OwnerReadWrite) != 0) File.SetUnixFileMode(path, OwnerReadWrite);
    }
}
