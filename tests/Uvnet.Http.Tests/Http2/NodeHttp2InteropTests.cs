using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Uvnet.Http.Http2;

namespace Uvnet.Http.Tests.Http2;

/// <summary>
/// Node's http2 client (nghttp2 inside) against these pieces over a real socket on 127.0.0.1: our SETTINGS and
/// frame checks take its preface and frames, the decoder reads its HPACK (Huffman, dynamic table across requests,
/// a sensitive header never indexed), and Node reads the responses our encoder and frame writer produce.
/// Skipped only where node is missing.
/// </summary>
public class NodeHttp2InteropTests
{
    private const string Script = """
        const http2 = require('http2');
        const session = http2.connect('http://127.0.0.1:' + process.argv[1]);
        session.on('error', e => { console.error(e); process.exit(2); });
        (async () => {
          for (const trace of ['abc123', 'abc123', 'zzz999']) {
            await new Promise((resolve, reject) => {
              const req = session.request({ ':path': '/a?b=c', 'x-trace': trace, 'user-agent': 'interop/1', cookie: 'secret=1',
                [http2.sensitiveHeaders]: ['cookie'] });
              req.on('response', h => console.log(JSON.stringify(h)));
              req.on('end', resolve);
              req.on('error', reject);
              req.resume();
              req.end();
            });
          }
          session.close();
        })();
        """;

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task NodeAndTheseFramesAndHpackUnderstandEachOther()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        Process node;
        try
        {
            node = Process.Start(new ProcessStartInfo("node", ["-e", Script, port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return; // no node
        }

        using (node)
        {
            Task<string> output = node.StandardOutput.ReadToEndAsync();
            Task<string> errors = node.StandardError.ReadToEndAsync();
            var requests = new List<List<(string Name, string Value, bool NeverIndexed)>>();
            using (Socket socket = await listener.AcceptSocketAsync().WaitAsync(Deadline))
            {
                socket.ReceiveTimeout = (int)Deadline.TotalMilliseconds;
                Serve(socket, requests);
            }

            string errorText = await errors.WaitAsync(Deadline);
            string outputText = await output.WaitAsync(Deadline);
            await node.WaitForExitAsync().WaitAsync(Deadline);
            Assert.True(node.ExitCode == 0, errorText);

            // What Node sent, as our decoder read it.
            Assert.Equal(3, requests.Count);
            foreach (var (fields, trace) in requests.Zip(["abc123", "abc123", "zzz999"]))
            {
                Assert.Contains((":method", "GET", false), fields);
                Assert.Contains((":path", "/a?b=c", false), fields);
                Assert.Contains((":scheme", "http", false), fields);
                Assert.Contains((":authority", "127.0.0.1:" + port, false), fields);
                Assert.Contains(("x-trace", trace, false), fields);
                Assert.Contains(("user-agent", "interop/1", false), fields);
                Assert.Contains(("cookie", "secret=1", true), fields);
            }

            // What Node read from our responses.
            string[] lines = outputText.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(3, lines.Length);
            foreach (string line in lines)
            {
                using JsonDocument response = JsonDocument.Parse(line);
                Assert.Equal(404, response.RootElement.GetProperty(":status").GetInt32());
                Assert.Equal("text/plain; charset=utf-8", response.RootElement.GetProperty("content-type").GetString());
                Assert.Equal(new string('q', 300), response.RootElement.GetProperty("x-long").GetString());
                Assert.Equal("a=b", response.RootElement.GetProperty("set-cookie")[0].GetString());
            }
        }
    }

    private static void Serve(Socket socket, List<List<(string Name, string Value, bool NeverIndexed)>> requests)
    {
        var output = new byte[1 << 16];
        socket.Send(output.AsSpan(0, Http2FrameWriter.WriteSettings(output, [(Http2SettingId.EnablePush, 0)])));

        var decoder = new HpackDecoder();
        var sequence = new Http2FrameSequence();
        var settings = new Http2Settings();
        var input = new List<byte>();
        var block = new List<byte>();
        bool prefaceRead = false;
        var chunk = new byte[16384];
        while (true)
        {
            int read = socket.Receive(chunk);
            if (read == 0)
            {
                return;
            }

            input.AddRange(chunk.AsSpan(0, read));
            byte[] buffer = [.. input];
            int consumed = 0;
            if (!prefaceRead)
            {
                Http2PrefaceMatch match = Http2Preface.Check(buffer);
                Assert.NotEqual(Http2PrefaceMatch.Mismatch, match);
                if (match == Http2PrefaceMatch.Incomplete)
                {
                    continue;
                }

                prefaceRead = true;
                consumed = Http2Preface.Bytes.Length;
            }

            while (Http2FrameReader.TryReadFrame(buffer.AsSpan(consumed), out Http2FrameHeader header, out ReadOnlySpan<byte> payload))
            {
                consumed += Http2FrameHeader.Size + header.Length;
                Assert.Equal(Http2Error.None, Http2FrameDriver.Check(ref sequence, ref settings, header, payload));
                if (header.Type == Http2FrameType.Settings && !header.Has(Http2FrameFlags.Ack))
                {
                    socket.Send(output.AsSpan(0, Http2FrameWriter.WriteSettingsAck(output)));
                }

                if (header.Type == Http2FrameType.Headers)
                {
                    Http2FrameParser.ParseHeaders(header, payload, out Http2HeadersPayload headers);
                    block.AddRange(headers.Fragment);
                }
                else if (header.Type == Http2FrameType.Continuation)
                {
                    block.AddRange(payload);
                }
                else
                {
                    continue;
                }

                if (header.Has(Http2FrameFlags.EndHeaders))
                {
                    HpackFields fields = HpackFields.Create();
                    Assert.Equal(HpackError.None, decoder.Decode([.. block], ref fields));
                    block.Clear();
                    requests.Add(fields.Fields);
                    Respond(socket, header.StreamId, output);
                }
            }

            input.RemoveRange(0, consumed);
        }
    }

    private static void Respond(Socket socket, int streamId, byte[] output)
    {
        var block = new byte[1024];
        Assert.True(HpackEncoder.TryEncodeStatus(404, block, out int pos));
        Assert.True(HpackEncoder.TryEncodeField("content-type"u8, "text/plain; charset=utf-8"u8, false, block.AsSpan(pos), out int written));
        pos += written;
        Assert.True(HpackEncoder.TryEncodeField("x-long"u8, System.Text.Encoding.ASCII.GetBytes(new string('q', 300)), false, block.AsSpan(pos), out written));
        pos += written;
        Assert.True(HpackEncoder.TryEncodeField("set-cookie"u8, "a=b"u8, true, block.AsSpan(pos), out written));
        pos += written;
        socket.Send(output.AsSpan(0, Http2FrameWriter.WriteHeaders(output, streamId, block.AsSpan(0, pos), endStream: true, Http2FrameHeader.DefaultMaxFrameSize)));
    }
}
