namespace Uvnet.Net;

/// <summary>
/// Handles a chunk read from <paramref name="socket"/> (its <see cref="Socket.Data"/> event). The bytes live in the
/// loop's shared read buffer, which the next read on any socket of the loop overwrites: a span cannot be kept past
/// the call, so copy what you keep (<c>data.ToArray()</c>).
/// </summary>
public delegate void SocketDataHandler(Socket socket, ReadOnlySpan<byte> data);
