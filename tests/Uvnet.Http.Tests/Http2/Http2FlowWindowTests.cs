using Uvnet.Http.Http2;

namespace Uvnet.Http.Tests.Http2;

/// <summary>The rules of one flow-control window (RFC 9113 §6.9), shared by the server and the load generator's client.</summary>
public class Http2FlowWindowTests
{
    [Fact]
    public void A_window_update_up_to_2_pow_31_minus_1_is_accepted()
    {
        var window = new Http2FlowWindow(Http2Settings.DefaultInitialWindowSize);
        Assert.True(window.TryGrow(int.MaxValue - Http2Settings.DefaultInitialWindowSize));
        Assert.Equal(int.MaxValue, window.Size);
    }

    [Fact]
    public void A_window_update_past_2_pow_31_minus_1_is_a_FLOW_CONTROL_ERROR()
    {
        // §6.9.1: "A sender MUST NOT allow a flow-control window to exceed 2^31-1 octets."
        var window = new Http2FlowWindow(Http2Settings.DefaultInitialWindowSize);
        Assert.False(window.TryGrow(int.MaxValue - Http2Settings.DefaultInitialWindowSize + 1));
    }

    [Fact]
    public void A_smaller_initial_window_setting_may_leave_the_window_negative()
    {
        // §6.9.2: a SETTINGS_INITIAL_WINDOW_SIZE below what was sent makes the window negative, which is legal.
        var window = new Http2FlowWindow(Http2Settings.DefaultInitialWindowSize);
        window.Consume(60_000);
        Assert.True(window.TryGrow(0L - Http2Settings.DefaultInitialWindowSize));
        Assert.Equal(-60_000, window.Size);
        Assert.True(window.TryGrow(70_000)); // WINDOW_UPDATEs bring it back above zero
        Assert.Equal(10_000, window.Size);
    }

    [Fact]
    public void A_larger_initial_window_setting_past_2_pow_31_minus_1_is_a_FLOW_CONTROL_ERROR()
    {
        // §6.9.2: a change that makes any window exceed the maximum is a connection error.
        var window = new Http2FlowWindow(int.MaxValue - 10);
        Assert.False(window.TryGrow(11));
    }

    [Fact]
    public void Sending_spends_the_window()
    {
        var window = new Http2FlowWindow(100);
        window.Consume(40);
        window.Consume(60);
        Assert.Equal(0, window.Size);
    }

    [Fact]
    public void Received_data_within_the_window_is_taken_from_it()
    {
        var window = new Http2FlowWindow(100);
        Assert.True(window.TryReceive(100));
        Assert.Equal(0, window.Size);
        Assert.True(window.TryReceive(0)); // an empty DATA (END_STREAM) fits a closed window
    }

    [Fact]
    public void Received_data_beyond_the_window_is_a_FLOW_CONTROL_ERROR_and_leaves_it_unchanged()
    {
        var window = new Http2FlowWindow(100);
        Assert.False(window.TryReceive(101));
        Assert.Equal(100, window.Size);
    }

    [Fact]
    public void A_window_update_is_owed_once_half_of_the_initial_window_is_released_and_gives_back_all_of_it()
    {
        var window = new Http2FlowWindow(100);
        Assert.True(window.TryReceive(80));
        window.Release(49);
        Assert.Equal(0, window.TakeUpdate()); // one short of half: nothing yet
        Assert.Equal(20, window.Size);
        window.Release(11);
        Assert.Equal(60, window.TakeUpdate());
        Assert.Equal(80, window.Size);
        Assert.Equal(0, window.Released);
        Assert.Equal(0, window.TakeUpdate()); // given back once
    }

    [Fact]
    public void Bytes_received_but_not_released_are_not_given_back()
    {
        // An unread body stops the sender at its window: only what the reader released is credited.
        var window = new Http2FlowWindow(100);
        Assert.True(window.TryReceive(100));
        Assert.Equal(0, window.TakeUpdate());
        Assert.False(window.TryReceive(1));
    }
}
