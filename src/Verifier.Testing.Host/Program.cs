using System.Globalization;
using System.Runtime.InteropServices;
using Verifier.Testing;

// Standalone LocalApiServer: dotnet run --project src/Verifier.Testing.Host -- --port 6443 --kubeconfig /tmp/kc.yaml
var options = new LocalApiServerOptions();
string? kubeconfig = null;
var issuers = new List<string>();
var serviceAccounts = new List<(string Namespace, string Name)>();
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--port": options.Port = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--kubeconfig": kubeconfig = Next(); break;
        case "--issuer": issuers.Add(Next()); break;
        case "--api-audience": options.ApiAudiences.Add(Next()); break;
        case "--admin-token": options.AdminToken = Next(); break;
        case "--max-token-expiration": options.MaxTokenExpiration = TimeSpan.FromSeconds(int.Parse(Next(), CultureInfo.InvariantCulture)); break;
        case "--token-review-cache-ttl": options.TokenReviewCacheTtl = TimeSpan.FromSeconds(int.Parse(Next(), CultureInfo.InvariantCulture)); break;
        case "--anonymous-discovery": options.IssuerDiscoveryGroups.Add("system:unauthenticated"); break;
        case "--path-base": options.PathBase = Next(); break;
        case "--service-account":
            var account = Next().Split('/');
            if (account.Length != 2 || account[0].Length == 0 || account[1].Length == 0)
            {
                Console.Error.WriteLine($"--service-account takes NAMESPACE/NAME, not '{string.Join('/', account)}'");
                return 2;
            }

            serviceAccounts.Add((account[0], account[1]));
            break;
        case "-h" or "--help":
            Console.WriteLine("""
                LocalApiServer: an emulated kube-apiserver subset (discovery, JWKS, TokenRequest, TokenReview, pods).
                  --port N                     port on 127.0.0.1 (default 6443; 0 = ephemeral)
                  --kubeconfig PATH            write a kubeconfig (CA data, admin token, current context)
                  --issuer URL                 service-account issuer (repeatable; first signs)
                  --api-audience AUD           API audience (repeatable; default: the issuers)
                  --admin-token TOKEN          admin bearer token (default: random)
                  --max-token-expiration SEC   clamp TokenRequest expirations
                  --token-review-cache-ttl SEC success cache like kube-apiserver's (default 0)
                  --anonymous-discovery        let anonymous callers read discovery and JWKS
                  --path-base PATH             serve under PATH, as behind a proxy (e.g. /k8s/clusters/local)
                  --service-account NS/NAME    create it (and its namespace) at start (repeatable)
                """);
            return 0;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]} (try --help)");
            return 2;
    }
}

if (!args.Contains("--port"))
{
    options.Port = 6443;
}

if (issuers.Count > 0)
{
    options.Issuers.Clear();
    foreach (var issuer in issuers)
    {
        options.Issuers.Add(issuer);
    }
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

// SIGTERM (kill, docker stop) stops it the same way; without this the host would swallow it and keep the process.
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});

await using var server = await LocalApiServer.StartAsync(options).ConfigureAwait(false);
foreach (var (ns, name) in serviceAccounts)
{
    server.CreateServiceAccount(ns, name);
}

if (kubeconfig is not null)
{
    server.WriteKubeconfig(kubeconfig);
}

Console.WriteLine($"LocalApiServer listening on {server.BaseAddress}");
Console.WriteLine($"  issuer:        {server.Issuer}");
Console.WriteLine($"  api audiences: {string.Join(", ", server.ApiAudiences)}");
Console.WriteLine($"  discovery:     {server.BaseAddress}.well-known/openid-configuration");
Console.WriteLine($"  jwks:          {server.BaseAddress}openid/v1/jwks (kid {server.SigningKey.KeyId})");
Console.WriteLine($"  admin token:   {server.AdminToken}");
foreach (var (ns, name) in serviceAccounts)
{
    Console.WriteLine($"  created:       serviceaccount {ns}/{name}");
}

Console.WriteLine(kubeconfig is null ? "  kubeconfig:    (none; pass --kubeconfig PATH)" : $"  kubeconfig:    {Path.GetFullPath(kubeconfig)}  (KUBECONFIG={kubeconfig} kubectl get pods)");
Console.WriteLine("Press Ctrl+C (or send SIGTERM) to stop.");
try
{
    await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
}
catch (OperationCanceledException)
{
    Console.WriteLine("Stopping.");
}

return 0;
