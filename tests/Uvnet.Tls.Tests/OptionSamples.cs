using System.Reflection;
using System.Security.Cryptography.X509Certificates;

namespace Uvnet.Tls.Tests;

/// <summary>
/// For the reflection tests of code that copies or compares TLS options: every public settable property of an options
/// type, and for each a value unlike the one it has, so that a property added later is covered without a line in the
/// test. A property of a type not known here fails the test that meets it: add a sample for its type.
/// </summary>
internal static class OptionSamples
{
    /// <summary>The public properties of <typeparamref name="T"/> with a public setter or init accessor.</summary>
    internal static PropertyInfo[] Settable<T>() =>
        [.. typeof(T).GetProperties(BindingFlags.Instance | BindingFlags.Public).Where(p => p.SetMethod is { IsPublic: true })];

    /// <summary>A fresh <typeparamref name="T"/> (required members unset) with every settable property set to a value unlike its default.</summary>
    internal static T AllSet<T>() where T : class
    {
        var options = (T)Activator.CreateInstance(typeof(T))!;
        foreach (PropertyInfo property in Settable<T>())
            property.SetValue(options, Unlike(property, property.GetValue(options)));
        return options;
    }

    /// <summary>A copy of <paramref name="options"/> (by its settable properties) with <paramref name="changed"/> (if any) set to a value unlike its own.</summary>
    internal static T With<T>(T options, PropertyInfo? changed) where T : class
    {
        var copy = (T)Activator.CreateInstance(typeof(T))!;
        foreach (PropertyInfo property in Settable<T>())
        {
            object? value = property.GetValue(options);
            property.SetValue(copy, property == changed ? Unlike(property, value) : value);
        }
        return copy;
    }

    /// <summary>A value for <paramref name="property"/> that differs from <paramref name="current"/>.</summary>
    internal static object Unlike(PropertyInfo property, object? current)
    {
        Type type = property.PropertyType;
        type = Nullable.GetUnderlyingType(type) ?? type;
        object sample =
            type == typeof(bool) ? !(bool)current!
            : type == typeof(int) ? (int)current! + 7
            : type == typeof(long) ? (long)current! + 12_345
            : type == typeof(string) ? current + "sample.example"
            : type == typeof(byte[]) ? Enumerable.Range(((byte[]?)current)?[0] + 1 ?? 1, 48).Select(i => (byte)i).ToArray()
            : type == typeof(IReadOnlyList<string>) ? (IReadOnlyList<string>)[.. (IReadOnlyList<string>?)current ?? [], "sample/1"]
            : type == typeof(X509Certificate2) ? Other((X509Certificate2?)current)
            : type == typeof(X509Certificate2Collection) ? new X509Certificate2Collection(Other(((X509Certificate2Collection?)current)?.FirstOrDefault()))
            : type == typeof(SecureContext) ? SecureContext.FromCertificate(TestCertificates.SelfSigned)
            : type == typeof(IReadOnlyDictionary<string, SecureContext>) ? new Dictionary<string, SecureContext>
            {
                ["sample.example"] = SecureContext.FromCertificate(TestCertificates.SelfSigned),
            }
            : throw new NotSupportedException($"{property.DeclaringType!.Name}.{property.Name}: no sample for {type}; add one here.");
        return sample;
    }

    private static X509Certificate2 Other(X509Certificate2? current) =>
        current == TestCertificates.Client ? TestCertificates.SelfSignedClient : TestCertificates.Client;
}
