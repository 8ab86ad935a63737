// The factors client. In the cluster it reads its projected token (TokenClient:TokenPath) and calls
// TokenClient:ServerUrl every 10 s. Locally, against a running LocalApiServer and TokenServer (see README "Samples"):
//   dotnet run --project samples/TokenClient -- --local <kubeconfig> [n]
// Exit codes: 0 the last call got 200, 1 it did not, 2 bad command line, 3 a setting cannot work (named in the line).
using Microsoft.Extensions.Options;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

try
{
    return await TokenClient.FactorsClient.RunAsync(args, cancellationToken: stop.Token);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine("TokenClient: " + e.Message);
    return 2;
}
catch (OptionsValidationException e)
{
    Console.Error.WriteLine("TokenClient: configuration: " + string.Join(" ", e.Failures));
    return 3;
}
catch (InvalidOperationException e) when (Samples.SampleExit.IsBindingFailure(e))
{
    Console.Error.WriteLine("TokenClient: configuration: " + e.Message.ReplaceLineEndings(" ") + " Fix or remove that setting.");
    return 3;
}
catch (UriFormatException e)
{
    Console.Error.WriteLine($"TokenClient: configuration: TokenClient:ServerUrl is not an absolute URL ({e.Message}); e.g. --TokenClient:ServerUrl=http://127.0.0.1:8080");
    return 3;
}
catch (InvalidOperationException e) when (e.GetType().Name == "ClusterConfigurationException")
{
    // The library's connection error (unreadable kubeconfig, unknown context): its message names the setting.
    Console.Error.WriteLine("TokenClient: configuration: " + e.Message.ReplaceLineEndings(" "));
    return 3;
}
