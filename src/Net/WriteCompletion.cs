namespace Uvnet.Net;

/// <summary>
/// A write's completion handled by an object a layer over the socket already has (the HTTP server's connection),
/// in place of a callback delegate: a delegate bound to each connection would cost every connection, idle ones too,
/// an object of its own.
/// </summary>
internal abstract class WriteCompletion
{
    /// <summary>The write completed (null) or failed; called as a write's callback is.</summary>
    internal abstract void OnWriteDone(NetException? error);
}
