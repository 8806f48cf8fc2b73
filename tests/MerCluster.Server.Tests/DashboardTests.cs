using System.Net;

namespace MerCluster.Server.Tests;

/// <summary>The Orleans Dashboard the coordinator serves beside its API.</summary>
public sealed class DashboardTests : IAsyncLifetime
{
    private Coordinator _coordinator = null!;

    public async Task InitializeAsync() => _coordinator = await Coordinator.StartAsync();

    public async Task DisposeAsync() => await _coordinator.DisposeAsync();

    [Fact]
    public async Task The_orleans_dashboard_page_is_served_at_dashboard()
    {
        var page = await _coordinator.Http.GetAsync("dashboard");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("html", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }
}
