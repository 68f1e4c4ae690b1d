using Uvnet.Tls.Interop;

namespace Uvnet.Tls.Tests;

/// <summary>What every TLS test checks once its loop closed: nothing of OpenSSL's is left behind.</summary>
internal static class TlsLeaks
{
    /// <summary>
    /// Every SSL object was freed, and the loop thread's OpenSSL error queue is empty: an error left there is read by
    /// the next SSL_get_error on the thread, which would report the next connection's harmless "want read" as its failure.
    /// </summary>
    internal static void AssertNone()
    {
        Assert.Equal(0, Tls.LiveSessionCount);
        Assert.Equal(0ul, OpenSsl.ERR_peek_error());
    }
}
