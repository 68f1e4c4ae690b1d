using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Uvnet.Server.Cli;
using Uvnet.Tls;

namespace Uvnet.Server.Commands;

/// <summary>The HTTPS settings of <c>serve</c> and <c>hello</c>: <c>--cert</c>/<c>--key</c>, or <c>--tls-dev</c>'s self-signed certificate.</summary>
internal static class TlsSetup
{
    /// <summary>How long a <c>--tls-dev</c> certificate lasts: long enough for a working session, short enough not to matter if it leaks.</summary>
    internal static readonly TimeSpan DevCertificateLifetime = TimeSpan.FromDays(30);

    /// <summary>
    /// The TLS settings <paramref name="options"/> ask for (null for plain HTTP), made once for every loop. False
    /// (after a line on <paramref name="error"/>) when the files cannot be used or OpenSSL cannot be loaded.
    /// </summary>
    internal static bool TryCreate(CommandLineOptions options, TextWriter output, TextWriter error, out TlsServerOptions? tls)
    {
        tls = null;
        if (!options.Tls)
            return true;
        try
        {
            SecureContext context;
            if (options.TlsDev)
            {
                using X509Certificate2 certificate = CreateDevCertificate();
                context = SecureContext.FromCertificate(certificate);
                output.WriteLine($"uvnet: --tls-dev: a self-signed certificate for localhost, 127.0.0.1 and ::1, valid {DevCertificateLifetime.TotalDays:0} days; SHA-256 fingerprint {Fingerprint(certificate)}");
            }
            else
                context = SecureContext.FromPemFiles(options.CertFile!, options.KeyFile!);
            tls = new TlsServerOptions { Context = context };
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or PlatformNotSupportedException or CryptographicException)
        {
            error.WriteLine($"uvnet: cannot serve HTTPS: {e.Message}");
            return false;
        }
    }

    /// <summary>An ECDSA P-256 certificate for localhost, 127.0.0.1 and ::1, self-signed, for <c>--tls-dev</c>.</summary>
    internal static X509Certificate2 CreateDevCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false)); // server auth
        DateTimeOffset now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now + DevCertificateLifetime);
    }

    /// <summary>The SHA-256 fingerprint as browsers show it: hex pairs joined by colons.</summary>
    internal static string Fingerprint(X509Certificate2 certificate) =>
        string.Join(':', certificate.GetCertHash(HashAlgorithmName.SHA256).Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));
}
