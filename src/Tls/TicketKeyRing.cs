using System.Security.Cryptography;
using Uvnet.Tls.Interop;

namespace Uvnet.Tls;

/// <summary>
/// The session ticket keys of a server (nginx's rotation, Node's 48-byte key layout): the first key encrypts new
/// tickets, the one before it still decrypts (its tickets resume and are renewed). Rotated when a ticket is made or
/// read once <see cref="TlsServerOptions.TicketKeyRotation"/> has passed, so no timer runs; locked, as servers on
/// several loops may share one options object.
/// </summary>
internal sealed unsafe class TicketKeyRing
{
    internal const int KeyLength = 48; // name, HMAC secret, AES key: 16 bytes each (Node's ticketKeys)
    private const int NameLength = 16, SecretLength = 16;

    private readonly Lock _lock = new();
    private byte[] _current = RandomNumberGenerator.GetBytes(KeyLength);
    private byte[]? _previous;
    private long _interval;
    private TimeProvider _clock = TimeProvider.System;
    private long _rotatedAt;

    /// <summary>The rotation's interval in milliseconds (0: none) and clock; set by each server made with the options.</summary>
    internal void Configure(long interval, TimeProvider clock)
    {
        lock (_lock)
        {
            if (_interval == interval && _clock == clock)
                return;
            _interval = interval;
            _clock = clock;
            _rotatedAt = clock.GetTimestamp();
        }
    }

    internal byte[] Current
    {
        get
        {
            lock (_lock)
            {
                RotateIfDue();
                return (byte[])_current.Clone();
            }
        }
    }

    /// <summary>Replaces every key with <paramref name="keys"/> (Node's setTicketKeys): older tickets no longer resume.</summary>
    internal void Set(byte[] keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Length != KeyLength)
            throw new ArgumentException($"Session ticket keys must be {KeyLength} bytes.", nameof(keys));
        lock (_lock)
        {
            _current = (byte[])keys.Clone();
            _previous = null;
            _rotatedAt = _clock.GetTimestamp();
        }
    }

    /// <summary>A fresh key; the current one becomes the previous (decrypt only) and the previous is dropped.</summary>
    internal void Rotate()
    {
        lock (_lock)
            Replace(keepCurrent: true);
    }

    private void Replace(bool keepCurrent)
    {
        _previous = keepCurrent ? _current : null;
        _current = RandomNumberGenerator.GetBytes(KeyLength);
        _rotatedAt = _clock.GetTimestamp();
    }

    private void RotateIfDue()
    {
        if (_interval <= 0)
            return;
        long intervals = (long)(_clock.GetElapsedTime(_rotatedAt).TotalMilliseconds / _interval);
        if (intervals <= 0)
            return;
        Replace(keepCurrent: intervals == 1); // two intervals or more idle: the current key is past its time too
    }

    /// <summary>Sets up a new ticket's encryption: the current key's name, a random IV, AES-128-CBC and HMAC-SHA256.</summary>
    internal int InitEncrypt(byte* name, byte* iv, nint cipher, nint hmac)
    {
        lock (_lock)
        {
            RotateIfDue();
            if (OpenSsl.RAND_bytes(iv, 16) != 1)
                return -1;
            new ReadOnlySpan<byte>(_current, 0, NameLength).CopyTo(new Span<byte>(name, NameLength));
            return Init(_current, iv, cipher, hmac, encrypt: true) ? 1 : -1;
        }
    }

    /// <summary>
    /// Finds the key a ticket names: 1 with the current key, 2 with the previous (valid, but OpenSSL issues a new
    /// ticket under the current key), 0 with none (a full handshake).
    /// </summary>
    internal int InitDecrypt(byte* name, byte* iv, nint cipher, nint hmac)
    {
        lock (_lock)
        {
            RotateIfDue();
            var wanted = new ReadOnlySpan<byte>(name, NameLength);
            if (wanted.SequenceEqual(_current.AsSpan(0, NameLength)))
                return Init(_current, iv, cipher, hmac, encrypt: false) ? 1 : -1;
            if (_previous is { } previous && wanted.SequenceEqual(previous.AsSpan(0, NameLength)))
                return Init(previous, iv, cipher, hmac, encrypt: false) ? 2 : -1;
            return 0;
        }
    }

    private static bool Init(byte[] key, byte* iv, nint cipher, nint hmac, bool encrypt)
    {
        fixed (byte* k = key)
        {
            byte* secret = k + NameLength, aes = secret + SecretLength;
            if (OpenSsl.HMAC_Init_ex(hmac, secret, SecretLength, OpenSsl.EVP_sha256(), 0) != 1)
                return false;
            return (encrypt
                ? OpenSsl.EVP_EncryptInit_ex(cipher, OpenSsl.EVP_aes_128_cbc(), 0, aes, iv)
                : OpenSsl.EVP_DecryptInit_ex(cipher, OpenSsl.EVP_aes_128_cbc(), 0, aes, iv)) == 1;
        }
    }
}
