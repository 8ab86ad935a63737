using System.Globalization;
using System.Runtime.InteropServices;

namespace Verifier.Tests.Client;

/// <summary>
/// A projected-volume directory written exactly as the kubelet's AtomicWriter does: the payload in a timestamped
/// directory <c>..2026_01_01_00_00_00.NNN</c>, <c>..data</c> a symlink to it, and the user-visible
/// <c>factor-token -&gt; ..data/factor-token</c>. An update writes a new timestamped directory, points a new
/// <c>..data_tmp</c> symlink at it, renames <c>..data_tmp</c> over <c>..data</c> (rename(2), atomic) and removes the old directory.
/// </summary>
public sealed class KubeletTokenDirectory
{
    private int _generation;
    private string? _current;

    public KubeletTokenDirectory(string root, string fileName = "factor-token")
    {
        Root = root;
        FileName = fileName;
    }

    public string Root { get; }

    public string FileName { get; }

    public string TokenPath => Path.Combine(Root, FileName);

    public void Write(string token)
    {
        var generation = ++_generation;
        var stamp = "..2026_01_01_00_00_00." + generation.ToString("D9", CultureInfo.InvariantCulture);
        var payload = Path.Combine(Root, stamp);
        Directory.CreateDirectory(payload);
        File.WriteAllText(Path.Combine(payload, FileName), token);

        var dataTmp = Path.Combine(Root, "..data_tmp");
        Directory.CreateSymbolicLink(dataTmp, stamp);
        if (rename(dataTmp, Path.Combine(Root, "..data")) != 0)
        {
            throw new IOException($"rename(..data_tmp, ..data) failed: errno {Marshal.GetLastWin32Error()}");
        }

        if (generation == 1)
        {
            File.CreateSymbolicLink(TokenPath, Path.Combine("..data", FileName));
        }

        if (_current is not null)
        {
            Directory.Delete(Path.Combine(Root, _current), recursive: true);
        }

        _current = stamp;
    }

    // os.Rename in the kubelet; File.Move would look through the symlink.
#pragma warning disable SYSLIB1054 // LibraryImport needs AllowUnsafeBlocks in the test project; one call in a test does not justify it.
    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int rename([MarshalAs(UnmanagedType.LPUTF8Str)] string oldPath, [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath);
#pragma warning restore SYSLIB1054
}
