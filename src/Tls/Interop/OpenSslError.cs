using Uvnet.Net;

namespace Uvnet.Tls.Interop;

/// <summary>OpenSSL's error queue as Node reports it: a code from the reason ("wrong version number" → ERR_SSL_WRONG_VERSION_NUMBER) and its text.</summary>
internal static unsafe class OpenSslError
{
    /// <summary>Takes the oldest error of the thread's queue (and clears the rest) as an exception for a programmer-facing call.</summary>
    internal static InvalidOperationException Take(string call)
    {
        var (_, message) = TakeCodeAndMessage();
        return new InvalidOperationException($"{call} failed: {message ?? "unknown OpenSSL error"}");
    }

    /// <summary>Takes the oldest error of the queue as the NetException a socket reports (Node's ERR_SSL_* codes).</summary>
    internal static NetException TakeNet(string fallbackCode, string fallbackMessage)
    {
        var (code, message) = TakeCodeAndMessage();
        return new NetException(code ?? fallbackCode, message ?? fallbackMessage);
    }

    private static (string? Code, string? Message) TakeCodeAndMessage()
    {
        ulong error = OpenSsl.ERR_get_error();
        OpenSsl.ERR_clear_error(); // the rest of the queue belongs to the same failure
        if (error == 0)
            return (null, null);
        string? reason = OpenSsl.Text(OpenSsl.ERR_reason_error_string(error));
        byte* buffer = stackalloc byte[256];
        OpenSsl.ERR_error_string_n(error, buffer, 256);
        string message = OpenSsl.Text((nint)buffer)!;
        string? code = reason is null ? null : "ERR_SSL_" + reason.ToUpperInvariant().Replace(' ', '_');
        return (code, message);
    }
}
