using System.Text;

namespace Uvnet.Tls;

/// <summary>ALPN names as strings, the common ones without an allocation per connection.</summary>
internal static class AlpnNames
{
    internal const string Http11 = "http/1.1";

    internal static string Get(ReadOnlySpan<byte> name) =>
        name.SequenceEqual("http/1.1"u8) ? Http11 : Encoding.ASCII.GetString(name);
}
