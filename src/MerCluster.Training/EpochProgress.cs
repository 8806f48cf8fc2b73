namespace MerCluster.Training;

/// <summary>A finished training epoch: its number (1-based) of <see cref="Epochs"/>, mean training loss and speed.</summary>
public sealed record EpochProgress(int Epoch, int Epochs, double Loss, double SamplesPerSecond);
