using System.Security.Cryptography;
using System.Text;

namespace MerCluster.Server;

/// <summary>
/// The bearer token every mutating API call must carry. It is read from a file (first line, trimmed) or from
/// <c>MER_API_TOKEN</c>, compared in constant time, and never written to a log or an error message.
/// </summary>
public sealed class ApiToken
{
    public const string EnvironmentVariable = "MER_API_TOKEN";

    private readonly byte[] _hash;

    private ApiToken(string token) => _hash = SHA256.HashData(Encoding.UTF8.GetBytes(token));

    /// <summary>The token from <paramref name="tokenFile"/> when given, else from the environment; null when neither has one.</summary>
    public static ApiToken? Load(string? tokenFile, Func<string, string?>? environment = null)
    {
        if (tokenFile is not null)
        {
            if (!File.Exists(tokenFile))
                throw new FileNotFoundException($"API token file {tokenFile} does not exist", tokenFile);
            var fromFile = File.ReadLines(tokenFile).FirstOrDefault()?.Trim();
            if (string.IsNullOrEmpty(fromFile))
                throw new InvalidDataException($"API token file {tokenFile} is empty");
            return new ApiToken(fromFile);
        }
        var fromEnvironment = (environment ?? Environment.GetEnvironmentVariable)(EnvironmentVariable)?.Trim();
        return string.IsNullOrEmpty(fromEnvironment) ? null : new ApiToken(fromEnvironment);
    }

    public static ApiToken FromValue(string token) => new(token);

    /// <summary>Whether <paramref name="presented"/> is the token; hashing first makes the comparison constant-time whatever the lengths.</summary>
    public bool Matches(string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(_hash, SHA256.HashData(Encoding.UTF8.GetBytes(presented)));

    public override string ToString() => "ApiToken(***)";
}
