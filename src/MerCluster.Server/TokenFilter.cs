using Microsoft.AspNetCore.Http;

namespace MerCluster.Server;

/// <summary>
/// Lets a mutating call through only with <c>Authorization: Bearer TOKEN</c>: 401 without it or with a wrong one, 403
/// when the server has no token configured (nobody can be authenticated, so nothing may change).
/// </summary>
public sealed class TokenFilter(ApiToken? token) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (token is null)
            return Results.Json(new ApiError($"this server has no API token (--token-file or {ApiToken.EnvironmentVariable}), so changes are disabled", null),
                statusCode: StatusCodes.Status403Forbidden);
        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        var presented = header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? header[scheme.Length..].Trim() : null;
        if (!token.Matches(presented))
        {
            context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
            return Results.Json(new ApiError("missing or wrong API token: send Authorization: Bearer <token>", null), statusCode: StatusCodes.Status401Unauthorized);
        }
        return await next(context);
    }
}
