// Process- and host-level queries plus the fd plumbing shared by maps, programs and links:
// pinning, opening pins, and turning ids into fds.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <net/if.h>

#include "errors.h"
#include "fd_handle.h"
#include "ops.h"

namespace {

Napi::Value NumPossibleCpus(const Napi::CallbackInfo& info) {
  int n = libbpf_num_possible_cpus();
  if (n < 0) ThrowBpf(info.Env(), {-n, "libbpf_num_possible_cpus"});
  return Napi::Number::New(info.Env(), n);
}

Napi::Value IfNameToIndex(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), if_nametoindex(ArgString(info, 0).c_str()));
}

Napi::Value IfIndexToName(const Napi::CallbackInfo& info) {
  char name[IF_NAMESIZE];
  if (if_indextoname(ArgU32(info, 0), name) == nullptr) return info.Env().Null();
  return Napi::String::New(info.Env(), name);
}

// -> {progId, mode (XDP_ATTACHED_*), drvProgId, skbProgId, hwProgId}
Napi::Value XdpQuery(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bpf_xdp_query_opts opts{};
  opts.sz = sizeof(opts);
  int err = ErrnoOf(bpf_xdp_query(static_cast<int>(ArgU32(info, 0)), 0, &opts));
  if (err) ThrowBpf(env, {err, "bpf_xdp_query"});
  Napi::Object result = Napi::Object::New(env);
  result.Set("progId", opts.prog_id);
  result.Set("mode", opts.attach_mode);
  result.Set("drvProgId", opts.drv_prog_id);
  result.Set("skbProgId", opts.skb_prog_id);
  result.Set("hwProgId", opts.hw_prog_id);
  return result;
}

Napi::Value ObjGet(const Napi::CallbackInfo& info) {
  int fd = bpf_obj_get(ArgString(info, 0).c_str());
  if (fd < 0) ThrowBpf(info.Env(), {-fd, "bpf_obj_get"});
  return FdHandle::Wrap(info.Env(), fd);
}

void ObjPin(const Napi::CallbackInfo& info) {
  int err = ErrnoOf(bpf_obj_pin(ArgFd(info, 0), ArgString(info, 1).c_str()));
  if (err) ThrowBpf(info.Env(), {err, "bpf_obj_pin"});
}

Napi::Value ProgFromId(const Napi::CallbackInfo& info) {
  int fd = bpf_prog_get_fd_by_id(ArgU32(info, 0));
  if (fd < 0) ThrowBpf(info.Env(), {-fd, "bpf_prog_get_fd_by_id"});
  return FdHandle::Wrap(info.Env(), fd);
}

Napi::Value MapFromId(const Napi::CallbackInfo& info) {
  int fd = bpf_map_get_fd_by_id(ArgU32(info, 0));
  if (fd < 0) ThrowBpf(info.Env(), {-fd, "bpf_map_get_fd_by_id"});
  return FdHandle::Wrap(info.Env(), fd);
}

}  // namespace

void RegisterSystemOps(Napi::Env env, Napi::Object exports) {
  exports.Set("numPossibleCpus", Napi::Function::New<NumPossibleCpus>(env));
  exports.Set("ifNameToIndex", Napi::Function::New<IfNameToIndex>(env));
  exports.Set("ifIndexToName", Napi::Function::New<IfIndexToName>(env));
  exports.Set("xdpQuery", Napi::Function::New<XdpQuery>(env));
  exports.Set("objGet", Napi::Function::New<ObjGet>(env));
  exports.Set("objPin", Napi::Function::New<ObjPin>(env));
  exports.Set("progFromId", Napi::Function::New<ProgFromId>(env));
  exports.Set("mapFromId", Napi::Function::New<MapFromId>(env));
}
