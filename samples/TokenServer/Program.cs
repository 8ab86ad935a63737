// The factors server. In the cluster: port 8080, the in-cluster API server, Verifier__Audiences__0=factors.
// Locally, against a running LocalApiServer (see README "Samples"):
//   dotnet run --project samples/TokenServer -- --local <kubeconfig>
// A mistake is one line on stderr and an exit code: 2 bad command line, 3 a setting cannot work (named in the
// line), 5 the port is in use.
return await Samples.SampleExit.RunAsync("TokenServer", () => TokenServer.FactorsServer.Build(args));
