using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Uvnet.Tls.Tests;

/// <summary>
/// Certificates made in-process when the tests start (nothing committed, nothing expires): a CA, leaves it signed for
/// localhost/127.0.0.1 and for other names, an expired leaf, and a self-signed one.
/// </summary>
internal static class TestCertificates
{
    private static readonly Lazy<X509Certificate2> s_ca = new(() => MakeCa("Uvnet Test CA"));

    internal static X509Certificate2 Ca => s_ca.Value;

    internal static X509Certificate2Collection CaCollection => [Ca];

    internal static X509Certificate2 Localhost { get; } = Leaf("localhost", ["localhost"], [IPAddress.Loopback, IPAddress.IPv6Loopback]);

    internal static X509Certificate2 Expired { get; } = Leaf("localhost", ["localhost"], [IPAddress.Loopback],
        DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(-1));

    internal static X509Certificate2 SelfSigned { get; } = MakeSelfSigned("localhost");

    /// <summary>A client certificate (clientAuth usage) signed by the CA, as a server that requests one verifies it.</summary>
    internal static X509Certificate2 Client { get; } = Leaf("client", [], [], clientAuth: true);

    /// <summary>A client certificate signed by nobody the server trusts.</summary>
    internal static X509Certificate2 SelfSignedClient { get; } = MakeSelfSigned("stranger");

    /// <summary>A client certificate with a 512-bit RSA key, which OpenSSL's default security level (1: 80 bits) refuses.</summary>
    internal static X509Certificate2 WeakRsaClient { get; } = MakeWeakRsa();

    private static X509Certificate2 MakeWeakRsa()
    {
        using var key = RSA.Create(512);
        var request = new CertificateRequest("CN=weak", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    internal static X509Certificate2 Leaf(string cn, string[] names, IPAddress[] addresses, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null, bool clientAuth = false)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={cn}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (string name in names)
            san.AddDnsName(name);
        foreach (IPAddress address in addresses)
            san.AddIpAddress(address);
        if (names.Length + addresses.Length > 0)
            request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(clientAuth ? "1.3.6.1.5.5.7.3.2" : "1.3.6.1.5.5.7.3.1")], false));
        byte[] serial = RandomNumberGenerator.GetBytes(12);
        using X509Certificate2 cert = request.Create(Ca, notBefore ?? DateTimeOffset.UtcNow.AddDays(-1), notAfter ?? DateTimeOffset.UtcNow.AddDays(30), serial);
        return cert.CopyWithPrivateKey(key);
    }

    private static X509Certificate2 MakeCa(string cn)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={cn}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-365), DateTimeOffset.UtcNow.AddDays(365));
    }

    private static X509Certificate2 MakeSelfSigned(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(name);
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    /// <summary>Writes the certificate's PEM (chain: leaf only) and key to a temporary folder, for external tools.</summary>
    internal static (string Cert, string Key) WritePem(X509Certificate2 cert)
    {
        string dir = Directory.CreateTempSubdirectory("uvnet-tls-").FullName;
        string certFile = Path.Combine(dir, "cert.pem");
        string keyFile = Path.Combine(dir, "key.pem");
        File.WriteAllText(certFile, cert.ExportCertificatePem() + "\n");
        File.WriteAllText(keyFile, cert.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem() + "\n");
        return (certFile, keyFile);
    }

    internal static string WriteCaPem()
    {
        string file = Path.Combine(Directory.CreateTempSubdirectory("uvnet-ca-").FullName, "ca.pem");
        File.WriteAllText(file, Ca.ExportCertificatePem() + "\n");
        return file;
    }
}
