// Per-environment state: the constructors of the handle classes and the registry of live
// kernel objects (see registry.h). Stored as N-API instance data, so workers get their own.
#pragma once

#include <napi.h>

#include "registry.h"

struct AddonData {
  Napi::FunctionReference fdHandleCtor;
  Napi::FunctionReference objectHandleCtor;
  RegistryPtr registry = std::make_shared<Registry>();
};

inline AddonData& GetAddonData(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }
