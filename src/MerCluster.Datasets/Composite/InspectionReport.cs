using System.Text.Json.Nodes;
using MerCluster.Datasets.Manifests;

namespace MerCluster.Datasets.Composite;

/// <summary>
/// What `mer datasets inspect --json` prints: <c>composite.subjects</c>, <c>composite.samples</c>, the composite's and
/// each part's class counts (<c>composite.parts.casme2.negative</c>...), the official table, the mismatches, and every
/// repaired and excluded sample with its flags or reason.
/// </summary>
public static class InspectionReport
{
    public static JsonObject Json(Manifest manifest, CompositeSummary summary)
    {
        var composite = Counts(summary.Composite);
        composite["parts"] = new JsonObject(summary.Parts.Select(p => KeyValuePair.Create(p.Name, (JsonNode?)Counts(p))));
        return new JsonObject
        {
            ["class_set"] = manifest.ClassSet,
            ["classes"] = Strings(manifest.Classes),
            ["manifest_hash"] = manifest.Hash,
            ["composite"] = composite,
            ["official"] = new JsonObject(summary.Official.Select(o =>
            {
                var part = new JsonObject { ["subjects"] = o.Subjects, ["samples"] = o.Samples };
                foreach (var (name, count) in o.Classes)
                    part[name] = count;
                return KeyValuePair.Create(o.Database, (JsonNode?)part);
            })),
            ["mismatches"] = Strings(summary.Mismatches()),
            ["repaired"] = new JsonArray([.. manifest.Samples.Where(s => s.Clip.Flags.Count > 0).Select(s => (JsonNode?)new JsonObject
            {
                ["database"] = s.Database,
                ["sample"] = s.SampleId,
                ["flags"] = Strings(s.Clip.Flags),
            })]),
            ["excluded"] = new JsonArray([.. manifest.Excluded.Select(e => (JsonNode?)new JsonObject
            {
                ["database"] = e.Database,
                ["sample"] = e.Sample,
                ["reason"] = e.Reason,
            })]),
        };
    }

    private static JsonObject Counts(PartCounts p)
    {
        var part = new JsonObject { ["subjects"] = p.Subjects, ["samples"] = p.Samples };
        foreach (var (name, count) in p.Classes)
            part[name] = count;
        part["repaired"] = p.Repaired;
        part["excluded"] = p.Excluded;
        return part;
    }

    private static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode?)v)]);
}
