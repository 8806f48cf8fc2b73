using Dapper;

namespace MerCluster.Orchestration.Store;

/// <summary>Worker membership: who is pulling folds, on which host and device, and when each was last heard from.</summary>
public sealed partial class CoordinationStore
{
    public Task RegisterWorkerAsync(string name, string host, int pid, string device, CancellationToken cancellationToken = default) =>
        WriteAsync((connection, transaction) => connection.ExecuteAsync(Sql("""
            INSERT INTO workers (name, host, pid, device, started_at, heartbeat_at, state)
            VALUES (@name, @host, @pid, @device, {now}, {now}, 'running')
            ON CONFLICT (name) DO UPDATE SET host = excluded.host, pid = excluded.pid, device = excluded.device,
                started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at, state = 'running'
            """), new { name, host, pid, device }, transaction), cancellationToken);

    public Task HeartbeatAsync(string name, CancellationToken cancellationToken = default) =>
        ReadAsync(connection => connection.ExecuteAsync(Sql("UPDATE workers SET heartbeat_at = {now} WHERE name = @name"), new { name }), cancellationToken);

    public Task MarkWorkerStoppedAsync(string name, CancellationToken cancellationToken = default) =>
        ReadAsync(connection => connection.ExecuteAsync(Sql("UPDATE workers SET state = 'stopped', heartbeat_at = {now} WHERE name = @name"), new { name }), cancellationToken);

    public async Task<IReadOnlyList<WorkerRecord>> WorkersAsync(CancellationToken cancellationToken = default) =>
        (await ReadAsync(connection => connection.QueryAsync<WorkerRecord>(
            """
            SELECT name AS Name, host AS Host, pid AS Pid, device AS Device, started_at AS StartedAt, heartbeat_at AS HeartbeatAt, state AS State
            FROM workers ORDER BY name
            """), cancellationToken)).ToList();
}
