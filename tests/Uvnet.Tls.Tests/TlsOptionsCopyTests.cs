using System.Reflection;

namespace Uvnet.Tls.Tests;

/// <summary>
/// Copies of TLS options made in code keep every setting (checked by reflection, so a property added later is
/// covered): a hand-written copy silently drops what it does not list.
/// </summary>
public sealed class TlsOptionsCopyTests
{
    [Fact]
    public void WithAlpnFirst_keeps_every_setting_but_the_ALPN_list_it_changes()
    {
        var options = OptionSamples.AllSet<TlsServerOptions>();
        _ = options.AlpnWire; // made before the copy: the copy's must be its own list's
        TlsServerOptions copy = options.WithAlpnFirst("h2");
        foreach (PropertyInfo property in OptionSamples.Settable<TlsServerOptions>())
        {
            if (property.Name == nameof(TlsServerOptions.AlpnProtocols))
                Assert.Equal(["h2", .. options.AlpnProtocols], copy.AlpnProtocols);
            else
                Assert.Equal(property.GetValue(options), property.GetValue(copy));
        }
        Assert.Equal(TlsServerOptions.EncodeAlpn(["h2", .. options.AlpnProtocols]), copy.AlpnWire);
        Assert.Equal(TlsServerOptions.EncodeAlpn(options.AlpnProtocols), options.AlpnWire); // the original is unchanged
    }
}
