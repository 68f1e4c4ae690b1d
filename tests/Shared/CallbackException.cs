namespace Uvnet.Tests;

/// <summary>Thrown by test callbacks and handlers: its type tells the test's own exception from any other.</summary>
internal sealed class CallbackException : Exception
{
    public CallbackException()
        : base("thrown by a test callback")
    {
    }
}
