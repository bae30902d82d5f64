# Cross-compiling for linux-arm64 from Linux x64 with Debian's gcc-aarch64-linux-gnu / g++-aarch64-linux-gnu:
#   cmake -S app -B build -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake \
#         -DCMAKE_PREFIX_PATH=/path/to/arr_session-VERSION-linux-arm64
# Run the result on arm64, or here with qemu-user: QEMU_LD_PREFIX=/usr/aarch64-linux-gnu qemu-aarch64 ./app
# (tests/packages/run.sh builds examples/cpp with it).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
# Packages (arr_session's among them) also from CMAKE_PREFIX_PATH as given, not only under the root path.
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
