using System.Security.Cryptography;
using System.Text;

namespace Uvnet.Server.StaticFiles;

/// <summary>
/// The one user and password <c>uvnet serve --auth user:pass</c> lets in (HTTP Basic, RFC 7617, UTF-8). Basic
/// sends the password in clear, so the command line refuses it on anything but a loopback address until uvnet
/// serves TLS.
/// </summary>
public sealed class BasicCredentials
{
    /// <summary>The challenge a 401 carries.</summary>
    public const string Challenge = "Basic realm=\"uvnet\", charset=\"UTF-8\"";

    private readonly byte[] _expected;

    /// <summary>Lets in <paramref name="userName"/> with <paramref name="password"/>.</summary>
    /// <exception cref="ArgumentException">The user name is empty or holds a colon (RFC 7617 §2), or either holds a control character.</exception>
    public BasicCredentials(string userName, string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(userName);
        ArgumentNullException.ThrowIfNull(password);
        if (userName.Contains(':'))
            throw new ArgumentException("a user name cannot hold a colon", nameof(userName));
        if (userName.Any(char.IsControl) || password.Any(char.IsControl))
            throw new ArgumentException("a user name or password cannot hold a control character");
        UserName = userName;
        _expected = Encoding.UTF8.GetBytes($"{userName}:{password}");
    }

    /// <summary>The user name.</summary>
    public string UserName { get; }

    /// <summary>Parses <c>user:pass</c> (the password may hold colons); null when it is not that shape.</summary>
    public static BasicCredentials? Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int colon = text.IndexOf(':');
        if (colon <= 0 || text.Any(char.IsControl))
            return null;
        return new BasicCredentials(text[..colon], text[(colon + 1)..]);
    }

    /// <summary>Whether an Authorization field of <paramref name="authorization"/> carries these credentials (compared in constant time).</summary>
    public bool Admits(string? authorization)
    {
        const string Scheme = "Basic ";
        if (authorization is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
            return false;
        string token = authorization[Scheme.Length..].Trim();
        var decoded = new byte[(token.Length * 3 / 4) + 3];
        return Convert.TryFromBase64String(token, decoded, out int written)
            && CryptographicOperations.FixedTimeEquals(decoded.AsSpan(0, written), _expected);
    }
}
