using System.Buffers;
using System.Text;
using Uvnet.Server.Hello;

namespace Uvnet.Server.Tests;

public class HelloEndpointsTests
{
    [Theory]
    [InlineData("/plaintext", HelloEndpoint.Plaintext)]
    [InlineData("/json", HelloEndpoint.Json)]
    [InlineData("/", HelloEndpoint.NotFound)]
    [InlineData("/plaintext/", HelloEndpoint.NotFound)]
    [InlineData("/JSON", HelloEndpoint.NotFound)]
    public void Routes(string path, HelloEndpoint endpoint) => Assert.Equal(endpoint, HelloEndpoints.Route(Encoding.ASCII.GetBytes(path)));

    [Fact]
    public void Plaintext_is_hello_world() => Assert.Equal("Hello, World!", Encoding.ASCII.GetString(HelloEndpoints.PlaintextBody));

    [Fact]
    public void Json_is_the_message_object()
    {
        var buffer = new ArrayBufferWriter<byte>();
        int written = HelloEndpoints.WriteJson(buffer);
        Assert.Equal("{\"message\":\"Hello, World!\"}", Encoding.UTF8.GetString(buffer.WrittenSpan));
        Assert.Equal(buffer.WrittenCount, written);
        Assert.Equal(buffer.WrittenSpan.ToArray(), HelloEndpoints.SerializeJson());
    }

    [Fact]
    public void Each_call_serialises_again_into_the_buffer_given()
    {
        var buffer = new ArrayBufferWriter<byte>();
        HelloEndpoints.WriteJson(buffer);
        HelloEndpoints.WriteJson(buffer);
        Assert.Equal("{\"message\":\"Hello, World!\"}{\"message\":\"Hello, World!\"}", Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void Serialising_into_a_reused_buffer_allocates_nothing()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        HelloEndpoints.WriteJson(buffer);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            buffer.ResetWrittenCount();
            HelloEndpoints.WriteJson(buffer);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
