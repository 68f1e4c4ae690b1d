using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace Uvnet.Server.Hosting;

/// <summary>
/// What the server loads at start-up so that it can still serve once the process runs out of descriptors.
/// .NET opens an assembly's file the first time code using it is compiled, and reads the local time zone from a
/// file the first time it is asked for. Out of descriptors, both fail, and the runtime keeps the failure for the
/// life of the process: a server whose first request arrived during a connection storm would throw on every
/// request from then on (the parser's vector code, the pooled requests, JSON), and log in UTC, even once
/// descriptors are free again. Loaded at start-up, nothing on the serving path needs a descriptor of its own.
/// </summary>
internal static class StartupPreload
{
    /// <summary>
    /// Loads every assembly <paramref name="root"/> references, directly or through another (a few dozen: the
    /// framework's own references stay within it), and the local time zone. Returns the assemblies loaded.
    /// </summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification =
        "A reference trimmed away is one no code left needs; a native AOT build loads nothing at run time.")]
    public static IReadOnlyCollection<Assembly> Run(Assembly root)
    {
        ArgumentNullException.ThrowIfNull(root);
        _ = TimeZoneInfo.Local;
        var loaded = new Dictionary<string, Assembly> { [root.GetName().Name!] = root };
        var pending = new Stack<Assembly>([root]);
        while (pending.TryPop(out Assembly? assembly))
        {
            foreach (AssemblyName name in assembly.GetReferencedAssemblies())
            {
                if (loaded.ContainsKey(name.Name!) || TryLoad(name) is not { } reference)
                    continue;
                loaded[name.Name!] = reference;
                pending.Push(reference);
            }
        }
        return loaded.Values;
    }

    private static Assembly? TryLoad(AssemblyName name)
    {
        try
        {
            return Assembly.Load(name);
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            return null; // referenced but not shipped (a platform's facade): nothing can compile against it either
        }
    }
}
