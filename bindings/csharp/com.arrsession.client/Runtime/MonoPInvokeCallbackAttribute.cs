using System;

namespace AOT
{
    /// <summary>
    /// Marks a static method that native code calls through a function pointer. IL2CPP (Unity's
    /// ahead-of-time compiler) generates a native entry point for every method carrying an attribute
    /// with this name; Mono and .NET ignore it. Declared here so the package needs no Unity assembly.
    /// </summary>
    [AttributeUsage(AttributeTargets.Method)]
    internal sealed class MonoPInvokeCallbackAttribute : Attribute
    {
        public MonoPInvokeCallbackAttribute(Type delegateType)
        {
            DelegateType = delegateType;
        }

        public Type DelegateType { get; private set; }
    }
}
