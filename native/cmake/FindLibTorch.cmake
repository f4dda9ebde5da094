# Selects the LibTorch to build against.
#   LIBTORCH=/path/to/libtorch     a prebuilt (CUDA) LibTorch, or torch/ extracted from a PyTorch wheel
#   CMAKE_PREFIX_PATH=...           the usual CMake search path
#   neither                         Debian's libtorch-dev (found on CMake's default path)
set(_gz_libtorch "$ENV{LIBTORCH}")
if(NOT _gz_libtorch STREQUAL "")
  set(_gz_config "${_gz_libtorch}/share/cmake/Torch/TorchConfig.cmake")
  if(NOT EXISTS "${_gz_config}")
    message(FATAL_ERROR
      "LIBTORCH=${_gz_libtorch} is not a LibTorch: ${_gz_config} does not exist. "
      "Point LIBTORCH at the folder holding include/, lib/ and share/ of a LibTorch "
      "(or torch/ of an unpacked PyTorch wheel), or unset LIBTORCH to use Debian's libtorch-dev.")
  endif()
  set(Torch_DIR "${_gz_libtorch}/share/cmake/Torch" CACHE PATH "LibTorch CMake config" FORCE)
  # TorchConfig's find_library calls would otherwise find Debian's /usr libraries first.
  list(PREPEND CMAKE_PREFIX_PATH "${_gz_libtorch}")
else()
  # Forget a LIBTORCH of an earlier configure so that unsetting it really switches back.
  if(Torch_DIR AND NOT Torch_DIR MATCHES "^/usr/")
    unset(Torch_DIR CACHE)
  endif()
endif()

find_package(Torch REQUIRED)
message(STATUS "gazecoder: LibTorch ${Torch_VERSION} from ${TORCH_INSTALL_PREFIX}")

# Non-system LibTorch: let the addon and test binaries find its libraries without LD_LIBRARY_PATH.
if(NOT TORCH_INSTALL_PREFIX MATCHES "^/usr/?$")
  list(APPEND CMAKE_BUILD_RPATH "${TORCH_INSTALL_PREFIX}/lib")
  list(APPEND CMAKE_INSTALL_RPATH "${TORCH_INSTALL_PREFIX}/lib")
endif()

set(GAZECODER_WITH_CUDA OFF)
if(TARGET torch_cuda OR TORCH_CUDA_LIBRARIES)
  set(GAZECODER_WITH_CUDA ON)
endif()
