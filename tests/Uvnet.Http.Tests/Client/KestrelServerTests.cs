using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Uvnet.Http.Tests.Client;

/// <summary>The client against Kestrel, in process on its own threads, while the test thread runs the client's loop.</summary>
public sealed class KestrelServerTests : IAsyncLifetime
{
    private WebApplication? _app;
    private int _port;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.Run(async context =>
        {
            HttpResponse res = context.Response;
            switch (context.Request.Path.Value)
            {
                case "/chunked":
                    res.ContentType = "text/plain";
                    foreach (string piece in new[] { "a", "b", "c" })
                    {
                        await res.WriteAsync(piece);
                        await res.Body.FlushAsync();
                    }
                    break;
                case "/204":
                    res.StatusCode = 204;
                    break;
                case "/close":
                    res.Headers.Connection = "close";
                    await res.WriteAsync("bye");
                    break;
                default:
                    res.ContentLength = 5;
                    if (!HttpMethods.IsHead(context.Request.Method))
                        await res.WriteAsync("hello");
                    break;
            }
        });
        await _app.StartAsync();
        string address = _app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _port = new Uri(address).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
            await _app.DisposeAsync();
    }

    [Theory]
    [InlineData("/chunked", "GET", "abc")]
    [InlineData("/204", "GET", "")]
    [InlineData("/close", "GET", "bye")]
    [InlineData("/plain", "GET", "hello")]
    [InlineData("/plain", "HEAD", "")]
    public void Bodies_of_every_framing(string path, string method, string body)
    {
        using var kit = new ClientKit();
        var o = kit.Exchange(kit.To(_port, path, method));
        Assert.Null(o.Error);
        Assert.True(o.Ended);
        Assert.Equal(body, o.Text);
    }

    [Fact]
    public void Keep_alive_reuses_the_connection_and_close_is_honoured()
    {
        using var kit = new ClientKit();
        var a = kit.Exchange(kit.To(_port, "/plain"));
        var b = kit.Exchange(kit.To(_port, "/plain", "HEAD"));
        var c = kit.Exchange(kit.To(_port, "/chunked"));
        Assert.Equal(a.Socket!.LocalPort, c.Socket!.LocalPort);
        Assert.Equal(1, kit.Agent.GetStats("127.0.0.1", _port).Created);
        kit.Exchange(kit.To(_port, "/close"));
        LoopDriver.RunUntil(kit.Loop, () => kit.Agent.TotalSockets == 0);
        Assert.Equal(0, b.Body.Length);
    }
}
