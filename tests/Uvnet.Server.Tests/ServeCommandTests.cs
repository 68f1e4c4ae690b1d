using Uvnet.Server.Commands;

namespace Uvnet.Server.Tests;

public class ServeCommandTests
{
    public static TheoryData<Exception, int> OpenFailures => new()
    {
        { new UnauthorizedAccessException(), 403 },
        { new FileNotFoundException(), 404 },
        { new DirectoryNotFoundException(), 404 },
        { new IOException("Too many open files", 24), 503 }, // EMFILE, as .NET reports it on Linux
        { new IOException("Too many open files in system", 23), 503 }, // ENFILE
    };

    [Theory]
    [MemberData(nameof(OpenFailures))]
    public void A_file_that_cannot_be_opened_is_forbidden_gone_or_out_of_descriptors(Exception error, int status) =>
        Assert.Equal(status, ServeCommand.OpenFailureStatus(error));
}
