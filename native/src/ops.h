// Each file registers its functions on the addon's exports.
#pragma once

#include <napi.h>

void RegisterMapOps(Napi::Env env, Napi::Object exports);
void RegisterProgOps(Napi::Env env, Napi::Object exports);
void RegisterLinkOps(Napi::Env env, Napi::Object exports);
void RegisterSystemOps(Napi::Env env, Napi::Object exports);
