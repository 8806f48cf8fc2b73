using System.Runtime.InteropServices;

namespace MerCluster.Cli.Commands;

/// <summary>
/// SIGTERM and Ctrl-C (SIGINT) as a cancellation token, so a silo can give its folds back before it exits. The
/// commands that use it run as synchronous actions, so System.CommandLine's own termination timeout never cuts that short.
/// </summary>
internal sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration[] _registrations;

    public StopSignal(Action<string>? onSignal = null)
    {
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle), PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle)];

        void Handle(PosixSignalContext context)
        {
            context.Cancel = true;
            onSignal?.Invoke(context.Signal == PosixSignal.SIGTERM ? "SIGTERM" : "Ctrl-C");
            _stop.Cancel();
        }
    }

    public CancellationToken Token => _stop.Token;

    public void Dispose()
    {
        foreach (var registration in _registrations)
            registration.Dispose();
        _stop.Dispose();
    }
}
