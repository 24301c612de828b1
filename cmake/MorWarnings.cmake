# Warnings are errors for project code only; generated (Verilator) and third-party code is compiled without them.
function(mor_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion -Werror>)
endfunction()

if(MOR_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# DECISIONS D0: host FP32 arithmetic is IEEE RNE with no contraction into FMA, in every translation unit of the
# project (the mor_headers target carries the same option to users outside it: model/CMakeLists.txt).
add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-ffp-contract=off> $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-ffp-contract=off>)
