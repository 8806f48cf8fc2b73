using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using MerCluster.Core;

namespace MerCluster.Artifacts;

/// <summary>
/// Artifacts as blobs in an Azure Blob storage container: <c>azblob://container/prefix</c> keeps <c>name</c> in the blob
/// <c>prefix/name</c>. Every blob carries the sha256 of its content in its metadata (<c>sha256</c>), computed before the
/// upload and sent in the same request, so a blob is never visible without it; a read verifies it while streaming. A
/// blob's version is its ETag, and the service enforces the guards: <see cref="Create"/> uploads with
/// <c>If-None-Match: *</c>, <see cref="Replace"/> with <c>If-Match</c>.
/// <para>The connection string comes from <c>MER_AZBLOB_CONNECTION_STRING</c>, or from the file that
/// <c>MER_AZBLOB_CONNECTION_STRING_FILE</c> names (a mounted Kubernetes secret), never from the command line; no
/// message of this class contains it or the account key.</para>
/// <para><see cref="Lock"/> excludes within this process only: across machines the service's conditional writes are
/// what keeps artifacts whole, and two writers of a content-addressed artifact write the same bytes.</para>
/// </summary>
public sealed class BlobArtifactStore : IArtifactStore
{
    public const string ConnectionStringVariable = "MER_AZBLOB_CONNECTION_STRING";
    public const string ConnectionStringFileVariable = "MER_AZBLOB_CONNECTION_STRING_FILE";
    private const string Sha256Key = "sha256";

    /// <summary>Newest version Azurite 3.37 accepts (the SDK's default is newer); Azure itself accepts it too.</summary>
    public const BlobClientOptions.ServiceVersion PinnedServiceVersion = BlobClientOptions.ServiceVersion.V2026_06_06;

    /// <summary>
    /// Blocks of a bounded size: a timed-out or retried request resends one block, not a whole checkpoint. Artifacts up
    /// to the initial size (every feature array) go in one request.
    /// </summary>
    private static readonly StorageTransferOptions Transfer = new()
    {
        InitialTransferSize = 32 << 20,
        MaximumTransferSize = 8 << 20,
        MaximumConcurrency = 4,
    };

    /// <summary>One lock per blob, shared by every store of this process.</summary>
    private static readonly KeyedLocks Locks = new();

    private readonly BlobContainerClient _container;
    private readonly string _prefix;
    private readonly string _containerName;

    private BlobArtifactStore(string url, BlobContainerClient container, string containerName, string prefix)
    {
        Url = url;
        _container = container;
        _containerName = containerName;
        _prefix = prefix;
    }

    public string Url { get; }

    public string Locate(string name) => $"{ArtifactStores.BlobScheme}{_containerName}/{BlobName(name)}";

    private string BlobName(string name) => ArtifactNames.Join(_prefix, ArtifactNames.Check(name));

    private BlobClient Blob(string name) => _container.GetBlobClient(BlobName(name));

    /// <summary>The store at <paramref name="url"/> with its connection string from the environment, checked usable.</summary>
    public static BlobArtifactStore Open(string url) => Open(url, Environment.GetEnvironmentVariable);

    /// <summary>
    /// The store at <paramref name="url"/> (<c>azblob://container</c> or <c>azblob://container/prefix</c>) with its
    /// connection string from <paramref name="environment"/>; throws <see cref="ArtifactStoreException"/> when the
    /// container does not exist, refuses the credentials or cannot be reached (within about ten seconds).
    /// </summary>
    public static BlobArtifactStore Open(string url, Func<string, string?> environment)
    {
        var (containerName, prefix) = ParseUrl(url);
        var (connectionString, source) = ConnectionString(url, environment);
        BlobServiceClient service, probe;
        try
        {
            service = new BlobServiceClient(connectionString, ClientOptions(networkTimeout: TimeSpan.FromSeconds(100), maxRetries: 3));
            probe = new BlobServiceClient(connectionString, ClientOptions(networkTimeout: TimeSpan.FromSeconds(3), maxRetries: 2));
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            // The parser's message may quote the string: leave it out (and the exception with it).
            throw new ArtifactStoreException($"artifact store {url}: {source} does not hold a valid Azure Storage connection string");
        }
        var store = new BlobArtifactStore(url, service.GetBlobContainerClient(containerName), containerName, prefix);
        var endpoint = $"{service.Uri.GetLeftPart(UriPartial.Authority)} (account {service.AccountName})";
        try
        {
            probe.GetBlobContainerClient(containerName).GetProperties();
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            throw new ArtifactStoreException($"artifact store {url}: container '{containerName}' does not exist at {endpoint}; create it first", e);
        }
        catch (RequestFailedException e) when (e.Status is 401 or 403)
        {
            throw new ArtifactStoreException(
                $"artifact store {url}: {endpoint} refused the credentials from {source} ({e.Status} {e.ErrorCode}); check the account key or SAS", e);
        }
        catch (Exception e) when (TransportFailure(e) is { } reason)
        {
            throw new ArtifactStoreException($"artifact store {url}: cannot reach the blob endpoint {endpoint}: {reason}", e);
        }
        catch (RequestFailedException e)
        {
            throw new ArtifactStoreException($"artifact store {url}: {endpoint} answered {e.Status} {e.ErrorCode} to a check of container '{containerName}'", e);
        }
        return store;
    }

    private static BlobClientOptions ClientOptions(TimeSpan networkTimeout, int maxRetries)
    {
        var options = new BlobClientOptions(PinnedServiceVersion);
        options.Retry.Mode = Azure.Core.RetryMode.Exponential;
        options.Retry.MaxRetries = maxRetries;
        options.Retry.Delay = TimeSpan.FromMilliseconds(500);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(4);
        options.Retry.NetworkTimeout = networkTimeout;
        return options;
    }

    private static (string Container, string Prefix) ParseUrl(string url)
    {
        var rest = url[ArtifactStores.BlobScheme.Length..].TrimEnd('/');
        var slash = rest.IndexOf('/');
        var container = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? "" : rest[(slash + 1)..];
        if (container.Length is < 3 or > 63 || !container.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-')
            || container.StartsWith('-') || container.EndsWith('-') || container.Contains("--"))
            throw new ArtifactStoreException(
                $"artifact store {url}: '{container}' is not a container name (3-63 lowercase letters, digits and single hyphens); write azblob://container/prefix");
        if (prefix.Length > 0)
        {
            try
            {
                ArtifactNames.Check(prefix);
            }
            catch (ArgumentException)
            {
                throw new ArtifactStoreException($"artifact store {url}: '{prefix}' is not a blob prefix (a relative path with '/', no empty or dot-led parts)");
            }
        }
        return (container, prefix);
    }

    private static (string Value, string Source) ConnectionString(string url, Func<string, string?> environment)
    {
        if (environment(ConnectionStringVariable) is { Length: > 0 } direct)
            return (direct, ConnectionStringVariable);
        if (environment(ConnectionStringFileVariable) is not { Length: > 0 } file)
            throw new ArtifactStoreException(
                $"artifact store {url}: no connection string; set {ConnectionStringVariable}, or {ConnectionStringFileVariable} to a file holding it");
        var source = $"{ConnectionStringFileVariable} ({file})";
        string text;
        try
        {
            text = File.ReadAllText(file).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArtifactStoreException($"artifact store {url}: cannot read the connection string file {file} named by {ConnectionStringFileVariable} ({e.Message})", e);
        }
        return text.Length > 0 ? (text, source) : throw new ArtifactStoreException($"artifact store {url}: the connection string file {file} named by {ConnectionStringFileVariable} is empty");
    }

    public ArtifactState Read(string name, Stream destination, out string? version, CancellationToken cancellationToken = default)
    {
        version = null;
        var blob = Blob(name);
        BlobDownloadStreamingResult download;
        try
        {
            download = blob.DownloadStreaming(cancellationToken: cancellationToken).Value;
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.BlobNotFound)
        {
            return ArtifactState.Missing;
        }
        catch (Exception e) when (ServiceFailure(e))
        {
            throw Failure("read", name, e);
        }
        using (download)
        {
            if (!download.Details.Metadata.TryGetValue(Sha256Key, out var expected))
                return ArtifactState.Corrupt;
            string actual;
            try
            {
                actual = FileSystemArtifactStore.CopyHashing(download.Content, destination, cancellationToken);
            }
            catch (Exception e) when (ServiceFailure(e))
            {
                throw Failure("read", name, e);
            }
            if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
                return ArtifactState.Corrupt;
            version = download.Details.ETag.ToString();
            return ArtifactState.Found;
        }
    }

    public bool Create(string name, Stream content, CancellationToken cancellationToken = default)
    {
        try
        {
            Upload(name, content, new BlobRequestConditions { IfNoneMatch = ETag.All }, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.BlobAlreadyExists || e.Status == 412)
        {
            return false;
        }
        catch (Exception e) when (ServiceFailure(e))
        {
            throw Failure("write", name, e);
        }
    }

    public string Replace(string name, Stream content, string? ifMatch, CancellationToken cancellationToken = default)
    {
        var conditions = ifMatch is null ? new BlobRequestConditions { IfNoneMatch = ETag.All } : new BlobRequestConditions { IfMatch = new ETag(ifMatch) };
        try
        {
            return Upload(name, content, conditions, cancellationToken).ETag.ToString();
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.BlobAlreadyExists || e.Status == 412 || e.ErrorCode == BlobErrorCode.BlobNotFound)
        {
            throw new ArtifactConflictException(ifMatch is null
                ? $"{Locate(name)} was written by someone else (it exists)"
                : $"{Locate(name)} was written or deleted by someone else since version {ifMatch}");
        }
        catch (Exception e) when (ServiceFailure(e))
        {
            throw Failure("write", name, e);
        }
    }

    /// <summary>Uploads <paramref name="content"/> with its sha256 in the same request (the commit, for a blob sent in blocks).</summary>
    private BlobContentInfo Upload(string name, Stream content, BlobRequestConditions conditions, CancellationToken cancellationToken)
    {
        var blob = Blob(name);
        content.Position = 0;
        var hex = ContentHash.Of(content);
        content.Position = 0;
        var options = new BlobUploadOptions
        {
            Metadata = new Dictionary<string, string> { [Sha256Key] = hex },
            Conditions = conditions,
            TransferOptions = Transfer,
        };
        return blob.Upload(content, options, cancellationToken).Value;
    }

    public bool Delete(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            Blob(name).Delete(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.BlobNotFound)
        {
            return false;
        }
        catch (Exception e) when (ServiceFailure(e))
        {
            throw Failure("delete", name, e);
        }
    }

    public IReadOnlyList<string> List(string prefix, CancellationToken cancellationToken = default)
    {
        var folder = prefix.Length == 0 ? _prefix : ArtifactNames.Join(_prefix, ArtifactNames.Check(prefix.TrimEnd('/')));
        var start = folder.Length == 0 ? "" : folder + "/";
        var strip = _prefix.Length == 0 ? 0 : _prefix.Length + 1;
        try
        {
            return _container.GetBlobs(new GetBlobsOptions { Prefix = start }, cancellationToken)
                .Select(item => item.Name[strip..])
                .Order(StringComparer.Ordinal)
                .ToList();
        }
        catch (Exception e) when (ServiceFailure(e))
        {
            throw new ArtifactStoreException($"artifact store {Url}: cannot list {ArtifactStores.BlobScheme}{_containerName}/{start}: {Reason(e)}", e);
        }
    }

    public IDisposable Lock(string name, CancellationToken cancellationToken = default) =>
        Locks.Acquire(Blob(name).Uri.GetLeftPart(UriPartial.Path), cancellationToken);

    private ArtifactStoreException Failure(string action, string name, Exception e) =>
        new($"artifact store {Url}: cannot {action} {Locate(name)}: {Reason(e)}", e);

    private static string Reason(Exception e) =>
        TransportFailure(e) is { } transport ? $"the endpoint cannot be reached ({transport})"
        : e is RequestFailedException failed ? $"the service answered {failed.Status} {failed.ErrorCode}"
        : e.Message;

    private static bool ServiceFailure(Exception e) => e is RequestFailedException || TransportFailure(e) is not null;

    /// <summary>
    /// The network's words when <paramref name="e"/> is a request that got no answer (refused, timed out, unknown host),
    /// possibly after retries (an AggregateException of the tries); null otherwise. A cancellation on its own is the
    /// caller's and stays one.
    /// </summary>
    private static string? TransportFailure(Exception e)
    {
        if (e is OperationCanceledException)
            return null;
        for (Exception? inner = e; inner is not null; inner = inner is AggregateException aggregate ? aggregate.InnerExceptions.LastOrDefault() : inner.InnerException)
        {
            if (inner is HttpRequestException or System.Net.Sockets.SocketException)
                return inner.Message;
            if (inner is OperationCanceledException or TimeoutException)
                return "no answer within the network timeout";
        }
        return null;
    }
}
