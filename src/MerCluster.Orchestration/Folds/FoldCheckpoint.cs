using MerCluster.Artifacts;
using MerCluster.Orchestration.Features;

namespace MerCluster.Orchestration.Folds;

/// <summary>
/// A fold's training checkpoint: kept in the silos' artifact store under one name for every attempt
/// (<see cref="ArtifactLayout.Checkpoint"/>), so an attempt on another silo resumes where the last one checkpointed,
/// even with no filesystem shared between them. The trainer reads and writes a local copy (<see cref="LocalPath"/>);
/// each checkpoint it writes is stored over the version this attempt last saw, so an attempt that was superseded (its
/// silo thought dead while it still ran) cannot overwrite the newer attempt's checkpoint: it stops instead.
/// </summary>
public sealed class FoldCheckpoint(SiloArtifacts artifacts, FoldAttemptKey attempt, Action<string>? log)
{
    private readonly string _name = ArtifactLayout.Checkpoint(attempt.SweepId, attempt.TrialId, attempt.HeldOutSubject);
    private string? _version;

    public string LocalPath { get; } = artifacts.Scratch(ArtifactLayout.Checkpoint(attempt.SweepId, attempt.TrialId, attempt.HeldOutSubject));

    /// <summary>Where the checkpoint is kept (a file path, or its azblob URL).</summary>
    public string Location => artifacts.Store.Locate(_name);

    /// <summary>Copies the stored checkpoint (if any) to <see cref="LocalPath"/>; a damaged one is deleted and the fold starts over, logged.</summary>
    public void Fetch(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(LocalPath)!);
        File.Delete(LocalPath);
        switch (artifacts.Store.ReadToFile(_name, LocalPath, out _version, cancellationToken))
        {
            case ArtifactState.Corrupt:
                artifacts.Store.Delete(_name, cancellationToken);
                _version = null;
                log?.Invoke($"discarded the damaged checkpoint {Location} (its sha256 does not match) and trained from the start");
                break;
            case ArtifactState.Missing:
                _version = null;
                break;
        }
    }

    /// <summary>Stores the checkpoint the trainer just wrote at <paramref name="path"/>, guarded by the version this attempt last stored or read.</summary>
    public void Saved(string path)
    {
        try
        {
            _version = artifacts.Store.ReplaceFromFile(_name, path, _version);
        }
        catch (ArtifactConflictException e)
        {
            throw new InvalidOperationException($"{attempt}: another attempt of this fold stored its checkpoint meanwhile, so this one stops ({e.Message})", e);
        }
    }

    /// <summary>Removes the checkpoint, local and stored, once the fold's predictions are recorded.</summary>
    public void Remove()
    {
        if (File.Exists(LocalPath))
            File.Delete(LocalPath);
        artifacts.Store.Delete(_name);
    }
}
