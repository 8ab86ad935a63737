using System.Xml.Linq;
using NUnit.Framework;

namespace Verifier.Tests.Deploy;

/// <summary>
/// The Dockerfiles build what the repository holds: multi-stage, <c>dotnet publish</c>, a non-root final user, every
/// project the sample depends on copied in, and the entry point named after the sample's assembly.
/// </summary>
public sealed class DockerfileTests
{
    [TestCase("deploy/docker/token-server.Dockerfile", "samples/TokenServer/TokenServer.csproj")]
    [TestCase("deploy/docker/token-client.Dockerfile", "samples/TokenClient/TokenClient.csproj")]
    public void Dockerfile_MultiStagePublishNonRootAndCopiesEveryProject(string dockerfile, string project)
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, dockerfile))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .ToList();
        var froms = lines.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToList();
        var finalStage = lines.Skip(lines.LastIndexOf(froms[^1])).ToList();
        var copied = lines.Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from", StringComparison.Ordinal))
            .SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1])
            .ToList();
        var assembly = Path.GetFileNameWithoutExtension(project);

        Assert.Multiple(() =>
        {
            Assert.That(froms, Has.Count.GreaterThanOrEqualTo(2), "multi-stage");
            Assert.That(froms[0], Does.StartWith("FROM mcr.microsoft.com/dotnet/sdk:10.0"));
            Assert.That(froms[^1], Does.StartWith("FROM mcr.microsoft.com/dotnet/aspnet:10.0"));
            Assert.That(lines, Has.Some.Contains("dotnet publish " + project));
            Assert.That(finalStage, Has.Some.Matches<string>(l => l == "USER $APP_UID" || System.Text.RegularExpressions.Regex.IsMatch(l!, "^USER [1-9][0-9]*$")));
            Assert.That(finalStage, Has.None.Matches<string>(l => l!.StartsWith("RUN ", StringComparison.Ordinal)), "nothing runs as root in the final stage");
            Assert.That(finalStage.Last(l => l.StartsWith("ENTRYPOINT", StringComparison.Ordinal)), Does.Contain($"\"{assembly}.dll\""));

            // Every project in the sample's reference closure is copied (csproj first for the restore layer, then sources).
            foreach (var dependency in ProjectClosure(project))
            {
                var directory = Path.GetDirectoryName(dependency)!.Replace('\\', '/') + "/";
                Assert.That(copied, Does.Contain(dependency), $"{dependency} for the restore layer");
                Assert.That(copied, Does.Contain(directory), $"{directory} sources");
                Assert.That(File.Exists(Path.Combine(RepositoryRoot.Path, dependency)), Is.True, dependency);
            }

            // Sources linked from outside a project's directory (samples/Shared) are copied too.
            foreach (var linked in LinkedSourceDirectories(ProjectClosure(project)))
            {
                Assert.That(copied, Does.Contain(linked), $"{linked} holds sources a project links");
            }

            foreach (var props in new[] { "Directory.Build.props", "Directory.Packages.props" })
            {
                Assert.That(copied, Does.Contain(props));
            }
        });
    }

    private static IEnumerable<string> LinkedSourceDirectories(IEnumerable<string> projects)
    {
        foreach (var project in projects)
        {
            var projectDirectory = Path.GetDirectoryName(project)!;
            foreach (var compile in XDocument.Load(Path.Combine(RepositoryRoot.Path, project)).Descendants("Compile"))
            {
                var include = compile.Attribute("Include")?.Value.Replace('\\', '/');
                if (include is null || !include.StartsWith("../", StringComparison.Ordinal))
                {
                    continue;
                }

                var full = Path.GetFullPath(Path.Combine(RepositoryRoot.Path, projectDirectory, Path.GetDirectoryName(include)!));
                yield return Path.GetRelativePath(RepositoryRoot.Path, full).Replace('\\', '/') + "/";
            }
        }
    }

    private static List<string> ProjectClosure(string project)
    {
        var result = new List<string>();
        var pending = new Stack<string>([project]);
        while (pending.Count > 0)
        {
            var current = pending.Pop();
            if (result.Contains(current))
            {
                continue;
            }

            result.Add(current);
            var document = XDocument.Load(Path.Combine(RepositoryRoot.Path, current));
            foreach (var reference in document.Descendants("ProjectReference"))
            {
                var include = reference.Attribute("Include")!.Value.Replace('\\', '/');
                var full = Path.GetFullPath(Path.Combine(RepositoryRoot.Path, Path.GetDirectoryName(current)!, include));
                pending.Push(Path.GetRelativePath(RepositoryRoot.Path, full).Replace('\\', '/'));
            }
        }

        return result;
    }
}
