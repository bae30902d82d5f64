#if UNITY_EDITOR
using System;
using UnityEditor;
using UnityEngine;

namespace ArrSession.Editor
{
    /// <summary>
    /// Shuts the native library down before every domain reload — entering Play mode, a script change,
    /// edit mode included — because its callbacks point into the domain that is about to go away. The
    /// library's clients are closed then (clients with stop-on-close stop their owned sessions: they could
    /// not be reached from the next domain anyway); sessions of other clients keep running.
    /// </summary>
    [InitializeOnLoad]
    public static class ArrSessionEditorHooks
    {
        static ArrSessionEditorHooks()
        {
            AssemblyReloadEvents.beforeAssemblyReload -= OnBeforeAssemblyReload;
            AssemblyReloadEvents.beforeAssemblyReload += OnBeforeAssemblyReload;
        }

        private static void OnBeforeAssemblyReload()
        {
            try
            {
                // Only if this domain loaded the library: nothing to undo otherwise.
                ArrRuntime.ShutdownIfLoaded();
            }
            catch (Exception e)
            {
                Debug.LogException(e);
            }
        }
    }
}
#endif
