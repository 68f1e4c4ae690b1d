using System.Net.Sockets;

namespace Uvnet.Bench.Dotnet;

/// <summary>
/// One connection driven by a reused <see cref="SocketAsyncEventArgs"/>: issue an operation; when it
/// completes at once, handle it in the same loop (no recursion, no thread hop); when it completes
/// later, the Completed event handles it on .NET's I/O thread and carries on from there.
/// </summary>
internal abstract class SaeaConnection
{
    protected SaeaConnection(Socket socket)
    {
        Socket = socket;
        Args.Completed += (_, _) =>
        {
            if (Succeeded() && Handle())
                Drive();
        };
    }

    protected Socket Socket { get; }

    protected SocketAsyncEventArgs Args { get; } = new();

    public void Start() => Drive();

    /// <summary>Issues the next operation; returns true when it will complete later (Completed runs then).</summary>
    protected abstract bool Issue();

    /// <summary>Handles the completed operation in <see cref="Args"/>; returns whether to issue another.</summary>
    protected abstract bool Handle();

    private void Drive()
    {
        try
        {
            while (!Issue())
            {
                if (!Succeeded() || !Handle())
                    return;
            }
        }
        catch (ObjectDisposedException)
        {
            // The workload's end closed the socket: the loop is over.
        }
    }

    /// <summary>SocketAsyncEventArgs takes a writable buffer even to send; the bytes it sends are never written.</summary>
    protected static Memory<byte> Writable(ReadOnlyMemory<byte> memory) => System.Runtime.InteropServices.MemoryMarshal.AsMemory(memory);

    private bool Succeeded() => Args.SocketError == SocketError.Success;
}
