using Uvnet.Interop;

namespace Uvnet.Tests;

/// <summary>Status codes as libuv has them: negative errno values with names and messages.</summary>
public sealed class UvErrorTests
{
    [Theory]
    [InlineData(UvError.EBUSY, -16, "EBUSY", "resource busy or locked")]
    [InlineData(UvError.EBADF, -9, "EBADF", "bad file descriptor")]
    [InlineData(UvError.EEXIST, -17, "EEXIST", "file already exists")]
    [InlineData(UvError.EAGAIN, -11, "EAGAIN", "resource temporarily unavailable")]
    [InlineData(UvError.ECONNREFUSED, -111, "ECONNREFUSED", "connection refused")]
    [InlineData(UvError.ECANCELED, -125, "ECANCELED", "operation canceled")]
    [InlineData(UvError.EOF, -4095, "EOF", "end of file")]
    public void StatusCodesAreNegativeErrnoValuesWithNamesAndMessages(int status, int value, string name, string message)
    {
        Assert.Equal(value, status);
        Assert.Equal(name, UvError.Name(status));
        Assert.Equal(message, UvError.Message(status));
    }

    [Fact]
    public void ZeroIsSuccess()
    {
        Assert.Equal("OK", UvError.Name(0));
        Assert.Equal("success", UvError.Message(0));
    }

    [Fact]
    public void UnknownCodesAreNamedWithTheirNumber()
    {
        Assert.Contains("-9999", UvError.Name(-9999));
        Assert.Contains("-9999", UvError.Message(-9999));
    }

    [Theory]
    [InlineData(100)] // EPROTO on macOS: passed through, it read as Linux's ENETDOWN
    [InlineData(52)] // ENETRESET on the BSDs: passed through, it read as Linux's ENONET
    public void BsdErrnoWithoutACodeBecomesAnUnknownCodeThatKeepsTheNumber(int errno)
    {
        int status = Errno.FromBsd(errno);

        Assert.Equal(UvError.UnknownErrnoBase - errno, status);
        Assert.NotEqual(-errno, status);
        Assert.Equal("UNKNOWN", UvError.Name(status));
        Assert.Contains($"errno {errno} ", UvError.Message(status));
    }

    [Theory]
    [InlineData(5, UvError.EIO)]
    [InlineData(35, UvError.EAGAIN)]
    [InlineData(36, UvError.EINPROGRESS)]
    [InlineData(61, UvError.ECONNREFUSED)]
    public void BsdErrnoWithACodeBecomesThatCode(int errno, int status)
    {
        Assert.Equal(status, Errno.FromBsd(errno));
    }
}
