using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Uvnet.Proxy.Clusters;
using Uvnet.Proxy.Listeners;
using Uvnet.Proxy.Routing;
using Uvnet.Tls;

namespace Uvnet.Proxy;

/// <summary>
/// A proxy's JSON configuration: <see cref="ProxyOptions"/> by name (keys in camelCase), and the admin listener. Read
/// with <see cref="JsonDocument"/> (no reflection), so that an unknown key or a value of the wrong type is refused
/// with its field named as the options name it ("Routes[0].PathPrefix").
/// </summary>
/// <example>
/// <code>
/// {
///   "admin": { "port": 9901, "host": "127.0.0.1" },
///   "listener": { "tls": { "cert": "proxy.pem", "key": "proxy.key" }, "proxyProtocol": true },
///   "listeners": [ { "name": "internal", "host": "10.0.0.1", "port": 8081 } ],
///   "timeouts": { "connect": 2000, "responseHead": 10000, "activity": 60000 },
///   "clusters": [ { "name": "app", "destinations": ["127.0.0.1:3000", "127.0.0.1:3001"], "loadBalancing": "roundRobin" },
///                 { "name": "secure", "destinations": ["api.internal:443"], "tls": { "ca": "internal-ca.pem" } } ],
///   "routes": [ { "pathPrefix": "/api/", "prefixRewrite": "/", "cluster": "app" }, { "cluster": "app" } ]
/// }
/// </code>
/// </example>
public sealed record ProxyConfig
{
    /// <summary>The proxy's options (validated: see <see cref="Load"/>).</summary>
    public required ProxyOptions Options { get; init; }

    /// <summary>The admin listener's port (<c>/healthz</c>, <c>/metrics</c>); null: none.</summary>
    public int? AdminPort { get; init; }

    /// <summary>The admin listener's address (default 127.0.0.1: metrics are not for the network unless asked).</summary>
    public string AdminHost { get; init; } = "127.0.0.1";

    /// <summary>The proxy's first listener (on <c>--port</c>): TLS (its certificate and key read from their PEM files) and the PROXY protocol.</summary>
    public ProxyListenerOptions Listener { get; init; } = new();

    /// <summary>
    /// The listeners beside the first (<c>"listeners"</c>: each with its <c>port</c>, and optionally <c>host</c>,
    /// <c>name</c>, <c>tls</c> and <c>proxyProtocol</c>), for <see cref="ProxyServer.Reload(ProxyOptions, IReadOnlyList{ProxyListenerOptions}, TlsServerOptions?)"/>.
    /// </summary>
    public IReadOnlyList<ProxyListenerOptions> Listeners { get; init; } = [];

    /// <summary>The files <see cref="Load"/> read beside the JSON (certificates, keys, CAs), as full paths: a reload on their change picks up a renewed certificate.</summary>
    public IReadOnlyList<string> Files { get; init; } = [];

    /// <summary>
    /// Reads <paramref name="json"/>; every error names its field. Certificate, key and CA files are PEM, read now;
    /// a relative path is taken from <paramref name="directory"/> (the configuration file's; null: the current one).
    /// </summary>
    /// <exception cref="ArgumentException">The JSON is malformed, a key is unknown, a value has the wrong type, a
    /// file cannot be read as what it should hold, or the options are invalid.</exception>
    public static ProxyConfig Load(string json, string? directory = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"The configuration is not JSON: {e.Message}", nameof(json), e);
        }
        var files = new FileSource(directory);
        using (document)
        {
            JsonElement root = Object(document.RootElement, "(root)");
            Keys(root, "", "admin", "listener", "listeners", "timeouts", "maxRetries", "viaName", "clusters", "routes");
            var options = new ProxyOptions
            {
                Timeouts = root.TryGetProperty("timeouts", out JsonElement t) ? Timeouts(t, "Timeouts") : new ProxyTimeouts(),
                MaxRetries = Int(root, "maxRetries", "MaxRetries") ?? 1,
                ViaName = String(root, "viaName", "ViaName") ?? "uvnet",
                Clusters = [.. Array(root, "clusters", "Clusters").Select((c, i) => Cluster(c, $"Clusters[{i}]", files))],
                Routes = [.. Array(root, "routes", "Routes").Select((r, i) => Route(r, $"Routes[{i}]"))],
            };
            options.Validate();
            int? adminPort = null;
            string adminHost = "127.0.0.1";
            if (root.TryGetProperty("admin", out JsonElement admin))
            {
                Object(admin, "Admin");
                Keys(admin, "Admin.", "port", "host");
                adminPort = Int(admin, "port", "Admin.Port") ?? throw new ArgumentException("Admin.Port: required.", nameof(json));
                if (adminPort is < 0 or > 65535)
                    throw new ArgumentException($"Admin.Port: {adminPort} is not a port.", nameof(json));
                adminHost = String(admin, "host", "Admin.Host") ?? adminHost;
            }
            ProxyListenerOptions listener = root.TryGetProperty("listener", out JsonElement l) ? ReadListener(l, "Listener", files, placed: false) : new();
            ProxyListenerOptions[] listeners = [.. Array(root, "listeners", "Listeners").Select((e, i) => ReadListener(e, $"Listeners[{i}]", files, placed: true))];
            ProxyListenerOptions.ValidateAll(listeners);
            return new ProxyConfig { Options = options, AdminPort = adminPort, AdminHost = adminHost, Listener = listener, Listeners = listeners, Files = files.Named };
        }
    }

    /// <summary>A listener's settings; <paramref name="placed"/>: one of "listeners", whose address is its own (the first's is the command line's).</summary>
    private static ProxyListenerOptions ReadListener(JsonElement e, string field, FileSource files, bool placed)
    {
        Object(e, field);
        if (placed)
            Keys(e, field + ".", "name", "host", "port", "tls", "proxyProtocol");
        else
            Keys(e, field + ".", "tls", "proxyProtocol");
        TlsServerOptions? tls = null;
        if (e.TryGetProperty("tls", out JsonElement t) && t.ValueKind != JsonValueKind.Null)
        {
            Object(t, field + ".Tls");
            Keys(t, field + ".Tls.", "cert", "key", "handshakeTimeout");
            string cert = String(t, "cert", field + ".Tls.Cert") ?? throw new ArgumentException($"{field}.Tls.Cert: required (a PEM certificate chain, leaf first).");
            string key = String(t, "key", field + ".Tls.Key") ?? throw new ArgumentException($"{field}.Tls.Key: required (the certificate's PEM private key).");
            long handshakeTimeout = Long(t, "handshakeTimeout", field + ".Tls.HandshakeTimeout") ?? 120_000;
            if (handshakeTimeout < 0)
                throw new ArgumentException($"{field}.Tls.HandshakeTimeout: 0 (none) or more.");
            SecureContext context = ReadFile(field + ".Tls.Cert", () => SecureContext.FromPemFiles(files.PathOf(cert), files.PathOf(key)));
            tls = new TlsServerOptions { Context = context, HandshakeTimeout = handshakeTimeout };
        }
        var options = new ProxyListenerOptions
        {
            Name = placed ? String(e, "name", field + ".Name") : null,
            Host = placed ? String(e, "host", field + ".Host") : null,
            Port = placed ? Int(e, "port", field + ".Port") ?? throw new ArgumentException($"{field}.Port: required.") : 0,
            Tls = tls,
            ProxyProtocol = Bool(e, "proxyProtocol", field + ".ProxyProtocol") ?? false,
        };
        options.Validate(field);
        return options;
    }

    private static TlsClientOptions ClusterTls(JsonElement e, string field, FileSource files)
    {
        Object(e, field);
        Keys(e, field + ".", "ca", "serverName", "rejectUnauthorized", "handshakeTimeout");
        string? ca = String(e, "ca", field + ".Ca");
        return new TlsClientOptions
        {
            CaCertificates = ca is null ? null : ReadFile(field + ".Ca", () =>
            {
                var roots = new X509Certificate2Collection();
                roots.ImportFromPemFile(files.PathOf(ca));
                return roots.Count > 0 ? roots : throw new CryptographicException("no certificate in it");
            }),
            ServerName = String(e, "serverName", field + ".ServerName"),
            DangerousAcceptAnyServerCertificate = !(Bool(e, "rejectUnauthorized", field + ".RejectUnauthorized") ?? true),
            HandshakeTimeout = Long(e, "handshakeTimeout", field + ".HandshakeTimeout") ?? 0,
        };
    }

    /// <summary>The folder relative paths are taken from, and the files named so far (for <see cref="Files"/>).</summary>
    private sealed class FileSource(string? directory)
    {
        internal List<string> Named { get; } = [];

        internal string PathOf(string path)
        {
            string full = Path.GetFullPath(path, directory ?? Directory.GetCurrentDirectory());
            Named.Add(full);
            return full;
        }
    }

    /// <summary>Reads a file by <paramref name="read"/>, its failure the field's error.</summary>
    private static T ReadFile<T>(string field, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new ArgumentException($"{field}: {e.Message}", e);
        }
    }

    private static ProxyCluster Cluster(JsonElement e, string field, FileSource files)
    {
        Object(e, field);
        Keys(e, field + ".", "name", "destinations", "loadBalancing", "hashOn", "consecutiveFailures", "ejectionTime", "maxConnections", "maxPending",
            "healthCheck", "resolveInterval", "retryBudgetPercent", "retryBudgetMinConcurrency", "tls");
        var defaults = new ProxyCluster { Name = "", Destinations = [] };
        return new ProxyCluster
        {
            Name = String(e, "name", field + ".Name") ?? "",
            Destinations = Strings(e, "destinations", field + ".Destinations") ?? [],
            LoadBalancing = String(e, "loadBalancing", field + ".LoadBalancing") is { } lb
                ? Enum.TryParse(lb, ignoreCase: true, out LoadBalancing policy) && !int.TryParse(lb, out _) ? policy
                    : throw new ArgumentException($"{field}.LoadBalancing: \"{lb}\" is not leastRequests, roundRobin or consistentHash.")
                : defaults.LoadBalancing,
            HashOn = String(e, "hashOn", field + ".HashOn"),
            ConsecutiveFailures = Int(e, "consecutiveFailures", field + ".ConsecutiveFailures") ?? defaults.ConsecutiveFailures,
            EjectionTime = Long(e, "ejectionTime", field + ".EjectionTime") ?? defaults.EjectionTime,
            MaxConnections = Int(e, "maxConnections", field + ".MaxConnections") ?? defaults.MaxConnections,
            MaxPending = Int(e, "maxPending", field + ".MaxPending") ?? defaults.MaxPending,
            HealthCheck = e.TryGetProperty("healthCheck", out JsonElement check) && check.ValueKind != JsonValueKind.Null ? HealthCheck(check, field + ".HealthCheck") : null,
            ResolveInterval = Long(e, "resolveInterval", field + ".ResolveInterval") ?? defaults.ResolveInterval,
            RetryBudgetPercent = Double(e, "retryBudgetPercent", field + ".RetryBudgetPercent") ?? defaults.RetryBudgetPercent,
            RetryBudgetMinConcurrency = Int(e, "retryBudgetMinConcurrency", field + ".RetryBudgetMinConcurrency") ?? defaults.RetryBudgetMinConcurrency,
            Tls = e.TryGetProperty("tls", out JsonElement tls) && tls.ValueKind != JsonValueKind.Null ? ClusterTls(tls, field + ".Tls", files) : null,
        };
    }

    private static ProxyHealthCheck HealthCheck(JsonElement e, string field)
    {
        Object(e, field);
        Keys(e, field + ".", "path", "interval", "timeout", "expectedStatusMin", "expectedStatusMax", "healthyThreshold", "unhealthyThreshold");
        var defaults = new ProxyHealthCheck();
        return new ProxyHealthCheck
        {
            Path = String(e, "path", field + ".Path") ?? defaults.Path,
            Interval = Long(e, "interval", field + ".Interval") ?? defaults.Interval,
            Timeout = Long(e, "timeout", field + ".Timeout") ?? defaults.Timeout,
            ExpectedStatusMin = Int(e, "expectedStatusMin", field + ".ExpectedStatusMin") ?? defaults.ExpectedStatusMin,
            ExpectedStatusMax = Int(e, "expectedStatusMax", field + ".ExpectedStatusMax") ?? defaults.ExpectedStatusMax,
            HealthyThreshold = Int(e, "healthyThreshold", field + ".HealthyThreshold") ?? defaults.HealthyThreshold,
            UnhealthyThreshold = Int(e, "unhealthyThreshold", field + ".UnhealthyThreshold") ?? defaults.UnhealthyThreshold,
        };
    }

    private static ProxyRoute Route(JsonElement e, string field)
    {
        Object(e, field);
        Keys(e, field + ".", "name", "cluster", "host", "pathPrefix", "path", "methods", "header", "headerValue", "prefixRewrite", "hostRewrite", "timeouts");
        return new ProxyRoute
        {
            Name = String(e, "name", field + ".Name"),
            Cluster = String(e, "cluster", field + ".Cluster") ?? "",
            Host = String(e, "host", field + ".Host"),
            PathPrefix = String(e, "pathPrefix", field + ".PathPrefix"),
            Path = String(e, "path", field + ".Path"),
            Methods = Strings(e, "methods", field + ".Methods"),
            Header = String(e, "header", field + ".Header"),
            HeaderValue = String(e, "headerValue", field + ".HeaderValue"),
            PrefixRewrite = String(e, "prefixRewrite", field + ".PrefixRewrite"),
            HostRewrite = String(e, "hostRewrite", field + ".HostRewrite"),
            Timeouts = e.TryGetProperty("timeouts", out JsonElement t) ? Timeouts(t, field + ".Timeouts") : null,
        };
    }

    private static ProxyTimeouts Timeouts(JsonElement e, string field)
    {
        Object(e, field);
        Keys(e, field + ".", "connect", "responseHead", "activity");
        var defaults = new ProxyTimeouts();
        return new ProxyTimeouts
        {
            Connect = Long(e, "connect", field + ".Connect") ?? defaults.Connect,
            ResponseHead = Long(e, "responseHead", field + ".ResponseHead") ?? defaults.ResponseHead,
            Activity = Long(e, "activity", field + ".Activity") ?? defaults.Activity,
        };
    }

    private static JsonElement Object(JsonElement e, string field) =>
        e.ValueKind == JsonValueKind.Object ? e : throw new ArgumentException($"{field}: an object, not {e.ValueKind}.");

    /// <summary>Refuses a key the schema does not have (a typo would otherwise be a silent default).</summary>
    private static void Keys(JsonElement e, string prefix, params string[] known)
    {
        foreach (JsonProperty p in e.EnumerateObject())
        {
            if (System.Array.IndexOf(known, p.Name) < 0)
                throw new ArgumentException($"{prefix}{p.Name}: not a known field (known: {string.Join(", ", known)}).");
        }
    }

    private static IEnumerable<JsonElement> Array(JsonElement e, string key, string field)
    {
        if (!e.TryGetProperty(key, out JsonElement value))
            return [];
        if (value.ValueKind != JsonValueKind.Array)
            throw new ArgumentException($"{field}: a list, not {value.ValueKind}.");
        return [.. value.EnumerateArray()];
    }

    private static string? String(JsonElement e, string key, string field)
    {
        if (!e.TryGetProperty(key, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            return null;
        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw new ArgumentException($"{field}: a string, not {value.ValueKind}.");
    }

    private static List<string>? Strings(JsonElement e, string key, string field)
    {
        if (!e.TryGetProperty(key, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind != JsonValueKind.Array)
            throw new ArgumentException($"{field}: a list of strings, not {value.ValueKind}.");
        return [.. value.EnumerateArray().Select((v, i) => v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new ArgumentException($"{field}[{i}]: a string, not {v.ValueKind}."))];
    }

    private static long? Long(JsonElement e, string key, string field)
    {
        if (!e.TryGetProperty(key, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            return null;
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long n) ? n : throw new ArgumentException($"{field}: a whole number, not {value}.");
    }

    private static double? Double(JsonElement e, string key, string field)
    {
        if (!e.TryGetProperty(key, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            return null;
        return value.ValueKind == JsonValueKind.Number ? value.GetDouble() : throw new ArgumentException($"{field}: a number, not {value}.");
    }

    private static bool? Bool(JsonElement e, string key, string field)
    {
        if (!e.TryGetProperty(key, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            return null;
        return value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : throw new ArgumentException($"{field}: true or false, not {value}.");
    }

    private static int? Int(JsonElement e, string key, string field) =>
        Long(e, key, field) is { } n ? n is >= int.MinValue and <= int.MaxValue ? (int)n : throw new ArgumentException($"{field}: {n} is too large.") : null;
}
