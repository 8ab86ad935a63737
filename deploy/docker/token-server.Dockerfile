# syntax=docker/dockerfile:1
# samples/TokenServer. Build from the repository root:
#   docker build -f deploy/docker/token-server.Dockerfile -t token-server:dev .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# global.json is left out on purpose: it pins the SDK patch of the development machines; the image brings its own 10.0 SDK.
COPY Directory.Build.props Directory.Packages.props ./
COPY src/Verifier/Verifier.csproj src/Verifier/
COPY src/Verifier.AspNetCore/Verifier.AspNetCore.csproj src/Verifier.AspNetCore/
COPY samples/TokenServer/TokenServer.csproj samples/TokenServer/
RUN dotnet restore samples/TokenServer/TokenServer.csproj
COPY src/Verifier/ src/Verifier/
COPY src/Verifier.AspNetCore/ src/Verifier.AspNetCore/
COPY samples/TokenServer/ samples/TokenServer/
COPY samples/Shared/ samples/Shared/
RUN dotnet publish samples/TokenServer/TokenServer.csproj -c Release -o /app --no-restore -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS final
WORKDIR /app
COPY --from=build /app ./
# Workstation GC keeps the heap small enough for the 256Mi limit in deploy/base.
ENV ASPNETCORE_HTTP_PORTS=8080 \
    DOTNET_gcServer=0
EXPOSE 8080
# The images' non-root user (uid 1654); numeric, so runAsNonRoot can verify it.
USER $APP_UID
ENTRYPOINT ["dotnet", "TokenServer.dll"]
