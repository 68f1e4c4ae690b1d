namespace Uvnet.Server.Cli;

/// <summary>What <c>uvnet</c> runs: its first argument, <see cref="Serve"/> when none is given.</summary>
public enum UvnetCommand
{
    /// <summary><c>uvnet serve [dir]</c>: a static file server (the default).</summary>
    Serve,

    /// <summary><c>uvnet hello</c>: TechEmpower's <c>/plaintext</c> and <c>/json</c> endpoints.</summary>
    Hello,

    /// <summary><c>uvnet echo</c>: a TCP echo server.</summary>
    Echo,

    /// <summary><c>uvnet proxy --to URL</c>: a reverse proxy to one upstream.</summary>
    Proxy,

    /// <summary><c>uvnet load URL</c>: a load generator (closed loop as wrk, or open loop at a fixed rate as wrk2).</summary>
    Load,
}
