using System.Globalization;
using System.Security;
using System.Text;
using MerCluster.Core.Metrics;

namespace MerCluster.Orchestration.Reports;

/// <summary>
/// A confusion matrix drawn as a standalone SVG: true classes down, predicted across, each cell shaded by its share
/// of the true class (so a rare class reads as clearly as a common one) and labelled with its count.
/// </summary>
public static class ConfusionMatrixSvg
{
    private const int Cell = 72;
    private const int Left = 120;
    private const int Top = 84;

    public static string Render(ConfusionMatrix matrix, string title)
    {
        var k = matrix.Classes.Count;
        // Wide enough for the title too (about 8 px a character at the title's size).
        var width = Math.Max(Left + k * Cell + 20, 8 * title.Length + 20);
        var height = Top + k * Cell + 44;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"  <title>{Xml(title)}</title>\n");
        svg.Append("  <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"  <text x=\"{width / 2}\" y=\"20\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">{Xml(title)}</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"  <text x=\"{Left + k * Cell / 2}\" y=\"42\" text-anchor=\"middle\">predicted (n = {matrix.N})</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"  <text x=\"14\" y=\"{Top + k * Cell / 2}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {Top + k * Cell / 2})\">true</text>\n");
        for (var c = 0; c < k; c++)
        {
            svg.Append(CultureInfo.InvariantCulture, $"  <text x=\"{Left + c * Cell + Cell / 2}\" y=\"{Top - 8}\" text-anchor=\"middle\">{Xml(matrix.Classes[c])}</text>\n");
            svg.Append(CultureInfo.InvariantCulture, $"  <text x=\"{Left - 8}\" y=\"{Top + c * Cell + Cell / 2 + 4}\" text-anchor=\"end\">{Xml(matrix.Classes[c])}</text>\n");
        }
        for (var r = 0; r < k; r++)
        {
            var support = matrix.Counts[r].Sum();
            for (var c = 0; c < k; c++)
            {
                var count = matrix.Counts[r][c];
                var share = support == 0 ? 0 : (double)count / support;
                // White to a dark blue, with the label turning white where the fill gets dark.
                var fill = $"rgb({Channel(255, 33, share)},{Channel(255, 84, share)},{Channel(255, 156, share)})";
                var ink = share > 0.55 ? "white" : "black";
                var x = Left + c * Cell;
                var y = Top + r * Cell;
                svg.Append(CultureInfo.InvariantCulture, $"  <rect x=\"{x}\" y=\"{y}\" width=\"{Cell}\" height=\"{Cell}\" fill=\"{fill}\" stroke=\"#888\"/>\n");
                svg.Append(CultureInfo.InvariantCulture, $"  <text x=\"{x + Cell / 2}\" y=\"{y + Cell / 2 + 5}\" text-anchor=\"middle\" fill=\"{ink}\">{count}</text>\n");
            }
        }
        var scores = matrix.Scores;
        svg.Append(CultureInfo.InvariantCulture, $"  <text x=\"{Left}\" y=\"{Top + k * Cell + 28}\">UF1 {ReportTable.Number(scores.Uf1, "n/a")}   UAR {ReportTable.Number(scores.Uar, "n/a")}   Acc {ReportTable.Number(scores.Acc, "n/a")}</text>\n");
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static int Channel(int from, int to, double share) => (int)Math.Round(from + (to - from) * share);

    private static string Xml(string text) => SecurityElement.Escape(text);
}
