// BPF links: XDP attachment that the kernel ties to the fd (or pin), not to the netlink state.
#include <bpf/bpf.h>

#include "errors.h"
#include "fd_handle.h"
#include "ops.h"

namespace {

// (progFd, ifindex, attachType, flags) -> FdHandle
Napi::Value Create(const Napi::CallbackInfo& info) {
  bpf_link_create_opts opts{};
  opts.sz = sizeof(opts);
  opts.flags = ArgU32(info, 3);
  int fd = bpf_link_create(ArgFd(info, 0), static_cast<int>(ArgU32(info, 1)),
                           static_cast<bpf_attach_type>(ArgU32(info, 2)), &opts);
  if (fd < 0) ThrowBpf(info.Env(), {-fd, "bpf_link_create"});
  return FdHandle::Wrap(info.Env(), fd);
}

void Update(const Napi::CallbackInfo& info) {
  int err = ErrnoOf(bpf_link_update(ArgFd(info, 0), ArgFd(info, 1), nullptr));
  if (err) ThrowBpf(info.Env(), {err, "bpf_link_update"});
}

void Detach(const Napi::CallbackInfo& info) {
  int err = ErrnoOf(bpf_link_detach(ArgFd(info, 0)));
  if (err) ThrowBpf(info.Env(), {err, "bpf_link_detach"});
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bpf_link_info li{};
  uint32_t len = sizeof(li);
  int err = ErrnoOf(bpf_obj_get_info_by_fd(ArgFd(info, 0), &li, &len));
  if (err) ThrowBpf(env, {err, "bpf_obj_get_info_by_fd"});
  Napi::Object result = Napi::Object::New(env);
  result.Set("id", li.id);
  result.Set("progId", li.prog_id);
  result.Set("type", li.type);
  result.Set("ifindex", li.type == BPF_LINK_TYPE_XDP ? li.xdp.ifindex : 0);
  return result;
}

}  // namespace

void RegisterLinkOps(Napi::Env env, Napi::Object exports) {
  exports.Set("linkCreate", Napi::Function::New<Create>(env));
  exports.Set("linkUpdate", Napi::Function::New<Update>(env));
  exports.Set("linkDetach", Napi::Function::New<Detach>(env));
  exports.Set("linkInfo", Napi::Function::New<Info>(env));
}
