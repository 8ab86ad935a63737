using NUnit.Framework;
using Verifier.Client;

namespace Verifier.Tests.Client;

public sealed class TokenRequestSourceOptionsTests
{
    private static TokenRequestSourceOptions Valid() => new() { ServiceAccountName = "pod-viewer", Audiences = { "factors" }, ExpirationSeconds = 600 };

    [Test]
    public void Validate_Defaults_WithName_Valid()
    {
        Assert.That(TokenRequestSourceOptionsValidator.Validate(Valid()), Is.Null);
    }

    [TestCase(599, "600 (10 minutes)")]
    [TestCase(0, "600 (10 minutes)")]
    [TestCase(4294967297, "2^32")]
    public void Validate_ExpirationOutOfKubeRange_Explains(long seconds, string expected)
    {
        var options = Valid();
        options.ExpirationSeconds = seconds;

        Assert.That(TokenRequestSourceOptionsValidator.Validate(options), Does.Contain(expected));
    }

    [TestCase("ServiceAccountName")]
    [TestCase("RenewAtFraction")]
    [TestCase("RenewJitterFraction")]
    [TestCase("MaxAttempts")]
    [TestCase("RetryBaseDelay")]
    [TestCase("BoundObject:Kind")]
    [TestCase("BoundObject:Name")]
    public void Validate_BadSetting_NamesIt(string setting)
    {
        var options = Valid();
        switch (setting)
        {
            case "ServiceAccountName": options.ServiceAccountName = " "; break;
            case "RenewAtFraction": options.RenewAtFraction = 1; break;
            case "RenewJitterFraction": options.RenewJitterFraction = 0.9; break;
            case "MaxAttempts": options.MaxAttempts = 0; break;
            case "RetryBaseDelay": options.RetryBaseDelay = TimeSpan.FromMinutes(1); break;
            case "BoundObject:Kind": options.BoundObject = new BoundObjectReference { Kind = "Deployment", Name = "web" }; break;
            case "BoundObject:Name": options.BoundObject = new BoundObjectReference(); break;
        }

        Assert.That(TokenRequestSourceOptionsValidator.Validate(options), Does.Contain(setting));
    }
}
