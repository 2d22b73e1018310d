# Portable CPU-only build of the addon with node-gyp (used for prebuildify and as the fallback of
# scripts/build-native.js when cmake is missing). Sources: native/sources.json (core + addon + gpuAbsent), as in CMakeLists.txt minus any GPU code:
# native/addon/gpu_absent.cc provides gpuStatus(). Output: build/Release/trt_landmarker.node.
{
  "variables": {
    "trtl_version": "<!(node -p \"require('./package.json').version\")"
  },
  "targets": [
    {
      "target_name": "trt_landmarker",
      "sources": [
        "<!@(node -p \"require('./native/sources.json').core.concat(require('./native/sources.json').addon, require('./native/sources.json').gpuAbsent).join(' ')\")"
      ],
      "include_dirs": [
        "<!@(node -p \"require('node-addon-api').include\")",
        "native"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "TRTL_VERSION=\"<(trtl_version)\"",
        "TRTL_VARIANT=\"cpu\"",
        "TRTL_GPU_ABSENT_REASON=\"portable CPU-only addon (binding.gyp build has no CUDA/TensorRT code)\""
      ],
      "conditions": [
        ["OS=='linux'", { "libraries": ["-ldl"] }]
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-fvisibility=hidden", "-fvisibility-inlines-hidden"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "GCC_SYMBOLS_PRIVATE_EXTERN": "YES",
        "MACOSX_DEPLOYMENT_TARGET": "10.15"
      },
      "msvs_settings": {
        "VCCLCompilerTool": { "ExceptionHandling": 1, "AdditionalOptions": ["/std:c++17"] }
      }
    }
  ]
}
