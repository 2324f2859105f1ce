// Every failing call surfaces as one JS Error carrying errno + syscall (+ detail, log, done);
// native/lib/errors.ts turns it into BpfError with a message naming the map/program/path.
#pragma once

#include <napi.h>

#include <string>

struct BpfFailure {
  int err;                  // positive errno (or libbpf's 4000+ codes)
  std::string syscall;      // libbpf function or system call that failed
  std::string detail = "";  // replaces strerror in the message when set
  std::string log = "";     // libbpf / verifier output captured during the call
  long long done = -1;      // batch calls: elements completed before the failure
};

[[noreturn]] void ThrowBpf(Napi::Env env, const BpfFailure& failure);

// libbpf 1.x returns -errno from its low-level wrappers.
inline int ErrnoOf(int ret) { return ret < 0 ? -ret : 0; }

// Argument checks live in TypeScript; these guard the boundary against misuse of the raw binding.
[[noreturn]] void ThrowType(Napi::Env env, const std::string& message);
int ArgFd(const Napi::CallbackInfo& info, size_t index);
uint32_t ArgU32(const Napi::CallbackInfo& info, size_t index);
std::string ArgString(const Napi::CallbackInfo& info, size_t index);
Napi::Buffer<uint8_t> ArgBuffer(const Napi::CallbackInfo& info, size_t index);
