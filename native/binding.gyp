# libbpf-ts: N-API addon over the system libbpf (Debian libbpf-dev 1.1), built against /usr/include/node.
{
  "targets": [
    {
      "target_name": "libbpf_ts",
      # gyp strips a leading "lib" from module names; put it back: build/Release/libbpf_ts.node
      "product_prefix": "lib",
      "sources": [
        "src/addon.cc",
        "src/errors.cc",
        "src/fd_handle.cc",
        "src/libbpf_log.cc",
        "src/link_ops.cc",
        "src/map_ops.cc",
        "src/object_handle.cc",
        "src/prog_ops.cc",
        "src/system_ops.cc"
      ],
      "include_dirs": ["<!@(node -p \"require('node-addon-api').include\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra"],
      "libraries": ["-lbpf", "-lelf", "-lz"]
    }
  ]
}
