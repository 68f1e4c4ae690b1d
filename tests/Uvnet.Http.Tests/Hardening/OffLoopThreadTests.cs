using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.Hardening;

/// <summary>
/// Request and response members called from another thread while the loop runs (a handler that continued after
/// ConfigureAwait(false), a thread-pool callback): refused at once with an exception that names the cause and the
/// fix, before anything of the connection is touched.
/// </summary>
public class OffLoopThreadTests
{
    public static TheoryData<string> Members() =>
    [
        "WriteContinue", "SetHeader", "SetHeaders", "RemoveHeader", "GetHeader", "GetHeaderValues", "HasHeader", "GetHeaderNames",
        "StatusCode", "StatusMessage", "SendDate", "Write", "End", "WriteHead", "Headers", "Url", "UrlBytes", "ReadBodyAsync",
        "Path", "PathBytes", "Query", "Trailers",
        "HeaderLookup", "HeaderValues", "HeaderContains", "HeaderCount", "RawHeaders", "HeaderEnumerator",
        "Data", "End event", "Finish", "Close", "Drain",
        "WriteProcessing", "WriteEarlyHints", "AddTrailers", "GetHeaders", "FlushHeaders", "Error",
    ];

    [Theory]
    [MemberData(nameof(Members))]
    public void Member_called_off_the_loop_thread_throws_at_once_and_changes_nothing(string member)
    {
        Exception? failure = null;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            res.SetHeader("X-Kept", "yes");
            HttpHeaders headers = req.Headers; // taken on the loop, as a handler would before it awaits
            // The loop thread waits here for the other thread: the loop is surely running while the member is called.
            var other = new Thread(() =>
            {
                try
                {
                    Call(member, req, res, headers);
                }
                catch (Exception e)
                {
                    failure = e;
                }
            });
            other.Start();
            other.Join();
            res.End("untouched");
        });
        string raw = fixture.Exchange("GET /path HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

        var refused = Assert.IsType<InvalidOperationException>(failure);
        string name = member switch
        {
            "SetHeaders" => "SetHeader", // SetHeader's overload for several values
            "End event" => "End",
            "HeaderLookup" => "Get",
            "HeaderValues" => "GetAll",
            "HeaderContains" => "Contains",
            "HeaderCount" => "Count",
            "RawHeaders" => "Raw",
            "HeaderEnumerator" => "GetEnumerator",
            _ => member,
        };
        Assert.Contains($".{name} was called off the loop's thread", refused.Message);
        Assert.Contains("ConfigureAwait(false)", refused.Message);
        Assert.Contains("ServerResponse.WriteAsync and EndAsync", refused.Message); // the members that work from any thread
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", raw); // no 100 Continue, no other status, nothing written before
        Assert.Contains("X-Kept: yes\r\n", raw);
        Assert.Contains("Date: ", raw);
        Assert.DoesNotContain("X-Off", raw);
        Assert.EndsWith("\r\n\r\nuntouched", raw);
    }

    [Fact]
    public void Async_handler_that_ends_its_response_from_the_thread_pool_gets_500_and_the_cause_is_reported()
    {
        var reports = new List<Exception>();
        using var fixture = ServerFixture.Start(async (_, res) =>
        {
            using var called = new ManualResetEventSlim();
            Task offLoop = Task.Run(() =>
            {
                try
                {
                    res.End("from the pool");
                }
                finally
                {
                    called.Set();
                }
            });
            called.Wait(); // the loop thread waits: the loop is surely running while the pool thread calls End
            await offLoop;
        });
        fixture.Server.HandlerError += (e, _) => reports.Add(e);
        string raw = fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 500 Internal Server Error\r\n", raw);
        Assert.DoesNotContain("from the pool", raw);
        var reported = Assert.IsType<InvalidOperationException>(Assert.Single(reports));
        Assert.Contains("ServerResponse.End", reported.Message);
    }

    [Fact]
    public void Member_called_from_another_thread_while_the_loop_is_between_runs_throws_and_changes_nothing()
    {
        // Driving a loop with Run(Once), as Loop.RunUntil does, leaves it not running between iterations: a thread
        // pool continuation that calls then must be refused as well, or it races the loop's next iteration.
        ServerResponse? kept = null;
        using var fixture = ServerFixture.Start((_, res) => kept = res);
        Task<string> client = Task.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port);
            await socket.SendAsync("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"u8.ToArray());
            return await RawClient.ReadToCloseAsync(socket);
        });
        LoopDriver.RunUntil(fixture.Loop, () => kept is not null);

        Exception? failure = null;
        var other = new Thread(() =>
        {
            try
            {
                kept!.SetHeader("X-Off", "thread");
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        other.Start();
        other.Join();
        kept!.End("untouched"); // the thread that ran the loop last may: the loop cannot run meanwhile
        string raw = fixture.Loop.RunUntil(client.WaitAsync(TimeSpan.FromSeconds(30)));

        var refused = Assert.IsType<InvalidOperationException>(failure);
        Assert.Contains("ServerResponse.SetHeader was called off the loop's thread", refused.Message);
        Assert.DoesNotContain("X-Off", raw);
        Assert.EndsWith("\r\n\r\nuntouched", raw);
    }

    private static void Call(string member, IncomingMessage req, ServerResponse res, HttpHeaders headers)
    {
        switch (member)
        {
            case "WriteContinue": res.WriteContinue(); break;
            case "SetHeader": res.SetHeader("X-Off", "thread"); break;
            case "SetHeaders": res.SetHeader("X-Off", ["a", "b"]); break;
            case "RemoveHeader": res.RemoveHeader("X-Kept"); break;
            case "GetHeader": res.GetHeader("X-Kept"); break;
            case "GetHeaderValues": res.GetHeaderValues("X-Kept"); break;
            case "HasHeader": res.HasHeader("X-Kept"); break;
            case "GetHeaderNames": res.GetHeaderNames(); break;
            case "StatusCode": res.StatusCode = 404; break;
            case "StatusMessage": res.StatusMessage = "X-Off"; break;
            case "SendDate": res.SendDate = false; break;
            case "Write": res.Write("X-Off"); break;
            case "End": res.End("X-Off"); break;
            case "WriteHead": res.WriteHead(404); break;
            case "Headers": _ = req.Headers; break;
            case "Url": _ = req.Url; break;
            case "UrlBytes": _ = req.UrlBytes.Length; break;
            case "ReadBodyAsync": req.ReadBodyAsync(); break;
            case "Path": _ = req.Path; break;
            case "PathBytes": _ = req.PathBytes.Length; break;
            case "Query": _ = req.Query; break;
            case "Trailers": _ = req.Trailers; break;
            // A request's headers are reloaded for the connection's next request, on the loop: a handler that kept
            // the collection must not read it from another thread (nor keep a handler the next request would get).
            case "HeaderLookup": _ = headers["host"]; break;
            case "HeaderValues": headers.GetAll("host"); break;
            case "HeaderContains": headers.Contains("host"); break;
            case "HeaderCount": _ = headers.Count; break;
            case "RawHeaders": _ = headers.Raw; break;
            case "HeaderEnumerator": headers.GetEnumerator(); break;
            case "Data": req.Data += (_, _) => { }; break;
            case "End event": req.End += _ => { }; break;
            case "Finish": res.Finish += _ => { }; break;
            case "Close": res.Close += _ => { }; break;
            case "Drain": res.Drain += _ => { }; break;
            case "WriteProcessing": res.WriteProcessing(); break;
            case "WriteEarlyHints": res.WriteEarlyHints([new("Link", "</a.css>")]); break;
            case "AddTrailers": res.AddTrailers([new("X-Off", "thread")]); break;
            case "GetHeaders": res.GetHeaders(); break;
            case "FlushHeaders": res.FlushHeaders(); break;
            case "Error": res.Error += (_, _) => { }; break;
            default: throw new ArgumentOutOfRangeException(nameof(member), member, null);
        }
    }
}
