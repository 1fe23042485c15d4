// SPDX-License-Identifier: Apache-2.0
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Configuration;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;

namespace Daf.Actors.Control;

/// <summary>
/// The control channel's remoting: DotNetty TCP on 127.0.0.1 with TLS in which each side presents
/// <c>control.pfx</c> and accepts only a peer presenting that very certificate (mutual authentication,
/// pinned by SHA-256 fingerprint). The TLS handshake completes before Akka's association handshake,
/// so a peer without the key never reaches the actor system's deserializers.
/// </summary>
public static class ControlRemoting
{
    /// <summary>The actor system name both ends use; part of the endpoint's address.</summary>
    public const string SystemName = "app-fw";
    public const string EndpointName = "control";
    public const string PortPath = "akka.remote.dot-netty.tcp.port";

    /// <summary>The address ctl-fw sends to.</summary>
    public static string EndpointPath(int port) =>
        string.Create(CultureInfo.InvariantCulture, $"akka.ssl.tcp://{SystemName}@127.0.0.1:{port}/user/{EndpointName}");

    /// <summary>Overrides the listening port (0: any free port, for clients and tests).</summary>
    public static Config PortConfig(int port) =>
        ConfigurationFactory.ParseString(string.Create(CultureInfo.InvariantCulture, $"{PortPath} = {port}"));

    /// <summary>
    /// Makes DotNetty present <paramref name="certificate"/>, request the peer's certificate on both sides
    /// and accept only the same certificate. Chain and host-name checks are replaced by the pin: the
    /// certificate is self-signed and the one thing that matters is possession of its key.
    /// </summary>
    public static DotNettySslSetup SslSetup(X509Certificate2 certificate) =>
        new(certificate, suppressValidation: false, requireMutualAuthentication: true,
            validateCertificateHostname: false, customValidator: PinnedTo(Fingerprint(certificate)));

    internal static byte[] Fingerprint(X509Certificate certificate) => certificate.GetCertHash(HashAlgorithmName.SHA256);

    /// <summary>Accepts exactly the certificate with <paramref name="fingerprint"/>; logs every refusal.</summary>
    public static CertificateValidationCallback PinnedTo(byte[] fingerprint) =>
        (certificate, _, peer, errors, log) =>
        {
            if (certificate is null)
            {
                log.Warning("control: refused peer {0}: it presented no certificate ({1})", peer, errors);
                return false;
            }
            var presented = Fingerprint(certificate);
            if (CryptographicOperations.FixedTimeEquals(presented, fingerprint)) return true;
            log.Warning("control: refused peer {0}: its certificate {1} (SHA-256 {2}) is not the control certificate",
                peer, certificate.Subject, Convert.ToHexString(presented));
            return false;
        };
}
