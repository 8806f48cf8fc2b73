using System.Text.Json;
using System.Threading.Channels;
using MerCluster.Orchestration.Grains;
using MerCluster.Orchestration.Store;
using MerCluster.Orchestration.Sweeps;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace MerCluster.Server;

/// <summary>
/// GET /api/sweeps/{id}/progress: the sweep's progress as it happens, as server-sent events. The coordinator subscribes
/// an observer to the sweep's grain and writes one <c>data:</c> line of JSON (the sweep's status: folds per trial by
/// state, pooled UF1/UAR so far) per change, until the sweep finishes or the client goes away.
/// </summary>
public static class SweepProgressApi
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static void Map(RouteGroupBuilder api, CoordinationStore store, IGrainFactory grains)
    {
        api.MapGet("/sweeps/{id}/progress", async (string id, HttpContext context, CancellationToken ct) =>
        {
            if (await store.FindSweepAsync(id, ct) is not { } sweep)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                await context.Response.WriteAsJsonAsync(new ApiError($"no sweep '{id}'", null), ct);
                return;
            }
            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            var changes = Channel.CreateUnbounded<SweepStatus>();
            await using var follower = await SweepFollower.StartAsync(grains, sweep.Id, status => changes.Writer.TryWrite(status));
            try
            {
                await foreach (var status in changes.Reader.ReadAllAsync(ct))
                {
                    await context.Response.WriteAsync($"data: {JsonSerializer.Serialize(status, Json)}\n\n", ct);
                    await context.Response.Body.FlushAsync(ct);
                    if (status.Finished)
                        break;
                }
            }
            catch (OperationCanceledException)
            {
                // The client went away.
            }
        });
    }
}
