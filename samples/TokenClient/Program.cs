// The factors client. In the cluster it reads its projected token (TokenClient:TokenPath) and calls
// TokenClient:ServerUrl every 10 s. Locally, against a running LocalApiServer and TokenServer (see README "Samples"):
//   dotnet run --project samples/TokenClient -- --local <kubeconfig> [n]
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

return await TokenClient.FactorsClient.RunAsync(args, cancellationToken: stop.Token);
