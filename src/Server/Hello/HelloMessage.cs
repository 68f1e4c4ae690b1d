using System.Text.Json.Serialization;

namespace Uvnet.Server.Hello;

/// <summary>The body of TechEmpower's json test: <c>{"message":"Hello, World!"}</c>.</summary>
/// <param name="Message">The message.</param>
public sealed record HelloMessage([property: JsonPropertyName("message")] string Message);

/// <summary>Source-generated serialisation of <see cref="HelloMessage"/>: no reflection, and fast-path code that writes straight to a Utf8JsonWriter.</summary>
[JsonSourceGenerationOptions(GenerationMode = JsonSourceGenerationMode.Serialization)]
[JsonSerializable(typeof(HelloMessage))]
public sealed partial class HelloJsonContext : JsonSerializerContext;
