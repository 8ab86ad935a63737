using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;
using Verifier.Testing;

// Standalone LocalApiServer: dotnet run --project src/Verifier.Testing.Host -- --port 6443 --kubeconfig /tmp/kc.yaml
// A mistake on the command line or in the environment is one line on stderr naming the setting and a distinct exit
// code (listed in --help), never a stack trace.
const int ExitUsage = 2;
const int ExitKubeconfigNotWritable = 4;
const int ExitPortInUse = 5;

var options = new LocalApiServerOptions { Port = 6443 };
string? kubeconfig = null;
var issuers = new List<string>();
var serviceAccounts = new List<(string Namespace, string Name)>();
for (var i = 0; i < args.Length; i++)
{
    var arg = args[i];
    if (arg is "-h" or "--help")
    {
        Console.WriteLine("""
            LocalApiServer: an emulated kube-apiserver subset (discovery, JWKS, TokenRequest, TokenReview, pods).
            Usage: dotnet run --project src/Verifier.Testing.Host -- [options]
              --port N                     port on 127.0.0.1 (default 6443; 0 = a free one)
              --kubeconfig PATH            write a kubeconfig (CA data, admin token, current context; mode 0600)
              --issuer URL                 service-account issuer (repeatable; first signs)
              --api-audience AUD           API audience (repeatable; default: the issuers)
              --admin-token TOKEN          admin bearer token (default: random)
              --max-token-expiration SEC   clamp TokenRequest expirations
              --token-review-cache-ttl SEC success cache like kube-apiserver's (default 0)
              --anonymous-discovery        let anonymous callers read discovery and JWKS
              --path-base PATH             serve under PATH, as behind a proxy (e.g. /k8s/clusters/local)
              --service-account NS/NAME    create it (and its namespace) at start (repeatable)
            Exit codes: 0 stopped by Ctrl+C or SIGTERM, 2 bad command line, 4 --kubeconfig cannot be written,
            5 --port already in use.
            """);
        return 0;
    }

    if (!arg.StartsWith("--", StringComparison.Ordinal) || arg is "--anonymous-discovery")
    {
        if (arg is "--anonymous-discovery")
        {
            options.IssuerDiscoveryGroups.Add("system:unauthenticated");
            continue;
        }

        return Usage($"unexpected argument '{arg}' (try --help)");
    }

    if (arg is not ("--port" or "--kubeconfig" or "--issuer" or "--api-audience" or "--admin-token" or "--max-token-expiration"
        or "--token-review-cache-ttl" or "--path-base" or "--service-account"))
    {
        return Usage($"unknown option {arg} (try --help)");
    }

    if (i + 1 >= args.Length)
    {
        return Usage($"{arg} needs a value (try --help)");
    }

    var value = args[++i];
    switch (arg)
    {
        case "--port":
            if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
            {
                return Usage($"--port takes a port number 0-65535 (0 = a free one), not '{value}'");
            }

            options.Port = port;
            break;
        case "--kubeconfig": kubeconfig = value; break;
        case "--issuer":
            if (!Uri.TryCreate(value, UriKind.Absolute, out _))
            {
                return Usage($"--issuer takes an absolute URL, e.g. https://kubernetes.default.svc.cluster.local, not '{value}'");
            }

            issuers.Add(value);
            break;
        case "--api-audience": options.ApiAudiences.Add(value); break;
        case "--admin-token": options.AdminToken = value; break;
        case "--max-token-expiration":
            if (Seconds(value) is not { } max)
            {
                return Usage($"--max-token-expiration takes a positive number of seconds, not '{value}'");
            }

            options.MaxTokenExpiration = max;
            break;
        case "--token-review-cache-ttl":
            if (Seconds(value, allowZero: true) is not { } ttl)
            {
                return Usage($"--token-review-cache-ttl takes a number of seconds (0 = no cache), not '{value}'");
            }

            options.TokenReviewCacheTtl = ttl;
            break;
        case "--path-base":
            if (!value.StartsWith('/'))
            {
                return Usage($"--path-base takes a path starting with '/', e.g. /k8s/clusters/local, not '{value}'");
            }

            options.PathBase = value;
            break;
        case "--service-account":
            var account = value.Split('/');
            if (account.Length != 2 || account[0].Length == 0 || account[1].Length == 0)
            {
                return Usage($"--service-account takes NAMESPACE/NAME, e.g. token-demo/token-client-test, not '{value}'");
            }

            serviceAccounts.Add((account[0], account[1]));
            break;
        default:
            return Usage($"unknown option {arg} (try --help)");
    }
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

LocalApiServer server;
try
{
    server = await LocalApiServer.StartAsync(options).ConfigureAwait(false);
}
catch (IOException e) when (e.InnerException is AddressInUseException or SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
{
    Console.Error.WriteLine($"--port {options.Port}: 127.0.0.1:{options.Port} is already in use (another LocalApiServer?); stop that process, or pass another --port (--port 0 picks a free one)");
    return ExitPortInUse;
}
catch (ArgumentException e)
{
    // LocalApiServer's own option checks (issuer, audiences) name the option in their message.
    return Usage(e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal));
}

await using (server.ConfigureAwait(false))
{
    foreach (var (ns, name) in serviceAccounts)
    {
        server.CreateServiceAccount(ns, name);
    }

    if (kubeconfig is not null)
    {
        try
        {
            server.WriteKubeconfig(kubeconfig);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"--kubeconfig {kubeconfig}: cannot be written ({e.Message}); pass a path in a writable directory, e.g. /tmp/kc.yaml");
            return ExitKubeconfigNotWritable;
        }
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
}

return 0;

static int Usage(string message)
{
    Console.Error.WriteLine(message);
    return ExitUsage;
}

static TimeSpan? Seconds(string value, bool allowZero = false) =>
    int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var s) && (s > 0 || allowZero) ? TimeSpan.FromSeconds(s) : null;
