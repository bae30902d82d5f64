# Cross-compiling for win-x64 from Linux with Debian's mingw-w64 (g++-mingw-w64-x86-64-posix: the posix
# threads variant, which has std::thread and std::mutex):
#   cmake -S app -B build -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/x86_64-w64-mingw32.cmake \
#         -DCMAKE_PREFIX_PATH=/path/to/arr_session-VERSION-win-x64
# Programs are linked with -static, so they need no mingw runtime DLL beside them (only arr_session.dll
# when they use arr_session::arr_session_shared). tests/packages/run.sh builds examples/cpp with it.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR AMD64)
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc-posix)
set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-posix)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
# Packages (arr_session's among them) also from CMAKE_PREFIX_PATH as given, not only under the root path.
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
