namespace Uvnet.Net.Tests;

/// <summary>
/// Destroy() and End() from inside every event of a socket (and its one-time callbacks): the socket closes once,
/// raises nothing after Closed, releases its descriptor, and its server's accounting stays right.
/// </summary>
public class SocketDestroyInEventTests
{
    public static TheoryData<string> Kinds() => new(SocketEventScenario.Kinds);

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Destroy_inside_the_event(string kind)
    {
        var scenario = SocketEventScenario.Start(kind, s => s.Destroy());
        scenario.RunUntilClosed();
        Assert.Equal(1, scenario.HandlerRuns);
        if (kind == "Lookup")
            Assert.Null(scenario.Client.Handle); // destroyed before any connect began
        scenario.AssertClosedCleanly(hadError: kind == "Error");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void End_inside_the_event(string kind)
    {
        var scenario = SocketEventScenario.Start(kind, s => s.End());
        scenario.RunUntilClosed();
        Assert.Equal(1, scenario.HandlerRuns);
        if (kind is not ("Error" or "Closed"))
            Assert.Contains("finish", scenario.Log); // the end took effect: our side was shut after its writes
        scenario.AssertClosedCleanly(hadError: kind == "Error");
    }

    [Fact]
    public void Destroy_with_an_error_inside_an_event_raises_that_error_then_closed()
    {
        var scenario = SocketEventScenario.Start("Data", s => s.Destroy(new InvalidOperationException("bad data")));
        scenario.RunUntilClosed();
        Assert.Contains("error ERR_SOCKET_DESTROYED", scenario.Log);
        Assert.Equal("error ERR_SOCKET_DESTROYED", scenario.Log[^2]);
        scenario.AssertClosedCleanly(hadError: true);
    }
}
