using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.Response;

/// <summary>One request answered by a handler under test, on a server of its own.</summary>
internal static class OneRequest
{
    /// <summary>Answers a <c>Connection: close</c> GET (HTTP/1.<paramref name="minor"/>) with <paramref name="handler"/>; what the client read up to the close.</summary>
    internal static string Exchange(Action<ServerResponse> handler, int minor = 1)
    {
        using var fixture = ServerFixture.Start((_, res) => handler(res));
        return fixture.Exchange($"GET / HTTP/1.{minor}\r\nHost: x\r\nConnection: close\r\n\r\n");
    }
}
