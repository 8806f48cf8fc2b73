using System.Globalization;
using System.Net;
using System.Text;

namespace MerCluster.Server.Pages;

/// <summary>
/// The frame every results page shares: the document head with the page's own stylesheet and script (served by
/// `mer server` itself, since clusters are often offline), the site links, and the <c>main</c> element the script keeps
/// current. Text from the store always goes through <see cref="Text"/>.
/// </summary>
public static class PageLayout
{
    /// <summary>Only this server's own files: no CDN, no inline script or style.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <param name="refresh">
    /// How the page stays current: <c>poll</c>, or the URL of a server-sent event stream whose every message means
    /// "changed"; null for a page that no longer changes.
    /// </param>
    public static string Document(string title, string? refresh, string body)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(Text(title)).Append(" · MerCluster</title>\n")
            .Append("<link rel=\"stylesheet\" href=\"/assets/results.css\">\n")
            .Append("<script src=\"/assets/results.js\" defer></script>\n</head>\n<body>\n")
            .Append("<a class=\"skip\" href=\"#main\">Skip to the results</a>\n")
            .Append("<header class=\"site\"><nav aria-label=\"MerCluster\"><a href=\"/\">Sweeps</a> ")
            .Append("<a href=\"/dashboard\">Orleans Dashboard</a> <a href=\"/api/sweeps\">JSON API</a></nav></header>\n")
            .Append("<main id=\"main\" tabindex=\"-1\"");
        if (refresh == "poll")
            html.Append(" data-refresh=\"poll\"");
        else if (refresh is not null)
            html.Append(" data-refresh=\"events\" data-events=\"").Append(Text(refresh)).Append('"');
        html.Append(">\n").Append(body).Append("</main>\n</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>Text made safe in HTML content and in quoted attributes.</summary>
    public static string Text(string text) => WebUtility.HtmlEncode(text);

    /// <summary>A store time (Unix milliseconds) as UTC, to the minute.</summary>
    public static string Time(long unixMilliseconds) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds).UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";

    /// <summary>A sweep's page, which the other links of a sweep hang under.</summary>
    public static string SweepPath(string sweepId) => "/sweeps/" + Uri.EscapeDataString(sweepId);

    /// <summary>Folds done out of all, in words and, with <paramref name="bar"/>, as a bar of the folds finished.</summary>
    public static string Progress(FoldCounts folds, bool bar = true) =>
        (bar ? $"<progress max=\"{Math.Max(1, folds.Total)}\" value=\"{folds.Done + folds.Failed}\" aria-hidden=\"true\"></progress> " : "")
        + $"<span data-count=\"done\">{folds.Done}</span>/<span data-count=\"total\">{folds.Total}</span>";
}
