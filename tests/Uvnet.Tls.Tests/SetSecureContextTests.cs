using System.Text;
using Uvnet.Http;
using Uvnet.Http.Client;
using Uvnet.Http.Server;
using Uvnet.Net;

namespace Uvnet.Tls.Tests;

/// <summary><see cref="HttpServer.SetSecureContext"/>: Node's <c>server.setSecureContext(options)</c>.</summary>
[Collection(nameof(Sequential))]
public sealed class SetSecureContextTests
{
    private static readonly TlsClientOptions s_trustTestCa = new() { CaCertificates = TestCertificates.CaCollection, AlpnProtocols = ["http/1.1"] };

    private static TlsServerOptions Trusted() => new() { Context = SecureContext.FromCertificate(TestCertificates.Localhost) };

    private static TlsServerOptions Untrusted() => new() { Context = SecureContext.FromCertificate(TestCertificates.SelfSigned) };

    /// <summary>A GET on a connection of its own (no agent); the body, or the error.</summary>
    private static (string Body, Exception? Error) Get(Loop loop, int port, string id, List<string>? body = null)
    {
        var text = new StringBuilder();
        bool done = false;
        Exception? failure = null;
        ClientRequest request = Uvnet.Http.Http.Get(loop, new RequestOptions
        {
            Host = "localhost", Port = port, Tls = s_trustTestCa, NoAgent = true, Headers = [new("id", id)],
        }, res =>
        {
            res.Data += (_, d) => text.Append(Encoding.UTF8.GetString(d));
            res.End += _ => done = true;
        });
        request.Error += (_, e) => { failure = e; done = true; };
        LoopDriver.RunUntil(loop, () => done);
        return (text.ToString(), failure);
    }

    // Node: test/parallel/test-tls-set-secure-context.js: new connections take the context set, a connection open across
    // the changes goes on undisturbed.
    [Fact]
    public void New_connections_take_the_new_context_and_an_open_one_is_not_disrupted()
    {
        var loop = new Loop();
        ServerResponse? first = null;
        var server = Https.CreateServer(loop, Trusted(), (req, res) =>
        {
            string id = req.Headers["id"]!;
            if (id == "1")
            {
                first = res;
                res.Write("multi-");
                return;
            }
            if (id == "4")
                first!.Write("success-");
            res.End("success");
        });
        server.Listen(0, "127.0.0.1");
        var firstBody = new StringBuilder();
        bool firstDone = false;
        Uvnet.Http.Http.Get(loop, new RequestOptions { Host = "localhost", Port = server.Port, Tls = s_trustTestCa, NoAgent = true, Headers = [new("id", "1")] }, res =>
        {
            res.Data += (_, d) => firstBody.Append(Encoding.UTF8.GetString(d));
            res.End += _ => firstDone = true;
        });
        LoopDriver.RunUntil(loop, () => first is not null);

        Assert.Equal(("success", null), Get(loop, server.Port, "2"));
        server.SetSecureContext(Untrusted());
        first!.Write("request-");
        Assert.IsType<NetException>(Get(loop, server.Port, "3").Error); // the new certificate is not the test CA's
        server.SetSecureContext(Trusted());
        Assert.Equal(("success", null), Get(loop, server.Port, "4"));
        server.SetSecureContext(Untrusted());
        first.End("fun!");
        Assert.IsType<NetException>(Get(loop, server.Port, "5").Error);
        LoopDriver.RunUntil(loop, () => firstDone);

        Assert.Equal("multi-request-success-fun!", firstBody.ToString());
        server.Close();
        LoopDriver.AssertNothingLeft(loop);
    }

    [Fact]
    public void SetSecureContext_refuses_a_plain_server_invalid_options_and_other_threads_and_changes_nothing()
    {
        var loop = new Loop();
        var plain = Uvnet.Http.Http.CreateServer(loop, (_, res) => res.End()).Listen(0, "127.0.0.1");
        Assert.Throws<InvalidOperationException>(() => plain.SetSecureContext(Trusted()));
        var server = Https.CreateServer(loop, Trusted(), (_, res) => res.End("ok"));
        server.Listen(0, "127.0.0.1");
        Assert.Throws<ArgumentNullException>(() => server.SetSecureContext(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => server.SetSecureContext(new TlsServerOptions { Context = Untrusted().Context, HandshakeTimeout = -1 }));
        Assert.IsType<InvalidOperationException>(LoopDriver.ExceptionsOffTheLoop(loop, () => server.SetSecureContext(Untrusted()))[0]);

        Assert.Equal(("ok", null), Get(loop, server.Port, "1")); // still the trusted certificate
        server.Close();
        plain.Close();
        LoopDriver.AssertNothingLeft(loop);
    }

    [Fact]
    public void A_CA_file_that_cannot_be_used_is_an_ArgumentException_naming_the_option_and_path_and_changes_nothing()
    {
        var loop = new Loop();
        var server = Https.CreateServer(loop, Trusted(), (_, res) => res.End("ok"));
        server.Listen(0, "127.0.0.1");
        string missing = Path.Combine(Path.GetTempPath(), $"uvnet-no-such-ca-{Guid.NewGuid():N}.pem");
        string directory = Directory.CreateTempSubdirectory("uvnet-ca-dir-").FullName;
        string noCertificate = Path.GetTempFileName();
        try
        {
            foreach (string caFile in new[] { missing, directory, noCertificate })
            {
                foreach (bool requestCert in new[] { false, true })
                {
                    var options = new TlsServerOptions { Context = Untrusted().Context, RequestCert = requestCert, CaFile = caFile };
                    if (caFile == noCertificate && !requestCert)
                        continue; // read, but its certificates are only looked for when client certificates are asked for
                    var error = Assert.Throws<ArgumentException>(() => server.SetSecureContext(options));
                    Assert.Equal(nameof(TlsServerOptions.CaFile), error.ParamName);
                    Assert.Contains(caFile, error.Message);
                }
            }
            Assert.Equal(("ok", null), Get(loop, server.Port, "1")); // still the trusted certificate
        }
        finally
        {
            Directory.Delete(directory);
            File.Delete(noCertificate);
        }
        server.Close();
        LoopDriver.AssertNothingLeft(loop);
    }
}
