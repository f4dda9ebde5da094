# Which of LibTorch's c10d backends the core can use for data-parallel training.
#   GAZECODER_WITH_GLOO  ProcessGroupGloo (CPU, and CUDA tensors through host copies)
#   GAZECODER_WITH_NCCL  ProcessGroupNCCL (CUDA LibTorch only)
# LibTorch ships the c10d headers but not gloo's: they come from Debian's libgloo-dev, whose API is
# what ProcessGroupGloo.hpp needs on 1.13 and 2.x alike. The backends' code itself is in libtorch_cpu
# (statically linked gloo in PyTorch's builds, libgloo.so in Debian's).
include(CheckCXXSourceCompiles)

set(GAZECODER_WITH_GLOO OFF)
set(GAZECODER_WITH_NCCL OFF)
set(GAZECODER_C10D_LIBRARIES "")
set(GAZECODER_C10D_INCLUDE_DIRS "")
find_path(GAZECODER_GLOO_INCLUDE_DIR gloo/algorithm.h)
if(GAZECODER_GLOO_INCLUDE_DIR)
  list(APPEND GAZECODER_C10D_INCLUDE_DIRS ${GAZECODER_GLOO_INCLUDE_DIR})
endif()
find_path(GAZECODER_C10D_HEADER_DIR torch/csrc/distributed/c10d/ProcessGroupGloo.hpp HINTS ${TORCH_INCLUDE_DIRS} NO_DEFAULT_PATH)

function(_gz_c10d_compiles result header macro)
  set(CMAKE_REQUIRED_INCLUDES ${TORCH_INCLUDE_DIRS} ${GAZECODER_C10D_INCLUDE_DIRS})
  set(CMAKE_REQUIRED_FLAGS "${TORCH_CXX_FLAGS} -std=c++17")
  set(CMAKE_REQUIRED_QUIET ON)
  set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)  # compiling is the question; linking needs LibTorch
  check_cxx_source_compiles("
    #define ${macro}
    #include <torch/csrc/distributed/c10d/${header}>
    int probe() { return 0; }" ${result})
  set(${result} ${${result}} PARENT_SCOPE)
endfunction()

if(GAZECODER_GLOO_INCLUDE_DIR AND GAZECODER_C10D_HEADER_DIR)
  _gz_c10d_compiles(GAZECODER_GLOO_COMPILES ProcessGroupGloo.hpp USE_C10D_GLOO)
  if(GAZECODER_GLOO_COMPILES)
    set(GAZECODER_WITH_GLOO ON)
    # Debian's libtorch_cpu links libgloo.so; inline gloo code in the headers needs it too.
    if(TORCH_INSTALL_PREFIX MATCHES "^/usr/?$")
      find_library(GAZECODER_GLOO_LIBRARY gloo)
      if(GAZECODER_GLOO_LIBRARY)
        list(APPEND GAZECODER_C10D_LIBRARIES ${GAZECODER_GLOO_LIBRARY})
      endif()
    endif()
  endif()
endif()
if(GAZECODER_WITH_CUDA)
  # nccl.h and libnccl: the system's, or the nvidia-nccl wheel's beside a PyTorch wheel's torch/.
  find_path(GAZECODER_NCCL_INCLUDE_DIR nccl.h HINTS ${TORCH_INSTALL_PREFIX}/../nvidia/nccl/include)
  find_library(GAZECODER_NCCL_LIBRARY NAMES nccl libnccl.so.2 HINTS ${TORCH_INSTALL_PREFIX}/../nvidia/nccl/lib)
  if(GAZECODER_NCCL_INCLUDE_DIR AND GAZECODER_NCCL_LIBRARY)
    list(APPEND GAZECODER_C10D_INCLUDE_DIRS ${GAZECODER_NCCL_INCLUDE_DIR})
    _gz_c10d_compiles(GAZECODER_NCCL_COMPILES ProcessGroupNCCL.hpp USE_C10D_NCCL)
    if(GAZECODER_NCCL_COMPILES)
      set(GAZECODER_WITH_NCCL ON)
      list(APPEND GAZECODER_C10D_LIBRARIES ${GAZECODER_NCCL_LIBRARY})
    endif()
  endif()
endif()
message(STATUS "gazecoder: c10d gloo ${GAZECODER_WITH_GLOO}, nccl ${GAZECODER_WITH_NCCL}")
if(NOT GAZECODER_WITH_GLOO)
  message(STATUS "gazecoder: no c10d Gloo (install libgloo-dev); distributed training will be unavailable")
endif()
