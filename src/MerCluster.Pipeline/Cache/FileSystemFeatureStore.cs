using MerCluster.Core;
using System.Text;

namespace MerCluster.Pipeline.Cache;

/// <summary>
/// Features as plain files a user can open with numpy: <c>ROOT/ab/abcd….npy</c>, and beside it
/// <c>abcd….npy.sha256</c> in sha256sum's format (so <c>sha256sum -c</c> checks it too).
/// <para>Write: each file goes to a temporary name in the same directory, then is renamed over the final name (rename
/// is atomic on one filesystem); the checksum is renamed last, so a value without a matching checksum is a write that
/// did not finish or a file damaged later: both read as <see cref="StoredFeatureState.Corrupt"/> and are recomputed.
/// Because of that check, integrity does not depend on fsync: after a power loss a file renamed but never flushed
/// fails its checksum and is recomputed. So flushing to disk before the rename is opt-in (<c>flushToDisk</c>), for
/// stores where a recomputation after a crash costs more than an fsync per file (about 10 ms on a busy disk, a tenth
/// of a clip's preprocessing time).</para>
/// <para>Lock: <c>ROOT/locks/abcd….lock</c> opened with FileShare.None, which .NET on Linux implements with flock(2):
/// the kernel drops it when the holder's process dies, so a crashed worker never blocks others. Lock files are kept
/// (deleting one while another process waits on it would let two holders in).</para>
/// </summary>
public sealed class FileSystemFeatureStore : IFeatureStore
{
    private static readonly TimeSpan MaxPollInterval = TimeSpan.FromMilliseconds(100);

    private readonly bool _flushToDisk;

    public FileSystemFeatureStore(string root, bool flushToDisk = false)
    {
        _flushToDisk = flushToDisk;
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Path.Combine(Root, "locks"));
    }

    public string Root { get; }

    public string Locate(FeatureKey key) => Path.Combine(Root, key.Hex[..2], key.Hex + ".npy");

    private static string ChecksumPath(string valuePath) => valuePath + ".sha256";

    public StoredFeatureState TryRead(FeatureKey key, out byte[] npy)
    {
        npy = [];
        var path = Locate(key);
        byte[] content;
        string checksum;
        try
        {
            content = File.ReadAllBytes(path);
            checksum = File.ReadAllText(ChecksumPath(path));
        }
        catch (FileNotFoundException)
        {
            return File.Exists(path) ? StoredFeatureState.Corrupt : StoredFeatureState.Missing;
        }
        catch (DirectoryNotFoundException)
        {
            return StoredFeatureState.Missing;
        }
        if (!checksum.StartsWith(ContentHash.Of(content) + "  ", StringComparison.Ordinal))
            return StoredFeatureState.Corrupt;
        npy = content;
        return StoredFeatureState.Found;
    }

    public void Write(FeatureKey key, ReadOnlySpan<byte> npy)
    {
        var path = Locate(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var line = $"{ContentHash.Of(npy)}  {Path.GetFileName(path)}\n";
        WriteAtomically(path, npy);
        WriteAtomically(ChecksumPath(path), Encoding.ASCII.GetBytes(line));
    }

    public void Delete(FeatureKey key)
    {
        var path = Locate(key);
        File.Delete(ChecksumPath(path));
        File.Delete(path);
    }

    public IDisposable Lock(FeatureKey key, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Root, "locks", key.Hex + ".lock");
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

    private void WriteAtomically(string path, ReadOnlySpan<byte> content)
    {
        var temporary = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: _flushToDisk);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
