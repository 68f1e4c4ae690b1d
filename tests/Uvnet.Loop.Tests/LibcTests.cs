using System.Reflection;
using System.Runtime.InteropServices;
using Uvnet.Interop;

namespace Uvnet.Tests;

/// <summary>The shape of the libc bindings where the platform's ABI matters (variadic fcntl).</summary>
public sealed class LibcTests
{
    [Fact]
    public void FcntlOnAppleArm64PassesItsArgumentInTheFirstStackSlot()
    {
        // No macOS runs here, so the binding's shape is what can be checked: Apple arm64 passes variadic
        // arguments on the stack, so the argument must follow eight register-sized arguments (x0..x7) and
        // fill a whole 8-byte slot.
        MethodInfo binding = FcntlBinding("FcntlArgumentOnStack");
        Type[] parameters = binding.GetParameters().Select(p => p.ParameterType).ToArray();

        Assert.Equal(9, parameters.Length);
        Assert.Equal([typeof(int), typeof(int)], parameters[..2]);
        Assert.All(parameters[2..], t => Assert.Equal(typeof(nint), t));
        Assert.Equal(OperatingSystem.IsMacOS() && RuntimeInformation.ProcessArchitecture == Architecture.Arm64, Libc.VariadicArgumentsOnStack);
    }

    [Fact]
    public void FcntlElsewherePassesItsArgumentThird()
    {
        Type[] parameters = FcntlBinding("FcntlArgumentInRegister").GetParameters().Select(p => p.ParameterType).ToArray();

        Assert.Equal([typeof(int), typeof(int), typeof(int)], parameters);
    }

    [Fact]
    public void FcntlSetsAndReadsBackDescriptorFlags()
    {
        using var pipe = new TestPipe(); // made non-blocking and close-on-exec through Fcntl

        Assert.NotEqual(0, Libc.Fcntl(pipe.ReadFd, Libc.F_GETFL, 0) & Libc.O_NONBLOCK);
        Assert.Equal(Libc.FD_CLOEXEC, Libc.Fcntl(pipe.ReadFd, Libc.F_GETFD, 0) & Libc.FD_CLOEXEC);
        Assert.Equal(0, Libc.Fcntl(pipe.ReadFd, Libc.F_SETFD, 0));
        Assert.Equal(0, Libc.Fcntl(pipe.ReadFd, Libc.F_GETFD, 0) & Libc.FD_CLOEXEC);
    }

    private static MethodInfo FcntlBinding(string name)
    {
        MethodInfo? binding = typeof(Libc).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static);
        Assert.NotNull(binding);
        Assert.Equal("fcntl", binding.GetCustomAttribute<LibraryImportAttribute>()?.EntryPoint);
        return binding;
    }
}
