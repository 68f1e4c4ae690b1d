using System.Text;

namespace Uvnet.Net.Tests;

/// <summary>
/// <see cref="Socket.SetEncoding(string)"/> and the <see cref="Socket.Text"/> event, after Node's
/// test-net-reconnect (setEncoding('UTF8')), test-stream-readable-setEncoding-existing-buffers and
/// test-string-decoder (a character split across chunks).
/// </summary>
public class SocketEncodingTests
{
    /// <summary>Sends <paramref name="parts"/> one read at a time: each is written once the peer has read the one before.</summary>
    private static List<string> SendInReads(string encoding, params byte[][] parts)
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        peer.SetEncoding(encoding);
        var texts = new List<string>();
        peer.Text += (_, text) => texts.Add(text);
        bool ended = false;
        peer.Ended += _ => ended = true;
        long sent = 0;
        foreach (byte[] part in parts)
        {
            client.Write(part);
            sent += part.Length;
            LoopDriver.RunUntil(loop, () => peer.BytesRead == sent);
        }
        client.End();
        LoopDriver.RunUntil(loop, () => ended);
        server.Close();
        LoopDriver.RunUntil(loop, () => server.ConnectionCount == 0);
        LoopDriver.CloseLoop(loop);
        return texts;
    }

    [Fact]
    public void A_utf8_character_split_across_reads_decodes_whole()
    {
        byte[] e = Encoding.UTF8.GetBytes("é"); // C3 A9
        byte[] euro = Encoding.UTF8.GetBytes("€"); // E2 82 AC
        var texts = SendInReads("utf8", [(byte)'a', e[0]], [e[1], euro[0], euro[1]], [euro[2], (byte)'z']);
        Assert.Equal(["a", "é", "€z"], texts); // never a U+FFFD, never an empty string
    }

    [Fact]
    public void Text_decodes_utf8_without_set_encoding_and_data_still_hands_out_bytes()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        var text = new StringBuilder();
        int bytes = 0;
        peer.Text += (_, t) => text.Append(t);
        peer.Data += (_, data) => bytes += data.Length;
        client.Write("naïve");
        LoopDriver.RunUntil(loop, () => text.ToString() == "naïve");
        Assert.Equal(6, bytes);
        Assert.Equal("utf8", peer.ReadableEncoding);
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void An_incomplete_character_at_the_end_is_raised_as_a_replacement_before_ended()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        var log = new List<string>();
        peer.SetEncoding("utf-8");
        peer.Text += (_, t) => log.Add(t);
        peer.Ended += _ => log.Add("end");
        client.End(new byte[] { (byte)'x', 0xE2, 0x82 });
        LoopDriver.RunUntil(loop, () => log.Contains("end"));
        Assert.Equal(["x", "\uFFFD", "end"], log);
        server.Close();
        LoopDriver.RunUntil(loop, () => server.ConnectionCount == 0);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Base64_holds_an_incomplete_group_and_pads_it_at_the_end()
    {
        byte[] all = [1, 2, 3, 4, 5];
        var texts = SendInReads("base64", all[..2], all[2..]);
        Assert.Equal(Convert.ToBase64String(all), string.Concat(texts));
        Assert.Equal(["AQID", "BAU="], texts); // the first read (2 bytes) made no whole group
    }

    [Fact]
    public void Hex_latin1_and_ucs2_decode_as_Node()
    {
        Assert.Equal(["00ff10"], SendInReads("hex", [0x00, 0xFF, 0x10]));
        Assert.Equal(["ÿA"], SendInReads("latin1", [0xFF, 0x41]));
        Assert.Equal(["A", "B"], SendInReads("ucs2", [0x41, 0x00, 0x42], [0x00])); // a UTF-16 unit split in two
        Assert.Equal(["A"], SendInReads("ascii", [0xC1])); // Node keeps the low seven bits
    }

    [Fact]
    public void Set_encoding_takes_a_dotnet_encoding()
    {
        var loop = new Loop();
        var socket = new Socket(loop);
        Assert.Same(socket, socket.SetEncoding(Encoding.Unicode));
        Assert.Equal("utf-16", socket.ReadableEncoding);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Unknown_encoding_is_refused_and_the_one_set_is_kept()
    {
        var loop = new Loop();
        var socket = new Socket(loop);
        socket.SetEncoding("hex");
        Assert.Throws<ArgumentException>(() => socket.SetEncoding("utf9"));
        Assert.Equal("hex", socket.ReadableEncoding);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void A_data_handler_that_throws_leaves_the_decoder_in_step()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        var texts = new List<string>();
        peer.Text += (_, t) => texts.Add(t);
        bool thrown = false;
        peer.Data += (_, _) =>
        {
            if (!thrown)
            {
                thrown = true;
                throw new CallbackException();
            }
        };
        byte[] e = Encoding.UTF8.GetBytes("é");
        client.Write(new byte[] { (byte)'a', e[0] });
        Assert.Throws<CallbackException>(() => LoopDriver.RunUntil(loop, () => false, seconds: 5));
        client.Write(new byte[] { e[1] });
        LoopDriver.RunUntil(loop, () => texts.Count == 1);
        Assert.Equal(["é"], texts); // the thrown-over chunk's text is skipped, its half character is not lost
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    // An Encoding given to SetEncoding may throw on bad bytes (DecoderExceptionFallback): the exception leaves Run as a
    // handler's does, and the bytes still reach a pending ReadAsync.
    [Fact]
    public async Task A_decoder_that_throws_does_not_take_the_bytes_from_an_async_reader()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        client.SetEncoding(new UTF8Encoding(false, throwOnInvalidBytes: true));
        client.Text += (_, _) => { };
        var buffer = new byte[16];
        Task<int>? read = null;
        loop.Post(() => read = client.ReadAsync(buffer).AsTask()); // on the loop thread, so it waits before the data comes
        LoopDriver.RunUntil(loop, () => read is not null);
        peer.Write(new byte[] { 0xFF });

        Assert.Throws<DecoderFallbackException>(() => LoopDriver.RunUntil(loop, () => false, seconds: 5));
        LoopDriver.RunUntil(loop, () => read!.IsCompleted, seconds: 5);
        Assert.Equal(1, await read!);
        Assert.Equal(0xFF, buffer[0]);
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    // The held text is Text's, Ended is an event of its own: a Text handler that throws on the end's text must not
    // cost the Ended handlers their turn (a half-open socket's Ended handler is what ends our side).
    [Fact]
    public void A_text_handler_that_throws_on_the_held_text_still_lets_ended_be_raised()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop, new ServerOptions { AllowHalfOpen = true });
        peer.Text += (_, t) =>
        {
            if (t == "\uFFFD")
                throw new CallbackException();
        };
        peer.Ended += s => s.End();
        bool closed = false;
        peer.Closed += (_, _) => closed = true;
        client.End(new byte[] { (byte)'x', 0xE2, 0x82 });
        Assert.Throws<CallbackException>(() => LoopDriver.RunUntil(loop, () => closed, seconds: 5));
        LoopDriver.RunUntil(loop, () => closed, seconds: 5);
        server.Close();
        LoopDriver.RunUntil(loop, () => server.ConnectionCount == 0);
        LoopDriver.CloseLoop(loop);
    }
}
