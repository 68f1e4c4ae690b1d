using System.Security.Cryptography.X509Certificates;
using Uvnet.Server.Commands;

namespace Uvnet.Server.Tests.EndToEnd;

/// <summary><c>uvnet proxy --to</c> in front of <c>uvnet hello</c>, both as child processes.</summary>
public sealed class ProxyEndToEndTests
{
    [Fact]
    public async Task Proxy_forwards_to_the_upstream_and_logs_each_exchange()
    {
        using RunningUvnet upstream = await RunningUvnet.StartAsync("hello", "--loops", "1", "--quiet");
        using RunningUvnet proxy = await RunningUvnet.StartAsync("proxy", "--to", $"http://127.0.0.1:{upstream.Port}", "--loops", "1");
        try
        {
            var response = await RawHttp.GetAsync(proxy.Port, "/plaintext");

            Assert.Equal(200, response.Status);
            Assert.Equal("Hello, World!", response.BodyText);
            Assert.Equal("uvnet", response.Headers["server"]); // the upstream's: the proxy adds none
            Assert.Equal("1.1 uvnet", response.Headers["via"]);
            await proxy.WaitForOutputAsync(line => line.Contains("\"GET /plaintext HTTP/1.1\" 200 13", StringComparison.Ordinal));

            var missing = await RawHttp.GetAsync(proxy.Port, "/nothing");
            Assert.Equal(404, missing.Status);
        }
        finally
        {
            Assert.Equal(0, await proxy.StopAsync());
            Assert.Equal(0, await upstream.StopAsync());
        }
    }

    [Fact]
    public async Task Proxy_answers_502_when_the_upstream_is_down()
    {
        int closed = ClosedPorts.Next().Port;
        using RunningUvnet proxy = await RunningUvnet.StartAsync("proxy", "--to", $"http://127.0.0.1:{closed}", "--loops", "1");
        try
        {
            Assert.Equal(502, (await RawHttp.GetAsync(proxy.Port, "/")).Status);
        }
        finally
        {
            Assert.Equal(0, await proxy.StopAsync());
        }
    }

    [Fact]
    public async Task Proxy_takes_its_routes_from_a_config_file_and_serves_health_and_metrics_on_the_admin_port()
    {
        int admin = ClosedPorts.Next().Port; // free when probed
        await WithConfigAsync(upstream => $$"""
            {
              "admin": { "port": {{admin}} },
              "clusters": [ { "name": "hello", "destinations": ["127.0.0.1:{{upstream}}"] } ],
              "routes": [ { "pathPrefix": "/hello/", "prefixRewrite": "/", "cluster": "hello" } ]
            }
            """, ["--loops", "2"], async (proxy, _, _) =>
        {
            Assert.Equal("Hello, World!", (await RawHttp.GetAsync(proxy.Port, "/hello/plaintext")).BodyText);
            Assert.Equal(404, (await RawHttp.GetAsync(proxy.Port, "/plaintext")).Status); // no route

            Assert.Equal("ok\n", (await RawHttp.GetAsync(admin, "/healthz")).BodyText);
            string metrics = (await RawHttp.GetAsync(admin, "/metrics")).BodyText;
            Assert.Contains("uvnet_proxy_requests_total{status_class=\"2xx\"} 1\n", metrics);
            Assert.Contains("uvnet_proxy_forward_errors_total{error=\"NoRoute\"} 1\n", metrics);
        });
    }

    [Fact]
    public async Task A_bad_config_file_stops_the_start_naming_the_field()
    {
        string file = Path.Join(Path.GetTempPath(), $"uvnet-proxy-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """{ "routes": [ { "cluster": "nowhere" } ] }""");
        try
        {
            var (exitCode, _, error) = await UvnetProcess.RunAsync("proxy", "--config", file);
            Assert.Equal(2, exitCode);
            Assert.Contains("Routes[0].Cluster: no cluster is named \"nowhere\"", error);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string Routes(int upstream, string prefix) => $$"""
        {
          "clusters": [ { "name": "hello", "destinations": ["127.0.0.1:{{upstream}}"] } ],
          "routes": [ { "pathPrefix": "{{prefix}}", "prefixRewrite": "/", "cluster": "hello" } ]
        }
        """;

    [Fact]
    public async Task SIGHUP_reloads_the_config_file_on_every_loop_and_an_invalid_one_is_refused_keeping_the_old() =>
        await WithConfigAsync(upstream => Routes(upstream, "/v1/"), ["--loops", "2"], async (proxy, upstream, file) =>
        {
            Assert.Equal("Hello, World!", (await RawHttp.GetAsync(proxy.Port, "/v1/plaintext")).BodyText);

            File.WriteAllText(file, Routes(upstream, "/v2/"));
            Signal(proxy, "HUP");
            await proxy.WaitForErrorAsync(line => line.Contains("reloaded (1 routes, 1 clusters, 1 listeners)", StringComparison.Ordinal));
            for (int i = 0; i < 4; i++) // new connections, spread over both loops
            {
                Assert.Equal("Hello, World!", (await RawHttp.GetAsync(proxy.Port, "/v2/plaintext")).BodyText);
                Assert.Equal(404, (await RawHttp.GetAsync(proxy.Port, "/v1/plaintext")).Status);
            }

            File.WriteAllText(file, """{ "routes": [ { "cluster": "nowhere" } ] }""");
            Signal(proxy, "HUP");
            await proxy.WaitForErrorAsync(line => line.Contains("reload refused, the configuration in use stays: Routes[0].Cluster", StringComparison.Ordinal));
            Assert.Equal("Hello, World!", (await RawHttp.GetAsync(proxy.Port, "/v2/plaintext")).BodyText);
            Assert.True(proxy.IsRunning);
        });

    [Fact]
    public async Task Watch_reloads_the_config_file_when_it_changes() =>
        await WithConfigAsync(upstream => Routes(upstream, "/v1/"), ["--watch", "--loops", "1"], async (proxy, upstream, file) =>
        {
            Assert.Equal("Hello, World!", (await RawHttp.GetAsync(proxy.Port, "/v1/plaintext")).BodyText);

            File.WriteAllText(file, Routes(upstream, "/version2/"));
            await proxy.WaitForErrorAsync(line => line.Contains("reloaded", StringComparison.Ordinal));

            Assert.Equal("Hello, World!", (await RawHttp.GetAsync(proxy.Port, "/version2/plaintext")).BodyText);
        });

    [Fact]
    public async Task Proxy_terminates_TLS_with_the_certificate_its_config_file_names()
    {
        using X509Certificate2 cert = TlsSetup.CreateDevCertificate();
        string name = $"uvnet-proxy-{Guid.NewGuid():N}";
        string certFile = Path.Join(Path.GetTempPath(), name + ".pem"), keyFile = Path.Join(Path.GetTempPath(), name + ".key");
        File.WriteAllText(certFile, cert.ExportCertificatePem());
        File.WriteAllText(keyFile, cert.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        try
        {
            // Paths relative to the config file's folder.
            await WithConfigAsync(upstream => $$"""
                {
                  "listener": { "tls": { "cert": "{{name}}.pem", "key": "{{name}}.key" } },
                  "clusters": [ { "name": "hello", "destinations": ["127.0.0.1:{{upstream}}"] } ],
                  "routes": [ { "cluster": "hello" } ]
                }
                """, ["--loops", "1"], async (proxy, _, _) =>
            {
                using var client = new HttpClient(new SocketsHttpHandler
                {
                    SslOptions = { RemoteCertificateValidationCallback = (_, c, _, _) => c is X509Certificate2 served && TlsSetup.Fingerprint(served) == TlsSetup.Fingerprint(cert) },
                }) { Timeout = RunningUvnet.Bound };
                Assert.Equal("Hello, World!", await client.GetStringAsync($"https://127.0.0.1:{proxy.Port}/plaintext"));
            });
        }
        finally
        {
            File.Delete(certFile);
            File.Delete(keyFile);
        }
    }

    [Fact]
    public async Task Proxy_with_the_PROXY_protocol_on_closes_a_connection_without_the_header_and_serves_one_with_it()
    {
        await WithConfigAsync(upstream => $$"""
            {
              "listener": { "proxyProtocol": true },
              "clusters": [ { "name": "hello", "destinations": ["127.0.0.1:{{upstream}}"] } ],
              "routes": [ { "cluster": "hello" } ]
            }
            """, ["--loops", "1"], async (proxy, _, _) =>
        {
            Assert.Equal("", await RawExchangeAsync(proxy.Port, "GET /plaintext HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
            string answer = await RawExchangeAsync(proxy.Port, "PROXY TCP4 198.51.100.7 203.0.113.1 4000 80\r\nGET /plaintext HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 200", answer);
            Assert.EndsWith("Hello, World!", answer);
        });
    }

    [Fact]
    public async Task Proxy_serves_https_with_cert_and_key_and_SIGHUP_takes_a_renewed_certificate_but_refuses_a_bad_one()
    {
        string directory = Directory.CreateTempSubdirectory("uvnet-proxy-cert-").FullName;
        string certFile = Path.Join(directory, "proxy.pem"), keyFile = Path.Join(directory, "proxy.key");
        using X509Certificate2 first = TlsSetup.CreateDevCertificate(), renewed = TlsSetup.CreateDevCertificate();
        WritePem(first, certFile, keyFile);
        using RunningUvnet upstream = await RunningUvnet.StartAsync("hello", "--loops", "1", "--quiet");
        try
        {
            using RunningUvnet proxy = await RunningUvnet.StartAsync("proxy", "--to", $"http://127.0.0.1:{upstream.Port}", "--cert", certFile, "--key", keyFile, "--loops", "2", "--quiet");
            Assert.Equal(("Hello, World!", TlsSetup.Fingerprint(first)), await HttpsGetAsync(proxy.Port));

            WritePem(renewed, certFile, keyFile);
            Signal(proxy, "HUP");
            await proxy.WaitForErrorAsync(line => line.Contains("reloaded", StringComparison.Ordinal));
            for (int i = 0; i < 4; i++) // new connections, over both loops
                Assert.Equal(("Hello, World!", TlsSetup.Fingerprint(renewed)), await HttpsGetAsync(proxy.Port));

            File.WriteAllText(certFile, "-----BEGIN CERTIFICATE-----\nnot one\n-----END CERTIFICATE-----\n");
            Signal(proxy, "HUP");
            await proxy.WaitForErrorAsync(line => line.Contains($"reload refused, the configuration in use stays: --cert {certFile}:", StringComparison.Ordinal));
            Assert.Equal(("Hello, World!", TlsSetup.Fingerprint(renewed)), await HttpsGetAsync(proxy.Port));
            Assert.Equal(0, await proxy.StopAsync());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
            Assert.Equal(0, await upstream.StopAsync());
        }
    }

    [Fact]
    public async Task Watch_reloads_when_a_certificate_the_config_file_names_is_renewed()
    {
        string directory = Directory.CreateTempSubdirectory("uvnet-proxy-watch-").FullName;
        using X509Certificate2 first = TlsSetup.CreateDevCertificate(), renewed = TlsSetup.CreateDevCertificate();
        WritePem(first, Path.Join(directory, "proxy.pem"), Path.Join(directory, "proxy.key"));
        try
        {
            await WithConfigAsync(upstream => $$"""
                {
                  "listener": { "tls": { "cert": "{{Path.Join(directory, "proxy.pem")}}", "key": "{{Path.Join(directory, "proxy.key")}}" } },
                  "clusters": [ { "name": "hello", "destinations": ["127.0.0.1:{{upstream}}"] } ],
                  "routes": [ { "cluster": "hello" } ]
                }
                """, ["--watch", "--loops", "1"], async (proxy, _, _) =>
            {
                Assert.Equal(TlsSetup.Fingerprint(first), (await HttpsGetAsync(proxy.Port)).Fingerprint);

                WritePem(renewed, Path.Join(directory, "proxy.pem"), Path.Join(directory, "proxy.key")); // the config file itself unchanged
                await proxy.WaitForErrorAsync(line => line.Contains("reloaded", StringComparison.Ordinal));

                Assert.Equal(("Hello, World!", TlsSetup.Fingerprint(renewed)), await HttpsGetAsync(proxy.Port));
            });
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Proxy_with_tls_dev_serves_https_with_its_own_certificate()
    {
        using RunningUvnet upstream = await RunningUvnet.StartAsync("hello", "--loops", "1", "--quiet");
        using RunningUvnet proxy = await RunningUvnet.StartAsync("proxy", "--to", $"http://127.0.0.1:{upstream.Port}", "--tls-dev", "--loops", "1", "--quiet");
        string printed = await proxy.WaitForOutputAsync(line => line.Contains("SHA-256 fingerprint", StringComparison.Ordinal));

        var (body, fingerprint) = await HttpsGetAsync(proxy.Port);

        Assert.Equal("Hello, World!", body);
        Assert.EndsWith(fingerprint, printed, StringComparison.Ordinal);
        Assert.Equal(0, await proxy.StopAsync());
        Assert.Equal(0, await upstream.StopAsync());
    }

    [Fact]
    public async Task Listeners_in_the_config_file_are_added_and_removed_by_SIGHUP_and_the_admin_metrics_show_the_gauges()
    {
        int admin = ClosedPorts.Next().Port, second = ClosedPorts.Next().Port, third = ClosedPorts.Next().Port; // free when probed
        string Config(int upstream, int listener) => $$"""
            {
              "admin": { "port": {{admin}} },
              "listeners": [ { "name": "second", "host": "127.0.0.1", "port": {{listener}} } ],
              "clusters": [ { "name": "hello", "destinations": ["127.0.0.1:{{upstream}}"] } ],
              "routes": [ { "cluster": "hello" } ]
            }
            """;
        await WithConfigAsync(upstream => Config(upstream, second), ["--loops", "2"], async (proxy, upstream, file) =>
        {
            Assert.Equal("Hello, World!", (await RawHttp.GetAsync(second, "/plaintext")).BodyText);
            using var open = new System.Net.Sockets.TcpClient();
            await open.ConnectAsync(System.Net.IPAddress.Loopback, second);
            string metrics = "";
            for (int i = 0; i < 200 && !metrics.Contains("uvnet_proxy_listener_connections{listener=\"second\"} 1\n", StringComparison.Ordinal); i++)
                metrics = (await RawHttp.GetAsync(admin, "/metrics")).BodyText; // until the proxy has accepted it
            Assert.Contains("uvnet_proxy_listener_connections{listener=\"second\"} 1\n", metrics);
            Assert.Contains("uvnet_proxy_cluster_upstream_connections{cluster=\"hello\"} 1\n", metrics); // kept alive in the pool
            Assert.Contains("uvnet_proxy_cluster_upstream_connections_idle{cluster=\"hello\"} 1\n", metrics);
            Assert.Contains("uvnet_proxy_cluster_destinations{cluster=\"hello\",state=\"healthy\"} 1\n", metrics);

            File.WriteAllText(file, Config(upstream, third));
            Signal(proxy, "HUP");
            await proxy.WaitForErrorAsync(line => line.Contains("reloaded (1 routes, 1 clusters, 2 listeners)", StringComparison.Ordinal));
            Assert.Equal("Hello, World!", (await RawHttp.GetAsync(third, "/plaintext")).BodyText);
            await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => RawHttp.GetAsync(second, "/plaintext")); // that listener closed
            Assert.Equal("Hello, World!", (await RawHttp.GetAsync(proxy.Port, "/plaintext")).BodyText); // the --port one stays
        });
    }

    private static void WritePem(X509Certificate2 certificate, string certFile, string keyFile)
    {
        File.WriteAllText(certFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>A GET of /plaintext over HTTPS on a connection of its own: the body, and the fingerprint of the certificate served.</summary>
    private static async Task<(string Body, string Fingerprint)> HttpsGetAsync(int port)
    {
        string served = "";
        using var client = new HttpClient(new SocketsHttpHandler
        {
            SslOptions =
            {
                RemoteCertificateValidationCallback = (_, c, _, _) =>
                {
                    served = c is X509Certificate2 certificate ? TlsSetup.Fingerprint(certificate) : "";
                    return true;
                },
            },
        }) { Timeout = RunningUvnet.Bound };
        string body = await client.GetStringAsync($"https://127.0.0.1:{port}/plaintext");
        return (body, served);
    }

    /// <summary>Writes <paramref name="request"/> on a new connection and reads until the proxy closes it.</summary>
    private static async Task<string> RawExchangeAsync(int port, string request)
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        using var cancel = new CancellationTokenSource(RunningUvnet.Bound);
        await socket.ConnectAsync(System.Net.IPAddress.Loopback, port, cancel.Token);
        await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes(request), cancel.Token);
        var received = new MemoryStream();
        byte[] buffer = new byte[4096];
        int n;
        try
        {
            while ((n = await socket.ReceiveAsync(buffer, cancel.Token)) > 0)
                received.Write(buffer, 0, n);
        }
        catch (System.Net.Sockets.SocketException)
        {
            // A reset instead of a FIN: the connection was closed all the same.
        }
        return System.Text.Encoding.Latin1.GetString(received.ToArray());
    }

    /// <summary>
    /// <c>uvnet hello</c> as the upstream, a config file from <paramref name="config"/> (given its port), and
    /// <c>uvnet proxy --config</c> with <paramref name="args"/>; <paramref name="test"/> gets the proxy, the upstream's
    /// port and the file. Both stop with exit code 0; the file is deleted.
    /// </summary>
    private static async Task WithConfigAsync(Func<int, string> config, string[] args, Func<RunningUvnet, int, string, Task> test)
    {
        using RunningUvnet upstream = await RunningUvnet.StartAsync("hello", "--loops", "1", "--quiet");
        string file = Path.Join(Path.GetTempPath(), $"uvnet-proxy-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, config(upstream.Port));
        try
        {
            using RunningUvnet proxy = await RunningUvnet.StartAsync(["proxy", "--config", file, "--quiet", .. args]);
            try
            {
                await test(proxy, upstream.Port, file);
            }
            finally
            {
                Assert.Equal(0, await proxy.StopAsync());
            }
        }
        finally
        {
            File.Delete(file);
            Assert.Equal(0, await upstream.StopAsync());
        }
    }

    private static void Signal(RunningUvnet process, string signal)
    {
        using var kill = System.Diagnostics.Process.Start("kill", [$"-{signal}", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }
}
