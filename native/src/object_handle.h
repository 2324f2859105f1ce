// ObjectHandle owns a loaded struct bpf_object. Programs and maps leave it as dup()'ed fds in
// FdHandles, so they outlive close() of the object.
#pragma once

#include <napi.h>

#include "registry.h"

struct bpf_object;

class ObjectHandle : public Napi::ObjectWrap<ObjectHandle>, public Releasable {
 public:
  static Napi::Function Define(Napi::Env env);
  // openObject(path, {maxEntries, reuseFds, rodata}): bpf_object__open_file, options, load.
  static Napi::Value Open(const Napi::CallbackInfo& info);

  explicit ObjectHandle(const Napi::CallbackInfo& info);
  ~ObjectHandle() override;
  void Release() override;

 private:
  bpf_object* Loaded(Napi::Env env);
  Napi::Value MapNames(const Napi::CallbackInfo& info);
  Napi::Value ProgramNames(const Napi::CallbackInfo& info);
  Napi::Value Map(const Napi::CallbackInfo& info);
  Napi::Value Program(const Napi::CallbackInfo& info);
  void Close(const Napi::CallbackInfo& info);

  bpf_object* obj_ = nullptr;
  RegistryPtr registry_;
};
