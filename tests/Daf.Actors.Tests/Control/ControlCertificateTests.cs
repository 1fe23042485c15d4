// SPDX-License-Identifier: Apache-2.0
using System.Net.Security;
using System.Runtime.Versioning;
using Akka.TestKit.Xunit2;
using Daf.Actors.Control;

namespace Daf.Actors.Tests.Control;

[SupportedOSPlatform("linux")]
public sealed class ControlCertificateTests : TestKit
{
    private readonly string _directory = Directory.CreateTempSubdirectory("daf-cert-").FullName;

    [Fact]
    public void The_first_start_creates_a_key_readable_by_its_owner_only()
    {
        using var certificate = ControlCertificate.LoadOrCreate(_directory);

        Assert.True(certificate.HasPrivateKey);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ControlCertificate.PathIn(_directory)));
        Assert.Equal([ControlCertificate.FileName], Directory.GetFiles(_directory).Select(Path.GetFileName));
    }

    [Fact]
    public void Later_starts_load_the_same_certificate()
    {
        using var first = ControlCertificate.LoadOrCreate(_directory);
        using var second = ControlCertificate.LoadOrCreate(_directory);

        Assert.Equal(first.Thumbprint, second.Thumbprint);
    }

    [Fact]
    public void A_certificate_file_readable_by_others_is_made_private()
    {
        ControlCertificate.LoadOrCreate(_directory).Dispose();
        var path = ControlCertificate.PathIn(_directory);
        File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100);

        ControlCertificate.LoadOrCreate(_directory).Dispose();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void The_pin_accepts_only_the_very_same_certificate()
    {
        using var ours = ControlCertificate.LoadOrCreate(_directory);
        var otherDirectory = Directory.CreateTempSubdirectory("daf-cert-other-").FullName;
        try
        {
            using var other = ControlCertificate.LoadOrCreate(otherDirectory);
            var validate = ControlRemoting.SslSetup(ours).CustomValidator!;

            Assert.True(validate(ours, null, "peer", SslPolicyErrors.RemoteCertificateChainErrors, Sys.Log));
            Assert.False(validate(other, null, "peer", SslPolicyErrors.RemoteCertificateChainErrors, Sys.Log));
            Assert.False(validate(other, null, "peer", SslPolicyErrors.None, Sys.Log));
            Assert.False(validate(null, null, "peer", SslPolicyErrors.RemoteCertificateNotAvailable, Sys.Log));
        }
        finally
        {
            Directory.Delete(otherDirectory, recursive: true);
        }
    }

    [Fact]
    public void Mutual_authentication_is_required_and_host_names_are_not_what_is_checked()
    {
        using var ours = ControlCertificate.LoadOrCreate(_directory);

        var setup = ControlRemoting.SslSetup(ours);

        Assert.True(setup.RequireMutualAuthentication);
        Assert.False(setup.SuppressValidation);
        Assert.False(setup.ValidateCertificateHostname);
        Assert.NotNull(setup.CustomValidator);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) Directory.Delete(_directory, recursive: true);
        base.Dispose(disposing);
    }
}
