using Uvnet.Server.Hosting;

namespace Uvnet.Server.Commands;

/// <summary>
/// Stands where an HTTP command's server goes while this build has no HTTP server: it reports, instead of
/// listening, that the command cannot run yet.
/// </summary>
internal sealed class MissingHttpService(string command) : ILoopService
{
    public void Listen(int port, string? host, Action<int> listening, Action<Exception> failed) =>
        failed(new NotSupportedException($"'uvnet {command}' needs the HTTP server (src/Http), which this build does not have yet"));

    public void Stop()
    {
    }

    public void Abort()
    {
    }
}
