using System.Reflection;
using Uvnet.Proxy.Clusters;
using Uvnet.Tls;
using Uvnet.Tls.Tests;

namespace Uvnet.Proxy.Tests;

/// <summary>
/// A cluster's upstream TLS settings, checked by reflection over every public setting (so one added later is covered):
/// the copy made for a destination keeps them all, and a reload keeps a cluster (its pooled connections included) only
/// when every one is the same.
/// </summary>
public sealed class ClusterTlsOptionsTests
{
    private static ProxyCluster With(TlsClientOptions tls) => new() { Name = "c", Destinations = ["upstream.example:443"], Tls = tls };

    [Fact]
    public void A_reload_keeps_a_cluster_only_when_every_TLS_setting_is_the_same()
    {
        var tls = OptionSamples.AllSet<TlsClientOptions>();
        Assert.True(With(tls).SameAs(With(OptionSamples.With(tls, changed: null)))); // other objects, the same settings
        foreach (PropertyInfo property in OptionSamples.Settable<TlsClientOptions>())
            Assert.False(With(tls).SameAs(With(OptionSamples.With(tls, property))), $"{property.Name} changed, the cluster kept");
    }

    [Fact]
    public void The_TLS_options_of_a_named_destination_keep_every_setting_but_the_server_name_and_ALPN_they_fill_in()
    {
        var tls = OptionSamples.AllSet<TlsClientOptions>();
        typeof(TlsClientOptions).GetProperty(nameof(TlsClientOptions.ServerName))!.SetValue(tls, null);
        typeof(TlsClientOptions).GetProperty(nameof(TlsClientOptions.AlpnProtocols))!.SetValue(tls, null);
        TlsClientOptions upstream = Cluster.UpstreamTls(tls, "upstream.example")!;
        Assert.Equal("upstream.example", upstream.ServerName);
        Assert.Equal(["http/1.1"], upstream.AlpnProtocols);
        foreach (PropertyInfo property in OptionSamples.Settable<TlsClientOptions>())
        {
            if (property.Name is not (nameof(TlsClientOptions.ServerName) or nameof(TlsClientOptions.AlpnProtocols)))
                Assert.Equal(property.GetValue(tls), property.GetValue(upstream));
        }
        Assert.Null(tls.ServerName); // the cluster's own options are left as they were
    }
}
