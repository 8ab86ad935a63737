using System.Globalization;
using System.Text;

namespace Verifier.Testing.Server;

/// <summary>
/// The opaque <c>continue</c> of a paged list: the version the first page was read at and the last key served, so
/// every page shows the store at one version (kube-apiserver's token carries the same two things).
/// </summary>
internal static class ContinueToken
{
    public static string Encode(long resourceVersion, string lastKey) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(resourceVersion.ToString(CultureInfo.InvariantCulture) + "\n" + lastKey))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static bool TryDecode(string token, out long resourceVersion, out string lastKey)
    {
        resourceVersion = 0;
        lastKey = "";
        var base64 = token.Replace('-', '+').Replace('_', '/');
        base64 += new string('=', (4 - (base64.Length % 4)) % 4);
        var bytes = new byte[base64.Length];
        if (!Convert.TryFromBase64String(base64, bytes, out var written))
        {
            return false;
        }

        var text = Encoding.UTF8.GetString(bytes, 0, written);
        var newline = text.IndexOf('\n', StringComparison.Ordinal);
        if (newline <= 0 || !long.TryParse(text.AsSpan(0, newline), NumberStyles.None, CultureInfo.InvariantCulture, out resourceVersion))
        {
            return false;
        }

        lastKey = text[(newline + 1)..];
        return true;
    }
}
