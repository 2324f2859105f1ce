// libbpf-ts: the N-API entry point. Sets up per-environment state and registers every function.
#include <napi.h>

#include "addon_data.h"
#include "fd_handle.h"
#include "libbpf_log.h"
#include "object_handle.h"
#include "ops.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  InstallLibbpfPrint();
  auto* data = new AddonData();
  env.SetInstanceData(data);
  data->fdHandleCtor = Napi::Persistent(FdHandle::Define(env));
  data->objectHandleCtor = Napi::Persistent(ObjectHandle::Define(env));
  RegistryPtr registry = data->registry;
  env.AddCleanupHook([registry]() { registry->ReleaseAll(); });

  exports.Set("openObject", Napi::Function::New<ObjectHandle::Open>(env));
  RegisterMapOps(env, exports);
  RegisterProgOps(env, exports);
  RegisterLinkOps(env, exports);
  RegisterSystemOps(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(libbpf_ts, Init)
