using System.Runtime.CompilerServices;

// The test runner checks internals (the JSON reader, the native trampolines) directly.
[assembly: InternalsVisibleTo("ArrSession.Tests")]
