// The factors server. In the cluster: port 8080, the in-cluster API server, Verifier__Audiences__0=factors.
// Locally, against a running LocalApiServer (see README "Samples"):
//   dotnet run --project samples/TokenServer -- --local <kubeconfig>
await TokenServer.FactorsServer.Build(args).RunAsync();
