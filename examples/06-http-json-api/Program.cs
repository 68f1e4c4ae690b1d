// An HTTP JSON API: a few routes over an in-memory list, one of them async (it awaits the request body).
// JSON goes through System.Text.Json's source generator (ApiJson below): no reflection, so the program
// stays trimmable and AOT-ready, as the libraries are.
using System.Text.Json;
using System.Text.Json.Serialization;
using Uvnet;
using Uvnet.Http;
using Uvnet.Http.Server;

int port = args.Length > 0 ? int.Parse(args[0]) : int.TryParse(Environment.GetEnvironmentVariable("PORT"), out int p) ? p : 8080;

var loop = new Loop();
// No lock: every handler, and every continuation of an async one, runs on the loop's thread.
var items = new List<Item> { new(1, "first") };

var server = Http.CreateServer(loop, async (req, res) =>
{
    switch (req.Method, req.Path)
    {
        case ("GET", "/items"):
            Send(res, 200, JsonSerializer.SerializeToUtf8Bytes(items, ApiJson.Default.ListItem));
            break;
        case ("GET", _) when req.Path.StartsWith("/items/", StringComparison.Ordinal):
            Item? found = int.TryParse(req.Path["/items/".Length..], out int id) ? items.Find(i => i.Id == id) : null;
            if (found is null)
                SendError(res, 404, "no such item");
            else
                Send(res, 200, JsonSerializer.SerializeToUtf8Bytes(found, ApiJson.Default.Item));
            break;
        case ("POST", "/items"):
            // The await resumes on the loop once the whole body has arrived; the server reads other
            // connections meanwhile. A real API would also cap the body (HttpServerOptions.MaxRequestBodySize).
            byte[] body = await req.ReadBodyAsync();
            NewItem? input;
            try
            {
                input = JsonSerializer.Deserialize(body, ApiJson.Default.NewItem);
            }
            catch (JsonException)
            {
                input = null;
            }
            if (input is not { Name.Length: > 0 })
            {
                SendError(res, 400, "expected {\"name\": \"...\"}");
                break;
            }
            var item = new Item(items.Count == 0 ? 1 : items[^1].Id + 1, input.Name);
            items.Add(item);
            res.SetHeader("Location", $"/items/{item.Id}");
            Send(res, 201, JsonSerializer.SerializeToUtf8Bytes(item, ApiJson.Default.Item));
            break;
        default:
            SendError(res, 404, "no such route");
            break;
    }
});
// A port in use, say: the server stays closed, and with nothing left to do Run returns.
server.Error += (_, e) =>
{
    Console.Error.WriteLine(e.Message);
    Environment.ExitCode = 1;
};
server.Listen(port, "127.0.0.1", () => Console.WriteLine($"listening on {server.Port}"));
loop.Run();

// End computes the Content-Length from the whole body.
static void Send(ServerResponse res, int status, ReadOnlySpan<byte> json)
{
    res.StatusCode = status;
    res.SetHeader("Content-Type", "application/json");
    res.End(json);
}

static void SendError(ServerResponse res, int status, string message) =>
    Send(res, status, JsonSerializer.SerializeToUtf8Bytes(new Problem(message), ApiJson.Default.Problem));

internal sealed record Item(int Id, string Name);
internal sealed record NewItem(string? Name);
internal sealed record Problem(string Error);

// The generator writes the (de)serialisation code for these types at build time.
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(List<Item>))]
[JsonSerializable(typeof(NewItem))]
[JsonSerializable(typeof(Problem))]
internal sealed partial class ApiJson : JsonSerializerContext;
