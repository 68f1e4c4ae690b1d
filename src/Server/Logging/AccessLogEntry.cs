namespace Uvnet.Server.Logging;

/// <summary>One request as the access log records it.</summary>
/// <param name="RemoteAddress">The client's IP address as text (null: unknown, logged as <c>-</c>).</param>
/// <param name="Time">When the request was received, in the server's time zone as a rule (<see cref="DateTimeOffset.Now"/>).</param>
/// <param name="Method">The request method.</param>
/// <param name="Target">The request target, as received.</param>
/// <param name="HttpVersion">The protocol version, <c>1.1</c> or <c>1.0</c>.</param>
/// <param name="StatusCode">The response status.</param>
/// <param name="BodyBytes">The body bytes sent (0 is logged as <c>-</c>, as Apache's <c>%b</c>).</param>
public readonly record struct AccessLogEntry(
    string? RemoteAddress, DateTimeOffset Time, string Method, string Target, string HttpVersion, int StatusCode, long BodyBytes);
