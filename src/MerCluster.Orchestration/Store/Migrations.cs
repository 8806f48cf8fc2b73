using System.Data.Common;
using Dapper;

namespace MerCluster.Orchestration.Store;

/// <summary>
/// The store's schema as an ordered list of versions. Each version runs once, in one transaction, and is recorded in
/// schema_version; a store opened by a newer program is migrated forward, never back. Times are the store clock in
/// Unix milliseconds (see <see cref="StoreDialect.NowMs"/>).
/// </summary>
internal static class Migrations
{
    public static readonly IReadOnlyList<(int Version, string Description, string[] Statements)> All =
    [
        (1, "coordination entities",
        [
            """
            CREATE TABLE dataset_manifests (
                id TEXT PRIMARY KEY,
                content_hash TEXT NOT NULL,
                json TEXT NOT NULL,
                created_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE feature_cache_entries (
                key TEXT PRIMARY KEY,
                size_bytes BIGINT NOT NULL,
                created_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE sweeps (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                yaml TEXT NOT NULL,
                source_dir TEXT NOT NULL,
                samples_json TEXT NOT NULL,
                max_attempts INTEGER NOT NULL,
                state TEXT NOT NULL,
                created_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE trials (
                id {identity},
                sweep_id TEXT NOT NULL REFERENCES sweeps(id),
                ordinal INTEGER NOT NULL,
                label TEXT NOT NULL,
                grid_json TEXT NOT NULL,
                state TEXT NOT NULL,
                UNIQUE (sweep_id, ordinal))
            """,
            """
            CREATE TABLE folds (
                id {identity},
                trial_id BIGINT NOT NULL REFERENCES trials(id),
                held_out_subject TEXT NOT NULL,
                state TEXT NOT NULL,
                attempt INTEGER NOT NULL,
                failures INTEGER NOT NULL,
                lease_owner TEXT,
                lease_expires_at BIGINT,
                last_error TEXT,
                UNIQUE (trial_id, held_out_subject))
            """,
            "CREATE INDEX folds_by_state ON folds (state, id)",
            """
            CREATE TABLE fold_attempts (
                fold_id BIGINT NOT NULL REFERENCES folds(id),
                attempt INTEGER NOT NULL,
                worker TEXT NOT NULL,
                started_at BIGINT NOT NULL,
                finished_at BIGINT,
                outcome TEXT,
                error TEXT,
                PRIMARY KEY (fold_id, attempt))
            """,
            """
            CREATE TABLE predictions (
                trial_id BIGINT NOT NULL REFERENCES trials(id),
                fold_id BIGINT NOT NULL REFERENCES folds(id),
                attempt INTEGER NOT NULL,
                sample_id TEXT NOT NULL,
                subject TEXT NOT NULL,
                database_id TEXT NOT NULL,
                label TEXT NOT NULL,
                predicted TEXT NOT NULL,
                probabilities_json TEXT NOT NULL,
                UNIQUE (trial_id, sample_id))
            """,
            "CREATE INDEX predictions_by_fold ON predictions (fold_id)",
            """
            CREATE TABLE workers (
                name TEXT PRIMARY KEY,
                host TEXT NOT NULL,
                pid INTEGER NOT NULL,
                device TEXT NOT NULL,
                started_at BIGINT NOT NULL,
                heartbeat_at BIGINT NOT NULL,
                state TEXT NOT NULL)
            """,
            """
            CREATE TABLE trial_results (
                trial_id BIGINT NOT NULL REFERENCES trials(id),
                part TEXT NOT NULL,
                uf1 DOUBLE PRECISION,
                uar DOUBLE PRECISION,
                acc DOUBLE PRECISION,
                n INTEGER NOT NULL,
                PRIMARY KEY (trial_id, part))
            """,
            """
            CREATE TABLE fold_scores (
                fold_id BIGINT PRIMARY KEY REFERENCES folds(id),
                uf1 DOUBLE PRECISION,
                uar DOUBLE PRECISION,
                acc DOUBLE PRECISION,
                n INTEGER NOT NULL)
            """,
        ]),
        (2, "Orleans cluster: membership, grain state, reminders",
        [
            """
            CREATE TABLE membership_versions (
                cluster_id TEXT PRIMARY KEY,
                version BIGINT NOT NULL,
                etag TEXT NOT NULL)
            """,
            """
            CREATE TABLE membership_silos (
                cluster_id TEXT NOT NULL,
                address TEXT NOT NULL,
                port INTEGER NOT NULL,
                generation INTEGER NOT NULL,
                silo_name TEXT NOT NULL,
                host_name TEXT NOT NULL,
                role_name TEXT NOT NULL,
                status TEXT NOT NULL,
                proxy_port INTEGER NOT NULL,
                update_zone INTEGER NOT NULL,
                fault_zone INTEGER NOT NULL,
                suspect_times TEXT NOT NULL,
                last_suspect_time BIGINT,
                start_time BIGINT NOT NULL,
                i_am_alive_time BIGINT NOT NULL,
                etag TEXT NOT NULL,
                PRIMARY KEY (cluster_id, address, port, generation))
            """,
            """
            CREATE TABLE grain_states (
                service_id TEXT NOT NULL,
                state_name TEXT NOT NULL,
                grain_id TEXT NOT NULL,
                payload {bytes} NOT NULL,
                etag TEXT NOT NULL,
                written_at BIGINT NOT NULL,
                PRIMARY KEY (service_id, state_name, grain_id))
            """,
            """
            CREATE TABLE reminders (
                service_id TEXT NOT NULL,
                grain_id TEXT NOT NULL,
                reminder_name TEXT NOT NULL,
                start_time BIGINT NOT NULL,
                period_ms BIGINT NOT NULL,
                grain_hash BIGINT NOT NULL,
                etag TEXT NOT NULL,
                PRIMARY KEY (service_id, grain_id, reminder_name))
            """,
            "CREATE INDEX reminders_by_hash ON reminders (service_id, grain_hash)",
        ]),
        (3, "folds run as Orleans grains: no leases, no worker table",
        [
            // A version-1 lease has no process behind it any more: its fold starts again.
            "UPDATE folds SET state = 'pending' WHERE state = 'leased'",
            "ALTER TABLE folds ADD COLUMN silo TEXT",
            "ALTER TABLE folds DROP COLUMN lease_owner",
            "ALTER TABLE folds DROP COLUMN lease_expires_at",
            "ALTER TABLE fold_attempts RENAME COLUMN worker TO silo",
            "DROP TABLE workers",
        ]),
        (4, "interruptions: an attempt lost with its silo is not a failure",
        [
            "ALTER TABLE sweeps ADD COLUMN max_interruptions INTEGER NOT NULL DEFAULT 20",
            "ALTER TABLE folds ADD COLUMN interruptions INTEGER NOT NULL DEFAULT 0",
            // A given-back attempt (its silo stopping) is an interruption now; it was never counted, and is not counted here.
            "UPDATE fold_attempts SET outcome = 'interrupted' WHERE outcome = 'given back'",
        ]),
        (5, "fold events: each fold's story, one row per thing that happened to it",
        [
            // No foreign keys: an event is written beside the fold's work, never in its transaction, and must not fail it.
            """
            CREATE TABLE fold_events (
                id {identity},
                sweep_id TEXT NOT NULL,
                trial_id BIGINT NOT NULL,
                fold_id BIGINT NOT NULL,
                attempt INTEGER NOT NULL,
                kind TEXT NOT NULL,
                silo TEXT,
                device TEXT,
                epoch INTEGER,
                message TEXT,
                at BIGINT NOT NULL)
            """,
            "CREATE INDEX fold_events_by_sweep ON fold_events (sweep_id, at, id)",
            "CREATE INDEX fold_events_by_fold ON fold_events (fold_id, at, id)",
        ]),
    ];

    public static int Latest => All[^1].Version;

    /// <summary>Brings the store to the latest version; safe when several processes open a fresh store at once.</summary>
    public static async Task ApplyAsync(StoreDialect dialect, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        if (dialect.BeforeMigration is { } prepare)
            await connection.ExecuteAsync(prepare);
        await using var transaction = await dialect.BeginWriteAsync(connection, cancellationToken);
        if (dialect.MigrationLock is { } takeLock)
            await connection.ExecuteAsync(takeLock, transaction: transaction);
        await connection.ExecuteAsync(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL)",
            transaction: transaction);
        var current = await connection.ExecuteScalarAsync<int?>("SELECT MAX(version) FROM schema_version", transaction: transaction) ?? 0;
        if (current > Latest)
            throw new InvalidOperationException(
                $"the store is at schema version {current}, newer than this program's {Latest}: upgrade mer before using this store");
        foreach (var (version, description, statements) in All.Where(m => m.Version > current))
        {
            foreach (var statement in statements)
                await connection.ExecuteAsync(dialect.Sql(statement), transaction: transaction);
            await connection.ExecuteAsync(dialect.Sql("INSERT INTO schema_version (version, description, applied_at) VALUES (@version, @description, {now})"),
                new { version, description }, transaction);
        }
        await transaction.CommitAsync(cancellationToken);
    }
}
