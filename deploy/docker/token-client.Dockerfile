# syntax=docker/dockerfile:1
# samples/TokenClient. Build from the repository root:
#   docker build -f deploy/docker/token-client.Dockerfile -t token-client:dev .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# global.json is left out on purpose: it pins the SDK patch of the development machines; the image brings its own 10.0 SDK.
COPY Directory.Build.props Directory.Packages.props ./
COPY src/Verifier/Verifier.csproj src/Verifier/
COPY samples/TokenClient/TokenClient.csproj samples/TokenClient/
RUN dotnet restore samples/TokenClient/TokenClient.csproj
COPY src/Verifier/ src/Verifier/
COPY samples/Shared/ samples/Shared/
COPY samples/TokenClient/ samples/TokenClient/
RUN dotnet publish samples/TokenClient/TokenClient.csproj -c Release -o /app --no-restore -p:UseAppHost=false

# The client references Microsoft.AspNetCore.App (for hosting), so it runs on the ASP.NET Core runtime image.
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS final
WORKDIR /app
COPY --from=build /app ./
# Workstation GC keeps the heap small enough for the 128Mi limit in deploy/base.
ENV DOTNET_gcServer=0
# The images' non-root user (uid 1654); numeric, so runAsNonRoot can verify it.
USER $APP_UID
ENTRYPOINT ["dotnet", "TokenClient.dll"]
