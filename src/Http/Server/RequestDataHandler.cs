namespace Uvnet.Http.Server;

/// <summary>
/// Handles a piece of <paramref name="request"/>'s body (its <see cref="IncomingMessage.Data"/> event). The bytes
/// live in a buffer the connection reuses (the loop's shared read buffer, shared with every other connection): a
/// span cannot be kept past the call, so copy what you keep (<c>data.ToArray()</c>).
/// </summary>
public delegate void RequestDataHandler(IncomingMessage request, ReadOnlySpan<byte> data);
