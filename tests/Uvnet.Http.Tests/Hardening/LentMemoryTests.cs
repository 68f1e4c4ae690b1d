using System.Reflection;
using Uvnet.Http.Server;
using Uvnet.Net;

namespace Uvnet.Http.Tests.Hardening;

/// <summary>
/// Read bytes live in the loop's shared read buffer (or a pooled one): what reaches user code is either a span, which
/// cannot outlive the call, or memory the user owns. No public event or callback may hand out memory over them.
/// </summary>
public class LentMemoryTests
{
    [Fact]
    public void Socket_Data_hands_out_a_span_that_cannot_be_stored() =>
        Assert.Equal(typeof(ReadOnlySpan<byte>), DataParameter(typeof(Socket)));

    [Fact]
    public void Request_body_Data_hands_out_a_span_that_cannot_be_stored() =>
        Assert.Equal(typeof(ReadOnlySpan<byte>), DataParameter(typeof(IncomingMessage)));

    [Fact]
    public void No_public_event_of_Net_or_Http_lends_memory()
    {
        var lending = from assembly in new[] { typeof(Socket).Assembly, typeof(HttpServer).Assembly }
                      from type in assembly.GetExportedTypes()
                      from e in type.GetEvents(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
                      where e.EventHandlerType!.GetMethod("Invoke")!.GetParameters().Any(p => IsMemory(p.ParameterType))
                      select $"{type.Name}.{e.Name}";
        Assert.Empty(lending);
    }

    private static Type DataParameter(Type type) =>
        type.GetEvent("Data")!.EventHandlerType!.GetMethod("Invoke")!.GetParameters()[1].ParameterType;

    private static bool IsMemory(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() is var d && (d == typeof(Memory<>) || d == typeof(ReadOnlyMemory<>));
}
