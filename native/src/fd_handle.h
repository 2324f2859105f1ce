// FdHandle owns one kernel object fd (map, program or link). close() releases it; the N-API
// finalizer and the environment cleanup hook are fallbacks for handles nobody closed.
// A map's fd may also carry one mmap'ed value area exposed to JS as an external ArrayBuffer.
#pragma once

#include <napi.h>

#include <memory>

#include "registry.h"

struct MmapRegion {
  void* addr = nullptr;
  size_t length = 0;
  void Unmap();
};

class FdHandle : public Napi::ObjectWrap<FdHandle>, public Releasable {
 public:
  static Napi::Function Define(Napi::Env env);
  // Wraps fd, taking ownership; closes it if wrapping fails.
  static Napi::Object Wrap(Napi::Env env, int fd);
  // The FdHandle behind a JS value, or a TypeError.
  static FdHandle* From(Napi::Env env, Napi::Value value);

  explicit FdHandle(const Napi::CallbackInfo& info);
  ~FdHandle() override;
  void Release() override;

  int fd() const { return fd_; }
  Napi::Value MapMemory(Napi::Env env, size_t dataSize);
  void UnmapMemory();

 private:
  Napi::Value GetFd(const Napi::CallbackInfo& info);
  void Close(const Napi::CallbackInfo& info);
  void CloseFd();

  int fd_ = -1;
  RegistryPtr registry_;
  std::shared_ptr<MmapRegion> region_;
  Napi::Reference<Napi::ArrayBuffer> buffer_;  // weak: JS decides how long the view lives
};
