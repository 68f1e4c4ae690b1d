using Uvnet.Net;
using Uvnet.Tls.Interop;

namespace Uvnet.Tls;

/// <summary>The certificate verification errors, with the codes Node reports (its crypto_common.cc table).</summary>
internal static class TlsErrors
{
    private const int HostnameMismatch = 62; // X509_V_ERR_HOSTNAME_MISMATCH
    private const int IpAddressMismatch = 64; // X509_V_ERR_IP_ADDRESS_MISMATCH

    /// <summary>Null for X509_V_OK; otherwise the error as Node names it.</summary>
    internal static NetException? FromVerifyResult(nint result, string? host)
    {
        if (result == OpenSsl.X509_V_OK)
            return null;
        if (result is HostnameMismatch or IpAddressMismatch)
            return new NetException("ERR_TLS_CERT_ALTNAME_INVALID", $"Hostname/IP does not match certificate's altnames: Host: {host}.");
        string code = result switch
        {
            2 => "UNABLE_TO_GET_ISSUER_CERT",
            9 => "CERT_NOT_YET_VALID",
            10 => "CERT_HAS_EXPIRED",
            18 => "DEPTH_ZERO_SELF_SIGNED_CERT",
            19 => "SELF_SIGNED_CERT_IN_CHAIN",
            20 => "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
            21 => "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
            23 => "CERT_REVOKED",
            24 => "INVALID_CA",
            26 => "INVALID_PURPOSE",
            _ => "CERT_VERIFY_ERROR_" + result,
        };
        return new NetException(code, OpenSsl.Text(OpenSsl.X509_verify_cert_error_string(result)) ?? code);
    }
}
