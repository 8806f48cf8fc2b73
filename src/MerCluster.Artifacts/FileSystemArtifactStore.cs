using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using MerCluster.Core;

namespace MerCluster.Artifacts;

/// <summary>
/// Artifacts as plain files under a folder (local, or shared between silos over NFS): <c>ROOT/name</c>, and beside it
/// <c>name.sha256</c> in sha256sum's format, so a user can open a feature with numpy and check it with
/// <c>sha256sum -c</c>. The checksum is the artifact's version.
/// <para>Writes go to a temporary file in the same folder, renamed into place (atomic on one filesystem); the checksum
/// is written last, so a value without a matching checksum is a write that did not finish or a file damaged later:
/// it reads as <see cref="ArtifactState.Corrupt"/>. Integrity therefore does not depend on fsync; flushing before the
/// rename is opt-in (<c>flushToDisk</c>).</para>
/// <para>Locks are files under <c>ROOT/.locks</c> opened exclusively, which .NET on Linux implements with flock(2):
/// the kernel drops the lock when its holder dies. Lock files are kept (deleting one while another process waits on it
/// would let two holders in). A guarded <see cref="Replace"/> holds the artifact's lock while it compares and writes.</para>
/// </summary>
public sealed class FileSystemArtifactStore : IArtifactStore
{
    private const string LockFolder = ".locks";
    private const string ChecksumSuffix = ".sha256";
    private static readonly TimeSpan MaxPollInterval = TimeSpan.FromMilliseconds(100);

    private readonly bool _flushToDisk;

    public FileSystemArtifactStore(string root, bool flushToDisk = false)
    {
        _flushToDisk = flushToDisk;
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Path.Combine(Root, LockFolder));
    }

    public string Root { get; }

    public string Url => Root;

    public string Locate(string name) => Path.Combine(Root, ArtifactNames.Check(name));

    private static string ChecksumPath(string path) => path + ChecksumSuffix;

    public ArtifactState Read(string name, Stream destination, out string? version, CancellationToken cancellationToken = default)
    {
        version = null;
        var path = Locate(name);
        string checksum;
        FileStream value;
        try
        {
            value = File.OpenRead(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return ArtifactState.Missing;
        }
        using (value)
        {
            try
            {
                checksum = File.ReadAllText(ChecksumPath(path));
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                return ArtifactState.Corrupt;
            }
            var hex = CopyHashing(value, destination, cancellationToken);
            if (!RecordedVersions(checksum).Contains(hex))
                return ArtifactState.Corrupt;
            version = hex;
            return ArtifactState.Found;
        }
    }

    public bool Create(string name, Stream content, CancellationToken cancellationToken = default)
    {
        var path = Locate(name);
        if (File.Exists(path))
            return false;
        var (temporary, hex) = WriteTemporary(path, content, cancellationToken);
        try
        {
            // link(2) fails when the name exists, atomically (also over NFS): of two writers exactly one creates it.
            // File.Move without overwrite checks, then renames: both racing writers could "create".
            if (Link(temporary, path) != 0)
            {
                var error = Marshal.GetLastPInvokeError();
                if (error == EEXIST)
                    return false;
                throw new IOException($"cannot create {path}: {Marshal.GetPInvokeErrorMessage(error)}");
            }
        }
        finally
        {
            File.Delete(temporary);
        }
        WriteChecksum(path, [hex]);
        return true;
    }

    public string Replace(string name, Stream content, string? ifMatch, CancellationToken cancellationToken = default)
    {
        var path = Locate(name);
        using var held = Lock(name, cancellationToken);
        var current = CurrentVersion(path);
        if (current != ifMatch)
            throw new ArtifactConflictException(ifMatch is null
                ? $"{path} was written by someone else (it exists, version {current})"
                : $"{path} was {(current is null ? "deleted" : "written")} by someone else since version {ifMatch}");
        var (temporary, hex) = WriteTemporary(path, content, cancellationToken);
        try
        {
            // The value and its checksum are two files, so no one rename replaces both. The checksum file names the new
            // and the old version while the value moves, then the new one alone: a process killed at any point leaves a
            // value its checksum file vouches for (a fold's checkpoint stays usable), never a mismatch.
            WriteChecksum(path, current is null or "" ? [hex] : [hex, current]);
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
        WriteChecksum(path, [hex]);
        return hex;
    }

    /// <summary>The versions a checksum file vouches for: one, or two while a replace was under way.</summary>
    private static List<string> RecordedVersions(string checksum) =>
        checksum.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.IndexOf("  ", StringComparison.Ordinal) is var end and > 0 ? line[..end] : "")
            .Where(hex => hex.Length > 0).ToList();

    /// <summary>The checksum recorded for the value at <paramref name="path"/>, or null when there is no value.</summary>
    private static string? CurrentVersion(string path)
    {
        if (!File.Exists(path))
            return null;
        try
        {
            var versions = RecordedVersions(File.ReadAllText(ChecksumPath(path)));
            if (versions.Count <= 1)
                return versions.FirstOrDefault() ?? "";
            // A replace was cut short: which version the value is, only its content says.
            using var value = File.OpenRead(path);
            var hex = CopyHashing(value, Stream.Null, CancellationToken.None);
            return versions.Contains(hex) ? hex : "";
        }
        catch (FileNotFoundException)
        {
            return "";
        }
    }

    public bool Delete(string name, CancellationToken cancellationToken = default)
    {
        var path = Locate(name);
        var existed = File.Exists(path);
        if (!Directory.Exists(Path.GetDirectoryName(path)))
            return false;
        // The checksum goes first: a reader in between sees an unverifiable value, never a stale checksum's match.
        File.Delete(ChecksumPath(path));
        File.Delete(path);
        return existed;
    }

    public IReadOnlyList<string> List(string prefix, CancellationToken cancellationToken = default)
    {
        var folder = prefix.Length == 0 ? Root : Path.Combine(Root, ArtifactNames.Check(prefix.TrimEnd('/')));
        if (!Directory.Exists(folder))
            return [];
        return Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(Root, file).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(name => !name.EndsWith(ChecksumSuffix, StringComparison.Ordinal) && !name.Split('/').Any(part => part.StartsWith('.')))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    public IDisposable Lock(string name, CancellationToken cancellationToken = default)
    {
        var path = Path.Combine(Root, LockFolder, ContentHash.Of(ArtifactNames.Check(name)) + ".lock");
        var wait = TimeSpan.FromMilliseconds(2);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException e) when (e is not (DirectoryNotFoundException or FileNotFoundException or PathTooLongException))
            {
                // Held by another holder (flock is not a queue, so poll with a capped backoff).
                cancellationToken.WaitHandle.WaitOne(wait);
                cancellationToken.ThrowIfCancellationRequested();
                wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, MaxPollInterval.Ticks));
            }
        }
    }

    /// <summary>Copies <paramref name="content"/> to a new temporary file beside <paramref name="path"/>, hashing it on the way.</summary>
    private (string Temporary, string Hex) WriteTemporary(string path, Stream content, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = TemporaryBeside(path);
        try
        {
            string hex;
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                content.Position = 0;
                hex = CopyHashing(content, stream, cancellationToken);
                stream.Flush(flushToDisk: _flushToDisk);
            }
            return (temporary, hex);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    private void WriteChecksum(string path, IReadOnlyList<string> versions)
    {
        var checksum = ChecksumPath(path);
        var temporary = TemporaryBeside(checksum);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                foreach (var hex in versions)
                    stream.Write(Encoding.ASCII.GetBytes($"{hex}  {Path.GetFileName(path)}\n"));
                stream.Flush(flushToDisk: _flushToDisk);
            }
            File.Move(temporary, checksum, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    private const int EEXIST = 17;

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int Link(string existing, string created);

    private static string TemporaryBeside(string path) =>
        Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");

    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/> and returns the sha256 of what was copied, as lowercase hex.</summary>
    internal static string CopyHashing(Stream source, Stream destination, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        int read;
        while ((read = source.Read(buffer)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            hash.AppendData(buffer, 0, read);
            destination.Write(buffer, 0, read);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
